package autograd

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

// Input distributions for gradient checks (see testutil).
var (
	anyValue = testutil.Normal
	positive = testutil.Positive
	awayFrom = testutil.AwayFrom
)

type unaryCase struct {
	name string
	f    func(*Tensor) *Tensor
	draw func(*rand.Rand) float64
}

var unaryCases = []unaryCase{
	{"Neg", (*Tensor).Neg, anyValue},
	{"Abs", (*Tensor).Abs, awayFrom(0)},
	{"Exp", (*Tensor).Exp, anyValue},
	{"Log", (*Tensor).Log, positive},
	{"Sqrt", (*Tensor).Sqrt, positive},
	{"Rsqrt", (*Tensor).Rsqrt, positive},
	{"Square", (*Tensor).Square, anyValue},
	{"Reciprocal", (*Tensor).Reciprocal, awayFrom(-0.4, -0.3, -0.2, -0.1, 0, 0.1, 0.2, 0.3, 0.4)},
	{"PowScalar(2.5)", func(x *Tensor) *Tensor { return x.PowScalar(2.5) }, positive},
	{"PowScalar(-1.5)", func(x *Tensor) *Tensor { return x.PowScalar(-1.5) }, positive},
	{"PowScalar(3)", func(x *Tensor) *Tensor { return x.PowScalar(3) }, anyValue},
	{"PowScalar(2)", func(x *Tensor) *Tensor { return x.PowScalar(2) }, anyValue},
	{"PowScalar(0.5)", func(x *Tensor) *Tensor { return x.PowScalar(0.5) }, positive},
	{"PowScalar(-1)", func(x *Tensor) *Tensor { return x.PowScalar(-1) }, positive},
	{"PowScalar(1)", func(x *Tensor) *Tensor { return x.PowScalar(1) }, anyValue},
	{"PowScalar(0)", func(x *Tensor) *Tensor { return x.PowScalar(0) }, anyValue},
	{"Sin", (*Tensor).Sin, anyValue},
	{"Cos", (*Tensor).Cos, anyValue},
	{"Tanh", (*Tensor).Tanh, anyValue},
	{"Sigmoid", (*Tensor).Sigmoid, anyValue},
	{"Erf", (*Tensor).Erf, anyValue},
	{"ReLU", (*Tensor).ReLU, awayFrom(0)},
	{"LeakyReLU(0.2)", func(x *Tensor) *Tensor { return x.LeakyReLU(0.2) }, awayFrom(0)},
	{"GELU", (*Tensor).GELU, anyValue},
	{"GELUTanh", (*Tensor).GELUTanh, anyValue},
	{"SiLU", (*Tensor).SiLU, anyValue},
	{"Softplus", (*Tensor).Softplus, anyValue},
	{"Softplus above its threshold", (*Tensor).Softplus, func(rng *rand.Rand) float64 { return 21 + 5*rng.Float64() }},
	{"Clamp(-0.5, 1)", func(x *Tensor) *Tensor { return x.Clamp(-0.5, 1) }, awayFrom(-0.5, 1)},
	{"Clamp(-Inf, 0.5)", func(x *Tensor) *Tensor { return x.Clamp(math.Inf(-1), 0.5) }, awayFrom(0.5)},
	{"Clamp(-0.5, +Inf)", func(x *Tensor) *Tensor { return x.Clamp(-0.5, math.Inf(1)) }, awayFrom(-0.5)},
}

// drawLeaf returns a leaf requiring grad whose value has the given shape,
// either contiguous or as a non-contiguous view (the transpose of a [c r]
// matrix, for a 2-d shape [r c]).
func drawLeaf(rng *rand.Rand, draw func(*rand.Rand) float64, strided bool, shape ...int) *Tensor {
	n := 1
	for _, d := range shape {
		n *= d
	}
	vals := make([]float64, n)
	for i := range vals {
		vals[i] = draw(rng)
	}
	var v *tensor.Tensor
	switch {
	case len(shape) == 0:
		v = tensor.Scalar(vals[0])
	case strided:
		v = tensor.New(vals, shape[1], shape[0]).Transpose(0, 1)
	default:
		v = tensor.New(vals, shape...)
	}
	return From(v).SetRequiresGrad(true)
}

func TestGradCheckUnaryOps(t *testing.T) {
	inputs := []struct {
		name    string
		strided bool
		shape   []int
	}{
		{"a matrix", false, []int{2, 3}},
		{"a transposed view", true, []int{2, 3}},
		{"a 0-d scalar", false, nil},
	}
	for _, c := range unaryCases {
		for _, in := range inputs {
			t.Run(c.name+" of "+in.name, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(21, 22))
				x := drawLeaf(rng, c.draw, in.strided, in.shape...)
				if in.strided && x.Value().IsContiguous() {
					t.Fatal("the strided input is contiguous")
				}
				if err := GradCheck(func(in []*Tensor) *Tensor { return c.f(in[0]) }, []*Tensor{x}, nil); err != nil {
					t.Fatal(err)
				}
			})
		}
		t.Run(c.name+" has a correct second derivative", func(t *testing.T) {
			rng := rand.New(rand.NewPCG(23, 24))
			for _, strided := range []bool{false, true} {
				x := drawLeaf(rng, c.draw, strided, 2, 3)
				second := func(in []*Tensor) *Tensor { return Grad([]*Tensor{c.f(in[0]).Sum()}, in, true)[0] }
				if err := GradCheck(second, []*Tensor{x}, nil); err != nil {
					t.Fatalf("strided=%v: %v", strided, err)
				}
			}
		})
	}
}

// gradAt returns the gradient of f(x).Sum() at x = vals (a vector).
func gradAt(f func(*Tensor) *Tensor, vals ...float64) []float64 {
	x := leaf(vals, len(vals))
	f(x).Sum().Backward()
	return x.Grad().Data()
}

func TestUnaryGradientsAtEdges(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	negZero := math.Copysign(0, -1)
	phi1 := 0.24197072451914337 // standard normal density at 1
	cases := []struct {
		name string
		f    func(*Tensor) *Tensor
		at   []float64
		want []float64
		tol  float64 // testutil.Close's: 0 is == with NaN equal to NaN
	}{
		{"Sqrt' is +Inf at 0 and 1/4 at 4", (*Tensor).Sqrt, []float64{0, 4}, []float64{inf, 0.25}, 0},
		{"Rsqrt' at 4 is -1/16", (*Tensor).Rsqrt, []float64{4}, []float64{-0.0625}, 0},
		{"Log' is +Inf at 0", (*Tensor).Log, []float64{0, 2}, []float64{inf, 0.5}, 0},
		{"Reciprocal' at 2 is -1/4", (*Tensor).Reciprocal, []float64{2, -0.5}, []float64{-0.25, -4}, 0},
		{"Abs' is sign(x): 0 at ±0", (*Tensor).Abs, []float64{-2, 0, negZero, 3}, []float64{-1, 0, 0, 1}, 0},
		{"ReLU' is 0 at 0 and below, 1 above and at NaN", (*Tensor).ReLU, []float64{-1, 0, negZero, 2, nan}, []float64{0, 0, 0, 1, 1}, 0},
		{"LeakyReLU' is the slope at 0 and below", func(x *Tensor) *Tensor { return x.LeakyReLU(0.25) }, []float64{-1, 0, 2}, []float64{0.25, 0.25, 1}, 0},
		{"Clamp' is 1 on [min, max], bounds included, 0 outside and at NaN", func(x *Tensor) *Tensor { return x.Clamp(-1, 1) },
			[]float64{-2, -1, 0, 1, 2, nan}, []float64{0, 1, 1, 1, 0, 0}, 0},
		{"Clamp' with -Inf as min is one-sided", func(x *Tensor) *Tensor { return x.Clamp(math.Inf(-1), 1) },
			[]float64{-inf, -1e300, 1, 2}, []float64{1, 1, 1, 0}, 0},
		{"Clamp' with +Inf as max is one-sided", func(x *Tensor) *Tensor { return x.Clamp(0.5, inf) },
			[]float64{0, 0.5, 1e300, inf}, []float64{0, 1, 1, 1}, 0},
		{"Clamp' with min > max is 0", func(x *Tensor) *Tensor { return x.Clamp(2, 1) }, []float64{0, 1.5, 3}, []float64{0, 0, 0}, 0},
		{"PowScalar(0)' is 0 everywhere", func(x *Tensor) *Tensor { return x.PowScalar(0) }, []float64{0, 2, inf}, []float64{0, 0, 0}, 0},
		{"PowScalar(2)' is 2x", func(x *Tensor) *Tensor { return x.PowScalar(2) }, []float64{0, -3}, []float64{0, -6}, 0},
		{"PowScalar(3)' at -2 is 12", func(x *Tensor) *Tensor { return x.PowScalar(3) }, []float64{-2}, []float64{12}, 0},
		{"PowScalar(0.5)' is +Inf at 0", func(x *Tensor) *Tensor { return x.PowScalar(0.5) }, []float64{0, 4}, []float64{inf, 0.25}, 0},
		{"Square' is 2x", (*Tensor).Square, []float64{-1.5, 0}, []float64{-3, 0}, 0},
		{"Sigmoid' is 1/4 at 0 and 0 (not NaN) at ±1000", (*Tensor).Sigmoid, []float64{0, -1000, 1000}, []float64{0.25, 0, 0}, 0},
		{"Tanh' is 1 at 0 and 0 at 1000", (*Tensor).Tanh, []float64{0, 1000}, []float64{1, 0}, 0},
		{"Softplus' is 1 at 1000, 0 at -1000, 1/2 at 0", (*Tensor).Softplus, []float64{1000, -1000, 0}, []float64{1, 0, 0.5}, 0},
		{"Erf' at 0 is 2/√π", (*Tensor).Erf, []float64{0}, []float64{2 / math.Sqrt(math.Pi)}, 0},
		{"GELU' is 1/2 at 0 and Φ(1)+φ(1) at 1", (*Tensor).GELU, []float64{0, 1}, []float64{0.5, 0.8413447460685429 + phi1}, 5e-16},
		{"GELU' is 0 at -1000 and 1 at 1000", (*Tensor).GELU, []float64{-1000, 1000}, []float64{0, 1}, 0},
		{"GELUTanh' is 1/2 at 0", (*Tensor).GELUTanh, []float64{0}, []float64{0.5}, 0},
		{"SiLU' is 1/2 at 0, 0 at -1000 and 1 at 1000", (*Tensor).SiLU, []float64{0, -1000, 1000}, []float64{0.5, 0, 1}, 0},
		{"Sin' is cos", (*Tensor).Sin, []float64{0, math.Pi}, []float64{1, -1}, 0},
		{"Cos' is -sin", (*Tensor).Cos, []float64{0, math.Pi / 2}, []float64{0, -1}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			testutil.AllClose(t, "gradient", gradAt(c.f, c.at...), c.want, c.tol)
		})
	}
	t.Run("ReLU' is exactly 0 below 0 even for an infinite incoming gradient", func(t *testing.T) {
		x := leaf([]float64{-1, 2}, 2)
		x.ReLU().BackwardWith(New([]float64{inf, inf}, 2))
		testutil.AllClose(t, "gradient", x.Grad().Data(), []float64{0, inf}, 0)
	})
	t.Run("GELUTanh' at 1 matches central differences of the forward", func(t *testing.T) {
		h := 1e-6
		f := func(v float64) float64 { return tensor.Scalar(v).GELUTanh().Item() }
		testutil.AllClose(t, "gradient", gradAt((*Tensor).GELUTanh, 1), []float64{(f(1+h) - f(1-h)) / (2 * h)}, 1e-8)
	})
}

func TestSignIsAConstant(t *testing.T) {
	x := leaf([]float64{-2, 0, 3, math.NaN()}, 4)
	s := x.Sign()
	if s.RequiresGrad() || !s.IsLeaf() {
		t.Fatalf("Sign: requires grad %v, leaf %v; want a constant", s.RequiresGrad(), s.IsLeaf())
	}
	testutil.AllClose(t, "Sign", s.Data(), []float64{-1, 0, 1, 0}, 0)
	// Used in a product, it passes a gradient to the other factor only.
	x.Mul(s).Sum().Backward()
	testutil.AllClose(t, "d(x·sign(x))/dx", x.Grad().Data(), []float64{-1, 0, 1, 0}, 0)
}

func TestUnaryOpsOfEmptyAndZeroDim(t *testing.T) {
	for _, c := range unaryCases {
		t.Run(c.name+" of an empty tensor has an empty gradient", func(t *testing.T) {
			x := From(tensor.Zeros(0, 3)).SetRequiresGrad(true)
			y := c.f(x)
			if got := y.Shape(); len(got) != 2 || got[0] != 0 || got[1] != 3 {
				t.Fatalf("shape %v, want [0 3]", got)
			}
			y.Sum().Backward()
			if x.Grad() == nil || x.Grad().Numel() != 0 || x.Grad().Dim() != 2 {
				t.Fatalf("gradient %v, want an empty [0 3]", x.Grad())
			}
		})
		t.Run(c.name+" of a 0-d scalar is 0-d", func(t *testing.T) {
			x := Scalar(c.draw(rand.New(rand.NewPCG(1, 1)))).SetRequiresGrad(true)
			y := c.f(x)
			if y.Dim() != 0 {
				t.Fatalf("result has %d dimensions, want 0", y.Dim())
			}
			y.Backward()
			if x.Grad().Dim() != 0 {
				t.Fatalf("gradient has %d dimensions, want 0", x.Grad().Dim())
			}
		})
	}
}

func TestAlongRecordsOnlyWhenTheGradientCan(t *testing.T) {
	x := leaf([]float64{1, 2}, 2)
	t.Run("outside create-graph mode factors of x record nothing", func(t *testing.T) {
		g := NoGrad(New([]float64{1, 1}, 2))
		f := g.asFactor(x).Cos()
		if f.RequiresGrad() || !f.IsNoGrad() {
			t.Fatalf("cos(x) computed along a no-grad gradient: requires grad %v, no-grad %v", f.RequiresGrad(), f.IsNoGrad())
		}
	})
	t.Run("in create-graph mode they stay differentiable in x", func(t *testing.T) {
		g := New([]float64{1, 1}, 2)
		if f := g.asFactor(x).Cos(); !f.RequiresGrad() {
			t.Fatalf("cos(x) computed along a recording gradient does not require grad")
		}
	})
	t.Run("a first derivative from Grad without createGraph has no graph", func(t *testing.T) {
		for _, c := range unaryCases {
			x := drawLeaf(rand.New(rand.NewPCG(3, 3)), c.draw, false, 3)
			g := Grad([]*Tensor{c.f(x).Sum()}, []*Tensor{x}, false)[0]
			if g.RequiresGrad() || !g.IsLeaf() {
				t.Errorf("%s: gradient requires grad %v, leaf %v", c.name, g.RequiresGrad(), g.IsLeaf())
			}
		}
	})
}

func TestNoGradInputRecordsNothing(t *testing.T) {
	w := leaf([]float64{1, -2}, 2)
	for _, c := range unaryCases {
		y := c.f(NoGrad(w))
		if y.RequiresGrad() || !y.IsNoGrad() {
			t.Errorf("%s of a no-grad input: requires grad %v, no-grad %v", c.name, y.RequiresGrad(), y.IsNoGrad())
		}
	}
}

func TestInPlaceChangeBeforeUnaryBackwardPanics(t *testing.T) {
	x := leaf([]float64{1, 2}, 2)
	y := x.Sin().Sum()
	x.Value().Set(5, 0)
	e := testutil.Panics[*tensor.Error](t, func() { y.Backward() })
	if e.Op != "Backward" || !containsAll(e.Error(), "Sin", "modified in place", "[2]") {
		t.Fatalf("message %q does not name Sin, the shape and the in-place change", e)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !contains(s, sub) {
			return false
		}
	}
	return true
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
