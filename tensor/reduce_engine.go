package tensor

import (
	"math"
	"runtime"
	"sort"
	"sync"

	"github.com/adjoint-go/adjoint/kernels"
)

// The reduction engine: a planner that resolves the dimensions to reduce
// (reduction), and three ways to run a reduction, chosen by layout: blocks
// of contiguous runs (blockRuns, blockRows), a strided walk over a
// coalesced layout split across goroutines at fixed boundaries
// (walkParallel), and runs gathered into a scratch buffer for the two-pass
// reductions (runs). The operations themselves are in reduce.go.

// reduceGrain is the number of input elements below which a reduction runs
// on one goroutine.
const reduceGrain = kernels.Grain

// scratchLen is the length of the buffers that strided runs are gathered
// into and that two-pass reductions (Var, LogSumExp) stage their values in,
// small enough to stay in L1.
const scratchLen = 512

var scratchPool = sync.Pool{New: func() any { return new([scratchLen]float64) }}

// reduction is a resolved list of dimensions to reduce.
type reduction struct {
	reduce []bool // which of t's dimensions are reduced
	keep   []int  // t's shape with the reduced dimensions set to 1
	shape  []int  // the result's shape: keep, or keep without the reduced dimensions
	n      int    // elements reduced into each result
}

// plan resolves dims for op: negative dimensions count from the end, and a
// 0-d tensor reduces as if it had one dimension of size 1 (dims 0 and -1),
// as in PyTorch. It panics on a dimension out of range or named twice.
func (t *Tensor) plan(op string, keepdim bool, dims []int) reduction {
	t.live(op) // and not nil
	nd := len(t.shape)
	r := reduction{reduce: make([]bool, nd), n: 1}
	seen := false // the one dimension of a 0-d tensor
	for _, d := range dims {
		if nd == 0 {
			if d != 0 && d != -1 {
				fail(op, [][]int{t.shape}, "dimension %d out of range [-1, 0] for shape %v", d, t.shape)
			}
			if seen {
				fail(op, [][]int{t.shape}, "dimension %d named twice in %v for shape %v", d, dims, t.shape)
			}
			seen = true
			continue
		}
		a := t.axis(op, d)
		if r.reduce[a] {
			fail(op, [][]int{t.shape}, "dimension %d named twice in %v for shape %v", d, dims, t.shape)
		}
		r.reduce[a] = true
	}
	buf := make([]int, 2*nd)
	r.keep, r.shape = buf[:nd:nd], buf[nd:nd]
	for i, d := range t.shape {
		r.keep[i] = d
		if r.reduce[i] {
			r.keep[i] = 1
			r.n *= d
			if keepdim {
				r.shape = append(r.shape, 1)
			}
			continue
		}
		r.shape = append(r.shape, d)
	}
	return r
}

// allDims returns 0, 1, ..., Dim()-1.
func (t *Tensor) allDims() []int {
	dims := make([]int, len(t.shape))
	for i := range dims {
		dims[i] = i
	}
	return dims
}

// nonEmpty panics if a reduced dimension has size 0, for the reductions
// that have no value on no elements (Max, Min, Argmax, ...).
func (r *reduction) nonEmpty(op string, t *Tensor) {
	for i, red := range r.reduce {
		if red && t.shape[i] == 0 {
			fail(op, [][]int{t.shape}, "cannot reduce over dimension %d of size 0 in shape %v: the operation has no identity", i, t.shape)
		}
	}
}

// result returns out, of shape r.keep or r.shape, in the result's shape
// (the two have the same row-major layout).
func (r *reduction) result(out *Tensor) *Tensor {
	if sameShape(out.shape, r.shape) {
		return out
	}
	return out.view(0, r.shape, contiguousStridesOf(r.shape))
}

// alloc returns a zeroed contiguous result.
func (r *reduction) alloc(op string) *Tensor { return empty(op, r.shape) }

// keeping returns r with keepdim set, for intermediate results that
// broadcast against the input.
func (r *reduction) keeping() *reduction {
	return &reduction{reduce: r.reduce, keep: r.keep, shape: r.keep, n: r.n}
}

// outStrides returns the strides with which the results (in row-major
// order of r.keep) are walked together with the input: 0 along the reduced
// dimensions.
func (r *reduction) outStrides() []int {
	st := contiguousStridesOf(r.keep)
	for i, red := range r.reduce {
		if red {
			st[i] = 0
		}
	}
	return st
}

// reduceOp describes an associative reduction to the engine.
type reduceOp struct {
	init float64 // identity: the result of reducing no elements
	// run reduces a contiguous run; long runs go through kernels.Reduce.
	run func(x []float64) float64
	// step folds one value (or a run's result) into an accumulator.
	step func(a, v float64) float64
	// acc folds n values x[i·incX] into dst[i·incDst] elementwise.
	acc func(n int, dst []float64, incDst int, x []float64, incX int)
}

var (
	sumOp  = reduceOp{0, sumRun, addF, accAdd}
	prodOp = reduceOp{1, prodRun, mulF, accMul}
	maxOp  = reduceOp{math.Inf(-1), maxRun, maxNaN, accMax}
	minOp  = reduceOp{math.Inf(1), minRun, minNaN, accMin}
)

func addF(a, v float64) float64 { return a + v }
func mulF(a, v float64) float64 { return a * v }

// maxNaN is max with NaN propagation (Go's max: once a is NaN it stays
// NaN).
func maxNaN(a, v float64) float64 { return max(a, v) }

func minNaN(a, v float64) float64 { return min(a, v) }

func sumRun(x []float64) float64 {
	if len(x) <= kernels.ReduceChunk {
		return kernels.Sum(x)
	}
	return kernels.Reduce(len(x), func(lo, hi int) float64 { return kernels.Sum(x[lo:hi]) }, addF)
}

func maxRun(x []float64) float64 {
	if len(x) <= kernels.ReduceChunk {
		return kernels.Max(x)
	}
	return kernels.Reduce(len(x), func(lo, hi int) float64 { return kernels.Max(x[lo:hi]) }, maxNaN)
}

func minRun(x []float64) float64 {
	if len(x) <= kernels.ReduceChunk {
		return kernels.Min(x)
	}
	return kernels.Reduce(len(x), func(lo, hi int) float64 { return kernels.Min(x[lo:hi]) }, minNaN)
}

func prodOf(x []float64) float64 {
	p := 1.0
	for _, v := range x {
		p *= v
	}
	return p
}

func prodRun(x []float64) float64 {
	if len(x) <= kernels.ReduceChunk {
		return prodOf(x)
	}
	return kernels.Reduce(len(x), func(lo, hi int) float64 { return prodOf(x[lo:hi]) }, mulF)
}

func accAdd(n int, dst []float64, incDst int, x []float64, incX int) {
	if incDst == 1 && incX == 1 {
		kernels.Add(dst[:n], dst[:n], x[:n])
		return
	}
	kernels.AddStrided(n, dst, incDst, dst, incDst, x, incX)
}

func accMul(n int, dst []float64, incDst int, x []float64, incX int) {
	if incDst == 1 && incX == 1 {
		kernels.Mul(dst[:n], dst[:n], x[:n])
		return
	}
	kernels.MulStrided(n, dst, incDst, dst, incDst, x, incX)
}

func accMax(n int, dst []float64, incDst int, x []float64, incX int) {
	if incDst == 1 && incX == 1 {
		d, x := dst[:n], x[:n]
		for i, v := range x {
			d[i] = max(d[i], v) // NaN propagates
		}
		return
	}
	for i, p, q := 0, 0, 0; i < n; i, p, q = i+1, p+incDst, q+incX {
		dst[p] = max(dst[p], x[q])
	}
}

func accMin(n int, dst []float64, incDst int, x []float64, incX int) {
	if incDst == 1 && incX == 1 {
		d, x := dst[:n], x[:n]
		for i, v := range x {
			d[i] = min(d[i], v)
		}
		return
	}
	for i, p, q := 0, 0, 0; i < n; i, p, q = i+1, p+incDst, q+incX {
		dst[p] = min(dst[p], x[q])
	}
}

// reduceLayout returns the layout that walks t together with an output of
// strides ost (0 along reduced dimensions), with t's dimensions ordered by
// decreasing stride, so that the innermost rows are t's longest runs in
// memory whatever view t is (a transposed matrix reduces along its rows in
// memory, not across them).
func reduceLayout(t *Tensor, ost []int) layout {
	nd := len(t.shape)
	perm := t.allDims()
	sort.SliceStable(perm, func(i, j int) bool { return t.strides[perm[i]] > t.strides[perm[j]] })
	buf := make([]int, 3*nd)
	shape, os, ts := buf[:nd], buf[nd:2*nd], buf[2*nd:]
	for i, p := range perm {
		shape[i], os[i], ts[i] = t.shape[p], ost[p], t.strides[p]
	}
	return newLayout(shape, os, ts)
}

// sub returns the part of l with index lo <= i < hi along dimension d, and
// the operands' offsets at its start.
func (l *layout) sub(d, lo, hi int, off [3]int) (layout, [3]int) {
	c := layout{k: l.k, shape: append([]int(nil), l.shape...)}
	c.shape[d] = hi - lo
	for j := 0; j < l.k; j++ {
		c.st[j] = l.st[j]
		off[j] += lo * l.st[j][d]
	}
	return c, off
}

// walkParallel calls body on l, or, when work (the number of input
// elements) is large, on parts of l split along the longest dimension that
// the first operand (the output) does not reduce over. Each output element
// is then computed by one call, in the same order whatever the split, so
// the results do not depend on GOMAXPROCS.
func walkParallel(l *layout, off [3]int, work int, body func(l *layout, off [3]int)) {
	d, size := -1, 1
	if work > reduceGrain {
		for i, s := range l.shape {
			if l.st[0][i] != 0 && s > size {
				d, size = i, s
			}
		}
	}
	if d < 0 {
		body(l, off)
		return
	}
	per := work / size // input elements per index along d
	grain := max(1, (reduceGrain+per-1)/per)
	kernels.Parallel(size, grain, func(lo, hi int) {
		c, o := l.sub(d, lo, hi, off)
		body(&c, o)
	})
}

// block describes a contiguous t whose reduced dimensions (ignoring those
// of size 1) are neighbours as [a, n, b]: a groups of n reduced rows of b
// columns, each group reducing into b results. This covers the last
// dimensions (b = 1: every result is one run), the first ones (rows
// accumulated with vector kernels) and any single dimension of a
// contiguous tensor. ok is false for other layouts.
func (t *Tensor) block(r *reduction) (a, n, b int, ok bool) {
	if !t.contig {
		return 0, 0, 0, false
	}
	lo, hi := -1, -1
	for i, d := range t.shape {
		if d != 1 && r.reduce[i] {
			if lo < 0 {
				lo = i
			}
			hi = i
		}
	}
	if lo < 0 {
		return t.Numel(), 1, 1, true
	}
	for i := lo; i <= hi; i++ {
		if !r.reduce[i] && t.shape[i] != 1 {
			return 0, 0, 0, false
		}
	}
	a, b = 1, 1
	for _, d := range t.shape[:lo] {
		a *= d
	}
	for _, d := range t.shape[hi+1:] {
		b *= d
	}
	return a, r.n, b, true
}

// blockRuns sets od[i] = run(x[i·n:(i+1)·n]) for lo <= i < hi (od holds
// the identity, so folding it in would change nothing).
func (k *reduceOp) blockRuns(od, x []float64, n, lo, hi int) {
	for i := lo; i < hi; i++ {
		od[i] = k.run(x[i*n : (i+1)*n])
	}
}

// blockRows folds the n rows of groups lo <= i < hi, columns [c0, c1), into
// their results.
func (k *reduceOp) blockRows(od, x []float64, n, b, lo, hi, c0, c1 int) {
	for i := lo; i < hi; i++ {
		o := od[i*b+c0 : i*b+c1]
		for j := 0; j < n; j++ {
			p := (i*n + j) * b
			k.acc(len(o), o, 1, x[p+c0:p+c1], 1)
		}
	}
}

// reduceBlock reduces x, laid out as [a, n, b], over its middle dimension
// into od, which holds the identity.
func (k *reduceOp) reduceBlock(od, x []float64, a, n, b int) {
	switch {
	case b == 1 && (a*n <= reduceGrain || a == 1):
		k.blockRuns(od, x, n, 0, a)
	case b == 1:
		kernels.Parallel(a, ceilDiv(reduceGrain, n), func(lo, hi int) { k.blockRuns(od, x, n, lo, hi) })
	case a*n*b <= reduceGrain:
		k.blockRows(od, x, n, b, 0, a, 0, b)
	default:
		splitBlock(a, n, b, func(lo, hi, c0, c1 int) { k.blockRows(od, x, n, b, lo, hi, c0, c1) })
	}
}

// splitBlock calls body(lo, hi, c0, c1) on parts of a block [a, n, b] that
// cover groups [0, a) and columns [0, b): over several goroutines when the
// block is large, split by groups when there are enough of them and by
// columns otherwise. Each result (group, column) lies in one part, and body
// computes it whole, so the split never changes a result.
func splitBlock(a, n, b int, body func(lo, hi, c0, c1 int)) {
	switch {
	case a*n*b <= reduceGrain:
		body(0, a, 0, b)
	case a >= runtime.GOMAXPROCS(0):
		kernels.Parallel(a, ceilDiv(reduceGrain, n*b), func(lo, hi int) { body(lo, hi, 0, b) })
	default:
		kernels.Parallel(b, ceilDiv(reduceGrain, a*n), func(c0, c1 int) { body(0, a, c0, c1) })
	}
}

// foldRows adds, for each result (i, c) of a block [a, n, b] with b > 1,
// Σ_j h(x[i, j, c], s[i, c]) into out[i, c], where row(d, x, s) sets
// d = h(x, s) elementwise on a chunk of columns staged in a scratch buffer;
// the rows are folded in order with kernels.Add. It is the second pass of
// Var (h = (x-mean)²) and LogSumExp (h = e^(x-shift)) over leading or
// middle dimensions.
func foldRows(out, s, x []float64, a, n, b int, row func(d, x, s []float64)) {
	splitBlock(a, n, b, func(lo, hi, c0, c1 int) {
		buf := scratchPool.Get().(*[scratchLen]float64)
		defer scratchPool.Put(buf)
		for i := lo; i < hi; i++ {
			for c := c0; c < c1; c += scratchLen {
				ce := min(c1, c+scratchLen)
				d, o, sv := buf[:ce-c], out[i*b+c:i*b+ce], s[i*b+c:i*b+ce]
				for j := 0; j < n; j++ {
					p := (i*n + j) * b
					row(d, x[p+c:p+ce], sv)
					kernels.Add(o, o, d)
				}
			}
		}
	})
}

func ceilDiv(x, y int) int { return max(1, (x+y-1)/max(y, 1)) }

// reduceDims reduces t over r with k.
func (t *Tensor) reduceDims(op string, k *reduceOp, r *reduction) *Tensor {
	out := r.alloc(op)
	od, td := out.st.data, t.st.data
	if k.init != 0 {
		kernels.Fill(od, k.init)
	}
	if t.Numel() == 0 {
		return r.result(out)
	}
	if a, n, b, ok := t.block(r); ok {
		k.reduceBlock(od, t.flat(), a, n, b)
		return r.result(out)
	}
	l := reduceLayout(t, r.outStrides())
	walkParallel(&l, [3]int{0, t.off}, t.Numel(), func(l *layout, off [3]int) {
		n, inc := l.inner()
		var buf []float64
		if inc[0] == 0 && inc[1] != 1 {
			buf = make([]float64, min(n, scratchLen))
		}
		l.rows(off, func(off [3]int) {
			o, p := off[0], off[1]
			switch {
			case inc[0] == 0 && inc[1] == 1: // a contiguous run into one result
				od[o] = k.step(od[o], k.run(td[p:p+n]))
			case inc[0] == 0: // a strided run into one result, gathered in chunks
				a := od[o]
				for i := 0; i < n; i += len(buf) {
					b := buf[:min(len(buf), n-i)]
					for j := range b {
						b[j] = td[p]
						p += inc[1]
					}
					a = k.step(a, k.run(b))
				}
				od[o] = a
			default: // a row of values into a row of results
				k.acc(n, od[o:], inc[0], td[p:], inc[1])
			}
		})
	})
	return r.result(out)
}

// runs computes out[i] = f(run_i) when each result reduces one run of t
// that is contiguous in memory (the reduced dimensions are t's innermost in
// memory order), as for the last dimension of a contiguous tensor, or for
// every element. It returns nil for other layouts. f gets a scratch buffer
// of scratchLen elements.
func (t *Tensor) runs(op string, r *reduction, f func(x, buf []float64) float64) *Tensor {
	if t.Numel() == 0 {
		od := []float64{0}
		runBlock(f, od, nil, 0, 0, 1)
		return Full(od[0], r.shape...)
	}
	if a, n, b, ok := t.block(r); ok {
		if b != 1 {
			return nil // several runs per result
		}
		out := r.alloc(op)
		od, x := out.st.data, t.flat()
		if a == 1 || a*n <= reduceGrain {
			runBlock(f, od, x, n, 0, a)
		} else {
			kernels.Parallel(a, ceilDiv(reduceGrain, n), func(lo, hi int) { runBlock(f, od, x, n, lo, hi) })
		}
		return r.result(out)
	}
	out := r.alloc(op)
	l := reduceLayout(t, r.outStrides())
	n, inc := l.inner()
	if len(l.shape) > 0 {
		if r.n == 1 || inc[0] != 0 || inc[1] != 1 {
			return nil
		}
		for i := range l.shape[:len(l.shape)-1] {
			if l.st[0][i] == 0 {
				return nil // another reduced dimension: several runs per result
			}
		}
	}
	od, td := out.st.data, t.st.data
	walkParallel(&l, [3]int{0, t.off}, t.Numel(), func(l *layout, off [3]int) {
		buf := scratchPool.Get().(*[scratchLen]float64)
		l.rows(off, func(off [3]int) {
			od[off[0]] = f(td[off[1]:off[1]+n], buf[:])
		})
		scratchPool.Put(buf)
	})
	return r.result(out)
}

// runBlock sets od[i] = f(x[i·n:(i+1)·n]) for lo <= i < hi, with a scratch
// buffer from the pool.
func runBlock(f func(x, buf []float64) float64, od, x []float64, n, lo, hi int) {
	buf := scratchPool.Get().(*[scratchLen]float64)
	for i := lo; i < hi; i++ {
		od[i] = f(x[i*n:(i+1)*n], buf[:])
	}
	scratchPool.Put(buf)
}
