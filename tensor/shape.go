package tensor

import (
	"fmt"
	"math"
	"strings"

	"github.com/adjoint-go/adjoint/kernels"
)

// Shape and indexing operations that copy: joining (Cat, Stack), splitting
// into views (Split, Chunk), selecting by an index tensor (IndexSelect,
// Gather) and its adjoints (IndexAdd, ScatterAdd), MaskedFill and Pad.
//
// Index tensors hold integral float64 values (adjoint has no integer
// tensors); every index is checked to be an integer in range before it is
// used, and a bad one panics with an *Error naming the operation and the
// shapes.

// shapeList writes shapes as "[2 3], [2 4]" for error messages.
func shapeList(shapes [][]int) string {
	var b strings.Builder
	for i, s := range shapes {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprint(&b, s)
	}
	return b.String()
}

// axisIn resolves a possibly negative dimension d of an ndim-dimensional
// operand, panicking with an *Error naming every shape of the operation.
func axisIn(op string, shapes [][]int, d, ndim int) int {
	if d < -ndim || d >= ndim {
		if ndim == 0 {
			fail(op, shapes, "dimension %d out of range: a 0-d tensor has no dimensions (shapes %s)", d, shapeList(shapes))
		}
		fail(op, shapes, "dimension %d out of range [%d, %d] (shapes %s)", d, -ndim, ndim-1, shapeList(shapes))
	}
	if d < 0 {
		d += ndim
	}
	return d
}

func prod(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// copyOf returns a contiguous copy of t. A tensor broadcast from a single
// value (every stride 0, such as Scalar(0).Expand(shape...), which package
// autograd uses as the zero base of IndexAdd and ScatterAdd in backward)
// is filled rather than copied, which for zero costs only the allocation.
func copyOf(op string, t *Tensor) *Tensor {
	for _, s := range t.strides {
		if s != 0 {
			return t.Clone()
		}
	}
	out := empty(op, t.shape)
	if len(out.st.data) > 0 {
		if v := t.st.data[t.off]; v != 0 || math.Signbit(v) {
			kernels.Fill(out.st.data, v)
		}
	}
	return out
}

// badIndex panics for an index value that is not an integer in [0, size).
func badIndex(op string, shapes [][]int, v float64, size, dim int) {
	if k := int(v); float64(k) != v {
		fail(op, shapes, "index %v is not an integer (shapes %s)", v, shapeList(shapes))
	}
	fail(op, shapes, "index %v out of range [0, %d) for dimension %d (shapes %s)", v, size, dim, shapeList(shapes))
}

// indexList reads a 0-d or 1-D index tensor into ints, checking that every
// value is an integer in [0, size).
func indexList(op string, shapes [][]int, index *Tensor, size, dim int) []int {
	if len(index.shape) > 1 {
		fail(op, shapes, "index of shape %v must be 1-D (or 0-d) (shapes %s)", index.shape, shapeList(shapes))
	}
	vals := index.contiguousData()
	out := make([]int, len(vals))
	for i, v := range vals {
		k := int(v)
		if float64(k) != v || k < 0 || k >= size {
			badIndex(op, shapes, v, size, dim)
		}
		out[i] = k
	}
	return out
}

// catRows copies a contiguous t into out's storage, which is seen as outer
// rows of row elements: t supplies run elements of every row, from column
// col on.
func catRows(od []float64, outer, row, col, run int, t *Tensor) {
	src := t.flat()
	for o, p := 0, col; o < outer; o, p = o+1, p+row {
		copy(od[p:p+run], src[o*run:(o+1)*run])
	}
}

// Cat returns the concatenation of ts along dimension dim (negative counts
// from the end), like torch.cat. Every tensor must have the same number of
// dimensions, at least one, and the same size in every dimension but dim;
// empty tensors (size 0 along dim) take part like any other. PyTorch's
// legacy exception that lets a 1-D tensor of shape [0] join tensors of any
// shape is not implemented: it panics here, as a shape mismatch. It panics
// with an *Error naming every shape if ts is empty, holds a 0-d tensor, or
// the shapes do not fit.
func Cat(ts []*Tensor, dim int) *Tensor {
	const op = "Cat"
	if len(ts) == 0 {
		fail(op, nil, "expected a non-empty list of tensors")
	}
	mustTensorList(op, ts)
	shapes := make([][]int, len(ts))
	for i, t := range ts {
		shapes[i] = t.shape
	}
	nd := len(ts[0].shape)
	for i, t := range ts {
		if len(t.shape) == 0 {
			fail(op, shapes, "zero-dimensional tensor (at position %d) cannot be concatenated (shapes %s)", i, shapeList(shapes))
		}
		if len(t.shape) != nd {
			fail(op, shapes, "tensors must have the same number of dimensions: %d at position 0, %d at position %d (shapes %s)", nd, len(t.shape), i, shapeList(shapes))
		}
	}
	a := axisIn(op, shapes, dim, nd)
	shape := append([]int(nil), ts[0].shape...)
	shape[a] = 0
	for i, t := range ts {
		for d, n := range t.shape {
			if d != a && n != shape[d] {
				fail(op, shapes, "sizes must match except in dimension %d: size %d at position 0 but %d at position %d in dimension %d (shapes %s)",
					a, shape[d], n, i, d, shapeList(shapes))
			}
		}
		n, ok := addInts(shape[a], t.shape[a])
		if !ok {
			fail(op, shapes, "the total size in dimension %d overflows int (shapes %s)", a, shapeList(shapes))
		}
		shape[a] = n
	}
	out := empty(op, shape)
	outer, inner := prod(shape[:a]), prod(shape[a+1:])
	row, start := shape[a]*inner, 0
	for _, t := range ts {
		n := t.shape[a]
		if run := n * inner; run > 0 && outer > 0 {
			if t.contig {
				catRows(out.st.data, outer, row, start*inner, run, t)
			} else {
				assign(out.Slice(a, start, start+n), t)
			}
		}
		start += n
	}
	return out.unshared()
}

// Stack returns ts joined along a new dimension dim, like torch.stack: the
// result has one more dimension than the inputs, and index i along dim is
// ts[i]. dim ranges over [-(Dim()+1), Dim()]; -1 appends the new dimension.
// Every tensor must have the same shape (0-d tensors stack into a 1-D one).
// It panics with an *Error naming every shape if ts is empty or the shapes
// differ.
func Stack(ts []*Tensor, dim int) *Tensor {
	const op = "Stack"
	if len(ts) == 0 {
		fail(op, nil, "expected a non-empty list of tensors")
	}
	mustTensorList(op, ts)
	shapes := make([][]int, len(ts))
	for i, t := range ts {
		shapes[i] = t.shape
	}
	for i, t := range ts {
		if !sameShape(t.shape, ts[0].shape) {
			fail(op, shapes, "all tensors must have the same shape: %v at position 0, %v at position %d (shapes %s)",
				ts[0].shape, t.shape, i, shapeList(shapes))
		}
	}
	in := ts[0].shape
	a := axisIn(op, shapes, dim, len(in)+1)
	shape := make([]int, 0, len(in)+1)
	shape = append(append(append(shape, in[:a]...), len(ts)), in[a:]...)
	out := empty(op, shape)
	outer, run := prod(in[:a]), prod(in[a:])
	if run == 0 {
		return out
	}
	for i, t := range ts {
		if t.contig {
			catRows(out.st.data, outer, len(ts)*run, i*run, run, t)
		} else {
			assign(out.Select(a, i), t)
		}
	}
	return out.unshared()
}

// Split returns views of t in pieces of size elements along dim, the last
// one smaller if size does not divide the dimension, like torch.split with
// an integer split size. A dimension of length 0 gives one empty piece. It
// panics if size is not positive (0 is allowed only for an empty
// dimension).
func (t *Tensor) Split(size, dim int) []*Tensor {
	a := t.axis("Split", dim)
	n := t.shape[a]
	if size < 0 || (size == 0 && n > 0) {
		fail("Split", [][]int{t.shape}, "split size %d must be positive for dimension %d of shape %v", size, dim, t.shape)
	}
	if n == 0 {
		return []*Tensor{t.Slice(a, 0, 0)}
	}
	out := make([]*Tensor, 0, (n+size-1)/size)
	for s := 0; s < n; s += size {
		out = append(out, t.Slice(a, s, min(s+size, n)))
	}
	return out
}

// Chunk splits t into views along dim, like torch.chunk: pieces of
// ceil(len/n) elements, the last one smaller, so that it may return fewer
// than n pieces (a dimension of 5 in 4 chunks gives sizes 2, 2, 1). A
// dimension of length 0 gives n empty pieces. It panics if n is not
// positive.
func (t *Tensor) Chunk(n, dim int) []*Tensor {
	a := t.axis("Chunk", dim)
	if n <= 0 {
		fail("Chunk", [][]int{t.shape}, "number of chunks %d must be positive for shape %v", n, t.shape)
	}
	size := t.shape[a]
	if size == 0 {
		out := make([]*Tensor, n)
		for i := range out {
			out[i] = t.Slice(a, 0, 0)
		}
		return out
	}
	return t.Split((size+n-1)/n, a)
}

// IndexSelect returns the entries of t at the given positions along dim,
// like torch.index_select: the result has t's shape with dimension dim
// replaced by len(index), and slice j along dim is t's slice index[j]. index
// is a 1-D (or 0-d) tensor of integral values in [0, t.Size(dim));
// negative values are an error, as in PyTorch. Positions may repeat. An
// empty index gives an empty result. With dim 0 on a [vocab, width] table
// it is an embedding lookup.
func (t *Tensor) IndexSelect(dim int, index *Tensor) *Tensor {
	const op = "IndexSelect"
	mustTensor(op, "receiver t", t)
	mustTensor(op, "index", index)
	shapes := [][]int{t.shape, index.shape}
	a := axisIn(op, shapes, dim, len(t.shape))
	size := t.shape[a]
	idx := indexList(op, shapes, index, size, a)
	shape := append([]int(nil), t.shape...)
	shape[a] = len(idx)
	out := empty(op, shape)
	outer, inner := prod(shape[:a]), prod(shape[a+1:])
	if len(out.st.data) == 0 {
		return out
	}
	if !t.contig {
		for j, k := range idx {
			assign(out.Select(a, j), t.Select(a, k))
		}
		return out.unshared()
	}
	od, src := out.st.data, t.flat()
	p := 0
	for o := 0; o < outer; o++ {
		base := o * size * inner
		if inner == 1 {
			for _, k := range idx {
				od[p] = src[base+k]
				p++
			}
			continue
		}
		for _, k := range idx {
			s := base + k*inner
			copy(od[p:p+inner], src[s:s+inner])
			p += inner
		}
	}
	return out
}

// IndexAdd returns a copy of t with the slices of src added at the given
// positions along dim, like the out-of-place torch.index_add: slice j of src
// along dim is added to slice index[j] of the result, and repeated
// positions accumulate (in index order, so the result is deterministic). src
// has t's shape except that its size along dim is len(index); index is 1-D
// (or 0-d) with integral values in [0, t.Size(dim)). It is the adjoint of
// IndexSelect, whose gradient it computes.
func (t *Tensor) IndexAdd(dim int, index, src *Tensor) *Tensor {
	const op = "IndexAdd"
	mustTensor(op, "receiver t", t)
	mustTensor(op, "index", index)
	mustTensor(op, "argument src", src)
	shapes := [][]int{t.shape, index.shape, src.shape}
	a := axisIn(op, shapes, dim, len(t.shape))
	if len(index.shape) > 1 {
		fail(op, shapes, "index of shape %v must be 1-D (or 0-d) (shapes %s)", index.shape, shapeList(shapes))
	}
	if len(src.shape) != len(t.shape) {
		fail(op, shapes, "source of shape %v must have as many dimensions as the input of shape %v", src.shape, t.shape)
	}
	for d, n := range src.shape {
		if d == a && n != index.Numel() {
			fail(op, shapes, "source of shape %v has %d slices along dimension %d but the index of shape %v has %d entries",
				src.shape, n, a, index.shape, index.Numel())
		}
		if d != a && n != t.shape[d] {
			fail(op, shapes, "source of shape %v does not match the input of shape %v in dimension %d", src.shape, t.shape, d)
		}
	}
	size := t.shape[a]
	idx := indexList(op, shapes, index, size, a)
	out := copyOf(op, t)
	outer, inner := prod(t.shape[:a]), prod(t.shape[a+1:])
	if len(idx) == 0 || outer == 0 || inner == 0 {
		return out
	}
	od, sd := out.st.data, src.contiguousData()
	q := 0
	for o := 0; o < outer; o++ {
		base := o * size * inner
		for _, k := range idx {
			d := od[base+k*inner : base+(k+1)*inner]
			s := sd[q : q+inner]
			if inner < 16 {
				for i := range d {
					d[i] += s[i]
				}
			} else {
				kernels.Add(d, d, s)
			}
			q += inner
		}
	}
	return out
}

// checkIndexShape checks the shape rules Gather and ScatterAdd share with
// PyTorch: index has as many dimensions as t, and is no larger than t in
// every dimension but a (nor than src, if given, in any).
func checkIndexShape(op string, shapes [][]int, t, index, src *Tensor, dim int) int {
	if len(index.shape) != len(t.shape) {
		fail(op, shapes, "index of shape %v must have as many dimensions as the input of shape %v", index.shape, t.shape)
	}
	if src != nil && len(src.shape) != len(t.shape) {
		fail(op, shapes, "source of shape %v must have as many dimensions as the input of shape %v", src.shape, t.shape)
	}
	a := axisIn(op, shapes, dim, len(t.shape))
	for d, n := range index.shape {
		if d != a && n > t.shape[d] {
			fail(op, shapes, "index of shape %v is larger than the input of shape %v in dimension %d", index.shape, t.shape, d)
		}
		if src != nil && n > src.shape[d] {
			fail(op, shapes, "index of shape %v is larger than the source of shape %v in dimension %d", index.shape, src.shape, d)
		}
	}
	return a
}

// denseIndex reports whether Gather or ScatterAdd can take plain loops:
// t, index (and src, if given) contiguous, index the same size as t in
// every dimension but a, and src the same shape as index. It returns the
// number of rows before a and the length of the runs after it.
func denseIndex(t, index, src *Tensor, a int) (outer, inner int, ok bool) {
	if !t.contig || !index.contig || (src != nil && !(src.contig && sameShape(src.shape, index.shape))) {
		return 0, 0, false
	}
	for d, n := range index.shape {
		if d != a && n != t.shape[d] {
			return 0, 0, false
		}
	}
	return prod(t.shape[:a]), prod(t.shape[a+1:]), true
}

// Gather returns the values of t picked along dim by index, like
// torch.gather: the result has index's shape, and for a 3-D t with dim 1
//
//	out[i][j][k] = t[i][index[i][j][k]][k]
//
// index has as many dimensions as t and index.Size(d) <= t.Size(d) for
// every d != dim; its values are integers in [0, t.Size(dim)) (negative
// values are an error, as in PyTorch). 0-d tensors are not supported.
// Picking the target class's log-probability in a cross-entropy is
// logp.Gather(1, targets.Unsqueeze(1)).
func (t *Tensor) Gather(dim int, index *Tensor) *Tensor {
	const op = "Gather"
	mustTensor(op, "receiver t", t)
	mustTensor(op, "index", index)
	shapes := [][]int{t.shape, index.shape}
	a := checkIndexShape(op, shapes, t, index, nil, dim)
	out := empty(op, index.shape)
	if len(out.st.data) == 0 {
		return out
	}
	size := t.shape[a]
	if outer, inner, ok := denseIndex(t, index, nil, a); ok {
		// The common case (a cross-entropy's pick): plain loops over
		// contiguous data, rows of t and index matching outside dim.
		od, id, td := out.st.data, index.flat(), t.flat()
		k := index.shape[a]
		if inner == 1 { // picking along the last dimension
			for o := 0; o < outer; o++ {
				row, ix, dst := td[o*size:(o+1)*size], id[o*k:(o+1)*k], od[o*k:(o+1)*k]
				for j, v := range ix {
					x := int(v)
					if float64(x) != v || uint(x) >= uint(len(row)) {
						badIndex(op, shapes, v, size, a)
					}
					dst[j] = row[x]
				}
			}
			return out
		}
		for o, p := 0, 0; o < outer; o++ {
			base := o * size * inner
			for j := 0; j < k; j++ {
				for i := 0; i < inner; i, p = i+1, p+1 {
					v := id[p]
					x := int(v)
					if float64(x) != v || x < 0 || x >= size {
						badIndex(op, shapes, v, size, a)
					}
					od[p] = td[base+x*inner+i]
				}
			}
		}
		return out
	}
	// Walk the index; t's offset covers every dimension but a, whose
	// position the index value supplies.
	tst := append([]int(nil), t.strides...)
	tst[a] = 0
	l := newLayout(index.shape, out.strides, index.strides, tst)
	n, inc := l.inner()
	od, id, td := out.st.data, index.st.data, t.st.data
	sa := t.strides[a]
	l.rows([3]int{0, index.off, t.off}, func(off [3]int) {
		for i, p, q, r := 0, off[0], off[1], off[2]; i < n; i, p, q, r = i+1, p+inc[0], q+inc[1], r+inc[2] {
			v := id[q]
			k := int(v)
			if float64(k) != v || k < 0 || k >= size {
				badIndex(op, shapes, v, size, a)
			}
			od[p] = td[r+k*sa]
		}
	})
	return out
}

// ScatterAdd returns a copy of t with the values of src added at the
// positions index names along dim, like the out-of-place
// torch.scatter_add: for a 3-D t with dim 1
//
//	out[i][index[i][j][k]][k] += src[i][j][k]
//
// for every position of index; repeated positions accumulate, in row-major
// order of index. t, index and src have the same number of dimensions,
// index.Size(d) <= src.Size(d) for every d and index.Size(d) <= t.Size(d)
// for d != dim; only the part of src that index covers is used. Index values
// are integers in [0, t.Size(dim)) (negative values are an error). It is the
// adjoint of Gather, whose gradient it computes.
func (t *Tensor) ScatterAdd(dim int, index, src *Tensor) *Tensor {
	const op = "ScatterAdd"
	mustTensor(op, "receiver t", t)
	mustTensor(op, "index", index)
	mustTensor(op, "argument src", src)
	shapes := [][]int{t.shape, index.shape, src.shape}
	a := checkIndexShape(op, shapes, t, index, src, dim)
	out := copyOf(op, t)
	if index.Numel() == 0 {
		return out
	}
	size := t.shape[a]
	if outer, inner, ok := denseIndex(t, index, src, a); ok {
		od, id, sd := out.st.data, index.flat(), src.flat()
		k := index.shape[a]
		for o, p := 0, 0; o < outer; o++ {
			base := o * size * inner
			for j := 0; j < k; j++ {
				for i := 0; i < inner; i, p = i+1, p+1 {
					v := id[p]
					x := int(v)
					if float64(x) != v || x < 0 || x >= size {
						badIndex(op, shapes, v, size, a)
					}
					od[base+x*inner+i] += sd[p]
				}
			}
		}
		return out
	}
	ost := append([]int(nil), out.strides...)
	ost[a] = 0
	l := newLayout(index.shape, ost, index.strides, src.strides)
	n, inc := l.inner()
	od, id, sd := out.st.data, index.st.data, src.st.data
	sa := out.strides[a]
	l.rows([3]int{0, index.off, src.off}, func(off [3]int) {
		for i, p, q, r := 0, off[0], off[1], off[2]; i < n; i, p, q, r = i+1, p+inc[0], q+inc[1], r+inc[2] {
			v := id[q]
			k := int(v)
			if float64(k) != v || k < 0 || k >= size {
				badIndex(op, shapes, v, size, a)
			}
			od[p+k*sa] += sd[r]
		}
	})
	return out
}

// MaskedFill returns a copy of t with value wherever mask is nonzero (NaN
// counts as nonzero), like the out-of-place torch.masked_fill. mask
// broadcasts with t; the result has the broadcast shape (t's own shape when
// mask broadcasts to it, the usual case).
func (t *Tensor) MaskedFill(mask *Tensor, value float64) *Tensor {
	mustTensor("MaskedFill", "receiver t", t)
	mustTensor("MaskedFill", "mask", mask)
	k := &binaryKernels{
		name: "MaskedFill",
		f: func(x, m float64) float64 {
			if m != 0 {
				return value
			}
			return x
		},
		vv: func(dst, x, m []float64) {
			x, m = x[:len(dst)], m[:len(dst)]
			for i := range dst {
				if m[i] != 0 {
					dst[i] = value
				} else {
					dst[i] = x[i]
				}
			}
		},
		vs: func(dst, x []float64, m float64) {
			if m != 0 {
				kernels.Fill(dst, value)
			} else {
				copy(dst, x)
			}
		},
		strided: func(n int, dst []float64, incDst int, x []float64, incX int, m []float64, incM int) {
			for i, d, p, q := 0, 0, 0, 0; i < n; i, d, p, q = i+1, d+incDst, p+incX, q+incM {
				if m[q] != 0 {
					dst[d] = value
				} else {
					dst[d] = x[p]
				}
			}
		},
	}
	return binary(k, t, mask)
}

// Pad returns t padded with value, like torch.nn.functional.pad in
// "constant" mode. pads lists (before, after) pairs starting from the last
// dimension: {1, 2} pads the last dimension with one value before and two
// after; {1, 2, 0, 3} also pads the one before it with three after. At most
// Dim() pairs may be given. Negative padding crops, as in PyTorch; a
// dimension may shrink to 0 but not below. The result is a new contiguous
// tensor (a copy of t when pads is empty).
func (t *Tensor) Pad(pads []int, value float64) *Tensor {
	const op = "Pad"
	mustTensor(op, "receiver t", t)
	nd := len(t.shape)
	if len(pads)%2 != 0 {
		fail(op, [][]int{t.shape}, "padding %v must have an even length, (before, after) pairs from the last dimension, for shape %v", pads, t.shape)
	}
	if len(pads)/2 > nd {
		fail(op, [][]int{t.shape}, "padding %v names %d dimensions but shape %v has %d", pads, len(pads)/2, t.shape, nd)
	}
	shape := append([]int(nil), t.shape...)
	start := make([]int, nd) // where src goes in the result
	src := t
	for i := 0; i < len(pads)/2; i++ {
		d := nd - 1 - i
		lo, hi := pads[2*i], pads[2*i+1]
		size := t.shape[d]
		n, ok := padded(size, lo, hi)
		if !ok {
			fail(op, [][]int{t.shape}, "padding (%d, %d) of dimension %d of shape %v overflows int", lo, hi, d, t.shape)
		}
		if n < 0 {
			fail(op, [][]int{t.shape}, "padding (%d, %d) leaves dimension %d of shape %v with negative size %d", lo, hi, d, t.shape, n)
		}
		shape[d] = n
		// Crop [s, e) of t's elements: -lo from the front and -hi from the
		// back where negative (without negating math.MinInt).
		s, e := 0, size
		if lo < 0 {
			s = size
			if lo > -size {
				s = -lo
			}
		}
		if hi < 0 {
			e = 0
			if hi > -size {
				e = size + hi
			}
		}
		e = max(e, s)
		src = src.Slice(d, s, e)
		start[d] = min(max(lo, 0), n)
	}
	out := empty(op, shape)
	if value != 0 || math.Signbit(value) {
		kernels.Fill(out.st.data, value)
	}
	if src.Numel() == 0 {
		return out
	}
	dst := out
	for d := range shape {
		if d >= nd-len(pads)/2 {
			dst = dst.Slice(d, start[d], start[d]+src.shape[d])
		}
	}
	assign(dst, src)
	return out.unshared()
}
