package kernels

import "math"

// GemmRows computes C = alpha·A·B + beta·C on the calling goroutine (C
// unread when beta is 0), with A m×k (row-major, row stride lda), C m×n
// (row stride ldc) and row l of B the n elements of b from off[l]: the rows
// of B may lie anywhere in b, in any order, and overlap.
//
// It is a convolution without its unfolding (an implicit im2col). With a
// stride of 1, the windows of one kernel offset over an image of width W,
// taken as W·(H'-1) + W' columns (the W - W' past each row's end are
// computed and dropped), are one run of the image, so row l of the unfolded
// matrix is the image from one offset on: the product reads those runs
// where they lie, where an unfolding would copy them into a matrix first.
// Measured on the 2-vCPU AMD guest at the AVX512 level, for an image of
// LeNet-5's second convolution (16×150 weights, 6×14×14 pixels) unfolding
// took as long as the product (4.8 and 5.0 µs), and the product 136
// columns wide reading the image in place 1.2 times the product alone.
//
// The level's in-place micro-kernel reads B's rows through a table of
// steps where it has one (AVX512); elsewhere, and for products that Gemm
// would not compute in place, the rows are gathered into a matrix first.
// Either way the result has the bits of GemmSerial on that matrix.
//
// It panics like Gemm, and when off has fewer than k elements or a row of
// B runs outside b.
func GemmRows(m, n, k int, alpha float64, a []float64, lda int, b []float64, off []int, beta float64, c []float64, ldc int) {
	const op = "GemmRows"
	checkGemm(op, false, false, m, n, k, len(a), lda, math.MaxInt, max(1, n), len(c), ldc)
	if m == 0 || n == 0 {
		return
	}
	if len(off) < k {
		lengthPanic(op, "len(off) = %d < k = %d (m = %d, n = %d)", len(off), k, m, n)
	}
	for l, o := range off[:k] {
		if o < 0 || o > len(b)-n {
			lengthPanic(op, "row %d of B, %d elements from off[%d] = %d, runs outside len(b) = %d (m = %d, k = %d)", l, n, l, o, len(b), m, k)
		}
	}
	if alpha == 0 || k == 0 {
		scaleRows(m, n, beta, c, ldc)
		return
	}
	if raceEnabled {
		for i := range m {
			raceRead(a[i*lda : i*lda+k])
		}
		for _, o := range off[:k] {
			raceRead(b[o : o+n])
		}
		raceGemm(false, false, m, n, k, a, lda, nil, 0, c, ldc, false, beta != 0)
	}
	kern := cur.Load().gemm
	if gathers(kern, m, n, k) {
		g := gemmArgs{m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, beta: beta, c: c, ldc: ldc, serial: true}
		gemmGathered(kern, &g, b, off[:k])
		return
	}
	buf := getGemmBuf(0, k*n, 0)
	rows := buf.b[:k*n]
	for l, o := range off[:k] {
		copy(rows[l*n:(l+1)*n], b[o:o+n])
	}
	GemmSerial(false, false, m, n, k, alpha, a, lda, rows, n, beta, c, ldc)
	putGemmBuf(buf)
}

// GemmRowsInPlace reports whether GemmRows(m, n, k, ...) reads B's rows
// where they lie at the level in use, rather than gathering them into a
// matrix first: whether a caller that would otherwise copy the rows into a
// matrix itself (a convolution unfolding its input) saves the copy.
func GemmRowsInPlace(m, n, k int) bool { return gathers(cur.Load().gemm, m, n, k) }

// gathers reports whether GemmRows runs an m×n×k product on kern's
// gathering micro-kernel: where Gemm would compute the gathered product
// in place, so that the two give the same bits.
func gathers(kern *gemmKernel, m, n, k int) bool {
	return kern.gather != nil && inPlace(kern, false, false, m, n, k)
}

// gemmGathered is GemmRows on the level's gathering micro-kernel: the
// in-place path's tiles (see gemmInPlacePart) with B's rows found through
// a table of byte steps from each row to the next, so that each element's
// arithmetic is the in-place kernel's on the gathered matrix.
func gemmGathered(kern *gemmKernel, g *gemmArgs, b []float64, off []int) {
	MR, NR := kern.mr, kern.nr
	m, n, k := g.m, g.n, g.k
	// The table of steps, in a pooled buffer: kept on the stack, it would
	// escape through the kernel's function value and be allocated anew
	// with every product.
	buf := getGemmBuf(MR*k, 0, gatherScratch)
	if cap(buf.steps) < k+1 {
		buf.steps = make([]int, k+1)
	}
	steps := buf.steps[:k+1]
	prev := 0
	for l, o := range off {
		steps[l] = 8 * (o - prev)
		prev = o
	}
	steps[k] = 0 // read after the last row, not used
	full := m / MR * MR
	if full < m {
		packA(kern, buf.a, buf.t, g, full, 0, m-full, k)
	}
	for jr := 0; jr < n; jr += NR {
		nr := min(NR, n-jr)
		bj := b[jr:] // row l from bj[off[l]]
		for ir := 0; ir < m; ir += MR {
			c := g.c[ir*g.ldc+jr:]
			if ir < full {
				kern.gather(k, g.a[ir*g.lda:], bj, c, g.ldc, g.alpha, g.beta, MR, nr, g.lda, 1, steps)
			} else {
				kern.gather(k, buf.a, bj, c, g.ldc, g.alpha, g.beta, m-ir, nr, 1, MR, steps)
			}
		}
	}
	putGemmBuf(buf)
}
