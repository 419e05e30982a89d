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
	kernels.Parallel(n*c, max(1, kernels.Grain/max(1, oh*ow*w.Kernel[0]*w.Kernel[1])), func(lo, hi int) {
		for nc := lo; nc < hi; nc++ {
			img := xd[nc*h*wd : (nc+1)*h*wd]
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
					o := (nc*oh+y)*ow + xo
					vd[o], id[o] = best, float64(at)
				}
			}
		}
	})
	return values, indices
}
