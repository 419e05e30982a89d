package tensor_test

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

func TestWholeReductions(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	long := make([]float64, 1000)
	for i := range long {
		long[i] = float64(i + 1)
	}
	tests := []struct {
		name                string
		x                   func() *tensor.Tensor
		sum, mean, max, min float64
	}{
		{"a contiguous matrix", func() *tensor.Tensor { return seq(2, 3) }, 15, 2.5, 5, 0},
		{"a transposed matrix", func() *tensor.Tensor { return seq(2, 3).Transpose(0, 1) }, 15, 2.5, 5, 0},
		{"a column slice", func() *tensor.Tensor { return seq(3, 4).Slice(1, 1, 3) }, 33, 5.5, 10, 1},
		{"a non-contiguous Select", func() *tensor.Tensor { return seq(4, 3).Select(1, 2) }, 26, 6.5, 11, 2},
		{"an expanded column", func() *tensor.Tensor { return tensor.New([]float64{1, -2}, 2, 1).Expand(2, 3) }, -3, -0.5, 1, -2},
		{"a 0-d scalar", func() *tensor.Tensor { return tensor.Scalar(-4) }, -4, -4, -4, -4},
		{"an offset 0-d Select", func() *tensor.Tensor { return seq(5).Select(0, 3) }, 3, 3, 3, 3},
		{"a long vector 1..1000", func() *tensor.Tensor { return tensor.New(long) }, 500500, 500.5, 1000, 1},
		{"a vector with a NaN", func() *tensor.Tensor { return tensor.New([]float64{1, nan, 3}) }, nan, nan, nan, nan},
		{"a NaN at the end of a long vector", func() *tensor.Tensor {
			d := slices.Clone(long)
			d[999] = nan
			return tensor.New(d)
		}, nan, nan, nan, nan},
		{"a vector with infinities", func() *tensor.Tensor { return tensor.New([]float64{1, inf, -5}) }, inf, inf, inf, -5},
		{"all negative values", func() *tensor.Tensor { return tensor.New([]float64{-3, -1, -2}) }, -6, -2, -1, -3},
	}
	for _, tc := range tests {
		t.Run("Sum, Mean, Max and Min of "+tc.name, func(t *testing.T) {
			x := tc.x()
			before := x.Data()
			for _, r := range []struct {
				name string
				got  *tensor.Tensor
				want float64
			}{{"Sum", x.Sum(), tc.sum}, {"Mean", x.Mean(), tc.mean}, {"Max", x.Max(), tc.max}, {"Min", x.Min(), tc.min}} {
				checkFresh(t, r.got, []int{})
				if !testutil.Same(r.got.Item(), r.want) {
					t.Errorf("%s() = %v, want %v", r.name, r.got.Item(), r.want)
				}
			}
			testutil.AllSame(t, "input afterwards", x.Data(), before)
		})
	}
	t.Run("Sum and Mean of random values agree with a plain loop", func(t *testing.T) {
		x := tensor.Randn(newRNG(8), 33, 31).Transpose(0, 1)
		var s float64
		for _, v := range valuesAt(x) {
			s += v
		}
		testutil.AllClose(t, "Sum", []float64{x.Sum().Item()}, []float64{s}, 1e-12)
		testutil.AllClose(t, "Mean", []float64{x.Mean().Item()}, []float64{s / 1023}, 1e-12)
	})
	t.Run("Sum of an empty tensor is 0 and its Mean is NaN", func(t *testing.T) {
		x := tensor.Zeros(0, 3)
		if got := x.Sum().Item(); got != 0 {
			t.Errorf("Sum() = %v, want 0", got)
		}
		if got := x.Mean().Item(); !math.IsNaN(got) {
			t.Errorf("Mean() = %v, want NaN", got)
		}
	})
	t.Run("Max of an empty tensor panics naming its shape", func(t *testing.T) {
		wantPanic(t, "Max", []string{"[0 3]"}, func() { tensor.Zeros(0, 3).Max() })
	})
	t.Run("Min of an empty tensor panics naming its shape", func(t *testing.T) {
		wantPanic(t, "Min", []string{"[2 0]"}, func() { tensor.Zeros(2, 0).Min() })
	})
}

func TestSumDims(t *testing.T) {
	inputs := []struct {
		name string
		x    func() *tensor.Tensor
	}{
		{"a contiguous [2 3 4]", func() *tensor.Tensor { return seq(2, 3, 4) }},
		{"a transposed [4 3 2]", func() *tensor.Tensor { return seq(2, 3, 4).Transpose(0, 2) }},
		{"a permuted [3 4 2]", func() *tensor.Tensor { return seq(2, 3, 4).Permute(1, 2, 0) }},
		{"a sliced [2 3 2]", func() *tensor.Tensor { return seq(2, 3, 4).Slice(2, 1, 3) }},
		{"an expanded [2 3 4]", func() *tensor.Tensor { return tensor.New([]float64{1, 2, 3}, 3, 1).Expand(2, 3, 4) }},
		{"a [2 1 3] with a size-1 dimension", func() *tensor.Tensor { return seq(2, 1, 3) }},
		{"a non-contiguous Select [2 4]", func() *tensor.Tensor { return seq(2, 3, 4).Select(1, 1) }},
		{"a row slice at an offset [2 4]", func() *tensor.Tensor { return seq(4, 4).Slice(0, 1, 3) }},
	}
	dimLists := [][]int{{}, {0}, {1}, {2}, {-1}, {-2}, {0, 2}, {2, 0}, {-3, -1}, {1, 2}, {0, 1}, {0, 1, 2}}
	for _, in := range inputs {
		for _, dims := range dimLists {
			for _, keepdim := range []bool{true, false} {
				x := in.x()
				if !dimsValid(dims, x.Dim()) {
					continue
				}
				t.Run(fmt.Sprintf("SumDims(keepdim=%v, %v) of %s", keepdim, dims, in.name), func(t *testing.T) {
					before := x.Data()
					got := x.SumDims(keepdim, dims...)
					wantShape, want := refSumDims(x, keepdim, dims...)
					checkFresh(t, got, wantShape)
					if got.SameStorage(x) {
						t.Errorf("the result shares storage with the input")
					}
					testutil.AllSame(t, "result", got.Data(), want)
					testutil.AllSame(t, "input afterwards", x.Data(), before)
				})
			}
		}
	}
	t.Run("SumDims of random values over two dimensions of a transposed tensor", func(t *testing.T) {
		x := tensor.Randn(newRNG(12), 7, 33, 5).Transpose(0, 1)
		got := x.SumDims(false, 0, 2)
		wantShape, want := refSumDims(x, false, 0, 2)
		checkFresh(t, got, wantShape)
		testutil.AllClose(t, "result", got.Data(), want, 1e-12)
	})
	t.Run("SumDims over a zero dimension gives zeros", func(t *testing.T) {
		got := tensor.Zeros(0, 3).SumDims(false, 0)
		checkFresh(t, got, []int{3})
		testutil.AllSame(t, "result", got.Data(), []float64{0, 0, 0})
	})
	t.Run("SumDims over a non-zero dimension of an empty tensor stays empty", func(t *testing.T) {
		got := tensor.Zeros(0, 3).SumDims(true, 1)
		checkShape(t, "Shape()", got.Shape(), []int{0, 1})
		if got.Numel() != 0 {
			t.Errorf("Numel() = %d, want 0", got.Numel())
		}
	})
	t.Run("SumDims with no dims of a 0-d tensor copies it", func(t *testing.T) {
		x := tensor.Scalar(5)
		got := x.SumDims(false)
		checkFresh(t, got, []int{})
		if got.Item() != 5 || got.SameStorage(x) {
			t.Errorf("Item() = %v, SameStorage = %v; want 5, false", got.Item(), got.SameStorage(x))
		}
	})
	t.Run("SumDims of a 0-d view at an offset", func(t *testing.T) {
		got := seq(4).Select(0, 2).SumDims(true)
		checkFresh(t, got, []int{})
		if got.Item() != 2 {
			t.Errorf("Item() = %v, want 2", got.Item())
		}
	})
}

func dimsValid(dims []int, ndim int) bool {
	seen := make([]bool, ndim)
	for _, d := range dims {
		if d < -ndim || d >= ndim {
			return false
		}
		if d < 0 {
			d += ndim
		}
		if seen[d] {
			return false
		}
		seen[d] = true
	}
	return true
}

func TestSumDimsPanics(t *testing.T) {
	x := seq(2, 3, 4)
	t.Run("a dimension out of range names it and the shape", func(t *testing.T) {
		wantPanic(t, "SumDims", []string{"dimension 3", "[2 3 4]"}, func() { x.SumDims(false, 3) })
	})
	t.Run("a negative dimension out of range names it and the shape", func(t *testing.T) {
		wantPanic(t, "SumDims", []string{"dimension -4", "[2 3 4]"}, func() { x.SumDims(true, 0, -4) })
	})
	t.Run("a dimension named twice names the dims and the shape", func(t *testing.T) {
		wantPanic(t, "SumDims", []string{"[1 1]", "[2 3 4]"}, func() { x.SumDims(false, 1, 1) })
	})
	t.Run("a dimension named twice through a negative index names the shape", func(t *testing.T) {
		wantPanic(t, "SumDims", []string{"[2 -1]", "[2 3 4]"}, func() { x.SumDims(true, 2, -1) })
	})
}

func TestSumTo(t *testing.T) {
	tests := []struct {
		name string
		x    func() *tensor.Tensor
		to   []int
	}{
		{"[3 4] to a column [3 1]", func() *tensor.Tensor { return seq(3, 4) }, []int{3, 1}},
		{"[3 4] to a row [1 4]", func() *tensor.Tensor { return seq(3, 4) }, []int{1, 4}},
		{"[3 4] to a vector [4]", func() *tensor.Tensor { return seq(3, 4) }, []int{4}},
		{"[3 4] to a one-element [1]", func() *tensor.Tensor { return seq(3, 4) }, []int{1}},
		{"[3 4] to a one-element [1 1]", func() *tensor.Tensor { return seq(3, 4) }, []int{1, 1}},
		{"[3 4] to 0-d", func() *tensor.Tensor { return seq(3, 4) }, []int{}},
		{"[2 3 4] to a vector [4]", func() *tensor.Tensor { return seq(2, 3, 4) }, []int{4}},
		{"[2 3 4] to [3 1]", func() *tensor.Tensor { return seq(2, 3, 4) }, []int{3, 1}},
		{"[2 3 4] to [3 4]", func() *tensor.Tensor { return seq(2, 3, 4) }, []int{3, 4}},
		{"[2 3 4] to [1 1 4]", func() *tensor.Tensor { return seq(2, 3, 4) }, []int{1, 1, 4}},
		{"[2 3 4] to [2 1 4]", func() *tensor.Tensor { return seq(2, 3, 4) }, []int{2, 1, 4}},
		{"[2 3 4] to [1 3 1]", func() *tensor.Tensor { return seq(2, 3, 4) }, []int{1, 3, 1}},
		{"[2 3 4] to 0-d", func() *tensor.Tensor { return seq(2, 3, 4) }, []int{}},
		{"[2 4 3] (the [2 1 3] with [2 4 1] product) to [2 1 3]", func() *tensor.Tensor { return seq(2, 4, 3) }, []int{2, 1, 3}},
		{"[2 4 3] to [2 4 1]", func() *tensor.Tensor { return seq(2, 4, 3) }, []int{2, 4, 1}},
		{"a transposed [4 3] to [1 3]", func() *tensor.Tensor { return seq(3, 4).Transpose(0, 1) }, []int{1, 3}},
		{"a transposed [4 3] to [4 1]", func() *tensor.Tensor { return seq(3, 4).Transpose(0, 1) }, []int{4, 1}},
		{"a transposed [4 3] to [3]", func() *tensor.Tensor { return seq(3, 4).Transpose(0, 1) }, []int{3}},
		{"a column slice [3 2] to [2]", func() *tensor.Tensor { return seq(3, 4).Slice(1, 1, 3) }, []int{2}},
		{"an expanded [3 4] to [3 1]", func() *tensor.Tensor { return tensor.New([]float64{1, 2, 3}, 3, 1).Expand(3, 4) }, []int{3, 1}},
		{"an expanded [2 3] to 0-d", func() *tensor.Tensor { return tensor.Scalar(2).Expand(2, 3) }, []int{}},
		{"an empty [0 3] to [3]", func() *tensor.Tensor { return tensor.Zeros(0, 3) }, []int{3}},
		{"an empty [0 3] to [1 3]", func() *tensor.Tensor { return tensor.Zeros(0, 3) }, []int{1, 3}},
		{"an empty [3 0] to [0]", func() *tensor.Tensor { return tensor.Zeros(3, 0) }, []int{0}},
	}
	for _, tc := range tests {
		t.Run("SumTo of "+tc.name, func(t *testing.T) {
			x := tc.x()
			before := x.Data()
			got := x.SumTo(tc.to...)
			checkFresh(t, got, tc.to)
			if got.SameStorage(x) {
				t.Errorf("the result shares storage with the input")
			}
			testutil.AllSame(t, "result", got.Data(), refSumTo(x, tc.to))
			testutil.AllSame(t, "input afterwards", x.Data(), before)
		})
	}
	t.Run("SumTo of every broadcast result recovers the operand's shape", func(t *testing.T) {
		for _, p := range [][2][]int{{{3, 1}, {1, 4}}, {{4}, {2, 3, 4}}, {{}, {2, 3}}, {{2, 1, 3}, {2, 4, 1}}, {{0, 3}, {3}}} {
			a, b := seq(p[0]...), seq(p[1]...)
			g := tensor.Ones(tensor.BroadcastShapes("Test", p[0], p[1])...)
			for _, op := range []*tensor.Tensor{a, b} {
				got := g.SumTo(op.Shape()...)
				checkShape(t, fmt.Sprintf("SumTo(%v) of %v", op.Shape(), g.Shape()), got.Shape(), op.Shape())
				testutil.AllSame(t, fmt.Sprintf("SumTo(%v) of %v", op.Shape(), g.Shape()), got.Data(), refSumTo(g, op.Shape()))
			}
		}
	})
	t.Run("SumTo of the tensor's own shape returns the tensor itself", func(t *testing.T) {
		x := seq(3, 4).Transpose(0, 1)
		if got := x.SumTo(4, 3); got != x {
			t.Errorf("SumTo(4, 3) of a [4 3] returned a different tensor")
		}
	})
}

func TestSumToPanics(t *testing.T) {
	tests := []struct {
		name  string
		shape []int
		to    []int
	}{
		{"a dimension that is neither equal nor 1", []int{3, 4}, []int{2, 4}},
		{"more dimensions than the tensor", []int{4}, []int{3, 4}},
		{"swapped dimensions", []int{3, 4}, []int{4, 3}},
		{"a trailing size-1 dimension added", []int{3, 4}, []int{3, 4, 1}},
	}
	for _, tc := range tests {
		t.Run("SumTo with "+tc.name+" panics naming both shapes", func(t *testing.T) {
			wantPanic(t, "SumTo", []string{fmt.Sprint(tc.shape), fmt.Sprint(tc.to)}, func() { seq(tc.shape...).SumTo(tc.to...) })
		})
	}
}

func TestPadDim(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name               string
		x                  func() *tensor.Tensor
		dim, before, after int
		value              float64
		shape              []int
		want               []float64
	}{
		{"pads the columns of a matrix on both sides", func() *tensor.Tensor { return seq(2, 3) }, 1, 1, 2, 9, []int{2, 6}, []float64{9, 0, 1, 2, 9, 9, 9, 3, 4, 5, 9, 9}},
		{"pads the rows of a matrix in front", func() *tensor.Tensor { return seq(2, 3) }, 0, 1, 0, -1, []int{3, 3}, []float64{-1, -1, -1, 0, 1, 2, 3, 4, 5}},
		{"counts a negative dimension from the end", func() *tensor.Tensor { return seq(2, 3) }, -1, 0, 1, 0, []int{2, 4}, []float64{0, 1, 2, 0, 3, 4, 5, 0}},
		{"pads a transposed input", func() *tensor.Tensor { return seq(2, 3).Transpose(0, 1) }, 0, 1, 1, 7, []int{5, 2}, []float64{7, 7, 0, 3, 1, 4, 2, 5, 7, 7}},
		{"pads an expanded input", func() *tensor.Tensor { return tensor.New([]float64{1, 2}, 2, 1).Expand(2, 2) }, 1, 1, 0, 0, []int{2, 3}, []float64{0, 1, 1, 0, 2, 2}},
		{"pads a vector with NaN", func() *tensor.Tensor { return seq(2) }, 0, 2, 0, nan, []int{4}, []float64{nan, nan, 0, 1}},
		{"copies when there is no padding", func() *tensor.Tensor { return seq(2, 2) }, 1, 0, 0, 5, []int{2, 2}, []float64{0, 1, 2, 3}},
		{"fills an empty dimension with the value", func() *tensor.Tensor { return tensor.Zeros(0, 2) }, 0, 1, 1, 5, []int{2, 2}, []float64{5, 5, 5, 5}},
		{"pads the middle dimension of a 3-d slice", func() *tensor.Tensor { return seq(2, 2, 3).Slice(2, 1, 2) }, 1, 0, 1, -3, []int{2, 3, 1}, []float64{1, 4, -3, 7, 10, -3}},
	}
	for _, tc := range tests {
		t.Run("PadDim "+tc.name, func(t *testing.T) {
			x := tc.x()
			before := x.Data()
			got := x.PadDim(tc.dim, tc.before, tc.after, tc.value)
			checkFresh(t, got, tc.shape)
			if got.SameStorage(x) {
				t.Errorf("the result shares storage with the input")
			}
			testutil.AllSame(t, "result", got.Data(), tc.want)
			testutil.AllSame(t, "input afterwards", x.Data(), before)
		})
	}
	t.Run("PadDim with negative padding panics naming the shape", func(t *testing.T) {
		wantPanic(t, "PadDim", []string{"(-1, 0)", "[2 3]"}, func() { seq(2, 3).PadDim(1, -1, 0, 0) })
	})
	t.Run("PadDim of a dimension out of range panics naming the shape", func(t *testing.T) {
		wantPanic(t, "PadDim", []string{"dimension 2", "[2 3]"}, func() { seq(2, 3).PadDim(2, 1, 1, 0) })
	})
	t.Run("PadDim of a 0-d tensor panics", func(t *testing.T) {
		wantPanic(t, "PadDim", []string{"[]"}, func() { tensor.Scalar(1).PadDim(0, 1, 1, 0) })
	})
}
