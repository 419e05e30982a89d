package autograd

import (
	"github.com/adjoint-go/adjoint/internal/bridge"
	"github.com/adjoint-go/adjoint/tensor"
)

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
	return maxPool2d(x, w, ceil, false)
}

// MaxPool2dValues is MaxPool2d without the indices
// (torch.nn.functional.max_pool2d with return_indices=False). The indices
// the gradient needs stay private, so they go back to the storage pool
// once nothing can read them: at once when the result records no graph
// (evaluation, an input that needs no gradient), else when a backward pass
// that frees the graph has run through it. Measured on the 2-vCPU KVM
// guest, LeNet-5's two poolings left their indices (0.8 MiB for a batch
// of 64) to the collector at every step.
func MaxPool2dValues(x *Tensor, w tensor.Window, ceil bool) *Tensor {
	values, _ := maxPool2d(x, w, ceil, true)
	return values
}

// maxPool2d is MaxPool2d; with private, the indices are MaxPool2dValues'.
func maxPool2d(x *Tensor, w tensor.Window, ceil, private bool) (values, indices *Tensor) {
	v, idx := tensor.MaxPool2d(arg("MaxPool2d", "the input", x), w, ceil)
	if private && !records([]*Tensor{x}) {
		tops.Recycle(idx) // no backward will run through the values
		return wrap1(v, "MaxPool2d", nil, x), nil
	}
	indices = From(idx)
	saved := save(indices)
	values = wrap1(v, "MaxPool2d", func(c call, g *Tensor, grads []*Tensor) {
		xs, iv := c.meta(0).shape(), c.saved(saved)
		if g.noGrad {
			grads[0] = gradOf(tops.MaxPool2dGrad(g.v, iv.v, xs[2], xs[3]))
			if private && c.final {
				tops.Recycle(iv.v) // no other backward will run through this node
			}
			return
		}
		n, ch, l := xs[0], xs[1], iv.v.Size(2)*iv.v.Size(3)
		grads[0] = Zeros(n, ch, xs[2]*xs[3]).ScatterAdd(2, iv.Reshape(n, ch, l), g.Reshape(n, ch, l)).Reshape(xs...)
	}, x)
	return values, indices
}

// AvgPool2d is torch.nn.functional.avg_pool2d of x [N C H W] with window w
// (no ceil mode or dilation; a zero Stride is the kernel): each window's
// mean over the whole window, padding counted (count_include_pad=True),
// or with excludePad over the input elements it covers, in one pass per
// plane. The gradient spreads each output's gradient, divided by its
// window's divisor, over the window: a Fold, so that second derivatives
// work; outside create-graph mode one pass per plane. It panics with a
// *tensor.Error naming AvgPool2d if x is not 4-D or the window does not
// fit.
func AvgPool2d(x *Tensor, w tensor.Window, excludePad bool) *Tensor {
	v := tops.AvgPool2d(arg("AvgPool2d", "the input", x), bridge.Window(w), excludePad)
	if w.Stride == [2]int{} {
		w.Stride = w.Kernel
	}
	return wrap1(v, "AvgPool2d", func(c call, g *Tensor, grads []*Tensor) {
		xs := c.meta(0).shape()
		h, wd := xs[2], xs[3]
		if g.noGrad {
			grads[0] = gradOf(tops.AvgPool2dGrad(g.v, h, wd, bridge.Window(w), excludePad))
			return
		}
		n, ch, l := xs[0], xs[1], g.v.Size(2)*g.v.Size(3)
		k := w.Kernel[0] * w.Kernel[1]
		gg := g.Reshape(n, ch, 1, l)
		if !excludePad || w.Padding == [2]int{} {
			gg = gg.MulScalar(1 / float64(k))
		} else {
			// The input elements under each window: Unfold of ones.
			count := tensor.Unfold(tensor.Ones(1, 1, h, wd), w).SumDims(false, 1).Reshape(1, 1, 1, l)
			gg = gg.Div(From(count))
		}
		grads[0] = Fold(gg.Expand(n, ch, k, l).Reshape(n, ch*k, l), [2]int{h, wd}, w)
	}, x)
}
