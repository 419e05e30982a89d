package autograd_test

import (
	"fmt"

	"github.com/adjoint-go/adjoint/autograd"
)

// The seed program: z = x·x + x·y, so dz/dx = 2x + y and dz/dy = x.
func Example() {
	x := autograd.Scalar(3).SetRequiresGrad(true)
	y := autograd.Scalar(10).SetRequiresGrad(true)
	z := x.Mul(x).Add(x.Mul(y))
	z.Backward()
	fmt.Println(x.Grad().Item(), y.Grad().Item())
	// Output: 16 3
}

// Gradients are summed back to each input's shape after broadcasting.
func ExampleTensor_Backward() {
	w := autograd.New([]float64{1, 2, 3}, 3).SetRequiresGrad(true)
	x := autograd.New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	loss := x.Mul(w).Sum() // w broadcasts over the rows of x
	loss.Backward()
	fmt.Println(w.Grad())
	// Output: tensor([5., 7., 9.])
}

// Second derivatives: differentiate a gradient computed with createGraph.
func ExampleGrad() {
	x := autograd.Scalar(2).SetRequiresGrad(true)
	y := x.Mul(x).Mul(x)                                                       // x³
	dy := autograd.Grad([]*autograd.Tensor{y}, []*autograd.Tensor{x}, true)[0] // 3x²
	d2y := autograd.Grad([]*autograd.Tensor{dy}, []*autograd.Tensor{x}, false)[0]
	fmt.Println(dy.Item(), d2y.Item())
	// Output: 12 12
}

// NoGrad evaluates without recording a graph.
func ExampleNoGrad() {
	w := autograd.New([]float64{1, 2}, 2).SetRequiresGrad(true)
	x := autograd.New([]float64{3, 4}, 2)
	out := autograd.NoGrad(x).Mul(w).Sum()
	fmt.Println(out.Item(), out.RequiresGrad())
	// Output: 11 false
}

// GradCheck compares autograd's gradients with central differences.
func ExampleGradCheck() {
	a := autograd.New([]float64{1, 2, 3}, 3, 1).SetRequiresGrad(true)
	b := autograd.New([]float64{0.5, 1.5}, 1, 2).SetRequiresGrad(true)
	err := autograd.GradCheck(func(in []*autograd.Tensor) *autograd.Tensor {
		return in[0].Div(in[1]).Sum()
	}, []*autograd.Tensor{a, b}, nil)
	fmt.Println(err)
	// Output: <nil>
}
