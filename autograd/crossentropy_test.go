package autograd

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

func TestCrossEntropyRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	target := From(tensor.New([]float64{2, -100, 0, 4}, 4))
	f := func(in []*Tensor) *Tensor { return CrossEntropyRows(in[0], target, -100) }
	inputs := map[string]func() *Tensor{
		"a plain input":   func() *Tensor { return randLeaf(rng, 4, 5) },
		"a strided input": func() *Tensor { return From(tensor.Randn(rng, 5, 4).Transpose(0, 1)).SetRequiresGrad(true) },
	}
	for name, mk := range inputs {
		t.Run(name+" passes GradCheck and the second-derivative GradCheck", func(t *testing.T) {
			x := mk()
			if err := GradCheck(f, []*Tensor{x}, nil); err != nil {
				t.Fatal(err)
			}
			second := func(in []*Tensor) *Tensor {
				y := f(in)
				return Grad([]*Tensor{y.Mul(y).Sum()}, in, true)[0]
			}
			if err := GradCheck(second, []*Tensor{x}, nil); err != nil {
				t.Fatalf("second derivative: %v", err)
			}
		})
	}
	t.Run("the gradient outside create-graph mode records nothing and ignored rows are zero", func(t *testing.T) {
		x := randLeaf(rng, 4, 5)
		g := Grad([]*Tensor{CrossEntropyRows(x, target, -100).Sum()}, []*Tensor{x}, false)[0]
		if g.RequiresGrad() {
			t.Fatalf("gradient requires grad outside create-graph mode")
		}
		for j := 0; j < 5; j++ {
			if v := g.v.At(1, j); v != 0 {
				t.Fatalf("gradient of ignored row at %d = %v, want 0", j, v)
			}
		}
		// Each valid row of softmax − onehot sums to zero.
		for _, i := range []int{0, 2, 3} {
			s := 0.0
			for j := 0; j < 5; j++ {
				s += g.v.At(i, j)
			}
			if s > 1e-15 || s < -1e-15 {
				t.Fatalf("row %d of the gradient sums to %v, want 0", i, s)
			}
		}
	})
	t.Run("a bad target panics naming CrossEntropyRows and the shapes", func(t *testing.T) {
		e := testutil.Panics[*tensor.Error](t, func() { CrossEntropyRows(randLeaf(rng, 4, 5), From(tensor.Zeros(3)), -100) })
		if e.Op != "CrossEntropyRows" || !strings.Contains(e.Msg, "[4 5]") || !strings.Contains(e.Msg, "[3]") {
			t.Fatalf("panic %q", e)
		}
	})
}
