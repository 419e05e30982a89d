package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// Benchmarks of the transcendental kernels: each level through the exported
// kernel, and impl=math, the plain loop over the math package (what Generic
// runs, without the exported kernel's checks and indirect call), for the
// ratio. SetBytes
// counts 16 bytes per element (one read, one write). Inputs are fixed
// random values where the function is interesting.

// vmathBenchInputs returns n values for kernel name (fixed seed).
func vmathBenchInputs(name string, n int) []float64 {
	r := rand.New(rand.NewPCG(uint64(n), 13))
	x := make([]float64, n)
	for i := range x {
		switch name {
		case "Exp", "Sigmoid":
			x[i] = 40*r.Float64() - 20
		case "Log":
			x[i] = math.Ldexp(0.5+r.Float64(), r.IntN(40)-20)
		case "Tanh":
			x[i] = 6*r.Float64() - 3
		case "Erf":
			x[i] = r.NormFloat64() / math.Sqrt2 // GELU's erf(x/√2) of unit-normal activations
		}
	}
	return x
}

func benchVMath(b *testing.B, name string, kernel, naive func(dst, x []float64)) {
	run := func(b *testing.B, f func(dst, x []float64)) {
		for _, n := range []int{1 << 10, 1 << 20} {
			b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
				x := vmathBenchInputs(name, n)
				dst := make([]float64, n)
				b.SetBytes(int64(16 * n))
				for b.Loop() {
					f(dst, x)
				}
			})
		}
	}
	for _, l := range levelImpls() {
		b.Run("impl="+l.String(), func(b *testing.B) { withLevel(b, l, func() { run(b, kernel) }) })
	}
	b.Run("impl=math", func(b *testing.B) { run(b, naive) })
}

// The math loops call the function directly (a func value would add an
// indirect call per element).

func BenchmarkExp(b *testing.B) {
	benchVMath(b, "Exp", Exp, func(dst, x []float64) {
		for i, v := range x {
			dst[i] = math.Exp(v)
		}
	})
}

func BenchmarkLog(b *testing.B) {
	benchVMath(b, "Log", Log, func(dst, x []float64) {
		for i, v := range x {
			dst[i] = math.Log(v)
		}
	})
}

func BenchmarkTanh(b *testing.B) {
	benchVMath(b, "Tanh", Tanh, func(dst, x []float64) {
		for i, v := range x {
			dst[i] = math.Tanh(v)
		}
	})
}

func BenchmarkSigmoid(b *testing.B) {
	benchVMath(b, "Sigmoid", Sigmoid, func(dst, x []float64) {
		for i, v := range x {
			dst[i] = sigmoid(v)
		}
	})
}

func BenchmarkErf(b *testing.B) {
	benchVMath(b, "Erf", Erf, func(dst, x []float64) {
		for i, v := range x {
			dst[i] = math.Erf(v)
		}
	})
}
