package autograd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

// dimsReduction is a differentiable reduction over dims, for the tables
// below.
type dimsReduction struct {
	name   string
	f      func(x *Tensor, keepdim bool, dims ...int) *Tensor
	single bool // takes exactly one dimension (MaxDim, MinDim)
	second bool // has a second derivative worth checking
}

var dimsReductions = []dimsReduction{
	{"SumDims", (*Tensor).SumDims, false, true},
	{"MeanDims", (*Tensor).MeanDims, false, true},
	{"MaxDims", (*Tensor).MaxDims, false, false},
	{"MinDims", (*Tensor).MinDims, false, false},
	{"ProdDims", (*Tensor).ProdDims, false, true},
	{"LogSumExpDims", (*Tensor).LogSumExpDims, false, true},
	{"VarDims(1)", func(x *Tensor, k bool, d ...int) *Tensor { return x.VarDims(1, k, d...) }, false, true},
	{"VarDims(0)", func(x *Tensor, k bool, d ...int) *Tensor { return x.VarDims(0, k, d...) }, false, true},
	{"StdDims(1)", func(x *Tensor, k bool, d ...int) *Tensor { return x.StdDims(1, k, d...) }, false, true},
	{"StdDims(0)", func(x *Tensor, k bool, d ...int) *Tensor { return x.StdDims(0, k, d...) }, false, true},
	{"MaxDim", func(x *Tensor, k bool, d ...int) *Tensor { v, _ := x.MaxDim(d[0], k); return v }, true, false},
	{"MinDim", func(x *Tensor, k bool, d ...int) *Tensor { v, _ := x.MinDim(d[0], k); return v }, true, false},
}

var wholeReductions = []struct {
	name string
	f    func(x *Tensor) *Tensor
}{
	{"Sum", (*Tensor).Sum},
	{"Mean", (*Tensor).Mean},
	{"Max", (*Tensor).Max},
	{"Min", (*Tensor).Min},
	{"Prod", (*Tensor).Prod},
	{"LogSumExp", (*Tensor).LogSumExp},
	{"Var(1)", func(x *Tensor) *Tensor { return x.Var(1) }},
	{"Var(0)", func(x *Tensor) *Tensor { return x.Var(0) }},
	{"Std(1)", func(x *Tensor) *Tensor { return x.Std(1) }},
	{"Std(0)", func(x *Tensor) *Tensor { return x.Std(0) }},
}

// reductionInputs are [2 3 4] leaves: plain, and views of a transposed and
// of a sliced storage.
func reductionInputs(rng *rand.Rand) []struct {
	name string
	x    *Tensor
} {
	return []struct {
		name string
		x    *Tensor
	}{
		{"a plain [2 3 4]", randLeaf(rng, 2, 3, 4)},
		{"a transposed [2 3 4] view", From(tensor.Randn(rng, 4, 3, 2).Transpose(0, 2)).SetRequiresGrad(true)},
		{"a sliced [2 3 4] view", From(tensor.Randn(rng, 2, 3, 6).Slice(2, 1, 5)).SetRequiresGrad(true)},
	}
}

func TestGradCheckDimsReductions(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	dimLists := [][]int{{0}, {1}, {-1}, {2}, {0, 2}, {-1, 0}, {0, 1, 2}, {}}
	for _, op := range dimsReductions {
		for _, in := range reductionInputs(rng) {
			for _, dims := range dimLists {
				if op.single && len(dims) != 1 {
					continue
				}
				for _, keepdim := range []bool{false, true} {
					t.Run(fmt.Sprintf("%s(keepdim=%v, %v) of %s", op.name, keepdim, dims, in.name), func(t *testing.T) {
						f := func(in []*Tensor) *Tensor { return op.f(in[0], keepdim, dims...) }
						if strings.HasPrefix(op.name, "VarDims") || strings.HasPrefix(op.name, "StdDims") {
							if len(dims) == 0 {
								return // one element per group: NaN by design
							}
						}
						if err := GradCheck(f, []*Tensor{in.x}, nil); err != nil {
							t.Fatal(err)
						}
					})
				}
			}
		}
	}
}

func TestGradCheckWholeReductions(t *testing.T) {
	rng := rand.New(rand.NewPCG(33, 34))
	for _, op := range wholeReductions {
		for _, in := range reductionInputs(rng) {
			t.Run(op.name+" of "+in.name, func(t *testing.T) {
				if err := GradCheck(func(in []*Tensor) *Tensor { return op.f(in[0]) }, []*Tensor{in.x}, nil); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// TestGradCheckReductionSecondDerivatives checks the gradient of a weighted
// sum of each reduction, taken with create-graph, against central
// differences: every backward formula then runs in create-graph mode.
func TestGradCheckReductionSecondDerivatives(t *testing.T) {
	rng := rand.New(rand.NewPCG(35, 36))
	second := func(f func(*Tensor) *Tensor) func(in []*Tensor) *Tensor {
		var w *Tensor
		return func(in []*Tensor) *Tensor {
			y := f(in[0])
			if w == nil { // fixed random weights, so that g is not uniform
				w = From(tensor.Randn(rng, y.Shape()...))
			}
			return Grad([]*Tensor{y.Mul(w).Sum()}, in, true)[0]
		}
	}
	for _, op := range dimsReductions {
		if !op.second {
			continue
		}
		for _, in := range reductionInputs(rng) {
			for _, c := range []struct {
				keepdim bool
				dims    []int
			}{{false, []int{-1}}, {true, []int{0, 2}}, {false, []int{1}}} {
				t.Run(fmt.Sprintf("%s(keepdim=%v, %v) of %s", op.name, c.keepdim, c.dims, in.name), func(t *testing.T) {
					f := second(func(x *Tensor) *Tensor { return op.f(x, c.keepdim, c.dims...) })
					if err := GradCheck(f, []*Tensor{in.x}, nil); err != nil {
						t.Fatal(err)
					}
				})
			}
		}
	}
	for _, op := range wholeReductions {
		for _, in := range reductionInputs(rng) {
			t.Run(op.name+" of "+in.name, func(t *testing.T) {
				if err := GradCheck(second(op.f), []*Tensor{in.x}, nil); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// gradWRT returns d f(x).Sum() / dx at x (with the given shape).
func gradWRT(f func(*Tensor) *Tensor, data []float64, shape ...int) *Tensor {
	x := leaf(data, shape...)
	f(x).Sum().Backward()
	return x.Grad()
}

func TestReductionGradientValues(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	third := 1.0 / 3
	tests := []struct {
		name  string
		f     func(*Tensor) *Tensor
		x     []float64
		shape []int
		want  []float64
	}{
		{"Max of [1 3 3] splits the gradient between the ties", (*Tensor).Max, []float64{1, 3, 3}, []int{3}, []float64{0, 0.5, 0.5}},
		{"Min of [2 1 1 1] splits it three ways", (*Tensor).Min, []float64{2, 1, 1, 1}, []int{4}, []float64{0, third, third, third}},
		{"Max of [1 NaN 3] sends it to the NaN", (*Tensor).Max, []float64{1, nan, 3}, []int{3}, []float64{0, 1, 0}},
		{"MaxDims over rows splits each row's gradient among its ties",
			func(x *Tensor) *Tensor { return x.MaxDims(false, 1) }, []float64{1, 3, 3, 2, 2, 1}, []int{2, 3}, []float64{0, 0.5, 0.5, 0.5, 0.5, 0}},
		{"MinDims over columns with keepdim",
			func(x *Tensor) *Tensor { return x.MinDims(true, 0) }, []float64{1, 3, 1, 2}, []int{2, 2}, []float64{0.5, 0, 0.5, 1}},
		{"MaxDim of [1 3 3] sends the gradient to the first maximum only",
			func(x *Tensor) *Tensor { v, _ := x.MaxDim(0, false); return v }, []float64{1, 3, 3}, []int{3}, []float64{0, 1, 0}},
		{"MinDim over columns sends each gradient to its first minimum",
			func(x *Tensor) *Tensor { v, _ := x.MinDim(0, true); return v }, []float64{1, 2, 1, 0}, []int{2, 2}, []float64{1, 0, 0, 1}},
		{"MaxDim along the last dim of a matrix with ties",
			func(x *Tensor) *Tensor { v, _ := x.MaxDim(-1, false); return v }, []float64{5, 5, 1, 0, 2, 2}, []int{2, 3}, []float64{1, 0, 0, 0, 1, 0}},
		{"Prod of [2 3 4] is the product of the others", (*Tensor).Prod, []float64{2, 3, 4}, []int{3}, []float64{12, 8, 6}},
		{"Prod with one zero gives only the zero a gradient", (*Tensor).Prod, []float64{2, 0, 3}, []int{3}, []float64{0, 6, 0}},
		{"Prod with two zeros gives none", (*Tensor).Prod, []float64{0, 2, 0}, []int{3}, []float64{0, 0, 0}},
		{"ProdDims over rows, one with a zero and one without",
			func(x *Tensor) *Tensor { return x.ProdDims(false, 1) }, []float64{2, 0, 3, 1, 2, 3}, []int{2, 3}, []float64{0, 6, 0, 6, 3, 2}},
		{"ProdDims over columns of a matrix with a zero",
			func(x *Tensor) *Tensor { return x.ProdDims(true, 0) }, []float64{2, 0, 3, 5}, []int{2, 2}, []float64{3, 5, 2, 0}},
		{"ProdDims over both dims with a zero",
			func(x *Tensor) *Tensor { return x.ProdDims(false, -1, 0) }, []float64{2, 0, 3, 5}, []int{2, 2}, []float64{0, 30, 0, 0}},
		{"Var(1) of [1 2 3 4] is 2(x-mean)/3", func(x *Tensor) *Tensor { return x.Var(1) }, []float64{1, 2, 3, 4}, []int{4}, []float64{-1, -third, third, 1}},
		{"VarDims(0) over rows is 2(x-mean)/N",
			func(x *Tensor) *Tensor { return x.VarDims(0, false, 1) }, []float64{1, 3, 0, 4}, []int{2, 2}, []float64{-1, 1, -2, 2}},
		{"Std(0) of [1 3] is (x-mean)/(N·std)", func(x *Tensor) *Tensor { return x.Std(0) }, []float64{1, 3}, []int{2}, []float64{-0.5, 0.5}},
		{"Std of equal values has a zero gradient, not NaN", func(x *Tensor) *Tensor { return x.Std(1) }, []float64{2, 2, 2}, []int{3}, []float64{0, 0, 0}},
		{"StdDims with one constant row and one varying row",
			func(x *Tensor) *Tensor { return x.StdDims(0, false, 1) }, []float64{2, 2, 1, 3}, []int{2, 2}, []float64{0, 0, -0.5, 0.5}},
		{"LogSumExp of [0 0] is the softmax [.5 .5]", (*Tensor).LogSumExp, []float64{0, 0}, []int{2}, []float64{0.5, 0.5}},
		{"LogSumExp of [1000 -1000 1000] is finite", (*Tensor).LogSumExp, []float64{1000, -1000, 1000}, []int{3}, []float64{0.5, 0, 0.5}},
		{"LogSumExp of [-1000 -1000] is finite", (*Tensor).LogSumExp, []float64{-1000, -1000}, []int{2}, []float64{0.5, 0.5}},
		{"LogSumExpDims with a -Inf gives it no gradient",
			func(x *Tensor) *Tensor { return x.LogSumExpDims(false, 1) }, []float64{-inf, 0, 1000, 1000}, []int{2, 2}, []float64{0, 1, 0.5, 0.5}},
		{"SumDims(true, -1) gives every element 1",
			func(x *Tensor) *Tensor { return x.SumDims(true, -1) }, []float64{1, 2, 3, 4, 5, 6}, []int{2, 3}, []float64{1, 1, 1, 1, 1, 1}},
		{"MeanDims over the first dim gives 1/N",
			func(x *Tensor) *Tensor { return x.MeanDims(false, 0) }, []float64{1, 2, 3, 4, 5, 6, 7, 8}, []int{4, 2}, []float64{.25, .25, .25, .25, .25, .25, .25, .25}},
		{"Mean gives 1/N", (*Tensor).Mean, []float64{1, 2, 3}, []int{3}, []float64{third, third, third}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assertClose(t, "grad", gradWRT(tc.f, tc.x, tc.shape...), tc.want, tc.shape...)
		})
	}
	t.Run("LogSumExpDims of an all -Inf row is -Inf with a NaN gradient, as in PyTorch", func(t *testing.T) {
		x := leaf([]float64{-inf, -inf}, 2)
		y := x.LogSumExpDims(false, 0)
		if !math.IsInf(y.Item(), -1) {
			t.Fatalf("value %v, want -Inf", y.Item())
		}
		y.Backward()
		for _, g := range x.Grad().Data() {
			if !math.IsNaN(g) {
				t.Fatalf("grad %v, want NaN", x.Grad().Data())
			}
		}
	})
	t.Run("MaxDims of a row with a NaN gives that row NaN gradients, as torch.amax", func(t *testing.T) {
		x := leaf([]float64{1, nan, 3, 1, 2, 3}, 2, 3)
		x.MaxDims(false, 1).Sum().Backward()
		g := x.Grad().Data()
		if !math.IsNaN(g[0]) || !math.IsNaN(g[1]) || !math.IsNaN(g[2]) || g[3] != 0 || g[4] != 0 || g[5] != 1 {
			t.Fatalf("grad %v, want [NaN NaN NaN 0 0 1]", g)
		}
	})
}

func TestReductionForwardValues(t *testing.T) {
	m := func() *Tensor { return leaf([]float64{1, 2, 3, 4, 5, 6}, 2, 3) }
	tests := []struct {
		name  string
		got   *Tensor
		want  []float64
		shape []int
	}{
		{"SumDims(false, 1)", m().SumDims(false, 1), []float64{6, 15}, []int{2}},
		{"MeanDims(true, 0)", m().MeanDims(true, 0), []float64{2.5, 3.5, 4.5}, []int{1, 3}},
		{"MaxDims(false, -1)", m().MaxDims(false, -1), []float64{3, 6}, []int{2}},
		{"MinDims(false, 0, 1)", m().MinDims(false, 0, 1), []float64{1}, []int{}},
		{"ProdDims(false, 1)", m().ProdDims(false, 1), []float64{6, 120}, []int{2}},
		{"VarDims(1, false, 1)", m().VarDims(1, false, 1), []float64{1, 1}, []int{2}},
		{"StdDims(0, true, 0)", m().StdDims(0, true, 0), []float64{1.5, 1.5, 1.5}, []int{1, 3}},
		{"LogSumExpDims of [1000 1000]", leaf([]float64{1000, 1000}, 2).LogSumExpDims(false, 0), []float64{1000 + math.Ln2}, []int{}},
		{"Max", m().Max(), []float64{6}, []int{}},
		{"Min", m().Min(), []float64{1}, []int{}},
		{"Prod", m().Prod(), []float64{720}, []int{}},
		{"Var(1)", m().Var(1), []float64{3.5}, []int{}},
		{"Mean", m().Mean(), []float64{3.5}, []int{}},
		{"Argmax(1, false)", m().Argmax(1, false), []float64{2, 2}, []int{2}},
		{"Argmin(0, true)", m().Argmin(0, true), []float64{0, 0, 0}, []int{1, 3}},
		{"ArgmaxAll", m().ArgmaxAll(), []float64{5}, []int{}},
		{"ArgminAll", m().ArgminAll(), []float64{0}, []int{}},
	}
	for _, tc := range tests {
		t.Run(tc.name+" of [[1 2 3] [4 5 6]]", func(t *testing.T) {
			assertClose(t, tc.name, tc.got, tc.want, tc.shape...)
		})
	}
	t.Run("MaxDim returns values with a graph and indices without", func(t *testing.T) {
		v, i := m().MaxDim(0, false)
		assertClose(t, "values", v, []float64{4, 5, 6}, 3)
		assertClose(t, "indices", i, []float64{1, 1, 1}, 3)
		if !v.RequiresGrad() || i.RequiresGrad() {
			t.Fatalf("values require grad %v, indices %v; want true, false", v.RequiresGrad(), i.RequiresGrad())
		}
	})
	t.Run("indices have no gradient", func(t *testing.T) {
		for name, i := range map[string]*Tensor{"Argmax": m().Argmax(0, false), "Argmin": m().Argmin(1, true), "ArgmaxAll": m().ArgmaxAll(), "ArgminAll": m().ArgminAll()} {
			if i.RequiresGrad() {
				t.Errorf("%s requires grad", name)
			}
		}
	})
}

func TestReductionEdgeCaseGradients(t *testing.T) {
	t.Run("SumDims, MeanDims and ProdDims over a size-0 dimension give an empty gradient", func(t *testing.T) {
		for name, f := range map[string]func(*Tensor) *Tensor{
			"SumDims":  func(x *Tensor) *Tensor { return x.SumDims(false, 0) },
			"MeanDims": func(x *Tensor) *Tensor { return x.MeanDims(true, 0) },
			"ProdDims": func(x *Tensor) *Tensor { return x.ProdDims(false, 0) },
			"Prod":     (*Tensor).Prod,
			"Sum":      (*Tensor).Sum,
		} {
			x := From(tensor.Zeros(0, 3)).SetRequiresGrad(true)
			y := f(x)
			y.BackwardWith(Ones(y.Shape()...))
			assertClose(t, name+" grad", x.Grad(), nil, 0, 3)
		}
	})
	t.Run("reductions of a 0-d tensor over dim 0 pass the gradient through", func(t *testing.T) {
		for name, f := range map[string]func(*Tensor) *Tensor{
			"SumDims(false, 0)":      func(x *Tensor) *Tensor { return x.SumDims(false, 0) },
			"MeanDims(true, -1)":     func(x *Tensor) *Tensor { return x.MeanDims(true, -1) },
			"MaxDims(false, 0)":      func(x *Tensor) *Tensor { return x.MaxDims(false, 0) },
			"MaxDim(0, false)":       func(x *Tensor) *Tensor { v, _ := x.MaxDim(0, false); return v },
			"MinDim(-1, true)":       func(x *Tensor) *Tensor { v, _ := x.MinDim(-1, true); return v },
			"ProdDims(false, 0)":     func(x *Tensor) *Tensor { return x.ProdDims(false, 0) },
			"LogSumExpDims(false,0)": func(x *Tensor) *Tensor { return x.LogSumExpDims(false, 0) },
			"Max":                    (*Tensor).Max,
			"Prod":                   (*Tensor).Prod,
			"LogSumExp":              (*Tensor).LogSumExp,
		} {
			for _, v := range []float64{2, 0} {
				x := Scalar(v).SetRequiresGrad(true)
				y := f(x)
				if y.Dim() != 0 || y.Item() != v {
					t.Fatalf("%s of %v = %v (shape %v), want %v", name, v, y.Item(), y.Shape(), v)
				}
				y.Backward()
				assertClose(t, name+" grad", x.Grad(), []float64{1}, []int{}...)
			}
		}
	})
	t.Run("Var(0) of a 0-d tensor is 0 with a zero gradient", func(t *testing.T) {
		x := Scalar(3).SetRequiresGrad(true)
		y := x.Var(0)
		y.Backward()
		assertClose(t, "value", y, []float64{0}, []int{}...)
		assertClose(t, "grad", x.Grad(), []float64{0}, []int{}...)
	})
	t.Run("size-1 reduced dimensions pass the gradient through", func(t *testing.T) {
		x := leaf([]float64{1, 2, 3}, 3, 1)
		x.MaxDims(false, 1).Mul(New([]float64{1, 2, 3}, 3)).Sum().Backward()
		assertClose(t, "grad", x.Grad(), []float64{1, 2, 3}, 3, 1)
	})
	t.Run("changing the returned indices in place does not change MaxDim's gradient", func(t *testing.T) {
		x := leaf([]float64{1, 3, 2}, 3)
		v, i := x.MaxDim(0, false)
		i.Value().Fill(0)
		v.Backward()
		assertClose(t, "grad", x.Grad(), []float64{0, 1, 0}, 3)
	})
	t.Run("an input changed in place after MaxDims makes backward panic", func(t *testing.T) {
		x := leaf([]float64{1, 3, 2}, 3)
		y := x.MaxDims(false, 0)
		x.Value().Set(5, 0)
		e := testutil.Panics[*tensor.Error](t, func() { y.Backward() })
		if !strings.Contains(e.Error(), "MaxDims") || !strings.Contains(e.Error(), "modified in place") {
			t.Fatalf("message %q", e)
		}
	})
	t.Run("no-grad inputs record nothing", func(t *testing.T) {
		x := leaf([]float64{1, 3, 2}, 3)
		for name, y := range map[string]*Tensor{
			"VarDims": NoGrad(x).VarDims(1, false, 0), "LogSumExp": NoGrad(x).LogSumExp(), "MaxDims": NoGrad(x).MaxDims(true, -1),
		} {
			if y.RequiresGrad() || !y.IsNoGrad() {
				t.Errorf("%s of a no-grad input: requires grad %v, no-grad %v", name, y.RequiresGrad(), y.IsNoGrad())
			}
		}
	})
	t.Run("backward formulas outside create-graph mode work on no-grad operands", func(t *testing.T) {
		x := leaf([]float64{1, 2}, 2)
		g := NoGrad(Ones(2))
		if !g.asFactor(x).IsNoGrad() {
			t.Fatalf("operand of a no-grad gradient records a graph")
		}
		if h := Ones(2); h.asFactor(x) != x {
			t.Fatalf("operand in create-graph mode is not the input itself")
		}
	})
}

func TestReductionPanicsNameOpAndShape(t *testing.T) {
	x := leaf(make([]float64, 6), 2, 3)
	tests := []struct {
		name, op string
		f        func()
		want     []string
	}{
		{"SumDims with a dimension out of range", "SumDims", func() { x.SumDims(false, 2) }, []string{"dimension 2", "[2 3]"}},
		{"MeanDims with a repeated dimension", "MeanDims", func() { x.MeanDims(false, 1, -1) }, []string{"[1 -1]", "[2 3]"}},
		{"VarDims with a dimension out of range", "VarDims", func() { x.VarDims(1, true, -3) }, []string{"dimension -3", "[2 3]"}},
		{"LogSumExpDims with a repeated dimension", "LogSumExpDims", func() { x.LogSumExpDims(true, 0, 0) }, []string{"[0 0]", "[2 3]"}},
		{"MaxDim with a dimension out of range", "MaxDim", func() { x.MaxDim(5, false) }, []string{"dimension 5", "[2 3]"}},
		{"Argmin with a dimension out of range", "Argmin", func() { x.Argmin(-3, false) }, []string{"dimension -3", "[2 3]"}},
		{"MaxDims over an empty dimension", "MaxDims", func() { Zeros(2, 0).MaxDims(false, 1) }, []string{"size 0", "[2 0]"}},
		{"Max of an empty tensor", "Max", func() { Zeros(0).Max() }, []string{"[0]"}},
		{"MinDim over an empty dimension", "MinDim", func() { Zeros(0, 2).MinDim(0, false) }, []string{"size 0", "[0 2]"}},
		{"ArgmaxAll of an empty tensor", "ArgmaxAll", func() { Zeros(0, 2).ArgmaxAll() }, []string{"[0 2]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name+" panics naming the op and the shape", func(t *testing.T) {
			e := testutil.Panics[*tensor.Error](t, tc.f)
			if e.Op != tc.op {
				t.Errorf("Op = %q, want %q", e.Op, tc.op)
			}
			for _, w := range tc.want {
				if !strings.Contains(e.Error(), w) {
					t.Errorf("message %q does not contain %q", e, w)
				}
			}
		})
	}
}

// TestSoftmaxBadDimensionPanics checks that Softmax and LogSoftmax along a
// dimension the input does not have panic with a *tensor.Error naming the
// operation, for a matrix and a 0-d tensor.
func TestSoftmaxBadDimensionPanics(t *testing.T) {
	for _, c := range []struct {
		op string
		f  func()
	}{
		{"Softmax", func() { Zeros(2, 3).Softmax(2) }},
		{"Softmax", func() { Scalar(1).Softmax(1) }},
		{"LogSoftmax", func() { Zeros(2, 3).LogSoftmax(-3) }},
		{"LogSoftmax", func() { Scalar(1).LogSoftmax(1) }},
	} {
		if e := testutil.Panics[*tensor.Error](t, c.f); e.Op != c.op {
			t.Errorf("panic names %s, want %s: %v", e.Op, c.op, e)
		}
	}
}
