package optim

import (
	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/kernels"
)

// SGD is stochastic gradient descent with optional momentum, dampening,
// Nesterov momentum and weight decay, with the update rule of PyTorch's
// torch.optim.SGD: with d = grad + weight_decay·p, the momentum buffer is
// b = d on a parameter's first step and b = momentum·b + (1-dampening)·d
// after; the step is p -= lr·(d + momentum·b) with Nesterov, p -= lr·b
// without, and p -= lr·d when momentum is 0.
type SGD struct {
	base
	bufs [][]float64 // momentum buffers, nil before a parameter's first step
}

// NewSGD returns an SGD optimizer of params with learning rate lr. It
// takes the options Momentum, Dampening, Nesterov and WeightDecay (all 0 or
// off by default, as in PyTorch).
//
// It panics if lr is not positive and finite, if params is empty or holds
// nil, a non-leaf, a non-contiguous value or the same tensor twice, if
// momentum or weight decay is negative or not finite, or if Nesterov is on
// without momentum > 0 and zero dampening.
func NewSGD(params []*autograd.Tensor, lr float64, opts ...Option) *SGD {
	const op = "SGD"
	all, groups := groupsOf(op, params, lr, hyper{}, opts, func(h hyper) {
		check(op, h.momentum >= 0 && finite(h.momentum), "invalid momentum %v", h.momentum)
		check(op, finite(h.dampening), "invalid dampening %v", h.dampening)
		check(op, h.weightDecay >= 0 && finite(h.weightDecay), "invalid weight decay %v", h.weightDecay)
		check(op, !h.nesterov || (h.momentum > 0 && h.dampening == 0),
			"Nesterov momentum requires a momentum > 0 and zero dampening (momentum %v, dampening %v)", h.momentum, h.dampening)
	}, "Momentum", "Dampening", "Nesterov", "WeightDecay")
	o := &SGD{base: newBase(op, all, groups), bufs: make([][]float64, len(all))}
	o.reserve(func(h hyper) int {
		if h.momentum == 0 {
			return 0
		}
		return 1
	})
	return o
}

// Step updates every parameter that has a gradient. A parameter's
// momentum buffer begins at its first step, in storage made with the
// optimizer.
func (o *SGD) Step() {
	for gi := range o.groups {
		g := &o.groups[gi]
		h := kernels.SGDParams{LR: g.lr, Momentum: g.h.momentum, Dampening: g.h.dampening,
			WeightDecay: g.h.weightDecay, Nesterov: g.h.nesterov}
		for i := g.start; i < g.end; i++ {
			grad := o.grad(i)
			if grad == nil {
				continue
			}
			p := o.value(i)
			h.First = false
			if h.Momentum != 0 && o.bufs[i] == nil {
				o.bufs[i] = o.takeState(i, len(p))
				h.First = true
			}
			kernels.SGDStep(p, grad, o.bufs[i], h)
			o.done(i)
		}
	}
}
