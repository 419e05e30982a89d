package optim

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestRandomSequencesMatchWhateverZeroGradDefers runs random sequences of
// ZeroGrad (of all parameters or of one), backward passes through random
// graphs, clipping, steps and reads of a gradient on two copies of the
// same parameters: one whose gradients were all read with Grad first (so
// that ZeroGrad clears them at once), one whose were not (so that it
// defers, until a read in the sequence lends one). Every read and the
// final parameters and gradients must agree.
func TestRandomSequencesMatchWhateverZeroGradDefers(t *testing.T) {
	for seed := range uint64(40) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 17))
			type copyOf struct {
				params []*autograd.Tensor
				opt    Optimizer
			}
			mk := func(eager bool) copyOf {
				r := rand.New(rand.NewPCG(seed, 3))
				ps := []*autograd.Tensor{
					autograd.From(tensor.Randn(r, 5, 4)).SetRequiresGrad(true), // w1
					autograd.From(tensor.Randn(r, 5)).SetRequiresGrad(true),    // b1
					autograd.From(tensor.Randn(r, 3, 5)).SetRequiresGrad(true), // w2
					autograd.Scalar(0.7).SetRequiresGrad(true),                 // s
				}
				var opt Optimizer
				if seed%2 == 0 {
					opt = NewSGD(ps, 0.05, Momentum(0.9), WeightDecay(0.01))
				} else {
					opt = NewAdam(ps, 0.01)
				}
				if eager {
					for _, p := range ps {
						p.Mul(p).Sum().Backward()
						p.Grad()
					}
				} else {
					for _, p := range ps {
						p.Mul(p).Sum().Backward()
					}
				}
				return copyOf{ps, opt}
			}
			cs := [2]copyOf{mk(true), mk(false)}
			xs := autograd.From(tensor.Randn(rng, 6, 4))
			graphs := []func(p []*autograd.Tensor) *autograd.Tensor{
				func(p []*autograd.Tensor) *autograd.Tensor {
					return autograd.Linear(autograd.Linear(xs, p[0], p[1]).Tanh(), p[2], nil).Square().Sum()
				},
				func(p []*autograd.Tensor) *autograd.Tensor { return autograd.Linear(xs, p[0], nil).Sum().Mul(p[3]) },
				func(p []*autograd.Tensor) *autograd.Tensor {
					return p[2].MatMul(p[0]).Exp().Mean().Add(p[1].Slice(0, 1, 4).Square().Sum())
				},
				func(p []*autograd.Tensor) *autograd.Tensor {
					return p[0].Mul(p[0]).Sum().Add(p[3].Mul(p[3])).Add(p[2].Sin().Sum()).Add(p[1].Tanh().Sum())
				},
				func(p []*autograd.Tensor) *autograd.Tensor {
					h := autograd.Linear(xs, p[0], p[1])
					return autograd.Linear(h, p[2], nil).Sum().Add(h.Select(1, 2).Sum().Mul(p[3]))
				},
			}
			for step := range 30 {
				// Reads lend a gradient for good, so they are rare: most of a
				// sequence runs with the clearing deferred.
				action := []int{0, 0, 0, 1, 2, 2, 3, 3, 4, 4, 5, 6}[rng.IntN(12)]
				if action == 6 && rng.IntN(3) != 0 {
					action = 2
				}
				which := rng.IntN(4)
				graph := rng.IntN(len(graphs))
				for k := range cs {
					c := &cs[k]
					switch action {
					case 0:
						c.opt.ZeroGrad()
					case 1:
						c.params[which].ZeroGrad()
					case 2, 3:
						graphs[graph](c.params).Backward()
					case 4:
						c.opt.Step()
					case 5:
						ClipGradNorm(c.params, 0.5)
					case 6:
						if g := c.params[which].Grad(); g != nil && k == 1 {
							same(t, fmt.Sprintf("step %d: Grad of parameter %d", step, which), g.Value(), cs[0].params[which].Grad().Value())
						}
					}
				}
			}
			for i := range cs[0].params {
				same(t, fmt.Sprintf("parameter %d", i), cs[1].params[i].Value(), cs[0].params[i].Value())
				same(t, fmt.Sprintf("gradient %d", i), cs[1].params[i].Grad().Value(), cs[0].params[i].Grad().Value())
			}
		})
	}
}

// same fails unless got and want hold the same numbers: testutil.AllClose
// with tolerance 0, which also takes a zero's sign as the same (a set
// buffer keeps -0 where a cleared one adds up to +0).
func same(t *testing.T, what string, got, want *tensor.Tensor) {
	t.Helper()
	if !testutil.AllClose(t, what+" (deferring ZeroGrad against clearing at once)", got.Data(), want.Data(), 0) {
		t.FailNow()
	}
}
