package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/adjoint-go/adjoint/kernels"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

func init() {
	register(&suite{
		name:  "gemm",
		order: 2,
		about: "matrix products, square 64..1024 and an MNIST MLP's shapes, one thread and all: GFLOP/s and % of the FMA peak",
		run:   runGemm,
		table: gemmTable,
	})
}

// gemmFunc is a row-major C = alpha·op(A)·op(B) + beta·C with the
// signature of kernels.Gemm: op(A) is m×k, op(B) is k×n.
type gemmFunc func(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int)

// gemmImpls are the GEMMs the suite times, one column each: adjoint's
// kernels.Gemm (what every matrix product and nn.Linear run on) and
// gonum's Dgemm called directly.
var gemmImpls = []struct {
	impl string
	fn   gemmFunc
}{
	{"adjoint", kernels.Gemm},
	{"gonum", gonumGemm},
}

// gonumGemm is gonum's pure-Go Dgemm, which splits the work over
// GOMAXPROCS goroutines for large enough matrices.
func gonumGemm(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	ta, tb := blas.NoTrans, blas.NoTrans
	if transA {
		ta = blas.Trans
	}
	if transB {
		tb = blas.Trans
	}
	gonum.Implementation{}.Dgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// gemmShape is one product: op(A) is m×k, op(B) is k×n.
type gemmShape struct {
	name           string
	m, n, k        int
	transA, transB bool
	size           int // the order of a square product, 0 otherwise
}

func (s gemmShape) String() string {
	t := ""
	if s.transA {
		t += " Aᵀ"
	}
	if s.transB {
		t += " Bᵀ"
	}
	return fmt.Sprintf("%d×%d×%d%s", s.m, s.n, s.k, t)
}

// gemmShapes returns the square products, then the products of one
// training step of the mlp suite's 784-128-10 MLP on a batch of 64, with
// the operands and transpose flags nn.Linear hands kernels.Gemm: the
// forward pass y = x·Wᵀ reads the weight W [out in] transposed in place,
// and the backward pass computes dW = gᵀ·x (g read transposed) and
// dx = g·W. The first layer's dx is not part of a training step (the input
// needs no gradient) and comes last.
func gemmShapes(quick bool) []gemmShape {
	orders := []int{64, 128, 256, 512, 1024}
	if quick {
		orders = []int{64, 128, 256}
	}
	var ss []gemmShape
	for _, n := range orders {
		ss = append(ss, gemmShape{name: "square", m: n, n: n, k: n, size: n})
	}
	const batch, in, hidden, out = mlpBatch, mlpIn, mlpHidden, mlpOut
	return append(ss,
		gemmShape{name: "mlp/fc1.forward", m: batch, n: hidden, k: in, transB: true},      // x·W1ᵀ
		gemmShape{name: "mlp/fc2.forward", m: batch, n: out, k: hidden, transB: true},     // h·W2ᵀ
		gemmShape{name: "mlp/fc2.grad_input", m: batch, n: hidden, k: out},                // dh = g2·W2
		gemmShape{name: "mlp/fc2.grad_weight", m: out, n: hidden, k: batch, transA: true}, // dW2 = g2ᵀ·h
		gemmShape{name: "mlp/fc1.grad_weight", m: hidden, n: in, k: batch, transA: true},  // dW1 = g1ᵀ·x
		gemmShape{name: "mlp/fc1.grad_input", m: batch, n: in, k: hidden},                 // dx = g1·W1 (not in a step)
	)
}

func runGemm(b *bench) error {
	threads := b.threadCounts()
	torchP := b.torchThreadsRow(threads)
	fma, hasFMA := b.fmaLevel()
	r := rand.New(rand.NewPCG(1, 2))
	for _, s := range gemmShapes(b.cfg.quick) {
		// Row-major storage of A (m×k, or k×m when transposed), B and C,
		// each with its natural leading dimension.
		a, bm, c := make([]float64, s.m*s.k), make([]float64, s.k*s.n), make([]float64, s.m*s.n)
		for _, x := range [][]float64{a, bm} {
			for i := range x {
				x[i] = r.Float64() - 0.5
			}
		}
		lda, ldb := s.k, s.n
		if s.transA {
			lda = s.m
		}
		if s.transB {
			ldb = s.k
		}
		flops := float64(2 * s.m * s.n * s.k)
		for _, p := range threads {
			b.progress.set("gemm: %s %s threads=%d", s.name, s, p)
			// The row: every implementation, then the FMA loop on the
			// same threads (the percentage's denominator), and PyTorch
			// after adjoint on its own thread count, in alternation.
			var cs []contender
			for _, im := range gemmImpls {
				cs = append(cs, newGoSide(im.impl, b.cfg.timing, threadsAround(p), func(k int) {
					for range k {
						im.fn(s.transA, s.transB, s.m, s.n, s.k, 1, a, lda, bm, ldb, 0, c, s.n)
					}
				}))
			}
			var peakFlops float64
			if hasFMA {
				op, f, _ := fmaOp(fma, p)
				cs = append(cs, newGoSide("fma "+fma.String(), b.cfg.timing, threadsAround(p), op))
				peakFlops = f
			}
			var torch *torchSide
			if p == torchP {
				torch = b.torchFor(torchRequest{Suite: "gemm", Name: s.name, M: s.m, N: s.n, K: s.k, TransA: s.transA, TransB: s.transB})
			}
			samples, theirs, err := b.measureRow(cs, torch, 0)
			if err != nil {
				return err
			}
			for i, im := range gemmImpls {
				res := Result{Suite: "gemm", Name: s.name, Impl: im.impl, Size: s.size, Threads: p, Shape: s.String()}
				res.setStats(summarize(samples[i][0]))
				res = res.withFlops(flops)
				if hasFMA {
					res.Roof, res.ceiling = ofCeiling(flops, samples[i][0], ceiling{work: peakFlops, ns: samples[len(gemmImpls)][0]})
				}
				if err := b.emit(res); err != nil {
					return err
				}
			}
			if theirs != nil {
				res := Result{Suite: "gemm", Name: s.name, Impl: "torch", Size: s.size, Threads: b.cfg.torchThreads, Shape: s.String()}
				res.setStats(summarize(theirs[0]))
				b.addTorch(res.withFlops(flops))
			}
		}
	}
	return nil
}

// gemmTable shows one row per product and thread count and one column per
// implementation: GFLOP/s, spread, and in brackets the percentage of the
// FMA peak for that many threads.
func gemmTable(b *bench, rs []Result) *table {
	peak := []string{"peak: not measured (no assembly FMA loop in this build or on this CPU)"}
	if l, ok := b.fmaLevel(); ok {
		peak = []string{
			fmt.Sprintf("peak: the best run of the %s FMA loop on the row's threads, timed in turn with the row's products (one run each per round);", l),
			"the rows' peaks: " + peakRange(rs, b.threadCounts()),
		}
	}
	t := &table{
		title: "gemm: C = op(A)·op(B), GFLOP/s (± spread) and, in brackets, % of the FMA peak for the same threads, measured with the row",
		notes: append(peak,
			"m×n×k: op(A) is m×k, op(B) k×n; Aᵀ, Bᵀ: that operand is stored transposed and read in place",
			"mlp/*: the products of one training step of the mlp suite (784-128-10, batch 64), as nn.Linear computes them (its forward with kernels.GemmBias);",
			"fc1.grad_input is not part of a step (the input needs no gradient)",
		),
		left: 3,
	}
	var impls []string
	for _, r := range rs {
		if !slices.Contains(impls, r.Impl) {
			impls = append(impls, r.Impl)
		}
	}
	t.head = append([]string{"product", "m×n×k", "threads"}, impls...)
	type key struct {
		name, shape string
		threads     int
	}
	var keys []key
	cell := map[key]map[string]Result{}
	for _, r := range rs {
		k := key{r.Name, r.Shape, r.Threads}
		if cell[k] == nil {
			keys = append(keys, k)
			cell[k] = map[string]Result{}
		}
		cell[k][r.Impl] = r
	}
	for i, k := range keys {
		if i > 0 && keys[i-1].shape != k.shape {
			t.sep()
		}
		row := []string{k.name, k.shape, fmt.Sprint(k.threads)}
		for _, im := range impls {
			r, ok := cell[k][im]
			if !ok {
				row = append(row, "")
				continue
			}
			c := fmtNum(r.GFlops) + " " + fmtSpread(r.stats())
			if r.Roof > 0 {
				c += fmt.Sprintf(" (%.0f%%)", r.Roof)
			}
			row = append(row, c)
		}
		t.add(row...)
	}
	return t
}

// peakRange describes the peaks the gemm rows were divided by: their range
// on each thread count.
func peakRange(rs []Result, threads []int) string {
	var parts []string
	for _, p := range threads {
		lo, hi := math.Inf(1), 0.0
		for _, r := range rs {
			if pk := r.ceiling; pk > 0 && r.Threads == p {
				lo, hi = min(lo, pk), max(hi, pk)
			}
		}
		if hi == 0 {
			continue
		}
		what := fmt.Sprintf("%s–%s GFLOP/s on %d threads", fmtNum(lo), fmtNum(hi), p)
		if p == 1 {
			what = fmt.Sprintf("%s–%s GFLOP/s on one thread", fmtNum(lo), fmtNum(hi))
		}
		parts = append(parts, what)
	}
	if len(parts) == 0 {
		return "no row measured it"
	}
	return strings.Join(parts, ", ")
}
