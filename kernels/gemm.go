package kernels

// Gemm sets C = alpha·op(A)·op(B) + beta·C for row-major matrices, like
// BLAS dgemm: op(A) is m×k, op(B) is k×n and C is m×n. Row i of a matrix
// stored with leading dimension ld starts at element i·ld.
//
// Without transA, A is stored m×k (element (i, l) at a[i*lda+l], lda >=
// max(1, k)); with transA, A is stored k×m and op(A) is its transpose
// (element (i, l) of op(A) at a[l*lda+i], lda >= max(1, m)). B is k×n
// (ldb >= max(1, n)) or, with transB, stored n×k (ldb >= max(1, k)). C has
// ldc >= max(1, n). The reference loop:
//
//	for i := 0; i < m; i++ {
//		for j := 0; j < n; j++ {
//			var s float64
//			for l := 0; l < k; l++ {
//				s += opA(i, l) * opB(l, j)
//			}
//			if beta == 0 {
//				c[i*ldc+j] = alpha * s
//			} else {
//				c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]
//			}
//		}
//	}
//
// As in BLAS, beta == 0 overwrites C without reading it (NaNs already in C
// do not survive), and alpha == 0 or k == 0 scales C by beta without
// reading A or B. With m == 0 or n == 0 nothing is touched. The summation
// order over l is the implementation's, so results agree with the loop
// within rounding; and a product with an exact zero operand may be
// skipped, so an Inf or NaN met only by zeros need not reach C (0·Inf may
// give 0, not NaN). Elements of C outside the m×n window (the gaps when
// ldc > n) are never touched.
//
// Gemm runs large products on several goroutines; the result does not
// depend on how many. It panics with an *Error naming Gemm and the
// dimensions if a dimension is negative, a leading dimension is too small,
// or a slice is too short for its matrix. C must not overlap A or B.
//
// # Implementation
//
// Gemm follows BLIS: op(B) is cut into blocks of kc rows and nc columns and
// op(A) into blocks of mc rows and kc columns, each packed into a contiguous
// buffer as micro-panels (NR columns of B, MR rows of A, for every l), with
// zeros past the matrix's edge; the packing reads A and B in whichever
// orientation they are stored in, so a transposed operand costs nothing
// extra. A register-blocked micro-kernel then multiplies one MR×kc panel by
// one kc×NR panel into an MR×NR tile of C: 8×24 in AVX-512 registers, 6×8 in
// AVX2 ones, 6×8 in NEON ones (24 of the 32 vector registers), 2×4 in Go at
// the Generic level. The block sizes come from the
// cache sizes package device reports (see gemmBlocking). Partial tiles at
// the edges run the same micro-kernel (stores masked at the AVX512 level,
// through a scratch tile otherwise), and the k loop is split into blocks of
// kc at boundaries that depend on k only.
//
// Each element of C is therefore computed by one fixed sequence of
// operations: the micro-kernel's FMAs over each k block in turn, each block
// added as C = alpha·acc + beta·C (beta only for the first). Above a size
// threshold (gemmParallelMin) C is cut into one part per goroutine, a run
// of rows or, when B is transposed or m is small, of columns, and each
// goroutine computes its parts like a product of its own (see gemmParallel);
// since no element's arithmetic depends on which goroutine computes it, the
// result is the same for every GOMAXPROCS.
//
// Products too small for packing to pay run, at the AVX512 level, on a
// variant of the micro-kernel that reads A and B where they are (packing
// only a transposed B, and a last partial panel of A), with no k blocks;
// matrix-vector products (m == 1 or n == 1), and products too flat for the
// micro-kernels, on simple loops over the level's Dot and Axpy. The path
// is chosen by the dimensions alone (see choosePath).
func Gemm(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, nil, c, ldc, false)
}

// GemmBias computes C = alpha·op(A)·op(B) + bias, bias (n elements) added
// to every row of C: a layer's output with its bias, as torch's addmm
// computes it with beta = 1 over an expanded bias. It gives the bits of
// Gemm with beta = 1 on a C first filled with bias row by row, and writes
// C the same way, without reading what C held: each goroutine of a split
// product fills its own part of C before computing it, so that no core
// writes rows or columns another computes (on the project's KVM guests,
// filling the whole output on the caller first made the helper fetch its
// part of C from the caller's cache). C must not overlap A, B or bias.
// It panics like Gemm, and when bias is nil or has fewer than n elements.
func GemmBias(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, bias, c []float64, ldc int) {
	switch {
	case bias == nil:
		lengthPanic("GemmBias", "bias is nil (m = %d, n = %d, k = %d)", m, n, k)
	case n >= 0 && len(bias) < n:
		lengthPanic("GemmBias", "len(bias) = %d < n = %d (m = %d, n = %d, k = %d)", len(bias), n, m, n, k)
	case n >= 0:
		bias = bias[:n:n]
	}
	gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, 1, bias, c, ldc, false)
}

// GemmInPlace reports whether Gemm computes the m×n×k product with the
// given transpositions on the micro-kernel that reads its operands where
// they lie (packing only a transposed B), as the AVX512 level does for
// products up to 2^23 multiply-adds, rather than on packed panels or
// plain loops: a caller that can write a product two ways, one packing
// less than the other on that kernel, can tell whether the difference
// holds at the level in use.
func GemmInPlace(transA, transB bool, m, n, k int) bool {
	return inPlace(cur.Load().gemm, transA, transB, m, n, k)
}

// inPlace reports whether gemm computes a product on kern's in-place
// micro-kernel (see choosePath; matrix-vector and empty products take
// other paths before it is asked).
func inPlace(kern *gemmKernel, transA, transB bool, m, n, k int) bool {
	g := gemmArgs{transA: transA, transB: transB, m: m, n: n, k: k}
	return m > 1 && n > 1 && k > 0 && choosePath(kern, &g) == pathInPlace
}

// GemmSerial is Gemm on the calling goroutine alone, whatever the size,
// for callers that run several products at once on goroutines of their own
// (a convolution's images): splitting each product too would only add
// fork and join. The result is the same as Gemm's, bit for bit.
func GemmSerial(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, nil, c, ldc, true)
}

// gemm is Gemm, GemmSerial and GemmBias: with bias (not nil, beta 1), C
// is filled with bias row by row where the product's goroutines compute
// it (see gemmArgs.fillBias).
func gemm(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, bias, c []float64, ldc int, serial bool) {
	op := "Gemm"
	if bias != nil {
		op = "GemmBias"
	}
	checkGemm(op, transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if m == 0 || n == 0 {
		return
	}
	if raceEnabled {
		if bias != nil {
			raceRead(bias)
		}
		raceGemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, alpha != 0 && k != 0, beta != 0 && bias == nil)
	}
	g := gemmArgs{transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, bias: bias, c: c, ldc: ldc, serial: serial}
	if alpha == 0 || k == 0 {
		g.fillBias(0, m, 0, n)
		scaleRows(m, n, beta, c, ldc)
		return
	}
	t := cur.Load()
	if m == 1 || n == 1 {
		g.fillBias(0, m, 0, n)
		gemmVector(t, &g)
		return
	}
	switch choosePath(t.gemm, &g) {
	case pathLoops:
		g.fillBias(0, m, 0, n)
		gemmSmallLoops(t, &g)
	case pathInPlace:
		gemmInPlace(t.gemm, &g)
	default:
		gemmPacked(t.gemm, &g)
	}
}

// scaleRows sets C = beta·C over an m×n window (zeros when beta == 0).
func scaleRows(m, n int, beta float64, c []float64, ldc int) {
	if beta == 1 {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// span returns the number of elements a rows×cols matrix with leading
// dimension ld occupies (0 if it has no elements).
func span(rows, cols, ld int) int {
	if rows == 0 || cols == 0 {
		return 0
	}
	return (rows-1)*ld + cols
}

func checkGemm(op string, transA, transB bool, m, n, k, lenA, lda, lenB, ldb, lenC, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		lengthPanic(op, "negative dimension in m = %d, n = %d, k = %d", m, n, k)
	}
	ra, ca := m, k // A as stored
	if transA {
		ra, ca = k, m
	}
	rb, cb := k, n
	if transB {
		rb, cb = n, k
	}
	switch {
	case lda < max(1, ca):
		lengthPanic(op, "lda = %d < %d for A stored %d×%d (m = %d, n = %d, k = %d, transA = %v)", lda, max(1, ca), ra, ca, m, n, k, transA)
	case ldb < max(1, cb):
		lengthPanic(op, "ldb = %d < %d for B stored %d×%d (m = %d, n = %d, k = %d, transB = %v)", ldb, max(1, cb), rb, cb, m, n, k, transB)
	case ldc < max(1, n):
		lengthPanic(op, "ldc = %d < %d for C %d×%d (m = %d, n = %d, k = %d)", ldc, max(1, n), m, n, m, n, k)
	}
	if m == 0 || n == 0 {
		return
	}
	switch {
	case lenA < span(ra, ca, lda):
		lengthPanic(op, "len(a) = %d < %d for A stored %d×%d with lda = %d (m = %d, n = %d, k = %d)", lenA, span(ra, ca, lda), ra, ca, lda, m, n, k)
	case lenB < span(rb, cb, ldb):
		lengthPanic(op, "len(b) = %d < %d for B stored %d×%d with ldb = %d (m = %d, n = %d, k = %d)", lenB, span(rb, cb, ldb), rb, cb, ldb, m, n, k)
	case lenC < span(m, n, ldc):
		lengthPanic(op, "len(c) = %d < %d for C %d×%d with ldc = %d (m = %d, n = %d, k = %d)", lenC, span(m, n, ldc), m, n, ldc, m, n, k)
	}
}

// raceGemm tells the race detector, row by row, what Gemm reads and
// writes: the micro-kernels and vector kernels are assembly it cannot see.
func raceGemm(transA, transB bool, m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int, readAB, readC bool) {
	if readAB {
		ra, ca := m, k
		if transA {
			ra, ca = k, m
		}
		for i := 0; i < ra; i++ {
			raceRead(a[i*lda : i*lda+ca])
		}
		rb, cb := k, n
		if transB {
			rb, cb = n, k
		}
		for i := 0; i < rb; i++ {
			raceRead(b[i*ldb : i*ldb+cb])
		}
	}
	for i := 0; i < m; i++ {
		if readC {
			raceRead(c[i*ldc : i*ldc+n])
		}
		raceWrite(c[i*ldc : i*ldc+n])
	}
}
