package tensor

import (
	"github.com/adjoint-go/adjoint/device"
	"github.com/adjoint-go/adjoint/kernels"
)

// Grains: elementwise work of at most this many elements runs on one
// goroutine; above it, kernels.Parallel splits it across GOMAXPROCS.
//
// Measured with BenchmarkSplit (one goroutine against two halves) on the
// 2-vCPU development VM, keeping only runs in which no other process used
// the second core. There, handing half of the work to the other core costs
// about 120-140 µs (waking the idle vCPU and its thread), far more than the
// ~1 µs of a bare fork/join, so splitting pays off only from about 250 µs of
// single-threaded work:
//
//	Add/Mul (memory-bound, ~0.85 ns/element out of cache):
//	  64K 0.77x  128K 0.94-1.12x  256K 1.04-1.14x  512K 1.25x  1M 1.52-1.56x  4M 1.94x
//	Exp (~4.6 ns/element):
//	  8K 0.88x  16K 0.93x  32K 0.89x  64K 1.12x  128K 1.42x  256K 1.63x
//	Tanh (~9 ns/element, like Sigmoid, Sin, Erf, GELU, SiLU):
//	  8K 0.94x  16K 0.91x  32K 1.14x  64K 1.42x  128K 1.64x
//
// grainCheap stays at 256K, the first size where Add and Mul gain in every
// run. (Measured before kernels kept its helper goroutines awake between
// splits; a split now rarely waits for a vCPU to wake, but memory-bound
// work streaming from a cache both cores share still gains little from
// the second core here, so the grains stand.) grainMath is 32K: most transcendental ops cost as much per element as
// Tanh or more and gain from there; Exp and Log, the cheapest, lose up to
// ~10% between 32K and ~48K elements. On machines where a core wakes in a
// few microseconds both could be far smaller (split at ~10 µs of work).
//
// grainVMath is for the vector transcendental kernels (kernels.Exp, Log,
// Tanh, Sigmoid; 0.5-1.2 ns an element): by the same ~250 µs rule they
// split from about 256K elements.
//
// grainFill is the least elements of a goroutine's part of a Fill (and so
// of Zero, and an optimizer's ZeroGrad), split with kernels.ParallelParts
// so that each core clears the part of a gradient that it computed and
// will update. The split is for where the data lands more than for the
// time: a parameter's gradient of 100K elements (an MNIST MLP's first
// layer) takes about 5 µs to clear on one core, but a core then read its
// half of it in 7 µs when it had cleared that half itself and in 28 µs
// when the other core had (the project's 2-vCPU KVM guest).
const (
	grainFill  = 1 << 14
	grainCheap = 1 << 18
	grainMath  = 1 << 15
	grainVMath = 1 << 18
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
	t.live(op) // and not nil
	out := uninit(op, t.shape)
	dst := out.st.data
	var src []float64
	if t.contig {
		src = t.flat()
	} else {
		copyStrided(dst, t)
		src = dst
	}
	if len(dst) <= grain {
		f(dst, src) // no closure: small tensors allocate nothing extra
		return out
	}
	kernels.Parallel(len(dst), grain, func(lo, hi int) { f(dst[lo:hi], src[lo:hi]) })
	return out
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
