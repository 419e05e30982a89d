package tensor_test

import (
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

func TestAccessors(t *testing.T) {
	x := seq(2, 3, 4) // x[i,j,k] = 12i + 4j + k

	t.Run("Shape, Strides, Offset, Dim and Numel describe the layout", func(t *testing.T) {
		checkShape(t, "Shape()", x.Shape(), []int{2, 3, 4})
		checkShape(t, "Strides()", x.Strides(), []int{12, 4, 1})
		if x.Offset() != 0 || x.Dim() != 3 || x.Numel() != 24 {
			t.Errorf("Offset, Dim, Numel = %d, %d, %d; want 0, 3, 24", x.Offset(), x.Dim(), x.Numel())
		}
	})
	t.Run("Shape and Strides return copies", func(t *testing.T) {
		s, st := x.Shape(), x.Strides()
		s[0], st[0] = 99, 99
		checkShape(t, "Shape() after writing an earlier result", x.Shape(), []int{2, 3, 4})
		checkShape(t, "Strides() after writing an earlier result", x.Strides(), []int{12, 4, 1})
	})
	t.Run("Size reads a dimension and counts negative ones from the end", func(t *testing.T) {
		for _, c := range []struct{ d, want int }{{0, 2}, {1, 3}, {2, 4}, {-1, 4}, {-3, 2}} {
			if got := x.Size(c.d); got != c.want {
				t.Errorf("Size(%d) = %d, want %d", c.d, got, c.want)
			}
		}
	})
	t.Run("At reads row-major positions and counts negative indices from the end", func(t *testing.T) {
		for _, c := range []struct {
			idx  []int
			want float64
		}{{[]int{0, 0, 0}, 0}, {[]int{1, 2, 3}, 23}, {[]int{0, 1, 2}, 6}, {[]int{-1, -1, -1}, 23}, {[]int{-2, 0, -4}, 0}, {[]int{1, -3, 1}, 13}} {
			if got := x.At(c.idx...); got != c.want {
				t.Errorf("At(%v) = %v, want %v", c.idx, got, c.want)
			}
		}
	})
	t.Run("Item reads the only element of 0-d and one-element tensors", func(t *testing.T) {
		for _, c := range []struct {
			x    *tensor.Tensor
			want float64
		}{{tensor.Scalar(4), 4}, {tensor.New([]float64{5}), 5}, {tensor.New([]float64{6}, 1, 1, 1), 6}, {seq(3, 4).Select(0, 2).Select(0, 1), 9}} {
			if got := c.x.Item(); got != c.want {
				t.Errorf("Item() of %v = %v, want %v", c.x.Shape(), got, c.want)
			}
		}
	})
	t.Run("At with no indices reads a 0-d tensor", func(t *testing.T) {
		if got := tensor.Scalar(-3).At(); got != -3 {
			t.Errorf("At() = %v, want -3", got)
		}
	})
	t.Run("Data is a copy that does not write back", func(t *testing.T) {
		y := seq(2, 2)
		d := y.Data()
		d[0] = 100
		if y.At(0, 0) != 0 {
			t.Errorf("writing Data()'s result changed the tensor")
		}
	})
	t.Run("Data of a view lists the view's elements in row-major order", func(t *testing.T) {
		testutil.AllSame(t, "Data()", x.Transpose(0, 2).Select(0, 1).Data(), []float64{1, 13, 5, 17, 9, 21})
	})
	t.Run("Raw aliases the storage run of a contiguous view and does not bump the version", func(t *testing.T) {
		y := seq(4, 3)
		row := y.Select(0, 2)
		r := row.Raw()
		testutil.AllSame(t, "Raw()", r, []float64{6, 7, 8})
		v := y.Version()
		r[1] = -7
		if y.At(2, 1) != -7 {
			t.Errorf("write through Raw() not seen by the base tensor")
		}
		if y.Version() != v {
			t.Errorf("Version() = %d after a Raw write, want %d", y.Version(), v)
		}
		y.MarkModified()
		if y.Version() != v+1 || row.Version() != v+1 {
			t.Errorf("after MarkModified, versions %d (base) and %d (view), want %d", y.Version(), row.Version(), v+1)
		}
	})
	t.Run("Set writes in place through negative indices and bumps the version", func(t *testing.T) {
		y := seq(2, 3)
		y.Set(-5, -1, 0)
		if y.At(1, 0) != -5 {
			t.Errorf("At(1, 0) = %v after Set(-5, -1, 0)", y.At(1, 0))
		}
		if y.Version() != 1 {
			t.Errorf("Version() = %d after one Set, want 1", y.Version())
		}
		testutil.AllSame(t, "Data()", y.Data(), []float64{0, 1, 2, -5, 4, 5})
	})
}

func TestAccessorPanics(t *testing.T) {
	x := seq(2, 3)
	tests := []struct {
		name string
		op   string
		want []string
		f    func()
	}{
		{"At with too few indices", "At", []string{"[2 3]", "1 indices"}, func() { x.At(1) }},
		{"At with too many indices", "At", []string{"[2 3]"}, func() { x.At(0, 0, 0) }},
		{"At past the end of a dimension", "At", []string{"[2 3]", "[0 3]"}, func() { x.At(0, 3) }},
		{"At before the start of a dimension", "At", []string{"[2 3]", "[-3 0]"}, func() { x.At(-3, 0) }},
		{"At with an index on a 0-d tensor", "At", []string{"[]"}, func() { tensor.Scalar(1).At(0) }},
		{"Set out of range", "Set", []string{"[2 3]"}, func() { x.Set(1, 2, 0) }},
		{"Item of a two-element tensor", "Item", []string{"[2]", "2 elements"}, func() { tensor.New([]float64{1, 2}).Item() }},
		{"Item of an empty tensor", "Item", []string{"[0 3]", "0 elements"}, func() { tensor.Zeros(0, 3).Item() }},
		{"Size of a dimension out of range", "Size", []string{"[2 3]", "dimension 2"}, func() { x.Size(2) }},
		{"Size of a negative dimension out of range", "Size", []string{"[2 3]", "dimension -3"}, func() { x.Size(-3) }},
		{"Raw of a transposed view", "Raw", []string{"[3 2]", "[1 3]"}, func() { x.Transpose(0, 1).Raw() }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { wantPanic(t, tc.op, tc.want, tc.f) })
	}
}

func TestError(t *testing.T) {
	t.Run("a broadcast failure carries the op and both shapes", func(t *testing.T) {
		e := wantPanic(t, "Add", nil, func() { seq(2, 3).Add(seq(4)) })
		if got, want := e.Error(), "tensor: Add: cannot broadcast [2 3] with [4]"; got != want {
			t.Errorf("Error() = %q, want %q", got, want)
		}
		if e.Pkg != "tensor" {
			t.Errorf("Pkg = %q, want tensor", e.Pkg)
		}
		if len(e.Shapes) != 2 || !slices.Equal(e.Shapes[0], []int{2, 3}) || !slices.Equal(e.Shapes[1], []int{4}) {
			t.Errorf("Shapes = %v, want [[2 3] [4]]", e.Shapes)
		}
	})
	t.Run("Panicf reports for another package and copies the shapes", func(t *testing.T) {
		shape := []int{5, 6}
		e := testutil.Panics[*tensor.Error](t, func() { tensor.Panicf("autograd", "MatMul", [][]int{shape}, "bad %v", shape) })
		shape[0] = 0
		if got, want := e.Error(), "autograd: MatMul: bad [5 6]"; got != want {
			t.Errorf("Error() = %q, want %q", got, want)
		}
		if !slices.Equal(e.Shapes[0], []int{5, 6}) {
			t.Errorf("Shapes[0] = %v after the caller changed its slice, want [5 6]", e.Shapes[0])
		}
	})
	t.Run("an Error with no package prints as tensor", func(t *testing.T) {
		e := &tensor.Error{Op: "X", Msg: "y"}
		if got := e.Error(); got != "tensor: X: y" {
			t.Errorf("Error() = %q, want %q", got, "tensor: X: y")
		}
	})
}
