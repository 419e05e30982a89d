package tensor_test

import (
	"fmt"
	"testing"

	"github.com/adjoint-go/adjoint/tensor"
)

func TestConv2dBadInput(t *testing.T) {
	x, w := tensor.Zeros(2, 4, 6, 6), tensor.Zeros(3, 4, 3, 3)
	cases := []struct {
		name string
		want []string
		f    func()
	}{
		{"nil input", []string{"nil"}, func() { tensor.Conv2d(nil, w, nil, tensor.Window{}, 1) }},
		{"nil weight", []string{"nil"}, func() { tensor.Conv2d(x, nil, nil, tensor.Window{}, 1) }},
		{"3-D input", []string{"[2 4 6]", "[N Cin H W]"}, func() { tensor.Conv2d(tensor.Zeros(2, 4, 6), w, nil, tensor.Window{}, 1) }},
		{"channels differ", []string{"[3 2 3 3]"}, func() { tensor.Conv2d(x, tensor.Zeros(3, 2, 3, 3), nil, tensor.Window{}, 1) }},
		{"groups not dividing", []string{"groups 3"}, func() { tensor.Conv2d(x, w, nil, tensor.Window{}, 3) }},
		{"zero groups", []string{"groups 0"}, func() { tensor.Conv2d(x, w, nil, tensor.Window{}, 0) }},
		{"bias of the wrong size", []string{"[4]"}, func() { tensor.Conv2d(x, w, tensor.Zeros(4), tensor.Window{}, 1) }},
		{"kernel not the weight's", []string{"window kernel [2 2]"}, func() { tensor.Conv2d(x, w, nil, tensor.Window{Kernel: [2]int{2, 2}}, 1) }},
		{"window too large", []string{"does not fit"}, func() { tensor.Conv2d(x, w, nil, tensor.Window{Dilation: [2]int{4, 1}}, 1) }},
		{"negative padding", []string{"padding"}, func() { tensor.Conv2d(x, w, nil, tensor.Window{Padding: [2]int{-1, 0}}, 1) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantPanic(t, "Conv2d", c.want, c.f) })
	}
}

// Conv2d slides the weight over the image: here a 2×2 kernel of ones sums
// each 2×2 window, plus the bias.
func ExampleConv2d() {
	x := tensor.Arange(0, 9, 1).Reshape(1, 1, 3, 3) // one 3×3 image: 0..8
	w := tensor.Ones(1, 1, 2, 2)
	b := tensor.New([]float64{100}, 1)
	fmt.Println(tensor.Conv2d(x, w, b, tensor.Window{}, 1).Reshape(2, 2))
	// Output:
	// tensor([[108., 112.],
	//         [120., 124.]])
}
