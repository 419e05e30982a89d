package autograd

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

// moreBinary are the binary ops of this file, with the distribution of
// their first operand (Pow's base must be positive for ln).
var moreBinary = []struct {
	name  string
	op    func(a, b *Tensor) *Tensor
	drawA func(*rand.Rand) float64
}{
	{"Pow", (*Tensor).Pow, positive},
	{"Maximum", (*Tensor).Maximum, anyValue},
	{"Minimum", (*Tensor).Minimum, anyValue},
	{"Where with a fixed condition", func(a, b *Tensor) *Tensor {
		return Where(From(checkerboard(a.Shape(), b.Shape())), a, b)
	}, anyValue},
}

// checkerboard returns a 0/1 condition in the broadcast shape of a and b.
func checkerboard(a, b []int) *tensor.Tensor {
	shape := tensor.BroadcastShapes("test", a, b)
	c := tensor.Zeros(shape...)
	d := c.Raw()
	for i := range d {
		d[i] = float64(i % 2)
	}
	return c
}

var broadcastShapes = []struct {
	name string
	a, b []int
}{
	{"same shape", []int{2, 3}, []int{2, 3}},
	{"[3 1] with [1 4]", []int{3, 1}, []int{1, 4}},
	{"[4] with [2 3 4]", []int{4}, []int{2, 3, 4}},
	{"[2 3 4] with [4]", []int{2, 3, 4}, []int{4}},
	{"a 0-d scalar with a matrix", []int{}, []int{2, 3}},
	{"a matrix with a 0-d scalar", []int{2, 3}, []int{}},
	{"[2 1 3] with [4 1]", []int{2, 1, 3}, []int{4, 1}},
	{"two 0-d scalars", []int{}, []int{}},
}

func TestGradCheckPowMaximumMinimumWhere(t *testing.T) {
	for _, op := range moreBinary {
		for _, s := range broadcastShapes {
			t.Run(op.name+" of "+s.name, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(31, 32))
				a := drawLeaf(rng, op.drawA, false, s.a...)
				b := drawLeaf(rng, anyValue, false, s.b...)
				if err := GradCheck(func(in []*Tensor) *Tensor { return op.op(in[0], in[1]) }, []*Tensor{a, b}, nil); err != nil {
					t.Fatal(err)
				}
			})
		}
		t.Run(op.name+" of a transpose and a slice", func(t *testing.T) {
			rng := rand.New(rand.NewPCG(33, 34))
			a := drawLeaf(rng, op.drawA, true, 3, 4)
			bv := tensor.Randn(rng, 3, 6).Slice(1, 1, 5)
			b := From(bv).SetRequiresGrad(true)
			if a.Value().IsContiguous() || bv.IsContiguous() {
				t.Fatal("test inputs should be non-contiguous")
			}
			if err := GradCheck(func(in []*Tensor) *Tensor { return op.op(in[0], in[1]) }, []*Tensor{a, b}, nil); err != nil {
				t.Fatal(err)
			}
		})
		t.Run(op.name+" has correct second derivatives", func(t *testing.T) {
			rng := rand.New(rand.NewPCG(35, 36))
			a := drawLeaf(rng, op.drawA, false, 2, 3)
			b := drawLeaf(rng, anyValue, false, 3)
			f := func(in []*Tensor) *Tensor {
				y := op.op(in[0], in[1]).Mul(in[0]).Mul(in[1]).Sum()
				g := Grad([]*Tensor{y}, in, true)
				return g[0].Mul(g[0]).Sum().Add(g[1].Mul(g[1]).Sum())
			}
			if err := GradCheck(f, []*Tensor{a, b}, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestGradCheckWhereWithThreeShapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(37, 38))
	cases := []struct {
		name    string
		c, a, b []int
	}{
		{"a column condition, a row and a 0-d scalar", []int{3, 1}, []int{1, 4}, []int{}},
		{"a vector condition over a 3-d a and a column b", []int{4}, []int{2, 3, 4}, []int{3, 1}},
		{"a 0-d condition", []int{}, []int{2, 3}, []int{3}},
		{"a condition wider than both operands", []int{2, 3, 4}, []int{4}, []int{3, 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cond := From(tensor.Rand(rng, c.c...).Gt(tensor.Scalar(0.5)))
			a := randLeaf(rng, c.a...)
			b := randLeaf(rng, c.b...)
			if err := GradCheck(func(in []*Tensor) *Tensor { return Where(cond, in[0], in[1]) }, []*Tensor{a, b}, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestBinaryGradientsAtEdges(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	grads := func(op func(a, b *Tensor) *Tensor, a, b []float64, bShape ...int) ([]float64, []float64) {
		x, y := leaf(a, len(a)), leaf(b, bShape...)
		op(x, y).Sum().Backward()
		return x.Grad().Data(), y.Grad().Data()
	}
	cases := []struct {
		name       string
		op         func(a, b *Tensor) *Tensor
		a, b       []float64
		bShape     []int
		wantA      []float64
		wantB      []float64
		tolA, tolB float64 // testutil.Close's: |got-want| <= tol·max(1, |want|)
	}{
		{"Maximum sends g to the larger input and g/2 to each at a tie", (*Tensor).Maximum,
			[]float64{1, 2, 3}, []float64{1, 5, 0}, []int{3}, []float64{0.5, 0, 1}, []float64{0.5, 1, 0}, 0, 0},
		{"Minimum sends g to the smaller input and g/2 to each at a tie", (*Tensor).Minimum,
			[]float64{1, 2, 3}, []float64{1, 5, 0}, []int{3}, []float64{0.5, 1, 0}, []float64{0.5, 0, 1}, 0, 0},
		{"Maximum with NaN sends g to both inputs, as PyTorch", (*Tensor).Maximum,
			[]float64{nan, 1}, []float64{1, nan}, []int{2}, []float64{1, 1}, []float64{1, 1}, 0, 0},
		{"Maximum with a broadcast 0-d sums its share", (*Tensor).Maximum,
			[]float64{1, 2, 3, 2}, []float64{2}, nil, []float64{0, 0.5, 1, 0.5}, []float64{2}, 0, 0},
		{"Pow's gradients are b·a^(b-1) and a^b·ln a", (*Tensor).Pow,
			[]float64{2, 3}, []float64{3, 0.5}, []int{2}, []float64{12, 0.5 / math.Sqrt(3)}, []float64{8 * math.Ln2, math.Sqrt(3) * math.Log(3)}, 2.8e-16, 1e-15},
		{"Pow's exponent gradient is 0 where a = 0 and b >= 0", (*Tensor).Pow,
			[]float64{0, 0, 0}, []float64{2, 0, 0.5}, []int{3}, []float64{0, 0, inf}, []float64{0, 0, 0}, 0, 0},
		{"Pow's base gradient is 0 where b = 0, even at a = 0", (*Tensor).Pow,
			[]float64{0, 5}, []float64{0, 0}, []int{2}, []float64{0, 0}, []float64{0, math.Log(5)}, 0, 1e-15},
		{"Pow's exponent gradient at a = 0 and b < 0 is -Inf, as PyTorch", (*Tensor).Pow,
			[]float64{0}, []float64{-1}, []int{1}, []float64{math.Inf(-1)}, []float64{math.Inf(-1)}, 0, 0},
		{"Where sends g to a where the condition is nonzero (NaN included) and to b elsewhere",
			func(a, b *Tensor) *Tensor { return Where(New([]float64{1, 0, nan, -2}, 4), a, b) },
			[]float64{1, 2, 3, 4}, []float64{5}, nil, []float64{1, 0, 1, 1}, []float64{1}, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ga, gb := grads(c.op, c.a, c.b, c.bShape...)
			testutil.AllClose(t, "gradient of a", ga, c.wantA, c.tolA)
			testutil.AllClose(t, "gradient of b", gb, c.wantB, c.tolB)
		})
	}
}

func TestWhereConditionGetsNoGradient(t *testing.T) {
	c := leaf([]float64{1, 0}, 2)
	a := leaf([]float64{3, 4}, 2)
	b := New([]float64{5, 6}, 2)
	y := Where(c, a, b)
	assertClose(t, "Where", y, []float64{3, 6}, 2)
	y.Sum().Backward()
	if c.Grad() != nil {
		t.Errorf("the condition got gradient %v", c.Grad())
	}
	assertClose(t, "a.grad", a.Grad(), []float64{1, 0}, 2)

	t.Run("a condition alone needing a gradient makes no graph", func(t *testing.T) {
		if Where(c, New([]float64{1, 2}, 2), b).RequiresGrad() {
			t.Errorf("result requires grad")
		}
	})
	t.Run("a no-grad condition makes a no-grad result", func(t *testing.T) {
		y := Where(NoGrad(c), a, b)
		if y.RequiresGrad() || !y.IsNoGrad() {
			t.Errorf("requires grad %v, no-grad %v", y.RequiresGrad(), y.IsNoGrad())
		}
	})
	t.Run("changing the condition in place before backward panics", func(t *testing.T) {
		cond := New([]float64{1, 0}, 2)
		z := Where(cond, a, b).Sum()
		cond.Value().Set(0, 0)
		e := testutil.Panics[*tensor.Error](t, func() { z.Backward() })
		if !containsAll(e.Error(), "Where", "modified in place") {
			t.Fatalf("message %q does not name Where and the in-place change", e)
		}
	})
}

func TestBinaryPointwiseShapePanics(t *testing.T) {
	a := leaf(make([]float64, 6), 2, 3)
	b := leaf(make([]float64, 4), 4)
	for _, op := range []struct {
		name string
		f    func()
		want string
	}{
		{"Pow", func() { a.Pow(b) }, "tensor: Pow: cannot broadcast [2 3] with [4]"},
		{"Maximum", func() { a.Maximum(b) }, "tensor: Maximum: cannot broadcast [2 3] with [4]"},
		{"Minimum", func() { b.Minimum(a) }, "tensor: Minimum: cannot broadcast [4] with [2 3]"},
		{"Where", func() { Where(Ones(3), a, b) }, "tensor: Where: cannot broadcast [3], [2 3] and [4] together"},
	} {
		t.Run(op.name+" of mismatched shapes panics naming the op and the shapes", func(t *testing.T) {
			if e := testutil.Panics[*tensor.Error](t, op.f); e.Error() != op.want {
				t.Fatalf("message %q, want %q", e, op.want)
			}
		})
	}
}
