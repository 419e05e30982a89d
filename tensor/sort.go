package tensor

import (
	"cmp"
	"slices"
)

// Sorting along one dimension: Sort, Argsort and TopK. Indices are float64
// tensors of integral values, as those of MaxDim and Argmax.

// orderOf returns the order of the run x (n values at stride inner) as
// positions, sorted stably: equal values keep their order. NaN counts as
// larger than every number, as in PyTorch, so it comes last in ascending
// order and first in descending order.
func orderOf(x []float64, n, inner int, descending bool, perm []int) {
	for j := range perm {
		perm[j] = j
	}
	slices.SortStableFunc(perm, func(p, q int) int {
		c := compareNaNLast(x[p*inner], x[q*inner])
		if descending {
			return -c
		}
		return c
	})
}

// compareNaNLast is cmp.Compare with NaN above +Inf (cmp.Compare puts NaN
// below -Inf) and -0 equal to +0.
func compareNaNLast(a, b float64) int {
	an, bn := a != a, b != b
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	}
	return cmp.Compare(a, b)
}

// sortRuns sorts every run of t along dimension dim and keeps the first k
// positions of each (all of them for k < 0), returning their values and
// indices. With inOrder, the kept positions are put back in their order in
// t (TopK with sorted false).
func (t *Tensor) sortRuns(op string, dim, k int, descending, inOrder bool) (values, indices *Tensor) {
	a, outer, n, inner := t.scanAxis(op, dim)
	if k < 0 {
		k = n
	}
	if k > n {
		fail(op, [][]int{t.shape}, "k = %d is larger than the size %d of dimension %d of the input of shape %v", k, n, dim, t.shape)
	}
	shape := append([]int(nil), t.shape...)
	if a >= 0 {
		shape[a] = k
	}
	values, indices = empty(op, shape), empty(op, shape)
	if len(values.st.data) == 0 {
		return values, indices
	}
	x := t.contiguousData()
	vd, id := values.st.data, indices.st.data
	perm := make([]int, n)
	for o := range outer {
		for i := range inner {
			src := x[o*n*inner+i:]
			orderOf(src, n, inner, descending, perm)
			kept := perm[:k]
			if inOrder {
				slices.Sort(kept)
			}
			base := o*k*inner + i
			for j, p := range kept {
				vd[base+j*inner] = src[p*inner]
				id[base+j*inner] = float64(p)
			}
		}
	}
	return values, indices
}

// Sort returns the values of t sorted along dimension dim (negative counts
// from the end), ascending or descending, and the positions they came from,
// like torch.sort(input, dim, descending, stable=True): the sort is stable,
// so equal values keep their order, and NaN sorts above every number (last
// ascending, first descending). Indices are float64 tensors of integral
// values. A 0-d tensor takes dim 0 or -1.
func (t *Tensor) Sort(dim int, descending bool) (values, indices *Tensor) {
	return t.sortRuns("Sort", dim, -1, descending, false)
}

// Argsort returns the indices that sort t along dimension dim, like
// torch.argsort(input, dim, descending, stable=True); see Sort.
func (t *Tensor) Argsort(dim int, descending bool) *Tensor {
	_, i := t.sortRuns("Argsort", dim, -1, descending, false)
	return i
}

// TopK returns the k largest (or, with largest false, smallest) values of
// t along dimension dim and their positions, like torch.topk. With sorted
// they come in order, largest first (smallest first with largest false);
// without, in their order along dim in t. Among equal values the one
// earlier along dim is taken first; NaN counts as the largest value. The
// result has t's shape with size k along dim. It panics unless
// 0 <= k <= t.Size(dim) (1 for a 0-d tensor).
func (t *Tensor) TopK(k, dim int, largest, sorted bool) (values, indices *Tensor) {
	if k < 0 {
		mustTensor("TopK", "receiver t", t)
		fail("TopK", [][]int{t.shape}, "k = %d is negative (input of shape %v)", k, t.shape)
	}
	return t.sortRuns("TopK", dim, k, largest, !sorted)
}
