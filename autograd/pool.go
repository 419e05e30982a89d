package autograd

import "github.com/adjoint-go/adjoint/tensor"

// MaxPool2d is torch.nn.functional.max_pool2d with return_indices=True:
// the maxima of the windows w of x [N C H W] (see tensor.MaxPool2d for
// ties, NaN, padding and ceil mode) and the indices, each maximum's
// position h·W + w in its plane as a float64 integral value (a constant
// with no gradient). The gradient goes to the element each maximum came
// from, as PyTorch's: g added into zeros at the indices, a ScatterAdd, so
// that second derivatives work; outside create-graph mode one pass per
// plane. It panics with a *tensor.Error naming MaxPool2d if x is not 4-D
// or the window does not fit.
func MaxPool2d(x *Tensor, w tensor.Window, ceil bool) (values, indices *Tensor) {
	v, idx := tensor.MaxPool2d(arg("MaxPool2d", "the input", x), w, ceil)
	indices = From(idx)
	saved := save(indices)
	values = wrap1(v, "MaxPool2d", func(c call, g *Tensor, grads []*Tensor) {
		xs, iv := c.meta(0).shape(), c.saved(saved)
		if g.noGrad {
			grads[0] = gradOf(tops.MaxPool2dGrad(g.v, iv.v, xs[2], xs[3]))
			return
		}
		n, ch, l := xs[0], xs[1], iv.v.Size(2)*iv.v.Size(3)
		grads[0] = Zeros(n, ch, xs[2]*xs[3]).ScatterAdd(2, iv.Reshape(n, ch, l), g.Reshape(n, ch, l)).Reshape(xs...)
	}, x)
	return values, indices
}
