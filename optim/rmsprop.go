package optim

import (
	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/kernels"
)

// RMSprop is the RMSprop optimizer with PyTorch's update rule: with d the
// gradient (plus weight_decay·p), sq = α·sq + (1-α)·d² and, when centered,
// avg = α·avg + (1-α)·d, the denominator is r = sqrt(sq - avg²) + eps
// (sqrt(sq) + eps uncentered); the step is p -= lr·d/r, or with momentum
// b = momentum·b + d/r and p -= lr·b.
type RMSprop struct {
	base
	h     kernels.RMSpropParams
	state []rmspropState
}

type rmspropState struct {
	sq, avg, buf []float64
}

// NewRMSprop returns an RMSprop optimizer of params with learning rate lr.
// It takes the options Alpha (default 0.99), Eps (1e-8), WeightDecay (0),
// Momentum (0) and Centered (off).
//
// It panics if lr is not positive and finite, if params is empty or holds
// nil, a non-leaf, a non-contiguous value or the same tensor twice, if
// alpha is outside [0, 1], or if eps, the weight decay or the momentum is
// negative or not finite.
func NewRMSprop(params []*autograd.Tensor, lr float64, opts ...Option) *RMSprop {
	const op = "RMSprop"
	b := newBase(op, params, lr)
	h := hyper{alpha: 0.99, eps: 1e-8}
	h.apply(op, opts, "Alpha", "Eps", "WeightDecay", "Momentum", "Centered")
	check(op, h.alpha >= 0 && h.alpha <= 1, "invalid alpha value %v", h.alpha)
	check(op, h.eps >= 0 && finite(h.eps), "invalid epsilon value %v", h.eps)
	check(op, h.weightDecay >= 0 && finite(h.weightDecay), "invalid weight decay %v", h.weightDecay)
	check(op, h.momentum >= 0 && finite(h.momentum), "invalid momentum %v", h.momentum)
	return &RMSprop{
		base: b,
		h: kernels.RMSpropParams{Alpha: h.alpha, Eps: h.eps, WeightDecay: h.weightDecay,
			Momentum: h.momentum, Centered: h.centered},
		state: make([]rmspropState, len(params)),
	}
}

// Step updates every parameter that has a gradient. State is allocated on
// a parameter's first step; later steps allocate nothing.
func (o *RMSprop) Step() {
	h := o.h
	h.LR = o.lr
	for i := range o.params {
		g := o.grad(i)
		if g == nil {
			continue
		}
		p := o.value(i)
		s := &o.state[i]
		if s.sq == nil {
			n := len(p)
			k := 1
			if h.Centered {
				k++
			}
			if h.Momentum > 0 {
				k++
			}
			buf := make([]float64, k*n)
			s.sq, buf = buf[:n:n], buf[n:]
			if h.Centered {
				s.avg, buf = buf[:n:n], buf[n:]
			}
			if h.Momentum > 0 {
				s.buf = buf[:n:n]
			}
		}
		kernels.RMSpropStep(p, g, s.sq, s.avg, s.buf, h)
		o.done(i)
	}
}
