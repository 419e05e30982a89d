package tensor_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/tensor"
)

// The expected strings are what PyTorch prints for the same values
// (torch/_tensor_str.py with default print options: precision 4, threshold
// 1000, edgeitems 3, linewidth 80), less the ", dtype=torch.float64" suffix
// PyTorch adds because its default dtype is float32.
func TestString(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	v := func(d ...float64) *tensor.Tensor { return tensor.New(d) }
	withAt := func(x *tensor.Tensor, val float64, idx ...int) *tensor.Tensor { x.Set(val, idx...); return x }
	tests := []struct {
		name string
		x    *tensor.Tensor
		want string
	}{
		// 0-d
		{"a 0-d integer value prints with a trailing dot", tensor.Scalar(3), "tensor(3.)"},
		{"a 0-d zero", tensor.Scalar(0), "tensor(0.)"},
		{"a 0-d fraction prints with four decimals", tensor.Scalar(-0.5), "tensor(-0.5000)"},
		{"a 0-d NaN", tensor.Scalar(nan), "tensor(nan)"},
		{"a 0-d minus infinity", tensor.Scalar(-inf), "tensor(-inf)"},
		{"a 0-d small value prints in scientific notation", tensor.Scalar(1e-5), "tensor(1.0000e-05)"},
		{"a 0-d integer above 1e8 prints in scientific notation", tensor.Scalar(123456789), "tensor(1.2346e+08)"},
		{"a 0-d view at an offset", seq(5).Select(0, 3), "tensor(3.)"},

		// integer-valued vectors and matrices
		{"a 2x2 matrix of integers", tensor.New([]float64{1, 2, 3, 4}, 2, 2), "tensor([[1., 2.],\n        [3., 4.]])"},
		{"integers are right-aligned to the widest", v(-1, 2), "tensor([-1.,  2.])"},
		{"integers up to a ratio of 1000 stay fixed", v(1, 1000), "tensor([   1., 1000.])"},
		{"zeros alone print as 0.", v(0, 0), "tensor([0., 0.])"},
		{"integers above 1e8 print in scientific notation", v(1e9, 2e9), "tensor([1.0000e+09, 2.0000e+09])"},
		// PyTorch's int_mode switches to scientific notation when
		// max/min of the non-zero magnitudes exceeds 1000, as for floats.
		{"integers spanning more than three decades print in scientific notation", v(1, 10000), "tensor([1.0000e+00, 1.0000e+04])"},
		{"integers spanning 1 to 1001 print in scientific notation", v(1, 0, 1001), "tensor([1.0000e+00, 0.0000e+00, 1.0010e+03])"},

		// fractions
		{"fractions print with four decimals, aligned", v(1.5, -2), "tensor([ 1.5000, -2.0000])"},
		{"zeros do not count toward the magnitude span", v(0, 0.001, 0.5), "tensor([0.0000, 0.0010, 0.5000])"},
		{"fractions spanning less than three decades stay fixed", v(0.5, 400.25), "tensor([  0.5000, 400.2500])"},
		{"fractions spanning more than three decades print in scientific notation", v(0.5, 600.5), "tensor([5.0000e-01, 6.0050e+02])"},
		{"magnitudes from 1e-5 to 100 print in scientific notation", v(1e-5, 1, 100), "tensor([1.0000e-05, 1.0000e+00, 1.0000e+02])"},
		{"a magnitude below 1e-4 prints in scientific notation", v(5e-5, 1e-4), "tensor([5.0000e-05, 1.0000e-04])"},
		{"fractions above 1e8 print in scientific notation", v(1.5e8, 2.5e8), "tensor([1.5000e+08, 2.5000e+08])"},
		{"a negative value widens scientific notation", v(-1e-5, 1), "tensor([-1.0000e-05,  1.0000e+00])"},

		// NaN and infinities
		{"NaN and infinities are padded to the width of four-decimal fractions", v(1.5, nan, inf, -inf), "tensor([1.5000,    nan,    inf,   -inf])"},
		{"NaN is padded to the width of wide integers", v(100, nan), "tensor([100.,  nan])"},
		{"NaN is padded to the width of scientific notation", v(1e-5, nan), "tensor([1.0000e-05,        nan])"},
		{"all-NaN values", v(nan, nan), "tensor([nan, nan])"},
		// PyTorch sizes the columns from the finite non-zero values only, so
		// a non-finite value wider than them is not padded and does not
		// widen the others.
		{"NaN does not widen narrow integers", v(1, nan), "tensor([1., nan])"},
		{"infinities do not widen narrow integers", v(1, inf, -inf), "tensor([1., inf, -inf])"},
		{"NaN beside minus infinity", v(nan, -inf), "tensor([nan, -inf])"},
		{"a negative zero does not widen the other integers", v(math.Copysign(0, -1), 1), "tensor([-0., 1.])"},

		// layouts
		{"a column", seq(3, 1), "tensor([[0.],\n        [1.],\n        [2.]])"},
		{"a row", seq(1, 3), "tensor([[0., 1., 2.]])"},
		{"a transposed matrix prints its own rows", seq(2, 3).Transpose(0, 1), "tensor([[0., 3.],\n        [1., 4.],\n        [2., 5.]])"},
		{"an expanded matrix", tensor.New([]float64{1, 2}, 2, 1).Expand(2, 3), "tensor([[1., 1., 1.],\n        [2., 2., 2.]])"},
		{"a 3-d tensor has a blank line between blocks", seq(2, 2, 2), "tensor([[[0., 1.],\n         [2., 3.]],\n\n        [[4., 5.],\n         [6., 7.]]])"},
		{"a 4-d tensor has two blank lines between its outer blocks", seq(2, 2, 1, 2),
			"tensor([[[[0., 1.]],\n\n         [[2., 3.]]],\n\n\n        [[[4., 5.]],\n\n         [[6., 7.]]]])"},

		// empty tensors
		{"an empty vector", tensor.Zeros(0), "tensor([])"},
		{"an empty [0 3] names its size", tensor.Zeros(0, 3), "tensor([], size=(0, 3))"},
		{"an empty [3 0] prints [] and names its size", tensor.Zeros(3, 0), "tensor([], size=(3, 0))"},
		{"an empty [1 0] prints [] and names its size", tensor.Zeros(1, 0), "tensor([], size=(1, 0))"},
		{"an empty [2 0 3] prints [] and names its size", tensor.Zeros(2, 0, 3), "tensor([], size=(2, 0, 3))"},

		// line wrapping at 80 columns
		{"a long vector wraps at 80 columns", tensor.Arange(0, 30, 1),
			"tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n" +
				"        14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25., 26., 27.,\n" +
				"        28., 29.])"},
		{"a long vector of fractions wraps at 80 columns", tensor.Arange(0.5, 13, 1),
			"tensor([ 0.5000,  1.5000,  2.5000,  3.5000,  4.5000,  5.5000,  6.5000,  7.5000,\n" +
				"         8.5000,  9.5000, 10.5000, 11.5000, 12.5000])"},
		{"long matrix rows wrap under their first element", seq(2, 20),
			"tensor([[ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n" +
				"         14., 15., 16., 17., 18., 19.],\n" +
				"        [20., 21., 22., 23., 24., 25., 26., 27., 28., 29., 30., 31., 32., 33.,\n" +
				"         34., 35., 36., 37., 38., 39.]])"},

		// summarised (more than 1000 elements)
		{"a summarised vector shows three values each side of ' ...'", tensor.Full(2, 1001), "tensor([2., 2., 2.,  ..., 2., 2., 2.])"},
		{"a summarised matrix elides rows and columns", tensor.Ones(40, 40),
			"tensor([[1., 1., 1.,  ..., 1., 1., 1.],\n" +
				"        [1., 1., 1.,  ..., 1., 1., 1.],\n" +
				"        [1., 1., 1.,  ..., 1., 1., 1.],\n" +
				"        ...,\n" +
				"        [1., 1., 1.,  ..., 1., 1., 1.],\n" +
				"        [1., 1., 1.,  ..., 1., 1., 1.],\n" +
				"        [1., 1., 1.,  ..., 1., 1., 1.]])"},
		{"a summarised column elides rows only", tensor.Full(7, 1100, 1),
			"tensor([[7.],\n        [7.],\n        [7.],\n        ...,\n        [7.],\n        [7.],\n        [7.]])"},
		{"a summarised 3-d tensor elides only its long dimension", tensor.Ones(2, 2, 300),
			"tensor([[[1., 1., 1.,  ..., 1., 1., 1.],\n" +
				"         [1., 1., 1.,  ..., 1., 1., 1.]],\n\n" +
				"        [[1., 1., 1.,  ..., 1., 1., 1.],\n" +
				"         [1., 1., 1.,  ..., 1., 1., 1.]]])"},
		{"values hidden by the summary do not change the format", withAt(tensor.Zeros(2000), 1.5e10, 1000), "tensor([0., 0., 0.,  ..., 0., 0., 0.])"},
		{"a summarised vector in scientific notation wraps at 80 columns", tensor.Arange(0, 2000, 1),
			"tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n" +
				"        1.9990e+03])"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.x.String(); got != tc.want {
				t.Errorf("String() =\n%s\nwant\n%s\n(got %q)", got, tc.want, got)
			}
		})
	}
}

func TestStringSummaryThreshold(t *testing.T) {
	t.Run("1000 elements are printed in full", func(t *testing.T) {
		s := tensor.Full(1, 10, 100).String()
		if strings.Contains(s, "...") || strings.Count(s, "1.") != 1000 {
			t.Errorf("String() of 1000 ones has %d values and ...: %v", strings.Count(s, "1."), strings.Contains(s, "..."))
		}
	})
	t.Run("1001 elements are summarised", func(t *testing.T) {
		s := tensor.Full(1, 7, 143).String()
		if !strings.Contains(s, "...") || strings.Count(s, "1.") != 36 {
			t.Errorf("String() of 1001 ones shows %d values; want 36 around ...", strings.Count(s, "1."))
		}
	})
}

func TestStringIsFmtVerb(t *testing.T) {
	x := seq(2, 2)
	if got, want := fmt.Sprint(x), x.String(); got != want {
		t.Errorf("fmt.Sprint = %q, want String() = %q", got, want)
	}
	if got, want := fmt.Sprintf("%v", x.Transpose(0, 1)), x.Transpose(0, 1).String(); got != want {
		t.Errorf("%%v = %q, want %q", got, want)
	}
}
