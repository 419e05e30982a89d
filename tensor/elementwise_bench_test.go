package tensor_test

import (
	"fmt"
	"testing"

	"github.com/adjoint-go/adjoint/kernels"
	"github.com/adjoint-go/adjoint/tensor"
)

// BenchmarkSplit measures where two goroutines start to beat one for a
// cheap kernel (Add, Mul: memory-bound) and a transcendental one (Exp,
// Tanh: compute-bound), the measurement behind grainCheap and grainMath.
// Each size runs once on one goroutine and once split in two halves with
// kernels.Parallel; compare the pairs with benchstat:
//
//	go test -run NONE -bench Split -benchtime 0.3s -count 3 ./tensor
//
// The pairs mean something only while the second core is otherwise idle:
// on a shared machine, run one size at a time and discard runs during which
// other processes used CPU time (see the grain comment in elementwise.go).
func BenchmarkSplit(b *testing.B) {
	pow2 := func(lo, hi int) []int {
		var s []int
		for e := lo; e <= hi; e++ {
			s = append(s, 1<<e)
		}
		return s
	}
	ops := []struct {
		name  string
		f     func(dst, x, y []float64)
		sizes []int
	}{
		{"Add", kernels.Add, pow2(12, 22)},
		{"Mul", kernels.Mul, pow2(14, 22)},
		{"Exp", func(dst, x, _ []float64) { kernels.Exp(dst, x) }, pow2(8, 18)},
		{"Tanh", func(dst, x, _ []float64) { kernels.Tanh(dst, x) }, pow2(8, 18)},
	}
	rng := newRNG(3)
	for _, op := range ops {
		for _, n := range op.sizes {
			x, y := randT(rng, n).Raw(), randT(rng, n).Raw()
			dst := make([]float64, n)
			for _, ways := range []int{1, 2} {
				b.Run(fmt.Sprintf("op=%s/n=%d/goroutines=%d", op.name, n, ways), func(b *testing.B) {
					grain := n
					if ways == 2 {
						grain = (n + 1) / 2
					}
					b.SetBytes(int64(24 * n))
					b.ReportAllocs()
					for b.Loop() {
						kernels.Parallel(n, grain, func(lo, hi int) { op.f(dst[lo:hi], x[lo:hi], y[lo:hi]) })
					}
				})
			}
		}
	}
}

var benchSizes = []int{1 << 10, 1 << 20}

// BenchmarkUnary measures the unary ops on a contiguous vector, forward,
// by family: cheap arithmetic and transcendental functions. SetBytes counts
// 16 bytes per element (one read, one write). impl=naive is a plain Go loop
// over a slice for the same function, for the ratio.
func BenchmarkUnary(b *testing.B) {
	type op struct {
		name  string
		f     func(*tensor.Tensor) *tensor.Tensor
		naive func(dst, x []float64)
	}
	families := []struct {
		family string
		ops    []op
	}{
		{"cheap", []op{
			{"Abs", (*tensor.Tensor).Abs, nil},
			{"ReLU", (*tensor.Tensor).ReLU, func(dst, x []float64) {
				for i, v := range x {
					dst[i] = max(v, 0)
				}
			}},
			{"Square", (*tensor.Tensor).Square, nil},
			{"Sqrt", (*tensor.Tensor).Sqrt, nil},
			{"Clamp", func(x *tensor.Tensor) *tensor.Tensor { return x.Clamp(-1, 1) }, nil},
		}},
		{"transcendental", []op{
			{"Exp", (*tensor.Tensor).Exp, nil},
			{"Tanh", (*tensor.Tensor).Tanh, nil},
			{"Sigmoid", (*tensor.Tensor).Sigmoid, nil},
			{"GELU", (*tensor.Tensor).GELU, nil},
			{"GELUTanh", (*tensor.Tensor).GELUTanh, nil},
			{"SiLU", (*tensor.Tensor).SiLU, nil},
			{"Softplus", (*tensor.Tensor).Softplus, nil},
			{"Sin", (*tensor.Tensor).Sin, nil},
			{"PowScalar(2.5)", func(x *tensor.Tensor) *tensor.Tensor { return x.PowScalar(2.5) }, nil},
		}},
	}
	rng := newRNG(4)
	for _, fam := range families {
		for _, o := range fam.ops {
			for _, n := range benchSizes {
				x := randT(rng, n)
				b.Run(fmt.Sprintf("family=%s/op=%s/n=%d", fam.family, o.name, n), func(b *testing.B) {
					b.SetBytes(int64(16 * n))
					b.ReportAllocs()
					for b.Loop() {
						sink = o.f(x)
					}
				})
				if o.naive != nil {
					b.Run(fmt.Sprintf("family=%s/op=%s/n=%d/impl=naive", fam.family, o.name, n), func(b *testing.B) {
						b.SetBytes(int64(16 * n))
						b.ReportAllocs()
						src := x.Raw()
						for b.Loop() {
							dst := make([]float64, n)
							o.naive(dst, src)
						}
					})
				}
			}
		}
	}
}

// BenchmarkPointwiseBinary measures the binary ops and comparisons on two
// same-shape contiguous vectors, and Where on three; SetBytes counts 8
// bytes per operand read and result written.
func BenchmarkPointwiseBinary(b *testing.B) {
	rng := newRNG(5)
	ops := []struct {
		family, name string
		f            func(a, b *tensor.Tensor) *tensor.Tensor
	}{
		{"arith", "Mul", (*tensor.Tensor).Mul},
		{"arith", "Maximum", (*tensor.Tensor).Maximum},
		{"arith", "Minimum", (*tensor.Tensor).Minimum},
		{"arith", "Pow", (*tensor.Tensor).Pow},
		{"compare", "Gt", (*tensor.Tensor).Gt},
		{"compare", "Eq", (*tensor.Tensor).Eq},
	}
	for _, op := range ops {
		for _, n := range benchSizes {
			x, y := randT(rng, n).Abs(), randT(rng, n)
			b.Run(fmt.Sprintf("family=%s/op=%s/n=%d", op.family, op.name, n), func(b *testing.B) {
				b.SetBytes(int64(24 * n))
				b.ReportAllocs()
				for b.Loop() {
					sink = op.f(x, y)
				}
			})
		}
	}
	for _, n := range benchSizes {
		c := randT(rng, n).Gt(tensor.Scalar(0))
		x, y := randT(rng, n), randT(rng, n)
		b.Run(fmt.Sprintf("family=where/op=Where/n=%d", n), func(b *testing.B) {
			b.SetBytes(int64(32 * n))
			b.ReportAllocs()
			for b.Loop() {
				sink = tensor.Where(c, x, y)
			}
		})
		b.Run(fmt.Sprintf("family=where/op=Where-scalar-b/n=%d", n), func(b *testing.B) {
			zero := tensor.Scalar(0)
			b.SetBytes(int64(24 * n))
			b.ReportAllocs()
			for b.Loop() {
				sink = tensor.Where(c, x, zero)
			}
		})
	}
}
