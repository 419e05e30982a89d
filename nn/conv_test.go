package nn

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/nn/functional"
	"github.com/adjoint-go/adjoint/tensor"
)

func TestConv2dModule(t *testing.T) {
	r := rng()
	c := NewConv2d(6, 16, [2]int{5, 5}, functional.ConvOptions{}, false, r)
	if got := names(c.NamedParameters()); !slices.Equal(got, []string{"weight", "bias"}) {
		t.Fatalf("names %v", got)
	}
	if !slices.Equal(c.Weight.Shape(), []int{16, 6, 5, 5}) || !slices.Equal(c.Bias.Shape(), []int{16}) {
		t.Fatalf("shapes %v %v", c.Weight.Shape(), c.Bias.Shape())
	}
	// PyTorch's default initialisation: uniform in ±1/√fan_in, fan_in = 6·5·5.
	bound := 1 / math.Sqrt(150)
	for _, p := range c.Parameters() {
		lo, hi := slices.Min(p.Data()), slices.Max(p.Data())
		if lo < -bound || hi > bound || hi-lo < bound {
			t.Fatalf("values in [%v, %v], want spread over ±%v", lo, hi, bound)
		}
	}
	if y := c.Forward(autograd.Zeros(2, 6, 14, 14)); !slices.Equal(y.Shape(), []int{2, 16, 10, 10}) {
		t.Fatalf("output shape %v", y.Shape())
	}
	g := NewConv2d(4, 8, [2]int{3, 3}, functional.ConvOptions{Groups: 2, Padding: [2]int{1, 1}, Stride: [2]int{2, 2}}, true, r)
	if s := g.String(); s != "Conv2d(4, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), groups=2, bias=False)" {
		t.Fatalf("String %q", s)
	}
	if !slices.Equal(g.Weight.Shape(), []int{8, 2, 3, 3}) || g.Bias != nil {
		t.Fatal("a grouped convolution without bias has the wrong parameters")
	}
	e := testutil.Panics[*tensor.Error](t, func() { NewConv2d(3, 4, [2]int{3, 3}, functional.ConvOptions{Groups: 2}, false, r) })
	if !strings.Contains(e.Error(), "groups divide") {
		t.Fatalf("panic %q", e)
	}
	testutil.Panics[*tensor.Error](t, func() { NewConv2d(3, 4, [2]int{3, 3}, functional.ConvOptions{}, false, nil) })
}

func TestPoolModules(t *testing.T) {
	x := autograd.Arange(0, 32, 1).Reshape(1, 2, 4, 4)
	mp := NewMaxPool2d([2]int{2, 2})
	if got := mp.Forward(x).Data(); !slices.Equal(got, []float64{5, 7, 13, 15, 21, 23, 29, 31}) {
		t.Fatalf("MaxPool2d %v", got)
	}
	ap := NewAvgPool2d([2]int{2, 2})
	if got := ap.Forward(x).Data(); !slices.Equal(got, []float64{2.5, 4.5, 10.5, 12.5, 18.5, 20.5, 26.5, 28.5}) {
		t.Fatalf("AvgPool2d %v", got)
	}
	ad := NewAdaptiveAvgPool2d([2]int{1, 1})
	if got := ad.Forward(x).Data(); !slices.Equal(got, []float64{7.5, 23.5}) {
		t.Fatalf("AdaptiveAvgPool2d %v", got)
	}
	for m, want := range map[Module]string{
		mp: "MaxPool2d(kernel_size=(2, 2))", ap: "AvgPool2d(kernel_size=(2, 2))", ad: "AdaptiveAvgPool2d(output_size=(1, 1))",
	} {
		if s := m.(interface{ String() string }).String(); s != want {
			t.Errorf("String %q, want %q", s, want)
		}
		if len(m.Parameters()) != 0 {
			t.Errorf("%s has parameters", want)
		}
	}
}

func TestConv1dModule(t *testing.T) {
	c := NewConv1d(4, 6, 3, functional.ConvOptions{Padding: [2]int{0, 1}, Groups: 2}, false, rng())
	if !slices.Equal(c.Weight.Shape(), []int{6, 2, 3}) || !c.Weight.RequiresGrad() || c.String() != "Conv1d(4, 6, kernel_size=(3,))" {
		t.Fatalf("weight %v, %q", c.Weight.Shape(), c)
	}
	bound := 1 / math.Sqrt(6)
	if lo, hi := slices.Min(c.Weight.Data()), slices.Max(c.Weight.Data()); lo < -bound || hi > bound {
		t.Fatalf("weights in [%v, %v], want within ±%v", lo, hi, bound)
	}
	y := c.Forward(autograd.Zeros(2, 4, 9))
	if !slices.Equal(y.Shape(), []int{2, 6, 9}) {
		t.Fatalf("output shape %v", y.Shape())
	}
	e := testutil.Panics[*tensor.Error](t, func() { c.Forward(autograd.Zeros(2, 4, 9, 1)) })
	if !strings.Contains(e.Error(), "Conv1d") {
		t.Fatalf("panic %q", e)
	}
	e = testutil.Panics[*tensor.Error](t, func() { functional.MaxPool1d(autograd.Zeros(2, 9), functional.PoolOptions{Kernel: [2]int{0, 2}}) })
	if !strings.Contains(e.Error(), "want [N C L]") {
		t.Fatalf("panic %q", e)
	}
}

func TestConvTranspose2dModule(t *testing.T) {
	c := NewConvTranspose2d(4, 6, [2]int{3, 3}, functional.ConvOptions{Stride: [2]int{2, 2}, Padding: [2]int{1, 1}, Groups: 2}, [2]int{1, 1}, false, rng())
	if !slices.Equal(c.Weight.Shape(), []int{4, 3, 3, 3}) || c.String() != "ConvTranspose2d(4, 6, kernel_size=(3, 3))" {
		t.Fatalf("weight %v, %q", c.Weight.Shape(), c)
	}
	bound := 1 / math.Sqrt(27)
	if lo, hi := slices.Min(c.Weight.Data()), slices.Max(c.Weight.Data()); lo < -bound || hi > bound {
		t.Fatalf("weights in [%v, %v], want within ±%v", lo, hi, bound)
	}
	// (5-1)·2 - 2 + 2 + 1 + 1 = 10: the inverse of a stride-2 convolution's shape.
	if y := c.Forward(autograd.Zeros(2, 4, 5, 5)); !slices.Equal(y.Shape(), []int{2, 6, 10, 10}) {
		t.Fatalf("output shape %v", y.Shape())
	}
	for _, f := range []func(){
		func() { c.Forward(autograd.Zeros(2, 3, 5, 5)) }, // channels
		func() {
			functional.ConvTranspose2d(autograd.Zeros(1, 4, 5, 5), c.Weight, nil, functional.ConvOptions{Stride: [2]int{2, 2}, Groups: 2}, [2]int{2, 0})
		},
		func() {
			functional.ConvTranspose2d(autograd.Zeros(1, 4, 5, 5), c.Weight, nil, functional.ConvOptions{Same: true, Groups: 2}, [2]int{})
		},
		func() {
			NewConvTranspose2d(3, 4, [2]int{3, 3}, functional.ConvOptions{Groups: 2}, [2]int{}, false, rng())
		},
	} {
		testutil.Panics[*tensor.Error](t, f)
	}
}

func TestUnfoldFoldModules(t *testing.T) {
	w := tensor.Window{Kernel: [2]int{2, 2}, Stride: [2]int{2, 2}}
	x := autograd.Arange(0, 32, 1).Reshape(2, 1, 4, 4)
	u := NewUnfold(w).Forward(x)
	if !slices.Equal(u.Shape(), []int{2, 4, 4}) {
		t.Fatalf("Unfold shape %v", u.Shape())
	}
	// Non-overlapping windows: Fold undoes Unfold.
	if back := NewFold([2]int{4, 4}, w).Forward(u); !slices.Equal(back.Data(), x.Data()) {
		t.Fatalf("Fold(Unfold(x)) = %v", back.Data())
	}
	if s := NewFold([2]int{4, 4}, w).String(); s != "Fold(output_size=[4 4], kernel_size=[2 2])" {
		t.Fatalf("String %q", s)
	}
}
