package nninit

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"

	"github.com/adjoint-go/adjoint/autograd"
)

// Orthogonal fills t with a (semi-)orthogonal matrix times gain and returns
// t, as torch.nn.init.orthogonal_(t, gain) does (Saxe et al., 2013).
// PyTorch's default gain is 1.
//
// t is seen as a matrix of rows = size(0) rows and cols = numel/rows
// columns. Orthogonal draws a rows×cols matrix A of standard normal values
// from rng (row-major), transposes it if rows < cols, and takes its thin
// QR factorisation A = QR (Householder, with gonum's LAPACK Geqrf and
// Orgqr). It multiplies each column of Q by the sign of the matching
// diagonal element of R, which makes Q unique (the factor of A whose R has
// a positive diagonal) and, for square A, distributed uniformly over the
// orthogonal group (Mezzadri, 2007). The result, transposed back if A was,
// has orthonormal columns when rows ≥ cols (QᵀQ = I) and orthonormal rows
// otherwise (QQᵀ = I), up to rounding.
//
// It panics if t has fewer than 2 dimensions or if gain is NaN or infinite
// (a negative gain is allowed, as in PyTorch). A tensor with no elements is
// left as it is.
func Orthogonal(t *autograd.Tensor, gain float64, rng *rand.Rand) *autograd.Tensor {
	const op = "Orthogonal"
	v := target(op, t)
	mustRNG(op, rng)
	if math.IsNaN(gain) || math.IsInf(gain, 0) {
		fail(op, nil, "gain %v is not finite", gain)
	}
	if v.Dim() < 2 {
		fail(op, [][]int{v.Shape()}, "only tensors with 2 or more dimensions are supported, not shape %v", v.Shape())
	}
	numel := v.Numel()
	if numel == 0 {
		return t
	}
	rows := v.Shape()[0]
	cols := numel / rows
	flat := make([]float64, numel)
	for i := range flat {
		flat[i] = rng.NormFloat64()
	}
	// a is the m×n matrix to factorise, m ≥ n: flat, or flat transposed.
	m, n, a := rows, cols, flat
	wide := rows < cols
	if wide {
		m, n, a = cols, rows, transpose(flat, rows, cols)
	}
	q := thinQ(m, n, a)
	out := q
	if wide {
		out = transpose(q, m, n)
	}
	for i := range out {
		out[i] *= gain
	}
	write(v, out)
	return t
}

// thinQ returns, in a's storage, the m×n factor Q (m ≥ n) of the QR
// factorisation of the row-major m×n matrix a, with each column multiplied
// by the sign of R's matching diagonal element (as torch.sign, 0 for 0).
func thinQ(m, n int, a []float64) []float64 {
	g := blas64.General{Rows: m, Cols: n, Stride: n, Data: a}
	tau := make([]float64, n)
	work := make([]float64, 1)
	lapack64.Geqrf(g, tau, work, -1)
	lwork := max(int(work[0]), m, n)
	work = make([]float64, lwork)
	lapack64.Geqrf(g, tau, work, lwork)
	sign := make([]float64, n)
	for j := range sign {
		sign[j] = signum(a[j*n+j])
	}
	lapack64.Orgqr(g, tau, work[:1], -1)
	if w := int(work[0]); w > len(work) {
		work = make([]float64, w)
	}
	lapack64.Orgqr(g, tau, work, len(work))
	for i := range m {
		row := a[i*n : (i+1)*n]
		for j := range row {
			row[j] *= sign[j]
		}
	}
	return a
}

// signum returns −1, 0 or 1 as x is negative, zero or positive.
func signum(x float64) float64 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

// transpose returns the cols×rows transpose of the row-major rows×cols
// matrix x, in new storage.
func transpose(x []float64, rows, cols int) []float64 {
	y := make([]float64, len(x))
	for i := range rows {
		for j := range cols {
			y[j*rows+i] = x[i*cols+j]
		}
	}
	return y
}
