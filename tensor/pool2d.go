package tensor

import (
	"math"

	"github.com/adjoint-go/adjoint/kernels"
)

// poolOutSize returns the number of pooling windows along a dimension of
// size n, as PyTorch's pooling_output_shape: floor or (with ceil) ceiling
// of (n + 2p - d(k-1) - 1)/s, plus 1, less one if ceil mode would start the
// last window in the right padding.
func poolOutSize(n, k, d, p, s int, ceil bool) int {
	span := n + 2*p - d*(k-1) - 1
	if span < 0 {
		return 0
	}
	out := span/s + 1
	if ceil && span%s != 0 {
		out++
		if (out-1)*s >= n+p {
			out--
		}
	}
	return out
}

// MaxPool2d returns the maxima of the windows of x [N C H W] and where they
// are, like torch.nn.functional.max_pool2d with return_indices: values
// [N C H' W'] and indices of the same shape holding, as float64 integral
// values, each maximum's position h·W + w in its input plane. Padding
// counts as -Inf (it is never the maximum of a window that reaches the
// input); the first of equal maxima wins, and a NaN is the maximum of any
// window holding one, as in PyTorch. A zero Stride means the kernel size,
// PyTorch's default for pooling; ceil rounds the output size up. It panics
// with an *Error naming MaxPool2d if x is not 4-D, the padding exceeds half
// the kernel (as PyTorch refuses), or no window fits.
func MaxPool2d(x *Tensor, w Window, ceil bool) (values, indices *Tensor) {
	const op = "MaxPool2d"
	mustTensor(op, "input x", x)
	x.live(op)
	if x.Dim() != 4 {
		fail(op, [][]int{x.shape}, "input of shape %v is not a batch [N C H W]", x.shape)
	}
	if w.Stride == [2]int{} {
		w.Stride = w.Kernel
	}
	w = w.resolved(op, [][]int{x.shape})
	if 2*w.Padding[0] > w.Kernel[0] || 2*w.Padding[1] > w.Kernel[1] {
		fail(op, [][]int{x.shape}, "padding %v is more than half the kernel %v", w.Padding, w.Kernel)
	}
	n, c, h, wd := x.shape[0], x.shape[1], x.shape[2], x.shape[3]
	oh := poolOutSize(h, w.Kernel[0], w.Dilation[0], w.Padding[0], w.Stride[0], ceil)
	ow := poolOutSize(wd, w.Kernel[1], w.Dilation[1], w.Padding[1], w.Stride[1], ceil)
	if oh < 1 || ow < 1 {
		fail(op, [][]int{x.shape}, "window %+v does not fit an input of height %d and width %d", w, h, wd)
	}
	values, indices = uninit(op, []int{n, c, oh, ow}), uninit(op, []int{n, c, oh, ow})
	xd, vd, id := x.contiguousData(), values.flat(), indices.flat()
	// Without padding, and with every window inside the input (ceil mode
	// can push the last one past the edge), no position needs a bounds check.
	inside := w.Padding == [2]int{} &&
		(oh-1)*w.Stride[0]+(w.Kernel[0]-1)*w.Dilation[0] < h && (ow-1)*w.Stride[1]+(w.Kernel[1]-1)*w.Dilation[1] < wd
	kernels.Parallel(n*c, max(1, kernels.Grain/max(1, oh*ow*w.Kernel[0]*w.Kernel[1])), func(lo, hi int) {
		for nc := lo; nc < hi; nc++ {
			img := xd[nc*h*wd : (nc+1)*h*wd]
			vs, is := vd[nc*oh*ow:(nc+1)*oh*ow], id[nc*oh*ow:(nc+1)*oh*ow]
			if inside {
				if w.Kernel == [2]int{2, 2} && w.Stride == [2]int{2, 2} && w.Dilation == [2]int{1, 1} && !math.IsNaN(kernels.Max(img)) {
					maxPool2x2(img, vs, is, wd, oh, ow)
				} else {
					maxPoolInside(img, vs, is, wd, oh, ow, w)
				}
				continue
			}
			for y := range oh {
				for xo := range ow {
					best, at := math.Inf(-1), -1
					for i := range w.Kernel[0] {
						iy := y*w.Stride[0] - w.Padding[0] + i*w.Dilation[0]
						if iy < 0 || iy >= h {
							continue
						}
						for j := range w.Kernel[1] {
							ix := xo*w.Stride[1] - w.Padding[1] + j*w.Dilation[1]
							if ix < 0 || ix >= wd {
								continue
							}
							if v := img[iy*wd+ix]; at < 0 || v > best || math.IsNaN(v) && !math.IsNaN(best) {
								best, at = v, iy*wd+ix
							}
						}
					}
					vs[y*ow+xo], is[y*ow+xo] = best, float64(at)
				}
			}
		}
	})
	return values, indices
}

// maxPoolInside is MaxPool2d's loop over one plane img (width wd) when
// every window lies inside it: the same maxima and positions, without
// bounds checks.
func maxPoolInside(img, vs, is []float64, wd, oh, ow int, w Window) {
	for y := range oh {
		for xo := range ow {
			base := y*w.Stride[0]*wd + xo*w.Stride[1]
			best, at := img[base], base
			for i := range w.Kernel[0] {
				row := base + i*w.Dilation[0]*wd
				for j := range w.Kernel[1] {
					// v != v: a NaN, the maximum of any window holding one (the first).
					if v := img[row+j*w.Dilation[1]]; v > best || v != v && best == best {
						best, at = v, row+j*w.Dilation[1]
					}
				}
			}
			vs[y*ow+xo], is[y*ow+xo] = best, float64(at)
		}
	}
}

// maxPool2x2 is maxPoolInside for 2×2 windows at stride 2 in a plane
// without NaN, written so that the compiler picks the maxima without
// branches: on random data a branch per comparison is mispredicted half
// the time, and that cost more than the rest of the loop.
func maxPool2x2(img, vs, is []float64, wd, oh, ow int) {
	for y := range oh {
		top, bot := img[2*y*wd:2*y*wd+wd], img[(2*y+1)*wd:(2*y+1)*wd+wd]
		v, ix := vs[y*ow:y*ow+ow], is[y*ow:y*ow+ow]
		for xo := range ow {
			a, b, c, d := top[2*xo], top[2*xo+1], bot[2*xo], bot[2*xo+1]
			at, atc := 2*y*wd+2*xo, (2*y+1)*wd+2*xo
			if b > a { // the first of equal maxima wins
				at++
			}
			if d > c {
				atc++
			}
			m, mc := max(a, b), max(c, d)
			if mc > m {
				at = atc
			}
			v[xo], ix[xo] = max(m, mc), float64(at)
		}
	}
}

// maxPool2dGrad returns the gradient of MaxPool2d's values with respect to
// its input [N C h w]: g [N C H' W'] added at the positions indices holds
// (as MaxPool2d returns them), zeros elsewhere. It reaches package
// autograd through internal/bridge.
func maxPool2dGrad(g, indices *Tensor, h, w int) *Tensor {
	const op = "MaxPool2d"
	mustTensors(op, g, indices)
	if g.Dim() != 4 || !g.SameShape(indices) || h < 1 || w < 1 {
		fail(op, [][]int{g.shape, indices.shape}, "gradient %v and indices %v: want the same [N C H' W'] shape, and a positive input size %dx%d", g.shape, indices.shape, h, w)
	}
	n, c, l, plane := g.shape[0], g.shape[1], g.shape[2]*g.shape[3], h*w
	out := uninit(op, []int{n, c, h, w})
	gd, id, od := g.contiguousData(), indices.contiguousData(), out.flat()
	kernels.Parallel(n*c, max(1, kernels.Grain/max(1, plane)), func(lo, hi int) {
		for nc := lo; nc < hi; nc++ {
			dst := od[nc*plane : (nc+1)*plane]
			clear(dst)
			for t, v := range gd[nc*l : (nc+1)*l] {
				j := int(id[nc*l+t])
				if uint(j) >= uint(plane) {
					fail(op, [][]int{g.shape, indices.shape}, "index %v is outside a plane of %dx%d", id[nc*l+t], h, w)
				}
				dst[j] += v
			}
		}
	})
	return out
}

// avgPoolPlan checks an average pooling of x with window w (stride zero:
// the kernel) and returns w resolved and the output size.
func avgPoolPlan(op string, x *Tensor, w Window) (Window, int, int) {
	mustTensor(op, "input x", x)
	x.live(op)
	if w.Stride == [2]int{} {
		w.Stride = w.Kernel
	}
	if x.Dim() != 4 || (w.Dilation != [2]int{} && w.Dilation != [2]int{1, 1}) {
		fail(op, [][]int{x.shape}, "input of shape %v with window %+v: want [N C H W] and no dilation", x.shape, w)
	}
	w = w.resolved(op, [][]int{x.shape})
	if 2*w.Padding[0] > w.Kernel[0] || 2*w.Padding[1] > w.Kernel[1] {
		fail(op, [][]int{x.shape}, "padding %v is more than half the kernel %v", w.Padding, w.Kernel)
	}
	oh, ow := w.outSize(0, x.shape[2]), w.outSize(1, x.shape[3])
	if oh < 1 || ow < 1 {
		fail(op, [][]int{x.shape}, "window %+v does not fit an input of height %d and width %d", w, x.shape[2], x.shape[3])
	}
	return w, oh, ow
}

// avgWindow returns the input rows [y0, y1) and columns [x0, x1) under
// output (y, xo)'s window and the divisor: the whole window's size, or
// with excludePad the input elements it covers.
func avgWindow(w Window, h, wd, y, xo int, excludePad bool) (y0, y1, x0, x1 int, div float64) {
	y0, x0 = y*w.Stride[0]-w.Padding[0], xo*w.Stride[1]-w.Padding[1]
	y1, x1 = min(y0+w.Kernel[0], h), min(x0+w.Kernel[1], wd)
	y0, x0 = max(y0, 0), max(x0, 0)
	div = float64(w.Kernel[0] * w.Kernel[1])
	if excludePad {
		div = float64((y1 - y0) * (x1 - x0))
	}
	return y0, y1, x0, x1, div
}

// avgPool2d is torch.nn.functional.avg_pool2d of x [N C H W] (no ceil
// mode): each window's mean over the whole window, padding counted (count
// include pad), or with excludePad over the input elements it covers, in
// one pass per plane. Package autograd's AvgPool2d reaches it through
// internal/bridge.
func avgPool2d(x *Tensor, w Window, excludePad bool) *Tensor {
	const op = "AvgPool2d"
	w, oh, ow := avgPoolPlan(op, x, w)
	n, c, h, wd := x.shape[0], x.shape[1], x.shape[2], x.shape[3]
	out := uninit(op, []int{n, c, oh, ow})
	xd, od := x.contiguousData(), out.flat()
	kernels.Parallel(n*c, max(1, kernels.Grain/max(1, h*wd)), func(lo, hi int) {
		for nc := lo; nc < hi; nc++ {
			img, o := xd[nc*h*wd:(nc+1)*h*wd], od[nc*oh*ow:(nc+1)*oh*ow]
			for y := range oh {
				for xo := range ow {
					y0, y1, x0, x1, div := avgWindow(w, h, wd, y, xo, excludePad)
					s := 0.0
					for iy := y0; iy < y1; iy++ {
						for _, v := range img[iy*wd+x0 : iy*wd+x1] {
							s += v
						}
					}
					o[y*ow+xo] = s / div
				}
			}
		}
	})
	return out
}

// avgPool2dGrad is avgPool2d's gradient for an input of size h×wd: each
// element of g [N C H' W'] divided by its window's divisor and added to
// every input element of the window, in one pass per plane.
func avgPool2dGrad(g *Tensor, h, wd int, w Window, excludePad bool) *Tensor {
	const op = "AvgPool2d"
	mustTensor(op, "gradient g", g)
	g.live(op)
	if w.Stride == [2]int{} {
		w.Stride = w.Kernel
	}
	w = w.resolved(op, [][]int{g.shape})
	if g.Dim() != 4 || g.shape[2] != w.outSize(0, h) || g.shape[3] != w.outSize(1, wd) {
		fail(op, [][]int{g.shape}, "gradient of shape %v does not fit an input of %dx%d with window %+v", g.shape, h, wd, w)
	}
	n, c, oh, ow := g.shape[0], g.shape[1], g.shape[2], g.shape[3]
	out := uninit(op, []int{n, c, h, wd})
	gd, od := g.contiguousData(), out.flat()
	kernels.Parallel(n*c, max(1, kernels.Grain/max(1, h*wd)), func(lo, hi int) {
		for nc := lo; nc < hi; nc++ {
			gi, img := gd[nc*oh*ow:(nc+1)*oh*ow], od[nc*h*wd:(nc+1)*h*wd]
			clear(img)
			for y := range oh {
				for xo := range ow {
					y0, y1, x0, x1, div := avgWindow(w, h, wd, y, xo, excludePad)
					v := gi[y*ow+xo] / div
					for iy := y0; iy < y1; iy++ {
						row := img[iy*wd+x0 : iy*wd+x1]
						for i := range row {
							row[i] += v
						}
					}
				}
			}
		}
	})
	return out
}
