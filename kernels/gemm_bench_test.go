package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/adjoint-go/adjoint/device"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// gemmImpl is one GEMM the benchmarks time: Gemm at a level, gonum's Dgemm,
// or the reference loop.
type gemmImpl struct {
	name  string
	level device.Level // for Gemm; -1 otherwise
	max   int          // largest m·n·k to run
	fn    func(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int)
}

func gemmImpls() []gemmImpl {
	var ims []gemmImpl
	for _, l := range device.Available() {
		ims = append(ims, gemmImpl{"adjoint-" + l.String(), l, math.MaxInt, Gemm})
	}
	gonumGemm := func(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
		ta, tb := blas.NoTrans, blas.NoTrans
		if transA {
			ta = blas.Trans
		}
		if transB {
			tb = blas.Trans
		}
		gonum.Implementation{}.Dgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	}
	return append(ims,
		gemmImpl{"gonum", -1, math.MaxInt, gonumGemm},
		gemmImpl{"naive", -1, 256 * 256 * 256, gemmNaive})
}

// benchShape is one product of the benchmarks: op(A) is m×k, op(B) k×n.
type benchShape struct {
	name           string
	m, n, k        int
	transA, transB bool
}

// gemmBenchShapes are the square products and those of one training step
// of a 784-128-10 MLP on a batch of 64 (Linear stores W as [out, in]):
// forward x·W1ᵀ, dW1 = gᵀ·x, dX = g·W1 (as a layer below would need), the
// second layer's forward h·W2ᵀ and its dH = g·W2.
func gemmBenchShapes() []benchShape {
	var ss []benchShape
	for _, n := range []int{64, 128, 256, 512, 1024} {
		ss = append(ss, benchShape{fmt.Sprintf("n=%d", n), n, n, n, false, false})
	}
	return append(ss,
		benchShape{"mlp=fc1.forward_64x784x128ᵀ", 64, 128, 784, false, true},
		benchShape{"mlp=fc1.dW_128x64ᵀx784", 128, 784, 64, true, false},
		benchShape{"mlp=fc1.dX_64x128x784", 64, 784, 128, false, false},
		benchShape{"mlp=fc2.forward_64x128x10ᵀ", 64, 10, 128, false, true},
		benchShape{"mlp=fc2.dH_64x10x128", 64, 128, 10, false, false},
	)
}

// BenchmarkGemm times C = op(A)·op(B) at every level of Gemm, through gonum's
// Dgemm and (for the smaller products) through the reference loop, on one
// goroutine (GOMAXPROCS 1) and on two, in GFLOP/s (2·m·n·k per product).
func BenchmarkGemm(b *testing.B) {
	for _, im := range gemmImpls() {
		b.Run("impl="+im.name, func(b *testing.B) {
			if im.level >= 0 {
				old, err := SetLevel(im.level)
				if err != nil {
					b.Skip(err)
				}
				defer SetLevel(old)
			}
			for _, threads := range []int{1, 2} {
				b.Run(fmt.Sprintf("threads=%d", threads), func(b *testing.B) {
					for _, s := range gemmBenchShapes() {
						if s.m*s.n*s.k > im.max || (im.name == "naive" && threads > 1) {
							continue
						}
						b.Run(s.name, func(b *testing.B) {
							benchGemmShape(b, im, s, threads)
						})
					}
				})
			}
		})
	}
}

func benchGemmShape(b *testing.B, im gemmImpl, s benchShape, threads int) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(threads))
	rng := rand.New(rand.NewPCG(uint64(s.m*s.n*s.k), 7))
	ra, ca, rb, cb := s.m, s.k, s.k, s.n
	if s.transA {
		ra, ca = ca, ra
	}
	if s.transB {
		rb, cb = cb, rb
	}
	a, bm, c := matrix(rng, ra, ca, ca), matrix(rng, rb, cb, cb), make([]float64, s.m*s.n)
	b.ReportAllocs()
	for b.Loop() {
		im.fn(s.transA, s.transB, s.m, s.n, s.k, 1, a, ca, bm, cb, 0, c, s.n)
	}
	flops := 2 * float64(s.m) * float64(s.n) * float64(s.k)
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

// BenchmarkGemmMicroKernel times each level's micro-kernel alone on packed
// panels that stay in L1 (kc = 128 steps, C one tile) against the FMA peak
// loop of the same level (FMAPeak). The machine is shared, so each
// iteration is one round of about 2 ms of each, alternating, and the
// figures reported are the best of the rounds: GFLOP/s of the kernel and of
// the peak loop, and their ratio (%peak), plus the median of the per-round
// ratios (%peak-median).
func BenchmarkGemmMicroKernel(b *testing.B) {
	for _, l := range device.Available() {
		t := tables[l]
		b.Run("level="+l.String(), func(b *testing.B) {
			kern := t.gemm
			const kc = 128
			rng := rand.New(rand.NewPCG(1, 1))
			ap, bp := make([]float64, kc*kern.mr), make([]float64, kc*kern.nr)
			for i := range ap {
				ap[i] = rng.Float64()
			}
			for i := range bp {
				bp[i] = rng.Float64()
			}
			c := make([]float64, kern.mr*kern.nr)
			perCall := 2 * float64(kc*kern.mr*kern.nr)
			calls := max(1, int(2e-3*50e9/perCall)) // ~2 ms at 50 GFLOP/s
			_, hasPeak := FMAPeak(l, 1)
			var bestK, bestP float64
			var ratios []float64
			for b.Loop() {
				start := time.Now()
				for range calls {
					kern.fn(kc, ap, bp, c, kern.nr, 1, 1, kern.mr, kern.nr)
				}
				gk := perCall * float64(calls) / time.Since(start).Seconds() / 1e9
				bestK = max(bestK, gk)
				if hasPeak == nil {
					gp := fmaPeakGFlops(l, 2e-3)
					bestP = max(bestP, gp)
					ratios = append(ratios, gk/gp)
				}
			}
			b.ReportMetric(bestK, "GFLOP/s")
			if bestP > 0 {
				slices.Sort(ratios)
				b.ReportMetric(bestP, "peak-GFLOP/s")
				b.ReportMetric(100*bestK/bestP, "%peak")
				b.ReportMetric(100*ratios[len(ratios)/2], "%peak-median")
			}
		})
	}
}

// fmaPeakGFlops runs FMAPeak at level l for about sec seconds (assuming 100
// GFLOP/s) and returns the rate it measured.
func fmaPeakGFlops(l device.Level, sec float64) float64 {
	_, perIter := fmaPeakLoop(l)
	iters := max(1, int(sec*100e9/float64(perIter)))
	start := time.Now()
	flops, err := FMAPeak(l, iters)
	if err != nil {
		return 0
	}
	return float64(flops) / time.Since(start).Seconds() / 1e9
}
