package autograd

import "github.com/adjoint-go/adjoint/tensor"

// Joining, splitting and indexing. The gradients come in adjoint pairs, so
// that each backward formula is itself differentiable and second
// derivatives work:
//
//	Cat      ↔ Slice       Stack      ↔ Select
//	Gather   ↔ ScatterAdd  IndexSelect ↔ IndexAdd
//	MaskedFill(m) ↔ MaskedFill(m, 0)   Pad(p) ↔ Pad(-p)
//
// Index and mask tensors receive no gradient. Their values are read again by
// backward, so like saved inputs they must not change in place in between;
// and an index or mask in no-grad evaluation (see NoGrad) makes the result
// no-grad, as any other input would.

// zerosLike returns a constant of zeros with like's shape, as the base of
// an IndexAdd or ScatterAdd in backward. It is a broadcast 0-d zero, which
// allocates nothing of like's size: the tensor operations fill their result
// from it instead of copying.
func zerosLike(like meta) *Tensor {
	return From(tensor.Scalar(0).Expand(like.shape()...))
}

// axisOf resolves a negative dimension of t after the tensor operation has
// checked it.
func axisOf(dim, ndim int) int {
	if dim < 0 {
		return dim + ndim
	}
	return dim
}

// Cat returns the concatenation of ts along dim, like torch.cat; see
// tensor.Cat for the shape rules (same number of dimensions, at least one;
// equal sizes except along dim; empty tensors allowed). Each input's
// gradient is its slice of the output's gradient.
func Cat(ts []*Tensor, dim int) *Tensor {
	vs := make([]*tensor.Tensor, len(ts))
	for i, t := range ts {
		if t == nil {
			tensor.Panicf("autograd", "Cat", nil, "tensor %d of %d is nil", i, len(ts))
		}
		vs[i] = t.v
	}
	v := tensor.Cat(vs, dim)
	a := axisOf(dim, v.Dim())
	return wrapN(v, "Cat", func(c call, g *Tensor, grads []*Tensor) {
		start := 0
		for i := range c.arity() {
			n := c.meta(i).size(a)
			if c.needs(i) {
				grads[i] = g.Slice(a, start, start+n)
			}
			start += n
		}
	}, ts)
}

// Stack joins ts, which must all have the same shape, along a new dimension
// dim (in [-(Dim()+1), Dim()]), like torch.stack. Input i's gradient is
// index i of the output's gradient along dim.
func Stack(ts []*Tensor, dim int) *Tensor {
	vs := make([]*tensor.Tensor, len(ts))
	for i, t := range ts {
		if t == nil {
			tensor.Panicf("autograd", "Stack", nil, "tensor %d of %d is nil", i, len(ts))
		}
		vs[i] = t.v
	}
	v := tensor.Stack(vs, dim)
	a := axisOf(dim, v.Dim())
	return wrapN(v, "Stack", func(c call, g *Tensor, grads []*Tensor) {
		for i := range c.arity() {
			if c.needs(i) {
				grads[i] = g.Select(a, i)
			}
		}
	}, ts)
}

// Split returns t in pieces of size elements along dim (the last one
// smaller), like torch.split with an integer size. The pieces are Slice
// views of t and differentiable as such. See tensor.Split.
func (t *Tensor) Split(size, dim int) []*Tensor {
	before := tops.ViewState(t.v)
	return t.pieces(t.v.Split(size, dim), dim, before)
}

// Chunk splits t into pieces of ceil(len/n) elements along dim, like
// torch.chunk, so it may return fewer than n pieces. The pieces are Slice
// views of t. See tensor.Chunk.
func (t *Tensor) Chunk(n, dim int) []*Tensor {
	before := tops.ViewState(t.v)
	return t.pieces(t.v.Chunk(n, dim), dim, before)
}

// pieces turns the values of a split of t into differentiable slices;
// before is the state of t's storage before the split (see viewed).
func (t *Tensor) pieces(vs []*tensor.Tensor, dim int, before uint32) []*Tensor {
	a := axisOf(dim, t.v.Dim())
	out := make([]*Tensor, len(vs))
	start := 0
	for i, v := range vs {
		n := v.Size(a)
		out[i] = t.Slice(a, start, start+n)
		start += n
	}
	tops.MarkViewed(t.v, before)
	return out
}

// IndexSelect returns the slices of t at the positions index lists along
// dim, like torch.index_select (an embedding lookup with dim 0); see
// tensor.IndexSelect. The gradient adds each slice of the output's gradient
// back at its position (IndexAdd), so repeated positions accumulate.
func (t *Tensor) IndexSelect(dim int, index *Tensor) *Tensor {
	v := t.v.IndexSelect(dim, arg("IndexSelect", "the index", index))
	if index.noGrad {
		return &Tensor{v: v, noGrad: true}
	}
	a, idx := axisOf(dim, t.v.Dim()), save(index)
	return wrap1(v, "IndexSelect", func(c call, g *Tensor, grads []*Tensor) {
		grads[0] = zerosLike(c.meta(0)).IndexAdd(a, c.saved(idx), g)
	}, t)
}

// IndexAdd returns a copy of t with slice j of src along dim added at
// position index[j], like the out-of-place torch.index_add; see
// tensor.IndexAdd. t's gradient is the output's; src's is the output's
// gradient at the indexed positions (IndexSelect).
func (t *Tensor) IndexAdd(dim int, index, src *Tensor) *Tensor {
	v := t.v.IndexAdd(dim, arg("IndexAdd", "the index", index), arg("IndexAdd", "the source", src))
	if index.noGrad {
		return &Tensor{v: v, noGrad: true}
	}
	a, idx := axisOf(dim, t.v.Dim()), save(index)
	return wrap2(v, "IndexAdd", func(c call, g *Tensor, grads []*Tensor) {
		if c.needs(0) {
			grads[0] = g
		}
		if c.needs(1) {
			grads[1] = g.IndexSelect(a, c.saved(idx))
		}
	}, t, src)
}

// Gather returns the values of t picked along dim by index, like
// torch.gather (out[i][j] = t[i][index[i][j]] for dim 1); see
// tensor.Gather for the shape rules. The gradient scatters the output's
// gradient back to the picked positions (ScatterAdd into zeros), adding
// where a position was picked more than once.
func (t *Tensor) Gather(dim int, index *Tensor) *Tensor {
	v := t.v.Gather(dim, arg("Gather", "the index", index))
	if index.noGrad {
		return &Tensor{v: v, noGrad: true}
	}
	a, idx := axisOf(dim, t.v.Dim()), save(index)
	return wrap1(v, "Gather", func(c call, g *Tensor, grads []*Tensor) {
		grads[0] = zerosLike(c.meta(0)).ScatterAdd(a, c.saved(idx), g)
	}, t)
}

// ScatterAdd returns a copy of t with src's values added at the positions
// index names along dim, like the out-of-place torch.scatter_add (out[i]
// [index[i][j]] += src[i][j] for dim 1); see tensor.ScatterAdd. t's
// gradient is the output's; src's is the output's gradient picked by index
// (Gather), zero where src lies outside index's shape.
func (t *Tensor) ScatterAdd(dim int, index, src *Tensor) *Tensor {
	v := t.v.ScatterAdd(dim, arg("ScatterAdd", "the index", index), arg("ScatterAdd", "the source", src))
	if index.noGrad {
		return &Tensor{v: v, noGrad: true}
	}
	a, idx := axisOf(dim, t.v.Dim()), save(index)
	// Zero padding from index's shape up to src's, last dimension first.
	is, ss := index.v.Shape(), src.v.Shape()
	var pads []int
	for d := len(ss) - 1; d >= 0; d-- {
		pads = append(pads, 0, ss[d]-is[d])
	}
	for len(pads) > 0 && pads[len(pads)-1] == 0 {
		pads = pads[:len(pads)-2]
	}
	return wrap2(v, "ScatterAdd", func(c call, g *Tensor, grads []*Tensor) {
		if c.needs(0) {
			grads[0] = g
		}
		if c.needs(1) {
			gs := g.Gather(a, c.saved(idx))
			if len(pads) > 0 {
				gs = gs.Pad(pads, 0)
			}
			grads[1] = gs
		}
	}, t, src)
}

// MaskedFill returns a copy of t with value wherever mask is nonzero, like
// the out-of-place torch.masked_fill; mask broadcasts with t. The gradient
// is the output's with zeros where the mask filled, summed back to t's
// shape if t was broadcast.
func (t *Tensor) MaskedFill(mask *Tensor, value float64) *Tensor {
	v := t.v.MaskedFill(arg("MaskedFill", "the mask", mask), value)
	if mask.noGrad {
		return &Tensor{v: v, noGrad: true}
	}
	m := save(mask)
	return wrap1(v, "MaskedFill", func(c call, g *Tensor, grads []*Tensor) {
		grads[0] = g.MaskedFill(c.saved(m), 0).sumTo(c.meta(0))
	}, t)
}

// Pad pads t with value, like torch.nn.functional.pad in constant mode:
// pads lists (before, after) pairs from the last dimension, and negative
// entries crop; see tensor.Pad. The gradient is the output's gradient
// cropped back (Pad with the negated pads).
func (t *Tensor) Pad(pads []int, value float64) *Tensor {
	v := t.v.Pad(pads, value)
	neg := make([]int, len(pads))
	for i, p := range pads {
		neg[i] = -p
	}
	return wrap1(v, "Pad", func(_ call, g *Tensor, grads []*Tensor) {
		grads[0] = g.Pad(neg, 0)
	}, t)
}
