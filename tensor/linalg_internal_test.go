package tensor

import "testing"

// TestGemmOperandCopiesOnlyWhenItMust checks how MatMul hands each operand
// to Gemm: views whose matrices are row- or column-major are read in place
// (same storage, no copy), and only a matrix with a stride-0 or otherwise
// unusable layout is copied.
func TestGemmOperandCopiesOnlyWhenItMust(t *testing.T) {
	seq := func(shape ...int) *Tensor { return Arange(0, float64(numelOf("seq", shape)), 1).Reshape(shape...) }
	cases := []struct {
		name    string
		x       *Tensor
		inPlace bool
		ld      int
		trans   bool
	}{
		{"a contiguous matrix is read row-major", seq(3, 4), true, 4, false},
		{"a transposed matrix is read column-major", seq(4, 3).Transpose(0, 1), true, 3, true},
		{"a column slice keeps its row stride", seq(3, 6).Slice(1, 1, 4), true, 6, false},
		{"a transposed slice keeps its column stride", seq(6, 3).Slice(0, 2, 5).Transpose(0, 1), true, 3, true},
		{"a batch of transposed matrices is read in place", seq(2, 4, 3).Transpose(-2, -1), true, 3, true},
		{"a single row takes any stride", seq(4, 5).Select(1, 2).Unsqueeze(0), true, 5, true},
		{"a single column takes any stride", seq(4, 5).Select(1, 2).Unsqueeze(1), true, 5, false},
		{"an expanded matrix is copied", seq(1, 4).Expand(3, 4), false, 4, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := gemmOperandOf(c.x, []int{2}[:max(0, c.x.Dim()-2)], false)
			inPlace := &o.data[0] == &c.x.st.data[0]
			if inPlace != c.inPlace || o.ld != c.ld || o.trans != c.trans {
				t.Errorf("in place %v, ld %d, trans %v; want %v, %d, %v", inPlace, o.ld, o.trans, c.inPlace, c.ld, c.trans)
			}
		})
	}
	t.Run("a matrix with strides in neither order is copied", func(t *testing.T) {
		// Every other row and every other column: no unit stride.
		x := seq(6, 8).View(3, 2, 4, 2).Select(1, 0).Select(2, 0)
		o := gemmOperandOf(x, nil, false)
		if &o.data[0] == &x.st.data[0] || o.ld != 4 || o.trans {
			t.Errorf("ld %d, trans %v, copied %v; want a row-major copy with ld 4", o.ld, o.trans, &o.data[0] != &x.st.data[0])
		}
	})
}

// TestFoldRows checks when a batch times a shared matrix becomes one
// product: the left operand's rows must be evenly spaced through the batch.
func TestFoldRows(t *testing.T) {
	cases := []struct {
		name  string
		x     *Tensor
		batch []int
		rows  int
		ok    bool
	}{
		{"a contiguous batch folds", Zeros(5, 3, 4), []int{5}, 15, true},
		{"a contiguous deeper batch folds", Zeros(2, 5, 3, 4), []int{2, 5}, 30, true},
		{"a batch of single rows folds", Zeros(5, 1, 4), []int{5}, 5, true},
		{"a column slice folds with its row stride", Zeros(5, 3, 7).Slice(2, 0, 4), []int{5}, 15, true},
		{"a size-1 batch dimension folds", Zeros(1, 3, 4), []int{1}, 3, true},
		{"a transposed batch does not fold", Zeros(5, 4, 3).Transpose(-2, -1), []int{5}, 0, false},
		{"a batch with gaps does not fold", Zeros(5, 4, 4).Slice(1, 0, 3), []int{5}, 0, false},
		{"batch dimensions out of order do not fold", Zeros(5, 2, 3, 4).Transpose(0, 1), []int{2, 5}, 0, false},
		{"a broadcast batch does not fold", Zeros(1, 3, 4), []int{6}, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := gemmOperandOf(c.x, c.batch, false)
			n := c.x.Size(-2)
			rows, ok := o.foldRows(c.batch, n)
			if rows != c.rows || ok != c.ok {
				t.Errorf("foldRows = %d, %v; want %d, %v", rows, ok, c.rows, c.ok)
			}
		})
	}
}
