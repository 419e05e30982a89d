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

// cumprodGrad returns the gradient of x.Cumprod(dim) for the output's
// gradient g (x's shape): element i of a run of length n gets
//
//	sum over j >= i of g_j · prod over k <= j, k != i of x_k
//	  = E_i · S_i, with E_i = x_0 ⋯ x_{i-1} and S_i = g_i + x_{i+1}·S_{i+1},
//
// computed without dividing by x_i, so that zeros need no special case,
// in two passes over each run. It is the fused gradient of Cumprod for
// package autograd (see internal/bridge).
func cumprodGrad(x, g *Tensor, dim int) *Tensor {
	_, outer, n, inner := x.scanAxis("Cumprod", dim)
	xd, gd := x.contiguousData(), g.contiguousData()
	out := uninit("Cumprod", x.shape)
	od := out.st.data
	for o := range outer {
		base := o * n * inner
		for i := range inner {
			// S_j from the end, written into out.
			s := 0.0
			for j := n - 1; j >= 0; j-- {
				p := base + j*inner + i
				if j == n-1 {
					s = gd[p]
				} else {
					s = gd[p] + xd[p+inner]*s
				}
				od[p] = s
			}
			// Times the exclusive prefix products E_j.
			e := 1.0
			for j := range n {
				p := base + j*inner + i
				od[p] *= e
				e *= xd[p]
			}
		}
	}
	return out
}
