package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// BenchmarkGemm multiplies square n×n matrices, C = A·B, through Gemm, through
// gonum's blas64.Gemm called directly (what Gemm runs on today: the two
// should match) and, for the smaller sizes, through the reference loop.
// GFLOP/s counts 2n³ floating-point operations per product.
func BenchmarkGemm(b *testing.B) {
	impls := []struct {
		name string
		max  int // largest n to run
		run  func(n int, a, bm, c []float64)
	}{
		{"Gemm", 1 << 30, func(n int, a, bm, c []float64) {
			Gemm(false, false, n, n, n, 1, a, n, bm, n, 0, c, n)
		}},
		{"gonum", 1 << 30, func(n int, a, bm, c []float64) {
			blas64.Gemm(blas.NoTrans, blas.NoTrans, 1,
				blas64.General{Rows: n, Cols: n, Stride: n, Data: a},
				blas64.General{Rows: n, Cols: n, Stride: n, Data: bm},
				0, blas64.General{Rows: n, Cols: n, Stride: n, Data: c})
		}},
		{"naive", 256, func(n int, a, bm, c []float64) {
			gemmNaive(false, false, n, n, n, 1, a, n, bm, n, 0, c, n)
		}},
	}
	for _, im := range impls {
		b.Run("impl="+im.name, func(b *testing.B) {
			for _, n := range []int{64, 256, 512} {
				if n > im.max {
					continue
				}
				b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
					rng := rand.New(rand.NewPCG(uint64(n), 7))
					a, bm, c := matrix(rng, n, n, n), matrix(rng, n, n, n), make([]float64, n*n)
					b.ReportAllocs()
					for b.Loop() {
						im.run(n, a, bm, c)
					}
					flops := 2 * float64(n) * float64(n) * float64(n)
					b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				})
			}
		})
	}
}
