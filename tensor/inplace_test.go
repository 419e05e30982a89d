package tensor_test

import (
	"math"
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

// An in-place case writes through dst(base) and checks the whole base
// afterwards, so that elements outside the view are seen to be untouched.
type inplaceCase struct {
	name string
	base func() *tensor.Tensor
	dst  func(base *tensor.Tensor) *tensor.Tensor
	want []float64 // base.Data() afterwards
}

func runInplace(t *testing.T, cases []inplaceCase, write func(dst *tensor.Tensor)) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			base := tc.base()
			dst := tc.dst(base)
			v := base.Version()
			write(dst)
			testutil.AllSame(t, "base afterwards", base.Data(), tc.want)
			if base.Version() != v+1 || dst.Version() != v+1 {
				t.Errorf("versions afterwards: base %d, view %d; want %d for both", base.Version(), dst.Version(), v+1)
			}
		})
	}
}

func itself(b *tensor.Tensor) *tensor.Tensor { return b }

func TestFill(t *testing.T) {
	nan := math.NaN()
	runInplace(t, []inplaceCase{
		{"Fill of a contiguous matrix sets every element", func() *tensor.Tensor { return seq(2, 3) }, itself, []float64{7, 7, 7, 7, 7, 7}},
		{"Fill of a column slice changes only those columns", func() *tensor.Tensor { return seq(3, 4) }, func(b *tensor.Tensor) *tensor.Tensor { return b.Slice(1, 1, 3) },
			[]float64{0, 7, 7, 3, 4, 7, 7, 7, 8, 7, 7, 11}},
		{"Fill of a transposed view sets every element", func() *tensor.Tensor { return seq(2, 3) }, func(b *tensor.Tensor) *tensor.Tensor { return b.Transpose(0, 1) }, []float64{7, 7, 7, 7, 7, 7}},
		{"Fill of a non-contiguous column Select", func() *tensor.Tensor { return seq(3, 2) }, func(b *tensor.Tensor) *tensor.Tensor { return b.Select(1, 0) }, []float64{7, 1, 7, 3, 7, 5}},
		{"Fill of a contiguous row Select", func() *tensor.Tensor { return seq(3, 2) }, func(b *tensor.Tensor) *tensor.Tensor { return b.Select(0, 1) }, []float64{0, 1, 7, 7, 4, 5}},
		{"Fill of a 0-d view changes one element", func() *tensor.Tensor { return seq(2, 3) }, func(b *tensor.Tensor) *tensor.Tensor { return b.Select(0, 1).Select(0, 2) }, []float64{0, 1, 2, 3, 4, 7}},
		{"Fill of a 0-d tensor", func() *tensor.Tensor { return tensor.Scalar(1) }, itself, []float64{7}},
		{"Fill of a view expanded along a dimension of size 1", func() *tensor.Tensor { return seq(2, 1) }, func(b *tensor.Tensor) *tensor.Tensor { return b.Expand(1, 2, 1) }, []float64{7, 7}},
		{"Fill of a strided 3-d slice", func() *tensor.Tensor { return seq(2, 2, 2) }, func(b *tensor.Tensor) *tensor.Tensor { return b.Slice(2, 1, 2).Slice(0, 1, 2) }, []float64{0, 1, 2, 3, 4, 7, 6, 7}},
		{"Fill of an empty view bumps the version and writes nothing", func() *tensor.Tensor { return seq(2, 3) }, func(b *tensor.Tensor) *tensor.Tensor { return b.Slice(1, 1, 1) }, []float64{0, 1, 2, 3, 4, 5}},
	}, func(dst *tensor.Tensor) { dst.Fill(7) })
	runInplace(t, []inplaceCase{
		{"Fill with NaN of a column slice", func() *tensor.Tensor { return seq(2, 2) }, func(b *tensor.Tensor) *tensor.Tensor { return b.Slice(1, 1, 2) }, []float64{0, nan, 2, nan}},
	}, func(dst *tensor.Tensor) { dst.Fill(nan) })
	runInplace(t, []inplaceCase{
		{"Zero of a contiguous matrix", func() *tensor.Tensor { return seq(2, 2).AddScalar(1) }, itself, []float64{0, 0, 0, 0}},
		{"Zero of a transposed row slice", func() *tensor.Tensor { return seq(3, 2).AddScalar(1) }, func(b *tensor.Tensor) *tensor.Tensor { return b.Slice(0, 1, 3).Transpose(0, 1) }, []float64{1, 2, 0, 0, 0, 0}},
	}, func(dst *tensor.Tensor) { dst.Zero() })
}

func TestCopyFrom(t *testing.T) {
	tests := []struct {
		inplaceCase
		src func() *tensor.Tensor
	}{
		{inplaceCase{"CopyFrom a same-shape tensor", func() *tensor.Tensor { return tensor.Zeros(2, 3) }, itself, []float64{0, 1, 2, 3, 4, 5}},
			func() *tensor.Tensor { return seq(2, 3) }},
		{inplaceCase{"CopyFrom a row broadcast over the rows", func() *tensor.Tensor { return tensor.Zeros(2, 3) }, itself, []float64{0, 1, 2, 0, 1, 2}},
			func() *tensor.Tensor { return seq(3) }},
		{inplaceCase{"CopyFrom a column into a column slice", func() *tensor.Tensor { return seq(2, 4) }, func(b *tensor.Tensor) *tensor.Tensor { return b.Slice(1, 1, 3) }, []float64{0, -1, -1, 3, 4, -2, -2, 7}},
			func() *tensor.Tensor { return tensor.New([]float64{-1, -2}, 2, 1) }},
		{inplaceCase{"CopyFrom a 0-d tensor into a matrix", func() *tensor.Tensor { return seq(2, 2) }, itself, []float64{9, 9, 9, 9}},
			func() *tensor.Tensor { return tensor.Scalar(9) }},
		{inplaceCase{"CopyFrom a transposed source", func() *tensor.Tensor { return tensor.Zeros(3, 2) }, itself, []float64{0, 3, 1, 4, 2, 5}},
			func() *tensor.Tensor { return seq(2, 3).Transpose(0, 1) }},
		{inplaceCase{"CopyFrom into a transposed destination", func() *tensor.Tensor { return tensor.Zeros(3, 2) }, func(b *tensor.Tensor) *tensor.Tensor { return b.Transpose(0, 1) }, []float64{0, 3, 1, 4, 2, 5}},
			func() *tensor.Tensor { return seq(2, 3) }},
		{inplaceCase{"CopyFrom an offset slice of another tensor", func() *tensor.Tensor { return tensor.Zeros(2) }, itself, []float64{7, 8}},
			func() *tensor.Tensor { return seq(10).Slice(0, 7, 9) }},
		{inplaceCase{"CopyFrom into a 0-d view", func() *tensor.Tensor { return seq(3) }, func(b *tensor.Tensor) *tensor.Tensor { return b.Select(0, 1) }, []float64{0, -5, 2}},
			func() *tensor.Tensor { return tensor.Scalar(-5) }},
		{inplaceCase{"CopyFrom an empty tensor into an empty view", func() *tensor.Tensor { return seq(2, 2) }, func(b *tensor.Tensor) *tensor.Tensor { return b.Slice(0, 0, 0) }, []float64{0, 1, 2, 3}},
			func() *tensor.Tensor { return tensor.Zeros(0, 2) }},
	}
	for _, tc := range tests {
		src := tc.src()
		srcData, srcVer := src.Data(), src.Version()
		runInplace(t, []inplaceCase{tc.inplaceCase}, func(dst *tensor.Tensor) { dst.CopyFrom(src) })
		testutil.AllSame(t, tc.name+": source afterwards", src.Data(), srcData)
		if src.Version() != srcVer {
			t.Errorf("%s: source version changed from %d to %d", tc.name, srcVer, src.Version())
		}
	}
}

func TestAddInPlace(t *testing.T) {
	tests := []struct {
		name string
		base func() *tensor.Tensor
		dst  func(*tensor.Tensor) *tensor.Tensor
		u    func(base *tensor.Tensor) *tensor.Tensor
	}{
		{"AddInPlace of a same-shape contiguous tensor", func() *tensor.Tensor { return seq(2, 3) }, itself, func(*tensor.Tensor) *tensor.Tensor { return randT(newRNG(1), 2, 3) }},
		{"AddInPlace of a long same-shape vector", func() *tensor.Tensor { return seq(41) }, itself, func(*tensor.Tensor) *tensor.Tensor { return randT(newRNG(2), 41) }},
		{"AddInPlace of a row broadcast over the rows", func() *tensor.Tensor { return seq(2, 3) }, itself, func(*tensor.Tensor) *tensor.Tensor { return tensor.New([]float64{10, 20, 30}) }},
		{"AddInPlace of a column broadcast over the columns", func() *tensor.Tensor { return seq(2, 3) }, itself, func(*tensor.Tensor) *tensor.Tensor { return tensor.New([]float64{10, 20}, 2, 1) }},
		{"AddInPlace of a 0-d tensor into a matrix", func() *tensor.Tensor { return seq(2, 3) }, itself, func(*tensor.Tensor) *tensor.Tensor { return tensor.Scalar(0.5) }},
		{"AddInPlace of a 0-d tensor into a 0-d tensor", func() *tensor.Tensor { return tensor.Scalar(2) }, itself, func(*tensor.Tensor) *tensor.Tensor { return tensor.Scalar(0.25) }},
		{"AddInPlace into a transposed view with a broadcast row", func() *tensor.Tensor { return seq(3, 2) }, func(b *tensor.Tensor) *tensor.Tensor { return b.Transpose(0, 1) },
			func(*tensor.Tensor) *tensor.Tensor { return tensor.New([]float64{10, 20, 30}) }},
		{"AddInPlace into a column slice with a 0-d tensor", func() *tensor.Tensor { return seq(3, 4) }, func(b *tensor.Tensor) *tensor.Tensor { return b.Slice(1, 1, 3) },
			func(*tensor.Tensor) *tensor.Tensor { return tensor.Scalar(100) }},
		{"AddInPlace of a transposed source into a contiguous tensor", func() *tensor.Tensor { return seq(2, 3) }, itself, func(*tensor.Tensor) *tensor.Tensor { return seq(3, 2).Transpose(0, 1) }},
		{"AddInPlace of an expanded source", func() *tensor.Tensor { return seq(2, 3) }, itself, func(*tensor.Tensor) *tensor.Tensor { return tensor.New([]float64{1, 2}, 2, 1).Expand(2, 3) }},
		{"AddInPlace of a disjoint row of the same storage", func() *tensor.Tensor { return seq(2, 3) }, func(b *tensor.Tensor) *tensor.Tensor { return b.Select(0, 0) },
			func(b *tensor.Tensor) *tensor.Tensor { return b.Select(0, 1) }},
		{"AddInPlace of a tensor into itself doubles it", func() *tensor.Tensor { return seq(2, 3) }, itself, func(b *tensor.Tensor) *tensor.Tensor { return b }},
		{"AddInPlace of a view into itself through a Select", func() *tensor.Tensor { return seq(3, 2) }, func(b *tensor.Tensor) *tensor.Tensor { return b.Select(1, 1) },
			func(b *tensor.Tensor) *tensor.Tensor { return b.Select(1, 1) }},
		{"AddInPlace of an empty tensor into an empty view", func() *tensor.Tensor { return seq(2, 2) }, func(b *tensor.Tensor) *tensor.Tensor { return b.Slice(1, 2, 2) },
			func(*tensor.Tensor) *tensor.Tensor { return tensor.Zeros(2, 0) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			base := tc.base()
			dst := tc.dst(base)
			u := tc.u(base)
			// The expected view is the out-of-place sum computed before the
			// write; the rest of the base must keep its values.
			_, wantView := refBinary(dst, u, func(x, y float64) float64 { return x + y })
			wantBase := expectBaseAfter(base, dst, wantView)
			v := base.Version()
			dst.AddInPlace(u)
			testutil.AllSame(t, "view afterwards", dst.Data(), wantView)
			testutil.AllSame(t, "base afterwards", base.Data(), wantBase)
			if base.Version() != v+1 || dst.Version() != v+1 {
				t.Errorf("versions afterwards: base %d, view %d; want %d", base.Version(), dst.Version(), v+1)
			}
		})
	}
}

// expectBaseAfter returns base's values after view (a non-overlapping view
// of base) is set to want: it writes want through a clone of base laid out
// like view, then reads the clone.
func expectBaseAfter(base, view *tensor.Tensor, want []float64) []float64 {
	c := base.Clone()
	// Find each view element's base index: mark the element, find it.
	marks := make([][]int, 0, view.Numel())
	for _, vi := range indices(view.Shape()) {
		old := view.At(vi...)
		view.Set(math.Inf(1), vi...)
		for _, bi := range indices(base.Shape()) {
			if math.IsInf(base.At(bi...), 1) {
				marks = append(marks, bi)
				break
			}
		}
		view.Set(old, vi...)
	}
	for k, bi := range marks {
		c.Set(want[k], bi...)
	}
	return c.Data()
}

// TestInPlaceIntoOverlappingMemory checks writes whose destination elements
// share memory with each other (an expanded view) or with the source (a
// shifted slice of the same storage). The result must be what the
// out-of-place op gives, or the method must refuse with an *Error, as
// PyTorch does ("unsupported operation: more than one element of the
// written-to tensor refers to a single memory location").
func TestInPlaceIntoOverlappingMemory(t *testing.T) {
	t.Run("AddInPlace into an expanded view refuses or adds u once per element", func(t *testing.T) {
		dst := tensor.Zeros(1).Expand(3)
		if refused(func() { dst.AddInPlace(tensor.Ones(3)) }) {
			return
		}
		testutil.AllSame(t, "view afterwards", dst.Data(), []float64{1, 1, 1})
	})
	t.Run("CopyFrom into an expanded view refuses or holds the source", func(t *testing.T) {
		dst := tensor.Zeros(1).Expand(3)
		if refused(func() { dst.CopyFrom(tensor.New([]float64{1, 2, 3})) }) {
			return
		}
		testutil.AllSame(t, "view afterwards", dst.Data(), []float64{1, 2, 3})
	})
	t.Run("AddInPlace from a partly overlapping slice refuses or gives the out-of-place sum", func(t *testing.T) {
		base := seq(41).AddScalar(1)
		dst, src := base.Slice(0, 1, 41), base.Slice(0, 0, 40)
		want := dst.Add(src).Data()
		if refused(func() { dst.AddInPlace(src) }) {
			return
		}
		testutil.AllSame(t, "view afterwards", dst.Data(), want)
	})
}

// TestWritesIntoExpandedViewsAreRefused checks that every in-place write
// refuses a destination whose elements share memory, with the same message,
// and leaves the storage and its version alone.
func TestWritesIntoExpandedViewsAreRefused(t *testing.T) {
	writes := []struct {
		op string
		f  func(dst *tensor.Tensor)
	}{
		{"Set", func(dst *tensor.Tensor) { dst.Set(7, 1, 0) }},
		{"Fill", func(dst *tensor.Tensor) { dst.Fill(7) }},
		{"Fill", func(dst *tensor.Tensor) { dst.Zero() }},
		{"CopyFrom", func(dst *tensor.Tensor) { dst.CopyFrom(tensor.Scalar(7)) }},
		{"AddInPlace", func(dst *tensor.Tensor) { dst.AddInPlace(tensor.Scalar(7)) }},
	}
	for _, w := range writes {
		t.Run(w.op+" into an expanded view", func(t *testing.T) {
			base := tensor.New([]float64{1, 2})
			dst := base.Unsqueeze(0).Expand(3, 2) // strides [0 1]
			wantPanic(t, w.op, []string{"destination of shape [3 2] with strides [0 1] has overlapping elements"}, func() { w.f(dst) })
			testutil.AllSame(t, "base afterwards", base.Data(), []float64{1, 2})
			if base.Version() != 0 {
				t.Errorf("Version() = %d after a refused write, want 0", base.Version())
			}
		})
	}
	t.Run("Set and Fill into a new leading dimension of size 1", func(t *testing.T) {
		dst := tensor.Zeros(2, 1).Expand(1, 2, 1) // strides [0 1 1]
		dst.Set(3, 0, 1, 0)
		testutil.AllSame(t, "view after Set", dst.Data(), []float64{0, 3})
		dst.Fill(4)
		testutil.AllSame(t, "view after Fill", dst.Data(), []float64{4, 4})
	})
	t.Run("Fill into an empty expanded view", func(t *testing.T) {
		dst := tensor.Zeros(1, 0).Expand(3, 0)
		dst.Fill(1)
		checkShape(t, "Shape()", dst.Shape(), []int{3, 0})
	})
}

// refused reports whether f panicked with a *tensor.Error.
func refused(f func()) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			_, ok = r.(*tensor.Error)
			if !ok {
				panic(r)
			}
		}
	}()
	f()
	return false
}

func TestInPlacePanics(t *testing.T) {
	tests := []struct {
		name string
		op   string
		want []string
		f    func(x *tensor.Tensor)
	}{
		{"CopyFrom a shape that does not broadcast", "CopyFrom", []string{"[2 3]", "[4]"}, func(x *tensor.Tensor) { x.CopyFrom(seq(4)) }},
		{"CopyFrom a larger shape", "CopyFrom", []string{"cannot write shape [3 2 3] into [2 3] in place"}, func(x *tensor.Tensor) { x.CopyFrom(seq(3, 2, 3)) }},
		{"CopyFrom a shape that broadcasts to more than the destination", "CopyFrom", []string{"[2 3]", "[2 1 1]"}, func(x *tensor.Tensor) { x.CopyFrom(seq(2, 1, 1)) }},
		{"AddInPlace of a shape that does not broadcast", "AddInPlace", []string{"[2 3]", "[2]"}, func(x *tensor.Tensor) { x.AddInPlace(seq(2)) }},
		{"AddInPlace of a larger shape", "AddInPlace", []string{"cannot write shape [4 2 3] into [2 3] in place"}, func(x *tensor.Tensor) { x.AddInPlace(seq(4, 2, 3)) }},
		{"Set with too few indices", "Set", []string{"[2 3]"}, func(x *tensor.Tensor) { x.Set(1, 0) }},
	}
	for _, tc := range tests {
		t.Run(tc.name+" panics and leaves the tensor and its version alone", func(t *testing.T) {
			x := seq(2, 3)
			wantPanic(t, tc.op, tc.want, func() { tc.f(x) })
			testutil.AllSame(t, "tensor afterwards", x.Data(), []float64{0, 1, 2, 3, 4, 5})
			if x.Version() != 0 {
				t.Errorf("Version() = %d after a failed write, want 0", x.Version())
			}
		})
	}
}

func TestVersion(t *testing.T) {
	writes := []struct {
		name string
		f    func(x *tensor.Tensor)
	}{
		{"Set", func(x *tensor.Tensor) { x.Set(1, make([]int, x.Dim())...) }},
		{"Fill", func(x *tensor.Tensor) { x.Fill(2) }},
		{"Zero", func(x *tensor.Tensor) { x.Zero() }},
		{"CopyFrom", func(x *tensor.Tensor) { x.CopyFrom(tensor.Scalar(3)) }},
		{"AddInPlace", func(x *tensor.Tensor) { x.AddInPlace(tensor.Scalar(1)) }},
		{"MarkModified", func(x *tensor.Tensor) { x.MarkModified() }},
	}
	views := []struct {
		name string
		f    func(b *tensor.Tensor) *tensor.Tensor
	}{
		{"the tensor itself", itself},
		{"a transposed view", func(b *tensor.Tensor) *tensor.Tensor { return b.Transpose(0, 1) }},
		{"a Reshape view", func(b *tensor.Tensor) *tensor.Tensor { return b.Reshape(3, 2) }},
		{"a column slice", func(b *tensor.Tensor) *tensor.Tensor { return b.Slice(1, 0, 2) }},
		{"an unsqueezed view", func(b *tensor.Tensor) *tensor.Tensor { return b.Unsqueeze(0) }},
	}
	for _, w := range writes {
		for _, vw := range views {
			t.Run(w.name+" through "+vw.name+" bumps the shared version once", func(t *testing.T) {
				base := seq(2, 3)
				view := vw.f(base)
				other := base.Select(0, 1)
				clone := base.Clone()
				copied := base.Transpose(0, 1).Reshape(6)
				w.f(view)
				for _, c := range []struct {
					name string
					x    *tensor.Tensor
					want uint64
				}{{"base", base, 1}, {"view", view, 1}, {"another view", other, 1}, {"clone", clone, 0}, {"Reshape copy", copied, 0}} {
					if c.x.Version() != c.want {
						t.Errorf("%s: Version() = %d, want %d", c.name, c.x.Version(), c.want)
					}
				}
			})
		}
	}
	t.Run("reads and out-of-place ops leave the version alone", func(t *testing.T) {
		x := seq(2, 3)
		tr := x.Transpose(0, 1)
		_ = x.Add(tr.Transpose(0, 1))
		_ = tr.MulScalar(2)
		_ = x.Neg()
		_ = tr.Sum()
		_ = x.SumDims(true, 0)
		_ = x.SumTo(3)
		_ = x.PadDim(0, 1, 1, 0)
		_ = tr.Contiguous()
		_ = tr.Data()
		_ = x.Raw()
		_ = tr.String()
		_ = tensor.AllClose(x, x, 0, 0)
		if x.Version() != 0 {
			t.Errorf("Version() = %d, want 0", x.Version())
		}
	})
	t.Run("each write adds one", func(t *testing.T) {
		x := seq(2)
		for i := 1; i <= 5; i++ {
			x.Set(float64(i), 0)
			if x.Version() != uint64(i) {
				t.Fatalf("Version() = %d after %d Sets", x.Version(), i)
			}
		}
	})
}

func TestAllClose(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	v := func(d ...float64) *tensor.Tensor { return tensor.New(d) }
	tests := []struct {
		name       string
		a, b       *tensor.Tensor
		rtol, atol float64
		want       bool
	}{
		{"equal tensors are close with no tolerance", v(1, 2), v(1, 2), 0, 0, true},
		{"a difference within atol is close", v(1, 2), v(1, 2.001), 0, 0.01, true},
		{"a difference beyond atol is not close", v(1, 2), v(1, 2.1), 0, 0.01, false},
		{"a difference within rtol of the second value is close", v(100), v(101), 0.01, 0, true},
		{"a difference beyond rtol is not close", v(100), v(102), 0.01, 0, false},
		{"NaN is close to NaN", v(nan, 1), v(nan, 1), 0, 0, true},
		{"NaN is not close to a number", v(nan), v(0), 1, 1, false},
		{"a number is not close to NaN", v(0), v(nan), 1, 1, false},
		{"infinity is close to itself", v(inf), v(inf), 0, 0, true},
		{"infinity is not close to minus infinity", v(inf), v(-inf), 1, 1, false},
		{"infinity is not close to a large number", v(inf), v(1e308), 1, 1, false},
		{"different shapes with the same values are not close", seq(2, 3), seq(6), 0, 0, false},
		{"a transposed view is compared element by element", seq(2, 3).Transpose(0, 1), tensor.New([]float64{0, 3, 1, 4, 2, 5}, 3, 2), 0, 0, true},
		{"a transposed view is not close to the untransposed values", seq(2, 3).Transpose(0, 1), seq(3, 2), 0, 0, false},
		{"two 0-d tensors", tensor.Scalar(1), tensor.Scalar(1 + 1e-12), 1e-9, 0, true},
		{"two empty tensors of the same shape", tensor.Zeros(0, 3), tensor.Zeros(0, 3), 0, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tensor.AllClose(tc.a, tc.b, tc.rtol, tc.atol); got != tc.want {
				t.Errorf("AllClose = %v, want %v", got, tc.want)
			}
		})
	}
}
