package tensor

import (
	"github.com/adjoint-go/adjoint/device"
	"github.com/adjoint-go/adjoint/kernels"
)

// Grains: elementwise work below these element counts runs on one
// goroutine. Memory-bound operations (add, compare) gain little from a
// second core and only pay for the fork above very large sizes; compute-
// bound ones split much sooner: the math package's functions (sin, erf,
// pow; 5-10 ns an element) at grainMath, the vector kernels (kernels.Exp,
// Log, Tanh, Sigmoid; 0.5-1.2 ns an element) at grainVMath, which gives a
// chunk about the same time (40-70 µs) as grainMath elements of the math
// package. BenchmarkSplit measures the split; on the shared 2-core machine
// the vector kernels were tuned on, the second core was too busy for a
// clean crossover, so grainVMath is grainMath scaled by the speed-up.
const (
	grainCheap = 1 << 18
	grainMath  = 1 << 13
	grainVMath = 1 << 16
)

// vmathGrain is the grain of the ops on the vector transcendental kernels:
// grainVMath, or grainMath where the kernels are the math package (the
// Generic level).
func vmathGrain() int {
	if kernels.Level() == device.Generic {
		return grainMath
	}
	return grainVMath
}

// unary returns the flat kernel f applied to t's elements, as a new
// contiguous tensor; work above grain elements is split across goroutines.
// f must allow dst to be x itself.
func (t *Tensor) unary(op string, grain int, f func(dst, x []float64)) *Tensor {
	var out *Tensor
	var src []float64
	if t.contig {
		out = empty(op, t.shape)
		src = t.flat()
	} else {
		out = t.Clone()
		src = out.st.data
	}
	dst := out.st.data
	if len(dst) <= grain {
		f(dst, src) // no closure: small tensors allocate nothing extra
		return out
	}
	kernels.Parallel(len(dst), grain, func(lo, hi int) { f(dst[lo:hi], src[lo:hi]) })
	return out
}

// mapFunc turns a function of one value into a flat kernel.
func mapFunc(f func(float64) float64) func(dst, x []float64) {
	return func(dst, x []float64) {
		x = x[:len(dst)]
		for i := range dst {
			dst[i] = f(x[i])
		}
	}
}

// elementwise builds the kernels of a broadcasting binary operation from a
// function of two values.
func elementwise(name string, f func(x, y float64) float64) *binaryKernels {
	return &binaryKernels{
		name: name,
		f:    f,
		vv: func(dst, x, y []float64) {
			x, y = x[:len(dst)], y[:len(dst)]
			for i := range dst {
				dst[i] = f(x[i], y[i])
			}
		},
		vs: func(dst, x []float64, a float64) {
			x = x[:len(dst)]
			for i := range dst {
				dst[i] = f(x[i], a)
			}
		},
		strided: func(n int, dst []float64, incDst int, x []float64, incX int, y []float64, incY int) {
			for i, d, p, q := 0, 0, 0, 0; i < n; i, d, p, q = i+1, d+incDst, p+incX, q+incY {
				dst[d] = f(x[p], y[q])
			}
		},
	}
}

// Exp returns e^t elementwise, with kernels.Exp (within 2 ulps of
// math.Exp, exact on special values).
func (t *Tensor) Exp() *Tensor { return t.unary("Exp", vmathGrain(), kernels.Exp) }

// Log returns the natural logarithm of t elementwise (-Inf at 0, NaN for
// negative values, as in PyTorch), with kernels.Log (within 1 ulp of
// math.Log).
func (t *Tensor) Log() *Tensor { return t.unary("Log", vmathGrain(), kernels.Log) }

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

var (
	eqKernels = elementwise("Eq", func(x, y float64) float64 { return b2f(x == y) })
	neKernels = elementwise("Ne", func(x, y float64) float64 { return b2f(x != y) })
	gtKernels = elementwise("Gt", func(x, y float64) float64 { return b2f(x > y) })
	geKernels = elementwise("Ge", func(x, y float64) float64 { return b2f(x >= y) })
	ltKernels = elementwise("Lt", func(x, y float64) float64 { return b2f(x < y) })
	leKernels = elementwise("Le", func(x, y float64) float64 { return b2f(x <= y) })
)

// Eq returns 1 where t == u and 0 elsewhere, broadcasting (NaN equals
// nothing).
func (t *Tensor) Eq(u *Tensor) *Tensor { return binary(eqKernels, t, u) }

// Ne returns 1 where t != u and 0 elsewhere, broadcasting.
func (t *Tensor) Ne(u *Tensor) *Tensor { return binary(neKernels, t, u) }

// Gt returns 1 where t > u and 0 elsewhere, broadcasting.
func (t *Tensor) Gt(u *Tensor) *Tensor { return binary(gtKernels, t, u) }

// Ge returns 1 where t >= u and 0 elsewhere, broadcasting.
func (t *Tensor) Ge(u *Tensor) *Tensor { return binary(geKernels, t, u) }

// Lt returns 1 where t < u and 0 elsewhere, broadcasting.
func (t *Tensor) Lt(u *Tensor) *Tensor { return binary(ltKernels, t, u) }

// Le returns 1 where t <= u and 0 elsewhere, broadcasting.
func (t *Tensor) Le(u *Tensor) *Tensor { return binary(leKernels, t, u) }
