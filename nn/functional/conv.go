package functional

import (
	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// ConvOptions are the arguments of Conv2d besides its tensors, PyTorch's
// stride, padding, dilation and groups for (height, width). A zero Stride,
// Dilation or Groups means 1 (PyTorch's defaults); Same pads so that the
// output has the input's size (PyTorch's padding="same", stride 1 only),
// and a zero Padding without Same is PyTorch's padding="valid".
type ConvOptions struct {
	Stride, Padding, Dilation [2]int
	Same                      bool
	Groups                    int
}

// Conv2d is torch.nn.functional.conv2d: the cross-correlation of x [N Cin H
// W] with the weight w [Cout, Cin/groups, kh, kw], plus the bias b [Cout]
// (nil for none), giving [N Cout H' W']. It is computed as Unfold (im2col)
// and one batched matrix product per group, each differentiable, so its
// gradients and second derivatives need no code of their own. It panics
// with a *tensor.Error naming Conv2d if the shapes or options do not fit.
func Conv2d(x, w, b *autograd.Tensor, o ConvOptions) *autograd.Tensor {
	const op = "Conv2d"
	if x == nil || w == nil {
		tensor.Panicf("functional", op, nil, "input or weight is nil")
	}
	xs, ws := x.Shape(), w.Shape()
	g := max(o.Groups, 1)
	if len(xs) != 4 || len(ws) != 4 || o.Groups < 0 || xs[1]%g != 0 || ws[0]%g != 0 || ws[1] != xs[1]/g ||
		(b != nil && (b.Dim() != 1 || b.Shape()[0] != ws[0])) {
		shapes := [][]int{xs, ws}
		if b != nil {
			shapes = append(shapes, b.Shape())
		}
		tensor.Panicf("functional", op, shapes,
			"input %v, weight %v and groups %d do not fit: want input [N Cin H W], weight [Cout Cin/groups kh kw] with groups dividing Cin and Cout, bias [Cout] or nil", xs, ws, o.Groups)
	}
	win := tensor.Window{Kernel: [2]int{ws[2], ws[3]}, Dilation: o.Dilation, Padding: o.Padding, Stride: o.Stride}
	if o.Same {
		if o.Padding != [2]int{} || (o.Stride != [2]int{} && o.Stride != [2]int{1, 1}) {
			tensor.Panicf("functional", op, [][]int{xs, ws}, "padding \"same\" takes stride 1 and no explicit padding (options %+v)", o)
		}
		// PyTorch pads d·(k-1) in all, the odd one on the right/bottom.
		var pads []int
		for d := 1; d >= 0; d-- {
			total := max(o.Dilation[d], 1) * (ws[2+d] - 1)
			win.Padding[d] = total / 2
			pads = append(pads, 0, total%2)
		}
		if pads[1] != 0 || pads[3] != 0 {
			x = x.Pad(pads, 0)
		}
	}
	cols := autograd.Unfold(x, win) // [N, Cin·kh·kw, L]
	n, cout, l := xs[0], ws[0], cols.Shape()[2]
	k := cols.Shape()[1] / g
	var y *autograd.Tensor
	if g == 1 {
		y = w.Reshape(cout, k).MatMul(cols) // [N Cout L]
	} else {
		y = w.Reshape(g, cout/g, k).MatMul(cols.Reshape(n, g, k, l)).Reshape(n, cout, l)
	}
	if b != nil {
		y = y.Add(b.Reshape(cout, 1))
	}
	h := (xs[2]+2*win.Padding[0]-max(win.Dilation[0], 1)*(ws[2]-1)-1)/max(win.Stride[0], 1) + 1
	if o.Same {
		h = xs[2]
	}
	return y.Reshape(n, cout, h, l/h)
}
