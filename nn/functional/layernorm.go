package functional

import (
	"slices"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// LayerNorm normalises x over its last len(shape) dimensions, which must
// equal shape, to zero mean and unit (biased) variance, then scales by
// weight and adds bias (each of that shape, or nil):
// torch.nn.functional.layer_norm. It is autograd.LayerNorm, one operation
// with a one-pass gradient.
func LayerNorm(x *autograd.Tensor, shape []int, weight, bias *autograd.Tensor, eps float64) *autograd.Tensor {
	xs := x.Shape()
	k := len(shape)
	if k == 0 || k > len(xs) || !slices.Equal(xs[len(xs)-k:], shape) {
		tensor.Panicf("functional", "LayerNorm", [][]int{xs, shape}, "normalized shape %v does not end the input shape %v", shape, xs)
	}
	for _, p := range []*autograd.Tensor{weight, bias} {
		if p != nil && !slices.Equal(p.Shape(), shape) {
			tensor.Panicf("functional", "LayerNorm", [][]int{shape, p.Shape()}, "affine parameter of shape %v, want %v", p.Shape(), shape)
		}
	}
	return autograd.LayerNorm(x, shape, weight, bias, eps)
}

// L1Loss is the mean (or sum, or elementwise) absolute difference of x and
// y, which must have the same shape.
func L1Loss(x, y *autograd.Tensor, opts ...LossOption) *autograd.Tensor {
	c := configOf("L1Loss", opts)
	checkSame("L1Loss", x, y)
	return reduce(transient(x.Sub(y)).Abs(), c.reduction)
}

// BCEWithLogits is binary cross-entropy on logits x against targets y in
// [0, 1] of the same shape, log(1 + e^x) - x·y, computed stably for logits
// of any size: torch.nn.functional.binary_cross_entropy_with_logits. Its
// gradient is σ(x) - y. Like PyTorch's, it has no threshold: a confident
// logit (x = 25 with y = 1) keeps its small loss, e^-25, and gradient.
func BCEWithLogits(x, y *autograd.Tensor, opts ...LossOption) *autograd.Tensor {
	c := configOf("BCEWithLogits", opts)
	checkSame("BCEWithLogits", x, y)
	// (1 - y)·x + log(1 + e^-x) for x > 0 and log(1 + e^x) - x·y otherwise:
	// Softplus only sees arguments <= 0, where it is log1p(exp(·)) with no
	// threshold, and neither branch subtracts nearly equal numbers.
	pos := x.Gt(autograd.Scalar(0))
	big := transient(transient(transient(transient(y.Neg()).AddScalar(1)).Mul(x)).Add(transient(transient(x.Neg()).Softplus())))
	small := transient(transient(x.Softplus()).Sub(transient(x.Mul(y))))
	return reduce(autograd.Where(pos, big, small), c.reduction)
}
