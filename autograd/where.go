package autograd

import "github.com/adjoint-go/adjoint/tensor"

// Where returns a tensor with the elements of a where cond is nonzero and
// those of b where it is zero, broadcasting all three (see tensor.Where).
// The gradient of a is g where cond is true and 0 elsewhere, that of b the
// reverse, each summed to its input's shape; cond gets no gradient.
func Where(cond, a, b *Tensor) *Tensor {
	// cond enters the graph as a constant alias: its version is checked
	// and a no-grad cond makes a no-grad result, but it never requires a
	// gradient.
	arg("Where", "the condition", cond)
	arg("Where", "a", a)
	arg("Where", "b", b)
	cond.pin()
	c := &Tensor{v: cond.v, noGrad: cond.noGrad}
	return wrap3(tensor.Where(cond.v, a.v, b.v), "Where", whereBackward, c, a, b)
}

func whereBackward(c call, g *Tensor, grads []*Tensor) {
	cond := c.input(0)
	zero := zeroConst()
	if c.needs(1) {
		grads[1] = Where(cond, g, zero).sumTo(c.meta(1))
	}
	if c.needs(2) {
		grads[2] = Where(cond, zero, g).sumTo(c.meta(2))
	}
}
