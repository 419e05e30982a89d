package tensor

// Cumulative sums and products along one dimension.

// scanAxis resolves dim for an operation along one dimension that, like
// PyTorch's, also takes a 0-d tensor with dim 0 or -1 (returning -1 for
// it), and returns the sizes before, along and after the dimension.
func (t *Tensor) scanAxis(op string, dim int) (a, outer, n, inner int) {
	mustTensor(op, "receiver t", t)
	t.live(op)
	if len(t.shape) == 0 {
		if dim != 0 && dim != -1 {
			fail(op, [][]int{t.shape}, "dimension %d out of range [-1, 0] for a 0-d tensor", dim)
		}
		return -1, 1, 1, 1
	}
	a = axisOf(op, t.shape, dim, len(t.shape))
	return a, prod(t.shape[:a]), t.shape[a], prod(t.shape[a+1:])
}

// Cumsum returns the cumulative sums of t along dimension dim (negative
// counts from the end), like torch.cumsum: element j along dim is the sum
// of elements 0..j, added in that order. A 0-d tensor takes dim 0 or -1
// and is returned as a copy.
func (t *Tensor) Cumsum(dim int) *Tensor {
	_, outer, n, inner := t.scanAxis("Cumsum", dim)
	out := t.Clone()
	od := out.st.data
	for o := range outer {
		base := o * n * inner
		for j := 1; j < n; j++ {
			prev, cur := od[base+(j-1)*inner:base+j*inner], od[base+j*inner:base+(j+1)*inner]
			for i := range cur {
				cur[i] += prev[i]
			}
		}
	}
	return out
}

// Cumprod returns the cumulative products of t along dimension dim, like
// torch.cumprod: element j along dim is the product of elements 0..j,
// multiplied in that order. A 0-d tensor takes dim 0 or -1 and is returned
// as a copy.
func (t *Tensor) Cumprod(dim int) *Tensor {
	_, outer, n, inner := t.scanAxis("Cumprod", dim)
	out := t.Clone()
	od := out.st.data
	for o := range outer {
		base := o * n * inner
		for j := 1; j < n; j++ {
			prev, cur := od[base+(j-1)*inner:base+j*inner], od[base+j*inner:base+(j+1)*inner]
			for i := range cur {
				cur[i] *= prev[i]
			}
		}
	}
	return out
}
