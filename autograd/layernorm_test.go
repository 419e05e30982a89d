package autograd

import (
	"math"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestLayerNormBadShapesPanic checks that shapes that do not fit panic
// with a *tensor.Error naming LayerNorm and the shapes.
func TestLayerNormBadShapesPanic(t *testing.T) {
	x := Zeros(2, 3).SetRequiresGrad(true)
	cases := []struct {
		name string
		f    func()
		want []string
	}{
		{"an empty normalized shape", func() { LayerNorm(x, nil, nil, nil, 1e-5) }, []string{"[2 3]", "[]"}},
		{"a normalized shape that does not end the input's", func() { LayerNorm(x, []int{2}, nil, nil, 1e-5) }, []string{"[2 3]", "[2]"}},
		{"a longer normalized shape", func() { LayerNorm(x, []int{1, 2, 3}, nil, nil, 1e-5) }, []string{"[1 2 3]"}},
		{"a weight of another shape", func() { LayerNorm(x, []int{3}, Ones(2), nil, 1e-5) }, []string{"weight", "[2]", "[3]"}},
		{"a bias of another shape", func() { LayerNorm(x, []int{3}, nil, Ones(1, 3), 1e-5) }, []string{"bias", "[1 3]"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := testutil.Panics[*tensor.Error](t, c.f)
			if e.Op != "LayerNorm" {
				t.Fatalf("panic names %s, want LayerNorm: %v", e.Op, e)
			}
			for _, w := range c.want {
				if !strings.Contains(e.Error(), w) {
					t.Errorf("panic %q does not say %q", e, w)
				}
			}
		})
	}
}

// TestLayerNormRecordsOnlyWhenAsked checks that LayerNorm of inputs that
// need no gradient, or of no-grad ones, records nothing, and that a weight
// alone gets its gradient when the input needs none.
func TestLayerNormRecordsOnlyWhenAsked(t *testing.T) {
	x := New([]float64{1, 2, 4, -1, 0, 3}, 2, 3)
	w := New([]float64{1, 0.5, 2}, 3).SetRequiresGrad(true)
	if y := LayerNorm(x, []int{3}, nil, nil, 1e-5); y.RequiresGrad() {
		t.Fatal("a layer norm of a constant requires a gradient")
	}
	if y := LayerNorm(NoGrad(x), []int{3}, NoGrad(w), nil, 1e-5); y.RequiresGrad() {
		t.Fatal("a layer norm of no-grad tensors requires a gradient")
	}
	LayerNorm(x, []int{3}, w, nil, 1e-5).Sum().Backward()
	// dw = Σ over rows of x̂ (the gradient is ones).
	want := make([]float64, 3)
	for r := range 2 {
		row := x.Data()[3*r : 3*r+3]
		m := (row[0] + row[1] + row[2]) / 3
		v := ((row[0]-m)*(row[0]-m) + (row[1]-m)*(row[1]-m) + (row[2]-m)*(row[2]-m)) / 3
		for j, e := range row {
			want[j] += (e - m) / math.Sqrt(v+1e-5)
		}
	}
	testutil.AllClose(t, "weight gradient", w.Grad().Data(), want, 1e-12)
	if x.Grad() != nil {
		t.Fatal("a constant input got a gradient")
	}
}

// TestBatchNormStatisticsOutliveBackward checks that the batch means and
// variances BatchNorm returns are constants that keep their values after
// backward has freed the graph (which recycles the operation's own
// buffers), and that a channel of one value panics naming BatchNorm.
func TestBatchNormStatisticsOutliveBackward(t *testing.T) {
	x := New([]float64{1, 2, 3, 5, -1, 0}, 3, 2).SetRequiresGrad(true)
	y, mean, variance := BatchNorm(x, nil, nil, 1e-5)
	if mean.RequiresGrad() || variance.RequiresGrad() {
		t.Fatal("the batch statistics require a gradient")
	}
	y.Square().Sum().Backward()
	testutil.AllClose(t, "means", mean.Data(), []float64{1, 7.0 / 3}, 1e-15)
	testutil.AllClose(t, "variances", variance.Data(), []float64{8.0 / 3, 38.0 / 9}, 1e-15)
	e := testutil.Panics[*tensor.Error](t, func() { BatchNorm(Zeros(1, 3), nil, nil, 1e-5) })
	if e.Op != "BatchNorm" || !strings.Contains(e.Error(), "[1 3]") {
		t.Fatalf("panic %v, want BatchNorm naming [1 3]", e)
	}
}
