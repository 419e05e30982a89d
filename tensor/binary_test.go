package tensor_test

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

type binaryOp struct {
	name string
	op   func(a, b *tensor.Tensor) *tensor.Tensor
	ref  func(x, y float64) float64
}

var binaryOps = []binaryOp{
	{"Add", (*tensor.Tensor).Add, func(x, y float64) float64 { return x + y }},
	{"Sub", (*tensor.Tensor).Sub, func(x, y float64) float64 { return x - y }},
	{"Mul", (*tensor.Tensor).Mul, func(x, y float64) float64 { return x * y }},
	{"Div", (*tensor.Tensor).Div, func(x, y float64) float64 { return x / y }},
}

type operands func() (a, b *tensor.Tensor)

// binaryCases are the operand pairs every binary op is checked on. Each
// builder makes fresh random operands; the comment in the name is the
// layout being exercised.
func binaryCases() []struct {
	name string
	make operands
} {
	rng := newRNG(42)
	r := func(shape ...int) *tensor.Tensor { return randT(rng, shape...) }
	return []struct {
		name string
		make operands
	}{
		{"same-shape contiguous matrices", func() (a, b *tensor.Tensor) { return r(2, 3), r(2, 3) }},
		{"same-shape contiguous vectors longer than a SIMD block", func() (a, b *tensor.Tensor) { return r(37), r(37) }},
		{"a column [3 1] with a row [1 4]", func() (a, b *tensor.Tensor) { return r(3, 1), r(1, 4) }},
		{"a row [1 4] with a column [3 1]", func() (a, b *tensor.Tensor) { return r(1, 4), r(3, 1) }},
		{"a vector [4] with a 3-d [2 3 4]", func() (a, b *tensor.Tensor) { return r(4), r(2, 3, 4) }},
		{"a 3-d [2 3 4] with a vector [4]", func() (a, b *tensor.Tensor) { return r(2, 3, 4), r(4) }},
		{"a 0-d scalar with a matrix", func() (a, b *tensor.Tensor) { return tensor.Scalar(1.5), r(2, 3) }},
		{"a matrix with a 0-d scalar", func() (a, b *tensor.Tensor) { return r(2, 3), tensor.Scalar(-0.75) }},
		{"two 0-d scalars", func() (a, b *tensor.Tensor) { return tensor.Scalar(3), tensor.Scalar(-4) }},
		{"a matrix with a one-element [1 1]", func() (a, b *tensor.Tensor) { return r(2, 3), r(1, 1) }},
		{"a one-element [1] with a matrix", func() (a, b *tensor.Tensor) { return r(1), r(2, 3) }},
		{"a vector [3] with a one-element [1 1 1] that adds dimensions", func() (a, b *tensor.Tensor) { return r(3), r(1, 1, 1) }},
		{"size-1 dimensions on both sides [2 1 3] with [2 4 1]", func() (a, b *tensor.Tensor) { return r(2, 1, 3), r(2, 4, 1) }},
		{"a 4-d [2 1 3 1] with [5 1 4]", func() (a, b *tensor.Tensor) { return r(2, 1, 3, 1), r(5, 1, 4) }},
		{"a transposed matrix with a contiguous one", func() (a, b *tensor.Tensor) { return r(3, 2).Transpose(0, 1), r(2, 3) }},
		{"a contiguous matrix with a transposed one", func() (a, b *tensor.Tensor) { return r(2, 3), r(3, 2).Transpose(0, 1) }},
		{"two transposed matrices", func() (a, b *tensor.Tensor) { return r(4, 5).Transpose(0, 1), r(4, 5).Transpose(-1, -2) }},
		{"a permuted 3-d tensor with a vector", func() (a, b *tensor.Tensor) { return r(4, 2, 3).Permute(1, 2, 0), r(4) }},
		{"a column slice with a contiguous matrix", func() (a, b *tensor.Tensor) { return r(3, 6).Slice(1, 1, 4), r(3, 3) }},
		{"a row slice at an offset with a 0-d scalar", func() (a, b *tensor.Tensor) { return r(5, 3).Slice(0, 2, 4), tensor.Scalar(2) }},
		{"an offset contiguous Select with an offset 0-d Select", func() (a, b *tensor.Tensor) { return r(3, 4).Select(0, 2), r(5).Select(0, 3) }},
		{"a non-contiguous Select with a vector", func() (a, b *tensor.Tensor) { return r(4, 3).Select(1, 1), r(4) }},
		{"a transposed matrix with a 0-d scalar", func() (a, b *tensor.Tensor) { return r(3, 2).Transpose(0, 1), tensor.Scalar(0.5) }},
		{"a 0-d scalar with a transposed matrix", func() (a, b *tensor.Tensor) { return tensor.Scalar(0.5), r(3, 2).Transpose(0, 1) }},
		{"an expanded column with a contiguous matrix", func() (a, b *tensor.Tensor) { return r(3, 1).Expand(3, 4), r(3, 4) }},
		{"two expanded views of different shapes", func() (a, b *tensor.Tensor) { return r(1, 4).Expand(3, 4), r(2, 1, 1).Expand(2, 1, 4) }},
		{"an expanded 0-d with a slice", func() (a, b *tensor.Tensor) { return tensor.Scalar(3).Expand(2, 2), r(2, 4).Slice(1, 1, 3) }},
		{"a transposed slice broadcast against a column", func() (a, b *tensor.Tensor) { return r(5, 4).Slice(0, 1, 4).Transpose(0, 1), r(4, 1) }},
		{"an empty [0 3] with a vector [3]", func() (a, b *tensor.Tensor) { return tensor.Zeros(0, 3), r(3) }},
		{"a vector [3] with an empty [0 3]", func() (a, b *tensor.Tensor) { return r(3), tensor.Zeros(0, 3) }},
		{"an empty [2 0] with a column [2 1]", func() (a, b *tensor.Tensor) { return tensor.Zeros(2, 0), r(2, 1) }},
		{"an empty vector with a 0-d scalar", func() (a, b *tensor.Tensor) { return tensor.Zeros(0), tensor.Scalar(1) }},
		{"an empty [1 0] with a column [3 1] stretching to [3 0]", func() (a, b *tensor.Tensor) { return tensor.Zeros(1, 0), r(3, 1) }},
		{"values with zeros, infinities and NaN", func() (a, b *tensor.Tensor) {
			inf, nan := math.Inf(1), math.NaN()
			return tensor.New([]float64{0, 1, -1, inf, -inf, nan, 0, 2}, 2, 4), tensor.New([]float64{0, inf, math.Copysign(0, -1), inf, 2, 1, -3, nan}, 2, 4)
		}},
	}
}

func TestBinaryOpsMatchReference(t *testing.T) {
	for _, op := range binaryOps {
		for _, tc := range binaryCases() {
			t.Run(op.name+" of "+tc.name, func(t *testing.T) {
				a, b := tc.make()
				aData, bData := slices.Clone(a.Data()), slices.Clone(b.Data())
				aShape, bShape := a.Shape(), b.Shape()
				aVer, bVer := a.Version(), b.Version()

				got := op.op(a, b)
				wantShape, want := refBinary(a, b, op.ref)

				checkFresh(t, got, wantShape)
				if got.SameStorage(a) || got.SameStorage(b) {
					t.Errorf("the result shares storage with an input")
				}
				testutil.AllSame(t, "result", got.Data(), want)
				testutil.AllSame(t, "result via At", valuesAt(got), want)
				testutil.AllSame(t, "first input afterwards", a.Data(), aData)
				testutil.AllSame(t, "second input afterwards", b.Data(), bData)
				checkShape(t, "first input's shape afterwards", a.Shape(), aShape)
				checkShape(t, "second input's shape afterwards", b.Shape(), bShape)
				if a.Version() != aVer || b.Version() != bVer {
					t.Errorf("input versions changed from %d, %d to %d, %d", aVer, bVer, a.Version(), b.Version())
				}
			})
		}
	}
}

func TestBinaryOpAliasedOperands(t *testing.T) {
	t.Run("x.Add(x) doubles and leaves x alone", func(t *testing.T) {
		x := seq(2, 3)
		testutil.AllSame(t, "x+x", x.Add(x).Data(), []float64{0, 2, 4, 6, 8, 10})
		testutil.AllSame(t, "x", x.Data(), []float64{0, 1, 2, 3, 4, 5})
	})
	t.Run("x.Mul(x.T) of a square matrix", func(t *testing.T) {
		x := seq(2, 2)
		testutil.AllSame(t, "x*x^T", x.Mul(x.Transpose(0, 1)).Data(), []float64{0, 2, 2, 9})
	})
	t.Run("a result is independent of later writes to the inputs", func(t *testing.T) {
		x, y := seq(3), tensor.Scalar(1)
		z := x.Add(y)
		x.Fill(100)
		y.Fill(100)
		testutil.AllSame(t, "z", z.Data(), []float64{1, 2, 3})
	})
}

func TestBinaryOpPanics(t *testing.T) {
	pairs := []struct {
		name string
		a, b []int
	}{
		{"a matrix with a vector of the wrong length", []int{2, 3}, []int{4}},
		{"two vectors of different lengths", []int{3}, []int{4}},
		{"a matrix with its transpose shape", []int{2, 3}, []int{3, 2}},
		{"an empty vector with a vector of two", []int{0}, []int{2}},
		{"3-d shapes that differ in the middle", []int{2, 3, 4}, []int{2, 2, 4}},
	}
	for _, op := range binaryOps {
		for _, p := range pairs {
			t.Run(op.name+" of "+p.name+" panics naming both shapes", func(t *testing.T) {
				a, b := tensor.Zeros(p.a...), tensor.Zeros(p.b...)
				e := wantPanic(t, op.name, nil, func() { op.op(a, b) })
				want := fmt.Sprintf("tensor: %s: cannot broadcast %v with %v", op.name, p.a, p.b)
				if e.Error() != want {
					t.Errorf("Error() = %q, want %q", e.Error(), want)
				}
			})
		}
	}
}

func TestBroadcastShapes(t *testing.T) {
	tests := []struct {
		name       string
		a, b, want []int
	}{
		{"equal shapes are unchanged", []int{2, 3}, []int{2, 3}, []int{2, 3}},
		{"a 0-d shape takes the other", []int{}, []int{2, 3}, []int{2, 3}},
		{"two 0-d shapes give 0-d", []int{}, []int{}, []int{}},
		{"a column and a row give a matrix", []int{3, 1}, []int{1, 4}, []int{3, 4}},
		{"a vector gains leading dimensions", []int{4}, []int{2, 3, 4}, []int{2, 3, 4}},
		{"size-1 dimensions stretch on both sides", []int{2, 1, 3}, []int{2, 4, 1}, []int{2, 4, 3}},
		{"a size-1 dimension stretches to 0", []int{1}, []int{0}, []int{0}},
		{"a zero dimension meets a size-1 one", []int{2, 1}, []int{0}, []int{2, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkShape(t, "BroadcastShapes(a, b)", tensor.BroadcastShapes("Test", tc.a, tc.b), tc.want)
			checkShape(t, "BroadcastShapes(b, a)", tensor.BroadcastShapes("Test", tc.b, tc.a), tc.want)
		})
	}
	t.Run("shapes that do not broadcast panic naming the caller's op", func(t *testing.T) {
		wantPanic(t, "MyOp", []string{"cannot broadcast [2 3] with [2]"}, func() { tensor.BroadcastShapes("MyOp", []int{2, 3}, []int{2}) })
	})
}

func TestScalarOps(t *testing.T) {
	inputs := []struct {
		name string
		make func() *tensor.Tensor
	}{
		{"a contiguous matrix", func() *tensor.Tensor { return tensor.New([]float64{1, -2, 3.5, 0, math.Copysign(0, -1), 6}, 2, 3) }},
		{"a transposed matrix", func() *tensor.Tensor {
			return tensor.New([]float64{1, -2, 3.5, 0, math.Copysign(0, -1), 6}, 2, 3).Transpose(0, 1)
		}},
		{"a column slice", func() *tensor.Tensor { return seq(4, 5).Slice(1, 1, 3) }},
		{"an expanded row", func() *tensor.Tensor { return tensor.New([]float64{1, 2}, 1, 2).Expand(3, 2) }},
		{"a 0-d scalar", func() *tensor.Tensor { return tensor.Scalar(2.5) }},
		{"an offset 0-d Select", func() *tensor.Tensor { return seq(6).Select(0, 4) }},
		{"an empty tensor", func() *tensor.Tensor { return tensor.Zeros(0, 2) }},
		{"special values", func() *tensor.Tensor { return tensor.New([]float64{math.Inf(1), math.Inf(-1), math.NaN()}) }},
	}
	ops := []struct {
		name string
		op   func(*tensor.Tensor) *tensor.Tensor
		ref  func(float64) float64
	}{
		{"AddScalar(1.25)", func(x *tensor.Tensor) *tensor.Tensor { return x.AddScalar(1.25) }, func(v float64) float64 { return v + 1.25 }},
		{"AddScalar(-3)", func(x *tensor.Tensor) *tensor.Tensor { return x.AddScalar(-3) }, func(v float64) float64 { return v - 3 }},
		{"MulScalar(-2)", func(x *tensor.Tensor) *tensor.Tensor { return x.MulScalar(-2) }, func(v float64) float64 { return v * -2 }},
		{"MulScalar(0.1)", func(x *tensor.Tensor) *tensor.Tensor { return x.MulScalar(0.1) }, func(v float64) float64 { return v * 0.1 }},
		{"Neg", (*tensor.Tensor).Neg, func(v float64) float64 { return -v }},
	}
	for _, op := range ops {
		for _, in := range inputs {
			t.Run(op.name+" of "+in.name, func(t *testing.T) {
				x := in.make()
				before := slices.Clone(x.Data())
				got := op.op(x)
				checkFresh(t, got, x.Shape())
				if got.SameStorage(x) {
					t.Errorf("result shares storage with the input")
				}
				want := make([]float64, len(before))
				for i, v := range before {
					want[i] = op.ref(v)
				}
				testutil.AllSame(t, "result", got.Data(), want)
				testutil.AllSame(t, "input afterwards", x.Data(), before)
			})
		}
	}
}
