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
	h    kernels.SGDParams
	bufs [][]float64 // momentum buffers, made on a parameter's first step
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
	b := newBase(op, params, lr)
	var h hyper
	h.apply(op, opts, "Momentum", "Dampening", "Nesterov", "WeightDecay")
	check(op, h.momentum >= 0 && finite(h.momentum), "invalid momentum %v", h.momentum)
	check(op, finite(h.dampening), "invalid dampening %v", h.dampening)
	check(op, h.weightDecay >= 0 && finite(h.weightDecay), "invalid weight decay %v", h.weightDecay)
	check(op, !h.nesterov || (h.momentum > 0 && h.dampening == 0),
		"Nesterov momentum requires a momentum > 0 and zero dampening (momentum %v, dampening %v)", h.momentum, h.dampening)
	return &SGD{
		base: b,
		h: kernels.SGDParams{Momentum: h.momentum, Dampening: h.dampening,
			WeightDecay: h.weightDecay, Nesterov: h.nesterov},
		bufs: make([][]float64, len(params)),
	}
}

// Step updates every parameter that has a gradient. Momentum buffers are
// allocated on a parameter's first step; later steps allocate nothing.
func (o *SGD) Step() {
	h := o.h
	h.LR = o.lr
	for i := range o.params {
		g := o.grad(i)
		if g == nil {
			continue
		}
		p := o.value(i)
		h.First = false
		if h.Momentum != 0 && o.bufs[i] == nil {
			o.bufs[i] = make([]float64, len(p))
			h.First = true
		}
		kernels.SGDStep(p, g, o.bufs[i], h)
		o.done(i)
	}
}
