package tensor

import (
	"math"

	"github.com/adjoint-go/adjoint/kernels"
)

// Broadcasting binary operations beyond the four arithmetic ones, and the
// three-operand Where. Their kernels are written out as plain loops (no
// call through a function value per element).

var (
	powKernels = binaryKernels{"Pow", math.Pow, powVV, powVS, powStrided}
	maxKernels = binaryKernels{"Maximum", func(x, y float64) float64 { return max(x, y) }, maxVV, maxVS, maxStrided}
	minKernels = binaryKernels{"Minimum", func(x, y float64) float64 { return min(x, y) }, minVV, minVS, minStrided}
)

// binaryGrain is binary with the contiguous same-shape and tensor-scalar
// paths split across goroutines above grain elements; binary itself splits
// only the same-shape path, at grainCheap.
func binaryGrain(k *binaryKernels, grain int, a, b *Tensor) *Tensor {
	mustTensors(k.name, a, b)
	n := a.Numel()
	if n <= grain || !a.contig {
		return binary(k, a, b)
	}
	switch {
	case b.contig && sameShape(a.shape, b.shape):
		out := uninit(k.name, a.shape)
		od, ad, bd := out.st.data, a.flat(), b.flat()
		kernels.Parallel(n, grain, func(lo, hi int) { k.vv(od[lo:hi], ad[lo:hi], bd[lo:hi]) })
		return out
	case b.Numel() == 1 && len(b.shape) <= len(a.shape):
		out := uninit(k.name, BroadcastShapes(k.name, a.shape, b.shape))
		od, ad, s := out.st.data, a.flat(), b.st.data[b.off]
		kernels.Parallel(n, grain, func(lo, hi int) { k.vs(od[lo:hi], ad[lo:hi], s) })
		return out
	}
	return binary(k, a, b)
}

// Pow returns t raised to the power u elementwise, broadcasting, with
// math.Pow's special cases (those of C's pow, which PyTorch uses): x^0 = 1
// and 1^y = 1 even for NaN, 0^y = +Inf for y < 0, a negative base with a
// non-integer exponent gives NaN.
func (t *Tensor) Pow(u *Tensor) *Tensor { return binaryGrain(&powKernels, grainMath, t, u) }

func powVV(dst, x, y []float64) {
	x, y = x[:len(dst)], y[:len(dst)]
	for i := range dst {
		dst[i] = math.Pow(x[i], y[i])
	}
}

func powVS(dst, x []float64, a float64) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = math.Pow(v, a)
	}
}

func powStrided(n int, dst []float64, incDst int, x []float64, incX int, y []float64, incY int) {
	for i, d, p, q := 0, 0, 0, 0; i < n; i, d, p, q = i+1, d+incDst, p+incX, q+incY {
		dst[d] = math.Pow(x[p], y[q])
	}
}

// Maximum returns the larger of t and u elementwise, broadcasting, as
// torch.maximum: NaN if either is NaN; Maximum(-0, +0) = +0.
func (t *Tensor) Maximum(u *Tensor) *Tensor { return binaryGrain(&maxKernels, grainCheap, t, u) }

func maxVV(dst, x, y []float64) {
	x, y = x[:len(dst)], y[:len(dst)]
	for i := range dst {
		dst[i] = max(x[i], y[i])
	}
}

func maxVS(dst, x []float64, a float64) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = max(v, a)
	}
}

func maxStrided(n int, dst []float64, incDst int, x []float64, incX int, y []float64, incY int) {
	for i, d, p, q := 0, 0, 0, 0; i < n; i, d, p, q = i+1, d+incDst, p+incX, q+incY {
		dst[d] = max(x[p], y[q])
	}
}

// Minimum returns the smaller of t and u elementwise, broadcasting, as
// torch.minimum: NaN if either is NaN; Minimum(-0, +0) = -0.
func (t *Tensor) Minimum(u *Tensor) *Tensor { return binaryGrain(&minKernels, grainCheap, t, u) }

func minVV(dst, x, y []float64) {
	x, y = x[:len(dst)], y[:len(dst)]
	for i := range dst {
		dst[i] = min(x[i], y[i])
	}
}

func minVS(dst, x []float64, a float64) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = min(v, a)
	}
}

func minStrided(n int, dst []float64, incDst int, x []float64, incX int, y []float64, incY int) {
	for i, d, p, q := 0, 0, 0, 0; i < n; i, d, p, q = i+1, d+incDst, p+incX, q+incY {
		dst[d] = min(x[p], y[q])
	}
}
