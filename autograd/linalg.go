package autograd

import (
	"fmt"

	"github.com/adjoint-go/adjoint/tensor"
)

// MatMul returns the matrix product of t and u with torch.matmul's rules
// (see tensor.MatMul): 1-D·1-D is the dot product, a 1-D operand is a row
// (on the left) or a column (on the right) whose dimension is removed from
// the result, and the dimensions before the last two are batch dimensions
// that broadcast. The gradients are dt = g·uᵀ and du = tᵀ·g, summed over
// broadcast batch dimensions; they are matrix products themselves, so
// second derivatives work. It panics with a *tensor.Error naming MatMul and
// both shapes if the shapes do not fit.
func (t *Tensor) MatMul(u *Tensor) *Tensor {
	v := t.v.MatMul(arg("MatMul", "the other operand", u)) // checks the shapes, naming MatMul and both
	na, nb := t.v.Dim(), u.v.Dim()
	if na == 1 && nb == 1 {
		return wrap2(v, "Dot", dotBackward, t, u)
	}
	// A vector becomes a one-row or one-column matrix with differentiable
	// views, so that the product's backward only sees matrices.
	a, b, cv := t, u, v
	if na == 1 {
		a, cv = t.Unsqueeze(0), v.Unsqueeze(-2)
	}
	if nb == 1 {
		b, cv = u.Unsqueeze(1), v.Unsqueeze(-1)
	}
	out := a.mm(b, false, cv)
	switch {
	case na == 1:
		return out.Squeeze(-2)
	case nb == 1:
		return out.Squeeze(-1)
	}
	return out
}

// mm records v = a·op(b) for a, b at least 2-D, where op transposes b's last
// two dimensions if tb. A contiguous batch times one matrix ([.. n k]·[k m])
// is recorded as a single [rows k]·[k m] product between reshapes, as
// PyTorch folds it, so that b's gradient is one product rather than a
// batch of them summed.
func (a *Tensor) mm(b *Tensor, tb bool, v *tensor.Tensor) *Tensor {
	if a.v.Dim() > 2 && b.v.Dim() == 2 && a.v.IsContiguous() && (a.requiresGrad || b.requiresGrad) {
		shape := a.v.Shape()
		k, m := shape[len(shape)-1], v.Size(-1)
		rows := 1
		for _, d := range shape[:len(shape)-1] {
			rows *= d
		}
		return a.Reshape(rows, k).matmulT(b, false, tb, v.Reshape(rows, m)).Reshape(v.Shape()...)
	}
	return a.matmulT(b, false, tb, v)
}

// matmulT records op(a)·op(b), where op transposes the last two dimensions
// when its flag is set; v is the value if the caller has it. Its backward is
// matmulT again, each product taking the incoming gradient as an operand,
// so that it records a graph exactly when the gradient does:
//
//	d op(a) = g·op(b)ᵀ    d op(b) = op(a)ᵀ·g
//
// written for a and b as stored (for a transposed a, (g·op(b)ᵀ)ᵀ =
// op(b)·gᵀ), and summed down to each input's shape over broadcast batch
// dimensions.
func (a *Tensor) matmulT(b *Tensor, ta, tb bool, v *tensor.Tensor) *Tensor {
	if v == nil {
		v = tensor.MatMulT(a.v, b.v, ta, tb)
	}
	var bw backwardFunc
	switch {
	case !ta && !tb:
		bw = matmulNNBackward
	case !ta:
		bw = matmulNTBackward
	case !tb:
		bw = matmulTNBackward
	default:
		bw = matmulTTBackward
	}
	return wrap2(v, "MatMul", bw, a, b)
}

// matmulT's backward for each pair of transpose flags, as functions so
// that recording a product makes no closure.
func matmulNNBackward(c call, g *Tensor, grads []*Tensor) { matmulTGrads(c, g, grads, false, false) }
func matmulNTBackward(c call, g *Tensor, grads []*Tensor) { matmulTGrads(c, g, grads, false, true) }
func matmulTNBackward(c call, g *Tensor, grads []*Tensor) { matmulTGrads(c, g, grads, true, false) }
func matmulTTBackward(c call, g *Tensor, grads []*Tensor) { matmulTGrads(c, g, grads, true, true) }

// matmulTGrads is the backward of op(a)·op(b). A matrix leaf whose
// gradient buffer is offered (see gradDest) gets its gradient put into that
// buffer by the product itself (see matMulIntoGrad).
func matmulTGrads(c call, g *Tensor, grads []*Tensor, ta, tb bool) {
	if c.needs(0) {
		a, b := c.meta(0), c.input(1)
		dst := c.gradDest(0)
		if gradBufferFree(dst, g, b) && a.dim() == 2 && b.v.Dim() == 2 {
			if !ta {
				c.matMulIntoGrad(0, dst, g.v, b.v, false, !tb)
			} else {
				c.matMulIntoGrad(0, dst, b.v, g.v, tb, true)
			}
		} else if !ta {
			grads[0] = g.matmulT(b, false, !tb, nil).sumTo(a)
		} else {
			grads[0] = b.matmulT(g, tb, true, nil).sumTo(a)
		}
	}
	if c.needs(1) {
		a, b := c.input(0), c.meta(1)
		dst := c.gradDest(1)
		if gradBufferFree(dst, g, a) && a.v.Dim() == 2 && b.dim() == 2 {
			if !tb {
				c.matMulIntoGrad(1, dst, a.v, g.v, !ta, false)
			} else {
				c.matMulIntoGrad(1, dst, g.v, a.v, true, ta)
			}
		} else if !tb {
			grads[1] = a.matmulT(g, !ta, false, nil).sumTo(b)
		} else {
			grads[1] = g.matmulT(a, true, ta, nil).sumTo(b)
		}
	}
}

// Dot returns the dot product of two 1-D tensors of the same length as a 0-d
// tensor, like torch.dot; the gradients are g·u and g·t. It panics with a
// *tensor.Error naming Dot and the shapes otherwise.
func (t *Tensor) Dot(u *Tensor) *Tensor {
	return wrap2(t.v.Dot(arg("Dot", "the other operand", u)), "Dot", dotBackward, t, u)
}

func dotBackward(c call, g *Tensor, grads []*Tensor) {
	if c.needs(0) {
		grads[0] = g.Mul(c.input(1))
	}
	if c.needs(1) {
		grads[1] = g.Mul(c.input(0))
	}
}

// Outer returns the outer product of two 1-D tensors, [n]·[m] → [n m], like
// torch.outer; the gradients are g·u and gᵀ·t. It panics with a
// *tensor.Error naming Outer and the shapes unless both are 1-D.
func (t *Tensor) Outer(u *Tensor) *Tensor {
	return wrap2(t.v.Outer(arg("Outer", "the other operand", u)), "Outer", func(c call, g *Tensor, grads []*Tensor) {
		if c.needs(0) {
			grads[0] = g.MatMul(c.input(1))
		}
		if c.needs(1) {
			grads[1] = g.Transpose(0, 1).MatMul(c.input(0))
		}
	}, t, u)
}

// T returns the transpose of a matrix as a view, like PyTorch's .T:
// Transpose(0, 1) of a 2-D tensor and t itself for a 0-d or 1-D one. It
// panics with a *tensor.Error naming T for more dimensions; use
// Transpose(-2, -1) for batches of matrices.
func (t *Tensor) T() *Tensor {
	if t.v.T() == t.v { // 0-d or 1-D; T itself panics above 2-D
		return t
	}
	return t.Transpose(0, 1)
}

// Linear returns x·wᵀ + b, like torch.nn.functional.linear: x is [.. in]
// (any number of leading dimensions, or just [in]), the weight w is
// [out in], the bias b is [out] or nil for none, and the result is
// [.. out]. Leading dimensions of x are taken as the rows of one matrix
// (inside the products, with no view recorded, so that the graph's values
// and gradients go back to the pool as a 2-D input's do), so the forward
// pass and each gradient are one matrix product whatever the batch shape,
// w is read transposed in place, never copied, and the bias is added in
// the product's output pass (see tensor.Linear). It panics with a
// *tensor.Error naming Linear and the shapes if they do not fit.
func Linear(x, w, b *Tensor) *Tensor {
	arg("Linear", "the input", x)
	arg("Linear", "the weight", w)
	xd := x.v.Dim()
	if w.v.Dim() != 2 || xd == 0 || x.v.Size(-1) != w.v.Size(1) || (b != nil && (b.v.Dim() != 1 || b.v.Size(0) != w.v.Size(0))) {
		xs, ws := x.v.Shape(), w.v.Shape()
		shapes := [][]int{xs, ws}
		var bs []int
		if b != nil {
			bs = b.v.Shape()
			shapes = append(shapes, bs)
		}
		bias := "no bias"
		if b != nil {
			bias = fmt.Sprintf("bias %v", bs)
		}
		tensor.Panicf("autograd", "Linear", shapes,
			"input %v, weight %v and %s do not fit: want input [... in], weight [out in], bias [out] or nil", xs, ws, bias)
	}
	if xd == 1 {
		return linear(x.Unsqueeze(0), w, b).Squeeze(0)
	}
	return linear(x, w, b)
}

// linear records x·wᵀ + b for a matrix x, computed by tensor.Linear with
// the bias added in the product's output pass. Its backward is
//
//	dx = g·w    dw = gᵀ·x    db = g summed over rows
//
// with matmulT reading the transposes in place, each a product taking g as
// an operand, so that second derivatives work.
func linear(x, w, b *Tensor) *Tensor {
	var bv *tensor.Tensor
	all := [3]*Tensor{x, w, b}
	inputs := all[:2]
	if b != nil {
		bv = b.v
		inputs = all[:3]
	}
	v := tensor.Linear(x.v, w.v, bv)
	return wrapN(v, "Linear", linearBackward, inputs)
}

// linearBackward is linear's backward. The weight's and bias's gradients
// go straight into their buffers when offered (see gradDest): dw by the
// product's output pass, db by one sum added in place (each set instead
// where ZeroGrad left the buffer to be cleared).
//
// db comes first, while g is still in the cache of the core that wrote
// it: after the weight's product (which streams x and writes dw) it had to
// be read back from farther away. Measured in the MNIST MLP's step
// (64×784-128-10) on the 2-vCPU KVM guest, alternated round by round in
// one process, the first layer's backward took 0-4.5 µs less this way on
// two threads (median 1.7 µs; 77.7-84.7 µs against 80.3-86.0 in six pairs
// of 3,000 steps) and 0.2-3.3 µs less on one (three pairs).
func linearBackward(c call, g *Tensor, grads []*Tensor) {
	if c.arity() > 2 && c.needs(2) {
		if dst := c.gradDest(2); dst != nil {
			c.sumIntoGrad(2, dst, g.v)
		} else {
			grads[2] = g.sumTo(c.meta(2))
		}
	}
	if c.needs(0) {
		grads[0] = g.matmulT(c.input(1), false, false, nil)
	}
	if c.needs(1) {
		x := c.input(0)
		switch dst := c.gradDest(1); {
		case gradBufferFree(dst, g, x):
			c.matMulRowsIntoGrad(1, dst, g.v, x.v)
		case x.v.Dim() == 2:
			grads[1] = g.matmulT(x, true, false, nil)
		default: // leading dimensions as rows, recorded (create-graph mode)
			grads[1] = g.Reshape(-1, g.v.Size(-1)).matmulT(x.Reshape(-1, x.v.Size(-1)), true, false, nil)
		}
	}
}
