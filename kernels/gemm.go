package kernels

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

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
// Gemm is currently gonum's pure-Go dgemm (blocked, with the vector kernels
// of gonum's internal/asm/f64); a packed, register-blocked implementation is
// meant to replace it behind this signature.
func Gemm(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	checkGemm(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if m == 0 || n == 0 {
		return
	}
	if raceEnabled {
		raceGemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, alpha != 0 && k != 0, beta != 0)
	}
	if alpha == 0 || k == 0 {
		scaleRows(m, n, beta, c, ldc)
		return
	}
	gemmGonum(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// gemmGonum runs a checked product with m, n, k > 0 and alpha != 0 on
// gonum's dgemm, first steering it away from its slow paths. Gonum's four
// loops are fast when they stream whole rows (axpy over rows of B, or dot
// products of rows of A and of stored Bᵀ) and slow on single columns (an
// axpy of length 1 per element when n == 1) and when both operands are
// transposed (strided axpys): matrix-vector products and products of two
// transposed views. A vector operand is therefore read, or copied once
// (O(k) work), as one contiguous row, and a product of two transposed
// operands is computed as Cᵀ = op(B)ᵀ·op(A)ᵀ, straight into C when C is a
// single column, else into a scratch matrix that is then transposed into C.
// All of this goes away with the packed implementation.
func gemmGonum(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	// A single column of op(B) (n == 1), or a single row of stored B when
	// k == 1 and transB: as one contiguous row of stored B.
	if (n == 1 && !transB) || (k == 1 && transB) {
		b, ldb = contiguousVector(b, ldb, max(n, k))
		transB = !transB
		if n == 1 {
			ldb = k
		} else {
			ldb = n
		}
	}
	// A single row of op(A) (m == 1): as one contiguous row of stored A.
	if m == 1 && transA {
		a, lda = contiguousVector(a, lda, k)
		transA, lda = false, k
	}
	impl := gonum.Implementation{}
	if !(transA && transB) {
		impl.Dgemm(trans(transA), trans(transB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	// Cᵀ (n×m) = op(B)ᵀ·op(A)ᵀ, and op(B)ᵀ, op(A)ᵀ are B and A as stored.
	if n == 1 && ldc == 1 { // C is one contiguous column: Cᵀ is one row
		impl.Dgemm(blas.NoTrans, blas.NoTrans, 1, m, k, alpha, b, ldb, a, lda, beta, c, m)
		return
	}
	t := make([]float64, n*m)
	impl.Dgemm(blas.NoTrans, blas.NoTrans, n, m, k, alpha, b, ldb, a, lda, 0, t, m)
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			for j := range row {
				row[j] = t[j*m+i]
			}
			continue
		}
		for j := range row {
			row[j] = t[j*m+i] + beta*row[j]
		}
	}
}

func trans(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}

// contiguousVector returns the n elements x[0], x[inc], x[2·inc], ... as
// one contiguous slice: x itself when inc is 1, else a copy. The second
// result is the new increment, 1.
func contiguousVector(x []float64, inc, n int) ([]float64, int) {
	if inc == 1 || n == 1 {
		return x, 1
	}
	v := make([]float64, n)
	for i := range v {
		v[i] = x[i*inc]
	}
	return v, 1
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

func checkGemm(transA, transB bool, m, n, k, lenA, lda, lenB, ldb, lenC, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		lengthPanic("Gemm", "negative dimension in m = %d, n = %d, k = %d", m, n, k)
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
		lengthPanic("Gemm", "lda = %d < %d for A stored %d×%d (m = %d, n = %d, k = %d, transA = %v)", lda, max(1, ca), ra, ca, m, n, k, transA)
	case ldb < max(1, cb):
		lengthPanic("Gemm", "ldb = %d < %d for B stored %d×%d (m = %d, n = %d, k = %d, transB = %v)", ldb, max(1, cb), rb, cb, m, n, k, transB)
	case ldc < max(1, n):
		lengthPanic("Gemm", "ldc = %d < %d for C %d×%d (m = %d, n = %d, k = %d)", ldc, max(1, n), m, n, m, n, k)
	}
	if m == 0 || n == 0 {
		return
	}
	switch {
	case lenA < span(ra, ca, lda):
		lengthPanic("Gemm", "len(a) = %d < %d for A stored %d×%d with lda = %d (m = %d, n = %d, k = %d)", lenA, span(ra, ca, lda), ra, ca, lda, m, n, k)
	case lenB < span(rb, cb, ldb):
		lengthPanic("Gemm", "len(b) = %d < %d for B stored %d×%d with ldb = %d (m = %d, n = %d, k = %d)", lenB, span(rb, cb, ldb), rb, cb, ldb, m, n, k)
	case lenC < span(m, n, ldc):
		lengthPanic("Gemm", "len(c) = %d < %d for C %d×%d with ldc = %d (m = %d, n = %d, k = %d)", lenC, span(m, n, ldc), m, n, ldc, m, n, k)
	}
}

// raceGemm tells the race detector, row by row, what Gemm reads and
// writes: the vector kernels under gonum's dgemm are assembly it cannot see.
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
