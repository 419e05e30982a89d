package functional_test

import (
	"fmt"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/nn/functional"
)

// Cross-entropy of logits against class indices, and its gradient.
func ExampleCrossEntropy() {
	logits := autograd.New([]float64{2, 0, 0, 0, 3, 0}, 2, 3).SetRequiresGrad(true)
	target := autograd.New([]float64{0, 1}, 2)
	loss := functional.CrossEntropy(logits, target)
	loss.Backward()
	fmt.Printf("%.4f\n", loss.Item())
	fmt.Printf("%.4f\n", logits.Grad().Data())
	// Output:
	// 0.1672
	// [-0.1065 0.0533 0.0533 0.0226 -0.0453 0.0226]
}

// Softmax over the last dimension.
func ExampleSoftmax() {
	x := autograd.New([]float64{1, 2, 3, 1000, 1000, 1000}, 2, 3)
	fmt.Printf("%.4f\n", functional.Softmax(x, -1).Data())
	// Output: [0.0900 0.2447 0.6652 0.3333 0.3333 0.3333]
}

// Causal self-attention over a sequence of three positions: each query
// mixes the values of itself and the positions before it, never after.
func ExampleScaledDotProductAttention() {
	x := autograd.New([]float64{1, 0, 0, 1, 1, 1}, 1, 3, 2) // [batch T d]
	v := autograd.New([]float64{1, 2, 3}, 1, 3, 1)
	y := functional.ScaledDotProductAttention(x, x, v, functional.AttentionOptions{IsCausal: true})
	fmt.Printf("%.4f\n", y.Data())
	// Output: [1.0000 1.6698 2.2552]
}
