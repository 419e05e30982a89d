package autograd

import (
	"fmt"

	"github.com/adjoint-go/adjoint/internal/bridge"
	"github.com/adjoint-go/adjoint/tensor"
)

// backwardFunc is an operation's backward formula. It computes the
// gradients of the node's inputs from the gradient g of its output,
// writing grads[i] for input i (nil where input i needs none). It is
// written with differentiable operations on g, so that it records a graph
// when g does (create-graph mode) and nothing otherwise.
//
// A formula reads the node only through c, never through tensors captured
// from the forward pass: every value it reads besides g (an input, the
// output, an index or a private buffer saved by the forward pass) comes
// from c.input, c.output or c.saved, which check the value's storage
// version, so that a value changed in place since the operation ran makes
// backward panic instead of returning a wrong gradient. TestFormulasReadThroughCall
// enforces this on the source of every formula in the package.
type backwardFunc func(c call, g *Tensor, grads []*Tensor)

// call is one application of a node's backward formula in one backward
// pass: all that the formula sees of its node and of the pass.
type call struct {
	node   *Tensor
	direct bool // leaves' gradient buffers take gradients in place (see gradBuffer)
	final  bool // the graph is freed after this formula: private saved buffers may be recycled
}

// op returns the name of the operation whose formula runs.
func (c call) op() string { return c.node.op }

// input returns input i of the operation, for a formula that reads its
// value, panicking if that value was changed in place since the operation
// ran.
func (c call) input(i int) *Tensor {
	e := &c.node.inputs[i]
	if e.t.v.Version() != e.version {
		c.staleInput(i)
	}
	return e.t
}

// output returns the operation's own result, for a formula that reads it
// (the gradient of Exp is g·e^x, the output), panicking if it was changed
// in place since the operation made it.
func (c call) output() *Tensor {
	n := c.node
	if uint32(n.v.Version()) != n.outVersion {
		c.staleOutput()
	}
	return n
}

// saved returns a tensor that the forward pass saved for the formula
// besides its inputs (an index, a mask, a target, a private buffer; see
// save), panicking if it was changed in place since.
func (c call) saved(e edge) *Tensor {
	if e.t.v.Version() != e.version {
		c.stale(e, "saved tensor", -1)
	}
	return e.t
}

// staleInput panics for input i, whose value changed since it was saved.
//
//go:noinline
func (c call) staleInput(i int) { c.stale(c.node.inputs[i], "input", i) }

// stale panics for e, whose value changed since it was saved.
//
//go:noinline
func (c call) stale(e edge, role string, i int) {
	c.modified(role, i, e.t.v, e.t.v.Version(), e.version)
}

// arity returns the number of inputs.
func (c call) arity() int { return len(c.node.inputs) }

// needs reports whether input i requires a gradient.
func (c call) needs(i int) bool { return c.node.inputs[i].t.requiresGrad }

// meta returns what a formula may read of input i without a version check:
// its shape, which no in-place operation changes.
func (c call) meta(i int) meta { return meta{c.node.inputs[i].t.v} }

// gradBuffer returns the gradient buffer of input i, for a formula that can add
// the input's gradient into it in place (a matrix product's output pass
// with beta = 1) instead of returning it in grads[i], or nil when it must
// return it. A buffer is offered only to a leaf in a pass that accumulates
// straight into leaves (Backward outside create-graph mode), once the leaf
// has a plain gradient buffer of its own.
func (c call) gradBuffer(i int) *tensor.Tensor {
	dst := c.gradDest(i)
	if dst != nil {
		c.node.inputs[i].t.settleGrad()
	}
	return dst
}

// gradDest is gradBuffer for a formula that writes into the buffer with
// matMulIntoGrad or sumIntoGrad, which set a buffer that ZeroGrad left to
// be cleared (gradZeroed) instead of adding into it; gradBuffer clears
// such a buffer before handing it to a formula that adds into it.
func (c call) gradDest(i int) *tensor.Tensor {
	if !c.direct {
		return nil
	}
	in := c.node.inputs[i].t
	if in.op != "" || !in.requiresGrad || in.grad == nil || in.grad.op != "" || in.grad.requiresGrad ||
		!in.grad.v.IsContiguous() || !in.grad.v.SameShape(in.v) {
		return nil
	}
	return in.grad.v
}

// matMulIntoGrad puts op(a)·op(b) into input i's gradient buffer dst (from
// gradDest) in the product's output pass: added to the buffer, or set
// where ZeroGrad left it to be cleared (see gradZeroed), with no pass to
// clear it and no read of it.
func (c call) matMulIntoGrad(i int, dst, a, b *tensor.Tensor, transA, transB bool) {
	if c.takeZeroed(i) {
		tops.MatMulInto(dst, a, b, transA, transB)
		return
	}
	tops.AddMatMulInPlace(dst, a, b, transA, transB)
}

// matMulRowsIntoGrad is matMulIntoGrad for aᵀ·b with the leading
// dimensions of a and b taken as rows (Linear's weight gradient for an
// input of any batch shape).
func (c call) matMulRowsIntoGrad(i int, dst, a, b *tensor.Tensor) {
	tops.MatMulRowsInto(dst, a, b, c.takeZeroed(i))
}

// takeZeroed reports whether ZeroGrad left input i's gradient buffer to be
// cleared by its next user (gradZeroed), which is then the caller: it sets
// the buffer instead of adding into it.
func (c call) takeZeroed(i int) bool {
	in := c.node.inputs[i].t
	if in.gradFlags&gradZeroed == 0 {
		return false
	}
	in.gradFlags &^= gradZeroed
	return true
}

// sumIntoGrad puts g summed to input i's shape into its gradient buffer
// dst (from gradDest): added to it, or set as matMulIntoGrad does.
func (c call) sumIntoGrad(i int, dst, g *tensor.Tensor) {
	s := g.SumTo(dst.Shape()...)
	if c.takeZeroed(i) {
		dst.CopyFrom(s)
	} else {
		dst.AddInPlace(s)
	}
	if s != g {
		tops.Recycle(s)
	}
}

// pendingBuffer returns the buffer that input i's gradient is being summed
// in, for a formula that can add its gradient into part of it in place (a
// Slice or Select of a tensor that many slices are taken of), or nil when
// it must return its gradient in grads[i]. It is for use outside
// create-graph mode only (when g.noGrad): a leaf's Grad buffer when
// gradBuffer offers it, or the gradient the input has already received
// from another use when the engine alone holds it.
func (c call) pendingBuffer(i int) *tensor.Tensor {
	if dst := c.gradBuffer(i); dst != nil {
		return dst
	}
	in := c.node.inputs[i].t
	p := in.pending
	if p == nil || p.life != lifeEngine || !p.v.IsContiguous() || !tops.IsRecyclable(p.v) || !p.v.SameShape(in.v) {
		return nil
	}
	return p.v
}

// staleOutput panics for the node's output, changed since it was made.
//
//go:noinline
func (c call) staleOutput() {
	n := c.node
	c.modified("output", 0, n.v, n.v.Version(), uint64(n.outVersion))
}

// modified panics for a value that a formula reads but that was changed in
// place (or recycled) since the forward pass saved it.
func (c call) modified(role string, i int, v *tensor.Tensor, now, then uint64) {
	what := role
	if i >= 0 {
		what = fmt.Sprintf("%s %d", role, i)
	}
	fix := "change a Clone() of it instead, or call Backward before changing it"
	if owner := v.Owner(); owner != "" {
		fix = fmt.Sprintf("its storage belongs to %s, which has written new values into it: Clone() it to keep it past that", owner)
	}
	tensor.Panicf("autograd", "Backward", [][]int{v.Shape()},
		"%s (shape %v) of %s was modified in place after the operation saved it (version %d, saved at %d), and %s's gradient reads it; %s",
		what, v.Shape(), c.node.op, now, then, c.node.op, fix)
}

// save records t for a backward formula that reads it without taking it as
// an input of the graph (an index, a mask, a target, a private buffer of
// the forward pass): the formula gets it back through call.saved, which
// checks that it was not changed in place meanwhile. t is pinned: backward
// never recycles its value, since the formula may run after t's own node
// is freed.
func save(t *Tensor) edge {
	t.pin()
	return edge{t, t.v.Version()}
}

// meta is what a backward formula may read of an input without a version
// check: its shape (see call.meta).
type meta struct{ v *tensor.Tensor }

// metaOf returns t's meta.
func metaOf(t *Tensor) meta { return meta{t.v} }

// shape returns a copy of the shape.
func (m meta) shape() []int { return m.v.Shape() }

// dim returns the number of dimensions.
func (m meta) dim() int { return m.v.Dim() }

// size returns the size of dimension d.
func (m meta) size(d int) int { return m.v.Size(d) }

// numel returns the number of elements.
func (m meta) numel() int { return m.v.Numel() }

// tops holds the operations package tensor implements for this package
// without exporting them (storage recycling, fused gradient kernels, the
// product that adds into a gradient buffer); see internal/bridge.
var tops = bridge.Get[*tensor.Tensor]()
