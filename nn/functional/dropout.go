package functional

import (
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// Dropout zeroes each element of x with probability p, drawing from rng,
// and scales the others by 1/(1-p), when training; otherwise it returns x
// unchanged. p must be in [0, 1].
func Dropout(x *autograd.Tensor, p float64, training bool, rng *rand.Rand) *autograd.Tensor {
	if x == nil {
		tensor.Panicf("functional", "Dropout", nil, "input is nil")
	}
	if !(p >= 0 && p <= 1) {
		tensor.Panicf("functional", "Dropout", [][]int{x.Shape()}, "probability %v is not in [0, 1]", p)
	}
	if !training || p == 0 {
		return x
	}
	if rng == nil {
		tensor.Panicf("functional", "Dropout", [][]int{x.Shape()}, "rng is nil in training mode; pass a *rand.Rand, e.g. rand.New(rand.NewPCG(seed, 0))")
	}
	return x.Mul(autograd.From(dropoutMultiplier(x.Shape(), p, rng)))
}

// Embedding returns the rows of weight ([num, dim]) picked by indices (any
// shape, integral values in [0, num)), shaped indices.Shape() + [dim]:
// torch.nn.functional.embedding. The gradient of weight adds each picked
// row's gradient into that row.
func Embedding(indices, weight *autograd.Tensor) *autograd.Tensor {
	if weight.Dim() != 2 {
		tensor.Panicf("functional", "Embedding", [][]int{indices.Shape(), weight.Shape()}, "weight of shape %v is not 2-D", weight.Shape())
	}
	rows := weight.IndexSelect(0, indices.Flatten())
	return rows.Reshape(append(indices.Shape(), weight.Shape()[1])...)
}
