package tensor

import (
	"math"

	"github.com/adjoint-go/adjoint/kernels"
)

// BroadcastShapes returns the shape that a and b broadcast to under NumPy's
// rules (align trailing dimensions; a dimension of 1 stretches), panicking
// with an *Error naming op if they do not broadcast.
func BroadcastShapes(op string, a, b []int) []int {
	out, ok := broadcast(a, b, 0)
	if !ok {
		fail(op, [][]int{a, b}, "cannot broadcast %v with %v", a, b)
	}
	numelOf(op, out)
	return out
}

// broadcast returns the broadcast of shapes a and b, with spare extra
// capacity, and false if they do not broadcast.
func broadcast(a, b []int, spare int) ([]int, bool) {
	n := max(len(a), len(b))
	out := make([]int, n, n+spare)
	for i := 1; i <= n; i++ {
		da, db := 1, 1
		if i <= len(a) {
			da = a[len(a)-i]
		}
		if i <= len(b) {
			db = b[len(b)-i]
		}
		switch {
		case da == db || db == 1:
			out[n-i] = da
		case da == 1:
			out[n-i] = db
		default:
			return nil, false
		}
	}
	return out, true
}

// broadcastStrides returns t's strides seen in shape (which t broadcasts
// to): 0 along new and stretched dimensions.
func (t *Tensor) broadcastStrides(shape []int) []int {
	st := make([]int, len(shape))
	lead := len(shape) - len(t.shape)
	for i := range t.shape {
		if t.shape[i] != 1 {
			st[lead+i] = t.strides[i]
		}
	}
	return st
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

type binaryKernels struct {
	name    string
	f       func(x, y float64) float64 // one element, for 0-d operands
	vv      func(dst, x, y []float64)
	vs      func(dst, x []float64, a float64)
	strided func(n int, dst []float64, incDst int, x []float64, incX int, y []float64, incY int)
}

var (
	addKernels = binaryKernels{"Add", func(x, y float64) float64 { return x + y }, kernels.Add, kernels.AddScalar, kernels.AddStrided}
	subKernels = binaryKernels{"Sub", func(x, y float64) float64 { return x - y }, kernels.Sub, kernels.SubScalar, kernels.SubStrided}
	mulKernels = binaryKernels{"Mul", func(x, y float64) float64 { return x * y }, kernels.Mul, kernels.MulScalar, kernels.MulStrided}
	divKernels = binaryKernels{"Div", func(x, y float64) float64 { return x / y }, kernels.Div, kernels.DivScalar, kernels.DivStrided}
)

// binary computes k(a, b) elementwise with broadcasting into a new
// contiguous tensor.
func binary(k *binaryKernels, a, b *Tensor) *Tensor {
	mustTensors(k.name, a, b)
	a.live(k.name)
	b.live(k.name)
	if len(a.shape) == 0 && len(b.shape) == 0 {
		return newScalar(k.f(a.st.data[a.off], b.st.data[b.off]))
	}
	if sameShape(a.shape, b.shape) {
		out := uninit(k.name, a.shape)
		if a.contig && b.contig {
			od, ad, bd := out.st.data, a.flat(), b.flat()
			if len(od) <= grainCheap {
				k.vv(od, ad, bd)
			} else {
				kernels.Parallel(len(od), grainCheap, func(lo, hi int) { k.vv(od[lo:hi], ad[lo:hi], bd[lo:hi]) })
			}
			return out
		}
		binaryStrided(k, out, a, a.strides, b, b.strides)
		return out
	}
	shape := BroadcastShapes(k.name, a.shape, b.shape)
	out := uninit(k.name, shape)
	if a.contig && b.Numel() == 1 && sameShape(shape, a.shape) {
		k.vs(out.st.data, a.flat(), b.st.data[b.off])
		return out
	}
	binaryStrided(k, out, a, a.broadcastStrides(shape), b, b.broadcastStrides(shape))
	return out
}

func binaryStrided(k *binaryKernels, out, a *Tensor, as []int, b *Tensor, bs []int) {
	a.live(k.name)
	b.live(k.name)
	l := newLayout(out.shape, out.strides, as, bs)
	n, inc := l.inner()
	od, ad, bd := out.st.data, a.st.data, b.st.data
	l.rows([3]int{out.off, a.off, b.off}, func(off [3]int) {
		k.strided(n, od[off[0]:], inc[0], ad[off[1]:], inc[1], bd[off[2]:], inc[2])
	})
}

// Add returns t + u elementwise, broadcasting.
func (t *Tensor) Add(u *Tensor) *Tensor { return binary(&addKernels, t, u) }

// Sub returns t - u elementwise, broadcasting.
func (t *Tensor) Sub(u *Tensor) *Tensor { return binary(&subKernels, t, u) }

// Mul returns t * u elementwise, broadcasting.
func (t *Tensor) Mul(u *Tensor) *Tensor { return binary(&mulKernels, t, u) }

// Div returns t / u elementwise, broadcasting, with IEEE semantics.
func (t *Tensor) Div(u *Tensor) *Tensor { return binary(&divKernels, t, u) }

// scalarOp applies f(dst, x, a) to a contiguous copy of t's layout.
func (t *Tensor) scalarOp(op string, f func(dst, x []float64, a float64), a float64) *Tensor {
	t.live(op)
	out := uninit(op, t.shape)
	if t.contig {
		f(out.st.data, t.flat(), a)
		return out
	}
	copyStrided(out.st.data, t)
	f(out.st.data, out.st.data, a)
	return out
}

// AddScalar returns t + a elementwise.
func (t *Tensor) AddScalar(a float64) *Tensor {
	if t.live("AddScalar"); len(t.shape) == 0 {
		return newScalar(t.st.data[t.off] + a)
	}
	return t.scalarOp("AddScalar", kernels.AddScalar, a)
}

// MulScalar returns t * a elementwise.
func (t *Tensor) MulScalar(a float64) *Tensor {
	if t.live("MulScalar"); len(t.shape) == 0 {
		return newScalar(t.st.data[t.off] * a)
	}
	return t.scalarOp("MulScalar", kernels.MulScalar, a)
}

// Neg returns -t elementwise.
func (t *Tensor) Neg() *Tensor {
	if t.live("Neg"); len(t.shape) == 0 {
		return newScalar(-t.st.data[t.off])
	}
	out := uninit("Neg", t.shape)
	if t.contig {
		kernels.Neg(out.st.data, t.flat())
		return out
	}
	copyStrided(out.st.data, t)
	kernels.Neg(out.st.data, out.st.data)
	return out
}

// contiguousData returns t's elements in row-major order: its storage run
// if contiguous, else a copy.
func (t *Tensor) contiguousData() []float64 {
	if t.contig {
		return t.flat()
	}
	return t.Data()
}

func contiguousStridesOf(shape []int) []int {
	st := make([]int, len(shape))
	contiguousStrides(shape, st)
	return st
}

// sumRowsMax is the size up to which SumTo adds rows in one loop.
const sumRowsMax = 1 << 20

// SumTo sums t down to shape, which must broadcast to t's shape: the
// reverse of broadcasting, used to give each input of a broadcast operation
// a gradient of its own shape. It returns t itself when the shapes are equal.
func (t *Tensor) SumTo(shape ...int) *Tensor {
	mustTensor("SumTo", "receiver t", t)
	if sameShape(t.shape, shape) {
		return t
	}
	lead := len(t.shape) - len(shape)
	if lead < 0 {
		fail("SumTo", [][]int{t.shape, shape}, "cannot sum shape %v to %v", t.shape, shape)
	}
	if t.contig && len(shape) > 0 && sameShape(t.shape[lead:], shape) && t.Numel() <= sumRowsMax {
		// Summing away leading dimensions (a bias's gradient): add the
		// rows up in order, with no reduction plan.
		out := empty("SumTo", shape)
		od, src := out.st.data, t.flat()
		for m := len(od); len(src) >= m && m > 0; src = src[m:] {
			kernels.Add(od, od, src[:m])
		}
		return out
	}
	var dims []int
	for i := range t.shape {
		if i < lead {
			dims = append(dims, i)
			continue
		}
		switch s := shape[i-lead]; {
		case s == t.shape[i]:
		case s == 1:
			dims = append(dims, i)
		default:
			fail("SumTo", [][]int{t.shape, shape}, "cannot sum shape %v to %v", t.shape, shape)
		}
	}
	r := t.SumDims(true, dims...)
	return r.view(0, append([]int(nil), shape...), contiguousStridesOf(shape))
}

// PadDim returns a contiguous tensor with before copies of value ahead of
// t's elements along dimension dim and after copies behind them.
func (t *Tensor) PadDim(dim, before, after int, value float64) *Tensor {
	a := t.axis("PadDim", dim)
	if before < 0 || after < 0 {
		fail("PadDim", [][]int{t.shape}, "negative padding (%d, %d) for shape %v", before, after, t.shape)
	}
	shape := append([]int(nil), t.shape...)
	n, ok := padded(shape[a], before, after)
	if !ok {
		fail("PadDim", [][]int{t.shape}, "padding (%d, %d) of dimension %d of shape %v overflows int", before, after, dim, t.shape)
	}
	shape[a] = n
	out := Full(value, shape...)
	assign(out.Slice(a, before, before+t.shape[a]), t)
	return out.unshared()
}

// Fill sets every element to v, in place. It panics if t's elements
// overlap in memory (an expanded view), as CopyFrom and AddInPlace do.
func (t *Tensor) Fill(v float64) {
	t.live("Fill")
	switch {
	case t.contig && t.Numel() <= grainFill:
		kernels.Fill(t.flat(), v)
	case t.contig:
		d := t.flat()
		kernels.ParallelParts(len(d), grainFill, func(lo, hi int) { kernels.Fill(d[lo:hi], v) })
	default:
		t.writable("Fill")
		assign(t, Scalar(v).Expand(t.shape...))
	}
	t.st.version++
}

// Zero sets every element to 0, in place.
func (t *Tensor) Zero() { t.Fill(0) }

// checkInPlace panics if t cannot be written in place from u: u must
// broadcast to t's shape, and t must not have overlapping elements (an
// expanded view). It returns u, cloned if it shares t's storage with another
// layout, so that reading u never sees a value already overwritten.
func (t *Tensor) checkInPlace(op string, u *Tensor) *Tensor {
	t.live(op)
	u.live(op) // and neither is nil
	if !sameShape(t.shape, u.shape) {
		if sh := BroadcastShapes(op, t.shape, u.shape); !sameShape(sh, t.shape) {
			fail(op, [][]int{t.shape, u.shape}, "cannot write shape %v into %v in place", u.shape, t.shape)
		}
	}
	t.writable(op)
	if u.st == t.st && !(u.off == t.off && sameShape(u.shape, t.shape) && sameShape(u.strides, t.strides)) {
		return u.Clone()
	}
	return u
}

// writable panics if t is a view whose elements overlap in memory (a
// dimension of more than one element with stride 0, as Expand makes), so
// that an in-place write would give several elements one value. A tensor
// with no elements has nothing to overlap.
func (t *Tensor) writable(op string) {
	for i, d := range t.shape {
		if d > 1 && t.strides[i] == 0 {
			t.overlapping(op)
		}
	}
}

func (t *Tensor) overlapping(op string) {
	if t.Numel() == 0 {
		return
	}
	fail(op, [][]int{t.shape, t.strides}, "destination of shape %v with strides %v has overlapping elements (an expanded view); write into a Clone", t.shape, t.strides)
}

// CopyFrom copies src's elements into t, in place; src must broadcast to
// t's shape.
func (t *Tensor) CopyFrom(src *Tensor) {
	mustTensor("CopyFrom", "receiver t", t)
	mustTensor("CopyFrom", "argument src", src)
	src = t.checkInPlace("CopyFrom", src)
	assign(t, src.expand(t.shape))
	t.st.version++
}

// AddInPlace adds u to t elementwise, in place; u must broadcast to t's
// shape.
func (t *Tensor) AddInPlace(u *Tensor) {
	mustTensors("AddInPlace", t, u)
	if len(t.shape) == 0 && len(u.shape) == 0 && t.st != recycled && u.st != recycled {
		t.st.data[t.off] += u.st.data[u.off] // a scalar's gradient
		t.st.version++
		return
	}
	u = t.checkInPlace("AddInPlace", u)
	if t.contig && u.contig && sameShape(t.shape, u.shape) {
		d := t.flat()
		kernels.Add(d, d, u.flat())
	} else {
		binaryStrided(&addKernels, t, t, t.strides, u, u.broadcastStrides(t.shape))
	}
	t.st.version++
}

// AllClose reports whether t and u have the same shape and every pair of
// elements satisfies |t-u| <= atol + rtol*|u| (NaNs equal when both are
// NaN).
func AllClose(t, u *Tensor, rtol, atol float64) bool {
	mustTensors("AllClose", t, u)
	if !sameShape(t.shape, u.shape) {
		return false
	}
	a, b := t.Data(), u.Data()
	for i := range a {
		x, y := a[i], b[i]
		if x == y || (math.IsNaN(x) && math.IsNaN(y)) {
			continue
		}
		if math.IsNaN(x) || math.IsNaN(y) || math.IsInf(x, 0) || math.IsInf(y, 0) || math.Abs(x-y) > atol+rtol*math.Abs(y) {
			return false
		}
	}
	return true
}
