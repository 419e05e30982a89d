package autograd

import (
	"slices"

	"github.com/adjoint-go/adjoint/tensor"
)

// wrap1 returns the result of a one-input operation with value v,
// recording op and bw if a needs a gradient.
func wrap1(v *tensor.Tensor, op string, bw backwardFunc, a *Tensor) *Tensor {
	return record1(&Tensor{v: v}, op, bw, a)
}

// record1 is wrap1 for a result out whose value is already set (see
// scalarNode).
func record1(out *Tensor, op string, bw backwardFunc, a *Tensor) *Tensor {
	out.noGrad = a.noGrad
	if a.noGrad || !a.requiresGrad {
		if a.scope != nil {
			a.scope.made(out, a, nil)
		}
		return out
	}
	out.requiresGrad = true
	out.op, out.backward, out.outVersion = op, bw, uint32(out.v.Version())
	out.inl[0] = edge{a, a.v.Version()}
	out.inputs = out.inl[:1]
	return out
}

// wrap2 is wrap1 for two inputs.
func wrap2(v *tensor.Tensor, op string, bw backwardFunc, a, b *Tensor) *Tensor {
	return record2(&Tensor{v: v}, op, bw, a, b)
}

// record2 is wrap2 for a result out whose value is already set (see
// scalarNode).
func record2(out *Tensor, op string, bw backwardFunc, a, b *Tensor) *Tensor {
	out.noGrad = a.noGrad || b.noGrad
	if out.noGrad || !(a.requiresGrad || b.requiresGrad) {
		if s := a.scope; s != nil {
			s.made(out, a, b)
		} else if s := b.scope; s != nil {
			s.made(out, a, b)
		}
		return out
	}
	out.requiresGrad = true
	out.op, out.backward, out.outVersion = op, bw, uint32(out.v.Version())
	out.inl[0], out.inl[1] = edge{a, a.v.Version()}, edge{b, b.v.Version()}
	out.inputs = out.inl[:2]
	return out
}

// scalarNode returns a new tensor holding the 0-d value v, made together
// with its value in one allocation (see tensor.ScalarCell): the result of
// an operation on scalars, for record1 or record2. Graphs of scalars (the
// seed program, a loss's last steps, a backward pass's scalar gradients)
// then pay one allocation per operation instead of two.
func scalarNode(v float64) *Tensor {
	c := new(tensor.ScalarCell[Tensor])
	c.Extra.v = c.Init(v)
	return &c.Extra
}

// scalars returns the values of a and b when both are 0-d (and not
// recycled, whose use the tensor operation reports), for the
// one-allocation path of an operation on two scalars.
func scalars(a, b *tensor.Tensor) (x, y float64, ok bool) {
	if a.Dim() != 0 || b.Dim() != 0 {
		return 0, 0, false
	}
	return tops.Scalars2(a, b)
}

// scalar is scalars for one operand.
func scalar(a *tensor.Tensor) (x float64, ok bool) {
	x, _, ok = tops.Scalars2(a, a) // 0-d and not recycled
	return x, ok
}

// wrapN is wrap1 for any number of inputs (Linear, Cat, Stack). Up
// to two edges live in the node itself, as with wrap2 (which keeps a node
// at 128 bytes); more get a slice of their own.
func wrapN(v *tensor.Tensor, op string, bw backwardFunc, inputs []*Tensor) *Tensor {
	out := &Tensor{v: v}
	need := false
	var s *scope
	for _, in := range inputs {
		out.noGrad = out.noGrad || in.noGrad
		need = need || in.requiresGrad
		if in.scope != nil {
			s = in.scope
		}
	}
	if out.noGrad || !need {
		if s != nil {
			for _, in := range inputs {
				if in.v == v {
					s.made(out, in, nil)
					return out
				}
			}
			s.made(out, nil, nil)
		}
		return out
	}
	out.requiresGrad = true
	out.op, out.backward, out.outVersion = op, bw, uint32(out.v.Version())
	if len(inputs) <= len(out.inl) {
		out.inputs = out.inl[:len(inputs)]
	} else {
		out.inputs = make([]edge, len(inputs))
	}
	for i, in := range inputs {
		out.inputs[i] = edge{in, in.v.Version()}
	}
	return out
}

// records reports whether an operation on inputs records a node for
// backward: some input requires a gradient and none is a no-grad alias.
func records(inputs []*Tensor) bool {
	need := false
	for _, in := range inputs {
		if in.noGrad {
			return false
		}
		need = need || in.requiresGrad
	}
	return need
}

// gradOf wraps a gradient computed by a fused tensor kernel (outside
// create-graph mode) as a no-grad tensor, as the result of a differentiable
// operation on the no-grad g would be.
func gradOf(v *tensor.Tensor) *Tensor { return &Tensor{v: v, noGrad: true} }

// asFactor returns x for use next to the gradient g in a backward formula
// that needs a factor computed from an input or output (cos x in the
// gradient of Sin, x - mean in that of Var): x itself when g records a graph
// (create-graph mode), so that the factor stays differentiable in x, and a
// no-grad alias of x otherwise, so that computing it records nothing.
func (g *Tensor) asFactor(x *Tensor) *Tensor {
	if g.noGrad {
		return &Tensor{v: x.v, noGrad: true, scope: g.scope}
	}
	return x
}

// scope records the tensors that operations make while one backward
// formula runs outside create-graph mode: every result computed from the
// formula's gradient g (or from asFactor) carries the scope on and is listed,
// so that once the formula has returned, the engine can recycle the
// storage of each one that is not a gradient it returned. Those
// temporaries (the terms of a composite formula) live only inside the
// formula. A result that is one of its inputs' own value is not listed.
type scope struct {
	list []*Tensor
}

// made records out, the result of an operation on a and b (either may be
// nil), unless its value is theirs.
func (s *scope) made(out, a, b *Tensor) {
	out.scope = s
	if (a != nil && out.v == a.v) || (b != nil && out.v == b.v) {
		return
	}
	s.list = append(s.list, out)
}

// release recycles the temporaries of the formula that just returned
// grads, and forgets them.
func (s *scope) release(grads []*Tensor) {
	for _, c := range s.list {
		c.scope = nil
		keep := false
		for _, gj := range grads {
			if gj != nil && (gj == c || gj.v.SameStorage(c.v)) {
				keep = true
				break
			}
		}
		if !keep {
			tops.Recycle(c.v)
		}
	}
	dropPointers(s.list)
	s.list = s.list[:0]
	for _, gj := range grads {
		if gj != nil {
			gj.scope = nil
		}
	}
}

// free drops the graph behind t once its backward has run.
func (t *Tensor) free() {
	// The input pointers one by one: assigning a zero [2]edge costs a bulk
	// write barrier while the garbage collector marks (free took 6.5% of
	// the seed graph's profile that way, 1.3% this way).
	t.inputs, t.backward = nil, nil
	t.inl[0].t, t.inl[1].t = nil, nil
}

// dropPointers sets the non-nil elements of s to nil one by one. The
// engine clears its short scratch slices this way rather than with clear,
// which while the garbage collector marks costs a bulk write barrier per
// call (memclrHasPointers was 10% of the seed graph's profile); an element
// already nil costs no barrier at all.
func dropPointers(s []*Tensor) {
	for i := range s {
		if s[i] != nil {
			s[i] = nil
		}
	}
}

// freed reports whether backward ran through t and dropped the graph
// behind it (an operation's result whose formula is gone).
func (t *Tensor) freed() bool { return t.op != "" && t.backward == nil }

// BackwardOption changes what a backward pass does.
type BackwardOption uint8

const (
	// RetainGraph keeps the graph after the pass so that another backward
	// can run through it. Without it the graph is freed as the pass goes,
	// and a second backward through it panics.
	RetainGraph BackwardOption = 1 << iota
	// CreateGraph records the backward pass itself as a graph, so that the
	// gradients it produces can be differentiated again (second
	// derivatives, Hessian-vector products). It implies RetainGraph.
	CreateGraph
)

func optionsOf(opts []BackwardOption) (retain, create bool) {
	var o BackwardOption
	for _, x := range opts {
		o |= x
	}
	create = o&CreateGraph != 0
	return o&RetainGraph != 0 || create, create
}

// Backward computes the gradient of t, which must hold one element, with
// respect to every leaf that requires a gradient, and adds it to each
// leaf's Grad(). Gradients accumulate across calls until ZeroGrad.
//
// The graph is walked once, in reverse topological order: every tensor
// receives the sum of the gradients of all its uses before it passes its own
// gradient on, so a value used twice gets both paths' gradients, once. The
// walk is iterative, so graphs of any depth work.
func (t *Tensor) Backward(opts ...BackwardOption) {
	if t.v.Numel() != 1 {
		tensor.Panicf("autograd", "Backward", [][]int{t.v.Shape()},
			"gradient can be implied only for a one-element output, not shape %v; use BackwardWith", t.v.Shape())
	}
	t.BackwardWith(nil, opts...)
}

// BackwardWith is Backward for an output of any shape: grad is the gradient
// of the final result with respect to t and must have t's shape (nil means
// ones).
func (t *Tensor) BackwardWith(grad *Tensor, opts ...BackwardOption) {
	retain, create := optionsOf(opts)
	if !t.requiresGrad {
		tensor.Panicf("autograd", "Backward", [][]int{t.v.Shape()},
			"tensor of shape %v does not require grad and has no graph", t.v.Shape())
	}
	run([]*Tensor{t}, []*Tensor{grad}, retain, create, true, nil)
}

// Grad returns the gradients of the sum of outputs (each with one element)
// with respect to inputs, without touching any tensor's Grad(). An input
// the outputs do not depend on gets zeros. With createGraph the returned
// gradients carry a graph of their own and can be differentiated again:
//
//	g := autograd.Grad([]*Tensor{y}, []*Tensor{x}, true)[0] // dy/dx
//	h := autograd.Grad([]*Tensor{g.Sum()}, []*Tensor{x}, false)[0]
//
// The graph is kept when createGraph is set and freed otherwise.
func Grad(outputs, inputs []*Tensor, createGraph bool) []*Tensor {
	var roots, seeds []*Tensor
	for _, o := range outputs {
		if o.v.Numel() != 1 {
			tensor.Panicf("autograd", "Grad", [][]int{o.v.Shape()},
				"output of shape %v does not have one element; reduce it (Sum) first", o.v.Shape())
		}
		if o.requiresGrad {
			roots = append(roots, o)
			seeds = append(seeds, nil)
		}
	}
	got := run(roots, seeds, createGraph, createGraph, false, inputs)
	out := make([]*Tensor, len(inputs))
	for i, in := range inputs {
		g := got[i]
		switch {
		case g == nil:
			out[i] = From(tensor.ZerosLike(in.v))
		case createGraph:
			out[i] = g
		default:
			out[i] = &Tensor{v: g.v.Clone()}
		}
	}
	return out
}

// ownGradients takes charge of the gradients a backward formula produced from g:
// each new one becomes the pass's own temporary (tmp), recycled once
// consumed. A gradient that is g itself (an identity's) carries g's
// ownership on, and ownGradients reports that g lives on. g passed to
// several inputs (an Add's) is shared among them, counted (see
// lifeEngineShared), when the pass owned it; other gradients sharing
// storage (views of g beside g, or one tensor returned twice) are never
// recycled, since each of their consumers would recycle the same memory.
// Gradients are no-grad, so that a formula using one records nothing.
func ownGradients(g *Tensor, grads []*Tensor) (gLives bool) {
	aliases, views := 0, false
	for j, gj := range grads {
		if gj == nil {
			continue
		}
		if !gj.noGrad {
			gj.noGrad = true
		}
		if gj == g || gj.v.SameStorage(g.v) {
			aliases++
			if gj != g {
				gj.handOver()
				views = true
			}
			continue
		}
		if gj == one {
			continue // the shared seed is never written
		}
		gj.life = lifeEngine
		for _, gk := range grads[:j] {
			if gk != nil && gk.v.SameStorage(gj.v) {
				gk.handOver()
				gj.handOver()
			}
		}
	}
	switch {
	case aliases <= 1:
	case views:
		g.handOver()
	case g.life == lifeEngine && tops.IsRecyclable(g.v):
		g.life, g.mark = lifeEngineShared, uint64(aliases)
	case g.life == lifeEngineShared || g.life == lifeEngineView:
		g.mark += uint64(aliases - 1) // one holder passes it on to aliases inputs
	default:
		g.handOver()
	}
	return aliases > 0
}

// handOver marks a gradient as no longer the pass's alone (never recycled).
// It writes only when the flag is set, so that the shared seed one, read
// by concurrent passes, is never written.
func (t *Tensor) handOver() {
	switch t.life {
	case lifeEngine:
		t.life = lifeDefault
	case lifeEngineShared:
		t.life, t.mark = lifeDefault, 0
	case lifeEngineView:
		t.life, t.pending, t.mark = lifeDefault, nil, 0 // its storage is then never recycled
	}
}

// adoptView makes the pass the owner of a gradient that a formula returned
// as a view of g (Reshape's, View's, Squeeze's, Transpose's, Permute's),
// when g was the pass's alone before the formula ran (owned, its storage
// recyclable) and the view, of all g's elements, is the only gradient on
// that storage: g is dropped after its formula, so the view is then the
// storage's one header, and the storage can go back to the pool once the
// view's own consumer has used it. Without this, every gradient that went back through a view op
// was kept from the pool for good: in a transformer's step, the heads'
// split and merge and the logits' reshape.
//
// A formula may also return several views of g, or one of part of it (a
// Stack's or Cat's gradient, one part per input). Each such view becomes
// the pass's as lifeEngineView: read-only, and counted in g's mark, so that
// g's storage goes back to the pool once the last of them is consumed.
func adoptView(g *Tensor, grads []*Tensor) {
	var view *Tensor
	views := 0
	for j, gj := range grads {
		switch {
		case gj == nil || !gj.v.SameStorage(g.v):
		case gj == g || slices.Contains(grads[:j], gj):
			return // g itself, or one view twice
		default:
			view = gj
			views++
		}
	}
	switch {
	case views == 1 && view.v.Numel() == g.v.Numel():
		// A view of all of g's elements, each once (not Expand's, which
		// repeats them and so cannot take gradients added in place).
		tops.Unshare(view.v)
		view.life = lifeEngine
	case views >= 1:
		for _, gj := range grads {
			if gj != nil && gj.v.SameStorage(g.v) {
				gj.life, gj.pending, gj.mark = lifeEngineView, g, 0
			}
		}
		g.mark = uint64(views)
	}
}

// recycle hands the storage of a gradient that the pass alone held back to
// the pool.
// A shared gradient loses one holder instead, and is the last one's alone.
func (t *Tensor) recycle() {
	switch t.life {
	case lifeEngine:
		t.life = lifeDefault
		tops.Recycle(t.v)
	case lifeEngineShared:
		if t.mark--; t.mark <= 1 {
			t.life, t.mark = lifeEngine, 0
		}
	case lifeEngineView:
		if t.mark > 0 {
			t.mark-- // another holder of the view is still to use it
			return
		}
		owner := t.pending
		t.life, t.pending = lifeDefault, nil
		if owner.mark--; owner.mark == 0 {
			tops.RecycleOwner(owner.v) // the last view of it consumed: the views die with it
		}
	}
}

// gradBufferFree reports whether dst, a buffer offered by gradBuffer, can take a
// product of g and x in place: it exists and is neither operand's storage
// (a leaf's gradient may itself be used as an operand).
func gradBufferFree(dst *tensor.Tensor, g, x *Tensor) bool {
	return dst != nil && !dst.SameStorage(g.v) && !dst.SameStorage(x.v)
}

// accumulate adds g to t's Grad(). Outside create-graph mode the gradient
// lives in a buffer of t's own (never shared with another tensor, so
// in-place updates of one gradient cannot change another) and later
// gradients are added into it in place.
//
// A buffer that ZeroGrad left to be cleared by its next user (gradZeroed)
// takes g's values in place outside create-graph mode, and is cleared
// first in it.
func (t *Tensor) accumulate(g *Tensor, create bool) {
	if t.gradFlags&gradZeroed != 0 {
		if !create {
			t.gradFlags &^= gradZeroed
			t.grad.v.CopyFrom(g.v)
			return
		}
		t.settleGrad()
	}
	switch {
	case create && t.grad == nil && g.op == "" && !g.requiresGrad:
		// A plain gradient (the seed, passed on by identities) may reach
		// several leaves: each gets a copy, so that a later in-place
		// accumulation into one never changes another.
		t.grad = &Tensor{v: g.v.Clone()}
	case create && t.grad == nil:
		t.grad = g
	case create:
		t.grad = t.grad.Add(g)
	case t.grad == nil:
		t.grad = &Tensor{v: g.v.Clone()}
	case !t.grad.IsLeaf() || t.grad.requiresGrad:
		t.grad = &Tensor{v: t.grad.v.Add(g.v)}
	default:
		t.grad.v.AddInPlace(g.v)
	}
}
