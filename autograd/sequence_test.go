package autograd

import (
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

// gradOfSum returns the gradient of (f(x)·w).Sum() for a leaf holding x.
func gradOfSum(x []float64, shape []int, f func(*Tensor) *Tensor, w []float64) []float64 {
	leaf := New(x, shape...).SetRequiresGrad(true)
	y := f(leaf)
	y.Mul(New(w, y.Shape()...)).Sum().Backward()
	return leaf.Grad().Data()
}

func TestSequenceGradients(t *testing.T) {
	tests := []struct {
		name  string
		x     []float64
		shape []int
		f     func(*Tensor) *Tensor
		w     []float64
		want  []float64
	}{
		{"Sort sends each value's gradient to the position it came from", []float64{3, 1, 2}, []int{3},
			func(x *Tensor) *Tensor { v, _ := x.Sort(0, false); return v }, []float64{10, 20, 30}, []float64{30, 10, 20}},
		{"TopK with tied values sends the gradient to the earlier one only", []float64{2, 2, 1}, []int{3},
			func(x *Tensor) *Tensor { v, _ := x.TopK(1, 0, true, true); return v }, []float64{5}, []float64{5, 0, 0}},
		{"TopK leaves the values not taken with a zero gradient", []float64{1, 4, 3, 2}, []int{2, 2},
			func(x *Tensor) *Tensor { v, _ := x.TopK(1, 1, false, true); return v }, []float64{7, 8}, []float64{7, 0, 0, 8}},
		{"Cumsum's gradient sums the later weights", []float64{1, 2, 3}, []int{3},
			func(x *Tensor) *Tensor { return x.Cumsum(0) }, []float64{1, 10, 100}, []float64{111, 110, 100}},
		{"Cumprod's gradient is right at a zero", []float64{2, 0, 3}, []int{3},
			// out = [x0, x0·x1, x0·x1·x2]; at x1 = 0 the gradient of x1 is
			// w1·x0 + w2·x0·x2 = 10·2 + 100·6.
			func(x *Tensor) *Tensor { return x.Cumprod(0) }, []float64{1, 10, 100}, []float64{1, 620, 0}},
		{"Cumprod's gradient with two zeros", []float64{0, 5, 0}, []int{3},
			func(x *Tensor) *Tensor { return x.Cumprod(0) }, []float64{1, 10, 100}, []float64{51, 0, 0}}, // 1 + 10·5
		{"RepeatInterleave adds the gradients of the copies", []float64{1, 2}, []int{2},
			func(x *Tensor) *Tensor { return x.RepeatInterleave(2, 0) }, []float64{1, 2, 3, 4}, []float64{3, 7}},
		{"Roll rolls the gradient back", []float64{1, 2, 3}, []int{3},
			func(x *Tensor) *Tensor { return x.Roll([]int{1}, nil) }, []float64{1, 2, 3}, []float64{2, 3, 1}},
		{"Tril masks the gradient", []float64{1, 2, 3, 4}, []int{2, 2},
			func(x *Tensor) *Tensor { return x.Tril(0) }, []float64{5, 6, 7, 8}, []float64{5, 0, 7, 8}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			testutil.AllSame(t, "gradient", gradOfSum(tc.x, tc.shape, tc.f, tc.w), tc.want)
		})
	}
}

// The indices Sort and TopK return are the caller's: changing them in place
// does not change the gradient, which uses a copy.
func TestSortedIndicesAreTheCallers(t *testing.T) {
	x := New([]float64{3, 1, 2}, 3).SetRequiresGrad(true)
	v, i := x.Sort(0, false)
	if i.RequiresGrad() {
		t.Fatal("the indices require a gradient")
	}
	i.Value().Fill(0)
	v.Mul(New([]float64{10, 20, 30}, 3)).Sum().Backward()
	testutil.AllSame(t, "gradient", x.Grad().Data(), []float64{30, 10, 20})
}

// Index-valued operations record nothing, even on inputs that require a
// gradient, and keep no-grad evaluation.
func TestIndexValuedResultsHaveNoGradient(t *testing.T) {
	w := New([]float64{1, 2, 3}, 3).SetRequiresGrad(true)
	rng := rand.New(rand.NewPCG(1, 2))
	for name, r := range map[string]*Tensor{
		"Multinomial": w.Multinomial(2, false, rng),
		"Argsort":     w.Argsort(0, true),
		"OneHot":      New([]float64{0, 2}, 2).OneHot(-1),
	} {
		if r.RequiresGrad() || !r.IsLeaf() {
			t.Errorf("%s: the result requires a gradient or records an operation", name)
		}
	}
	e := testutil.Panics[*tensor.Error](t, func() { w.Multinomial(1, true, nil) })
	if e.Op != "Multinomial" || !contains(e.Error(), "rng") {
		t.Fatalf("panic %q, want Multinomial naming the nil rng", e)
	}
}
