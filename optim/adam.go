package optim

import (
	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/kernels"
)

// Adam is the Adam optimizer (and, made by NewAdamW, AdamW) with PyTorch's
// update rule: with t the parameter's step number, m and v the running
// averages of the gradient and its square,
//
//	denom = sqrt(v) / sqrt(1 - β₂ᵗ) + eps
//	p += (-lr / (1 - β₁ᵗ)) · m / denom
//
// AMSGrad uses the running maximum of v instead of v. Adam's weight decay
// is an L2 penalty added to the gradient; AdamW's is decoupled: p is
// multiplied by 1 - lr·weight_decay before the update.
type Adam struct {
	base
	decoupled bool // AdamW
	state     []adamState
}

type adamState struct {
	step       int
	m, v, vmax []float64
}

// NewAdam returns an Adam optimizer of params with learning rate lr. It
// takes the options Betas (default 0.9, 0.999), Eps (1e-8), WeightDecay
// (0, added to the gradient as an L2 penalty) and Amsgrad (off).
//
// It panics if lr is not positive and finite, if params is empty or holds
// nil, a non-leaf, a non-contiguous value or the same tensor twice, if a
// beta is outside [0, 1), or if eps or the weight decay is negative or not
// finite.
func NewAdam(params []*autograd.Tensor, lr float64, opts ...Option) *Adam {
	return newAdam("Adam", params, lr, 0, false, opts)
}

// NewAdamW returns an AdamW optimizer: Adam with decoupled weight decay,
// which multiplies each parameter by 1 - lr·weight_decay before the Adam
// update. It takes the options of NewAdam; WeightDecay defaults to 1e-2.
// It panics as NewAdam does, naming AdamW.
func NewAdamW(params []*autograd.Tensor, lr float64, opts ...Option) *Adam {
	return newAdam("AdamW", params, lr, 1e-2, true, opts)
}

func newAdam(op string, params []*autograd.Tensor, lr, wd float64, decoupled bool, opts []Option) *Adam {
	all, groups := groupsOf(op, params, lr, hyper{beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: wd}, opts,
		func(h hyper) {
			check(op, h.beta1 >= 0 && h.beta1 < 1, "invalid beta parameter at index 0: %v", h.beta1)
			check(op, h.beta2 >= 0 && h.beta2 < 1, "invalid beta parameter at index 1: %v", h.beta2)
			check(op, h.eps >= 0 && finite(h.eps), "invalid epsilon value %v", h.eps)
			check(op, h.weightDecay >= 0 && finite(h.weightDecay), "invalid weight decay %v", h.weightDecay)
		}, "Betas", "Eps", "WeightDecay", "Amsgrad")
	o := &Adam{base: newBase(op, all, groups), decoupled: decoupled, state: make([]adamState, len(all))}
	o.reserve(func(h hyper) int { return adamBuffers(h.amsgrad) })
	return o
}

// kernel returns group g's hyperparameters for kernels.AdamStep.
func (o *Adam) kernel(g *group) kernels.AdamParams {
	return kernels.AdamParams{LR: g.lr, Beta1: g.h.beta1, Beta2: g.h.beta2, Eps: g.h.eps,
		WeightDecay: g.h.weightDecay, Decoupled: o.decoupled, Amsgrad: g.h.amsgrad}
}

// Step updates every parameter that has a gradient and advances its step
// count (each parameter counts its own steps, so one that had no gradient
// for a while starts its bias correction later, as in PyTorch). A
// parameter's state begins at its first step, in storage made with the
// optimizer.
func (o *Adam) Step() {
	for gi := range o.groups {
		g := &o.groups[gi]
		h := o.kernel(g)
		for i := g.start; i < g.end; i++ {
			grad := o.grad(i)
			if grad == nil {
				continue
			}
			p := o.value(i)
			s := &o.state[i]
			if s.m == nil {
				o.allocState(i)
			}
			s.step++
			h.BiasCorrection1 = 1 - powi(h.Beta1, s.step)
			h.BiasCorrection2 = 1 - powi(h.Beta2, s.step)
			kernels.AdamStep(p, grad, s.m, s.v, s.vmax, h)
			o.done(i)
		}
	}
}

// adamBuffers is the number of state buffers of a parameter.
func adamBuffers(amsgrad bool) int {
	if amsgrad {
		return 3
	}
	return 2
}

// alloc sets the state's buffers for a parameter of n elements from buf,
// adamBuffers(amsgrad)·n zeroed float64s.
func (s *adamState) alloc(buf []float64, n int, amsgrad bool) {
	s.m, s.v = buf[:n:n], buf[n:2*n:2*n]
	if amsgrad {
		s.vmax = buf[2*n:]
	}
}
