package autograd

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/adjoint-go/adjoint/tensor"
)

// The backward engine. The graph is the nodes (tensors made by operations)
// and their input edges; one backward pass over it is a pass, which holds
// everything that lives only as long as the pass (the order, the flags it
// runs with, the call handed to each formula), as PyTorch separates its
// Node/Edge graph from a GraphTask. A pass runs in five steps:
//
//  1. sort: the nodes reachable from the roots, in topological order;
//  2. seed: the roots' gradients (ones, or those given);
//  3. apply, for each node from the last to the first: its formula turns
//     the node's summed gradient into its inputs' gradients;
//  4. route: each input's gradient is added to what the input has received
//     (or straight into a leaf's Grad buffer);
//  5. free: the graph behind the node is dropped unless retained, and the
//     storage that only the pass held goes back to the pool.
//
// Pending gradients and the visit mark live on the node (pending, mark)
// for speed; a pass clears both whether it ends or panics.

var generation atomic.Uint64

// one is the seed of a backward from a 0-d output outside create-graph
// mode. It is shared and must never be written: gradients that reach
// callers are copies (accumulate clones, Grad copies).
var one = &Tensor{v: tensor.Scalar(1), noGrad: true}

// pass is one backward pass: its flags and its scratch space, reused
// across passes so that a training step does not allocate it anew.
type pass struct {
	retain     bool // keep the graph (RetainGraph, CreateGraph)
	create     bool // record the formulas as a graph (CreateGraph)
	accumulate bool // add leaves' gradients into their Grad()
	// direct: leaves' gradients go straight into their Grad buffers (see
	// call.into), in a plain accumulating Backward.
	direct bool
	// captured holds the gradients that reach the targets of Grad.
	captured map[*Tensor]*Tensor

	gen     uint64 // the pass's number, its nodes' visit mark
	order   []*Tensor
	stack   []frame
	scratch []*Tensor
	temps   scope
}

// On one thread (GOMAXPROCS=1, as in a container limited to one CPU),
// every yieldPasses-th backward pass, and every pass of at least
// yieldNodes nodes, ends by yielding the processor (runtime.Gosched,
// about 0.1 µs). A goroutine that records and differentiates small graphs
// allocates fast and never blocks, and on one thread the collector's
// fractional mark worker, which runs only when the scheduler switches
// goroutines, then hardly ever runs: the mutator's allocation assists do
// all the marking, so each mark phase stretches over nearly half the time
// between cycles, and every pointer the graphs store meanwhile goes
// through the write barrier. Measured on the 2-vCPU KVM guest with
// the seed graph at GOMAXPROCS=1: a collection every 1.7 ms spent 0.75 ms
// marking without yields and 0.10-0.20 ms with them (GODEBUG=gctrace=1),
// and the graphs took 5-58% less time, a median 24%, in 8 pairs of runs
// of bench -suite autograd alternated with the build before. With more
// threads an idle one does the marking, and a yield only let the
// goroutine move to the other core: the graphs took 2-30% longer at
// GOMAXPROCS=2 (4 pairs), so passes yield only on one thread. At the
// seed graph's 100 ns an operation, 64 seed graphs take about 20 µs and a
// pass of 64 nodes several microseconds, so a yield costs them 0.5-2%
// (derived, not measured); a training step's pass yields once in 64
// steps, or once a step if it has 64 nodes or more.
const (
	yieldPasses = 64
	yieldNodes  = 64
)

type frame struct {
	t *Tensor
	i int
}

var passes = sync.Pool{New: func() any { return new(pass) }}

// release clears the references a pass holds and returns it to the pool,
// unless it grew too large to keep.
func (p *pass) release() {
	p.captured = nil
	if cap(p.order) > 1<<16 {
		return
	}
	dropPointers(p.order)
	dropPointers(p.scratch)
	dropPointers(p.temps.list)
	p.temps.list = p.temps.list[:0]
	p.order, p.stack = p.order[:0], p.stack[:0]
	passes.Put(p)
}

// run is the backward engine. It sends seeds[i] (ones if nil) back from
// roots[i]. With accumulate it adds leaves' gradients (and those of
// non-leaves marked RetainGrad) into Grad(); it returns the gradients that
// reached targets.
func run(roots, seeds []*Tensor, retain, create, accumulate bool, targets []*Tensor) []*Tensor {
	p := passes.Get().(*pass)
	defer p.release()
	p.retain, p.create, p.accumulate = retain, create, accumulate
	p.direct = accumulate && !create && targets == nil
	if targets != nil {
		p.captured = make(map[*Tensor]*Tensor, len(targets))
		for _, t := range targets {
			p.captured[t] = nil
		}
	}

	p.sort(roots)
	done := false
	defer func() {
		if !done {
			p.abandon()
		}
	}()
	p.seed(roots, seeds)
	for i := len(p.order) - 1; i >= 0; i-- {
		p.apply(p.order[i])
	}
	done = true
	if (p.gen%yieldPasses == 0 || len(p.order) >= yieldNodes) && runtime.GOMAXPROCS(0) == 1 {
		runtime.Gosched()
	}

	if targets == nil {
		return nil
	}
	out := make([]*Tensor, len(targets))
	for i, t := range targets {
		out[i] = p.captured[t]
	}
	return out
}

// sort lists in p.order every node reachable from roots through inputs that
// require gradients (leaves only when the pass is not direct), each after
// all of its inputs, by an iterative depth-first search (so graphs of any
// depth work).
func (p *pass) sort(roots []*Tensor) {
	gen := generation.Add(1)
	p.gen = gen
	order, stack := p.order, p.stack
	// In a direct pass a leaf input never has a step of its own: route
	// adds its gradients straight into its Grad. Leaving it out of the
	// order saves a frame, an entry and an apply per leaf (two of the
	// seed graph's five nodes). A root that is a leaf still gets a step.
	skipLeaves := p.direct
	for _, r := range roots {
		if r.mark == gen || !r.requiresGrad {
			continue
		}
		r.mark = gen
		stack = append(stack, frame{r, 0})
		for len(stack) > 0 {
			f := &stack[len(stack)-1]
			if f.i < len(f.t.inputs) {
				in := f.t.inputs[f.i].t
				f.i++
				if in.requiresGrad && in.mark != gen {
					in.mark = gen
					if skipLeaves && in.op == "" {
						continue
					}
					stack = append(stack, frame{in, 0})
				}
				continue
			}
			order = append(order, f.t)
			f.t = nil // the pooled pass keeps no node (and its value) alive
			stack = stack[:len(stack)-1]
		}
	}
	p.order, p.stack = order, stack
}

// seed gives each root its starting gradient: seeds[i], or ones.
func (p *pass) seed(roots, seeds []*Tensor) {
	for i, r := range roots {
		g := seeds[i]
		switch {
		case g == nil && !p.create && r.v.Dim() == 0:
			g = one // read-only: never handed to a caller, see accumulate and Grad
		case g == nil:
			g = &Tensor{v: tensor.OnesLike(r.v)}
		case !g.v.SameShape(r.v):
			tensor.Panicf("autograd", "Backward", [][]int{r.v.Shape(), g.v.Shape()},
				"gradient of shape %v for an output of shape %v", g.v.Shape(), r.v.Shape())
		case !p.create:
			g = &Tensor{v: g.v}
		}
		if !p.create && !g.noGrad {
			g.noGrad = true
		}
		if r.pending == nil {
			r.pending = g
		} else {
			r.pending = r.pending.Add(g)
		}
	}
}

// abandon leaves no half-finished state behind a pass that panicked: the
// pending gradients are dropped and the formula's temporaries are left to
// the garbage collector.
func (p *pass) abandon() {
	for _, t := range p.order {
		t.pending = nil
	}
	for _, c := range p.temps.list {
		c.scope = nil
	}
}

// apply runs t's step of the pass: it takes the gradient t has received,
// hands it to t's formula (or, for a leaf, to its Grad), routes the
// results to t's inputs and frees what the pass no longer needs.
func (p *pass) apply(t *Tensor) {
	g := t.pending
	t.pending = nil
	if g == nil {
		return
	}
	if p.captured != nil {
		if _, ok := p.captured[t]; ok {
			p.captured[t] = g
			g.handOver() // the caller's now
		}
	}
	if t.backward == nil {
		if t.freed() {
			tensor.Panicf("autograd", "Backward", [][]int{t.v.Shape()},
				"the graph behind a tensor of shape %v was freed by an earlier backward; pass autograd.RetainGraph to the first backward to run another", t.v.Shape())
		}
		if p.accumulate {
			t.accumulate(g, p.create)
		}
		g.recycle()
		return
	}
	if p.accumulate && t.gradFlags&gradRetain != 0 {
		t.accumulate(g, p.create)
	}
	grads, gLives := p.formula(t, g)
	p.route(t, grads)
	if !gLives {
		g.recycle()
	}
	if !p.retain {
		if t.life == lifeTransient && !t.isView() {
			tops.RecycleOwner(t.v)
		}
		t.free()
	}
}

// formula runs t's backward formula on g and returns the gradients of t's
// inputs. Outside create-graph mode the formula's temporaries are recycled
// as it returns, and the gradients it made become the pass's own (see
// ownGradients); gLives reports that g itself is one of them.
func (p *pass) formula(t *Tensor, g *Tensor) (grads []*Tensor, gLives bool) {
	if cap(p.scratch) < len(t.inputs) {
		p.scratch = make([]*Tensor, len(t.inputs))
	}
	grads = p.scratch[:len(t.inputs)]
	dropPointers(grads)
	scoped := !p.create && g != one
	if scoped {
		g.scope = &p.temps
	}
	owned := scoped && g.life == lifeEngine && tops.IsRecyclable(g.v)
	t.backward(call{node: t, direct: p.direct, final: !p.retain}, g, grads)
	if scoped {
		g.scope = nil
		p.temps.release(grads)
	}
	if !p.create {
		gLives = ownGradients(g, grads)
		if owned && gLives {
			adoptView(g, grads)
		}
	}
	return grads, gLives
}

// route adds the gradients that t's formula produced to what each of t's
// inputs has received: straight into a leaf's Grad buffer in a direct
// pass, as the input's first pending gradient, or summed with the earlier
// ones (into the first's buffer when the pass owns it).
func (p *pass) route(t *Tensor, grads []*Tensor) {
	recycle := !p.create
	for j, e := range t.inputs {
		in, gj := e.t, grads[j]
		switch {
		case gj == nil:
		case !in.requiresGrad:
			gj.recycle()
		case !gj.v.SameShape(in.v):
			tensor.Panicf("autograd", "Backward", [][]int{in.v.Shape(), gj.v.Shape()},
				"internal error: %s produced a gradient of shape %v for input %d of shape %v", t.op, gj.v.Shape(), j, in.v.Shape())
		case p.direct && in.op == "":
			in.accumulate(gj, false)
			gj.recycle()
		case in.pending == nil:
			in.pending = gj
		case recycle && in.pending.life == lifeEngine && tops.IsRecyclable(in.pending.v):
			in.pending.v.AddInPlace(gj.v) // the sum of two uses, into the first's buffer
			gj.recycle()
		default:
			old := in.pending
			in.pending = in.pending.Add(gj)
			if recycle {
				in.pending.life = lifeEngine
				old.recycle()
				gj.recycle()
			}
		}
	}
}
