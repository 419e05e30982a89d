package functional

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

// The pooling functions pass GradCheck to second order on plain and
// strided inputs (values drawn apart, so that no window's maximum ties).
func TestPoolingGradCheck(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	cases := []struct {
		name string
		f    func(x *autograd.Tensor) *autograd.Tensor
	}{
		{"MaxPool2d", func(x *autograd.Tensor) *autograd.Tensor {
			return MaxPool2d(x, PoolOptions{Kernel: [2]int{2, 3}, Stride: [2]int{1, 2}, Padding: [2]int{1, 1}, CeilMode: true})
		}},
		{"AvgPool2d", func(x *autograd.Tensor) *autograd.Tensor {
			return AvgPool2d(x, PoolOptions{Kernel: [2]int{3, 2}, Padding: [2]int{1, 1}, ExcludePad: true})
		}},
		{"AdaptiveAvgPool2d", func(x *autograd.Tensor) *autograd.Tensor { return AdaptiveAvgPool2d(x, [2]int{2, 3}) }},
	}
	for _, c := range cases {
		for _, strided := range []bool{false, true} {
			t.Run(c.name, func(t *testing.T) {
				vals := make([]float64, 2*5*4)
				for i := range vals {
					vals[i] = float64(i)*0.37 + 0.01*rng.Float64()
				}
				rng.Shuffle(len(vals), func(i, j int) { vals[i], vals[j] = vals[j], vals[i] })
				var x *autograd.Tensor
				if strided {
					x = autograd.From(tensor.New(vals, 1, 2, 4, 5).Transpose(2, 3)).SetRequiresGrad(true)
				} else {
					x = autograd.New(vals, 1, 2, 5, 4).SetRequiresGrad(true)
				}
				f := func(v []*autograd.Tensor) *autograd.Tensor { return c.f(v[0]).Square() }
				if err := autograd.GradCheck(f, []*autograd.Tensor{x}, nil); err != nil {
					t.Fatal(err)
				}
				second := func(v []*autograd.Tensor) *autograd.Tensor {
					return autograd.Grad([]*autograd.Tensor{f(v).Sum()}, v, true)[0]
				}
				if err := autograd.GradCheck(second, []*autograd.Tensor{x}, nil); err != nil {
					t.Fatalf("second order: %v", err)
				}
			})
		}
	}
}

func TestPoolingBadInput(t *testing.T) {
	x := autograd.Zeros(1, 1, 4, 4)
	cases := []struct {
		name, want string
		f          func()
	}{
		{"MaxPool2d of a 3-D input", "not a batch", func() { MaxPool2d(autograd.Zeros(1, 4, 4), PoolOptions{Kernel: [2]int{2, 2}}) }},
		{"MaxPool2d with too much padding", "more than half the kernel", func() {
			MaxPool2d(x, PoolOptions{Kernel: [2]int{2, 2}, Padding: [2]int{2, 2}})
		}},
		{"MaxPool2d with a zero kernel", "must be positive", func() { MaxPool2d(x, PoolOptions{}) }},
		{"MaxPool2d with a kernel larger than the input", "does not fit", func() { MaxPool2d(x, PoolOptions{Kernel: [2]int{5, 5}}) }},
		{"AvgPool2d with ceil mode", "no ceil mode", func() { AvgPool2d(x, PoolOptions{Kernel: [2]int{2, 2}, CeilMode: true}) }},
		{"AdaptiveAvgPool2d to size 0", "positive", func() { AdaptiveAvgPool2d(x, [2]int{0, 2}) }},
		{"a nil input", "input is nil", func() { AvgPool2d(nil, PoolOptions{Kernel: [2]int{2, 2}}) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := testutil.Panics[*tensor.Error](t, c.f)
			if !strings.Contains(e.Error(), c.want) {
				t.Fatalf("panic %q, want it to mention %q", e, c.want)
			}
		})
	}
}

// MaxPool1d (MaxPool2d on rows of height 1) passes GradCheck to second
// order, with values drawn apart so that no window ties.
func TestMaxPool1dGradCheck(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	vals := make([]float64, 2*3*7)
	for i := range vals {
		vals[i] = float64(i)*0.41 + 0.01*rng.Float64()
	}
	rng.Shuffle(len(vals), func(i, j int) { vals[i], vals[j] = vals[j], vals[i] })
	x := autograd.New(vals, 2, 3, 7).SetRequiresGrad(true)
	f := func(v []*autograd.Tensor) *autograd.Tensor {
		return MaxPool1d(v[0], PoolOptions{Kernel: [2]int{0, 3}, Stride: [2]int{0, 2}, Padding: [2]int{0, 1}, CeilMode: true}).Square()
	}
	if err := autograd.GradCheck(f, []*autograd.Tensor{x}, nil); err != nil {
		t.Fatal(err)
	}
	second := func(v []*autograd.Tensor) *autograd.Tensor {
		return autograd.Grad([]*autograd.Tensor{f(v).Sum()}, v, true)[0]
	}
	if err := autograd.GradCheck(second, []*autograd.Tensor{x}, nil); err != nil {
		t.Fatalf("second order: %v", err)
	}
}
