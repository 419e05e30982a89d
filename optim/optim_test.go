package optim

import (
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

// wantPanic runs f and checks that it panics with a *tensor.Error of
// package optim for op whose message contains every string of want.
func wantPanic(t *testing.T, op string, want []string, f func()) {
	t.Helper()
	e := testutil.Panics[*tensor.Error](t, f)
	if e.Pkg != "optim" || e.Op != op {
		t.Errorf("panic from %s: %s, want optim: %s (%v)", e.Pkg, e.Op, op, e)
	}
	for _, w := range want {
		if !strings.Contains(e.Error(), w) {
			t.Errorf("panic %q does not contain %q", e.Error(), w)
		}
	}
}

func leaves() []*autograd.Tensor {
	return []*autograd.Tensor{
		autograd.New([]float64{1, 2, 3, 4, 5, 6}, 3, 2).SetRequiresGrad(true),
		autograd.New([]float64{-1, 1}, 2).SetRequiresGrad(true),
	}
}

func TestConstructorsRejectBadArguments(t *testing.T) {
	ps := leaves()
	nonLeaf := ps[0].MulScalar(2)
	strided := autograd.From(tensor.New([]float64{1, 2, 3, 4, 5, 6}, 2, 3).Transpose(0, 1))
	cases := []struct {
		name string
		op   string
		want []string
		f    func()
	}{
		{"SGD with a negative learning rate", "SGD", []string{"learning rate -0.1"}, func() { NewSGD(ps, -0.1) }},
		{"SGD with a zero learning rate", "SGD", []string{"learning rate 0 "}, func() { NewSGD(ps, 0) }},
		{"Adam with a NaN learning rate", "Adam", []string{"learning rate NaN"}, func() { NewAdam(ps, math.NaN()) }},
		{"AdamW with an infinite learning rate", "AdamW", []string{"learning rate +Inf"}, func() { NewAdamW(ps, math.Inf(1)) }},
		{"RMSprop with a negative learning rate", "RMSprop", []string{"learning rate -1"}, func() { NewRMSprop(ps, -1) }},
		{"SGD with no parameters", "SGD", []string{"empty parameter list"}, func() { NewSGD(nil, 0.1) }},
		{"Adam with a nil parameter", "Adam", []string{"parameter 1 is nil"}, func() { NewAdam([]*autograd.Tensor{ps[0], nil}, 0.1) }},
		{"SGD with a non-leaf parameter", "SGD", []string{"not a leaf", "[3 2]"}, func() { NewSGD([]*autograd.Tensor{nonLeaf}, 0.1) }},
		{"RMSprop with a non-contiguous parameter", "RMSprop", []string{"not contiguous", "[3 2]", "[1 3]"}, func() { NewRMSprop([]*autograd.Tensor{strided}, 0.1) }},
		{"AdamW with a parameter listed twice", "AdamW", []string{"appears twice"}, func() { NewAdamW([]*autograd.Tensor{ps[0], ps[1], ps[0]}, 0.1) }},
		{"SGD with negative momentum", "SGD", []string{"momentum -0.5"}, func() { NewSGD(ps, 0.1, Momentum(-0.5)) }},
		{"SGD with NaN dampening", "SGD", []string{"dampening NaN"}, func() { NewSGD(ps, 0.1, Dampening(math.NaN())) }},
		{"SGD with negative weight decay", "SGD", []string{"weight decay -0.01"}, func() { NewSGD(ps, 0.1, WeightDecay(-0.01)) }},
		{"SGD with Nesterov and no momentum", "SGD", []string{"Nesterov", "momentum 0, dampening 0"}, func() { NewSGD(ps, 0.1, Nesterov(true)) }},
		{"SGD with Nesterov and dampening", "SGD", []string{"Nesterov", "dampening 0.1"}, func() { NewSGD(ps, 0.1, Momentum(0.9), Dampening(0.1), Nesterov(true)) }},
		{"SGD with an Adam option", "SGD", []string{"option Betas does not apply to SGD"}, func() { NewSGD(ps, 0.1, Betas(0.9, 0.99)) }},
		{"SGD with a zero Option", "SGD", []string{"zero Option"}, func() { NewSGD(ps, 0.1, Option{}) }},
		{"Adam with beta1 = 1", "Adam", []string{"beta parameter at index 0: 1"}, func() { NewAdam(ps, 0.1, Betas(1, 0.999)) }},
		{"Adam with a negative beta2", "Adam", []string{"beta parameter at index 1: -0.1"}, func() { NewAdam(ps, 0.1, Betas(0.9, -0.1)) }},
		{"Adam with a NaN beta1", "Adam", []string{"index 0: NaN"}, func() { NewAdam(ps, 0.1, Betas(math.NaN(), 0.999)) }},
		{"AdamW with a negative eps", "AdamW", []string{"epsilon value -1e-08"}, func() { NewAdamW(ps, 0.1, Eps(-1e-8)) }},
		{"AdamW with negative weight decay", "AdamW", []string{"weight decay -1"}, func() { NewAdamW(ps, 0.1, WeightDecay(-1)) }},
		{"Adam with a momentum option", "Adam", []string{"option Momentum does not apply to Adam"}, func() { NewAdam(ps, 0.1, Momentum(0.9)) }},
		{"RMSprop with alpha above 1", "RMSprop", []string{"alpha value 1.5"}, func() { NewRMSprop(ps, 0.1, Alpha(1.5)) }},
		{"RMSprop with a negative momentum", "RMSprop", []string{"momentum -0.9"}, func() { NewRMSprop(ps, 0.1, Momentum(-0.9)) }},
		{"RMSprop with an infinite eps", "RMSprop", []string{"epsilon value +Inf"}, func() { NewRMSprop(ps, 0.1, Eps(math.Inf(1))) }},
		{"RMSprop with negative weight decay", "RMSprop", []string{"weight decay -0.1"}, func() { NewRMSprop(ps, 0.1, WeightDecay(-0.1)) }},
		{"RMSprop with the Nesterov option", "RMSprop", []string{"option Nesterov does not apply to RMSprop"}, func() { NewRMSprop(ps, 0.1, Nesterov(true)) }},
		{"SetLR with NaN", "SGD", []string{"SetLR", "NaN"}, func() { NewSGD(ps, 0.1).SetLR(math.NaN()) }},
		{"SetLR with infinity", "Adam", []string{"SetLR", "-Inf"}, func() { NewAdam(ps, 0.1).SetLR(math.Inf(-1)) }},
	}
	for _, c := range cases {
		t.Run(c.name+" panics", func(t *testing.T) { wantPanic(t, c.op, c.want, c.f) })
	}
}

// sgdHyper returns the SGD hyperparameters of o's first group.
func sgdHyper(o *SGD) []any {
	h := o.groups[0].h
	return []any{h.momentum, h.dampening, h.weightDecay, h.nesterov}
}

func TestOptionDefaultsArePyTorchs(t *testing.T) {
	ps := leaves()
	cases := []struct {
		name      string
		got, want any
	}{
		{"Adam has betas 0.9, 0.999, eps 1e-8 and no weight decay",
			[]float64{NewAdam(ps, 1).groups[0].h.beta1, NewAdam(ps, 1).groups[0].h.beta2, NewAdam(ps, 1).groups[0].h.eps, NewAdam(ps, 1).groups[0].h.weightDecay},
			[]float64{0.9, 0.999, 1e-8, 0}},
		{"AdamW has weight decay 1e-2, decoupled",
			[]any{NewAdamW(ps, 1).groups[0].h.weightDecay, NewAdamW(ps, 1).decoupled}, []any{1e-2, true}},
		{"AdamW takes a zero weight decay",
			NewAdamW(ps, 1, WeightDecay(0)).groups[0].h.weightDecay, 0.0},
		{"RMSprop has alpha 0.99 and eps 1e-8",
			[]float64{NewRMSprop(ps, 1).groups[0].h.alpha, NewRMSprop(ps, 1).groups[0].h.eps}, []float64{0.99, 1e-8}},
		{"SGD has no momentum, dampening or weight decay",
			sgdHyper(NewSGD(ps, 1)), sgdHyper(NewSGD(ps, 1, Momentum(0), Dampening(0), WeightDecay(0), Nesterov(false)))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !equalAny(c.got, c.want) {
				t.Errorf("got %v, want %v", c.got, c.want)
			}
		})
	}
}

func equalAny(a, b any) bool {
	switch a := a.(type) {
	case []float64:
		b := b.([]float64)
		if len(a) != len(b) {
			return false
		}
		for i := range a {
			if a[i] != b[i] {
				return false
			}
		}
		return true
	case []any:
		b := b.([]any)
		for i := range a {
			if a[i] != b[i] {
				return false
			}
		}
		return len(a) == len(b)
	}
	return a == b
}

// optimizers returns a constructor for each optimizer, between them using
// every kind of state buffer.
func optimizers() []namedOptimizer {
	return []namedOptimizer{
		{"SGD", func(ps []*autograd.Tensor) Optimizer { return NewSGD(ps, 0.1) }},
		{"SGD Nesterov", func(ps []*autograd.Tensor) Optimizer {
			return NewSGD(ps, 0.1, Momentum(0.9), Nesterov(true), WeightDecay(1e-4))
		}},
		{"Adam", func(ps []*autograd.Tensor) Optimizer { return NewAdam(ps, 1e-3) }},
		{"AdamW amsgrad", func(ps []*autograd.Tensor) Optimizer { return NewAdamW(ps, 1e-3, Amsgrad(true)) }},
		{"RMSprop", func(ps []*autograd.Tensor) Optimizer { return NewRMSprop(ps, 1e-3) }},
		{"RMSprop centered momentum", func(ps []*autograd.Tensor) Optimizer {
			return NewRMSprop(ps, 1e-3, Centered(true), Momentum(0.9))
		}},
	}
}

type namedOptimizer struct {
	name string
	make func([]*autograd.Tensor) Optimizer
}

// withGrads returns parameters of the given sizes whose gradients are set.
func withGrads(sizes ...int) []*autograd.Tensor {
	ps := make([]*autograd.Tensor, len(sizes))
	var loss *autograd.Tensor
	for i, n := range sizes {
		ps[i] = autograd.Arange(0, float64(n), 1).MulScalar(0.01).Detach().SetRequiresGrad(true)
		term := ps[i].Mul(ps[i]).Sum()
		if loss == nil {
			loss = term
		} else {
			loss = loss.Add(term)
		}
	}
	loss.Backward()
	return ps
}

func TestStepAllocatesNothing(t *testing.T) {
	for _, o := range optimizers() {
		name, mk := o.name, o.make
		t.Run(name+" allocates nothing per step", func(t *testing.T) {
			// The first step takes its state's storage from what the
			// optimizer made with itself. MemStats counts the whole
			// process (a finalizer run by a collection allocates too), so
			// the least count over a few fresh optimizers is the step's.
			var opt Optimizer
			least := uint64(math.MaxUint64)
			for range 5 {
				opt = mk(withGrads(6, 2, 1000))
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				opt.Step()
				runtime.ReadMemStats(&after)
				least = min(least, after.Mallocs-before.Mallocs)
			}
			if least != 0 {
				t.Errorf("%d allocations in the first Step (the least of 5 optimizers), want 0", least)
			}
			if a := testing.AllocsPerRun(100, opt.Step); a != 0 {
				t.Errorf("%v allocations per Step, want 0", a)
			}
			if a := testing.AllocsPerRun(100, opt.ZeroGrad); a != 0 {
				t.Errorf("%v allocations per ZeroGrad, want 0", a)
			}
		})
	}
}

func TestStepUpdatesValuesInPlaceAndMarksThem(t *testing.T) {
	for _, o := range optimizers() {
		name, mk := o.name, o.make
		t.Run(name+" writes into the parameter's storage and bumps its version", func(t *testing.T) {
			ps := withGrads(4)
			raw := ps[0].Value().Raw()
			before := append([]float64(nil), raw...)
			v0 := ps[0].Value().Version()
			mk(ps).Step()
			if ps[0].Value().Version() == v0 {
				t.Error("version unchanged after Step")
			}
			changed := false
			for i := range raw {
				changed = changed || raw[i] != before[i]
			}
			if !changed {
				t.Errorf("values %v unchanged after Step", raw)
			}
		})
	}
}

func TestStepAfterChangeBreaksSavedGraph(t *testing.T) {
	p := autograd.New([]float64{1, 2}, 2).SetRequiresGrad(true)
	p.Mul(p).Sum().Backward()
	opt := NewSGD([]*autograd.Tensor{p}, 0.1)
	loss := p.Mul(p).Sum() // saves p
	opt.Step()
	// Backward through a graph that saved a parameter before Step panics.
	testutil.Panics[any](t, func() { loss.Backward() })
}

func TestSGDStepByHand(t *testing.T) {
	cases := []struct {
		name  string
		opts  []Option
		steps [][]float64 // values after each step, for gradient 1 then 2 then 3
	}{
		{"plain SGD steps by -lr·g", nil, [][]float64{{0.9}, {0.7}, {0.4}}},
		// buf = 1, 0.5·1+2 = 2.5, 0.5·2.5+3 = 4.25
		{"momentum starts from the gradient", []Option{Momentum(0.5)}, [][]float64{{0.9}, {0.65}, {0.225}}},
		// d + 0.5·buf: 1.5, 3.25, 5.125
		{"Nesterov adds momentum times the buffer", []Option{Momentum(0.5), Nesterov(true)}, [][]float64{{0.85}, {0.525}, {0.0125}}},
		// buf = 1, 0.5·1 + 0.5·2 = 1.5, 0.75 + 1.5 = 2.25
		{"dampening scales the new gradient after the first step", []Option{Momentum(0.5), Dampening(0.5)}, [][]float64{{0.9}, {0.75}, {0.525}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := autograd.New([]float64{1}, 1).SetRequiresGrad(true)
			opt := NewSGD([]*autograd.Tensor{p}, 0.1, c.opts...)
			for s, want := range c.steps {
				opt.ZeroGrad()
				p.MulScalar(float64(s + 1)).Sum().Backward()
				opt.Step()
				if got := p.Item(); math.Abs(got-want[0]) > 1e-15 {
					t.Errorf("step %d: %v, want %v", s+1, got, want[0])
				}
			}
		})
	}
}

func TestAdamFirstStepMovesEachElementByLR(t *testing.T) {
	// On step 1, m̂ = g and v̂ = g², so the step is lr·g/(|g|+eps) ≈ lr·sign(g).
	for _, mk := range []func([]*autograd.Tensor, float64, ...Option) *Adam{NewAdam, NewAdamW} {
		p := autograd.New([]float64{1, 1, 1}, 3).SetRequiresGrad(true)
		p.Mul(autograd.New([]float64{3, -0.5, 1e-3}, 3)).Sum().Backward()
		opt := mk([]*autograd.Tensor{p}, 0.01, WeightDecay(0))
		opt.Step()
		want := []float64{0.99, 1.01, 0.99}
		for i, w := range want {
			if got := p.At(i); math.Abs(got-w) > 2e-7 {
				t.Errorf("%s element %d: %v, want %v", opt.name, i, got, w)
			}
		}
	}
}

func TestNonContiguousGradientsAreCopied(t *testing.T) {
	// In create-graph mode the gradient of aᵀ·w summed, with w requiring a
	// gradient, is a transposed view (it carries a graph through w), which
	// the optimizer copies before use; b gets the same values as a plain,
	// contiguous gradient.
	for _, o := range optimizers() {
		name, mk := o.name, o.make
		t.Run(name+" steps the same with a transposed gradient as with a contiguous one", func(t *testing.T) {
			a := autograd.New([]float64{1, 2, 3, 4}, 2, 2).SetRequiresGrad(true)
			b := autograd.New([]float64{1, 2, 3, 4}, 2, 2).SetRequiresGrad(true)
			w := autograd.New([]float64{0.5, -1, 2, 0.25}, 2, 2).SetRequiresGrad(true)
			a.T().Mul(w).Sum().Backward(autograd.CreateGraph)
			b.T().Mul(w.Detach()).Sum().Backward()
			if a.Grad().Value().IsContiguous() {
				t.Fatal("the create-graph gradient is contiguous: this test no longer builds the strided gradient it is about")
			}
			if !slices.Equal(a.Grad().Data(), b.Grad().Data()) || !b.Grad().Value().IsContiguous() {
				t.Fatalf("gradients %v and %v differ", a.Grad().Data(), b.Grad().Data())
			}
			oa, ob := mk([]*autograd.Tensor{a}), mk([]*autograd.Tensor{b})
			for range 3 {
				oa.Step()
				ob.Step()
			}
			ga, gb := a.Data(), b.Data()
			for i := range ga {
				if ga[i] != gb[i] {
					t.Fatalf("element %d: %v with an expanded gradient, %v with a contiguous one", i, ga[i], gb[i])
				}
			}
		})
	}
}

func TestZeroGradZeroesInPlace(t *testing.T) {
	ps := withGrads(3, 2)
	g0 := ps[0].Grad()
	opt := NewAdam(ps, 0.1)
	opt.ZeroGrad()
	if ps[0].Grad() != g0 {
		t.Error("ZeroGrad replaced the gradient tensor")
	}
	for i, p := range ps {
		for j, v := range p.Grad().Data() {
			if v != 0 {
				t.Errorf("grad %d[%d] = %v after ZeroGrad", i, j, v)
			}
		}
	}
}

func TestSetLRChangesTheNextStep(t *testing.T) {
	p := autograd.New([]float64{1}, 1).SetRequiresGrad(true)
	p.Sum().Backward()
	opt := NewSGD([]*autograd.Tensor{p}, 0.1)
	opt.SetLR(0.5)
	if opt.LR() != 0.5 {
		t.Errorf("LR() = %v after SetLR(0.5)", opt.LR())
	}
	opt.Step()
	if p.Item() != 0.5 {
		t.Errorf("after a step at lr 0.5 with gradient 1: %v, want 0.5", p.Item())
	}
	opt.SetLR(-5e-19) // a rounding error below zero is accepted, as PyTorch does
	if opt.LR() != -5e-19 {
		t.Errorf("LR() = %v", opt.LR())
	}
}

func TestPowiAgreesWithPow(t *testing.T) {
	cases := []struct {
		x float64
		n int
	}{{0.9, 0}, {0.9, 1}, {0.999, 7}, {0, 3}, {2, 1100}, {0.5, 1100}, {1, min(1<<40, math.MaxInt)}}
	for _, c := range cases {
		got, want := powi(c.x, c.n), math.Pow(c.x, float64(c.n))
		if got != want && math.Abs(got-want) > 2e-16*math.Abs(want) {
			t.Errorf("powi(%v, %d) = %v, math.Pow %v", c.x, c.n, got, want)
		}
	}
}

// TestStateKeepsSpaceAfterIt checks reserve's layout: a parameter's state
// of statePadMin elements or more lies at the start of a block with
// statePad unused elements after it, a smaller one in a block of its own
// size, and each optimizer's reserved state is zeroed, of a whole number
// of the parameter's size, with no capacity past the state.
func TestStateKeepsSpaceAfterIt(t *testing.T) {
	for _, c := range []struct{ n, want int }{
		{1, 1}, {statePadMin - 1, statePadMin - 1}, {statePadMin, statePadMin + statePad}, {3 * statePadMin, 3*statePadMin + statePad},
	} {
		if got := stateLen(c.n); got != c.want {
			t.Errorf("stateLen(%d) = %d, want %d", c.n, got, c.want)
		}
	}
	big := autograd.From(tensor.Zeros(statePadMin/64, 64)).SetRequiresGrad(true)
	small := autograd.From(tensor.Zeros(3)).SetRequiresGrad(true)
	for name, mk := range map[string]func() *base{
		"SGD momentum": func() *base { return &NewSGD([]*autograd.Tensor{big, small}, 0.1, Momentum(0.9)).base },
		"Adam":         func() *base { return &NewAdam([]*autograd.Tensor{big, small}, 0.1).base },
	} {
		b := mk()
		for i, r := range b.reserved {
			n := b.params[i].Numel()
			if len(r) == 0 || len(r)%n != 0 || cap(r) != len(r) || slices.ContainsFunc(r, func(v float64) bool { return v != 0 }) {
				t.Errorf("%s: parameter %d's reserved state has len %d, cap %d (parameter %d elements)", name, i, len(r), cap(r), n)
			}
		}
	}
}
