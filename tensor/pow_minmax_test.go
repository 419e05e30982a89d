package tensor_test

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

var moreBinaryOps = []binaryOp{
	{"Pow", (*tensor.Tensor).Pow, math.Pow},
	{"Maximum", (*tensor.Tensor).Maximum, func(x, y float64) float64 { return math.Max(x, y) }},
	{"Minimum", (*tensor.Tensor).Minimum, func(x, y float64) float64 { return math.Min(x, y) }},
}

func TestPowMaximumMinimumMatchReference(t *testing.T) {
	rng := newRNG(11)
	const big = 1<<18 + 5 // above both grains: the parallel paths
	large := []struct {
		name string
		make operands
	}{
		{"same-shape vectors longer than the grains", func() (a, b *tensor.Tensor) { return randT(rng, big), randT(rng, big) }},
		{"a long vector with a 0-d scalar", func() (a, b *tensor.Tensor) { return randT(rng, big), tensor.Scalar(2.5) }},
		{"a long vector with a one-element [1]", func() (a, b *tensor.Tensor) { return randT(rng, big), tensor.New([]float64{-1.5}, 1) }},
		{"a long matrix with a row", func() (a, b *tensor.Tensor) { return randT(rng, big/3, 3), randT(rng, 3) }},
	}
	cases := append(binaryCases(), large...)
	for _, op := range moreBinaryOps {
		for _, tc := range cases {
			t.Run(op.name+" of "+tc.name, func(t *testing.T) {
				a, b := tc.make()
				aData, bData := slices.Clone(a.Data()), slices.Clone(b.Data())
				got := op.op(a, b)
				wantShape, want := refBinary(a, b, op.ref)
				checkFresh(t, got, wantShape)
				testutil.AllSame(t, "result", got.Data(), want)
				testutil.AllSame(t, "first input afterwards", a.Data(), aData)
				testutil.AllSame(t, "second input afterwards", b.Data(), bData)
			})
		}
	}
}

func TestPowMaximumMinimumEdgeCases(t *testing.T) {
	s := tensor.Scalar
	cases := []struct {
		name      string
		got, want float64
	}{
		{"Pow(0, -1) is +Inf", s(0).Pow(s(-1)).Item(), inf},
		{"Pow(-0, -1) is -Inf", s(negZer).Pow(s(-1)).Item(), math.Inf(-1)},
		{"Pow(NaN, 0) is 1", s(nan).Pow(s(0)).Item(), 1},
		{"Pow(1, NaN) is 1", s(1).Pow(s(nan)).Item(), 1},
		{"Pow(-8, 1/3) is NaN", s(-8).Pow(s(1.0 / 3)).Item(), nan},
		{"Pow(-2, 3) is -8", s(-2).Pow(s(3)).Item(), -8},
		{"Pow(2, -Inf) is 0", s(2).Pow(s(math.Inf(-1))).Item(), 0},
		{"Maximum with NaN is NaN", s(1).Maximum(s(nan)).Item(), nan},
		{"Maximum of NaN and 1 is NaN", s(nan).Maximum(s(1)).Item(), nan},
		{"Minimum with NaN is NaN", s(nan).Minimum(s(1)).Item(), nan},
		{"Maximum(-0, +0) is +0", s(negZer).Maximum(s(0)).Item(), 0},
		{"Minimum(+0, -0) is -0", s(0).Minimum(s(negZer)).Item(), negZer},
		{"Maximum(-Inf, 3) is 3", s(math.Inf(-1)).Maximum(s(3)).Item(), 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !testutil.Same(c.got, c.want) {
				t.Errorf("got %v, want %v", c.got, c.want)
			}
		})
	}
}

// refWhere is the reference for Where: index arithmetic over the broadcast
// shape of the three operands, reading each with At.
func refWhere(c, a, b *tensor.Tensor) ([]int, []float64) {
	shape, ok := refBroadcast(c.Shape(), a.Shape())
	if ok {
		shape, ok = refBroadcast(shape, b.Shape())
	}
	if !ok {
		panic("refWhere: shapes do not broadcast")
	}
	var out []float64
	for _, idx := range indices(shape) {
		v := b.At(project(idx, b.Shape())...)
		if c.At(project(idx, c.Shape())...) != 0 {
			v = a.At(project(idx, a.Shape())...)
		}
		out = append(out, v)
	}
	return shape, out
}

func TestWhere(t *testing.T) {
	rng := newRNG(13)
	r := func(shape ...int) *tensor.Tensor { return randT(rng, shape...) }
	// mask returns a tensor of 0s and 1s (and the odd NaN, which counts as
	// true) of the given shape.
	mask := func(shape ...int) *tensor.Tensor {
		m := tensor.Zeros(shape...)
		d := m.Raw()
		for i := range d {
			switch rng.IntN(5) {
			case 0, 1:
				d[i] = 1
			case 2:
				d[i] = -3 // any nonzero value is true
			case 3:
				d[i] = nan
			}
		}
		return m
	}
	const big = 1<<18 + 7
	cases := []struct {
		name    string
		c, a, b func() *tensor.Tensor
	}{
		{"three same-shape contiguous matrices",
			func() *tensor.Tensor { return mask(2, 3) }, func() *tensor.Tensor { return r(2, 3) }, func() *tensor.Tensor { return r(2, 3) }},
		{"a column condition with a row and a 0-d scalar",
			func() *tensor.Tensor { return mask(3, 1) }, func() *tensor.Tensor { return r(1, 4) }, func() *tensor.Tensor { return tensor.Scalar(-7) }},
		{"a 0-d condition choosing between matrices",
			func() *tensor.Tensor { return tensor.Scalar(1) }, func() *tensor.Tensor { return r(2, 3) }, func() *tensor.Tensor { return r(2, 3) }},
		{"a false 0-d condition",
			func() *tensor.Tensor { return tensor.Scalar(0) }, func() *tensor.Tensor { return r(2, 3) }, func() *tensor.Tensor { return r(3) }},
		{"a vector condition over a 3-d tensor",
			func() *tensor.Tensor { return mask(4) }, func() *tensor.Tensor { return r(2, 3, 4) }, func() *tensor.Tensor { return r(3, 1) }},
		{"a transposed condition and a sliced operand",
			func() *tensor.Tensor { return mask(3, 2).Transpose(0, 1) }, func() *tensor.Tensor { return r(2, 5).Slice(1, 1, 4) }, func() *tensor.Tensor { return r(3, 2).Transpose(0, 1) }},
		{"an expanded operand",
			func() *tensor.Tensor { return mask(2, 3) }, func() *tensor.Tensor { return r(2, 1).Expand(2, 3) }, func() *tensor.Tensor { return r(2, 3) }},
		{"size-1 dimensions on every side",
			func() *tensor.Tensor { return mask(2, 1, 1) }, func() *tensor.Tensor { return r(1, 3, 1) }, func() *tensor.Tensor { return r(1, 1, 4) }},
		{"a 0-d a with a transposed b",
			func() *tensor.Tensor { return mask(2, 3) }, func() *tensor.Tensor { return tensor.Scalar(9) }, func() *tensor.Tensor { return r(3, 2).Transpose(0, 1) }},
		{"a one-element [1 1 1] a that adds a dimension",
			func() *tensor.Tensor { return mask(3, 1) }, func() *tensor.Tensor { return r(1, 1, 1) }, func() *tensor.Tensor { return r(1, 4) }},
		{"a one-element [1 1] b with a column condition",
			func() *tensor.Tensor { return mask(3, 1) }, func() *tensor.Tensor { return r(4) }, func() *tensor.Tensor { return r(1, 1) }},
		{"three 0-d scalars",
			func() *tensor.Tensor { return tensor.Scalar(nan) }, func() *tensor.Tensor { return tensor.Scalar(1) }, func() *tensor.Tensor { return tensor.Scalar(2) }},
		{"an empty condition",
			func() *tensor.Tensor { return tensor.Zeros(0, 3) }, func() *tensor.Tensor { return r(3) }, func() *tensor.Tensor { return tensor.Scalar(1) }},
		{"an empty operand with a column",
			func() *tensor.Tensor { return mask(2, 1) }, func() *tensor.Tensor { return tensor.Zeros(2, 0) }, func() *tensor.Tensor { return r(1) }},
		{"special values pass through unchanged",
			func() *tensor.Tensor { return tensor.New([]float64{1, 0, 1, 0, 1, 0}) },
			func() *tensor.Tensor { return tensor.New([]float64{nan, nan, inf, inf, negZer, 1}) },
			func() *tensor.Tensor { return tensor.New([]float64{0, negZer, 0, math.Inf(-1), 0, nan}) }},
		{"same-shape vectors longer than the grain",
			func() *tensor.Tensor { return mask(big) }, func() *tensor.Tensor { return r(big) }, func() *tensor.Tensor { return r(big) }},
		{"a long condition with two 0-d scalars",
			func() *tensor.Tensor { return mask(big) }, func() *tensor.Tensor { return tensor.Scalar(1) }, func() *tensor.Tensor { return tensor.Scalar(0) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, a, b := tc.c(), tc.a(), tc.b()
			cd, ad, bd := c.Data(), a.Data(), b.Data()
			got := tensor.Where(c, a, b)
			wantShape, want := refWhere(c, a, b)
			checkFresh(t, got, wantShape)
			testutil.AllSame(t, "result", got.Data(), want)
			testutil.AllSame(t, "condition afterwards", c.Data(), cd)
			testutil.AllSame(t, "a afterwards", a.Data(), ad)
			testutil.AllSame(t, "b afterwards", b.Data(), bd)
		})
	}
}

func TestPointwiseShapePanics(t *testing.T) {
	z := tensor.Zeros
	for _, op := range moreBinaryOps {
		t.Run(op.name+" of [2 3] and [4] panics naming both shapes", func(t *testing.T) {
			e := wantPanic(t, op.name, nil, func() { op.op(z(2, 3), z(4)) })
			if want := fmt.Sprintf("tensor: %s: cannot broadcast [2 3] with [4]", op.name); e != nil && e.Error() != want {
				t.Errorf("Error() = %q, want %q", e.Error(), want)
			}
		})
		t.Run(op.name+" of a long vector and a mismatched one panics", func(t *testing.T) {
			wantPanic(t, op.name, []string{"[300000]", "[2]"}, func() { op.op(z(300000), z(2)) })
		})
	}
	whereCases := []struct {
		name    string
		c, a, b []int
		want    string
	}{
		{"a condition that does not fit", []int{2}, []int{3}, []int{3}, "tensor: Where: cannot broadcast [2], [3] and [3] together"},
		{"operands that do not fit each other", []int{1}, []int{2, 3}, []int{4}, "tensor: Where: cannot broadcast [1], [2 3] and [4] together"},
		{"an empty condition with a vector of two", []int{0}, []int{2}, []int{}, "tensor: Where: cannot broadcast [0], [2] and [] together"},
	}
	for _, c := range whereCases {
		t.Run("Where with "+c.name+" panics naming all three shapes", func(t *testing.T) {
			e := wantPanic(t, "Where", nil, func() { tensor.Where(z(c.c...), z(c.a...), z(c.b...)) })
			if e.Error() != c.want {
				t.Errorf("Error() = %q, want %q", e.Error(), c.want)
			}
			if len(e.Shapes) != 3 {
				t.Errorf("Error.Shapes = %v, want the three shapes", e.Shapes)
			}
		})
	}
}
