package tensor

import (
	"math"

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
