package tensor

// inferShape resolves one -1 entry in shape against n elements.
func inferShape(op string, oldShape []int, shape []int, n int) []int {
	out := append([]int(nil), shape...)
	infer := -1
	prod, zero := 1, false
	for i, d := range out {
		var ok bool
		switch {
		case d == -1 && infer < 0:
			infer = i
		case d < 0:
			fail(op, [][]int{oldShape, shape}, "invalid shape %v for a tensor of shape %v", shape, oldShape)
		case d == 0:
			zero = true
		default:
			if prod, ok = mulSize(prod, d); !ok {
				fail(op, [][]int{oldShape, shape}, overflowMsg, shape)
			}
		}
	}
	if zero {
		prod = 0
	}
	if infer >= 0 {
		if prod == 0 || n%prod != 0 {
			fail(op, [][]int{oldShape, shape}, "shape %v is invalid for a tensor of shape %v (%d elements)", shape, oldShape, n)
		}
		out[infer] = n / prod
		prod = n
	}
	if prod != n {
		fail(op, [][]int{oldShape, shape}, "shape %v is invalid for a tensor of shape %v (%d elements)", shape, oldShape, n)
	}
	return out
}

// viewStrides returns strides that let a tensor of oldShape/oldStrides be
// seen with newShape without copying, or ok=false if there are none (the
// algorithm of PyTorch's computeStride: each run of dimensions that is
// contiguous in the old layout may be split or merged freely).
func viewStrides(oldShape, oldStrides, newShape []int) (st []int, ok bool) {
	st = make([]int, len(newShape))
	n := 1
	for _, d := range oldShape {
		n *= d
	}
	if n == 0 || len(oldShape) == 0 {
		contiguousStrides(newShape, st)
		return st, true
	}
	viewD := len(newShape) - 1
	chunkBase := oldStrides[len(oldStrides)-1]
	tensorNumel, viewNumel := 1, 1
	for d := len(oldShape) - 1; d >= 0; d-- {
		tensorNumel *= oldShape[d]
		if d == 0 || (oldShape[d-1] != 1 && oldStrides[d-1] != tensorNumel*chunkBase) {
			for viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] == 1) {
				st[viewD] = viewNumel * chunkBase
				viewNumel *= newShape[viewD]
				viewD--
			}
			if viewNumel != tensorNumel {
				return nil, false
			}
			if d > 0 {
				chunkBase = oldStrides[d-1]
				tensorNumel, viewNumel = 1, 1
			}
		}
	}
	if viewD != -1 {
		return nil, false
	}
	return st, true
}

// View returns a tensor with the given shape over the same storage. One
// dimension may be -1 and is inferred. It panics if the elements cannot be
// seen in that shape without copying (use Reshape, which copies then).
func (t *Tensor) View(shape ...int) *Tensor {
	mustTensor("View", "receiver t", t)
	ns := inferShape("View", t.shape, shape, t.Numel())
	st, ok := viewStrides(t.shape, t.strides, ns)
	if !ok {
		fail("View", [][]int{t.shape, ns}, "cannot view a tensor of shape %v with strides %v as %v without copying; use Reshape", t.shape, t.strides, ns)
	}
	return t.sharedView(t.off, ns, st)
}

// Reshape returns a tensor with the given shape and t's elements in
// row-major order: a view when the strides allow one, else a copy. One
// dimension may be -1 and is inferred.
func (t *Tensor) Reshape(shape ...int) *Tensor {
	mustTensor("Reshape", "receiver t", t)
	return t.reshape(inferShape("Reshape", t.shape, shape, t.Numel()), true)
}

// reshape is Reshape to the shape ns: a view when the strides allow one,
// marked shared when share (an internal view, unmarked, must not outlive
// the operation that took it), else a copy.
func (t *Tensor) reshape(ns []int, share bool) *Tensor {
	if st, ok := viewStrides(t.shape, t.strides, ns); ok {
		if share {
			t.share()
		}
		return t.view(t.off, ns, st)
	}
	c := t.Clone()
	st, _ := viewStrides(c.shape, c.strides, ns)
	return c.view(0, ns, st)
}

// Flatten returns t as a 1-D tensor (a view when possible).
func (t *Tensor) Flatten() *Tensor { return t.Reshape(-1) }

// Transpose returns a view with dimensions d0 and d1 swapped.
func (t *Tensor) Transpose(d0, d1 int) *Tensor {
	a, b := t.axis("Transpose", d0), t.axis("Transpose", d1)
	shape, st := shapeAndStrides(len(t.shape))
	copy(shape, t.shape)
	copy(st, t.strides)
	shape[a], shape[b] = shape[b], shape[a]
	st[a], st[b] = st[b], st[a]
	return t.sharedView(t.off, shape, st)
}

// Permute returns a view whose dimension i is t's dimension dims[i]. dims
// must name every dimension once; negative entries count from the end.
func (t *Tensor) Permute(dims ...int) *Tensor {
	mustTensor("Permute", "receiver t", t)
	if len(dims) != len(t.shape) {
		fail("Permute", [][]int{t.shape}, "permutation %v does not match %d dimensions of shape %v", dims, len(t.shape), t.shape)
	}
	seen := make([]bool, len(dims))
	shape, st := shapeAndStrides(len(t.shape))
	for i, d := range dims {
		a := t.axis("Permute", d)
		if seen[a] {
			fail("Permute", [][]int{t.shape}, "permutation %v repeats dimension %d of shape %v", dims, d, t.shape)
		}
		seen[a] = true
		shape[i], st[i] = t.shape[a], t.strides[a]
	}
	return t.sharedView(t.off, shape, st)
}

// Slice returns a view of the elements start <= i < end along dimension
// dim. Negative start and end count from the end of the dimension.
func (t *Tensor) Slice(dim, start, end int) *Tensor {
	a := t.axis("Slice", dim)
	size := t.shape[a]
	s, e := start, end
	if s < 0 {
		s += size
	}
	if e < 0 {
		e += size
	}
	if s < 0 || e > size || s > e {
		fail("Slice", [][]int{t.shape}, "range [%d, %d) out of bounds for dimension %d of shape %v", start, end, dim, t.shape)
	}
	shape, st := shapeAndStrides(len(t.shape))
	copy(shape, t.shape)
	copy(st, t.strides)
	shape[a] = e - s
	return t.sharedView(t.off+s*t.strides[a], shape, st)
}

// Select returns a view of index i along dimension dim, with that dimension
// removed. A negative i counts from the end.
func (t *Tensor) Select(dim, i int) *Tensor {
	a := t.axis("Select", dim)
	size := t.shape[a]
	j := i
	if j < 0 {
		j += size
	}
	if j < 0 || j >= size {
		fail("Select", [][]int{t.shape}, "index %d out of range for dimension %d of shape %v", i, dim, t.shape)
	}
	shape, st := shapeAndStrides(len(t.shape) - 1)
	copy(shape, t.shape[:a])
	copy(shape[a:], t.shape[a+1:])
	copy(st, t.strides[:a])
	copy(st[a:], t.strides[a+1:])
	return t.sharedView(t.off+j*t.strides[a], shape, st)
}

// Expand returns a view of t broadcast to shape without copying: dimensions
// of size 1 are repeated (stride 0) and new leading dimensions are added.
// An entry of -1 keeps t's size.
func (t *Tensor) Expand(shape ...int) *Tensor {
	mustTensor("Expand", "receiver t", t)
	v := t.expand(shape)
	t.share()
	return v
}

// expand is Expand without marking the storage shared, for views that do
// not outlive the caller.
func (t *Tensor) expand(shape []int) *Tensor {
	nd, od := len(shape), len(t.shape)
	if nd < od {
		fail("Expand", [][]int{t.shape, shape}, "cannot expand shape %v to %v: fewer dimensions", t.shape, shape)
	}
	ns, st := shapeAndStrides(nd)
	lead := nd - od
	for i := 0; i < nd; i++ {
		d := shape[i]
		if i < lead {
			if d < 0 {
				fail("Expand", [][]int{t.shape, shape}, "cannot expand shape %v to %v: size %d in a new leading dimension", t.shape, shape, d)
			}
			ns[i], st[i] = d, 0
			continue
		}
		od := t.shape[i-lead]
		switch {
		case d == -1 || d == od:
			ns[i], st[i] = od, t.strides[i-lead]
		case od == 1 && d >= 0:
			ns[i], st[i] = d, 0
		default:
			fail("Expand", [][]int{t.shape, shape}, "cannot expand shape %v to %v", t.shape, shape)
		}
	}
	numelOf("Expand", ns)
	return t.view(t.off, ns, st)
}

// Squeeze returns a view without the given dimensions of size 1; with no
// dims, without every dimension of size 1. Named dimensions whose size is not
// 1 are left in place, as PyTorch does.
func (t *Tensor) Squeeze(dims ...int) *Tensor {
	mustTensor("Squeeze", "receiver t", t)
	drop := make([]bool, len(t.shape))
	if len(dims) == 0 {
		for i, d := range t.shape {
			drop[i] = d == 1
		}
	}
	for _, d := range dims {
		a := t.axis("Squeeze", d)
		drop[a] = t.shape[a] == 1
	}
	n := 0
	for _, dr := range drop {
		if !dr {
			n++
		}
	}
	shape, st := shapeAndStrides(n)
	j := 0
	for i, dr := range drop {
		if !dr {
			shape[j], st[j] = t.shape[i], t.strides[i]
			j++
		}
	}
	return t.sharedView(t.off, shape, st)
}

// Unsqueeze returns a view with a dimension of size 1 inserted at position
// dim (0 <= dim <= Dim(); negative counts from the end, -1 appends).
func (t *Tensor) Unsqueeze(dim int) *Tensor {
	mustTensor("Unsqueeze", "receiver t", t)
	nd := len(t.shape) + 1
	a := axisOf("Unsqueeze", t.shape, dim, nd)
	shape, st := shapeAndStrides(nd)
	copy(shape, t.shape[:a])
	copy(st, t.strides[:a])
	shape[a] = 1
	if a < len(t.shape) {
		st[a] = t.strides[a] * t.shape[a]
	} else {
		st[a] = 1
	}
	copy(shape[a+1:], t.shape[a:])
	copy(st[a+1:], t.strides[a:])
	return t.sharedView(t.off, shape, st)
}

// Contiguous returns t if it is contiguous, else a contiguous copy.
func (t *Tensor) Contiguous() *Tensor {
	t.live("Contiguous")
	if t.contig {
		return t
	}
	return t.Clone()
}

// Clone returns a contiguous copy of t with its own storage.
func (t *Tensor) Clone() *Tensor {
	t.live("Clone")
	c := uninit("Clone", t.shape)
	if t.contig {
		copy(c.st.data, t.flat())
	} else {
		copyStrided(c.st.data, t)
	}
	return c
}
