package autograd

import (
	"github.com/adjoint-go/adjoint/internal/bridge"
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

// Conv2d is torch.conv2d (torch.nn.functional.conv2d): the
// cross-correlation of x [N Cin H W] with the weight w [Cout, Cin/groups,
// kh, kw], plus the bias b [Cout] (nil for none), giving [N Cout H' W'].
// The forward pass is tensor.Conv2d: each image's windows unfolded into a
// buffer that stays in cache and multiplied by the weight on the packed
// GEMM, goroutines claiming the images. The backward formula is the
// transposed convolution of the gradient (the input's) and the gradient
// times the unfolded input (the weight's), differentiable to any order;
// outside create-graph mode a fused kernel computes both image by image,
// the weight's gradient straight into its buffer. It panics with a
// *tensor.Error naming Conv2d if the shapes or options do not fit.
func Conv2d(x, w, b *Tensor, o ConvOptions) *Tensor {
	const op = "Conv2d"
	arg(op, "the input", x)
	arg(op, "the weight", w)
	xs, ws := x.v.Shape(), w.v.Shape()
	g := max(o.Groups, 1)
	if len(xs) != 4 || len(ws) != 4 || o.Groups < 0 || xs[1]%g != 0 || ws[0]%g != 0 || ws[1] != xs[1]/g ||
		(b != nil && (b.v.Dim() != 1 || b.v.Size(0) != ws[0])) {
		shapes := [][]int{xs, ws}
		if b != nil {
			shapes = append(shapes, b.v.Shape())
		}
		tensor.Panicf("autograd", op, shapes,
			"input %v, weight %v and groups %d do not fit: want input [N Cin H W], weight [Cout Cin/groups kh kw] with groups dividing Cin and Cout, bias [Cout] or nil", xs, ws, o.Groups)
	}
	win := tensor.Window{Kernel: [2]int{ws[2], ws[3]}, Dilation: o.Dilation, Padding: o.Padding, Stride: o.Stride}
	if o.Same {
		if o.Padding != [2]int{} || (o.Stride != [2]int{} && o.Stride != [2]int{1, 1}) {
			tensor.Panicf("autograd", op, [][]int{xs, ws}, "padding \"same\" takes stride 1 and no explicit padding (options %+v)", o)
		}
		// PyTorch pads d·(k-1) in all, the odd one on the right and bottom.
		var pads []int
		for d := 1; d >= 0; d-- {
			total := max(o.Dilation[d], 1) * (ws[2+d] - 1)
			win.Padding[d] = total / 2
			pads = append(pads, 0, total%2)
		}
		if pads[1] != 0 || pads[3] != 0 {
			x = x.Pad(pads, 0)
			xs = x.v.Shape()
		}
	}
	inputs := []*Tensor{x, w}
	var bv *tensor.Tensor
	if b != nil {
		inputs, bv = append(inputs, b), b.v
	}
	return wrapN(tensor.Conv2d(x.v, w.v, bv, win, g), "Conv2d", func(c call, gy *Tensor, grads []*Tensor) {
		conv2dGrads(c, gy, grads, win, g)
	}, inputs)
}

// conv2dGrads is Conv2d's backward. The formula: the input's gradient is
// the transposed convolution of gy with the same weight (output padding
// making up the rows and columns the strides skipped), the weight's is gy
// times the unfolded input, the bias's is gy summed over all but the
// channels. Outside create-graph mode tensor's fused kernel computes them
// image by image, the weight's gradient straight into its buffer when
// offered.
func conv2dGrads(c call, gy *Tensor, grads []*Tensor, win tensor.Window, groups int) {
	x, w := c.input(0), c.input(1)
	needB := c.arity() > 2 && c.needs(2)
	if gy.noGrad {
		into := c.gradBuffer(1)
		if !gradBufferFree(into, gy, x) || into.SameStorage(w.v) {
			into = nil
		}
		gx, gw, gb := tops.Conv2dBackward(x.v, w.v, gy.v, bridge.Window(win), groups, c.needs(0), c.needs(1), needB, into)
		for i, v := range []*tensor.Tensor{gx, gw, gb} {
			if v != nil {
				grads[i] = gradOf(v)
			}
		}
		return
	}
	xs, ws := x.v.Shape(), w.v.Shape()
	n, cout := xs[0], ws[0]
	if c.needs(0) {
		var outPad [2]int
		for d := range 2 {
			s, dil := max(win.Stride[d], 1), max(win.Dilation[d], 1)
			outPad[d] = (xs[2+d] + 2*win.Padding[d] - dil*(ws[2+d]-1) - 1) % s
		}
		o := ConvOptions{Stride: win.Stride, Padding: win.Padding, Dilation: win.Dilation, Groups: groups}
		grads[0] = ConvTranspose2d(gy, w, nil, o, outPad)
	}
	if c.needs(1) {
		gs := gy.Shape()
		g2 := gy.Permute(1, 0, 2, 3).Reshape(cout, n*gs[2]*gs[3]) // [Cout, N·L]
		cols := unfoldColumns(x, win)                             // [Cin·kk, N·L]
		if groups == 1 {
			grads[1] = g2.matmulT(cols, false, true, nil).Reshape(ws...)
		} else {
			k := cols.v.Size(0) / groups
			grads[1] = g2.Reshape(groups, cout/groups, n*gs[2]*gs[3]).MatMul(cols.Reshape(groups, k, n*gs[2]*gs[3]).Transpose(1, 2)).Reshape(ws...)
		}
	}
	if needB {
		grads[2] = gy.SumDims(false, 0, 2, 3)
	}
}

// released marks v, an inner value of a composite operation that nothing
// reads any more, for reuse: Transient under a graph, recycled at once in
// no-grad evaluation (where no backward comes to do it).
func released(v *Tensor) {
	if v.noGrad {
		tops.Recycle(v.v)
		return
	}
	v.Transient()
}

// unfoldColumns records tensor's column unfolding of x (see Conv2d); its
// gradient is foldColumns, and foldColumns' is unfoldColumns.
func unfoldColumns(x *Tensor, w tensor.Window) *Tensor {
	n, size := x.v.Size(0), [2]int{x.v.Size(2), x.v.Size(3)}
	return wrap1(tops.UnfoldColumns(x.v, bridge.Window(w)), "Conv2d", func(_ call, g *Tensor, grads []*Tensor) {
		grads[0] = foldColumns(g, n, size, w)
	}, x)
}

func foldColumns(x *Tensor, n int, size [2]int, w tensor.Window) *Tensor {
	return wrap1(tops.FoldColumns(x.v, n, size, bridge.Window(w)), "Conv2d", func(_ call, g *Tensor, grads []*Tensor) {
		grads[0] = unfoldColumns(g, w)
	}, x)
}

// Conv1d is torch.conv1d (torch.nn.functional.conv1d): the
// cross-correlation of x [N Cin L] with w [Cout, Cin/groups, k], plus b
// [Cout] (nil for none), giving [N Cout L']. Only the second entry of each
// of o's pairs is used (the length); it is Conv2d on images of height 1.
// It panics with a *tensor.Error naming Conv1d if the shapes do not fit.
func Conv1d(x, w, b *Tensor, o ConvOptions) *Tensor {
	const op = "Conv1d"
	arg(op, "the input", x)
	arg(op, "the weight", w)
	if x.v.Dim() != 3 || w.v.Dim() != 3 {
		tensor.Panicf("autograd", op, [][]int{x.v.Shape(), w.v.Shape()},
			"input %v and weight %v: want [N Cin L] and [Cout Cin/groups k]", x.v.Shape(), w.v.Shape())
	}
	o2 := ConvOptions{Same: o.Same, Groups: o.Groups,
		Stride: [2]int{1, o.Stride[1]}, Padding: [2]int{0, o.Padding[1]}, Dilation: [2]int{1, o.Dilation[1]}}
	return Conv2d(x.Unsqueeze(2), w.Unsqueeze(2), b, o2).Squeeze(2)
}

// ConvTranspose2d is torch.conv_transpose2d
// (torch.nn.functional.conv_transpose2d), the gradient of Conv2d with
// respect to its input: x [N Cin H W] and the weight w [Cin, Cout/groups,
// kh, kw] give [N Cout H' W'] with H' = (H-1)·stride - 2·padding +
// dilation·(kh-1) + outputPadding + 1 (and W' alike), plus the bias b
// [Cout] (nil for none). It is one product per group of the weight,
// transposed, with the whole batch's pixels, summed into the output by
// col2im; every step is differentiable. o.Same is not allowed (PyTorch has
// no padding="same" here); outputPadding must be below the stride or the
// dilation. It panics with a *tensor.Error naming ConvTranspose2d if the
// shapes or options do not fit.
func ConvTranspose2d(x, w, b *Tensor, o ConvOptions, outputPadding [2]int) *Tensor {
	const op = "ConvTranspose2d"
	arg(op, "the input", x)
	arg(op, "the weight", w)
	xs, ws := x.v.Shape(), w.v.Shape()
	g := max(o.Groups, 1)
	if len(xs) != 4 || len(ws) != 4 || o.Groups < 0 || o.Same || ws[0] != xs[1] || xs[1]%g != 0 ||
		(b != nil && (b.v.Dim() != 1 || b.v.Size(0) != ws[1]*g)) {
		shapes := [][]int{xs, ws}
		if b != nil {
			shapes = append(shapes, b.v.Shape())
		}
		tensor.Panicf("autograd", op, shapes,
			"input %v, weight %v and groups %d do not fit: want input [N Cin H W], weight [Cin Cout/groups kh kw], bias [Cout] or nil, and no padding \"same\"", xs, ws, o.Groups)
	}
	win := tensor.Window{Kernel: [2]int{ws[2], ws[3]}, Dilation: o.Dilation, Padding: o.Padding, Stride: o.Stride}
	var size [2]int
	for d := range 2 {
		s, dil := max(o.Stride[d], 1), max(o.Dilation[d], 1)
		if outputPadding[d] < 0 || (outputPadding[d] >= s && outputPadding[d] >= dil) {
			tensor.Panicf("autograd", op, [][]int{xs, ws}, "output padding %v must be smaller than the stride or the dilation", outputPadding)
		}
		size[d] = (xs[2+d]-1)*s - 2*o.Padding[d] + dil*(ws[2+d]-1) + outputPadding[d] + 1
		if size[d] < 1 {
			tensor.Panicf("autograd", op, [][]int{xs, ws}, "the output would have size %v", size)
		}
	}
	n, cin, cout := xs[0], xs[1], ws[1]*g
	kk := ws[2] * ws[3]
	pix := x.Permute(1, 0, 2, 3).Reshape(cin, n*xs[2]*xs[3]) // [Cin, N·H·W]
	var cols *Tensor
	if g == 1 {
		cols = w.Reshape(cin, cout*kk).Transpose(0, 1).MatMul(pix) // [Cout·kk, N·H·W]
	} else {
		wt := w.Reshape(g, cin/g, cout/g*kk).Transpose(1, 2)
		cols = wt.MatMul(pix.Reshape(g, cin/g, n*xs[2]*xs[3])).Reshape(cout*kk, n*xs[2]*xs[3])
	}
	y := foldColumns(cols, n, size, win)
	released(cols)
	if b != nil {
		yb := y.Add(b.Reshape(1, cout, 1, 1))
		released(y)
		y = yb
	}
	return y
}
