package optim

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestStepsMatchWhateverZeroGradDefers trains two copies of a model the
// same way, except that one's gradients are read with Grad after every
// step (so that ZeroGrad clears them at once) and the other's never are
// (so that ZeroGrad leaves the zeros to the next backward pass, and a
// parameter no step used reaches Step and clipping with its zeros still
// pending). The parameters must come out the same.
func TestStepsMatchWhateverZeroGradDefers(t *testing.T) {
	makers := []struct {
		name string
		make func([]*autograd.Tensor) Optimizer
	}{
		{"SGD", func(p []*autograd.Tensor) Optimizer {
			return NewSGD(p, 0.1, Momentum(0.9), WeightDecay(0.01))
		}},
		{"Adam", func(p []*autograd.Tensor) Optimizer { return NewAdam(p, 0.01, WeightDecay(0.01)) }},
		{"RMSprop", func(p []*autograd.Tensor) Optimizer { return NewRMSprop(p, 0.01, Momentum(0.5)) }},
	}
	for _, mk := range makers {
		for _, clip := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s clip %v", mk.name, clip), func(t *testing.T) {
				var final [2][]*autograd.Tensor
				for copyNo, read := range []bool{true, false} {
					rng := rand.New(rand.NewPCG(3, 4))
					w1 := autograd.From(tensor.Randn(rng, 5, 4)).SetRequiresGrad(true)
					b1 := autograd.From(tensor.Randn(rng, 5)).SetRequiresGrad(true)
					w2 := autograd.From(tensor.Randn(rng, 2, 5)).SetRequiresGrad(true)
					params := []*autograd.Tensor{w1, b1, w2}
					opt := mk.make(params)
					for step := range 6 {
						x := autograd.From(tensor.Randn(rng, 3, 4))
						opt.ZeroGrad()
						h := autograd.Linear(x, w1, b1).Tanh()
						if step%3 == 2 {
							h.Sum().Backward() // w2 unused: its zeros stay pending
						} else {
							autograd.Linear(h, w2, nil).Square().Sum().Backward()
						}
						if clip {
							ClipGradNorm(params, 0.5)
						}
						opt.Step()
						if read {
							for _, p := range params {
								p.Grad()
							}
						}
					}
					final[copyNo] = params
				}
				for i := range final[0] {
					same(t, fmt.Sprintf("parameter %d", i), final[1][i].Value(), final[0][i].Value())
				}
			})
		}
	}
}
