package tensor

import (
	"slices"

	"github.com/adjoint-go/adjoint/kernels"
)

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
	w, n, c, h, wd, oh, ow := unfoldPlan(op, x, w)
	kh, kw := w.Kernel[0], w.Kernel[1]
	rows, l := c*kh*kw, oh*ow
	out := uninit(op, []int{n, rows, l})
	unfoldInto(x.contiguousData(), out.flat(), n, c, h, wd, oh, ow, w, l, func(b, ch int) int { return (b*c + ch) * kh * kw * l })
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
	foldFrom(x.contiguousData(), out.flat(), n, c, h, wd, oh, ow, w, l, func(b, ch int) int { return (b*c + ch) * kh * kw * l })
	return out
}

// unfoldPlan checks x and w for an unfolding and returns w with its
// defaults, x's sizes and the number of window positions down and across.
func unfoldPlan(op string, x *Tensor, w Window) (_ Window, n, c, h, wd, oh, ow int) {
	mustTensor(op, "input x", x)
	x.live(op)
	if x.Dim() != 4 {
		fail(op, [][]int{x.shape}, "input of shape %v is not a batch [N C H W]", x.shape)
	}
	w = w.resolved(op, [][]int{x.shape})
	n, c, h, wd = x.shape[0], x.shape[1], x.shape[2], x.shape[3]
	oh, ow = w.outSize(0, h), w.outSize(1, wd)
	if oh < 1 || ow < 1 {
		fail(op, [][]int{x.shape}, "window %+v does not fit an input of height %d and width %d", w, h, wd)
	}
	return w, n, c, h, wd, oh, ow
}

// validRange returns the output positions [x0, x1) of a row of n whose
// input index xo·stride + shift falls in [0, size).
func validRange(n, size, shift, stride int) (x0, x1 int) {
	// xo·stride + shift >= 0  ⇔  xo >= ceil(-shift/stride)
	if shift < 0 {
		x0 = (-shift + stride - 1) / stride
	}
	// xo·stride + shift <= size-1  ⇔  xo <= floor((size-1-shift)/stride)
	if last := size - 1 - shift; last < 0 {
		x1 = 0
	} else {
		x1 = min(n, last/stride+1)
	}
	return min(x0, n), max(x1, min(x0, n))
}

// unfoldInto writes the windows of the images xd ([n c h wd], row-major)
// into od: the values of kernel offset ij (i·kw + j) of channel ch of image
// b, at every window position (oh·ow of them, row-major), start at
// od[rowOff(b, ch) + ij·rowStride].
func unfoldInto(xd, od []float64, n, c, h, wd, oh, ow int, w Window, rowStride int, rowOff func(b, ch int) int) {
	kk, l := w.Kernel[0]*w.Kernel[1], oh*ow
	kernels.Parallel(n*c, max(1, kernels.Grain/max(1, kk*l)), func(lo, hi int) {
		for nc := lo; nc < hi; nc++ {
			unfoldPlane(xd[nc*h*wd:(nc+1)*h*wd], od, rowOff(nc/c, nc%c), rowStride, h, wd, oh, ow, w)
		}
	})
}

// unfoldPlane writes the windows of one plane img [h wd] into od: kernel
// offset ij's values at the oh·ow window positions start at od[base +
// ij·rowStride]; padding reads zeros.
//
// The output rows and columns whose input falls inside the image are
// worked out once per kernel offset, and with a stride of 1 across, the
// offset's rows are one kernels.CopyRows: a LeNet-sized window (5×5 over
// 14×14) copies rows of 10 elements, where a copy call per row, with its
// tests and clears, took 11.9 µs an image of 6 planes on the 2-vCPU AMD
// guest.
func unfoldPlane(img, od []float64, base, rowStride, h, wd, oh, ow int, w Window) {
	kh, kw, l := w.Kernel[0], w.Kernel[1], oh*ow
	sy, sx := w.Stride[0], w.Stride[1]
	for i := range kh {
		dy := i*w.Dilation[0] - w.Padding[0]
		y0, y1 := validRange(oh, h, dy, sy)
		for j := range kw {
			off := base + (i*kw+j)*rowStride
			dst := od[off : off+l]
			dx := j*w.Dilation[1] - w.Padding[1]
			x0, x1 := validRange(ow, wd, dx, sx)
			if y0 >= y1 || x0 >= x1 {
				clear(dst)
				continue
			}
			if y0 > 0 {
				clear(dst[:y0*ow])
			}
			if y1 < oh {
				clear(dst[y1*ow:])
			}
			n, first := x1-x0, x0*sx+dx // elements per row, the first's column
			iy := y0*sy + dy
			if sx == 1 {
				rows := dst[y0*ow:]
				zeroColumns(rows, ow, y1-y0, 0, x0)
				zeroColumns(rows, ow, y1-y0, x1, ow)
				kernels.CopyRows(rows[x0:], ow, img[iy*wd+first:], sy*wd, y1-y0, n)
				continue
			}
			for y := y0; y < y1; y, iy = y+1, iy+sy {
				row := dst[y*ow : (y+1)*ow]
				zeroSmall(row[:x0])
				zeroSmall(row[x1:])
				src := img[iy*wd : (iy+1)*wd]
				for xo, ix := x0, first; xo < x1; xo, ix = xo+1, ix+sx {
					row[xo] = src[ix]
				}
			}
		}
	}
}

// zeroSmall zeros the few elements a row's padding covers, in a loop
// rather than clear's call (which costs more than the loop for them).
func zeroSmall(s []float64) {
	for t := 0; t < len(s); t++ {
		s[t] = 0
	}
}

// zeroRow is a row of zeros for zeroColumns to copy.
var zeroRow [32]float64

// zeroColumns zeros columns [a, b) of rows rows of d, ds apart: the columns
// a row's padding covers, one kernels.CopyRows of zeroRow for them all.
func zeroColumns(d []float64, ds, rows, a, b int) {
	if a >= b {
		return
	}
	if b-a <= len(zeroRow) {
		kernels.CopyRows(d[a:], ds, zeroRow[:b-a], 0, rows, b-a)
		return
	}
	for r := range rows {
		clear(d[r*ds+a : r*ds+b])
	}
}

// foldFrom adds the columns in xd (laid out as unfoldInto writes them) into
// the images od ([n c h wd], row-major, zeroed by the caller).
func foldFrom(xd, od []float64, n, c, h, wd, oh, ow int, w Window, rowStride int, rowOff func(b, ch int) int) {
	kk, l := w.Kernel[0]*w.Kernel[1], oh*ow
	kernels.Parallel(n*c, max(1, kernels.Grain/max(1, kk*l)), func(lo, hi int) {
		for nc := lo; nc < hi; nc++ {
			foldPlane(xd, od[nc*h*wd:(nc+1)*h*wd], rowOff(nc/c, nc%c), rowStride, h, wd, oh, ow, w)
		}
	})
}

// foldPlane adds the columns of one plane, laid out in xd as unfoldPlane
// writes them, into img [h wd]: with a stride of 1 across, one
// kernels.AddRows per kernel offset. The offsets go down the kernel's
// columns, so that each AddRows reads rows that the one before stored at
// the same columns; across a kernel row they would overlap those stores
// one element off, which the store buffer cannot forward (AddRows took
// 11.7% of a LeNet-5 training step in that order, 7.8% in this one, on
// the 2-vCPU AMD guest). The order of the sums into each element changes
// with it, not the result's determinism.
func foldPlane(xd, img []float64, base, rowStride, h, wd, oh, ow int, w Window) {
	kh, kw, l := w.Kernel[0], w.Kernel[1], oh*ow
	sy, sx := w.Stride[0], w.Stride[1]
	for j := range kw {
		dx := j*w.Dilation[1] - w.Padding[1]
		x0, x1 := validRange(ow, wd, dx, sx)
		for i := range kh {
			dy := i*w.Dilation[0] - w.Padding[0]
			y0, y1 := validRange(oh, h, dy, sy)
			off := base + (i*kw+j)*rowStride
			src := xd[off : off+l]
			if y0 >= y1 || x0 >= x1 {
				continue
			}
			n, first := x1-x0, x0*sx+dx
			iy := y0*sy + dy
			if sx == 1 {
				kernels.AddRows(img[iy*wd+first:], sy*wd, src[y0*ow+x0:], ow, y1-y0, n)
				continue
			}
			for y := y0; y < y1; y, iy = y+1, iy+sy {
				col := src[y*ow+x0 : y*ow+x1]
				row := img[iy*wd : (iy+1)*wd]
				for t, ix := 0, first; t < n; t, ix = t+1, ix+sx {
					row[ix] += col[t]
				}
			}
		}
	}
}

// unfoldColumns is Unfold with the batch folded into the columns: x [N C H
// W] gives [C·kh·kw, N·L], column n·L + l holding window l of image n, so
// that a convolution of the whole batch is one matrix product. It reaches
// package autograd through internal/bridge.
func unfoldColumns(x *Tensor, w Window) *Tensor {
	const op = "Conv2d"
	w, n, c, h, wd, oh, ow := unfoldPlan(op, x, w)
	kk, l := w.Kernel[0]*w.Kernel[1], oh*ow
	out := uninit(op, []int{c * kk, n * l})
	unfoldInto(x.contiguousData(), out.flat(), n, c, h, wd, oh, ow, w, n*l, func(b, ch int) int { return (ch*kk*n + b) * l })
	return out
}

// foldColumns is unfoldColumns' adjoint: x [C·kh·kw, N·L] summed back into
// [N C H W] images of size (h, wd).
func foldColumns(x *Tensor, n int, size [2]int, w Window) *Tensor {
	const op = "Conv2d"
	mustTensor(op, "input x", x)
	x.live(op)
	w = w.resolved(op, [][]int{x.shape})
	h, wd := size[0], size[1]
	oh, ow := w.outSize(0, h), w.outSize(1, wd)
	kk, l := w.Kernel[0]*w.Kernel[1], oh*ow
	if x.Dim() != 2 || n < 1 || oh < 1 || ow < 1 || x.shape[0]%kk != 0 || x.shape[1] != n*l {
		fail(op, [][]int{x.shape}, "columns of shape %v do not fit %d images of size %v with window %+v", x.shape, n, size, w)
	}
	c := x.shape[0] / kk
	out := empty(op, []int{n, c, h, wd})
	foldFrom(x.contiguousData(), out.flat(), n, c, h, wd, oh, ow, w, n*l, func(b, ch int) int { return (ch*kk*n + b) * l })
	return out
}

// addIntoSlice adds src into dst's elements start <= i < start+n along
// dim, where dst is contiguous and src has dst's shape with n in place of
// dst's size along dim (or, with n == 1, that dimension removed, as Select
// leaves it). It takes no view of dst, so dst stays recyclable: package
// autograd adds the gradient of each of many slices of a tensor into that
// tensor's gradient this way, through internal/bridge, instead of padding
// each to the full size.
func addIntoSlice(dst, src *Tensor, dim, start int) {
	const op = "addIntoSlice"
	mustTensors(op, dst, src)
	if !dst.IsContiguous() || dim < 0 || dim >= dst.Dim() {
		fail(op, [][]int{dst.shape, src.shape}, "dst must be contiguous and dim %d one of its dimensions", dim)
	}
	size := dst.shape[dim]
	n := 1
	if src.Dim() == dst.Dim() {
		n = src.shape[dim]
	}
	want := slices.Clone(dst.shape)
	want[dim] = n
	if src.Dim() != dst.Dim() {
		want = slices.Delete(want, dim, dim+1)
	}
	if !slices.Equal(src.shape, want) || start < 0 || start+n > size {
		fail(op, [][]int{dst.shape, src.shape}, "source %v does not fit %d elements from %d along dimension %d of %v", src.shape, n, start, dim, dst.shape)
	}
	inner := 1
	for _, d := range dst.shape[dim+1:] {
		inner *= d
	}
	outer := dst.Numel() / max(size*inner, 1)
	dd, sd := dst.flat(), src.contiguousData()
	block := n * inner
	for o := range outer {
		d := dd[(o*size+start)*inner : (o*size+start)*inner+block]
		kernels.Add(d, d, sd[o*block:(o+1)*block])
	}
}
