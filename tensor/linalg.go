package tensor

import (
	"fmt"
	"math"

	"github.com/adjoint-go/adjoint/kernels"
)

// MatMul returns the matrix product of t and u with the rules of
// torch.matmul:
//
//   - 1-D · 1-D: the dot product, a 0-d tensor (see Dot).
//   - 2-D · 2-D: the matrix product, [n k]·[k m] → [n m].
//   - 1-D · n-D: the vector is taken as a [1 k] matrix and the 1 is removed
//     from the result: [k]·[k m] → [m].
//   - n-D · 1-D: the vector is taken as a [k 1] matrix and the 1 is removed:
//     [n k]·[k] → [n].
//   - n-D · n-D: batched; the last two dimensions are the matrices and the
//     others are batch dimensions, which broadcast like Add's:
//     [b n k]·[k m] → [b n m], [j 1 n k]·[l k m] → [j l n m].
//
// The result is a new contiguous tensor. Every matrix product runs on
// kernels.Gemm, which reads row-major and column-major matrices in place:
// a transposed view (Transpose(-2, -1) of a contiguous tensor) or a slice
// costs no copy; only a matrix whose elements lie in neither order (an
// expanded or doubly strided one) is copied first. A shared right operand
// ([b n k]·[k m]) is one product of [b·n k]·[k m] when t's rows are evenly
// spaced. An inner dimension of 0 gives zeros; other empty dimensions give
// an empty result. Sums run in the kernel's order, so results agree with a
// naive loop within rounding, and a zero times an Inf or NaN may give 0
// rather than NaN (as in BLAS libraries that skip zeros). Results never
// depend on GOMAXPROCS.
//
// It panics with an *Error naming MatMul and both shapes if either is 0-d,
// if the inner dimensions differ, or if the batch dimensions do not
// broadcast.
func (t *Tensor) MatMul(u *Tensor) *Tensor {
	mustTensors("MatMul", t, u)
	shapes := [][]int{t.shape, u.shape}
	na, nb := len(t.shape), len(u.shape)
	switch {
	case na == 0 || nb == 0:
		fail("MatMul", shapes, "both arguments need at least one dimension, got shapes %v and %v", t.shape, u.shape)
	case na == 1 && nb == 1:
		if t.shape[0] != u.shape[0] {
			fail("MatMul", shapes, "cannot multiply shapes %v and %v: inner dimensions %d and %d differ", t.shape, u.shape, t.shape[0], u.shape[0])
		}
		return newScalar(dot(t, u))
	case na == 1:
		return matmul("MatMul", shapes, t.Unsqueeze(0), u).Squeeze(-2).unshared()
	case nb == 1:
		return matmul("MatMul", shapes, t, u.Unsqueeze(1)).Squeeze(-1).unshared()
	}
	return matmul("MatMul", shapes, t, u)
}

// Dot returns the dot product of two 1-D tensors of the same length as a 0-d
// tensor (0 for empty vectors), like torch.dot. It panics with an *Error
// naming Dot and the shapes otherwise.
func (t *Tensor) Dot(u *Tensor) *Tensor {
	mustTensors("Dot", t, u)
	if len(t.shape) != 1 || len(u.shape) != 1 || t.shape[0] != u.shape[0] {
		fail("Dot", [][]int{t.shape, u.shape}, "needs two 1-D tensors of the same length, got shapes %v and %v", t.shape, u.shape)
	}
	return newScalar(dot(t, u))
}

func dot(t, u *Tensor) float64 { return kernels.Dot(t.contiguousData(), u.contiguousData()) }

// Outer returns the outer product of two 1-D tensors, [n]·[m] → [n m] with
// element (i, j) = t[i]·u[j], like torch.outer (each element one IEEE
// product, so 0·Inf is NaN). It panics with an *Error naming Outer and the
// shapes unless both are 1-D.
func (t *Tensor) Outer(u *Tensor) *Tensor {
	mustTensors("Outer", t, u)
	if len(t.shape) != 1 || len(u.shape) != 1 {
		fail("Outer", [][]int{t.shape, u.shape}, "needs two 1-D tensors, got shapes %v and %v", t.shape, u.shape)
	}
	return binary(&outerKernels, t.Unsqueeze(1), u.Unsqueeze(0))
}

// outerKernels are Mul's, under Outer's name for its errors.
var outerKernels = func() binaryKernels {
	k := mulKernels
	k.name = "Outer"
	return k
}()

// T returns the transpose of a matrix as a view, like PyTorch's .T:
// Transpose(0, 1) of a 2-D tensor, and t itself for a 0-d or 1-D one. It
// panics with an *Error naming T for more dimensions; use Transpose(-2, -1)
// to transpose a batch of matrices (PyTorch's .mT).
func (t *Tensor) T() *Tensor {
	mustTensor("T", "receiver t", t)
	switch len(t.shape) {
	case 0, 1:
		return t
	case 2:
		return t.Transpose(0, 1)
	}
	fail("T", [][]int{t.shape}, "needs at most 2 dimensions, got shape %v; use Transpose(-2, -1) for batches of matrices", t.shape)
	return nil
}

// gemmBatchGrain is the work, in multiply-adds, below which the products
// of a batch run on one goroutine.
const gemmBatchGrain = 1 << 16

// MatMulT returns op(a)·op(b) for a and b of at least two dimensions, where
// op swaps the last two dimensions of its operand when the flag is set: the
// product of the transposes without making transposed views, with
// MatMul's rules for batch dimensions and its numerics. It panics with an
// *Error naming MatMulT and both shapes if they do not fit.
func MatMulT(a, b *Tensor, transA, transB bool) *Tensor {
	mustTensor("MatMulT", "argument a", a)
	mustTensor("MatMulT", "argument b", b)
	shapes := [][]int{a.shape, b.shape}
	if len(a.shape) < 2 || len(b.shape) < 2 {
		fail("MatMulT", shapes, "both arguments need at least two dimensions, got shapes %v and %v", a.shape, b.shape)
	}
	return matmulT("MatMulT", shapes, a, transA, b, transB)
}

// addMatMulInPlace adds op(a)·op(b) to the matrix t in place (t +=
// op(a)·op(b), like torch.addmm_), where op transposes its operand when the
// flag is set; the sum is the matrix product's output pass, so no
// temporary is made. a, b and t must be 2-D with fitting shapes, and t
// contiguous and not sharing storage with a or b; otherwise it panics with
// an *Error naming AddMatMulInPlace and the shapes.
func (t *Tensor) addMatMulInPlace(a, b *Tensor, transA, transB bool) {
	t.matMulInto("AddMatMulInPlace", "+=", a, b, transA, transB, 1)
}

// matMulIntoPlace sets the matrix t to op(a)·op(b) in place (t =
// op(a)·op(b), like torch.mm with out=t), writing every element of t
// without reading it: zeros where the product's inner dimension is 0.
// Its operands and panics are addMatMulInPlace's, the operation named
// MatMulInto.
func (t *Tensor) matMulIntoPlace(a, b *Tensor, transA, transB bool) {
	t.matMulInto("MatMulInto", "=", a, b, transA, transB, 0)
}

// matMulRowsInto sets (set) or adds into the matrix t the product aᵀ·b
// of a [... n] and b [... m] with their leading dimensions taken as the
// rows of one matrix each (see rows): the weight gradient gᵀ·x of Linear
// for an input of any number of leading dimensions, summed over them all
// in the product, without a view that would keep either operand's storage
// from being recycled. Its panics are addMatMulInPlace's (or MatMulInto's
// with set).
func (t *Tensor) matMulRowsInto(a, b *Tensor, set bool) {
	mustTensor("AddMatMulInPlace", "argument a", a)
	mustTensor("AddMatMulInPlace", "argument b", b)
	if len(a.shape) < 2 || len(b.shape) < 2 {
		fail("AddMatMulInPlace", [][]int{a.shape, b.shape}, "needs operands of at least 2 dimensions, got %v and %v", a.shape, b.shape)
	}
	a.live("AddMatMulInPlace")
	b.live("AddMatMulInPlace")
	if set {
		t.matMulInto("MatMulInto", "=", a.rows(), b.rows(), true, false, 0)
		return
	}
	t.matMulInto("AddMatMulInPlace", "+=", a.rows(), b.rows(), true, false, 1)
}

// matMulInto is t = op(a)·op(b) + beta·t for beta 0 or 1, checked as op.
func (t *Tensor) matMulInto(op, sign string, a, b *Tensor, transA, transB bool, beta float64) {
	mustTensor(op, "receiver t", t)
	mustTensor(op, "argument a", a)
	mustTensor(op, "argument b", b)
	shapes := [][]int{t.shape, a.shape, b.shape}
	if len(a.shape) != 2 || len(b.shape) != 2 || len(t.shape) != 2 {
		fail(op, shapes, "needs 2-D tensors, got shapes %v %s %v·%v", t.shape, sign, a.shape, b.shape)
	}
	n, k := dims2(a.shape, transA)
	k2, m := dims2(b.shape, transB)
	if k != k2 || t.shape[0] != n || t.shape[1] != m {
		fail(op, shapes, "shapes %v %s op(%v)·op(%v) do not fit (transposes %v, %v)", t.shape, sign, a.shape, b.shape, transA, transB)
	}
	if !t.contig || t.st == a.st || t.st == b.st {
		fail(op, shapes, "destination of shape %v must be contiguous and not share storage with an operand", t.shape)
	}
	t.live(op)
	switch {
	case n > 0 && m > 0 && k > 0:
		oa, ob := gemmOperandOf(a, nil, transA), gemmOperandOf(b, nil, transB)
		s0 := kernels.GemmSplits()
		kernels.Gemm(oa.trans, ob.trans, n, m, k, 1, oa.data[oa.off:], oa.ld, ob.data[ob.off:], ob.ld, beta, t.flat(), m)
		markSplitRead(s0, a, b)
	case beta == 0:
		kernels.Fill(t.flat(), 0)
	}
	t.st.version++
}

// dims2 returns the rows and columns of a matrix's shape, swapped if trans.
func dims2(shape []int, trans bool) (r, c int) {
	nd := len(shape)
	if trans {
		return shape[nd-1], shape[nd-2]
	}
	return shape[nd-2], shape[nd-1]
}

// matmul multiplies the matrices in the last two dimensions of a and b (each
// at least 2-D) with broadcast batch dimensions. op and shapes name the
// operation and the caller's shapes in errors.
func matmul(op string, shapes [][]int, a, b *Tensor) *Tensor {
	return matmulT(op, shapes, a, false, b, false)
}

// matmulT is matmul of op(a) and op(b), op swapping the last two dimensions
// where its flag is set.
func matmulT(op string, shapes [][]int, a *Tensor, ta bool, b *Tensor, tb bool) *Tensor {
	na, nb := len(a.shape), len(b.shape)
	n, k := dims2(a.shape, ta)
	k2, m := dims2(b.shape, tb)
	if k != k2 {
		fail(op, shapes, "cannot multiply shapes %v and %v: inner dimensions %d and %d differ", shapes[0], shapes[1], k, k2)
	}
	batch := batchShape(op, shapes, a.shape[:na-2], b.shape[:nb-2])
	count := numelOf(op, batch)
	shape := append(batch, n, m)
	if count == 0 || n == 0 || m == 0 || k == 0 {
		return alloc(op, shape, true)
	}
	allocNumel(op, shape) // an output too large panics before the operands are laid out
	oa, ob := gemmOperandOf(a, batch, ta), gemmOperandOf(b, batch, tb)
	rows, fold := oa.foldRows(batch, n)
	fold = fold && ob.shared()
	// One product (folded, or the only one) may be split by Gemm; a batch's
	// products are split among goroutines whole (see below).
	split := fold && kernels.GemmSplitSize(rows, m, k) || count == 1 && kernels.GemmSplitSize(n, m, k)
	out := allocFor(op, shape, false, split) // Gemm overwrites C
	c := out.st.data
	if fold {
		s0 := kernels.GemmSplits()
		kernels.Gemm(false, ob.trans, rows, m, k, 1, oa.data[oa.off:], oa.ld, ob.data[ob.off:], ob.ld, 0, c, m)
		markSplitRead(s0, a, b)
		return out
	}
	one := func(i int) {
		pa, pb := oa.off, ob.off
		for d, r := len(batch)-1, i; d >= 0; d-- {
			j := r % batch[d]
			r /= batch[d]
			pa += j * oa.bst[d]
			pb += j * ob.bst[d]
		}
		kernels.Gemm(oa.trans, ob.trans, n, m, k, 1, oa.data[pa:], oa.ld, ob.data[pb:], ob.ld, 0, c[i*n*m:], m)
	}
	if count == 1 {
		s0 := kernels.GemmSplits()
		one(0)
		markSplitRead(s0, a, b)
		return out
	}
	kernels.Parallel(count, max(1, gemmBatchGrain/(n*m*k)), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			one(i)
		}
	})
	return out
}

// batchShape broadcasts the batch dimensions of a matrix product.
func batchShape(op string, shapes [][]int, a, b []int) []int {
	out, ok := broadcast(a, b, 2)
	if !ok {
		fail(op, shapes, "cannot multiply shapes %v and %v: batch dimensions %v and %v do not broadcast", shapes[0], shapes[1], a, b)
	}
	return out
}

// gemmOperand is how kernels.Gemm reads the matrices of one operand: the
// storage, the first matrix's offset, the leading dimension and whether the
// stored matrix is the transpose, and the operand's strides over the
// product's batch dimensions (0 where it is broadcast).
type gemmOperand struct {
	data  []float64
	off   int
	ld    int
	trans bool
	bst   []int
}

// gemmOperandOf describes x's matrices (transposed if swap) for Gemm,
// copying x (in its own shape, before broadcasting) only if its matrices
// lie in neither row- nor column-major order.
func gemmOperandOf(x *Tensor, batch []int, swap bool) gemmOperand {
	x.live("MatMul")
	nd := len(x.shape)
	r, c := dims2(x.shape, swap)
	sr, sc := x.strides[nd-2], x.strides[nd-1]
	if swap {
		sr, sc = sc, sr
	}
	ld, trans, ok := gemmLayout(r, c, sr, sc)
	if !ok {
		x = x.Clone()
		sr, sc = x.strides[nd-2], x.strides[nd-1]
		if swap {
			sr, sc = sc, sr
		}
		ld, trans, _ = gemmLayout(r, c, sr, sc)
	}
	var bst []int
	if len(batch) > 0 {
		bst = make([]int, len(batch))
	}
	lead := len(batch) - (nd - 2)
	for i := 0; i < nd-2; i++ {
		if x.shape[i] != 1 {
			bst[lead+i] = x.strides[i]
		}
	}
	return gemmOperand{data: x.st.data, off: x.off, ld: ld, trans: trans, bst: bst}
}

// gemmLayout returns the leading dimension and transposition with which
// Gemm reads an r×c matrix with strides (sr, sc) in place: row-major when
// its rows are unit-stride runs at least c apart, else column-major when its
// columns are. ok is false when neither fits (a stride of 0, or no unit
// stride). A dimension of size 1 takes any stride.
func gemmLayout(r, c, sr, sc int) (ld int, trans, ok bool) {
	if c == 1 || sc == 1 {
		ld = sr
		if r == 1 {
			ld = max(1, c)
		}
		if ld >= max(1, c) {
			return ld, false, true
		}
	}
	if r == 1 || sr == 1 {
		ld = sc
		if c == 1 {
			ld = max(1, r)
		}
		if ld >= max(1, r) {
			return ld, true, true
		}
	}
	return 0, false, false
}

// shared reports whether every matrix of the batch is the same one.
func (o *gemmOperand) shared() bool {
	for _, s := range o.bst {
		if s != 0 {
			return false
		}
	}
	return true
}

// foldRows reports whether the rows of all the row-major n-row matrices of
// the batch are evenly spaced, ld apart, in batch order, so that the batch
// is one matrix of rows = count·n rows.
func (o *gemmOperand) foldRows(batch []int, n int) (rows int, ok bool) {
	if o.trans {
		return 0, false
	}
	rows, step := n, o.ld*n
	for d := len(batch) - 1; d >= 0; d-- {
		if batch[d] != 1 && o.bst[d] != step {
			return 0, false
		}
		rows *= batch[d]
		step *= batch[d]
	}
	return rows, true
}

// rows returns t [... n] (at least 2-D) as the matrix [r n] of its
// leading dimensions taken as rows: t itself when 2-D, else an internal
// reshape (see reshape), whose view is not marked shared, so it must not
// outlive the operation that took it (nor be handed out): t's storage
// stays recyclable, which an exported Reshape's view would end.
func (t *Tensor) rows() *Tensor {
	nd := len(t.shape)
	if nd == 2 {
		return t
	}
	return t.reshape([]int{prod(t.shape[:nd-1]), t.shape[nd-1]}, false)
}

// Linear returns x·wᵀ + b for an input x [... in] (at least 2-D), a
// weight w [out in] and a bias b [out] (nil for none), giving [... out],
// like torch.nn.functional.linear: the leading dimensions of x are taken
// as the rows of one matrix (copied first only if they cannot be, as in a
// transposed batch), the output rows are first filled with b and the
// product is added to them in the GEMM's output pass (beta = 1), so no
// transposed copy of w and no separate temporary for the sum is made. It
// panics with an *Error naming Linear and the shapes if they do not fit.
func Linear(x, w, b *Tensor) *Tensor {
	mustTensor("Linear", "input x", x)
	mustTensor("Linear", "weight w", w)
	nd := len(x.shape)
	if nd < 2 || len(w.shape) != 2 || x.shape[nd-1] != w.shape[1] || (b != nil && (len(b.shape) != 1 || b.shape[0] != w.shape[0])) {
		shapes := [][]int{x.shape, w.shape}
		if b != nil {
			shapes = append(shapes, b.shape)
		}
		bias := "no bias"
		if b != nil {
			bias = fmt.Sprintf("bias %v", b.shape)
		}
		fail("Linear", shapes, "input %v, weight %v and %s do not fit: want input [... in] (at least 2-D), weight [out in], bias [out] or nil", x.shape, w.shape, bias)
	}
	x.live("Linear")
	m := w.shape[0]
	rows := 1.0 // the product's rows, as a float so that a hint cannot overflow
	for _, d := range x.shape[:nd-1] {
		rows *= float64(d)
	}
	split := rows <= float64(math.MaxInt32) && kernels.GemmSplitSize(int(rows), m, x.shape[nd-1])
	out := allocFor("Linear", append(x.shape[:nd-1:nd-1], m), x.shape[nd-1] == 0 && b == nil, split) // else every element is written
	x = x.rows()
	n, k := x.shape[0], x.shape[1]
	if n == 0 || m == 0 {
		return out
	}
	c := out.st.data
	if k == 0 {
		if b != nil {
			bd := b.contiguousData()
			for i := 0; i < n; i++ {
				copy(c[i*m:(i+1)*m], bd)
			}
		}
		return out
	}
	oa, ob := gemmOperandOf(x, nil, false), gemmOperandOf(w, nil, true)
	s0 := kernels.GemmSplits()
	if b != nil {
		kernels.GemmBias(oa.trans, ob.trans, n, m, k, 1, oa.data[oa.off:], oa.ld, ob.data[ob.off:], ob.ld, b.contiguousData(), c, m)
	} else {
		kernels.Gemm(oa.trans, ob.trans, n, m, k, 1, oa.data[oa.off:], oa.ld, ob.data[ob.off:], ob.ld, 0, c, m)
	}
	markSplitRead(s0, x, w)
	return out
}
