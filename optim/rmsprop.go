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
	all, groups := groupsOf(op, params, lr, hyper{alpha: 0.99, eps: 1e-8}, opts, func(h hyper) {
		check(op, h.alpha >= 0 && h.alpha <= 1, "invalid alpha value %v", h.alpha)
		check(op, h.eps >= 0 && finite(h.eps), "invalid epsilon value %v", h.eps)
		check(op, h.weightDecay >= 0 && finite(h.weightDecay), "invalid weight decay %v", h.weightDecay)
		check(op, h.momentum >= 0 && finite(h.momentum), "invalid momentum %v", h.momentum)
	}, "Alpha", "Eps", "WeightDecay", "Momentum", "Centered")
	o := &RMSprop{base: newBase(op, all, groups), state: make([]rmspropState, len(all))}
	o.reserve(func(h hyper) int { return rmspropBuffers(h.centered, h.momentum > 0) })
	return o
}

// Step updates every parameter that has a gradient. A parameter's state
// begins at its first step, in storage made with the optimizer.
func (o *RMSprop) Step() {
	for gi := range o.groups {
		g := &o.groups[gi]
		h := kernels.RMSpropParams{LR: g.lr, Alpha: g.h.alpha, Eps: g.h.eps, WeightDecay: g.h.weightDecay,
			Momentum: g.h.momentum, Centered: g.h.centered}
		for i := g.start; i < g.end; i++ {
			grad := o.grad(i)
			if grad == nil {
				continue
			}
			p := o.value(i)
			s := &o.state[i]
			if s.sq == nil {
				o.allocState(i)
			}
			kernels.RMSpropStep(p, grad, s.sq, s.avg, s.buf, h)
			o.done(i)
		}
	}
}

// rmspropBuffers is the number of state buffers of a parameter.
func rmspropBuffers(centered, momentum bool) int {
	k := 1
	if centered {
		k++
	}
	if momentum {
		k++
	}
	return k
}

// alloc sets the state's buffers for a parameter of n elements from buf,
// rmspropBuffers(centered, momentum)·n zeroed float64s.
func (s *rmspropState) alloc(buf []float64, n int, centered, momentum bool) {
	s.sq, buf = buf[:n:n], buf[n:]
	if centered {
		s.avg, buf = buf[:n:n], buf[n:]
	}
	if momentum {
		s.buf = buf[:n:n]
	}
}
