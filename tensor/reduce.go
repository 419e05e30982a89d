package tensor

import (
	"math"
	"runtime"
	"sort"
	"sync"

	"github.com/adjoint-go/adjoint/kernels"
)

// Reductions come in three forms, named the same way in package autograd:
//
//   - X() reduces over every element to a 0-d tensor: Sum, Mean, Max, Min,
//     Prod, LogSumExp, Var(correction), Std(correction); ArgmaxAll and
//     ArgminAll give the position in the flattened tensor.
//   - XDims(keepdim, dims...) reduces over the named dimensions: SumDims,
//     MeanDims, MaxDims, MinDims (torch.amax and amin), ProdDims,
//     LogSumExpDims, VarDims(correction, keepdim, dims...), StdDims.
//   - XDim(dim, keepdim) reduces over one dimension and says where each
//     result came from: MaxDim and MinDim (torch.max(dim) and min(dim))
//     return values and indices; Argmax and Argmin return the indices only.
//
// Large reductions run on several goroutines at fixed boundaries (each
// result is computed by one goroutine in an order fixed by the layout, and a
// long run is summed in kernels.ReduceChunk blocks), so results never depend
// on GOMAXPROCS.

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

// Sum returns the sum of all elements as a 0-d tensor (0 for an empty
// tensor). See SumDims for the reduction family.
func (t *Tensor) Sum() *Tensor {
	if t.live("Sum"); t.contig {
		return newScalar(sumRun(t.flat()))
	}
	r := t.plan("Sum", false, t.allDims())
	return t.reduceDims("Sum", &sumOp, &r)
}

// Mean returns the mean of all elements as a 0-d tensor (NaN for an empty
// tensor, as in PyTorch).
func (t *Tensor) Mean() *Tensor {
	t.live("Mean")
	s := t.Sum()
	s.st.data[0] /= float64(t.Numel())
	return s
}

// Max returns the largest element (NaN if any is NaN) as a 0-d tensor. It
// panics on an empty tensor, as PyTorch does.
func (t *Tensor) Max() *Tensor {
	if t.live("Max"); t.Numel() == 0 {
		fail("Max", [][]int{t.shape}, "empty tensor of shape %v has no maximum", t.shape)
	}
	if t.contig {
		return newScalar(maxRun(t.flat()))
	}
	r := t.plan("Max", false, t.allDims())
	return t.reduceDims("Max", &maxOp, &r)
}

// Min returns the smallest element (NaN if any is NaN) as a 0-d tensor. It
// panics on an empty tensor, as PyTorch does.
func (t *Tensor) Min() *Tensor {
	if t.live("Min"); t.Numel() == 0 {
		fail("Min", [][]int{t.shape}, "empty tensor of shape %v has no minimum", t.shape)
	}
	if t.contig {
		return newScalar(minRun(t.flat()))
	}
	r := t.plan("Min", false, t.allDims())
	return t.reduceDims("Min", &minOp, &r)
}

// Prod returns the product of all elements as a 0-d tensor (1 for an empty
// tensor).
func (t *Tensor) Prod() *Tensor {
	if t.live("Prod"); t.contig {
		return newScalar(prodRun(t.flat()))
	}
	r := t.plan("Prod", false, t.allDims())
	return t.reduceDims("Prod", &prodOp, &r)
}

// LogSumExp returns log(Σ e^x) over all elements as a 0-d tensor, computed
// stably (see LogSumExpDims): -Inf for an empty tensor.
func (t *Tensor) LogSumExp() *Tensor {
	mustTensor("LogSumExp", "receiver t", t)
	return t.logSumExpDims("LogSumExp", false, t.allDims())
}

// Var returns the variance of all elements as a 0-d tensor: Σ(x - mean)²
// divided by N - correction (see VarDims).
func (t *Tensor) Var(correction int) *Tensor {
	mustTensor("Var", "receiver t", t)
	return t.varDims("Var", correction, false, t.allDims(), false)
}

// Std returns the standard deviation of all elements, the square root of
// Var(correction), as a 0-d tensor.
func (t *Tensor) Std(correction int) *Tensor {
	mustTensor("Std", "receiver t", t)
	return t.varDims("Std", correction, false, t.allDims(), true)
}

// SumDims returns the sums over the given dimensions (negative ones count
// from the end). With keepdim the reduced dimensions stay with size 1;
// otherwise they are removed. Naming no dimension reduces over none and
// returns a copy; a 0-d tensor takes dimension 0 or -1, as if it had one
// dimension of size 1. Summing over a dimension of size 0 gives 0. It panics
// with an *Error naming the shape if a dimension is out of range or named
// twice.
//
// Reductions are named alike throughout: X() over every element (Sum, Mean,
// Max, Min, Prod, LogSumExp, Var, Std, ArgmaxAll, ArgminAll), XDims(keepdim,
// dims...) over several dimensions (SumDims, MeanDims, MaxDims, MinDims,
// ProdDims, LogSumExpDims, and VarDims and StdDims with the correction
// first), and XDim(dim, keepdim) over one dimension with the indices of the
// results (MaxDim, MinDim; Argmax and Argmin give the indices alone).
// Reductions of large tensors run on several goroutines, with results that
// do not depend on GOMAXPROCS.
func (t *Tensor) SumDims(keepdim bool, dims ...int) *Tensor {
	r := t.plan("SumDims", keepdim, dims)
	return t.reduceDims("SumDims", &sumOp, &r)
}

// MeanDims returns the means over the given dimensions, with keepdim and
// dims as in SumDims. The mean over a dimension of size 0 is NaN, as in
// PyTorch.
func (t *Tensor) MeanDims(keepdim bool, dims ...int) *Tensor {
	r := t.plan("MeanDims", keepdim, dims)
	out := t.reduceDims("MeanDims", &sumOp, &r)
	d := out.st.data
	kernels.DivScalar(d, d, float64(r.n))
	return out
}

// MaxDims returns the largest values over the given dimensions, with
// keepdim and dims as in SumDims, like torch.amax: values only, NaN where
// any reduced value is NaN. Its gradient (in package autograd) is shared
// evenly among tied maxima. It panics if a reduced dimension has size 0.
func (t *Tensor) MaxDims(keepdim bool, dims ...int) *Tensor {
	r := t.plan("MaxDims", keepdim, dims)
	r.nonEmpty("MaxDims", t)
	return t.reduceDims("MaxDims", &maxOp, &r)
}

// MinDims returns the smallest values over the given dimensions, like
// torch.amin; see MaxDims.
func (t *Tensor) MinDims(keepdim bool, dims ...int) *Tensor {
	r := t.plan("MinDims", keepdim, dims)
	r.nonEmpty("MinDims", t)
	return t.reduceDims("MinDims", &minOp, &r)
}

// ProdDims returns the products over the given dimensions, with keepdim and
// dims as in SumDims. The product over a dimension of size 0 is 1.
func (t *Tensor) ProdDims(keepdim bool, dims ...int) *Tensor {
	r := t.plan("ProdDims", keepdim, dims)
	return t.reduceDims("ProdDims", &prodOp, &r)
}

// LogSumExpDims returns log(Σ e^x) over the given dimensions, with keepdim
// and dims as in SumDims, computed stably as in PyTorch: m + log(Σ e^(x-m))
// with m the maximum, so that values of ±1000 give finite results. A result
// whose values are all -Inf (or that reduces no elements) is -Inf, one with
// a +Inf value is +Inf, and NaN propagates.
func (t *Tensor) LogSumExpDims(keepdim bool, dims ...int) *Tensor {
	return t.logSumExpDims("LogSumExpDims", keepdim, dims)
}

// lseShift is the shift of a stable log-sum-exp with maximum m: m itself,
// or 0 when m is infinite (all -Inf, or a +Inf), as in PyTorch.
func lseShift(m float64) float64 {
	if math.IsInf(m, 0) {
		return 0
	}
	return m
}

func (t *Tensor) logSumExpDims(op string, keepdim bool, dims []int) *Tensor {
	r := t.plan(op, keepdim, dims)
	if out := t.runs(op, &r, logSumExpRun); out != nil {
		return out
	}
	// Several runs per result: shift by the maxima, then sum.
	m := t.reduceDims(op, &maxOp, r.keeping())
	md := m.st.data
	for i, v := range md {
		md[i] = lseShift(v)
	}
	var s *Tensor
	if a, n, b, ok := t.block(&r); ok {
		s = r.alloc(op)
		foldRows(s.st.data, md, t.flat(), a, n, b, expRow)
	} else {
		e := t.Sub(m)
		ed := e.st.data
		kernels.Parallel(len(ed), vmathGrain(), func(lo, hi int) { kernels.Exp(ed[lo:hi], ed[lo:hi]) })
		s = e.reduceDims(op, &sumOp, r.keeping())
	}
	sd := s.st.data
	for i, v := range sd {
		sd[i] = math.Log(v) + md[i]
	}
	return r.result(s)
}

// expRow sets d = e^(x-s) elementwise.
func expRow(d, x, s []float64) {
	kernels.Sub(d, x, s)
	kernels.Exp(d, d)
}

// sqDevRow sets d = (x-s)² elementwise.
func sqDevRow(d, x, s []float64) {
	kernels.Sub(d, x, s)
	kernels.Mul(d, d, d)
}

// logSumExpRun is the stable log-sum-exp of a contiguous run.
func logSumExpRun(x, buf []float64) float64 {
	shift := lseShift(maxRun(x))
	if len(x) <= kernels.ReduceChunk {
		return math.Log(expSum(x, shift, buf)) + shift
	}
	s := kernels.Reduce(len(x), func(lo, hi int) float64 {
		buf := scratchPool.Get().(*[scratchLen]float64)
		defer scratchPool.Put(buf)
		return expSum(x[lo:hi], shift, buf[:])
	}, addF)
	return math.Log(s) + shift
}

// expSum returns Σ e^(x[i]-shift), staging the values in buf.
func expSum(x []float64, shift float64, buf []float64) float64 {
	s := 0.0
	for len(x) > 0 {
		b := buf[:min(len(buf), len(x))]
		kernels.SubScalar(b, x, shift)
		kernels.Exp(b, b)
		s += kernels.Sum(b)
		x = x[len(b):]
	}
	return s
}

// sqDev returns Σ (x[i]-m)², staging the differences in buf.
func sqDev(x []float64, m float64, buf []float64) float64 {
	s := 0.0
	for len(x) > 0 {
		b := buf[:min(len(buf), len(x))]
		kernels.SubScalar(b, x, m)
		s += kernels.Dot(b, b)
		x = x[len(b):]
	}
	return s
}

// sqDevRun is the sum of squared deviations from the mean of a contiguous
// run: two passes, the mean first, for accuracy.
func sqDevRun(x, buf []float64) float64 {
	m := sumRun(x) / float64(len(x))
	if len(x) <= kernels.ReduceChunk {
		return sqDev(x, m, buf)
	}
	return kernels.Reduce(len(x), func(lo, hi int) float64 {
		buf := scratchPool.Get().(*[scratchLen]float64)
		defer scratchPool.Put(buf)
		return sqDev(x[lo:hi], m, buf[:])
	}, addF)
}

// VarDims returns the variance over the given dimensions, with keepdim and
// dims as in SumDims: Σ(x - mean)² / (N - correction), N the number of
// elements reduced into each result. correction 1 is PyTorch's default
// (unbiased, Bessel's correction) and 0 the population variance. As in
// PyTorch the divisor is max(N - correction, 0), so N <= correction gives
// +Inf, or NaN when the sum of squares is 0 (a single value, or no values).
func (t *Tensor) VarDims(correction int, keepdim bool, dims ...int) *Tensor {
	return t.varDims("VarDims", correction, keepdim, dims, false)
}

// StdDims returns the standard deviation over the given dimensions, the
// square root of VarDims(correction, keepdim, dims...).
func (t *Tensor) StdDims(correction int, keepdim bool, dims ...int) *Tensor {
	return t.varDims("StdDims", correction, keepdim, dims, true)
}

func (t *Tensor) varDims(op string, correction int, keepdim bool, dims []int, std bool) *Tensor {
	r := t.plan(op, keepdim, dims)
	div := float64(max(r.n-correction, 0))
	fin := func(ss float64) float64 {
		v := ss / div
		if std {
			v = math.Sqrt(v)
		}
		return v
	}
	if out := t.runs(op, &r, func(x, buf []float64) float64 { return fin(sqDevRun(x, buf)) }); out != nil {
		return out
	}
	// Several runs per result: subtract the means, square, sum.
	keep := r.keeping()
	mean := t.reduceDims(op, &sumOp, keep)
	kernels.DivScalar(mean.st.data, mean.st.data, float64(r.n))
	var s *Tensor
	if a, n, b, ok := t.block(&r); ok {
		s = r.alloc(op)
		foldRows(s.st.data, mean.st.data, t.flat(), a, n, b, sqDevRow)
	} else {
		d := t.Sub(mean)
		dd := d.st.data
		kernels.Parallel(len(dd), grainCheap, func(lo, hi int) { kernels.Mul(dd[lo:hi], dd[lo:hi], dd[lo:hi]) })
		s = d.reduceDims(op, &sumOp, keep)
	}
	sd := s.st.data
	for i, v := range sd {
		sd[i] = fin(v)
	}
	return r.result(s)
}

// MaxDim returns the largest values along dimension dim and their indices
// (the first occurrence of each maximum, a NaN counting as the maximum), like
// torch.max(input, dim, keepdim). Indices are float64 tensors of integral
// values. With keepdim the dimension stays with size 1. A 0-d tensor takes
// dim 0 or -1. It panics if the dimension has size 0 or is out of range.
func (t *Tensor) MaxDim(dim int, keepdim bool) (values, indices *Tensor) {
	return t.argReduce("MaxDim", dim, keepdim, true)
}

// MinDim returns the smallest values along dimension dim and their indices,
// like torch.min(input, dim, keepdim); see MaxDim.
func (t *Tensor) MinDim(dim int, keepdim bool) (values, indices *Tensor) {
	return t.argReduce("MinDim", dim, keepdim, false)
}

// Argmax returns the index of the largest value along dimension dim (the
// first one among ties; a NaN counts as the largest), as a float64 tensor of
// integral values, like torch.argmax(input, dim, keepdim). It panics if the
// dimension has size 0 or is out of range.
func (t *Tensor) Argmax(dim int, keepdim bool) *Tensor {
	_, i := t.argReduce("Argmax", dim, keepdim, true)
	return i
}

// Argmin returns the index of the smallest value along dimension dim; see
// Argmax.
func (t *Tensor) Argmin(dim int, keepdim bool) *Tensor {
	_, i := t.argReduce("Argmin", dim, keepdim, false)
	return i
}

// ArgmaxAll returns the position of the largest element in the flattened
// tensor (row-major order; the first among ties, a NaN counting as the
// largest) as a 0-d tensor, like torch.argmax(input). It panics on an empty
// tensor.
func (t *Tensor) ArgmaxAll() *Tensor { return t.argAll("ArgmaxAll", true) }

// ArgminAll returns the position of the smallest element in the flattened
// tensor; see ArgmaxAll.
func (t *Tensor) ArgminAll() *Tensor { return t.argAll("ArgminAll", false) }

// better reports whether v replaces cur as the running maximum (isMax) or
// minimum: strictly better, or the first NaN.
func better(isMax bool, v, cur float64) bool {
	if v != v {
		return cur == cur
	}
	if isMax {
		return v > cur
	}
	return v < cur
}

// argRun returns the first position of the maximum (isMax) or minimum of a
// non-empty contiguous run, a NaN counting as both.
func argRun(x []float64, isMax bool) int {
	var m float64
	if isMax {
		m = kernels.Max(x)
	} else {
		m = kernels.Min(x)
	}
	if m != m {
		for i, v := range x {
			if v != v {
				return i
			}
		}
	}
	for i, v := range x {
		if v == m {
			return i
		}
	}
	return 0
}

func (t *Tensor) argAll(op string, isMax bool) *Tensor {
	t.live(op)
	if t.Numel() == 0 {
		what := "minimum"
		if isMax {
			what = "maximum"
		}
		fail(op, [][]int{t.shape}, "empty tensor of shape %v has no %s", t.shape, what)
	}
	x := t.contiguousData()
	if len(x) <= kernels.ReduceChunk {
		return newScalar(float64(argRun(x, isMax)))
	}
	// Fixed blocks, combined in order: the first block's winner wins ties.
	blocks := (len(x) + kernels.ReduceChunk - 1) / kernels.ReduceChunk
	idx := make([]int, blocks)
	kernels.Parallel(blocks, max(1, kernels.Grain/kernels.ReduceChunk), func(lo, hi int) {
		for b := lo; b < hi; b++ {
			s := b * kernels.ReduceChunk
			idx[b] = s + argRun(x[s:min(len(x), s+kernels.ReduceChunk)], isMax)
		}
	})
	best := idx[0]
	for _, i := range idx[1:] {
		if better(isMax, x[i], x[best]) {
			best = i
		}
	}
	return newScalar(float64(best))
}

// argReduce computes MaxDim (isMax) or MinDim.
func (t *Tensor) argReduce(op string, dim int, keepdim, isMax bool) (values, indices *Tensor) {
	r := t.plan(op, keepdim, []int{dim})
	r.nonEmpty(op, t)
	vals, idx := r.alloc(op), r.alloc(op)
	if t.Numel() == 0 {
		return vals, idx
	}
	if len(t.shape) == 0 {
		vals.st.data[0] = t.st.data[t.off]
		return vals, idx
	}
	a := t.axis(op, dim)
	k, sa := t.shape[a], t.strides[a]
	vd, id, td := vals.st.data, idx.st.data, t.st.data
	// Walk the results; each starts at index 0 along dimension a.
	l := newLayout(r.keep, contiguousStridesOf(r.keep), t.strides)
	walkParallel(&l, [3]int{0, t.off}, t.Numel(), func(l *layout, off [3]int) {
		n, inc := l.inner()
		l.rows(off, func(off [3]int) {
			o, p := off[0], off[1]
			if n > 1 && inc[0] == 1 && inc[1] == 1 && sa != 1 {
				// Neighbouring results are neighbours in memory: compare
				// whole rows along a.
				v, ix := vd[o:o+n], id[o:o+n]
				copy(v, td[p:p+n])
				for j := 1; j < k; j++ {
					row := td[p+j*sa : p+j*sa+n]
					for i, x := range row {
						if better(isMax, x, v[i]) {
							v[i], ix[i] = x, float64(j)
						}
					}
				}
				return
			}
			for i := 0; i < n; i, o, p = i+1, o+inc[0], p+inc[1] {
				best := 0
				if sa == 1 {
					best = argRun(td[p:p+k], isMax)
				} else {
					for j, q := 1, p+sa; j < k; j, q = j+1, q+sa {
						if better(isMax, td[q], td[p+best*sa]) {
							best = j
						}
					}
				}
				vd[o], id[o] = td[p+best*sa], float64(best)
			}
		})
	})
	return vals, idx
}

// prodOthers returns, for each element of x, the product of the other
// elements of its group over dims (as ProdDims groups them; negative dims
// count from the end), in x's shape: exclusive prefix times suffix
// products, with no division, so zeros need no special case. It is the
// gradient factor of ProdDims for package autograd (see internal/bridge).
func prodOthers(x *Tensor, dims []int) *Tensor {
	nd := x.Dim()
	if nd == 0 {
		return Scalar(1) // the empty product: nothing else in the group
	}
	red := make([]bool, nd)
	n := 1
	for _, d := range dims {
		d = x.axis("ProdDims", d)
		if !red[d] {
			red[d] = true
			n *= x.shape[d]
		}
	}
	// Bring the reduced dimensions last: groups are then runs of n.
	perm := make([]int, 0, nd)
	for i := range nd {
		if !red[i] {
			perm = append(perm, i)
		}
	}
	for i := range nd {
		if red[i] {
			perm = append(perm, i)
		}
	}
	xp := x.Permute(perm...)
	d := xp.Data()
	vals := make([]float64, n)
	for lo := 0; n > 0 && lo < len(d); lo += n {
		grp := d[lo : lo+n]
		copy(vals, grp)
		left := 1.0
		for j, v := range vals {
			grp[j] = left
			left *= v
		}
		right := 1.0
		for j := n - 1; j >= 0; j-- {
			grp[j] *= right
			right *= vals[j]
		}
	}
	inv := make([]int, nd)
	for i, p := range perm {
		inv[p] = i
	}
	return FromData(d, xp.Shape()...).Permute(inv...)
}
