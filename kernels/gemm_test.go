package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/device"
	"github.com/adjoint-go/adjoint/internal/testutil"
)

// gemmNaive is Gemm's reference loop (its doc comment), written out plainly
// with the transposes as strides.
func gemmNaive(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	ai, al := lda, 1 // op(A)(i, l) = a[i*ai+l*al]
	if transA {
		ai, al = 1, lda
	}
	bl, bj := ldb, 1 // op(B)(l, j) = b[l*bl+j*bj]
	if transB {
		bl, bj = 1, ldb
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for l := 0; l < k; l++ {
				s += a[i*ai+l*al] * b[l*bl+j*bj]
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
	c.runAt(t, rng, nil)
}

// gemmVariant is a level, and for a level with an in-place micro-kernel,
// whether Gemm may use it (else its products go to the packed path).
type gemmVariant struct {
	level   device.Level
	inPlace bool
}

func (v gemmVariant) String() string {
	if tables[v.level].gemm.strided != nil && !v.inPlace {
		return v.level.String() + " (packed only)"
	}
	return v.level.String()
}

// gemmVariants returns every level this build and CPU can run, the levels
// with an in-place micro-kernel twice: with it and without.
func gemmVariants() []gemmVariant {
	var vs []gemmVariant
	for _, l := range device.Available() {
		vs = append(vs, gemmVariant{l, true})
		if tables[l].gemm.strided != nil {
			vs = append(vs, gemmVariant{l, false})
		}
	}
	return vs
}

// set switches to v and returns a function that switches back.
func (v gemmVariant) set(t testing.TB) func() {
	old, err := SetLevel(v.level)
	if err != nil {
		t.Fatal(err)
	}
	oldMax := gemmInPlaceMax
	if !v.inPlace {
		gemmInPlaceMax = 0
	}
	return func() {
		SetLevel(old)
		gemmInPlaceMax = oldMax
	}
}

// runAt is run with Gemm called under each of variants in turn (as things
// stand if there are none), on the same inputs and against one reference.
func (c gemmCase) runAt(t *testing.T, rng *rand.Rand, variants []gemmVariant) {
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
	c0 := append([]float64(nil), got...)
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
	if len(variants) == 0 {
		copy(got, c0)
		Gemm(c.tA, c.tB, c.m, c.n, c.k, c.alpha, a, lda, b, ldb, c.beta, got, ldc)
		c.compare(t, Level().String(), got, want, ldc, tol)
		return
	}
	for _, v := range variants {
		restore := v.set(t)
		copy(got, c0)
		Gemm(c.tA, c.tB, c.m, c.n, c.k, c.alpha, a, lda, b, ldb, c.beta, got, ldc)
		restore()
		c.compare(t, v.String(), got, want, ldc, tol)
	}
}

func (c gemmCase) compare(t *testing.T, variant string, got, want []float64, ldc int, tol float64) {
	t.Helper()
	bad := 0
	for p := range got {
		inside := p/ldc < c.m && p%ldc < c.n
		ok := got[p] == want[p] || (math.IsNaN(got[p]) && math.IsNaN(want[p]))
		if inside && !ok && !math.IsNaN(got[p]) && math.Abs(got[p]-want[p]) <= tol {
			ok = true
		}
		if !ok {
			if bad < 3 {
				t.Errorf("%v at level %s: c[%d] (row %d, col %d, inside %v) = %v, want %v", c, variant, p, p/ldc, p%ldc, inside, got[p], want[p])
			}
			bad++
		}
	}
}

// gemmDims returns, for the sweeps, m, n, k in 1..67 with every (m, n)
// pair once and k running through 1..67 along the way (every fifth pair
// under the race detector, which is ten times slower, and under -short,
// which CI's emulated arm64 run uses: the full sweep took 37 s of that
// run's 68 s for package kernels; every m, every n and every pair of
// residues of m modulo a tile's rows (4, 6, 8) and n modulo its columns
// (4, 6, 8, 24) still come up), and then every k against sizes on both
// sides of each level's tile edges and of the small-product threshold.
func gemmDims() [][3]int {
	var ds [][3]int
	step := 1
	if fewLong() {
		step = 5
	}
	for m := 1; m <= 67; m++ {
		for n := 1; n <= 67; n++ {
			if (m*67+n)%step == 0 {
				ds = append(ds, [3]int{m, n, 1 + (m*31+n*17)%67})
			}
		}
	}
	edges := []int{1, 3, 5, 7, 8, 9, 13, 23, 25, 48, 49}
	if raceEnabled {
		edges = []int{1, 7, 9, 25}
	}
	for k := 1; k <= 67; k++ {
		for i, m := range edges {
			n := edges[(i+k)%len(edges)]
			ds = append(ds, [3]int{m, n, k})
		}
	}
	return ds
}

var gemmScalars = [][2]float64{{1, 0}, {1, 1}, {-1, 0.5}, {0.5, -1}, {1, -1}, {-1, 0}, {0.5, 1}, {2.5, 0.5}}

// TestGemmMatchesTheReferenceLoop runs the sweep of gemmDims at every level,
// with every transpose pair, leading dimensions padded by 0 to 3 with NaN
// guards in every gap of A, B and C, and alpha, beta cycling through
// gemmScalars: the vector path (m or n 1), the small path and the packed
// path with full and partial tiles of each level's micro-kernel.
func TestGemmMatchesTheReferenceLoop(t *testing.T) {
	dims := gemmDims()
	levels := gemmVariants()
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tA := range []bool{false, true} {
		for _, tB := range []bool{false, true} {
			t.Run(fmt.Sprintf("on sizes 1..67 with transA=%v transB=%v at levels %v", tA, tB, levels), func(t *testing.T) {
				for i, d := range dims {
					m, n, k := d[0], d[1], d[2]
					sc := gemmScalars[i%len(gemmScalars)]
					gemmCase{tA: tA, tB: tB, m: m, n: n, k: k, padA: i % 4, padB: (i / 4) % 4, padC: (i / 16) % 4,
						alpha: sc[0], beta: sc[1], nanGaps: true}.runAt(t, rng, levels)
					if t.Failed() {
						return
					}
				}
			})
		}
	}
	t.Run("with every kind of alpha and beta", func(t *testing.T) {
		for _, alpha := range []float64{0, 1, -1, 0.5} {
			for _, beta := range []float64{0, 1, -1, 0.5} {
				for _, tA := range []bool{false, true} {
					for _, tB := range []bool{false, true} {
						for _, d := range [][3]int{{5, 7, 3}, {1, 9, 4}, {9, 1, 4}, {30, 50, 20}, {67, 67, 67}} {
							gemmCase{tA: tA, tB: tB, m: d[0], n: d[1], k: d[2], padA: 2, padC: 1, alpha: alpha, beta: beta, nanGaps: true}.runAt(t, rng, levels)
						}
					}
				}
			}
		}
	})
	t.Run("with beta 0 over a C full of NaN", func(t *testing.T) {
		for _, d := range [][3]int{{1, 5, 3}, {5, 1, 3}, {4, 5, 6}, {33, 50, 40}, {67, 67, 67}} {
			for _, alpha := range []float64{0, 1, -0.5} {
				gemmCase{tA: d[0]%2 == 0, m: d[0], n: d[1], k: d[2], padC: 2, alpha: alpha, beta: 0, nanC: true}.runAt(t, rng, levels)
			}
		}
	})
}

// withGemmParallel runs f with both parallel thresholds set to par.
func withGemmParallel(par int, f func()) {
	oldMin, oldGrain := gemmParallelMin, gemmParallelGrain
	gemmParallelMin, gemmParallelGrain = par, par
	defer func() { gemmParallelMin, gemmParallelGrain = oldMin, oldGrain }()
	f()
}

// withGemmBlocks runs f with the block sizes of every level's micro-kernel
// set to kc and mc, nc panels (tiny, so that small products cross every
// block boundary), the in-place path off and the parallel thresholds set to
// par.
func withGemmBlocks(kc, mcPanels, ncPanels, par int, f func()) {
	type saved struct{ kc, mc, nc int }
	old := map[*gemmKernel]saved{}
	for _, tb := range tables {
		g := tb.gemm
		old[g] = saved{g.kc, g.mc, g.nc}
		g.kc, g.mc, g.nc = kc, mcPanels*g.mr, ncPanels*g.nr
	}
	oldMax := gemmInPlaceMax
	gemmInPlaceMax = 0
	defer func() {
		for g, s := range old {
			g.kc, g.mc, g.nc = s.kc, s.mc, s.nc
		}
		gemmInPlaceMax = oldMax
	}()
	withGemmParallel(par, f)
}

// TestGemmAcrossBlocks shrinks the blocks (kc 8 or 16, two or three panels
// per mc and nc block) so that products of up to 70 cross several k, m and
// n blocks, on one goroutine and split among three.
func TestGemmAcrossBlocks(t *testing.T) {
	sizes := [][3]int{{17, 19, 23}, {49, 70, 33}, {70, 49, 65}, {8, 72, 17}, {64, 24, 40}, {3, 70, 70}, {70, 3, 9}}
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(7, 8))
		for _, blk := range [][3]int{{8, 2, 2}, {16, 3, 2}} {
			for _, par := range []int{min(1<<40, math.MaxInt), 1} {
				t.Run(fmt.Sprintf("with kc=%d, %d by %d panels per block, parallel from %d", blk[0], blk[1], blk[2], par), func(t *testing.T) {
					defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(3))
					withGemmBlocks(blk[0], blk[1], blk[2], par, func() {
						for i, d := range sizes {
							for _, tA := range []bool{false, true} {
								for _, tB := range []bool{false, true} {
									sc := gemmScalars[i%len(gemmScalars)]
									gemmCase{tA: tA, tB: tB, m: d[0], n: d[1], k: d[2], padA: 1, padB: 3, padC: 2,
										alpha: sc[0], beta: sc[1], nanGaps: true}.run(t, rng)
								}
							}
						}
					})
				})
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
			e := testutil.Panics[*Error](t, c.f)
			if e.Op != "Gemm" || !strings.Contains(e.Msg, c.msg) {
				t.Errorf("panic %q, want Op Gemm and a message containing %q", e, c.msg)
			}
			if !strings.HasPrefix(e.Error(), "kernels: Gemm: ") {
				t.Errorf("message %q does not start with %q", e, "kernels: Gemm: ")
			}
		})
	}
}

// TestGemmIsDeterministic checks that products large enough to run on
// several goroutines (split by runs of rows or of columns, shallow ones
// too) give the same bits for GOMAXPROCS 1, 2 and 3 and on every
// run, at every level; and the same with blocks and thresholds shrunk so
// that small products split too. Under the race detector the sizes are
// smaller and the thresholds lowered.
func TestGemmIsDeterministic(t *testing.T) {
	sizes := [][5]int{{300, 260, 230, 0, 0}, {2000, 20, 500, 0, 1}, {130, 700, 200, 1, 1}, {5, 4000, 900, 0, 0},
		// Sizes that run on the in-place kernel on one goroutine.
		{64, 64, 1024, 0, 0}, {128, 784, 64, 1, 0}, {64, 128, 784, 0, 1}, {40, 100, 900, 0, 1}, {100, 40, 600, 1, 1},
		// Shallow products, split by columns (gemmColumnsK).
		{256, 512, 10, 0, 0}, {128, 1024, 10, 1, 0}, {300, 200, 63, 0, 0}}
	par := gemmParallelMin
	if fewLong() {
		// Three sizes, split from a lower threshold: under the race
		// detector, and under -short (CI's emulated arm64 run, where
		// the full list took 11 s).
		sizes = [][5]int{{200, 130, 100, 0, 0}, {1100, 20, 100, 0, 1}, {5, 900, 200, 1, 0}}
		par = 1 << 18
	}
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		check := func(t *testing.T, m, n, k int, tA, tB bool) {
			ra, ca, rb, cb := m, k, k, n
			if tA {
				ra, ca = k, m
			}
			if tB {
				rb, cb = n, k
			}
			a, b := matrix(rng, ra, ca, ca), matrix(rng, rb, cb, cb)
			c0 := matrix(rng, m, n, n)[:m*n]
			var first []float64
			for _, procs := range []int{1, 2, 3, 2} {
				c := append([]float64(nil), c0...)
				func() {
					defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
					Gemm(tA, tB, m, n, k, 0.5, a, ca, b, cb, -1, c, n)
				}()
				if first == nil {
					first = c
					want := append([]float64(nil), c0...)
					gemmNaive(tA, tB, m, n, k, 0.5, a, ca, b, cb, -1, want, n)
					for i := range c {
						if math.Abs(c[i]-want[i]) > 1e-13*float64(k+2) {
							t.Fatalf("%dx%dx%d: c[%d] = %v, want %v", m, n, k, i, c[i], want[i])
						}
					}
					continue
				}
				for i := range c {
					if math.Float64bits(c[i]) != math.Float64bits(first[i]) {
						t.Fatalf("%dx%dx%d GOMAXPROCS=%d: c[%d] = %v, with GOMAXPROCS=1 %v", m, n, k, procs, i, c[i], first[i])
					}
				}
			}
		}
		for _, s := range sizes {
			t.Run(fmt.Sprintf("on %dx%dx%d", s[0], s[1], s[2]), func(t *testing.T) {
				withGemmParallel(par, func() { check(t, s[0], s[1], s[2], s[3] == 1, s[4] == 1) })
			})
		}
		t.Run("with small blocks", func(t *testing.T) {
			withGemmBlocks(8, 2, 2, 1, func() {
				for _, s := range [][3]int{{67, 61, 30}, {9, 200, 20}, {200, 9, 20}} {
					check(t, s[0], s[1], s[2], false, true)
					check(t, s[0], s[1], s[2], true, false)
				}
			})
		})
	})
}

// TestGemmMicroKernels calls each level's micro-kernel on packed panels for
// every tile shape it accepts (partial ones too if it computes them) and
// depths 0 to 17, and checks the tile against the sums written out, C's
// cells outside the tile untouched and beta 0 overwriting NaN.
func TestGemmMicroKernels(t *testing.T) {
	for _, l := range device.Available() {
		kern := tables[l].gemm
		t.Run("level="+l.String(), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(9, 10))
			MR, NR := kern.mr, kern.nr
			for k := 0; k <= 17; k++ {
				a, b := make([]float64, k*MR), make([]float64, k*NR)
				for i := range a {
					a[i] = 2*rng.Float64() - 1
				}
				for i := range b {
					b[i] = 2*rng.Float64() - 1
				}
				for mr := 1; mr <= MR; mr++ {
					for nr := 1; nr <= NR; nr++ {
						if !kern.edges && (mr < MR || nr < NR) {
							continue
						}
						for _, sc := range [][2]float64{{1, 0}, {-0.5, 1}, {2, -1.5}} {
							const ldc = 29
							c := matrix(rng, MR+1, ldc, ldc)
							if sc[1] == 0 {
								for i := 0; i < mr; i++ {
									for j := 0; j < nr; j++ {
										c[i*ldc+j] = math.NaN()
									}
								}
							}
							want := append([]float64(nil), c...)
							for i := 0; i < mr; i++ {
								for j := 0; j < nr; j++ {
									var s float64
									for p := 0; p < k; p++ {
										s += a[p*MR+i] * b[p*NR+j]
									}
									if sc[1] == 0 {
										want[i*ldc+j] = sc[0] * s
									} else {
										want[i*ldc+j] = sc[0]*s + sc[1]*want[i*ldc+j]
									}
								}
							}
							kern.fn(k, a, b, c, ldc, sc[0], sc[1], mr, nr)
							for p := range c {
								if math.Abs(c[p]-want[p]) > 1e-14*float64(k+4) || math.IsNaN(c[p]) != math.IsNaN(want[p]) {
									t.Fatalf("k=%d mr=%d nr=%d alpha=%v beta=%v: c[%d] (row %d, col %d) = %v, want %v",
										k, mr, nr, sc[0], sc[1], p, p/ldc, p%ldc, c[p], want[p])
								}
							}
						}
					}
				}
			}
		})
	}
}

// TestGemmStridedMicroKernels calls each level's in-place micro-kernel (the
// AVX512 level has one) on A stored by rows and by columns and B rows with
// padded strides, for every tile shape and depths 0 to 17, and checks the
// tile against the sums written out and C's cells outside it untouched.
func TestGemmStridedMicroKernels(t *testing.T) {
	for _, l := range device.Available() {
		kern := tables[l].gemm
		if kern.strided == nil {
			continue
		}
		t.Run("level="+l.String(), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(13, 14))
			MR, NR := kern.mr, kern.nr
			for k := 0; k <= 17; k++ {
				for _, byCols := range []bool{false, true} {
					// A: MR×k, by rows (lda = k+3) or by columns (lda = MR+2).
					rsa, csa := k+3, 1
					a := matrix(rng, MR, k, rsa)
					if byCols {
						rsa, csa = 1, MR+2
						a = matrix(rng, k, MR, csa)
					}
					for nr := 1; nr <= NR; nr++ {
						rsb := nr + 2
						b := matrix(rng, k, nr, rsb)
						for mr := 1; mr <= MR; mr++ {
							const ldc = 29
							c := matrix(rng, MR+1, ldc, ldc)
							alpha, beta := 1.5, -0.5
							if (mr+nr)%2 == 0 {
								beta = 0
								for i := 0; i < mr; i++ {
									for j := 0; j < nr; j++ {
										c[i*ldc+j] = math.NaN()
									}
								}
							}
							want := append([]float64(nil), c...)
							for i := 0; i < mr; i++ {
								for j := 0; j < nr; j++ {
									var s float64
									for p := 0; p < k; p++ {
										s += a[i*rsa+p*csa] * b[p*rsb+j]
									}
									if beta == 0 {
										want[i*ldc+j] = alpha * s
									} else {
										want[i*ldc+j] = alpha*s + beta*want[i*ldc+j]
									}
								}
							}
							kern.strided(k, a, b, c, ldc, alpha, beta, mr, nr, rsa, csa, rsb)
							for p := range c {
								if math.Abs(c[p]-want[p]) > 1e-14*float64(k+4) || math.IsNaN(c[p]) != math.IsNaN(want[p]) {
									t.Fatalf("k=%d mr=%d nr=%d byCols=%v: c[%d] (row %d, col %d) = %v, want %v",
										k, mr, nr, byCols, p, p/ldc, p%ldc, c[p], want[p])
								}
							}
						}
					}
				}
			}
		})
	}
}

// TestGemmPacking checks each level's packing of panels (the copy of
// rows and the transposing gather, including the assembly ones) element by
// element, zero padding included, for every count up to the panel width,
// depths 0 to 20 and across packGather8s's stages of 64, and padded leading
// dimensions; the source's gaps and the destination's tail hold NaN, which
// must neither be read nor written. The gather runs without scratch and
// with scratch full of NaNs.
func TestGemmPacking(t *testing.T) {
	for _, l := range device.Available() {
		kern := tables[l].gemm
		t.Run("level="+l.String(), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(11, 12))
			for _, w := range []int{kern.mr, kern.nr} {
				for cnt := 1; cnt <= w; cnt++ {
					for _, kb := range []int{0, 1, 2, 3, 5, 8, 13, 20, 63, 64, 65, 130} {
						for _, pad := range []int{0, 3} {
							for _, mode := range []int{0, 1, 2} { // copy, gather, gather with scratch
								gather := mode > 0
								rows, cols := kb, cnt // copy: kb rows of cnt
								if gather {
									rows, cols = cnt, kb
								}
								ld := max(1, cols) + pad
								src := matrix(rng, rows, cols, ld)
								dst := make([]float64, kb*w+5)
								for i := range dst {
									dst[i] = math.NaN()
								}
								if gather {
									var scratch []float64
									if mode == 2 {
										scratch = make([]float64, gatherScratch)
										for i := range scratch {
											scratch[i] = math.NaN()
										}
									}
									kern.packGather(dst, src, ld, kb, cnt, w, scratch)
								} else {
									kern.packCopy(dst, src, ld, kb, cnt, w)
								}
								for p := range dst {
									want := math.NaN()
									if l, j := p/w, p%w; p < kb*w {
										want = 0
										if j < cnt && gather {
											want = src[j*ld+l]
										} else if j < cnt {
											want = src[l*ld+j]
										}
									}
									if dst[p] != want && !(math.IsNaN(dst[p]) && math.IsNaN(want)) {
										t.Fatalf("w=%d cnt=%d kb=%d ld=%d mode=%d: dst[%d] = %v, want %v", w, cnt, kb, ld, mode, p, dst[p], want)
									}
								}
							}
						}
					}
				}
			}
		})
	}
}

// TestGemmBlocking checks the block sizes derived from cache sizes: kc a
// multiple of 8 in [64, 512], mc and nc whole panels, for known and unknown
// caches.
func TestGemmBlocking(t *testing.T) {
	for _, c := range [][3]int{{0, 0, 0}, {32 << 10, 256 << 10, 8 << 20}, {48 << 10, 2 << 20, 480 << 20}, {1 << 10, 1 << 10, 1 << 10}, {1 << 30, 1 << 30, min(1<<40, math.MaxInt)}} {
		for _, tile := range [][2]int{{4, 4}, {6, 8}, {8, 24}} {
			kc, mc, nc := gemmBlocking(tile[0], tile[1], c[0], c[1], c[2])
			if kc%8 != 0 || kc < 64 || kc > 512 || mc%tile[0] != 0 || mc < tile[0] || nc%tile[1] != 0 || nc < tile[1] || nc > 4096 {
				t.Errorf("gemmBlocking(%d, %d, caches %v) = %d, %d, %d", tile[0], tile[1], c, kc, mc, nc)
			}
		}
	}
}

// TestGemmBiasIsGemmOnAFilledC checks that GemmBias gives the bits of Gemm
// with beta = 1 on a C filled with the bias row by row, at every level (with
// and without the in-place kernel), on every path (vector, small loops, in
// place, packed; alpha 0 and k 0 too) and at GOMAXPROCS 1, 2 and 3 with the
// parallel thresholds lowered so that products split by rows and by
// columns: that it never reads what C held (C starts as NaN) and leaves
// the gaps between C's rows alone.
func TestGemmBiasIsGemmOnAFilledC(t *testing.T) {
	dims := [][3]int{{1, 7, 5}, {6, 1, 5}, {2, 9, 3}, {3, 4, 0}, {9, 13, 8}, {16, 24, 40},
		{33, 70, 31}, {64, 128, 100}, {130, 19, 64}, {8, 200, 30}}
	for _, v := range gemmVariants() {
		t.Run(v.String(), func(t *testing.T) {
			defer v.set(t)()
			rng := rand.New(rand.NewPCG(11, 12))
			for i, d := range dims {
				m, n, k := d[0], d[1], d[2]
				tA, tB := i%2 == 1, i%3 != 1
				alpha := []float64{1, -0.5, 2}[i%3]
				if i == 2 {
					alpha = 0
				}
				ra, ca, rb, cb := m, k, k, n
				if tA {
					ra, ca = k, m
				}
				if tB {
					rb, cb = n, k
				}
				lda, ldb, ldc := max(1, ca)+1, max(1, cb), n+2
				a, b := matrix(rng, ra, ca, lda), matrix(rng, rb, cb, ldb)
				bias := matrix(rng, 1, n, n)[:n]
				want := make([]float64, m*ldc)
				for r := range want {
					want[r] = -7 // gap guards
				}
				for r := 0; r < m; r++ {
					copy(want[r*ldc:], bias)
				}
				got := append([]float64(nil), want...)
				for r := 0; r < m; r++ {
					for j := 0; j < n; j++ {
						got[r*ldc+j] = math.NaN()
					}
				}
				withGemmParallel(1<<10, func() {
					defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
					Gemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, 1, want, ldc)
				})
				for _, procs := range []int{1, 2, 3} {
					c := append([]float64(nil), got...)
					withGemmParallel(1<<10, func() {
						defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
						GemmBias(tA, tB, m, n, k, alpha, a, lda, b, ldb, bias, c, ldc)
					})
					if bad := sameBits(c, want); bad >= 0 {
						t.Fatalf("%dx%dx%d tA=%v tB=%v alpha=%v GOMAXPROCS=%d: c[%d] = %v, want %v (Gemm on C filled with the bias)",
							m, n, k, tA, tB, alpha, procs, bad, c[bad], want[bad])
					}
				}
			}
		})
	}
}

// TestGemmBiasPanics checks GemmBias's own bad input (a nil or short bias)
// and that the checks it shares with Gemm name GemmBias.
func TestGemmBiasPanics(t *testing.T) {
	s := make([]float64, 12)
	cases := []struct {
		name, msg string
		f         func()
	}{
		{"nil bias", "bias is nil (m = 2, n = 2, k = 3)", func() { GemmBias(false, false, 2, 2, 3, 1, s, 3, s, 2, nil, s, 2) }},
		{"short bias", "len(bias) = 1 < n = 2", func() { GemmBias(false, false, 2, 2, 3, 1, s, 3, s, 2, s[:1], s, 2) }},
		{"negative n", "negative dimension in m = 2, n = -1, k = 3", func() { GemmBias(false, false, 2, -1, 3, 1, s, 3, s, 2, s, s, 2) }},
		{"short c", "len(c) = 3 < 4 for C 2×2 with ldc = 2", func() { GemmBias(false, false, 2, 2, 3, 1, s, 3, s, 2, s, s[:3], 2) }},
	}
	for _, c := range cases {
		t.Run(c.name+" panics naming GemmBias and the sizes", func(t *testing.T) {
			e := testutil.Panics[*Error](t, c.f)
			if e.Op != "GemmBias" || !strings.Contains(e.Msg, c.msg) {
				t.Errorf("panic %q, want Op GemmBias and a message containing %q", e, c.msg)
			}
		})
	}
}

// Every cut of a split product into parts and chunks (runs of rows or of
// columns, on both paths, with a bias) computes each element of C once and
// gives the bits of the product on one goroutine.
func TestGemmChunksCoverC(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(11, 12))
		kern := cur.Load().gemm
		for _, d := range [][3]int{{128, 784, 64}, {64, 128, 784}, {37, 61, 29}, {9, 200, 20}, {200, 9, 20}} {
			m, n, k := d[0], d[1], d[2]
			a, b := matrix(rng, m, k, k), matrix(rng, n, k, k)
			bias := matrix(rng, 1, n, n)[:n]
			run := func(parts, per int, byRows, packed bool) []float64 {
				c := make([]float64, m*n)
				for i := range c {
					c[i] = math.NaN()
				}
				g := gemmArgs{transB: true, m: m, n: n, k: k, alpha: 0.5, a: a, lda: k, b: b, ldb: k, beta: 1, bias: bias, c: c, ldc: n}
				job := &gemmPartsJob{kern: kern, g: &g, byRows: byRows}
				if packed {
					p := newGemmPlan(kern, m, n, k)
					job.plan = &p
				}
				job.claims.init(parts, per)
				job.work(nil, 0)
				return c
			}
			for _, packed := range []bool{false, true} {
				if !packed && kern.strided == nil {
					continue
				}
				want := run(1, 1, false, packed)
				for i, v := range want {
					if math.IsNaN(v) {
						t.Fatalf("%dx%dx%d on one goroutine (packed %v): c[%d] not written", m, n, k, packed, i)
					}
				}
				for _, cut := range [][2]int{{2, 1}, {2, 4}, {3, 3}, {4, 2}} {
					for _, byRows := range []bool{false, true} {
						c := run(cut[0], cut[1], byRows, packed)
						for i := range c {
							if math.Float64bits(c[i]) != math.Float64bits(want[i]) {
								t.Fatalf("%dx%dx%d in %d parts of %d chunks (rows %v, packed %v): c[%d] = %v, want %v",
									m, n, k, cut[0], cut[1], byRows, packed, i, c[i], want[i])
							}
						}
					}
				}
			}
		}
	})
}
