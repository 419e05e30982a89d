package autograd

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

// linalgViewLeaf returns a leaf of the given shape whose value is a strided
// view: a column of a matrix for a vector, a transposed matrix (or batch of
// matrices) otherwise.
func linalgViewLeaf(rng *rand.Rand, shape ...int) *Tensor {
	if len(shape) == 1 {
		return From(tensor.Randn(rng, shape[0], 2).Select(1, 1)).SetRequiresGrad(true)
	}
	s := slices.Clone(shape)
	s[len(s)-1], s[len(s)-2] = s[len(s)-2], s[len(s)-1]
	return From(tensor.Randn(rng, s...).Transpose(-2, -1)).SetRequiresGrad(true)
}

var linalgLeafLayouts = []struct {
	name string
	make func(rng *rand.Rand, shape ...int) *Tensor
}{
	{"plain", randLeaf},
	{"strided", linalgViewLeaf},
}

// matmulGradShapes covers every rule of MatMul at sizes small enough for a
// full Jacobian.
var matmulGradShapes = []struct {
	name string
	a, b []int
}{
	{"a vector times a vector", []int{4}, []int{4}},
	{"a matrix times a matrix", []int{2, 3}, []int{3, 4}},
	{"a vector times a matrix", []int{3}, []int{3, 2}},
	{"a matrix times a vector", []int{2, 3}, []int{3}},
	{"a vector times a batch", []int{3}, []int{2, 3, 2}},
	{"a batch times a vector", []int{2, 2, 3}, []int{3}},
	{"a batch times a shared matrix", []int{2, 2, 3}, []int{3, 2}},
	{"a matrix times a batch", []int{2, 3}, []int{2, 3, 2}},
	{"two batches", []int{2, 2, 3}, []int{2, 3, 2}},
	{"broadcast batch dimensions", []int{2, 1, 2, 3}, []int{3, 3, 2}},
	{"one by one matrices", []int{1, 1}, []int{1, 1}},
}

func TestMatMulGradCheck(t *testing.T) {
	rng := rand.New(rand.NewPCG(20, 21))
	for _, c := range matmulGradShapes {
		for _, la := range linalgLeafLayouts {
			for _, lb := range linalgLeafLayouts {
				t.Run(fmt.Sprintf("%s, %s times %s", c.name, la.name, lb.name), func(t *testing.T) {
					a, b := la.make(rng, c.a...), lb.make(rng, c.b...)
					f := func(in []*Tensor) *Tensor { return in[0].MatMul(in[1]) }
					if err := GradCheck(f, []*Tensor{a, b}, nil); err != nil {
						t.Fatal(err)
					}
				})
			}
		}
	}
	t.Run("with only one input requiring a gradient", func(t *testing.T) {
		a, b := randLeaf(rng, 2, 3), From(tensor.Randn(rng, 3, 2))
		if err := GradCheck(func(in []*Tensor) *Tensor { return in[0].MatMul(in[1]) }, []*Tensor{a, b}, nil); err != nil {
			t.Fatal(err)
		}
		if err := GradCheck(func(in []*Tensor) *Tensor { return in[1].MatMul(in[0]) }, []*Tensor{b.SetRequiresGrad(true), From(tensor.Randn(rng, 4, 3))}, nil); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a product used twice", func(t *testing.T) {
		a := randLeaf(rng, 3, 3)
		f := func(in []*Tensor) *Tensor { return in[0].MatMul(in[0]).MatMul(in[0].T()) }
		if err := GradCheck(f, []*Tensor{a}, nil); err != nil {
			t.Fatal(err)
		}
	})
}

// TestMatMulSecondDerivatives checks both first derivatives of
// sum((a·b)²), computed in create-graph mode, with GradCheck: the full
// Jacobian of each with respect to both inputs.
func TestMatMulSecondDerivatives(t *testing.T) {
	rng := rand.New(rand.NewPCG(22, 23))
	for _, c := range matmulGradShapes {
		for _, l := range linalgLeafLayouts {
			for which := 0; which < 2; which++ {
				t.Run(fmt.Sprintf("%s, %s inputs, derivative %d", c.name, l.name, which), func(t *testing.T) {
					a, b := l.make(rng, c.a...), l.make(rng, c.b...)
					f := func(in []*Tensor) *Tensor {
						y := in[0].MatMul(in[1])
						return Grad([]*Tensor{y.Mul(y).Sum()}, in, true)[which]
					}
					if err := GradCheck(f, []*Tensor{a, b}, nil); err != nil {
						t.Fatal(err)
					}
				})
			}
		}
	}
}

func TestMatMulGradientValues(t *testing.T) {
	// d sum(a·b)/da = 1·bᵀ: every row is the row sums of b; d/db = aᵀ·1:
	// every column is the column sums of a.
	a := leaf([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	b := leaf([]float64{1, -1, 2, 0, 3, 1}, 3, 2)
	y := a.MatMul(b)
	assertClose(t, "a·b", y, []float64{14, 2, 32, 2}, 2, 2)
	y.Sum().Backward()
	assertClose(t, "a.grad", a.Grad(), []float64{0, 2, 4, 0, 2, 4}, 2, 3)
	assertClose(t, "b.grad", b.Grad(), []float64{5, 5, 7, 7, 9, 9}, 3, 2)
	if !a.Grad().IsLeaf() || a.Grad().RequiresGrad() {
		t.Errorf("outside create-graph mode the gradient carries a graph")
	}
}

func TestMatMulFoldsABatchTimesOneMatrix(t *testing.T) {
	rng := rand.New(rand.NewPCG(24, 25))
	a, b := randLeaf(rng, 4, 2, 3), randLeaf(rng, 3, 5)
	y := a.MatMul(b)
	core := y.inputs[0].t
	if y.op != "Reshape" || core.op != "MatMul" || !slices.Equal(core.v.Shape(), []int{8, 5}) {
		t.Fatalf("graph %s ← %s %v; want one [8 5] MatMul between reshapes", y.op, core.op, core.v.Shape())
	}
	if !tensor.AllClose(y.v, a.v.MatMul(b.v), 0, 0) {
		t.Errorf("folded value differs from tensor.MatMul")
	}
	// A transposed batch is not contiguous: it is multiplied as a batch.
	at := linalgViewLeaf(rng, 4, 2, 3)
	if y := at.MatMul(b); y.op != "MatMul" {
		t.Errorf("a transposed batch gave %s, want a batched MatMul", y.op)
	}
}

func TestMatMulEmptyDimensions(t *testing.T) {
	cases := []struct {
		name      string
		a, b, out []int
	}{
		{"an inner dimension of 0 gives zeros and empty gradients", []int{2, 0}, []int{0, 3}, []int{2, 3}},
		{"0 rows give an empty result and a zero gradient for b", []int{0, 3}, []int{3, 4}, []int{0, 4}},
		{"a folded batch with an inner dimension of 0", []int{2, 3, 0}, []int{0, 4}, []int{2, 3, 4}},
		{"empty vectors", []int{0}, []int{0}, []int{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, b := Ones(c.a...).SetRequiresGrad(true), Ones(c.b...).SetRequiresGrad(true)
			y := a.MatMul(b)
			n := 1
			for _, d := range c.out {
				n *= d
			}
			assertClose(t, "a·b", y, make([]float64, n), c.out...)
			y.Sum().Backward()
			assertClose(t, "a.grad", a.Grad(), make([]float64, a.Numel()), c.a...)
			assertClose(t, "b.grad", b.Grad(), make([]float64, b.Numel()), c.b...)
		})
	}
}

func TestMatMulPanics(t *testing.T) {
	cases := []struct {
		a, b []int
	}{
		{[]int{2, 3}, []int{4, 5}},
		{[]int{3}, []int{4}},
		{[]int{2, 3}, []int{4}},
		{[]int{3}, []int{4, 2}},
		{[]int{2, 2, 3}, []int{3, 3, 2}},
		{[]int{}, []int{2}},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%v times %v panics naming MatMul and both shapes", c.a, c.b), func(t *testing.T) {
			a, b := Zeros(c.a...).SetRequiresGrad(true), Zeros(c.b...)
			e := testutil.Panics[*tensor.Error](t, func() { a.MatMul(b) })
			if e.Op != "MatMul" || !strings.Contains(e.Msg, fmt.Sprint(c.a)) || !strings.Contains(e.Msg, fmt.Sprint(c.b)) {
				t.Errorf("panic %q (Op %q), want Op MatMul and both shapes", e, e.Op)
			}
		})
	}
}

func TestMatMulSavedInputChangedInPlacePanics(t *testing.T) {
	a, b := leaf([]float64{1, 2}, 1, 2), leaf([]float64{3, 4}, 2, 1)
	y := a.MatMul(b).Sum()
	b.Value().Set(5, 0, 0)
	e := testutil.Panics[*tensor.Error](t, func() { y.Backward() })
	if !strings.Contains(e.Error(), "modified in place") || !strings.Contains(e.Error(), "MatMul") {
		t.Fatalf("message %q does not name MatMul and the in-place change", e)
	}
}

func TestMatMulInNoGradRecordsNothing(t *testing.T) {
	a, b := randLeaf(rand.New(rand.NewPCG(1, 1)), 2, 3), Ones(3, 2).SetRequiresGrad(true)
	for _, y := range []*Tensor{NoGrad(a).MatMul(b), Linear(NoGrad(a), b.T(), nil), NoGrad(a).Select(0, 0).Dot(b.Select(1, 0))} {
		if y.RequiresGrad() || !y.IsNoGrad() || !y.IsLeaf() {
			t.Errorf("%s: RequiresGrad %v, IsNoGrad %v, IsLeaf %v; want false, true, true", y, y.RequiresGrad(), y.IsNoGrad(), y.IsLeaf())
		}
	}
}

func TestDotAndOuter(t *testing.T) {
	rng := rand.New(rand.NewPCG(26, 27))
	x, y := leaf([]float64{1, 2, 3}, 3), leaf([]float64{4, -5, 6}, 3)
	d := x.Dot(y)
	assertClose(t, "x·y", d, []float64{12}, []int{}...)
	d.Backward()
	assertClose(t, "x.grad", x.Grad(), []float64{4, -5, 6}, 3)
	assertClose(t, "y.grad", y.Grad(), []float64{1, 2, 3}, 3)

	o := leaf([]float64{1, 2}, 2).Outer(leaf([]float64{3, 4, 5}, 3))
	assertClose(t, "outer", o, []float64{3, 4, 5, 6, 8, 10}, 2, 3)

	ops := []struct {
		name string
		f    func(a, b *Tensor) *Tensor
	}{
		{"Dot", (*Tensor).Dot},
		{"Outer", (*Tensor).Outer},
	}
	for _, op := range ops {
		for _, l := range linalgLeafLayouts {
			t.Run(op.name+" passes GradCheck on "+l.name+" inputs", func(t *testing.T) {
				a, b := l.make(rng, 3), l.make(rng, 3)
				if op.name == "Outer" {
					b = l.make(rng, 2)
				}
				if err := GradCheck(func(in []*Tensor) *Tensor { return op.f(in[0], in[1]) }, []*Tensor{a, b}, nil); err != nil {
					t.Fatal(err)
				}
				for which := 0; which < 2; which++ {
					f := func(in []*Tensor) *Tensor {
						z := op.f(in[0], in[1])
						return Grad([]*Tensor{z.Mul(z).Sum()}, in, true)[which]
					}
					if err := GradCheck(f, []*Tensor{a, b}, nil); err != nil {
						t.Fatalf("second derivative %d: %v", which, err)
					}
				}
			})
		}
	}
	t.Run("Dot of a matrix panics naming Dot", func(t *testing.T) {
		e := testutil.Panics[*tensor.Error](t, func() { Zeros(2, 2).Dot(Zeros(2)) })
		if e.Op != "Dot" || !strings.Contains(e.Msg, "[2 2]") {
			t.Errorf("panic %q, want Op Dot naming [2 2]", e)
		}
	})
	t.Run("Outer of a matrix panics naming Outer", func(t *testing.T) {
		e := testutil.Panics[*tensor.Error](t, func() { Zeros(2).Outer(Zeros(2, 1)) })
		if e.Op != "Outer" || !strings.Contains(e.Msg, "[2 1]") {
			t.Errorf("panic %q, want Op Outer naming [2 1]", e)
		}
	})
}

func TestT(t *testing.T) {
	m := leaf([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	mt := m.T()
	assertClose(t, "T", mt, []float64{1, 4, 2, 5, 3, 6}, 3, 2)
	mt.Mul(Arange(0, 6, 1).Reshape(3, 2)).Sum().Backward()
	assertClose(t, "grad through T", m.Grad(), []float64{0, 2, 4, 1, 3, 5}, 2, 3)
	v := leaf([]float64{1, 2}, 2)
	if v.T() != v {
		t.Errorf("T of a vector is not the vector itself")
	}
	e := testutil.Panics[*tensor.Error](t, func() { Zeros(2, 2, 2).T() })
	if e.Op != "T" {
		t.Errorf("T of a 3-D tensor: panic %q, want Op T", e)
	}
}

func TestLinear(t *testing.T) {
	rng := rand.New(rand.NewPCG(28, 29))
	t.Run("values are x·wᵀ + b", func(t *testing.T) {
		x := leaf([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
		w := leaf([]float64{1, 0, -1, 2, 1, 0}, 2, 3)
		b := leaf([]float64{10, 20}, 2)
		y := Linear(x, w, b)
		assertClose(t, "Linear", y, []float64{8, 24, 8, 33}, 2, 2)
		y.Sum().Backward()
		assertClose(t, "x.grad", x.Grad(), []float64{3, 1, -1, 3, 1, -1}, 2, 3)
		assertClose(t, "w.grad", w.Grad(), []float64{5, 7, 9, 5, 7, 9}, 2, 3)
		assertClose(t, "b.grad", b.Grad(), []float64{2, 2}, 2)
		assertClose(t, "without bias", Linear(x, w, nil), []float64{-2, 4, -2, 13}, 2, 2)
	})
	cases := []struct {
		name string
		x    []int
		bias bool
	}{
		{"a vector input with bias", []int{3}, true},
		{"a batch of vectors with bias", []int{4, 3}, true},
		{"a batch of vectors without bias", []int{4, 3}, false},
		{"a 3-D input with bias", []int{2, 2, 3}, true},
		{"a 3-D input without bias", []int{2, 2, 3}, false},
		{"a 4-D input with a dimension of 1", []int{2, 1, 2, 3}, true},
	}
	for _, c := range cases {
		for _, l := range linalgLeafLayouts {
			t.Run(c.name+" on "+l.name+" inputs passes GradCheck", func(t *testing.T) {
				in := []*Tensor{l.make(rng, c.x...), l.make(rng, 2, 3)}
				if c.bias {
					in = append(in, l.make(rng, 2))
				}
				f := func(in []*Tensor) *Tensor {
					if len(in) == 3 {
						return Linear(in[0], in[1], in[2])
					}
					return Linear(in[0], in[1], nil)
				}
				// The same value as MatMul with the transposed weight.
				want := in[0].v.MatMul(in[1].v.T())
				if c.bias {
					want = want.Add(in[2].v)
				}
				if got := f(in); !tensor.AllClose(got.v, want, 1e-12, 1e-12) {
					t.Fatalf("Linear = %v, want %v", got.v, want)
				}
				if err := GradCheck(f, in, nil); err != nil {
					t.Fatal(err)
				}
				for which := range in {
					g := func(in []*Tensor) *Tensor {
						y := f(in)
						return Grad([]*Tensor{y.Mul(y).Sum()}, in, true)[which]
					}
					if err := GradCheck(g, in, nil); err != nil {
						t.Fatalf("second derivative %d: %v", which, err)
					}
				}
			})
		}
	}
	t.Run("an empty batch", func(t *testing.T) {
		x, w := Zeros(0, 3).SetRequiresGrad(true), Ones(2, 3).SetRequiresGrad(true)
		y := Linear(x, w, Ones(2))
		assertClose(t, "Linear", y, nil, 0, 2)
		y.Sum().Backward()
		assertClose(t, "w.grad", w.Grad(), make([]float64, 6), 2, 3)
	})
	bad := []struct {
		name    string
		x, w, b []int
	}{
		{"an input whose last dimension is not the weight's", []int{4, 2}, []int{2, 3}, nil},
		{"a 1-D weight", []int{4, 3}, []int{3}, nil},
		{"a bias of the wrong length", []int{4, 3}, []int{2, 3}, []int{3}},
		{"a 2-D bias", []int{4, 3}, []int{2, 3}, []int{1, 2}},
		{"a 0-d input", []int{}, []int{2, 3}, nil},
	}
	for _, c := range bad {
		t.Run(c.name+" panics naming Linear and the shapes", func(t *testing.T) {
			var b *Tensor
			if c.b != nil {
				b = Zeros(c.b...)
			}
			e := testutil.Panics[*tensor.Error](t, func() { Linear(Zeros(c.x...), Zeros(c.w...), b) })
			if e.Op != "Linear" || !strings.Contains(e.Msg, fmt.Sprint(c.x)) || !strings.Contains(e.Msg, fmt.Sprint(c.w)) {
				t.Errorf("panic %q (Op %q), want Op Linear and the shapes", e, e.Op)
			}
			if c.b != nil && !strings.Contains(e.Msg, fmt.Sprint(c.b)) {
				t.Errorf("panic %q does not name the bias shape %v", e, c.b)
			}
		})
	}
}
