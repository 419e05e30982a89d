package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
)

// gemmRowsCase is one GemmRows product and the layout of its B rows.
type gemmRowsCase struct {
	m, n, k int
	layout  string // "conv": a kernel's runs over an image; "random": anywhere, overlapping
}

// offsets returns the rows' offsets into a b of the length it returns.
func (c gemmRowsCase) offsets(rng *rand.Rand) (off []int, lenB int) {
	switch c.layout {
	case "conv":
		// Rows (channel, i, j) of a 3×3 window, dilation 1, over planes
		// of width w, as Conv2d reads them: row l at ch·h·w + i·w + j.
		w := max(c.n/4, 3)
		h := (c.n+w-1)/w + 2
		for l := range c.k {
			ch, ij := l/9, l%9
			off = append(off, ch*h*w+ij/3*w+ij%3)
		}
		return off, off[len(off)-1] + c.n
	default:
		lenB = c.n + 3*c.k + 5
		for range c.k {
			off = append(off, rng.IntN(lenB-c.n+1))
		}
		return off, lenB
	}
}

// operands returns the rows' offsets, the b they lie in, and the rows
// gathered into a k×n matrix.
func (c gemmRowsCase) operands(rng *rand.Rand) (off []int, b, gathered []float64) {
	off, lenB := c.offsets(rng)
	b = matrix(rng, 1, lenB, lenB)
	gathered = make([]float64, c.k*c.n)
	for l, o := range off {
		copy(gathered[l*c.n:(l+1)*c.n], b[o:o+c.n])
	}
	return off, b, gathered
}

func gemmRowsCases() []gemmRowsCase {
	var cs []gemmRowsCase
	for _, d := range [][3]int{
		{1, 7, 5}, {6, 1, 5}, {2, 9, 0}, {2, 2, 1}, {7, 23, 9}, {8, 24, 9}, {9, 25, 18},
		{16, 136, 150}, {6, 668, 25}, {17, 49, 27}, {3, 100, 600}, {2, 9, 1100}, // steps in each of the tables
		{64, 400, 400}, // more than Gemm computes in place: gathered first
	} {
		for _, layout := range []string{"conv", "random"} {
			if layout == "conv" && d[2] == 0 {
				continue
			}
			cs = append(cs, gemmRowsCase{d[0], d[1], d[2], layout})
		}
	}
	return cs
}

// GemmRows gives the bits of GemmSerial on its rows gathered into a
// matrix, at every level, for every alpha and beta (beta 0 reading nothing
// of C), and leaves C's gaps alone.
func TestGemmRowsIsGemmSerialOnTheGatheredRows(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(21, 22))
		for _, c := range gemmRowsCases() {
			name := fmt.Sprintf("%dx%dx%d %s", c.m, c.n, c.k, c.layout)
			off, b, gathered := c.operands(rng)
			lda, ldc := c.k+1, c.n+2
			a := matrix(rng, c.m, c.k, lda)
			for _, ab := range [][2]float64{{1, 0}, {-0.5, 1}, {2, -1.5}, {0, 0.5}} {
				alpha, beta := ab[0], ab[1]
				c0 := matrix(rng, c.m, c.n, ldc)
				if beta == 0 {
					for r := 0; r < c.m; r++ {
						for j := 0; j < c.n; j++ {
							c0[r*ldc+j] = math.NaN() // not read
						}
					}
				}
				want := append([]float64(nil), c0...)
				GemmSerial(false, false, c.m, c.n, c.k, alpha, a, lda, gathered, max(1, c.n), beta, want, ldc)
				got := append([]float64(nil), c0...)
				GemmRows(c.m, c.n, c.k, alpha, a, lda, b, off, beta, got, ldc)
				if bad := sameBits(got, want); bad >= 0 {
					t.Fatalf("%s alpha=%v beta=%v: c[%d] = %v, want %v (GemmSerial on the gathered rows)", name, alpha, beta, bad, got[bad], want[bad])
				}
			}
		}
	})
}

// The gathering micro-kernel itself, where the level has one, against the
// in-place path on the gathered matrix, for every shape (GemmRows sends it
// only what Gemm would compute in place).
func TestGemmGatherMicroKernel(t *testing.T) {
	for _, l := range needAsm(t) {
		kern := l.gemm
		if kern.gather == nil {
			continue
		}
		rng := rand.New(rand.NewPCG(23, 24))
		for _, c := range gemmRowsCases() {
			if c.m == 0 || c.n == 0 || c.k == 0 || c.m*c.n*c.k > 1<<20 {
				continue
			}
			off, b, gathered := c.operands(rng)
			lda, ldc := c.k+3, c.n+1
			a := matrix(rng, c.m, c.k, lda)
			c0 := matrix(rng, c.m, c.n, ldc)
			g := gemmArgs{m: c.m, n: c.n, k: c.k, alpha: 0.75, a: a, lda: lda, b: gathered, ldb: c.n, beta: -1.25, c: append([]float64(nil), c0...), ldc: ldc, serial: true}
			want := g.c
			gemmInPlacePart(kern, nil, &g, 0, c.m, 0, c.n)
			g.c = append([]float64(nil), c0...)
			gemmGathered(kern, &g, b, off)
			if bad := sameBits(g.c, want); bad >= 0 {
				t.Fatalf("%dx%dx%d %s: c[%d] = %v, want %v (the in-place path on the gathered rows)", c.m, c.n, c.k, c.layout, bad, g.c[bad], want[bad])
			}
		}
	}
}

// GemmRowsInPlace tells the products GemmRows runs on a gathering
// micro-kernel: at a level that has one, those Gemm computes in place.
func TestGemmRowsInPlace(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		has := cur.Load().gemm.gather != nil
		for _, c := range []struct {
			m, n, k int
			want    bool
		}{{16, 136, 151, true}, {6, 668, 26, true}, {1, 100, 150, false}, {16, 1, 150, false},
			{16, 136, 0, false}, {64, 1086, 577, false}} {
			if got := GemmRowsInPlace(c.m, c.n, c.k); got != (c.want && has) {
				t.Errorf("GemmRowsInPlace(%d, %d, %d) = %v, want %v", c.m, c.n, c.k, got, c.want && has)
			}
		}
	})
}

// GemmInPlace tells the products Gemm computes on the in-place
// micro-kernel: at a level that has one, those of up to 2^23 multiply-adds
// that are not matrix-vector products, nor flat with B transposed.
func TestGemmInPlace(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		has := cur.Load().gemm.strided != nil
		for _, c := range []struct {
			tA, tB  bool
			m, n, k int
			want    bool
		}{{false, true, 150, 16, 100, true}, {false, true, 16, 150, 100, true}, {true, false, 64, 64, 64, true},
			{false, false, 1, 100, 100, false}, {false, true, 3, 100, 100, false}, {false, false, 3, 100, 100, true},
			{false, true, 576, 64, 1024, false}, {false, false, 8, 8, 0, false}} {
			if got := GemmInPlace(c.tA, c.tB, c.m, c.n, c.k); got != (c.want && has) {
				t.Errorf("GemmInPlace(%v, %v, %d, %d, %d) = %v, want %v", c.tA, c.tB, c.m, c.n, c.k, got, c.want && has)
			}
		}
	})
}

func TestGemmRowsPanics(t *testing.T) {
	s := make([]float64, 12)
	off := []int{0, 2, 4}
	cases := []struct {
		name, msg string
		f         func()
	}{
		{"negative m", "negative dimension in m = -1, n = 2, k = 3", func() { GemmRows(-1, 2, 3, 1, s, 3, s, off, 0, s, 2) }},
		{"lda below k", "lda = 2 < 3", func() { GemmRows(2, 2, 3, 1, s, 2, s, off, 0, s, 2) }},
		{"short a", "len(a) = 5 < 6 for A stored 2×3", func() { GemmRows(2, 2, 3, 1, s[:5], 3, s, off, 0, s, 2) }},
		{"short c", "len(c) = 3 < 4 for C 2×2", func() { GemmRows(2, 2, 3, 1, s, 3, s, off, 0, s[:3], 2) }},
		{"short off", "len(off) = 2 < k = 3", func() { GemmRows(2, 2, 3, 1, s, 3, s, off[:2], 0, s, 2) }},
		{"nil off", "len(off) = 0 < k = 3", func() { GemmRows(2, 2, 3, 1, s, 3, s, nil, 0, s, 2) }},
		{"negative offset", "row 1 of B, 2 elements from off[1] = -1, runs outside len(b) = 12", func() { GemmRows(2, 2, 3, 1, s, 3, s, []int{0, -1, 4}, 0, s, 2) }},
		{"row past b", "row 2 of B, 2 elements from off[2] = 11, runs outside len(b) = 12", func() { GemmRows(2, 2, 3, 1, s, 3, s, []int{0, 2, 11}, 0, s, 2) }},
		{"nil b", "runs outside len(b) = 0", func() { GemmRows(2, 2, 3, 1, s, 3, nil, off, 0, s, 2) }},
	}
	for _, c := range cases {
		t.Run(c.name+" panics naming GemmRows and the sizes", func(t *testing.T) {
			e := testutil.Panics[*Error](t, c.f)
			if e.Op != "GemmRows" || !strings.Contains(e.Msg, c.msg) {
				t.Errorf("panic %q, want Op GemmRows and a message containing %q", e, c.msg)
			}
		})
	}
	t.Run("an empty product reads no offsets", func(t *testing.T) {
		GemmRows(0, 2, 3, 1, nil, 3, nil, nil, 0, nil, 2)
		GemmRows(2, 0, 3, 1, s, 3, nil, nil, 0, s, 1)
	})
}
