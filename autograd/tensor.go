package autograd

import (
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/internal/bridge"
	"github.com/adjoint-go/adjoint/tensor"
)

// Tensor is a differentiable n-d array: a value (a *tensor.Tensor) and,
// when it was computed from tensors that require gradients, the operation
// that made it, so that Backward can send gradients back through it.
//
// A Tensor made by a constructor is a leaf. Call SetRequiresGrad(true) on a
// leaf to have Backward accumulate its gradient into Grad().
type Tensor struct {
	v            *tensor.Tensor
	grad         *Tensor
	requiresGrad bool
	noGrad       bool      // see NoGrad: set on every result of a no-grad input
	gradFlags    gradFlags // RetainGrad's request and the state of the gradient buffer
	life         lifetime  // who owns the value: see Transient and the lifetime constants
	outVersion   uint32    // the value's storage version when the operation made it (see call.output)

	// The operation that produced this tensor; empty for leaves. Inputs are
	// held in a slice in argument order, never a map, so that gradient sums
	// happen in a fixed order.
	op       string
	backward backwardFunc
	inputs   []edge
	inl      [2]edge
	scope    *scope // on a no-grad tensor computed inside a backward formula: the pass's record of its temporaries

	// State of the backward pass in progress. mark is the walk's visit
	// mark on a node of the graph; on a gradient (never a node: the pass's
	// gradients record no graph) of lifetime lifeEngineShared it counts
	// the gradient's holders instead, on one of lifeEngineView its holders
	// beyond the first, and on one that lifeEngineView gradients view,
	// those views. pending is the gradient a node has received so far; on
	// a lifeEngineView gradient, the gradient it views.
	mark    uint64
	pending *Tensor
}

// edge is an input of an operation and its storage version when the
// operation ran.
type edge struct {
	t       *Tensor
	version uint64
}

// From returns a leaf tensor holding v (not a copy: v's storage is shared).
func From(v *tensor.Tensor) *Tensor { return &Tensor{v: v} }

// New returns a leaf holding a copy of data with the given shape (1-D if no
// shape is given); see tensor.New.
func New(data []float64, shape ...int) *Tensor { return From(tensor.New(data, shape...)) }

// Scalar returns a 0-d leaf holding v.
func Scalar(v float64) *Tensor { return From(tensor.Scalar(v)) }

// Zeros returns a leaf of zeros.
func Zeros(shape ...int) *Tensor { return From(tensor.Zeros(shape...)) }

// Ones returns a leaf of ones.
func Ones(shape ...int) *Tensor { return From(tensor.Ones(shape...)) }

// Full returns a leaf filled with v.
func Full(v float64, shape ...int) *Tensor { return From(tensor.Full(v, shape...)) }

// Arange returns the 1-D leaf start, start+step, ... below end; see
// tensor.Arange.
func Arange(start, end, step float64) *Tensor { return From(tensor.Arange(start, end, step)) }

// Eye returns the n×n identity matrix as a leaf.
func Eye(n int) *Tensor { return From(tensor.Eye(n)) }

// Rand returns a leaf of values uniform in [0, 1) drawn from rng. It
// panics with a *tensor.Error if rng is nil.
func Rand(rng *rand.Rand, shape ...int) *Tensor {
	if rng == nil {
		tensor.Panicf("autograd", "Rand", [][]int{shape}, "rng is nil; pass a *rand.Rand, e.g. rand.New(rand.NewPCG(seed, 0))")
	}
	return From(tensor.Rand(rng, shape...))
}

// Randn returns a leaf of standard normal values drawn from rng. It panics
// with a *tensor.Error if rng is nil.
func Randn(rng *rand.Rand, shape ...int) *Tensor {
	if rng == nil {
		tensor.Panicf("autograd", "Randn", [][]int{shape}, "rng is nil; pass a *rand.Rand, e.g. rand.New(rand.NewPCG(seed, 0))")
	}
	return From(tensor.Randn(rng, shape...))
}

// arg returns the value of u, argument what of operation op, panicking with
// a *tensor.Error that names both if u is nil.
func arg(op, what string, u *Tensor) *tensor.Tensor {
	if u == nil {
		tensor.Panicf("autograd", op, nil, "%s is nil", what)
	}
	return u.v
}

// Value returns the tensor's value. It shares storage with t: writing to
// it changes t (and makes a backward that saved t fail, see Backward).
//
// The 0-d result of an operation on 0-d tensors is made in one allocation
// with its value (see tensor.ScalarCell), so holding its Value also keeps
// the graph behind t alive until a backward pass frees it. To keep a
// number past the graph, keep Item() or Value().Clone().
func (t *Tensor) Value() *tensor.Tensor { return t.v }

// Shape returns a copy of the shape.
func (t *Tensor) Shape() []int { return t.v.Shape() }

// Dim returns the number of dimensions.
func (t *Tensor) Dim() int { return t.v.Dim() }

// Numel returns the number of elements.
func (t *Tensor) Numel() int { return t.v.Numel() }

// Item returns the value of a one-element tensor.
func (t *Tensor) Item() float64 { return t.v.Item() }

// At returns the element at idx.
func (t *Tensor) At(idx ...int) float64 { return t.v.At(idx...) }

// Data returns a contiguous copy of the values in row-major order.
func (t *Tensor) Data() []float64 { return t.v.Data() }

// RequiresGrad reports whether gradients flow to t: true for a leaf marked
// with SetRequiresGrad(true) and for every result of an operation on such a
// tensor (outside no-grad evaluation).
func (t *Tensor) RequiresGrad() bool { return t.requiresGrad }

// IsLeaf reports whether t was made by a constructor (or Detach or NoGrad)
// rather than by an operation that records a graph.
func (t *Tensor) IsLeaf() bool { return t.op == "" }

// SetRequiresGrad marks a leaf as needing its gradient, and returns t. It
// panics on a non-leaf, whose requirement follows from its inputs.
func (t *Tensor) SetRequiresGrad(b bool) *Tensor {
	if !t.IsLeaf() {
		tensor.Panicf("autograd", "SetRequiresGrad", [][]int{t.v.Shape()},
			"tensor of shape %v is the result of %s, not a leaf; use Detach() to get a leaf", t.v.Shape(), t.op)
	}
	t.requiresGrad = b
	return t
}

// Grad returns the gradient accumulated by Backward, or nil if none has
// been computed.
//
// The buffer is the caller's to read from then on, so once Grad has
// returned it, ZeroGrad clears it at once (see ZeroGrad); like the rest of
// a leaf's state, it belongs to one goroutine at a time.
func (t *Tensor) Grad() *Tensor {
	if t.grad != nil {
		t.settleGrad()
		if t.gradFlags&gradLent == 0 {
			t.gradFlags |= gradLent
		}
	}
	return t.grad
}

// ZeroGrad sets the accumulated gradient to zero, keeping its buffer (like
// PyTorch's zero_grad(set_to_none=False)); a gradient that carries a graph
// (from create-graph mode) is dropped instead.
//
// Until Grad has handed the buffer out, the zeros are written by the
// buffer's next user instead of here: the next Backward's first gradient
// for t overwrites the buffer where it would have been added to it (a
// linear layer's weight gradient is then its product's output, with no
// pass to clear the buffer and no read of it), and an optimizer's step, or
// anything else that reads the gradient first, clears it then. What any
// of them reads is the same as with the buffer cleared here.
func (t *Tensor) ZeroGrad() {
	switch {
	case t.grad == nil:
	case t.grad.IsLeaf() && !t.grad.requiresGrad:
		if t.gradFlags&gradLent != 0 {
			t.grad.v.Zero()
		} else {
			t.gradFlags |= gradZeroed
		}
	default:
		t.grad = nil
	}
}

// gradFlags holds a tensor's RetainGrad request and the state of its
// gradient buffer.
type gradFlags uint8

const (
	// gradRetain: RetainGrad was called.
	gradRetain gradFlags = 1 << iota
	// gradZeroed: ZeroGrad left the clearing of t.grad, a plain buffer of
	// t's own, to the buffer's next user: its numbers are stale and stand
	// for zeros. The next gradient for t overwrites it (accumulate,
	// call.matMulIntoGrad, call.sumIntoGrad); anything else clears it
	// first (settleGrad).
	gradZeroed
	// gradLent: Grad has returned t.grad, which the caller may hold and
	// read at any time, so ZeroGrad clears it at once.
	gradLent
)

func init() {
	bridge.RegisterGrads(&bridge.Grads[*Tensor]{Grad: (*Tensor).gradForUpdate})
}

// gradForUpdate is Grad for a caller that keeps no reference to the
// gradient (see bridge.Grads): it writes pending zeros but lends nothing.
func (t *Tensor) gradForUpdate() *Tensor {
	if t.grad != nil {
		t.settleGrad()
	}
	return t.grad
}

// settleGrad writes the zeros that ZeroGrad left to t.grad's next user
// (gradZeroed), for a use that reads the buffer.
func (t *Tensor) settleGrad() {
	if t.gradFlags&gradZeroed != 0 {
		t.gradFlags &^= gradZeroed
		t.grad.v.Zero()
	}
}

// RetainGrad asks Backward to keep the gradient of this non-leaf in Grad(),
// as leaves do. It returns t.
func (t *Tensor) RetainGrad() *Tensor {
	t.gradFlags |= gradRetain
	return t
}

// Transient marks t, the result of an operation, as an intermediate value
// that nothing reads once backward has passed through it, and returns t.
// When a backward pass without RetainGraph frees the graph behind t, it
// hands t's storage back to the tensor package's pool
// (see internal/bridge), so that the next forward pass reuses the memory
// instead of allocating. nn.Sequential marks the outputs of all but its
// last module this way; a model's own Forward can do the same for its
// internal values.
//
// Views of t taken through this package (Reshape, Transpose, Select,
// Chunk, ...) do not keep t's storage: backward recycles it once every
// node reading them has run, and the views die with it. Using t, its
// Value or such a view after that panics with a *tensor.Error. A view is
// never recycled itself, even if marked Transient; nor is a leaf, a value
// whose storage was shared outside this package (Raw, or a view taken of
// its Value with package tensor), one that a view of it was Detached or
// passed to NoGrad from, or anything when no backward runs (no-grad
// evaluation). Mark only values that the caller alone holds, with the
// views of them.
func (t *Tensor) Transient() *Tensor {
	if t.op != "" && t.life == lifeDefault {
		t.life = lifeTransient
	}
	return t
}

// lifetime says whether backward may recycle a tensor's value.
type lifetime uint8

const (
	lifeDefault   lifetime = iota // kept: the caller may hold it
	lifeTransient                 // marked by Transient: recycled when backward frees the graph
	lifePinned                    // read by a backward formula without a graph edge: never recycled
	lifeEngine                    // a gradient the backward engine made and alone holds: recycled once consumed
	// lifeEngineShared is a gradient the engine made that several inputs
	// hold (an Add's, passed to both): each consumer releases one holder
	// (counted in mark), and the last holds it as lifeEngine.
	lifeEngineShared
	// lifeEngineView is a view of part of a gradient the engine owned (a
	// Stack's or Cat's output gradient, one part per input; see
	// adoptView): read-only (never added into in place), with pending
	// pointing to that gradient, whose mark counts the views not yet
	// consumed. Consuming the last one recycles the storage. A view passed
	// on to several inputs (by an Add) counts its extra holders in its own
	// mark.
	lifeEngineView
)

// pin keeps t's value from being recycled whatever marks it Transient: an
// operation that reads t in its backward formula without taking it as an
// input of the graph (Where's condition, an index, a mask, a target; see
// save) may run its backward after t's own node is freed, and Detach and
// NoGrad hand the value to the caller.
func (t *Tensor) pin() {
	if t.op != "" && t.life != lifePinned {
		t.life = lifePinned
	}
	tops.PinViews(t.v) // t may be a view of a Transient value
}

// isView reports whether t's value shares its storage with an input's:
// the result of a view op (or of an op that returned an input's value),
// whose storage belongs to the value it views.
func (t *Tensor) isView() bool {
	for _, e := range t.inputs {
		if e.t.v.SameStorage(t.v) {
			return true
		}
	}
	return false
}

// Detach returns a leaf that shares t's value but has no history and does
// not require gradients. The value is then the caller's: backward never
// recycles it, even if t was marked Transient.
func (t *Tensor) Detach() *Tensor {
	t.pin()
	return &Tensor{v: t.v}
}

// NoGrad returns t for no-grad evaluation: a leaf sharing t's value whose
// every use records nothing. Any operation with a no-grad input builds no
// graph, even if its other inputs require gradients, and its result is
// itself no-grad, so a whole forward pass started from NoGrad(x) records
// nothing:
//
//	logits := model.Forward(autograd.NoGrad(x)) // evaluation, no graph
//
// The mode travels with the data, not with a goroutine or a global switch:
// a goroutine evaluating one model this way never stops another goroutine
// from recording the graph of a model it trains. Backward itself uses the
// same mechanism, running every backward formula on a no-grad gradient
// unless asked to create a graph.
//
// As with Detach, the value is then the caller's: backward never recycles
// it, even if t was marked Transient.
func NoGrad(t *Tensor) *Tensor {
	t.pin()
	return &Tensor{v: t.v, noGrad: true}
}

// IsNoGrad reports whether t is in no-grad evaluation (see NoGrad).
func (t *Tensor) IsNoGrad() bool { return t.noGrad }

// String prints the value like PyTorch, followed by requires_grad=True for
// leaves that require gradients or grad_fn=<Op> for results of an
// operation.
func (t *Tensor) String() string {
	s := t.v.String()
	switch {
	case t.op != "":
		return s[:len(s)-1] + ", grad_fn=<" + t.op + "Backward>)"
	case t.requiresGrad:
		return s[:len(s)-1] + ", requires_grad=True)"
	}
	return s
}
