package optim

import (
	"slices"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

// twoSets returns two fresh sets of two parameters with the same values
// and gradients, from the same loss.
func twoSets() (a, b []*autograd.Tensor) {
	mk := func() []*autograd.Tensor {
		ps := []*autograd.Tensor{
			autograd.New([]float64{0.5, -1, 2, 0.25}, 2, 2).SetRequiresGrad(true),
			autograd.New([]float64{1, -2}, 2).SetRequiresGrad(true),
		}
		ps[0].Square().Sum().Add(ps[1].Exp().Sum()).Backward()
		return ps
	}
	return mk(), mk()
}

// Each group updates its parameters exactly as an optimizer of its own
// with the group's settings would.
func TestParamGroupsUpdateLikeSeparateOptimizers(t *testing.T) {
	cases := []struct {
		name     string
		grouped  func(w, b []*autograd.Tensor) Optimizer
		separate func(w, b []*autograd.Tensor) []Optimizer
	}{
		{"AdamW with no decay on the second group",
			func(w, b []*autograd.Tensor) Optimizer {
				return NewAdamW(w, 0.1, WeightDecay(0.1), Betas(0.9, 0.99), ParamGroup(b, WeightDecay(0)))
			},
			func(w, b []*autograd.Tensor) []Optimizer {
				return []Optimizer{NewAdamW(w, 0.1, WeightDecay(0.1), Betas(0.9, 0.99)), NewAdamW(b, 0.1, WeightDecay(0), Betas(0.9, 0.99))}
			}},
		{"SGD with its own rate and momentum per group",
			func(w, b []*autograd.Tensor) Optimizer {
				return NewSGD(nil, 0.1, Momentum(0.9), ParamGroup(w, LR(0.01)), ParamGroup(b, Momentum(0.5), Nesterov(true)))
			},
			func(w, b []*autograd.Tensor) []Optimizer {
				return []Optimizer{NewSGD(w, 0.01, Momentum(0.9)), NewSGD(b, 0.1, Momentum(0.5), Nesterov(true))}
			}},
		{"RMSprop centered in one group",
			func(w, b []*autograd.Tensor) Optimizer {
				return NewRMSprop(w, 0.01, ParamGroup(b, Centered(true), LR(0.05)))
			},
			func(w, b []*autograd.Tensor) []Optimizer {
				return []Optimizer{NewRMSprop(w, 0.01), NewRMSprop(b, 0.05, Centered(true))}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g, s := twoSets()
			grouped := c.grouped(g[:1], g[1:])
			separate := c.separate(s[:1], s[1:])
			for range 3 {
				grouped.Step()
				for _, o := range separate {
					o.Step()
				}
			}
			for i := range g {
				if !slices.Equal(g[i].Data(), s[i].Data()) {
					t.Fatalf("parameter %d: %v grouped, %v separately", i, g[i].Data(), s[i].Data())
				}
			}
		})
	}
}

// A scheduler moves every group's rate from the group's own base.
func TestSchedulersActOnEveryGroup(t *testing.T) {
	w, b := twoSets()
	opt := NewSGD(w, 0.1, ParamGroup(b, LR(0.01)))
	s := NewStepLR(opt, 1, 0.5)
	s.Step()
	if got := s.LastLRs(); !slices.Equal(got, []float64{0.05, 0.005}) || opt.GroupLR(1) != 0.005 || s.LR() != 0.05 {
		t.Fatalf("rates %v (group 1 %v), want [0.05 0.005]", got, opt.GroupLR(1))
	}
	warm := NewLinearLR(NewAdam(w, 1, ParamGroup(b, LR(2))), 0.5, 1, 2)
	if got := warm.LastLRs(); !slices.Equal(got, []float64{0.5, 1}) {
		t.Fatalf("LinearLR rates %v, want [0.5 1]", got)
	}
	seq := NewSequentialLR(opt, []Scheduler{NewLinearLR(opt, 0.5, 1, 2), NewStepLR(opt, 1, 0.1)}, []int{2})
	if got := seq.LastLRs(); !slices.Equal(got, []float64{0.05, 0.005}) {
		t.Fatalf("SequentialLR rates %v", got)
	}
	opt.SetLR(0.3)
	if opt.GroupLR(0) != 0.3 || opt.GroupLR(1) != 0.3 || opt.NumGroups() != 2 {
		t.Fatal("SetLR does not set every group")
	}
}

func TestParamGroupsRejectBadArguments(t *testing.T) {
	w, b := twoSets()
	cases := []struct {
		name, op string
		want     []string
		f        func()
	}{
		{"an empty group", "Adam", []string{"parameter group 1 is empty"}, func() { NewAdam(w, 0.1, ParamGroup(nil)) }},
		{"a nested group", "SGD", []string{"ParamGroup inside a ParamGroup"}, func() { NewSGD(w, 0.1, ParamGroup(b, ParamGroup(b))) }},
		{"LR outside a group", "SGD", []string{"option LR does not apply"}, func() { NewSGD(w, 0.1, LR(1)) }},
		{"a parameter in two groups", "AdamW", []string{"appears twice"}, func() { NewAdamW(w, 0.1, ParamGroup(w)) }},
		{"a bad rate in a group", "RMSprop", []string{"learning rate -1"}, func() { NewRMSprop(w, 0.1, ParamGroup(b, LR(-1))) }},
		{"a bad option in a group", "Adam", []string{"invalid beta parameter at index 0: 2"}, func() { NewAdam(w, 0.1, ParamGroup(b, Betas(2, 0.9))) }},
		{"a group index out of range", "SGD", []string{"group 2 out of range (2 groups)"}, func() { NewSGD(w, 0.1, ParamGroup(b)).GroupLR(2) }},
	}
	for _, c := range cases {
		t.Run(c.name+" panics", func(t *testing.T) {
			e := testutil.Panics[*tensor.Error](t, c.f)
			if e.Op != c.op {
				t.Fatalf("panic %v, want a *tensor.Error of %s", e, c.op)
			}
			for _, w := range c.want {
				if !strings.Contains(e.Msg, w) {
					t.Fatalf("message %q, want it to contain %q", e.Msg, w)
				}
			}
		})
	}
}
