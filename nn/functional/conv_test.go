package functional

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

// Conv2d passes GradCheck to second order in every input, on contiguous
// and strided (transposed) images.
func TestConv2dGradCheck(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	cases := []struct {
		name      string
		cin, cout int
		kh, kw    int
		bias      bool
		o         ConvOptions
		h, w      int
	}{
		{"plain", 2, 3, 3, 3, true, ConvOptions{}, 5, 4},
		{"stride, padding and dilation", 2, 2, 2, 3, false, ConvOptions{Stride: [2]int{2, 1}, Padding: [2]int{1, 2}, Dilation: [2]int{2, 1}}, 6, 5},
		{"groups", 4, 2, 3, 3, true, ConvOptions{Padding: [2]int{1, 1}, Groups: 2}, 4, 4},
		{"same with an even kernel", 1, 2, 2, 2, true, ConvOptions{Same: true}, 4, 3},
	}
	for _, c := range cases {
		for _, strided := range []bool{false, true} {
			t.Run(c.name, func(t *testing.T) {
				var x *autograd.Tensor
				if strided {
					x = autograd.From(tensor.Randn(rng, 1, c.cin, c.w, c.h).Transpose(2, 3)).SetRequiresGrad(true)
				} else {
					x = autograd.Randn(rng, 1, c.cin, c.h, c.w).SetRequiresGrad(true)
				}
				w := autograd.Randn(rng, c.cout, c.cin/max(c.o.Groups, 1), c.kh, c.kw).SetRequiresGrad(true)
				in := []*autograd.Tensor{x, w}
				if c.bias {
					in = append(in, autograd.Randn(rng, c.cout).SetRequiresGrad(true))
				}
				f := func(v []*autograd.Tensor) *autograd.Tensor {
					var b *autograd.Tensor
					if len(v) > 2 {
						b = v[2]
					}
					return Conv2d(v[0], v[1], b, c.o)
				}
				if err := autograd.GradCheck(f, in, nil); err != nil {
					t.Fatal(err)
				}
				second := func(v []*autograd.Tensor) *autograd.Tensor {
					y := f(v)
					gs := autograd.Grad([]*autograd.Tensor{y.Mul(y).Sum()}, v, true)
					s := gs[0].Sum()
					for _, g := range gs[1:] {
						s = s.Add(g.Sum())
					}
					return s
				}
				if err := autograd.GradCheck(second, in, nil); err != nil {
					t.Fatalf("second order: %v", err)
				}
			})
		}
	}
}

func TestConv2dBadInput(t *testing.T) {
	x, w := autograd.Zeros(1, 4, 5, 5), autograd.Zeros(2, 4, 3, 3)
	cases := []struct {
		name, want string
		f          func()
	}{
		{"a 3-D input", "do not fit", func() { Conv2d(autograd.Zeros(4, 5, 5), w, nil, ConvOptions{}) }},
		{"channels that do not match", "do not fit", func() { Conv2d(x, autograd.Zeros(2, 3, 3, 3), nil, ConvOptions{}) }},
		{"groups that do not divide", "groups 3", func() { Conv2d(x, w, nil, ConvOptions{Groups: 3}) }},
		{"a bias of the wrong size", "do not fit", func() { Conv2d(x, w, autograd.Zeros(3), ConvOptions{}) }},
		{"same with a stride", `padding "same" takes stride 1`, func() { Conv2d(x, w, nil, ConvOptions{Same: true, Stride: [2]int{2, 2}}) }},
		{"a kernel larger than the input", "does not fit", func() { Conv2d(x, autograd.Zeros(2, 4, 7, 7), nil, ConvOptions{}) }},
		{"a nil weight", "is nil", func() { Conv2d(x, nil, nil, ConvOptions{}) }},
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
