package autograd

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/tensor"
)

func binaryOps() map[string]func(a, b *Tensor) *Tensor {
	return map[string]func(a, b *Tensor) *Tensor{
		"Add": (*Tensor).Add,
		"Sub": (*Tensor).Sub,
		"Mul": (*Tensor).Mul,
		"Div": (*Tensor).Div,
	}
}

func TestGradCheckBinaryOpsWithBroadcasting(t *testing.T) {
	shapes := []struct {
		name string
		a, b []int
	}{
		{"same shape", []int{2, 3}, []int{2, 3}},
		{"[3 1] with [1 4]", []int{3, 1}, []int{1, 4}},
		{"[4] with [2 3 4]", []int{4}, []int{2, 3, 4}},
		{"[2 3 4] with [4]", []int{2, 3, 4}, []int{4}},
		{"scalar with matrix", []int{}, []int{2, 3}},
		{"matrix with scalar", []int{2, 3}, []int{}},
		{"[2 1 3] with [4 1]", []int{2, 1, 3}, []int{4, 1}},
	}
	for name, op := range binaryOps() {
		for _, s := range shapes {
			t.Run(name+" of "+s.name, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(1, 2))
				a := randLeaf(rng, s.a...)
				b := From(tensor.Rand(rng, s.b...).AddScalar(0.5)).SetRequiresGrad(true) // away from 0 for Div
				err := GradCheck(func(in []*Tensor) *Tensor { return op(in[0], in[1]) }, []*Tensor{a, b}, nil)
				if err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

func TestGradCheckOnStridedViewInputs(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	// Leaves whose values are non-contiguous views: a transpose and a slice.
	at := From(tensor.Randn(rng, 4, 3).Transpose(0, 1)).SetRequiresGrad(true)
	bs := From(tensor.Randn(rng, 3, 6).Slice(1, 1, 5)).SetRequiresGrad(true)
	if at.Value().IsContiguous() || bs.Value().IsContiguous() {
		t.Fatal("test inputs should be non-contiguous")
	}
	for name, op := range binaryOps() {
		t.Run(name+" of a transpose and a slice", func(t *testing.T) {
			f := func(in []*Tensor) *Tensor { return op(in[0], in[1].AddScalar(3)) }
			if err := GradCheck(f, []*Tensor{at, bs}, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestGradCheckUnaryAndReductions(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	cases := map[string]func(x *Tensor) *Tensor{
		"Neg":       (*Tensor).Neg,
		"AddScalar": func(x *Tensor) *Tensor { return x.AddScalar(2.5) },
		"MulScalar": func(x *Tensor) *Tensor { return x.MulScalar(-1.5) },
		"Sum":       (*Tensor).Sum,
		"Mean":      (*Tensor).Mean,
		"Mean of a product": func(x *Tensor) *Tensor {
			return x.Mul(x).Mean()
		},
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			x := randLeaf(rng, 2, 3)
			if err := GradCheck(func(in []*Tensor) *Tensor { return f(in[0]) }, []*Tensor{x}, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestGradCheckViewOps(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	cases := []struct {
		name  string
		shape []int
		f     func(x *Tensor) *Tensor
	}{
		{"Reshape", []int{2, 3, 4}, func(x *Tensor) *Tensor { return x.Reshape(4, -1) }},
		{"Reshape of a transpose (copies)", []int{2, 3, 4}, func(x *Tensor) *Tensor { return x.Transpose(0, 2).Reshape(-1) }},
		{"View", []int{2, 3, 4}, func(x *Tensor) *Tensor { return x.View(6, 4) }},
		{"Flatten", []int{2, 3}, (*Tensor).Flatten},
		{"Transpose", []int{2, 3, 4}, func(x *Tensor) *Tensor { return x.Transpose(0, 2) }},
		{"Transpose with negative dims", []int{2, 3}, func(x *Tensor) *Tensor { return x.Transpose(-1, -2) }},
		{"Permute", []int{2, 3, 4}, func(x *Tensor) *Tensor { return x.Permute(2, 0, 1) }},
		{"Permute with negative dims", []int{2, 3, 4}, func(x *Tensor) *Tensor { return x.Permute(-1, 0, -2) }},
		{"Slice", []int{4, 5}, func(x *Tensor) *Tensor { return x.Slice(1, 1, 4) }},
		{"Slice with negative bounds", []int{4, 5}, func(x *Tensor) *Tensor { return x.Slice(-2, -3, -1) }},
		{"Select", []int{3, 4}, func(x *Tensor) *Tensor { return x.Select(1, 2) }},
		{"Select with negative index", []int{3, 4}, func(x *Tensor) *Tensor { return x.Select(0, -1) }},
		{"Expand", []int{3, 1}, func(x *Tensor) *Tensor { return x.Expand(2, 3, 4) }},
		{"Expand of a scalar", []int{}, func(x *Tensor) *Tensor { return x.Expand(2, 2) }},
		{"Squeeze all", []int{1, 3, 1}, func(x *Tensor) *Tensor { return x.Squeeze() }},
		{"Squeeze one", []int{1, 3, 1}, func(x *Tensor) *Tensor { return x.Squeeze(-1) }},
		{"Unsqueeze", []int{2, 3}, func(x *Tensor) *Tensor { return x.Unsqueeze(1) }},
		{"Unsqueeze at the end", []int{2, 3}, func(x *Tensor) *Tensor { return x.Unsqueeze(-1) }},
		{"Contiguous of a transpose", []int{2, 3}, func(x *Tensor) *Tensor { return x.Transpose(0, 1).Contiguous() }},
		{"Clone", []int{2, 3}, (*Tensor).Clone},
		{"views in a chain", []int{2, 3, 4}, func(x *Tensor) *Tensor {
			return x.Permute(1, 2, 0).Slice(0, 1, 3).Select(1, -1).Unsqueeze(0).Expand(3, 2, 2).Mul(x.Select(2, 0).Transpose(0, 1).Slice(0, 0, 2))
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := randLeaf(rng, c.shape...)
			if err := GradCheck(func(in []*Tensor) *Tensor { return c.f(in[0]) }, []*Tensor{x}, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestGradCheckSecondDerivatives(t *testing.T) {
	// The first derivative, computed with CreateGraph, is itself checked by
	// GradCheck: this exercises every backward formula in create-graph mode.
	rng := rand.New(rand.NewPCG(9, 10))
	for name, op := range binaryOps() {
		t.Run(name, func(t *testing.T) {
			a := randLeaf(rng, 2, 3)
			b := From(tensor.Rand(rng, 3).AddScalar(0.5)).SetRequiresGrad(true)
			f := func(in []*Tensor) *Tensor {
				y := op(in[0], in[1]).Mul(in[0]).Sum()
				g := Grad([]*Tensor{y}, in, true)
				return g[0].Sum().Add(g[1].Mul(g[1]).Sum())
			}
			if err := GradCheck(f, []*Tensor{a, b}, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestGradCheckCatchesAWrongGradient(t *testing.T) {
	// An operation whose backward forgets the factor 2 of d(x²)/dx.
	square := func(x *Tensor) *Tensor {
		return wrap1(x.v.Mul(x.v), "BadSquare", func(c call, g *Tensor, grads []*Tensor) {
			grads[0] = g.Mul(c.input(0))
		}, x)
	}
	x := leaf([]float64{1, 2, 3}, 3)
	err := GradCheck(func(in []*Tensor) *Tensor { return square(in[0]) }, []*Tensor{x}, nil)
	var ge *GradCheckError
	if !errors.As(err, &ge) {
		t.Fatalf("got %v, want a *GradCheckError", err)
	}
	if ge.Input != 0 || ge.Analytical != 1 || ge.Numerical < 1.999 || ge.Numerical > 2.001 {
		t.Fatalf("error %+v, want input 0, analytical 1, numerical 2", ge)
	}
}

func TestGradCheckBadInput(t *testing.T) {
	x := New([]float64{1, 2}, 2)
	if err := GradCheck(func(in []*Tensor) *Tensor { return in[0].Sum() }, []*Tensor{x}, nil); err == nil {
		t.Fatal("no error for inputs that do not require grad")
	}
	e := From(tensor.Scalar(1).Expand(3)).SetRequiresGrad(true)
	if err := GradCheck(func(in []*Tensor) *Tensor { return in[0].Sum() }, []*Tensor{e}, nil); err == nil {
		t.Fatal("no error for an input with overlapping elements")
	}
}

func TestGradCheckExpLog(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	x := From(tensor.Rand(rng, 2, 3).AddScalar(0.5)).SetRequiresGrad(true)
	xt := From(tensor.Rand(rng, 3, 2).AddScalar(0.5).Transpose(0, 1)).SetRequiresGrad(true)
	for name, f := range map[string]func(x *Tensor) *Tensor{
		"Exp": (*Tensor).Exp,
		"Log": (*Tensor).Log,
	} {
		for _, in := range []*Tensor{x, xt} {
			if err := GradCheck(func(in []*Tensor) *Tensor { return f(in[0]) }, []*Tensor{in}, nil); err != nil {
				t.Errorf("%s: %v", name, err)
			}
			second := func(in []*Tensor) *Tensor { return Grad([]*Tensor{f(in[0]).Sum()}, in, true)[0] }
			if err := GradCheck(second, []*Tensor{in}, nil); err != nil {
				t.Errorf("%s second derivative: %v", name, err)
			}
		}
	}
}

func TestComparisonsHaveNoGradient(t *testing.T) {
	a := leaf([]float64{1, 2, 3}, 3)
	b := New([]float64{2}, 1)
	for name, got := range map[string]*Tensor{
		"Eq": a.Eq(b), "Ne": a.Ne(b), "Gt": a.Gt(b), "Ge": a.Ge(b), "Lt": a.Lt(b), "Le": a.Le(b),
	} {
		want := map[string][]float64{"Eq": {0, 1, 0}, "Ne": {1, 0, 1}, "Gt": {0, 0, 1}, "Ge": {0, 1, 1}, "Lt": {1, 0, 0}, "Le": {1, 1, 0}}[name]
		assertClose(t, name, got, want, 3)
		if got.RequiresGrad() {
			t.Errorf("%s requires grad", name)
		}
	}
}
