package tensor

import "github.com/adjoint-go/adjoint/kernels"

// Window describes the sliding window of Unfold, Fold and the convolutions
// built on them, as PyTorch's kernel_size, dilation, padding and stride
// arguments, each for (height, width). A zero Dilation or Stride means 1,
// PyTorch's default; a zero Padding means none.
type Window struct {
	Kernel, Dilation, Padding, Stride [2]int
}

// resolved returns w with PyTorch's defaults filled in, panicking with an
// *Error naming op if a size is out of range.
func (w Window) resolved(op string, shapes [][]int) Window {
	for d := range 2 {
		if w.Dilation[d] == 0 {
			w.Dilation[d] = 1
		}
		if w.Stride[d] == 0 {
			w.Stride[d] = 1
		}
		if w.Kernel[d] < 1 || w.Dilation[d] < 1 || w.Stride[d] < 1 || w.Padding[d] < 0 {
			fail(op, shapes, "window %+v: kernel, dilation and stride must be positive and padding not negative", w)
		}
	}
	return w
}

// outSize returns the number of window positions along dimension d of an
// input of size n (PyTorch's (n + 2p - d(k-1) - 1)/s + 1), or a negative
// number if the dilated kernel does not fit the padded input.
func (w Window) outSize(d, n int) int {
	span := w.Dilation[d]*(w.Kernel[d]-1) + 1
	if n+2*w.Padding[d] < span {
		return -1
	}
	return (n+2*w.Padding[d]-span)/w.Stride[d] + 1
}

// Unfold extracts the sliding windows of x, a batch [N C H W], as columns,
// like torch.nn.functional.unfold (im2col): the result is [N, C·kh·kw, L]
// with L the number of window positions, and column l holds the window at
// position l (row-major over the output's height and width) with its
// values in (channel, kernel row, kernel column) order; padding reads
// zeros. It panics with an *Error naming Unfold if x is not 4-D or the
// window does not fit.
func Unfold(x *Tensor, w Window) *Tensor {
	const op = "Unfold"
	mustTensor(op, "input x", x)
	x.live(op)
	if x.Dim() != 4 {
		fail(op, [][]int{x.shape}, "input of shape %v is not a batch [N C H W]", x.shape)
	}
	w = w.resolved(op, [][]int{x.shape})
	n, c, h, wd := x.shape[0], x.shape[1], x.shape[2], x.shape[3]
	oh, ow := w.outSize(0, h), w.outSize(1, wd)
	if oh < 1 || ow < 1 {
		fail(op, [][]int{x.shape}, "window %+v does not fit an input of height %d and width %d", w, h, wd)
	}
	kh, kw := w.Kernel[0], w.Kernel[1]
	rows, l := c*kh*kw, oh*ow
	out := empty(op, []int{n, rows, l})
	xd, od := x.contiguousData(), out.flat()
	kernels.Parallel(n*c, max(1, kernels.Grain/max(1, kh*kw*l)), func(lo, hi int) {
		for nc := lo; nc < hi; nc++ {
			img := xd[nc*h*wd : (nc+1)*h*wd]
			for i := range kh {
				for j := range kw {
					dst := od[(nc*kh*kw+i*kw+j)*l:]
					for y := range oh {
						iy := y*w.Stride[0] - w.Padding[0] + i*w.Dilation[0]
						row := dst[y*ow : (y+1)*ow]
						if iy < 0 || iy >= h {
							continue // zeros: out is zeroed
						}
						src := img[iy*wd : (iy+1)*wd]
						for xo := range ow {
							ix := xo*w.Stride[1] - w.Padding[1] + j*w.Dilation[1]
							if ix >= 0 && ix < wd {
								row[xo] = src[ix]
							}
						}
					}
				}
			}
		}
	})
	return out
}

// Fold sums columns back into a batch of images, like
// torch.nn.functional.fold (col2im), the adjoint of Unfold: x is [N,
// C·kh·kw, L] as Unfold makes it for an image of outputSize (height,
// width), and the result is [N C H W], each input position receiving the
// sum of every column value Unfold would have read from it (values that
// fall in the padding are dropped). It panics with an *Error naming Fold if
// the shapes do not fit.
func Fold(x *Tensor, outputSize [2]int, w Window) *Tensor {
	const op = "Fold"
	mustTensor(op, "input x", x)
	x.live(op)
	w = w.resolved(op, [][]int{x.shape})
	h, wd := outputSize[0], outputSize[1]
	kh, kw := w.Kernel[0], w.Kernel[1]
	if x.Dim() != 3 || h < 1 || wd < 1 {
		fail(op, [][]int{x.shape}, "input of shape %v with output size %v: want [N, C·kh·kw, L] and a positive size", x.shape, outputSize)
	}
	oh, ow := w.outSize(0, h), w.outSize(1, wd)
	n, rows, l := x.shape[0], x.shape[1], x.shape[2]
	if oh < 1 || ow < 1 || rows%(kh*kw) != 0 || l != oh*ow {
		fail(op, [][]int{x.shape}, "input of shape %v does not fit output size %v with window %+v (want [N, C·%d, %d])",
			x.shape, outputSize, w, kh*kw, max(oh, 0)*max(ow, 0))
	}
	c := rows / (kh * kw)
	out := empty(op, []int{n, c, h, wd})
	xd, od := x.contiguousData(), out.flat()
	kernels.Parallel(n*c, max(1, kernels.Grain/max(1, kh*kw*l)), func(lo, hi int) {
		for nc := lo; nc < hi; nc++ {
			img := od[nc*h*wd : (nc+1)*h*wd]
			for i := range kh {
				for j := range kw {
					src := xd[(nc*kh*kw+i*kw+j)*l:]
					for y := range oh {
						iy := y*w.Stride[0] - w.Padding[0] + i*w.Dilation[0]
						if iy < 0 || iy >= h {
							continue
						}
						row := img[iy*wd : (iy+1)*wd]
						col := src[y*ow : (y+1)*ow]
						for xo := range ow {
							ix := xo*w.Stride[1] - w.Padding[1] + j*w.Dilation[1]
							if ix >= 0 && ix < wd {
								row[ix] += col[xo]
							}
						}
					}
				}
			}
		}
	})
	return out
}
