package autograd

import "github.com/adjoint-go/adjoint/tensor"

// Every backward formula below starts from the incoming gradient g and uses
// only differentiable operations, so it records a graph exactly when g does
// (create-graph mode) and is plain arithmetic otherwise. Broadcasting is
// undone in one place, sumTo; no operation repeats it.

// sumTo sums g down to like's shape (see tensor.SumTo). Its gradient
// is the expansion back, and Expand's gradient is sumTo, so each is the
// other's backward.
func (g *Tensor) sumTo(like meta) *Tensor {
	if g.v.SameShape(like.v) {
		return g
	}
	return wrap1(g.v.SumTo(like.shape()...), "SumTo", sumToBackward, g)
}

func sumToBackward(c call, g *Tensor, grads []*Tensor) {
	grads[0] = g.Expand(c.meta(0).shape()...)
}

// Add returns t + u elementwise, with NumPy broadcasting.
func (t *Tensor) Add(u *Tensor) *Tensor {
	if x, y, ok := scalars(t.v, arg("Add", "the other operand", u)); ok {
		return record2(scalarNode(x+y), "Add", addBackward, t, u)
	}
	return wrap2(t.v.Add(arg("Add", "the other operand", u)), "Add", addBackward, t, u)
}

func addBackward(c call, g *Tensor, grads []*Tensor) {
	if c.needs(0) {
		grads[0] = g.sumTo(c.meta(0))
	}
	if c.needs(1) {
		grads[1] = g.sumTo(c.meta(1))
	}
}

// Sub returns t - u elementwise, with broadcasting.
func (t *Tensor) Sub(u *Tensor) *Tensor {
	if x, y, ok := scalars(t.v, arg("Sub", "the other operand", u)); ok {
		return record2(scalarNode(x-y), "Sub", subBackward, t, u)
	}
	return wrap2(t.v.Sub(arg("Sub", "the other operand", u)), "Sub", subBackward, t, u)
}

func subBackward(c call, g *Tensor, grads []*Tensor) {
	if c.needs(0) {
		grads[0] = g.sumTo(c.meta(0))
	}
	if c.needs(1) {
		grads[1] = g.Neg().sumTo(c.meta(1))
	}
}

// Mul returns t * u elementwise, with broadcasting.
func (t *Tensor) Mul(u *Tensor) *Tensor {
	if x, y, ok := scalars(t.v, arg("Mul", "the other operand", u)); ok {
		return record2(scalarNode(x*y), "Mul", mulBackward, t, u)
	}
	return wrap2(t.v.Mul(arg("Mul", "the other operand", u)), "Mul", mulBackward, t, u)
}

func mulBackward(c call, g *Tensor, grads []*Tensor) {
	a, b := c.input(0), c.input(1)
	if a.requiresGrad && !addProductInto(c.gradBuffer(0), g, b) {
		grads[0] = g.Mul(b).sumTo(metaOf(a))
	}
	if b.requiresGrad && !addProductInto(c.gradBuffer(1), g, a) {
		grads[1] = g.Mul(a).sumTo(metaOf(b))
	}
}

// addProductInto adds g·x into dst, a leaf's gradient buffer offered by
// gradBuffer, when all three are 0-d, and reports whether it did: the sum
// that accumulating the product would make (the product rounded, then
// added), without a tensor for the product.
func addProductInto(dst *tensor.Tensor, g, x *Tensor) bool {
	return gradBufferFree(dst, g, x) && dst.Dim() == 0 && tops.AddProduct0(dst, g.v, x.v)
}

// Div returns t / u elementwise, with broadcasting and IEEE semantics.
func (t *Tensor) Div(u *Tensor) *Tensor {
	if x, y, ok := scalars(t.v, arg("Div", "the other operand", u)); ok {
		return record2(scalarNode(x/y), "Div", divBackward, t, u)
	}
	return wrap2(t.v.Div(arg("Div", "the other operand", u)), "Div", divBackward, t, u)
}

func divBackward(c call, g *Tensor, grads []*Tensor) {
	a, b := c.input(0), c.input(1)
	if a.requiresGrad {
		grads[0] = g.Div(b).sumTo(metaOf(a))
	}
	if b.requiresGrad {
		// d(a/b)/db = -a/b² = -(a/b)/b
		grads[1] = g.Mul(a).Div(b).Div(b).Neg().sumTo(metaOf(b))
	}
}

// Neg returns -t.
func (t *Tensor) Neg() *Tensor {
	if x, ok := scalar(t.v); ok {
		return record1(scalarNode(-x), "Neg", negBackward, t)
	}
	return wrap1(t.v.Neg(), "Neg", negBackward, t)
}

func negBackward(_ call, g *Tensor, grads []*Tensor) { grads[0] = g.Neg() }

// AddScalar returns t + s.
func (t *Tensor) AddScalar(s float64) *Tensor {
	if x, ok := scalar(t.v); ok {
		return record1(scalarNode(x+s), "AddScalar", identityBackward, t)
	}
	return wrap1(t.v.AddScalar(s), "AddScalar", identityBackward, t)
}

func identityBackward(_ call, g *Tensor, grads []*Tensor) { grads[0] = g }

// MulScalar returns t * s.
func (t *Tensor) MulScalar(s float64) *Tensor {
	bw := func(_ call, g *Tensor, grads []*Tensor) { grads[0] = g.MulScalar(s) }
	if x, ok := scalar(t.v); ok {
		return record1(scalarNode(x*s), "MulScalar", bw, t)
	}
	return wrap1(t.v.MulScalar(s), "MulScalar", bw, t)
}

// Reshape returns t with the given shape (one entry may be -1): a view when
// the layout allows, a copy otherwise. See tensor.Reshape.
func (t *Tensor) Reshape(shape ...int) *Tensor {
	return wrap1(viewed(t, tops.ViewState(t.v), t.v.Reshape(shape...)), "Reshape", reshapeBackward, t)
}

// viewed returns v, a view of t's value that a view op has just taken
// with a tensor view method, once package tensor knows that the view is
// autograd's (see bridge's MarkViewed): the storage can then still go back
// to the pool when backward frees the value that owns it, if that value is
// Transient (see apply). before is the storage's state read before the
// view; call it as viewed(t, tops.ViewState(t.v), t.v.View(...)), whose
// arguments Go evaluates from left to right.
func viewed(t *Tensor, before uint32, v *tensor.Tensor) *tensor.Tensor {
	tops.MarkViewed(t.v, before)
	return v
}

func reshapeBackward(c call, g *Tensor, grads []*Tensor) {
	grads[0] = g.Reshape(c.meta(0).shape()...)
}

// View returns t with the given shape as a view, panicking if the layout
// does not allow one. See tensor.View.
func (t *Tensor) View(shape ...int) *Tensor {
	return wrap1(viewed(t, tops.ViewState(t.v), t.v.View(shape...)), "View", reshapeBackward, t)
}

// Flatten returns t as a 1-D tensor.
func (t *Tensor) Flatten() *Tensor { return t.Reshape(-1) }

// Squeeze removes the given dimensions of size 1 (all of them if none is
// named), as a view.
func (t *Tensor) Squeeze(dims ...int) *Tensor {
	return wrap1(viewed(t, tops.ViewState(t.v), t.v.Squeeze(dims...)), "Squeeze", reshapeBackward, t)
}

// Unsqueeze inserts a dimension of size 1 at dim, as a view.
func (t *Tensor) Unsqueeze(dim int) *Tensor {
	return wrap1(viewed(t, tops.ViewState(t.v), t.v.Unsqueeze(dim)), "Unsqueeze", reshapeBackward, t)
}

// Transpose swaps dimensions d0 and d1, as a view.
func (t *Tensor) Transpose(d0, d1 int) *Tensor {
	return wrap1(viewed(t, tops.ViewState(t.v), t.v.Transpose(d0, d1)), "Transpose", func(_ call, g *Tensor, grads []*Tensor) {
		grads[0] = g.Transpose(d0, d1)
	}, t)
}

// Permute reorders the dimensions (dimension i of the result is dimension
// dims[i] of t), as a view.
func (t *Tensor) Permute(dims ...int) *Tensor {
	v := viewed(t, tops.ViewState(t.v), t.v.Permute(dims...))
	inv := make([]int, len(dims))
	for i, d := range dims {
		if d < 0 {
			d += len(dims)
		}
		inv[d] = i
	}
	return wrap1(v, "Permute", func(_ call, g *Tensor, grads []*Tensor) {
		grads[0] = g.Permute(inv...)
	}, t)
}

// Expand broadcasts t to shape without copying (-1 keeps a size). See
// tensor.Expand.
func (t *Tensor) Expand(shape ...int) *Tensor {
	return wrap1(viewed(t, tops.ViewState(t.v), t.v.Expand(shape...)), "Expand", func(c call, g *Tensor, grads []*Tensor) {
		grads[0] = g.sumTo(c.meta(0))
	}, t)
}

// Slice returns the elements start <= i < end along dim, as a view.
// Negative values count from the end.
func (t *Tensor) Slice(dim, start, end int) *Tensor {
	v := viewed(t, tops.ViewState(t.v), t.v.Slice(dim, start, end))
	nd, size := t.v.Dim(), 0
	if dim < 0 {
		dim += nd
	}
	size = t.v.Size(dim)
	if start < 0 {
		start += size
	}
	before, after := start, size-start-v.Size(dim)
	return wrap1(v, "Slice", func(c call, g *Tensor, grads []*Tensor) {
		if dst := c.pendingBuffer(0); dst != nil && g.noGrad {
			tops.AddIntoSlice(dst, g.v, dim, before) // the other slices' gradients are there already
			return
		}
		grads[0] = g.padDim(dim, before, after)
	}, t)
}

// Select returns index i along dim with that dimension removed, as a view.
// A negative i counts from the end.
func (t *Tensor) Select(dim, i int) *Tensor {
	v := viewed(t, tops.ViewState(t.v), t.v.Select(dim, i))
	if dim < 0 {
		dim += t.v.Dim()
	}
	size := t.v.Size(dim)
	if i < 0 {
		i += size
	}
	return wrap1(v, "Select", func(c call, g *Tensor, grads []*Tensor) {
		if dst := c.pendingBuffer(0); dst != nil && g.noGrad {
			tops.AddIntoSlice(dst, g.v, dim, i)
			return
		}
		grads[0] = g.Unsqueeze(dim).padDim(dim, i, size-i-1)
	}, t)
}

// padDim pads with zeros along dim; its gradient is the matching Slice.
func (t *Tensor) padDim(dim, before, after int) *Tensor {
	size := t.v.Size(dim)
	return wrap1(t.v.PadDim(dim, before, after, 0), "PadDim", func(_ call, g *Tensor, grads []*Tensor) {
		grads[0] = g.Slice(dim, before, before+size)
	}, t)
}

// Contiguous returns t if its value is contiguous, else a contiguous copy.
func (t *Tensor) Contiguous() *Tensor {
	if t.v.IsContiguous() {
		return t
	}
	return wrap1(t.v.Clone(), "Contiguous", identityBackward, t)
}

// Clone returns a copy of t with storage of its own; gradients pass
// through unchanged.
func (t *Tensor) Clone() *Tensor { return wrap1(t.v.Clone(), "Clone", identityBackward, t) }
