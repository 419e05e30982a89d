package tensor

import "math"

// Rearranging copies: Flip, Roll, RepeatInterleave and OneHot.

// dimSet resolves dims (negative counting from the end) to a set of t's
// dimensions, panicking if one is out of range or repeated.
func (t *Tensor) dimSet(op string, dims []int) []bool {
	set := make([]bool, len(t.shape))
	for _, d := range dims {
		a := axisOf(op, t.shape, d, len(t.shape))
		if set[a] {
			fail(op, [][]int{t.shape}, "dimension %d appears twice in dims %v (input of shape %v)", a, dims, t.shape)
		}
		set[a] = true
	}
	return set
}

// Flip returns a copy of t with the order of its elements reversed along
// each of dims (negative counting from the end), like torch.flip. No dims
// gives a plain copy. It panics if a dimension is out of range or
// repeated.
func (t *Tensor) Flip(dims ...int) *Tensor {
	const op = "Flip"
	mustTensor(op, "receiver t", t)
	t.live(op)
	set := t.dimSet(op, dims)
	if t.Numel() == 0 {
		return empty(op, t.shape)
	}
	// A view walking the flipped dimensions backwards, copied.
	off, strides := t.off, append([]int(nil), t.strides...)
	for a, flip := range set {
		if flip {
			off += (t.shape[a] - 1) * strides[a]
			strides[a] = -strides[a]
		}
	}
	return t.view(off, t.shape, strides).Clone()
}

// Roll returns a copy of t with its elements shifted cyclically by
// shifts[i] positions along dims[i], like torch.roll: along a dimension of
// size n, element j moves to position (j + shift) mod n (a negative shift
// moves towards the front). With no dims, t is rolled as if flattened,
// by the single shift in shifts, and keeps its shape. It panics if shifts
// and dims differ in length (or, with no dims, shifts does not hold
// exactly one shift), or a dimension is out of range or repeated.
func (t *Tensor) Roll(shifts, dims []int) *Tensor {
	const op = "Roll"
	mustTensor(op, "receiver t", t)
	t.live(op)
	if len(dims) == 0 {
		if len(shifts) != 1 {
			fail(op, [][]int{t.shape}, "with no dims, shifts must hold one shift, not %d (input of shape %v)", len(shifts), t.shape)
		}
		return t.rollRuns(shifts[0], 1, t.Numel(), 1)
	}
	if len(shifts) != len(dims) {
		fail(op, [][]int{t.shape}, "%d shifts for %d dims (input of shape %v)", len(shifts), len(dims), t.shape)
	}
	t.dimSet(op, dims)
	out := t
	for i, d := range dims {
		out = out.roll(shifts[i], axisOf(op, t.shape, d, len(t.shape)))
	}
	return out
}

// roll rolls t by shift along dimension a into a new contiguous tensor.
func (t *Tensor) roll(shift, a int) *Tensor {
	return t.rollRuns(shift, prod(t.shape[:a]), t.shape[a], prod(t.shape[a+1:]))
}

// rollRuns rolls t, seen in row-major order as [outer n inner], by shift
// along the middle dimension, into a new contiguous tensor of t's shape.
func (t *Tensor) rollRuns(shift, outer, n, inner int) *Tensor {
	if n == 0 || t.Numel() == 0 {
		return empty("Roll", t.shape)
	}
	s := shift % n
	if s < 0 {
		s += n
	}
	out := uninit("Roll", t.shape)
	x, od := t.contiguousData(), out.st.data
	head, tail := s*inner, (n-s)*inner // out = x[n-s:] then x[:n-s]
	for o := range outer {
		src, dst := x[o*n*inner:(o+1)*n*inner], od[o*n*inner:(o+1)*n*inner]
		copy(dst[:head], src[tail:])
		copy(dst[head:], src[:tail])
	}
	return out
}

// RepeatInterleave returns t with each slice along dimension dim repeated
// repeats times in a row, like torch.repeat_interleave(input, repeats,
// dim): along dim, [a b] becomes [a a b b] for repeats 2. It panics if
// repeats is negative or dim is out of range.
func (t *Tensor) RepeatInterleave(repeats, dim int) *Tensor {
	const op = "RepeatInterleave"
	mustTensor(op, "receiver t", t)
	if repeats < 0 {
		fail(op, [][]int{t.shape}, "repeats = %d is negative (input of shape %v)", repeats, t.shape)
	}
	a := t.axis(op, dim)
	each := make([]int, t.shape[a])
	for i := range each {
		each[i] = repeats
	}
	return t.repeatEach(op, each, a)
}

// RepeatInterleaveEach returns t with slice j along dimension dim repeated
// repeats[j] times, like torch.repeat_interleave with a tensor of repeats:
// along dim, [a b c] becomes [a b b] for repeats [1 2 0]. repeats holds one
// non-negative count per slice.
func (t *Tensor) RepeatInterleaveEach(repeats []int, dim int) *Tensor {
	const op = "RepeatInterleaveEach"
	mustTensor(op, "receiver t", t)
	a := t.axis(op, dim)
	if len(repeats) != t.shape[a] {
		fail(op, [][]int{t.shape}, "%d repeats for dimension %d of size %d (input of shape %v)", len(repeats), a, t.shape[a], t.shape)
	}
	for j, r := range repeats {
		if r < 0 {
			fail(op, [][]int{t.shape}, "repeats[%d] = %d is negative (input of shape %v)", j, r, t.shape)
		}
	}
	return t.repeatEach(op, repeats, a)
}

// repeatIndex returns the positions that RepeatInterleaveEach(repeats, dim)
// picks along dim, as a 1-D index tensor for IndexSelect.
func repeatIndex(repeats []int) *Tensor {
	total := 0
	for j, r := range repeats {
		var ok bool
		if r < 0 {
			fail("RepeatInterleave", nil, "repeats[%d] = %d is negative", j, r)
		}
		if total, ok = addInts(total, r); !ok || total > maxNumel {
			fail("RepeatInterleave", nil, "repeats %v add up to more elements than a tensor holds", repeats)
		}
	}
	idx := empty("RepeatInterleave", []int{total})
	p := 0
	for j, r := range repeats {
		for range r {
			idx.st.data[p] = float64(j)
			p++
		}
	}
	return idx
}

func (t *Tensor) repeatEach(op string, repeats []int, a int) *Tensor {
	total := 0
	for _, r := range repeats {
		var ok bool
		if total, ok = addInts(total, r); !ok {
			fail(op, [][]int{t.shape}, "repeats add up to more than an int holds (input of shape %v)", t.shape)
		}
	}
	shape := append([]int(nil), t.shape...)
	shape[a] = total
	allocNumel(op, shape)
	return t.IndexSelect(a, repeatIndex(repeats))
}

// OneHot returns the one-hot encoding of t's class indices, like
// torch.nn.functional.one_hot: t holds integral values in [0, numClasses),
// and the result has t's shape with a last dimension of size numClasses,
// 1 at each index and 0 elsewhere. numClasses -1 means one more than the
// largest index in t (t must then be non-empty). It panics if an index is
// negative, not an integer or not below numClasses, or numClasses is below
// -1.
func (t *Tensor) OneHot(numClasses int) *Tensor {
	const op = "OneHot"
	mustTensor(op, "receiver t", t)
	t.live(op)
	shapes := [][]int{t.shape}
	x := t.contiguousData()
	for _, v := range x {
		if v != math.Trunc(v) || v < 0 || math.IsInf(v, 0) {
			fail(op, shapes, "class index %v is not a non-negative integer (input of shape %v)", v, t.shape)
		}
	}
	switch {
	case numClasses == -1:
		if len(x) == 0 {
			fail(op, shapes, "cannot infer the number of classes from an empty tensor of shape %v", t.shape)
		}
		m := 0.0
		for _, v := range x {
			m = max(m, v)
		}
		if m >= maxNumel {
			fail(op, shapes, "class index %v is too large for a one-hot encoding (input of shape %v)", m, t.shape)
		}
		numClasses = int(m) + 1
	case numClasses < -1:
		fail(op, shapes, "numClasses = %d must be -1 (inferred) or non-negative (input of shape %v)", numClasses, t.shape)
	}
	for _, v := range x {
		if v >= float64(numClasses) {
			fail(op, shapes, "class index %v is not below numClasses = %d (input of shape %v)", v, numClasses, t.shape)
		}
	}
	shape := append(append([]int(nil), t.shape...), numClasses)
	out := empty(op, shape)
	for i, v := range x {
		out.st.data[i*numClasses+int(v)] = 1
	}
	return out
}
