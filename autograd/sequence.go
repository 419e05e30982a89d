package autograd

import (
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/tensor"
)

// Operations of sequence models: triangular masks (Tril, Triu), cumulative
// sums and products, sorting and top-k, flips, rolls and repeats, and the
// index-valued Multinomial and OneHot. Their gradients come in adjoint
// pairs, as those of shape.go:
//
//	Tril(d) ↔ Tril(d)   Triu(d) ↔ Triu(d)   Flip(dims) ↔ Flip(dims)
//	Roll(s) ↔ Roll(-s)  Cumsum  ↔ Flip·Cumsum·Flip
//	Sort, TopK ↔ ScatterAdd by the indices   RepeatInterleave ↔ IndexAdd

// Tril returns a copy of t with the elements above the diagonal-th
// diagonal of its last two dimensions set to zero, like torch.tril (a
// causal attention mask is Ones(T, T).Tril(0)); see tensor.Tril. The
// gradient is the output's gradient with the same elements zeroed.
func (t *Tensor) Tril(diagonal int) *Tensor {
	return wrap1(t.v.Tril(diagonal), "Tril", func(_ call, g *Tensor, grads []*Tensor) {
		grads[0] = g.Tril(diagonal)
	}, t)
}

// Triu returns a copy of t with the elements below the diagonal-th
// diagonal of its last two dimensions set to zero, like torch.triu; see
// Tril.
func (t *Tensor) Triu(diagonal int) *Tensor {
	return wrap1(t.v.Triu(diagonal), "Triu", func(_ call, g *Tensor, grads []*Tensor) {
		grads[0] = g.Triu(diagonal)
	}, t)
}

// Cumsum returns the cumulative sums of t along dim, like torch.cumsum;
// see tensor.Cumsum. The gradient of element i is the sum of the output's
// gradient from i to the end (a reversed cumulative sum).
func (t *Tensor) Cumsum(dim int) *Tensor {
	v := t.v.Cumsum(dim)
	return wrap1(v, "Cumsum", func(_ call, g *Tensor, grads []*Tensor) {
		if g.Dim() == 0 {
			grads[0] = g
			return
		}
		a := axisOf(dim, g.Dim())
		grads[0] = g.Flip(a).Cumsum(a).Flip(a)
	}, t)
}

// Cumprod returns the cumulative products of t along dim, like
// torch.cumprod; see tensor.Cumprod. The gradient is right with zeros in
// t, as PyTorch's: element i's is
//
//	sum over j >= i of g_j · prod over k <= j, k != i of x_k
//
// which the formula computes without dividing by x_i, from the cumulative
// products of the n copies of each run that have x_i replaced by 1: it
// costs n² per run of length n, and is what create-graph mode
// differentiates again. A plain Backward takes a fused kernel of the same
// formula instead, in one pass per run.
func (t *Tensor) Cumprod(dim int) *Tensor {
	v := t.v.Cumprod(dim)
	return wrap1(v, "Cumprod", func(c call, g *Tensor, grads []*Tensor) {
		if g.Dim() == 0 {
			grads[0] = g
			return
		}
		a := axisOf(dim, g.Dim())
		if g.noGrad {
			grads[0] = gradOf(tops.CumprodGrad(c.input(0).v, g.v, a))
			return
		}
		x := c.input(0).Transpose(a, -1) // [... n]
		n := x.Shape()[x.Dim()-1]
		// others[..., i, j] = prod over k <= j, k != i of x_k.
		others := Where(From(tensor.Eye(n)), From(tensor.Scalar(1)), x.Unsqueeze(-2)).Cumprod(-1)
		gi := others.Mul(g.Transpose(a, -1).Unsqueeze(-2)).Triu(0).SumDims(false, -1)
		grads[0] = gi.Transpose(a, -1)
	}, t)
}

// sortedValues records values picked from t at indices along dim (Sort,
// TopK): each value's gradient goes back to the position it came from.
func (t *Tensor) sortedValues(op string, v, idx *tensor.Tensor, dim int) *Tensor {
	var saved edge
	if t.requiresGrad && !t.noGrad {
		saved = save(From(idx.Clone())) // the caller may change the returned indices in place
	}
	return wrap1(v, op, func(c call, g *Tensor, grads []*Tensor) {
		if g.Dim() == 0 {
			grads[0] = g
			return
		}
		grads[0] = zerosLike(c.meta(0)).ScatterAdd(axisOf(dim, g.Dim()), c.saved(saved), g)
	}, t)
}

// Sort returns t's values sorted along dim, ascending or descending, and
// the positions they came from (float64 tensors of integral values, with
// no gradient), like torch.sort(input, dim, descending, stable=True); see
// tensor.Sort. Each value's gradient goes back to its position in t.
func (t *Tensor) Sort(dim int, descending bool) (values, indices *Tensor) {
	v, i := t.v.Sort(dim, descending)
	return t.sortedValues("Sort", v, i, dim), From(i)
}

// Argsort returns the indices that sort t along dim, like torch.argsort
// with stable=True, as a float64 tensor of integral values with no
// gradient; see tensor.Argsort.
func (t *Tensor) Argsort(dim int, descending bool) *Tensor {
	return From(t.v.Argsort(dim, descending))
}

// TopK returns the k largest (or smallest) values of t along dim and their
// positions, like torch.topk; see tensor.TopK for the order. Each value's
// gradient goes back to its position in t; the indices have none.
func (t *Tensor) TopK(k, dim int, largest, sorted bool) (values, indices *Tensor) {
	v, i := t.v.TopK(k, dim, largest, sorted)
	return t.sortedValues("TopK", v, i, dim), From(i)
}

// Flip returns a copy of t reversed along each of dims, like torch.flip;
// see tensor.Flip. The gradient is the output's gradient flipped back.
func (t *Tensor) Flip(dims ...int) *Tensor {
	dims = append([]int(nil), dims...)
	return wrap1(t.v.Flip(dims...), "Flip", func(_ call, g *Tensor, grads []*Tensor) {
		grads[0] = g.Flip(dims...)
	}, t)
}

// Roll returns a copy of t shifted cyclically by shifts[i] along dims[i],
// like torch.roll (with no dims, as if flattened by the one shift); see
// tensor.Roll. The gradient is the output's gradient rolled back.
func (t *Tensor) Roll(shifts, dims []int) *Tensor {
	v := t.v.Roll(shifts, dims)
	back := make([]int, len(shifts))
	for i, s := range shifts {
		back[i] = -s
	}
	dims = append([]int(nil), dims...)
	return wrap1(v, "Roll", func(_ call, g *Tensor, grads []*Tensor) {
		grads[0] = g.Roll(back, dims)
	}, t)
}

// RepeatInterleave returns t with each slice along dim repeated repeats
// times in a row, like torch.repeat_interleave(input, repeats, dim); see
// tensor.RepeatInterleave. A slice's gradient is the sum of its copies'.
func (t *Tensor) RepeatInterleave(repeats, dim int) *Tensor {
	v := t.v.RepeatInterleave(repeats, dim)
	a := axisOf(dim, t.v.Dim())
	return t.repeated("RepeatInterleave", v, a, tensor.Arange(0, float64(t.v.Size(a)), 1).RepeatInterleave(repeats, 0))
}

// RepeatInterleaveEach returns t with slice j along dim repeated
// repeats[j] times, like torch.repeat_interleave with a tensor of
// repeats; see tensor.RepeatInterleaveEach and RepeatInterleave.
func (t *Tensor) RepeatInterleaveEach(repeats []int, dim int) *Tensor {
	v := t.v.RepeatInterleaveEach(repeats, dim)
	a := axisOf(dim, t.v.Dim())
	return t.repeated("RepeatInterleaveEach", v, a, tensor.Arange(0, float64(t.v.Size(a)), 1).RepeatInterleaveEach(repeats, 0))
}

// repeated records v, the slices of t along a at the positions index lists
// (an IndexSelect): the gradient adds each copy's back (IndexAdd).
func (t *Tensor) repeated(op string, v *tensor.Tensor, a int, index *tensor.Tensor) *Tensor {
	idx := save(From(index))
	return wrap1(v, op, func(c call, g *Tensor, grads []*Tensor) {
		grads[0] = zerosLike(c.meta(0)).IndexAdd(a, c.saved(idx), g)
	}, t)
}

// Multinomial draws numSamples category indices from each row of
// non-negative weights t (1-D, or 2-D with one distribution per row), with
// or without replacement, using rng, like torch.multinomial; see
// tensor.Multinomial. The indices are float64 values with no gradient.
func (t *Tensor) Multinomial(numSamples int, replacement bool, rng *rand.Rand) *Tensor {
	return From(t.v.Multinomial(numSamples, replacement, rng))
}

// OneHot returns the one-hot encoding of t's class indices with a new last
// dimension of numClasses (-1: one more than the largest index), like
// torch.nn.functional.one_hot, as a float64 tensor with no gradient; see
// tensor.OneHot.
func (t *Tensor) OneHot(numClasses int) *Tensor { return From(t.v.OneHot(numClasses)) }
