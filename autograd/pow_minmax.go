package autograd

import "github.com/adjoint-go/adjoint/tensor"

// Pow returns t raised to the power u elementwise, broadcasting (see
// tensor.Pow for the special cases). The gradients are PyTorch's: to t,
// g·u·t^(u-1), and 0 where u = 0; to u, g·t^u·ln t, and 0 where t = 0 and
// u >= 0 (where ln t would give 0·-Inf).
func (t *Tensor) Pow(u *Tensor) *Tensor {
	return wrap2(t.v.Pow(arg("Pow", "the exponent", u)), "Pow", powBackward, t, u)
}

func powBackward(c call, g *Tensor, grads []*Tensor) {
	a, b := c.input(0), c.input(1)
	zero := zeroConst()
	aa, ba := g.asFactor(a), g.asFactor(b)
	if a.requiresGrad {
		grads[0] = Where(b.Eq(zero), zero, g.Mul(ba.Mul(aa.Pow(ba.AddScalar(-1))))).sumTo(metaOf(a))
	}
	if b.requiresGrad {
		atZero := From(a.v.Eq(tensor.Scalar(0)).Mul(b.v.Ge(tensor.Scalar(0))))
		grads[1] = Where(atZero, zero, g.Mul(g.asFactor(c.output()).Mul(aa.Log()))).sumTo(metaOf(b))
	}
}

// Maximum returns the larger of t and u elementwise, broadcasting (NaN if
// either is NaN). The gradient goes to the larger input; where they tie,
// each gets half of it, as in PyTorch.
func (t *Tensor) Maximum(u *Tensor) *Tensor {
	return wrap2(t.v.Maximum(arg("Maximum", "the other operand", u)), "Maximum", func(c call, g *Tensor, grads []*Tensor) {
		minmaxBackward(c, g, grads, (*Tensor).Lt, (*Tensor).Gt)
	}, t, u)
}

// Minimum returns the smaller of t and u elementwise, broadcasting (NaN if
// either is NaN). The gradient goes to the smaller input; where they tie,
// each gets half of it, as in PyTorch.
func (t *Tensor) Minimum(u *Tensor) *Tensor {
	return wrap2(t.v.Minimum(arg("Minimum", "the other operand", u)), "Minimum", func(c call, g *Tensor, grads []*Tensor) {
		minmaxBackward(c, g, grads, (*Tensor).Gt, (*Tensor).Lt)
	}, t, u)
}

// minmaxBackward sends g to both inputs, halved where they are equal, and
// zeroed where loseA(a, b) (for a) or loseB(a, b) (for b) holds; where an
// input is NaN neither condition holds and both inputs get g, as PyTorch's
// where(a == b, g/2, g).masked_fill_(a < b, 0).
func minmaxBackward(c call, g *Tensor, grads []*Tensor, loseA, loseB func(a, b *Tensor) *Tensor) {
	a, b := c.input(0), c.input(1)
	zero := zeroConst()
	shared := Where(a.Eq(b), g.MulScalar(0.5), g)
	if a.requiresGrad {
		grads[0] = Where(loseA(a, b), zero, shared).sumTo(metaOf(a))
	}
	if b.requiresGrad {
		grads[1] = Where(loseB(a, b), zero, shared).sumTo(metaOf(b))
	}
}
