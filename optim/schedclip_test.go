package optim

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

func sgd() *SGD { return NewSGD([]*autograd.Tensor{autograd.Zeros(1)}, 0.1) }

// lrs returns the learning rate after construction and after each of n
// steps of s (stepping opt first, as a training loop does).
func lrs(opt Optimizer, s Scheduler, n int) []float64 {
	out := []float64{opt.LR()}
	for range n {
		opt.Step()
		s.Step()
		out = append(out, opt.LR())
	}
	return out
}

// lrTol is the tolerance for learning rates (testutil.Close's): within
// the 1e-15 + 1e-12·|want| these tests allowed before, for rates >= 0.02.
const lrTol = 2e-14

func TestSchedulerValues(t *testing.T) {
	cases := []struct {
		name string
		make func(Optimizer) Scheduler
		n    int
		want []float64
	}{
		{"StepLR halves every two epochs", func(o Optimizer) Scheduler { return NewStepLR(o, 2, 0.5) }, 5,
			[]float64{0.1, 0.1, 0.05, 0.05, 0.025, 0.025}},
		{"CosineAnnealingLR reaches etaMin at tMax and comes back after 2·tMax",
			func(o Optimizer) Scheduler { return NewCosineAnnealingLR(o, 2, 0.02) }, 4,
			[]float64{0.1, 0.06, 0.02, 0.06, 0.1}},
		{"LinearLR warms up from a quarter over four epochs and stays",
			func(o Optimizer) Scheduler { return NewLinearLR(o, 0.25, 1, 4) }, 6,
			[]float64{0.025, 0.04375, 0.0625, 0.08125, 0.1, 0.1, 0.1}},
		{"SequentialLR warms up for two epochs, then decays by StepLR from the base rate",
			func(o Optimizer) Scheduler {
				return NewSequentialLR(o, []Scheduler{NewLinearLR(o, 0.5, 1, 2), NewStepLR(o, 1, 0.5)}, []int{2})
			}, 4,
			[]float64{0.05, 0.075, 0.1, 0.05, 0.025}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opt := sgd()
			s := c.make(opt)
			testutil.AllClose(t, "learning rates", lrs(opt, s, c.n), c.want, lrTol)
		})
	}
}

func TestSchedulerFollowsOutsideChanges(t *testing.T) {
	// The chainable form works from the optimizer's current rate, as
	// PyTorch's does: a rate changed by hand is decayed from there.
	opt := sgd()
	s := NewStepLR(opt, 1, 0.5)
	opt.SetLR(1)
	s.Step()
	if opt.LR() != 0.5 || s.LR() != 0.5 {
		t.Errorf("after SetLR(1) and a step of gamma 0.5: optimizer %v, scheduler %v, want 0.5", opt.LR(), s.LR())
	}
}

func TestSchedulersShareTheFirstBaseRate(t *testing.T) {
	// As PyTorch's initial_lr: the cosine made after a warm-up (which has
	// already cut the rate to 0.01) still anneals from 0.1.
	opt := sgd()
	w := NewLinearLR(opt, 0.1, 1, 5)
	c := NewCosineAnnealingLR(opt, 10, 0)
	if w.baseLRs[0] != 0.1 || c.baseLRs[0] != 0.1 {
		t.Errorf("base rates %v and %v, want 0.1", w.baseLRs, c.baseLRs)
	}
}

// fakeOptimizer is an Optimizer from outside the package.
type fakeOptimizer struct{ lr float64 }

func (f *fakeOptimizer) Step()            {}
func (f *fakeOptimizer) ZeroGrad()        {}
func (f *fakeOptimizer) LR() float64      { return f.lr }
func (f *fakeOptimizer) SetLR(lr float64) { f.lr = lr }
func (f *fakeOptimizer) NumGroups() int   { return 1 }
func (f *fakeOptimizer) GroupLR(int) float64 {
	return f.lr
}
func (f *fakeOptimizer) SetGroupLR(_ int, lr float64) { f.lr = lr }

func TestSchedulerDrivesAnyOptimizer(t *testing.T) {
	opt := &fakeOptimizer{lr: 1}
	s := NewStepLR(opt, 1, 0.5)
	testutil.AllClose(t, "learning rates", lrs(opt, s, 3), []float64{1, 0.5, 0.25, 0.125}, lrTol)
}

func TestSchedulersRejectBadArguments(t *testing.T) {
	opt := sgd()
	other := sgd()
	cases := []struct {
		name string
		op   string
		want []string
		f    func()
	}{
		{"StepLR with a zero step size", "StepLR", []string{"step size 0"}, func() { NewStepLR(opt, 0, 0.1) }},
		{"StepLR with a negative gamma", "StepLR", []string{"gamma -0.1"}, func() { NewStepLR(opt, 1, -0.1) }},
		{"StepLR with a nil optimizer", "StepLR", []string{"nil optimizer"}, func() { NewStepLR(nil, 1, 0.1) }},
		{"CosineAnnealingLR with tMax 0", "CosineAnnealingLR", []string{"T_max 0"}, func() { NewCosineAnnealingLR(opt, 0, 0) }},
		{"CosineAnnealingLR with a NaN etaMin", "CosineAnnealingLR", []string{"eta_min NaN"}, func() { NewCosineAnnealingLR(opt, 5, math.NaN()) }},
		{"LinearLR with a zero start factor", "LinearLR", []string{"start factor 0"}, func() { NewLinearLR(opt, 0, 1, 5) }},
		{"LinearLR with an end factor above 1", "LinearLR", []string{"end factor 2"}, func() { NewLinearLR(opt, 0.5, 2, 5) }},
		{"LinearLR with no iterations", "LinearLR", []string{"total iterations 0"}, func() { NewLinearLR(opt, 0.5, 1, 0) }},
		{"SequentialLR with no schedulers", "SequentialLR", []string{"no schedulers"}, func() { NewSequentialLR(opt, nil, nil) }},
		{"SequentialLR with too many milestones", "SequentialLR", []string{"2 schedulers need 1 milestones, not 2"}, func() {
			NewSequentialLR(opt, []Scheduler{NewStepLR(opt, 1, 1), NewStepLR(opt, 1, 1)}, []int{1, 2})
		}},
		{"SequentialLR with decreasing milestones", "SequentialLR", []string{"milestones [3 2]"}, func() {
			NewSequentialLR(opt, []Scheduler{NewStepLR(opt, 1, 1), NewStepLR(opt, 1, 1), NewStepLR(opt, 1, 1)}, []int{3, 2})
		}},
		{"SequentialLR with another optimizer's scheduler", "SequentialLR", []string{"scheduler 1 belongs to another optimizer"}, func() {
			NewSequentialLR(opt, []Scheduler{NewStepLR(opt, 1, 1), NewStepLR(other, 1, 1)}, []int{1})
		}},
		{"SequentialLR with a stepped scheduler", "SequentialLR", []string{"scheduler 0 has been stepped"}, func() {
			s := NewStepLR(opt, 1, 1)
			s.Step()
			NewSequentialLR(opt, []Scheduler{s}, nil)
		}},
		{"SequentialLR inside SequentialLR", "SequentialLR", []string{"*optim.SequentialLR", "cannot be sequenced"}, func() {
			inner := NewSequentialLR(opt, []Scheduler{NewStepLR(opt, 1, 1)}, nil)
			NewSequentialLR(opt, []Scheduler{inner}, nil)
		}},
		{"SequentialLR with a nil optimizer", "SequentialLR", []string{"nil optimizer"}, func() { NewSequentialLR(nil, nil, nil) }},
	}
	for _, c := range cases {
		t.Run(c.name+" panics", func(t *testing.T) { wantPanic(t, c.op, c.want, c.f) })
	}
}

// gradsOf returns parameters whose gradients are the given values.
func gradsOf(gs ...[]float64) []*autograd.Tensor {
	ps := make([]*autograd.Tensor, len(gs))
	var loss *autograd.Tensor
	for i, g := range gs {
		ps[i] = autograd.Zeros(len(g)).SetRequiresGrad(true)
		term := ps[i].Mul(autograd.New(g)).Sum()
		if loss == nil {
			loss = term
		} else {
			loss = loss.Add(term)
		}
	}
	loss.Backward()
	return ps
}

// clipTol is the tolerance for clipped norms and gradients
// (testutil.Close's). These tests allowed 1e-15·|want| before; that has no
// equivalent at the zeros they expect, and the values come out exact, so
// they compare exactly (NaN equal to NaN, 0 to -0).
const clipTol = 0

func TestClipGradNorm(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	cases := []struct {
		name      string
		grads     [][]float64
		maxNorm   float64
		wantNorm  float64
		wantGrads [][]float64
	}{
		{"a norm of 5 is scaled down to 1", [][]float64{{3}, {0, 4}}, 1, 5,
			[][]float64{{3 / (5 + 1e-6)}, {0, 4 / (5 + 1e-6)}}},
		{"a norm below the maximum is left alone", [][]float64{{3}, {0, 4}}, 10, 5,
			[][]float64{{3}, {0, 4}}},
		{"a norm equal to the maximum is scaled by max/(norm+1e-6) as in PyTorch", [][]float64{{3}, {0, 4}}, 5, 5,
			[][]float64{{3 * 5 / (5 + 1e-6)}, {0, 4 * 5 / (5 + 1e-6)}}},
		{"a zero maximum zeroes the gradients", [][]float64{{3, -4}}, 0, 5, [][]float64{{0, 0}}},
		{"a NaN gradient makes every gradient NaN", [][]float64{{1, nan}, {2}}, 1, nan, [][]float64{{nan, nan}, {nan}}},
		{"an infinite gradient zeroes the finite ones and leaves NaN", [][]float64{{1, inf}, {2}}, 1, inf, [][]float64{{0, nan}, {0}}},
		{"an infinite maximum clips nothing", [][]float64{{3, 4}}, inf, 5, [][]float64{{3, 4}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ps := gradsOf(c.grads...)
			got := ClipGradNorm(ps, c.maxNorm)
			if !testutil.Close(got, c.wantNorm, clipTol) {
				t.Errorf("norm %v, want %v", got, c.wantNorm)
			}
			for i, want := range c.wantGrads {
				testutil.AllClose(t, fmt.Sprintf("grad %d", i), ps[i].Grad().Data(), want, clipTol)
			}
		})
	}
}

func TestClipGradNormSkipsParametersWithoutGradients(t *testing.T) {
	ps := gradsOf([]float64{3, 4})
	none := autograd.Zeros(2).SetRequiresGrad(true)
	if got := ClipGradNorm([]*autograd.Tensor{none}, 1); got != 0 {
		t.Errorf("norm of no gradients %v, want 0", got)
	}
	if got := ClipGradNorm(append(ps, none), 1); got != 5 {
		t.Errorf("norm %v, want 5", got)
	}
	if none.Grad() != nil {
		t.Error("a parameter without a gradient got one")
	}
}

func TestClipGradNormAllocatesNothing(t *testing.T) {
	ps := gradsOf(make([]float64, 100), make([]float64, 10))
	if a := testing.AllocsPerRun(100, func() { ClipGradNorm(ps, 1) }); a != 0 {
		t.Errorf("%v allocations per ClipGradNorm, want 0", a)
	}
}

func TestClipGradValue(t *testing.T) {
	ps := gradsOf([]float64{-3, -0.5, 0, 0.5, 3, math.NaN()}, []float64{10})
	ClipGradValue(ps, 1)
	want := []float64{-1, -0.5, 0, 0.5, 1, math.NaN()}
	g := ps[0].Grad().Data()
	testutil.AllClose(t, "clamped gradient", g, want, clipTol)
	if g := ps[1].Grad().Item(); g != 1 {
		t.Errorf("second gradient %v, want 1", g)
	}
}

func TestClipNonContiguousGradients(t *testing.T) {
	// In create-graph mode, from a seed that itself requires a gradient,
	// p.Sum()'s gradient is the seed expanded: a stride-0 view of one value
	// that carries a graph. It cannot be written in place, and the error
	// says so.
	p := autograd.New([]float64{1, 2, 3, 4}, 2, 2).SetRequiresGrad(true)
	seed := autograd.Scalar(1).SetRequiresGrad(true)
	p.Sum().BackwardWith(seed, autograd.CreateGraph)
	if p.Grad().Value().IsContiguous() {
		t.Fatal("the gradient is contiguous: this test no longer builds the expanded gradient it is about")
	}
	if got := ClipGradNorm([]*autograd.Tensor{p}, 10); got != 2 {
		t.Errorf("norm %v, want 2", got)
	}
	e := testutil.Panics[*tensor.Error](t, func() { ClipGradNorm([]*autograd.Tensor{p}, 1) })
	if !strings.Contains(e.Error(), "ClipGradNorm") || !strings.Contains(e.Error(), "parameter 0") {
		t.Errorf("scaling an expanded gradient in place: panic %v, want a *tensor.Error naming ClipGradNorm and the parameter", e)
	}
	e = testutil.Panics[*tensor.Error](t, func() { ClipGradValue([]*autograd.Tensor{p}, 0.5) })
	if !strings.Contains(e.Error(), "ClipGradValue") || !strings.Contains(e.Error(), "parameter 0") {
		t.Errorf("clamping an expanded gradient in place: panic %v, want a *tensor.Error naming ClipGradValue and the parameter", e)
	}
}

func TestClipRejectsBadArguments(t *testing.T) {
	ps := gradsOf([]float64{1})
	cases := []struct {
		name string
		op   string
		want []string
		f    func()
	}{
		{"ClipGradNorm with a negative maximum", "ClipGradNorm", []string{"max norm -1"}, func() { ClipGradNorm(ps, -1) }},
		{"ClipGradNorm with a NaN maximum", "ClipGradNorm", []string{"max norm NaN"}, func() { ClipGradNorm(ps, math.NaN()) }},
		{"ClipGradNorm with a nil parameter", "ClipGradNorm", []string{"parameter 1 is nil"}, func() { ClipGradNorm(append(ps, nil), 1) }},
		{"ClipGradValue with a negative value", "ClipGradValue", []string{"clip value -1"}, func() { ClipGradValue(ps, -1) }},
		{"ClipGradValue with a nil parameter", "ClipGradValue", []string{"parameter 0 is nil"}, func() { ClipGradValue([]*autograd.Tensor{nil}, 1) }},
	}
	for _, c := range cases {
		t.Run(c.name+" panics", func(t *testing.T) { wantPanic(t, c.op, c.want, c.f) })
	}
}

func TestSchedulerStepAllocatesNothing(t *testing.T) {
	cases := []struct {
		name string
		make func(Optimizer) Scheduler
	}{
		{"StepLR", func(o Optimizer) Scheduler { return NewStepLR(o, 3, 0.5) }},
		{"CosineAnnealingLR", func(o Optimizer) Scheduler { return NewCosineAnnealingLR(o, 10, 0) }},
		{"LinearLR", func(o Optimizer) Scheduler { return NewLinearLR(o, 0.1, 1, 10) }},
		{"SequentialLR", func(o Optimizer) Scheduler {
			return NewSequentialLR(o, []Scheduler{NewLinearLR(o, 0.1, 1, 5), NewCosineAnnealingLR(o, 50, 0)}, []int{5})
		}},
	}
	for _, c := range cases {
		t.Run(c.name+" allocates nothing per step", func(t *testing.T) {
			s := c.make(sgd())
			if a := testing.AllocsPerRun(20, s.Step); a != 0 {
				t.Errorf("%v allocations per Step, want 0", a)
			}
		})
	}
}
