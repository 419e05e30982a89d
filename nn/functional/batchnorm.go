package functional

import (
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// BatchNorm is torch.nn.functional.batch_norm of x [N C] or [N C ...]: in
// training (or without running statistics) each channel is normalised by
// the batch's mean and biased variance over every dimension but the
// channel's, and the running statistics, if given, move towards the batch's
// by momentum (running = (1-momentum)·running + momentum·batch) with the
// unbiased variance, as PyTorch does; in evaluation the running statistics
// normalise. weight and bias [C] (nil for none) scale and shift. The running
// statistics are buffers updated in place and get no gradient. It panics
// with a *tensor.Error naming BatchNorm if the shapes do not fit, or if a
// training batch has one value per channel (the variance is undefined, and
// PyTorch refuses too). In training it is autograd.BatchNorm, one operation
// with a two-pass gradient.
func BatchNorm(x, runningMean, runningVar, weight, bias *autograd.Tensor, training bool, momentum, eps float64) *autograd.Tensor {
	const op = "BatchNorm"
	if x == nil {
		tensor.Panicf("functional", op, nil, "input is nil")
	}
	xs := x.Shape()
	if len(xs) < 2 || xs[1] < 1 {
		tensor.Panicf("functional", op, [][]int{xs}, "input of shape %v: want [N C ...]", xs)
	}
	c := xs[1]
	for _, p := range []*autograd.Tensor{runningMean, runningVar, weight, bias} {
		if p != nil && (p.Dim() != 1 || p.Shape()[0] != c) {
			tensor.Panicf("functional", op, [][]int{xs, p.Shape()}, "per-channel tensor of shape %v for %d channels", p.Shape(), c)
		}
	}
	if (runningMean == nil) != (runningVar == nil) {
		tensor.Panicf("functional", op, [][]int{xs}, "give both running statistics or neither")
	}
	// Shape [1 C 1 ...] for broadcasting, and the values per channel.
	bshape := make([]int, len(xs))
	for i := range bshape {
		bshape[i] = 1
	}
	bshape[1] = c
	count := xs[0]
	for d := 2; d < len(xs); d++ {
		count *= xs[d]
	}
	if training || runningMean == nil {
		if count <= 1 {
			tensor.Panicf("functional", op, [][]int{xs}, "expected more than 1 value per channel when training, got input of shape %v", xs)
		}
		y, mean, varc := autograd.BatchNorm(x, weight, bias, eps)
		if runningMean != nil {
			unbiased := varc.Value().MulScalar(float64(count) / float64(count-1))
			updateRunning(runningMean.Value(), mean.Value(), momentum)
			updateRunning(runningVar.Value(), unbiased, momentum)
		}
		return y
	}
	mean := autograd.From(runningMean.Value()).Reshape(bshape...)
	varc := autograd.From(runningVar.Value()).Reshape(bshape...)
	y := transient(x.Sub(mean)).Mul(transient(transient(varc.AddScalar(eps)).Rsqrt()))
	if weight != nil {
		y = transient(y).Mul(weight.Reshape(bshape...))
	}
	if bias != nil {
		y = transient(y).Add(bias.Reshape(bshape...))
	}
	return y
}

// updateRunning sets r = (1-momentum)·r + momentum·batch in place, in
// PyTorch's order of operations.
func updateRunning(r, batch *tensor.Tensor, momentum float64) {
	r.CopyFrom(r.MulScalar(1 - momentum).Add(batch.MulScalar(momentum)))
}

// Dropout2d zeroes whole channels of x [N C ...] with probability p, drawing
// one value per (sample, channel) from rng, and scales the others by
// 1/(1-p), when training; otherwise it returns x. It is
// torch.nn.functional.dropout2d for 4-D inputs. It panics with a
// *tensor.Error naming Dropout2d if p is outside [0, 1], x has fewer than 2
// dimensions, or rng is nil in training.
func Dropout2d(x *autograd.Tensor, p float64, training bool, rng *rand.Rand) *autograd.Tensor {
	const op = "Dropout2d"
	if x == nil {
		tensor.Panicf("functional", op, nil, "input is nil")
	}
	xs := x.Shape()
	if !(p >= 0 && p <= 1) || len(xs) < 2 {
		tensor.Panicf("functional", op, [][]int{xs}, "probability %v (want [0, 1]) for input %v (want [N C ...])", p, xs)
	}
	if !training || p == 0 {
		return x
	}
	if rng == nil {
		tensor.Panicf("functional", op, [][]int{xs}, "rng is nil in training mode")
	}
	mshape := make([]int, len(xs))
	for i := range mshape {
		mshape[i] = 1
	}
	mshape[0], mshape[1] = xs[0], xs[1]
	mask := tensor.Zeros(mshape...)
	if p < 1 {
		m := mask.Raw()
		for i := range m {
			if rng.Float64() >= p {
				m[i] = 1 / (1 - p)
			}
		}
	}
	return x.Mul(autograd.From(mask))
}
