package autograd

import "github.com/adjoint-go/adjoint/tensor"

// Where returns a tensor with the elements of a where cond is nonzero and
// those of b where it is zero, broadcasting all three (see tensor.Where).
// The gradient of a is g where cond is true and 0 elsewhere, that of b the
// reverse, each summed to its input's shape; cond gets no gradient. Like an
// index, cond is saved for backward (changing it in place before backward
// panics), and a no-grad cond makes a no-grad result.
func Where(cond, a, b *Tensor) *Tensor {
	v := tensor.Where(arg("Where", "the condition", cond), arg("Where", "a", a), arg("Where", "b", b))
	if cond.noGrad {
		return &Tensor{v: v, noGrad: true}
	}
	cs := save(cond)
	return wrap2(v, "Where", func(c call, g *Tensor, grads []*Tensor) {
		cond := c.saved(cs)
		zero := zeroConst()
		if c.needs(0) {
			grads[0] = Where(cond, g, zero).sumTo(c.meta(0))
		}
		if c.needs(1) {
			grads[1] = Where(cond, zero, g).sumTo(c.meta(1))
		}
	}, a, b)
}
