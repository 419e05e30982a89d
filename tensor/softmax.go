package tensor

import "github.com/adjoint-go/adjoint/kernels"

// Softmax and log-softmax in one pass per row, like PyTorch's softmax
// kernels and their backward: package autograd's Softmax records one
// operation instead of the formula's five (the maximum, the shift, Exp,
// the sum and the quotient), each a pass over the whole input, and its
// gradient as one pass instead of four; LogSoftmax likewise. A row is the
// elements along the operation's dimension; a dimension other than the
// last is moved there for the pass and back (copies).

// softmaxRows calls fn(r, src, dst, buf) for every row r along dim of x's
// data and of a new tensor of x's shape, which it returns, the rows on
// goroutines that claim runs of them, each with a scratch buf of
// scratchLen. x must have its dim last (or be 0-d, one row of one element).
func softmaxRows(op string, x *Tensor, fn func(r int, src, dst, buf []float64)) *Tensor {
	if len(x.shape) == 0 {
		out := newScalar(0)
		var buf [1]float64
		fn(0, x.st.data[x.off:x.off+1], out.st.data[out.off:out.off+1], buf[:])
		return out
	}
	out := uninit(op, x.shape)
	n := x.shape[len(x.shape)-1]
	if n == 0 || out.Numel() == 0 {
		return out
	}
	xd, od := x.contiguousData(), out.st.data
	rows := len(od) / n
	kernels.Parallel(rows, max(1, grainMath/n), func(lo, hi int) {
		buf := scratchPool.Get().(*[scratchLen]float64)
		defer scratchPool.Put(buf)
		for r := lo; r < hi; r++ {
			fn(r, xd[r*n:(r+1)*n], od[r*n:(r+1)*n], buf[:])
		}
	})
	return out
}

// softmax returns the softmax of x along dim: exp(x - max) / Σ exp(x - max)
// over each row, with the formula's steps in its order (so bit for bit
// MaxDims, Sub, Exp, SumDims and Div on a row along the last dimension). A
// row holding +Inf or NaN, or only -Inf, is all NaN, as in PyTorch.
func softmax(x *Tensor, dim int) *Tensor {
	return rowsOp("Softmax", x, dim, func(src, dst, _ []float64) {
		kernels.SubScalar(dst, src, maxRun(src))
		kernels.Exp(dst, dst)
		kernels.DivScalar(dst, dst, sumRun(dst))
	})
}

// rowsOp returns fn(src, dst, buf) applied to every row of x along dim
// (see softmaxRows), with dim moved last and back when it is not last.
func rowsOp(op string, x *Tensor, dim int, fn func(src, dst, buf []float64)) *Tensor {
	mustTensor(op, "input x", x)
	x.live(op)
	if a, last, moved := lastAxis(op, x, dim); moved {
		xm := swappedCopy(x, a, last)
		y := rowsOp(op, xm, last, fn)
		putStorage(xm.st)
		out := swappedCopy(y, a, last)
		putStorage(y.st)
		return out
	}
	return softmaxRows(op, x, func(_ int, src, dst, buf []float64) { fn(src, dst, buf) })
}

// rowsGrad returns fn(dst, g, y) applied to every row of g and y along dim
// (the gradient of a row operation from its output y and the output's
// gradient g), with dim moved last and back when it is not last. g and y
// must have the same shape; otherwise it panics with an *Error naming op
// and the shapes.
func rowsGrad(op string, g, y *Tensor, dim int, fn func(dst, g, y []float64)) *Tensor {
	mustTensor(op, "gradient g", g)
	mustTensor(op, "output y", y)
	g.live(op)
	y.live(op)
	if !sameShape(g.shape, y.shape) {
		fail(op, [][]int{g.shape, y.shape}, "gradient of shape %v for an output of shape %v", g.shape, y.shape)
	}
	a, last, moved := lastAxis(op, y, dim)
	if moved {
		gm, ym := swappedCopy(g, a, last), swappedCopy(y, a, last)
		d := rowsGrad(op, gm, ym, last, fn)
		putStorage(gm.st)
		putStorage(ym.st)
		out := swappedCopy(d, a, last)
		putStorage(d.st)
		return out
	}
	var yd []float64
	n := 1
	if len(y.shape) == 0 {
		yd = y.st.data[y.off : y.off+1]
	} else {
		yd, n = y.contiguousData(), y.shape[last]
	}
	return softmaxRows(op, g, func(r int, src, dst, _ []float64) { fn(dst, src, yd[r*n:(r+1)*n]) })
}

// swappedCopy returns a contiguous copy of t with dimensions a and b
// swapped, in storage of its own, without marking t's storage shared (the
// view it copies from is internal).
func swappedCopy(t *Tensor, a, b int) *Tensor {
	shape, st := shapeAndStrides(len(t.shape))
	copy(shape, t.shape)
	copy(st, t.strides)
	shape[a], shape[b] = shape[b], shape[a]
	st[a], st[b] = st[b], st[a]
	v := t.view(t.off, shape, st)
	out := uninit("copy", shape)
	copyStrided(out.st.data, v)
	return out
}

// lastAxis returns dim of t as an axis, t's last axis, and whether they
// differ, so that a row operation must move dim last; for a 0-d t (one row
// of one element) dim must be 0 or -1.
func lastAxis(op string, t *Tensor, dim int) (a, last int, moved bool) {
	if len(t.shape) == 0 {
		if dim != 0 && dim != -1 {
			fail(op, [][]int{t.shape}, "dimension %d out of range for a 0-d tensor", dim)
		}
		return 0, 0, false
	}
	a, last = t.axis(op, dim), len(t.shape)-1
	return a, last, a != last
}

// softmaxGrad returns the gradient of softmax along dim from its output y
// and the output's gradient g: y·(g - Σ g·y) over each row. g and y must
// have the same shape; otherwise it panics with an *Error naming
// SoftmaxGrad and the shapes.
func softmaxGrad(g, y *Tensor, dim int) *Tensor {
	return rowsGrad("SoftmaxGrad", g, y, dim, func(dst, g, y []float64) {
		kernels.SubScalar(dst, g, kernels.Dot(g, y))
		kernels.Mul(dst, dst, y)
	})
}

// logSoftmax returns x - log Σ e^x along dim, as z - log Σ e^z with z = x
// minus each row's maximum, the formula's steps in its order (so bit for
// bit MaxDims, Sub and LogSumExpDims on a row along the last dimension).
func logSoftmax(x *Tensor, dim int) *Tensor {
	return rowsOp("LogSoftmax", x, dim, func(src, dst, buf []float64) {
		kernels.SubScalar(dst, src, maxRun(src))
		kernels.SubScalar(dst, dst, logSumExpRun(dst, buf))
	})
}

// logSoftmaxGrad returns the gradient of logSoftmax along dim from its
// output y and the output's gradient g: g - e^y·Σ g over each row. g and y
// must have the same shape; otherwise it panics with an *Error naming
// LogSoftmaxGrad and the shapes.
func logSoftmaxGrad(g, y *Tensor, dim int) *Tensor {
	return rowsGrad("LogSoftmaxGrad", g, y, dim, func(dst, g, y []float64) {
		kernels.Exp(dst, y)
		kernels.MulScalar(dst, dst, sumRun(g))
		kernels.Sub(dst, g, dst)
	})
}
