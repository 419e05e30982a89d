package tensor_test

import (
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestViews checks each view op on a fresh base seq(2, 3, 4), whose element
// [i, j, k] is 12i + 4j + k: the view's layout (shape, strides, offset,
// contiguity), that each of its elements is the base element that src maps
// it to, and that it shares the base's storage both ways.
func TestViews(t *testing.T) {
	tests := []struct {
		name    string
		view    func(b *tensor.Tensor) *tensor.Tensor
		shape   []int
		strides []int
		offset  int
		contig  bool
		src     func(idx []int) []int // view index -> base index
	}{
		{
			name: "View splits the base into [6 4]", view: func(b *tensor.Tensor) *tensor.Tensor { return b.View(6, 4) },
			shape: []int{6, 4}, strides: []int{4, 1}, contig: true,
			src: func(i []int) []int { return []int{i[0] / 3, i[0] % 3, i[1]} },
		},
		{
			name: "View(-1) flattens", view: func(b *tensor.Tensor) *tensor.Tensor { return b.View(-1) },
			shape: []int{24}, strides: []int{1}, contig: true,
			src: func(i []int) []int { return []int{i[0] / 12, i[0] / 4 % 3, i[0] % 4} },
		},
		{
			name: "View infers a -1 in the middle", view: func(b *tensor.Tensor) *tensor.Tensor { return b.View(4, -1, 3) },
			shape: []int{4, 2, 3}, strides: []int{6, 3, 1}, contig: true,
			src: func(i []int) []int { p := 6*i[0] + 3*i[1] + i[2]; return []int{p / 12, p / 4 % 3, p % 4} },
		},
		{
			name: "View adds size-1 dimensions", view: func(b *tensor.Tensor) *tensor.Tensor { return b.View(1, 2, 12, 1) },
			shape: []int{1, 2, 12, 1}, strides: []int{24, 12, 1, 1}, contig: true,
			src: func(i []int) []int { return []int{i[1], i[2] / 4, i[2] % 4} },
		},
		{
			name: "Reshape of a contiguous tensor is a view", view: func(b *tensor.Tensor) *tensor.Tensor { return b.Reshape(3, 8) },
			shape: []int{3, 8}, strides: []int{8, 1}, contig: true,
			src: func(i []int) []int { p := 8*i[0] + i[1]; return []int{p / 12, p / 4 % 3, p % 4} },
		},
		{
			name: "Reshape with -1 infers the first dimension", view: func(b *tensor.Tensor) *tensor.Tensor { return b.Reshape(-1, 6) },
			shape: []int{4, 6}, strides: []int{6, 1}, contig: true,
			src: func(i []int) []int { p := 6*i[0] + i[1]; return []int{p / 12, p / 4 % 3, p % 4} },
		},
		{
			name: "Flatten of a contiguous tensor is a view", view: func(b *tensor.Tensor) *tensor.Tensor { return b.Flatten() },
			shape: []int{24}, strides: []int{1}, contig: true,
			src: func(i []int) []int { return []int{i[0] / 12, i[0] / 4 % 3, i[0] % 4} },
		},
		{
			name: "Transpose swaps the outer and inner dimensions", view: func(b *tensor.Tensor) *tensor.Tensor { return b.Transpose(0, 2) },
			shape: []int{4, 3, 2}, strides: []int{1, 4, 12},
			src: func(i []int) []int { return []int{i[2], i[1], i[0]} },
		},
		{
			name: "Transpose counts negative dimensions from the end", view: func(b *tensor.Tensor) *tensor.Tensor { return b.Transpose(-1, -2) },
			shape: []int{2, 4, 3}, strides: []int{12, 1, 4},
			src: func(i []int) []int { return []int{i[0], i[2], i[1]} },
		},
		{
			name: "Transpose of a dimension with itself changes nothing", view: func(b *tensor.Tensor) *tensor.Tensor { return b.Transpose(1, 1) },
			shape: []int{2, 3, 4}, strides: []int{12, 4, 1}, contig: true,
			src: func(i []int) []int { return i },
		},
		{
			name: "Permute reorders every dimension", view: func(b *tensor.Tensor) *tensor.Tensor { return b.Permute(2, 0, 1) },
			shape: []int{4, 2, 3}, strides: []int{1, 12, 4},
			src: func(i []int) []int { return []int{i[1], i[2], i[0]} },
		},
		{
			name: "Permute accepts negative dimensions", view: func(b *tensor.Tensor) *tensor.Tensor { return b.Permute(-2, -1, 0) },
			shape: []int{3, 4, 2}, strides: []int{4, 1, 12},
			src: func(i []int) []int { return []int{i[2], i[0], i[1]} },
		},
		{
			name: "the identity Permute is contiguous", view: func(b *tensor.Tensor) *tensor.Tensor { return b.Permute(0, 1, 2) },
			shape: []int{2, 3, 4}, strides: []int{12, 4, 1}, contig: true,
			src: func(i []int) []int { return i },
		},
		{
			name: "Slice of the middle dimension moves the offset", view: func(b *tensor.Tensor) *tensor.Tensor { return b.Slice(1, 1, 3) },
			shape: []int{2, 2, 4}, strides: []int{12, 4, 1}, offset: 4,
			src: func(i []int) []int { return []int{i[0], i[1] + 1, i[2]} },
		},
		{
			name: "Slice of the first dimension stays contiguous", view: func(b *tensor.Tensor) *tensor.Tensor { return b.Slice(0, 1, 2) },
			shape: []int{1, 3, 4}, strides: []int{12, 4, 1}, offset: 12, contig: true,
			src: func(i []int) []int { return []int{i[0] + 1, i[1], i[2]} },
		},
		{
			name: "Slice with negative bounds counts from the end", view: func(b *tensor.Tensor) *tensor.Tensor { return b.Slice(-1, -3, -1) },
			shape: []int{2, 3, 2}, strides: []int{12, 4, 1}, offset: 1,
			src: func(i []int) []int { return []int{i[0], i[1], i[2] + 1} },
		},
		{
			name: "Slice of the whole dimension is the same layout", view: func(b *tensor.Tensor) *tensor.Tensor { return b.Slice(2, 0, 4) },
			shape: []int{2, 3, 4}, strides: []int{12, 4, 1}, contig: true,
			src: func(i []int) []int { return i },
		},
		{
			name: "Slice of an empty range is empty", view: func(b *tensor.Tensor) *tensor.Tensor { return b.Slice(1, 2, 2) },
			shape: []int{2, 0, 4}, strides: []int{12, 4, 1},
			src: func(i []int) []int { return i },
		},
		{
			name: "Select of the first dimension is a contiguous matrix", view: func(b *tensor.Tensor) *tensor.Tensor { return b.Select(0, 1) },
			shape: []int{3, 4}, strides: []int{4, 1}, offset: 12, contig: true,
			src: func(i []int) []int { return []int{1, i[0], i[1]} },
		},
		{
			name: "Select of the last dimension with a negative index", view: func(b *tensor.Tensor) *tensor.Tensor { return b.Select(-1, -1) },
			shape: []int{2, 3}, strides: []int{12, 4}, offset: 3,
			src: func(i []int) []int { return []int{i[0], i[1], 3} },
		},
		{
			name: "Select of the middle dimension", view: func(b *tensor.Tensor) *tensor.Tensor { return b.Select(1, 2) },
			shape: []int{2, 4}, strides: []int{12, 1}, offset: 8,
			src: func(i []int) []int { return []int{i[0], 2, i[1]} },
		},
		{
			name: "Select down to 0-d keeps the offset", view: func(b *tensor.Tensor) *tensor.Tensor { return b.Select(0, 1).Select(0, 2).Select(0, 3) },
			shape: []int{}, strides: []int{}, offset: 23, contig: true,
			src: func(i []int) []int { return []int{1, 2, 3} },
		},
		{
			name: "Expand repeats a size-1 dimension with stride 0", view: func(b *tensor.Tensor) *tensor.Tensor { return b.Slice(2, 1, 2).Expand(2, 3, 5) },
			shape: []int{2, 3, 5}, strides: []int{12, 4, 0}, offset: 1,
			src: func(i []int) []int { return []int{i[0], i[1], 1} },
		},
		{
			name: "Expand adds leading dimensions and keeps -1 entries", view: func(b *tensor.Tensor) *tensor.Tensor { return b.Select(0, 0).Expand(2, -1, 4) },
			shape: []int{2, 3, 4}, strides: []int{0, 4, 1},
			src: func(i []int) []int { return []int{0, i[1], i[2]} },
		},
		{
			name: "Expand to the same shape is the same layout", view: func(b *tensor.Tensor) *tensor.Tensor { return b.Expand(2, 3, 4) },
			shape: []int{2, 3, 4}, strides: []int{12, 4, 1}, contig: true,
			src: func(i []int) []int { return i },
		},
		{
			name: "Expand of a 0-d view to a matrix", view: func(b *tensor.Tensor) *tensor.Tensor { return b.Select(0, 1).Select(0, 0).Select(0, 2).Expand(2, 2) },
			shape: []int{2, 2}, strides: []int{0, 0}, offset: 14,
			src: func(i []int) []int { return []int{1, 0, 2} },
		},
		{
			name: "Squeeze with no dims drops every size-1 dimension", view: func(b *tensor.Tensor) *tensor.Tensor { return b.View(2, 1, 3, 1, 4).Squeeze() },
			shape: []int{2, 3, 4}, strides: []int{12, 4, 1}, contig: true,
			src: func(i []int) []int { return i },
		},
		{
			name: "Squeeze of one dimension keeps the others", view: func(b *tensor.Tensor) *tensor.Tensor { return b.View(2, 1, 3, 1, 4).Squeeze(-2) },
			shape: []int{2, 1, 3, 4}, strides: []int{12, 12, 4, 1}, contig: true,
			src: func(i []int) []int { return []int{i[0], i[2], i[3]} },
		},
		{
			name: "Squeeze of a dimension that is not size 1 leaves it", view: func(b *tensor.Tensor) *tensor.Tensor { return b.Squeeze(0) },
			shape: []int{2, 3, 4}, strides: []int{12, 4, 1}, contig: true,
			src: func(i []int) []int { return i },
		},
		{
			name: "Unsqueeze at the front", view: func(b *tensor.Tensor) *tensor.Tensor { return b.Unsqueeze(0) },
			shape: []int{1, 2, 3, 4}, strides: []int{24, 12, 4, 1}, contig: true,
			src: func(i []int) []int { return i[1:] },
		},
		{
			name: "Unsqueeze in the middle", view: func(b *tensor.Tensor) *tensor.Tensor { return b.Unsqueeze(1) },
			shape: []int{2, 1, 3, 4}, strides: []int{12, 12, 4, 1}, contig: true,
			src: func(i []int) []int { return []int{i[0], i[2], i[3]} },
		},
		{
			name: "Unsqueeze(-1) appends", view: func(b *tensor.Tensor) *tensor.Tensor { return b.Unsqueeze(-1) },
			shape: []int{2, 3, 4, 1}, strides: []int{12, 4, 1, 1}, contig: true,
			src: func(i []int) []int { return i[:3] },
		},
		{
			name: "Unsqueeze of a transposed view stays non-contiguous", view: func(b *tensor.Tensor) *tensor.Tensor { return b.Transpose(0, 1).Unsqueeze(0) },
			shape: []int{1, 3, 2, 4}, strides: []int{12, 4, 12, 1},
			src: func(i []int) []int { return []int{i[2], i[1], i[3]} },
		},
		{
			name: "View of a transposed tensor splits its contiguous last dimension", view: func(b *tensor.Tensor) *tensor.Tensor { return b.Transpose(0, 1).View(3, 2, 2, 2) },
			shape: []int{3, 2, 2, 2}, strides: []int{4, 12, 2, 1},
			src: func(i []int) []int { return []int{i[1], i[0], 2*i[2] + i[3]} },
		},
		{
			name: "View of a row slice merges its rows", view: func(b *tensor.Tensor) *tensor.Tensor { return b.Select(0, 1).Slice(0, 1, 3).View(8) },
			shape: []int{8}, strides: []int{1}, offset: 16, contig: true,
			src: func(i []int) []int { return []int{1, 1 + i[0]/4, i[0] % 4} },
		},
		{
			name: "View of an expanded tensor keeps stride 0", view: func(b *tensor.Tensor) *tensor.Tensor {
				return b.Select(0, 0).Select(0, 0).Select(0, 0).Expand(2, 3).View(6)
			},
			shape: []int{6}, strides: []int{0},
			src: func(i []int) []int { return []int{0, 0, 0} },
		},
		{
			name: "Reshape of a column slice that can be viewed", view: func(b *tensor.Tensor) *tensor.Tensor { return b.Slice(2, 0, 2).Reshape(2, 3, 2, 1) },
			shape: []int{2, 3, 2, 1}, strides: []int{12, 4, 1, 1},
			src: func(i []int) []int { return []int{i[0], i[1], i[2]} },
		},
		{
			name: "chained Transpose, Slice and Select", view: func(b *tensor.Tensor) *tensor.Tensor { return b.Transpose(0, 2).Slice(0, 1, 4).Select(1, 2) },
			shape: []int{3, 2}, strides: []int{1, 12}, offset: 9,
			src: func(i []int) []int { return []int{i[1], 2, i[0] + 1} },
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			base := seq(2, 3, 4)
			v := tc.view(base)
			checkShape(t, "Shape()", v.Shape(), tc.shape)
			checkShape(t, "Strides()", v.Strides(), tc.strides)
			if v.Offset() != tc.offset {
				t.Errorf("Offset() = %d, want %d", v.Offset(), tc.offset)
			}
			// Contiguity of an empty view is left unchecked: PyTorch calls
			// every empty tensor contiguous, this package need not.
			if v.Numel() > 0 && v.IsContiguous() != tc.contig {
				t.Errorf("IsContiguous() = %v, want %v", v.IsContiguous(), tc.contig)
			}
			if !v.SameStorage(base) {
				t.Fatalf("SameStorage(base) = false, want a view")
			}
			var want []float64
			for _, idx := range indices(tc.shape) {
				want = append(want, base.At(tc.src(idx)...))
			}
			testutil.AllSame(t, "values via At", valuesAt(v), want)
			testutil.AllSame(t, "Data()", v.Data(), want)
			if v.Numel() == 0 {
				return
			}
			// A write through the view is seen by the base at the
			// element it maps to, and the other way round. A view whose
			// elements overlap (stride 0) refuses the write, and the base
			// makes it instead.
			last := indices(tc.shape)[v.Numel()-1]
			overlap := false
			for i, s := range v.Strides() {
				overlap = overlap || (s == 0 && tc.shape[i] > 1)
			}
			if overlap {
				wantPanic(t, "Set", []string{"overlapping elements"}, func() { v.Set(-100, last...) })
				base.Set(-100, tc.src(last)...)
			} else {
				v.Set(-100, last...)
			}
			if got := base.At(tc.src(last)...); got != -100 {
				t.Errorf("base.At(%v) = %v after the view's Set(-100, %v)", tc.src(last), got, last)
			}
			first := indices(tc.shape)[0]
			base.Set(-200, tc.src(first)...)
			if got := v.At(first...); got != -200 {
				t.Errorf("view.At(%v) = %v after the base's Set(-200, %v)", first, got, tc.src(first))
			}
			if v.Version() != 2 || base.Version() != 2 {
				t.Errorf("versions after two Sets: view %d, base %d; want 2 and 2", v.Version(), base.Version())
			}
		})
	}
}

func TestViewOfNonViewableLayout(t *testing.T) {
	t.Run("View(-1) of a transpose panics naming View and both shapes", func(t *testing.T) {
		tr := seq(2, 3).Transpose(0, 1)
		wantPanic(t, "View", []string{"[3 2]", "[6]", "Reshape"}, func() { tr.View(-1) })
	})
	t.Run("View merging a sliced row panics", func(t *testing.T) {
		s := seq(4, 4).Slice(1, 0, 2)
		wantPanic(t, "View", []string{"[4 2]", "[8]"}, func() { s.View(8) })
	})
	t.Run("Reshape(-1) of a transpose copies the elements in row-major order", func(t *testing.T) {
		base := seq(2, 3)
		r := base.Transpose(0, 1).Reshape(-1)
		checkFresh(t, r, []int{6})
		if r.SameStorage(base) {
			t.Errorf("Reshape of a non-viewable layout shares storage; want a copy")
		}
		testutil.AllSame(t, "Data()", r.Data(), []float64{0, 3, 1, 4, 2, 5})
		r.Set(99, 0)
		if base.At(0, 0) != 0 {
			t.Errorf("write to the reshaped copy reached the base")
		}
	})
	t.Run("Flatten of a sliced matrix copies", func(t *testing.T) {
		base := seq(3, 4)
		r := base.Slice(1, 1, 3).Flatten()
		checkFresh(t, r, []int{6})
		if r.SameStorage(base) {
			t.Errorf("Flatten of a column slice shares storage; want a copy")
		}
		testutil.AllSame(t, "Data()", r.Data(), []float64{1, 2, 5, 6, 9, 10})
	})
	t.Run("Reshape of an expanded tensor into new dimensions copies", func(t *testing.T) {
		e := tensor.New([]float64{1, 2, 3}, 3, 1).Expand(3, 2)
		r := e.Reshape(2, 3)
		checkFresh(t, r, []int{2, 3})
		testutil.AllSame(t, "Data()", r.Data(), []float64{1, 1, 2, 2, 3, 3})
	})
	t.Run("Reshape of an empty tensor gives row-major strides", func(t *testing.T) {
		r := tensor.Zeros(0, 3).Reshape(3, 0, 2)
		checkShape(t, "Shape()", r.Shape(), []int{3, 0, 2})
		if r.Numel() != 0 || len(r.Data()) != 0 {
			t.Errorf("Numel() = %d, want 0", r.Numel())
		}
	})
	t.Run("View of a 0-d tensor as [1 1] and back", func(t *testing.T) {
		s := tensor.Scalar(7)
		v := s.View(1, 1)
		checkShape(t, "Shape()", v.Shape(), []int{1, 1})
		if v.At(0, 0) != 7 || !v.SameStorage(s) {
			t.Errorf("At(0, 0) = %v, SameStorage = %v; want 7, true", v.At(0, 0), v.SameStorage(s))
		}
		b := v.View()
		checkShape(t, "Shape() of View()", b.Shape(), []int{})
		if b.Item() != 7 {
			t.Errorf("Item() = %v, want 7", b.Item())
		}
	})
}

func TestContiguousAndClone(t *testing.T) {
	t.Run("Contiguous of a contiguous tensor is the tensor itself", func(t *testing.T) {
		x := seq(2, 3)
		if x.Contiguous() != x {
			t.Errorf("Contiguous() returned a different tensor")
		}
		row := x.Select(0, 1)
		if row.Contiguous() != row {
			t.Errorf("Contiguous() of a contiguous row view returned a different tensor")
		}
	})
	t.Run("Contiguous of a transpose is a row-major copy", func(t *testing.T) {
		x := seq(2, 3)
		c := x.Transpose(0, 1).Contiguous()
		checkFresh(t, c, []int{3, 2})
		if c.SameStorage(x) {
			t.Errorf("the copy shares storage with the base")
		}
		testutil.AllSame(t, "Data()", c.Data(), []float64{0, 3, 1, 4, 2, 5})
	})
	t.Run("Clone copies even a contiguous tensor, into storage of its own", func(t *testing.T) {
		x := seq(2, 3)
		x.Set(7, 0, 0)
		c := x.Clone()
		checkFresh(t, c, []int{2, 3})
		if c.SameStorage(x) || c.Version() != 0 {
			t.Errorf("SameStorage = %v, Version = %d; want false, 0", c.SameStorage(x), c.Version())
		}
		testutil.AllSame(t, "Data()", c.Data(), x.Data())
		c.Set(-1, 1, 2)
		if x.At(1, 2) != 5 {
			t.Errorf("write to the clone reached the original")
		}
	})
	t.Run("Clone of an offset 0-d view", func(t *testing.T) {
		c := seq(5).Select(0, 3).Clone()
		checkFresh(t, c, []int{})
		if c.Item() != 3 {
			t.Errorf("Item() = %v, want 3", c.Item())
		}
	})
	t.Run("Clone of an expanded view materialises the repeats", func(t *testing.T) {
		c := tensor.New([]float64{1, 2}, 2, 1).Expand(2, 3).Clone()
		checkFresh(t, c, []int{2, 3})
		testutil.AllSame(t, "Data()", c.Data(), []float64{1, 1, 1, 2, 2, 2})
	})
	t.Run("Clone of an empty transposed tensor", func(t *testing.T) {
		c := tensor.Zeros(0, 3).Transpose(0, 1).Clone()
		checkShape(t, "Shape()", c.Shape(), []int{3, 0})
		if c.Numel() != 0 {
			t.Errorf("Numel() = %d, want 0", c.Numel())
		}
	})
}

func TestViewPanics(t *testing.T) {
	x := seq(2, 3, 4)
	tests := []struct {
		name string
		op   string
		want []string
		f    func()
	}{
		{"View to a shape of the wrong size", "View", []string{"[5 5]", "[2 3 4]"}, func() { x.View(5, 5) }},
		{"View with two -1 entries", "View", []string{"[-1 -1]", "[2 3 4]"}, func() { x.View(-1, -1) }},
		{"View with -1 that does not divide", "View", []string{"[5 -1]", "[2 3 4]"}, func() { x.View(5, -1) }},
		{"View with a negative entry other than -1", "View", []string{"[-2 12]", "[2 3 4]"}, func() { x.View(-2, 12) }},
		{"View with -1 beside a zero", "View", []string{"[-1 0]", "[2 3 4]"}, func() { x.View(-1, 0) }},
		{"Reshape to a shape of the wrong size", "Reshape", []string{"[7 -1]", "[2 3 4]"}, func() { x.Reshape(7, -1) }},
		{"Reshape of an empty tensor with an ambiguous -1", "Reshape", []string{"[-1 0]", "[0 3]"}, func() { tensor.Zeros(0, 3).Reshape(-1, 0) }},
		{"Transpose of a dimension past the end", "Transpose", []string{"[2 3 4]", "dimension 3", "[-3, 2]"}, func() { x.Transpose(0, 3) }},
		{"Transpose of a negative dimension past the start", "Transpose", []string{"[2 3 4]", "dimension -4"}, func() { x.Transpose(-4, 0) }},
		{"Permute with too few dimensions", "Permute", []string{"[0 1]", "[2 3 4]"}, func() { x.Permute(0, 1) }},
		{"Permute with too many dimensions", "Permute", []string{"[0 1 2 3]", "[2 3 4]"}, func() { x.Permute(0, 1, 2, 3) }},
		{"Permute with a repeated dimension", "Permute", []string{"[0 0 1]", "[2 3 4]"}, func() { x.Permute(0, 0, 1) }},
		{"Permute repeating a dimension through a negative index", "Permute", []string{"[2 -1 0]", "[2 3 4]"}, func() { x.Permute(2, -1, 0) }},
		{"Permute with a dimension out of range", "Permute", []string{"dimension 3", "[2 3 4]"}, func() { x.Permute(0, 1, 3) }},
		{"Slice past the end", "Slice", []string{"[2, 5)", "[2 3 4]"}, func() { x.Slice(1, 2, 5) }},
		{"Slice with start after end", "Slice", []string{"[2, 1)", "[2 3 4]"}, func() { x.Slice(1, 2, 1) }},
		{"Slice with a negative start before the beginning", "Slice", []string{"[-5, 2)", "[2 3 4]"}, func() { x.Slice(1, -5, 2) }},
		{"Slice of a dimension out of range", "Slice", []string{"dimension 3", "[2 3 4]"}, func() { x.Slice(3, 0, 1) }},
		{"Select past the end", "Select", []string{"index 2", "[2 3 4]"}, func() { x.Select(0, 2) }},
		{"Select before the start", "Select", []string{"index -3", "[2 3 4]"}, func() { x.Select(0, -3) }},
		{"Select of a dimension out of range", "Select", []string{"dimension 5", "[2 3 4]"}, func() { x.Select(5, 0) }},
		{"Select on a 0-d tensor", "Select", []string{"[]"}, func() { tensor.Scalar(1).Select(0, 0) }},
		{"Expand of a size-3 dimension to 4", "Expand", []string{"[3 1]", "[4 4]"}, func() { seq(3, 1).Expand(4, 4) }},
		{"Expand to fewer dimensions", "Expand", []string{"[3 1]", "[3]"}, func() { seq(3, 1).Expand(3) }},
		{"Expand with -1 in a new leading dimension", "Expand", []string{"[3 1]", "[-1 3 4]"}, func() { seq(3, 1).Expand(-1, 3, 4) }},
		{"Expand of a size-2 dimension to 1", "Expand", []string{"[2 3 4]", "[1 3 4]"}, func() { x.Expand(1, 3, 4) }},
		{"Squeeze of a dimension out of range", "Squeeze", []string{"dimension 3", "[2 3 4]"}, func() { x.Squeeze(3) }},
		{"Unsqueeze past one beyond the end", "Unsqueeze", []string{"dimension 4", "[-4, 3]", "[2 3 4]"}, func() { x.Unsqueeze(4) }},
		{"Unsqueeze before the start", "Unsqueeze", []string{"dimension -5", "[2 3 4]"}, func() { x.Unsqueeze(-5) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := slices.Clone(x.Data())
			wantPanic(t, tc.op, tc.want, tc.f)
			testutil.AllSame(t, "base after the failed op", x.Data(), before)
		})
	}
}
