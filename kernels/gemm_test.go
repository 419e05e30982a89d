package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// gemmNaive is Gemm's reference loop (its doc comment), written out plainly.
func gemmNaive(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for l := 0; l < k; l++ {
				var x, y float64
				if transA {
					x = a[l*lda+i]
				} else {
					x = a[i*lda+l]
				}
				if transB {
					y = b[j*ldb+l]
				} else {
					y = b[l*ldb+j]
				}
				s += x * y
			}
			if beta == 0 {
				c[i*ldc+j] = alpha * s
			} else {
				c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]
			}
		}
	}
}

// gemmCase is one call of Gemm: the sizes, the transposes, the padding of
// each leading dimension beyond its minimum, and the scalars.
type gemmCase struct {
	tA, tB        bool
	m, n, k       int
	padA, padB    int
	padC          int
	alpha, beta   float64
	nanC, nanGaps bool // C starts as NaN (needs beta == 0); gaps of C hold NaN guards
}

func (c gemmCase) String() string {
	return fmt.Sprintf("tA=%v/tB=%v/m=%d/n=%d/k=%d/pad=%d,%d,%d/alpha=%v/beta=%v", c.tA, c.tB, c.m, c.n, c.k, c.padA, c.padB, c.padC, c.alpha, c.beta)
}

// matrix returns a rows×cols matrix with leading dimension ld holding
// values in [-1, 1), and NaN in the gaps between rows and after the end (so
// that reading a gap shows in the result).
func matrix(rng *rand.Rand, rows, cols, ld int) []float64 {
	s := make([]float64, rows*ld+3)
	for i := range s {
		s[i] = math.NaN()
	}
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			s[i*ld+j] = 2*rng.Float64() - 1
		}
	}
	return s
}

// run calls Gemm and the reference on the same inputs and compares C
// everywhere, gaps included.
func (c gemmCase) run(t *testing.T, rng *rand.Rand) {
	t.Helper()
	ra, ca := c.m, c.k
	if c.tA {
		ra, ca = c.k, c.m
	}
	rb, cb := c.k, c.n
	if c.tB {
		rb, cb = c.n, c.k
	}
	lda, ldb, ldc := max(1, ca)+c.padA, max(1, cb)+c.padB, max(1, c.n)+c.padC
	a := matrix(rng, ra, ca, lda)
	b := matrix(rng, rb, cb, ldb)
	got := matrix(rng, c.m, c.n, ldc)
	if !c.nanGaps {
		for i := range got {
			if math.IsNaN(got[i]) {
				got[i] = 7
			}
		}
	}
	if c.nanC {
		for i := range got {
			got[i] = math.NaN()
		}
	}
	want := append([]float64(nil), got...)
	Gemm(c.tA, c.tB, c.m, c.n, c.k, c.alpha, a, lda, b, ldb, c.beta, got, ldc)
	if c.alpha == 0 || c.k == 0 {
		// The reference would read A and B; Gemm must not: scale C only.
		for i := 0; i < c.m; i++ {
			for j := 0; j < c.n; j++ {
				if c.beta == 0 {
					want[i*ldc+j] = 0
				} else {
					want[i*ldc+j] *= c.beta
				}
			}
		}
	} else {
		gemmNaive(c.tA, c.tB, c.m, c.n, c.k, c.alpha, a, lda, b, ldb, c.beta, want, ldc)
	}
	tol := 1e-14 * float64(c.k+2) * (math.Abs(c.alpha) + math.Abs(c.beta) + 1)
	bad := 0
	for p := range got {
		inside := p/ldc < c.m && p%ldc < c.n
		ok := got[p] == want[p] || (math.IsNaN(got[p]) && math.IsNaN(want[p]))
		if inside && !ok && !math.IsNaN(got[p]) && math.Abs(got[p]-want[p]) <= tol {
			ok = true
		}
		if !ok {
			if bad < 3 {
				t.Errorf("%v: c[%d] (row %d, col %d, inside %v) = %v, want %v", c, p, p/ldc, p%ldc, inside, got[p], want[p])
			}
			bad++
		}
	}
}

// TestGemmMatchesTheReferenceLoop sweeps every m, n, k up to 17 (so every
// vector shape that gemmGonum rewrites: n == 1, m == 1, k == 1, with unit and
// padded leading dimensions, and both transposed operands with C one
// contiguous column or not), every transpose pair, padded leading dimensions
// and NaN guards in every gap.
func TestGemmMatchesTheReferenceLoop(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tA := range []bool{false, true} {
		for _, tB := range []bool{false, true} {
			t.Run(fmt.Sprintf("on every size up to 17 with transA=%v transB=%v", tA, tB), func(t *testing.T) {
				for m := 1; m <= 17; m++ {
					for n := 1; n <= 17; n++ {
						for k := 1; k <= 17; k++ {
							pad := (m + n + k) % 3
							gemmCase{tA: tA, tB: tB, m: m, n: n, k: k, padA: pad, padB: 2 - pad, padC: (m * n) % 3,
								alpha: 1, beta: float64((m+k)%3) - 1, nanGaps: true}.run(t, rng)
						}
					}
				}
			})
		}
	}
	t.Run("on sizes that cross the 64-blocks and the parallel threshold", func(t *testing.T) {
		for _, s := range [][3]int{{63, 65, 64}, {130, 129, 70}, {257, 3, 5}, {2, 300, 129}, {200, 200, 1}, {128, 256, 200}} {
			for _, tA := range []bool{false, true} {
				for _, tB := range []bool{false, true} {
					gemmCase{tA: tA, tB: tB, m: s[0], n: s[1], k: s[2], padA: 1, padB: 3, padC: 2,
						alpha: -0.5, beta: 2, nanGaps: true}.run(t, rng)
				}
			}
		}
	})
	t.Run("with every kind of alpha and beta", func(t *testing.T) {
		for _, alpha := range []float64{0, 1, -1, 2.5} {
			for _, beta := range []float64{0, 1, -1, 0.5} {
				for _, tA := range []bool{false, true} {
					for _, tB := range []bool{false, true} {
						gemmCase{tA: tA, tB: tB, m: 5, n: 7, k: 3, padA: 2, padC: 1, alpha: alpha, beta: beta, nanGaps: true}.run(t, rng)
					}
				}
			}
		}
	})
}

func TestGemmEdgeCases(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	cases := []struct {
		name string
		c    gemmCase
	}{
		{"beta 0 overwrites a C full of NaN", gemmCase{m: 4, n: 5, k: 6, alpha: 1, beta: 0, nanC: true}},
		{"beta 0 overwrites NaN with alpha 0 too", gemmCase{m: 4, n: 5, k: 6, alpha: 0, beta: 0, nanC: true}},
		{"k 0 scales C by beta", gemmCase{m: 3, n: 4, k: 0, alpha: 1, beta: -2, padC: 2, nanGaps: true}},
		{"k 0 with beta 0 gives zeros", gemmCase{tA: true, tB: true, m: 3, n: 4, k: 0, alpha: 1, beta: 0, nanC: true}},
		{"alpha 0 never reads the NaN guards of A and B", gemmCase{tA: true, m: 3, n: 2, k: 4, padA: 5, padB: 5, alpha: 0, beta: 3}},
		{"m 0 touches nothing", gemmCase{m: 0, n: 4, k: 3, alpha: 1, beta: 0, nanGaps: true}},
		{"n 0 touches nothing", gemmCase{m: 4, n: 0, k: 3, alpha: 1, beta: 0, nanGaps: true}},
		{"one by one by one", gemmCase{m: 1, n: 1, k: 1, alpha: 3, beta: 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.c.run(t, rng) })
	}
	t.Run("alpha 0 leaves NaN of A out of C", func(t *testing.T) {
		a := []float64{math.NaN(), math.Inf(1)}
		b := []float64{1, 2}
		c := []float64{4}
		Gemm(false, false, 1, 1, 2, 0, a, 2, b, 1, 0.5, c, 1)
		if c[0] != 2 {
			t.Fatalf("C = %v, want 2 (0.5·4, A unread)", c[0])
		}
	})
	t.Run("m and n 0 accept nil slices", func(t *testing.T) {
		Gemm(false, false, 0, 0, 5, 1, nil, 5, nil, 1, 0, nil, 1)
		Gemm(true, true, 3, 0, 2, 1, nil, 3, nil, 2, 0, nil, 1)
	})
}

func TestGemmPanics(t *testing.T) {
	s := make([]float64, 12)
	cases := []struct {
		name, msg string
		f         func()
	}{
		{"negative m", "negative dimension in m = -1, n = 2, k = 2", func() { Gemm(false, false, -1, 2, 2, 1, s, 2, s, 2, 0, s, 2) }},
		{"negative k", "k = -3", func() { Gemm(false, false, 1, 2, -3, 1, s, 2, s, 2, 0, s, 2) }},
		{"lda below k", "lda = 2 < 3 for A stored 2×3", func() { Gemm(false, false, 2, 2, 3, 1, s, 2, s, 2, 0, s, 2) }},
		{"lda below m when transposed", "lda = 1 < 2 for A stored 3×2", func() { Gemm(true, false, 2, 2, 3, 1, s, 1, s, 2, 0, s, 2) }},
		{"lda 0 for an empty product", "lda = 0 < 1", func() { Gemm(false, false, 0, 0, 0, 1, nil, 0, nil, 1, 0, nil, 1) }},
		{"ldb below n", "ldb = 3 < 4 for B stored 2×4", func() { Gemm(false, false, 2, 4, 2, 1, s, 2, s, 3, 0, s, 4) }},
		{"ldb below k when transposed", "ldb = 1 < 2 for B stored 4×2", func() { Gemm(false, true, 2, 4, 2, 1, s, 2, s, 1, 0, s, 4) }},
		{"ldc below n", "ldc = 3 < 4 for C 2×4 (m = 2, n = 4, k = 2)", func() { Gemm(false, false, 2, 4, 2, 1, s, 2, s, 4, 0, s, 3) }},
		{"short a", "len(a) = 5 < 6 for A stored 2×3 with lda = 3 (m = 2, n = 2, k = 3)", func() { Gemm(false, false, 2, 2, 3, 1, s[:5], 3, s, 2, 0, s, 2) }},
		{"short a with padding", "len(a) = 7 < 8", func() { Gemm(false, false, 2, 2, 3, 1, s[:7], 5, s, 2, 0, s, 2) }},
		{"short b", "len(b) = 11 < 12 for B stored 3×4", func() { Gemm(false, false, 2, 4, 3, 1, s, 3, s[:11], 4, 0, s, 4) }},
		{"short c", "len(c) = 3 < 4 for C 2×2 with ldc = 2", func() { Gemm(false, false, 2, 2, 3, 1, s, 3, s, 2, 0, s[:3], 2) }},
	}
	for _, c := range cases {
		t.Run(c.name+" panics naming Gemm and the sizes", func(t *testing.T) {
			e := kernelError(t, c.name, c.f)
			if e.Op != "Gemm" || !strings.Contains(e.Msg, c.msg) {
				t.Errorf("panic %q, want Op Gemm and a message containing %q", e, c.msg)
			}
			if !strings.HasPrefix(e.Error(), "kernels: Gemm: ") {
				t.Errorf("message %q does not start with %q", e, "kernels: Gemm: ")
			}
		})
	}
}

// TestGemmIsDeterministic checks that a product large enough to run on
// several goroutines gives the same bits every time.
func TestGemmIsDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const m, n, k = 300, 260, 190
	a, b := matrix(rng, m, k, k), matrix(rng, k, n, n)
	first := make([]float64, m*n)
	Gemm(false, false, m, n, k, 1, a, k, b, n, 0, first, n)
	for r := 0; r < 3; r++ {
		c := make([]float64, m*n)
		Gemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
		for i := range c {
			if math.Float64bits(c[i]) != math.Float64bits(first[i]) {
				t.Fatalf("run %d: c[%d] = %v, first run %v", r, i, c[i], first[i])
			}
		}
	}
}
