package tensor_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

// refMatMul is the reference for MatMul, from torch.matmul's rules written
// out plainly: a 1-D left operand is a [1 k] matrix and a 1-D right operand
// a [k 1] one, batch dimensions broadcast, every element is a naive sum read
// with At, and the dimensions added for vectors are dropped again.
func refMatMul(a, b *tensor.Tensor) ([]int, []float64) {
	as, bs := a.Shape(), b.Shape()
	if len(as) == 1 && len(bs) == 1 {
		var s float64
		for l := 0; l < as[0]; l++ {
			s += a.At(l) * b.At(l)
		}
		return []int{}, []float64{s}
	}
	am, bm := as, bs
	if len(as) == 1 {
		am = []int{1, as[0]}
	}
	if len(bs) == 1 {
		bm = []int{bs[0], 1}
	}
	n, k, m := am[len(am)-2], am[len(am)-1], bm[len(bm)-1]
	batch, ok := refBroadcast(am[:len(am)-2], bm[:len(bm)-2])
	if !ok {
		panic("refMatMul: batch dimensions do not broadcast")
	}
	elem := func(x *tensor.Tensor, xm []int, bidx []int, i, j int) float64 {
		switch {
		case x.Dim() == 1 && x == a:
			return a.At(j)
		case x.Dim() == 1:
			return b.At(i)
		}
		return x.At(append(project(bidx, xm[:len(xm)-2]), i, j)...)
	}
	full := append(slices.Clone(batch), n, m)
	var out []float64
	for _, idx := range indices(full) {
		bidx, i, j := idx[:len(batch)], idx[len(batch)], idx[len(batch)+1]
		var s float64
		for l := 0; l < k; l++ {
			s += elem(a, am, bidx, i, l) * elem(b, bm, bidx, l, j)
		}
		out = append(out, s)
	}
	shape := slices.Clone(batch)
	if len(as) > 1 {
		shape = append(shape, n)
	}
	if len(bs) > 1 {
		shape = append(shape, m)
	}
	return shape, out
}

// matmulLayouts build a tensor of a given shape with random values in
// different memory layouts, all read by MatMul through the same shape.
var matmulLayouts = []struct {
	name string
	make func(rng *rand.Rand, shape []int) *tensor.Tensor
}{
	{"contiguous", func(rng *rand.Rand, shape []int) *tensor.Tensor { return randT(rng, shape...) }},
	{"transposed", func(rng *rand.Rand, shape []int) *tensor.Tensor {
		if len(shape) < 2 { // a 1-D view with stride 3: a column of a matrix
			return randT(rng, shape[0], 3).Select(1, 1)
		}
		s := slices.Clone(shape)
		s[len(s)-1], s[len(s)-2] = s[len(s)-2], s[len(s)-1]
		return randT(rng, s...).Transpose(-2, -1)
	}},
	{"sliced", func(rng *rand.Rand, shape []int) *tensor.Tensor {
		if len(shape) == 1 {
			return randT(rng, shape[0]+5).Slice(0, 2, 2+shape[0])
		}
		s := slices.Clone(shape)
		s[0] += 2
		s[len(s)-1] += 3
		x := randT(rng, s...).Slice(-1, 1, 1+shape[len(shape)-1])
		return x.Slice(0, 2, 2+shape[0])
	}},
	{"batch-permuted", func(rng *rand.Rand, shape []int) *tensor.Tensor {
		if len(shape) < 3 {
			return randT(rng, shape...)
		}
		// The matrices' rows come first in memory, then the batch.
		nd := len(shape)
		perm := make([]int, nd)
		s := make([]int, nd)
		perm[nd-2], perm[nd-1] = 0, 1
		s[0], s[1] = shape[nd-2], shape[nd-1]
		for i := 0; i < nd-2; i++ {
			perm[i] = i + 2
			s[i+2] = shape[i]
		}
		return randT(rng, s...).Permute(perm...)
	}},
	{"expanded", func(rng *rand.Rand, shape []int) *tensor.Tensor {
		// Every row (every element of a vector) is the same: stride 0, so
		// MatMul has to copy.
		s := slices.Clone(shape)
		d := len(s) - 2
		if d < 0 {
			d = 0
		}
		s[d] = 1
		return randT(rng, s...).Expand(shape...)
	}},
}

var matmulShapes = []struct {
	name string
	a, b []int
}{
	{"a vector times a vector is their dot product", []int{5}, []int{5}},
	{"a matrix times a matrix", []int{3, 4}, []int{4, 5}},
	{"a vector times a matrix drops the prepended 1", []int{4}, []int{4, 3}},
	{"a matrix times a vector is a matrix-vector product", []int{3, 4}, []int{4}},
	{"a vector times a batch of matrices", []int{4}, []int{2, 4, 3}},
	{"a batch of matrices times a vector", []int{2, 3, 4}, []int{4}},
	{"a batch times one shared matrix", []int{5, 3, 4}, []int{4, 2}},
	{"a deeper batch times one shared matrix", []int{2, 3, 3, 4}, []int{4, 2}},
	{"one matrix times a batch", []int{3, 4}, []int{5, 4, 2}},
	{"two batches of the same size", []int{5, 3, 4}, []int{5, 4, 2}},
	{"batch dimensions broadcast both ways", []int{2, 1, 3, 4}, []int{5, 4, 2}},
	{"a size-1 batch broadcasts against a larger one", []int{1, 3, 4}, []int{6, 4, 2}},
	{"one by one matrices", []int{1, 1}, []int{1, 1}},
	{"a row times a column", []int{1, 7}, []int{7, 1}},
	{"a column times a row is an outer product", []int{6, 1}, []int{1, 5}},
	{"a row vector times a matrix", []int{1, 6}, []int{6, 4}},
	{"a matrix times a column", []int{5, 6}, []int{6, 1}},
	{"odd sizes", []int{17, 13}, []int{13, 11}},
	{"sizes across Gemm's 64-blocks", []int{70, 65}, []int{65, 130}},
}

func TestMatMulMatchesTheNaiveLoop(t *testing.T) {
	rng := newRNG(10)
	for _, c := range matmulShapes {
		for _, la := range matmulLayouts {
			for _, lb := range matmulLayouts {
				t.Run(fmt.Sprintf("%s, %s times %s", c.name, la.name, lb.name), func(t *testing.T) {
					a, b := la.make(rng, c.a), lb.make(rng, c.b)
					checkShape(t, "a.Shape()", a.Shape(), c.a)
					checkShape(t, "b.Shape()", b.Shape(), c.b)
					wantShape, want := refMatMul(a, b)
					got := a.MatMul(b)
					checkFresh(t, got, wantShape)
					testutil.AllClose(t, "MatMul", got.Data(), want, 1e-12)
				})
			}
		}
	}
}

func TestMatMulExactValues(t *testing.T) {
	a := tensor.New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	b := tensor.New([]float64{7, 8, 9, 10, 11, 12}, 3, 2)
	cases := []struct {
		name  string
		got   *tensor.Tensor
		shape []int
		want  []float64
	}{
		{"2x3 times 3x2", a.MatMul(b), []int{2, 2}, []float64{58, 64, 139, 154}},
		{"the transpose of a product is the product of transposes", b.T().MatMul(a.T()), []int{2, 2}, []float64{58, 139, 64, 154}},
		{"a matrix times a vector", a.MatMul(tensor.New([]float64{1, 0, -1})), []int{2}, []float64{-2, -2}},
		{"a vector times a matrix", tensor.New([]float64{1, -1}).MatMul(a), []int{3}, []float64{-3, -3, -3}},
		{"a vector times a vector", tensor.New([]float64{1, 2, 3}).MatMul(tensor.New([]float64{4, 5, 6})), []int{}, []float64{32}},
		{"identity times a matrix", tensor.Eye(2).MatMul(a), []int{2, 3}, []float64{1, 2, 3, 4, 5, 6}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkShape(t, "Shape()", c.got.Shape(), c.shape)
			testutil.AllSame(t, "values", c.got.Data(), c.want)
		})
	}
}

func TestMatMulEmptyDimensions(t *testing.T) {
	cases := []struct {
		name  string
		a, b  []int
		shape []int
	}{
		{"an inner dimension of 0 gives zeros", []int{2, 0}, []int{0, 3}, []int{2, 3}},
		{"empty vectors have dot product 0", []int{0}, []int{0}, []int{}},
		{"a batch with an inner dimension of 0 gives zeros", []int{4, 2, 0}, []int{0, 3}, []int{4, 2, 3}},
		{"0 rows give an empty result", []int{0, 3}, []int{3, 4}, []int{0, 4}},
		{"0 columns give an empty result", []int{2, 3}, []int{3, 0}, []int{2, 0}},
		{"an empty batch gives an empty result", []int{0, 2, 3}, []int{3, 4}, []int{0, 2, 4}},
		{"an empty batch broadcasts against a size-1 one", []int{1, 2, 3}, []int{0, 3, 4}, []int{0, 2, 4}},
		{"a matrix with 0 rows times a vector", []int{0, 3}, []int{3}, []int{0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := tensor.Full(2, c.a...).MatMul(tensor.Full(3, c.b...))
			checkFresh(t, got, c.shape)
			testutil.AllSame(t, "values", got.Data(), make([]float64, numel(c.shape)))
		})
	}
}

func TestMatMulPanics(t *testing.T) {
	cases := []struct {
		name string
		a, b []int
		want string
	}{
		{"a 0-d left operand", []int{}, []int{3}, "at least one dimension"},
		{"a 0-d right operand", []int{2, 3}, []int{}, "at least one dimension"},
		{"matrices whose inner dimensions differ", []int{2, 3}, []int{4, 5}, "inner dimensions 3 and 4 differ"},
		{"vectors of different lengths", []int{3}, []int{4}, "inner dimensions 3 and 4 differ"},
		{"a vector too short for the matrix", []int{3}, []int{4, 5}, "inner dimensions 3 and 4 differ"},
		{"a matrix too wide for the vector", []int{2, 3}, []int{4}, "inner dimensions 3 and 4 differ"},
		{"a batch whose inner dimensions differ", []int{5, 2, 3}, []int{5, 4, 2}, "inner dimensions 3 and 4 differ"},
		{"batch dimensions that do not broadcast", []int{2, 3, 4}, []int{3, 4, 5}, "batch dimensions [2] and [3] do not broadcast"},
	}
	for _, c := range cases {
		t.Run(c.name+" panics naming MatMul and both shapes", func(t *testing.T) {
			e := wantPanic(t, "MatMul", []string{fmt.Sprint(c.a), fmt.Sprint(c.b), c.want}, func() {
				seq(c.a...).MatMul(seq(c.b...))
			})
			if e != nil && (len(e.Shapes) != 2 || !slices.Equal(e.Shapes[0], c.a) || !slices.Equal(e.Shapes[1], c.b)) {
				t.Errorf("Error.Shapes = %v, want [%v %v]", e.Shapes, c.a, c.b)
			}
		})
	}
}

// TestMatMulDoesNotDependOnGOMAXPROCS runs a batch large enough to be split
// across goroutines with one and with several, and compares the bits.
func TestMatMulDoesNotDependOnGOMAXPROCS(t *testing.T) {
	rng := newRNG(11)
	a, b := randT(rng, 400, 6, 5), randT(rng, 400, 5, 7)
	old := runtime.GOMAXPROCS(1)
	one := a.MatMul(b).Data()
	runtime.GOMAXPROCS(max(2, old))
	many := a.MatMul(b).Data()
	runtime.GOMAXPROCS(old)
	testutil.AllSame(t, "MatMul with GOMAXPROCS > 1", many, one)
}

func TestDot(t *testing.T) {
	rng := newRNG(12)
	x := tensor.New([]float64{1, 2, 3})
	y := tensor.New([]float64{4, -5, 6})
	testutil.AllSame(t, "Dot", x.Dot(y).Data(), []float64{12})
	checkShape(t, "Dot shape", x.Dot(y).Shape(), []int{})
	testutil.AllSame(t, "Dot of empty vectors", tensor.Zeros(0).Dot(tensor.Zeros(0)).Data(), []float64{0})
	t.Run("a strided vector reads its own elements", func(t *testing.T) {
		col := randT(rng, 9, 4).Select(1, 2)
		v := randT(rng, 9)
		_, want := refMatMul(col, v)
		testutil.AllClose(t, "Dot", col.Dot(v).Data(), want, 1e-13)
	})
	t.Run("NaN and Inf propagate", func(t *testing.T) {
		got := tensor.New([]float64{1, math.Inf(1)}).Dot(tensor.New([]float64{1, 0})).Item()
		if !math.IsNaN(got) {
			t.Errorf("Dot([1 Inf], [1 0]) = %v, want NaN", got)
		}
	})
	for _, c := range []struct {
		name string
		a, b []int
	}{
		{"a matrix", []int{2, 3}, []int{3}},
		{"vectors of different lengths", []int{3}, []int{4}},
		{"a 0-d tensor", []int{}, []int{1}},
	} {
		t.Run(c.name+" panics naming Dot and both shapes", func(t *testing.T) {
			wantPanic(t, "Dot", []string{fmt.Sprint(c.a), fmt.Sprint(c.b)}, func() { seq(c.a...).Dot(seq(c.b...)) })
		})
	}
}

func TestOuter(t *testing.T) {
	got := tensor.New([]float64{1, 2, 3}).Outer(tensor.New([]float64{4, 5}))
	checkFresh(t, got, []int{3, 2})
	testutil.AllSame(t, "Outer", got.Data(), []float64{4, 5, 8, 10, 12, 15})
	t.Run("strided vectors", func(t *testing.T) {
		x := seq(4, 3).Select(1, 1) // 1 4 7 10
		y := seq(2, 2).Select(0, 1) // 2 3
		testutil.AllSame(t, "Outer", x.Outer(y).Data(), []float64{2, 3, 8, 12, 14, 21, 20, 30})
	})
	t.Run("each element is one product, so 0 times Inf is NaN", func(t *testing.T) {
		got := tensor.New([]float64{0}).Outer(tensor.New([]float64{math.Inf(1)})).Item()
		if !math.IsNaN(got) {
			t.Errorf("Outer([0], [Inf]) = %v, want NaN", got)
		}
	})
	t.Run("empty vectors give an empty matrix", func(t *testing.T) {
		checkFresh(t, tensor.Zeros(0).Outer(tensor.Ones(3)), []int{0, 3})
	})
	t.Run("a matrix panics naming Outer and both shapes", func(t *testing.T) {
		wantPanic(t, "Outer", []string{"[2 2]", "[3]"}, func() { seq(2, 2).Outer(seq(3)) })
	})
}

func TestT(t *testing.T) {
	m := seq(2, 3)
	mt := m.T()
	checkShape(t, "T().Shape()", mt.Shape(), []int{3, 2})
	testutil.AllSame(t, "T()", mt.Data(), []float64{0, 3, 1, 4, 2, 5})
	if !mt.SameStorage(m) {
		t.Errorf("T() copied; want a view")
	}
	v := seq(4)
	if v.T() != v {
		t.Errorf("T() of a vector is not the vector itself")
	}
	s := tensor.Scalar(2)
	if s.T() != s {
		t.Errorf("T() of a 0-d tensor is not the tensor itself")
	}
	wantPanic(t, "T", []string{"[2 3 4]", "Transpose(-2, -1)"}, func() { seq(2, 3, 4).T() })
}

func TestLinear(t *testing.T) {
	rng := newRNG(12)
	w, b := randT(rng, 4, 3), randT(rng, 4)
	cases := []struct {
		name string
		x, w *tensor.Tensor
		b    *tensor.Tensor
	}{
		{"with a bias", randT(rng, 5, 3), w, b},
		{"without a bias", randT(rng, 5, 3), w, nil},
		{"a transposed input and weight", randT(rng, 3, 5).Transpose(0, 1), randT(rng, 3, 4).Transpose(0, 1), b},
		{"sizes across Gemm's blocks", randT(rng, 70, 65), randT(rng, 130, 65), randT(rng, 130)},
		{"no inputs features", tensor.Zeros(2, 0), tensor.Zeros(4, 0), b},
		{"no rows", tensor.Zeros(0, 3), w, b},
		{"a 3-D input", randT(rng, 2, 5, 3), w, b},
		{"a 4-D input with a dimension of 1", randT(rng, 2, 1, 5, 3), w, nil},
		{"a 3-D input whose rows do not fold (transposed batch)", randT(rng, 5, 2, 3).Transpose(0, 1), w, b},
		{"a 3-D input with strided rows", randT(rng, 2, 5, 6).Slice(2, 1, 4), w, b},
		{"a 3-D input with no rows", tensor.Zeros(2, 0, 3), w, b},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := tensor.Linear(c.x, c.w, c.b)
			want := c.x.MatMul(c.w.T())
			if c.b != nil {
				want = want.Add(c.b)
			}
			checkShape(t, "Linear", got.Shape(), want.Shape())
			testutil.AllClose(t, "Linear", got.Data(), want.Data(), 1e-12)
		})
	}
	wantPanic(t, "Linear", []string{"[5 3]", "[4 2]"}, func() { tensor.Linear(tensor.Zeros(5, 3), tensor.Zeros(4, 2), nil) })
	wantPanic(t, "Linear", []string{"[5 3]", "[4 3]", "[3]"}, func() { tensor.Linear(tensor.Zeros(5, 3), w, tensor.Zeros(3)) })
	wantPanic(t, "Linear", []string{"[3]", "[4 3]", "at least 2-D"}, func() { tensor.Linear(tensor.Zeros(3), w, nil) })
}
