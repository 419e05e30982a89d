package nninit

import (
	"math"
	"math/rand/v2"
	"strings"

	"github.com/adjoint-go/adjoint/autograd"
)

// XavierUniform fills t with values drawn uniformly from [−bound, bound)
// and returns t, as torch.nn.init.xavier_uniform_(t, gain) does (Glorot and
// Bengio, 2010), with
//
//	bound = √3·gain·√(2/(fanIn+fanOut))
//
// (that is, gain·√(6/(fanIn+fanOut))) and the fans of FanInAndFanOut.
// PyTorch's default gain is 1. It panics if t has fewer than 2 dimensions
// or if gain is negative or not finite.
func XavierUniform(t *autograd.Tensor, gain float64, rng *rand.Rand) *autograd.Tensor {
	const op = "XavierUniform"
	v := target(op, t)
	mustRNG(op, rng)
	checkGain(op, gain)
	fanIn, fanOut := fans(op, v.Shape())
	if v.Numel() == 0 {
		return t
	}
	std := gain * math.Sqrt(2.0/float64(fanIn+fanOut))
	bound := math.Sqrt(3.0) * std
	fillUniform(op, v, -bound, bound, rng)
	return t
}

// XavierNormal fills t with values drawn from N(0, std²) and returns t, as
// torch.nn.init.xavier_normal_(t, gain) does (Glorot and Bengio, 2010),
// with
//
//	std = gain·√(2/(fanIn+fanOut))
//
// and the fans of FanInAndFanOut. PyTorch's default gain is 1. It panics if
// t has fewer than 2 dimensions or if gain is negative or not finite.
func XavierNormal(t *autograd.Tensor, gain float64, rng *rand.Rand) *autograd.Tensor {
	const op = "XavierNormal"
	v := target(op, t)
	mustRNG(op, rng)
	checkGain(op, gain)
	fanIn, fanOut := fans(op, v.Shape())
	if v.Numel() == 0 {
		return t
	}
	std := gain * math.Sqrt(2.0/float64(fanIn+fanOut))
	fillNormal(op, v, 0, std, rng)
	return t
}

// KaimingOptions are the arguments of KaimingUniform and KaimingNormal
// other than the tensor and the rng. The zero value is PyTorch's defaults:
// a = 0, mode "fan_in", nonlinearity "leaky_relu", which together give the
// gain of ReLU, √2.
//
// PyTorch's nn.Linear and nn.Conv2d initialise their weights with
// KaimingOptions{A: math.Sqrt(5)}.
type KaimingOptions struct {
	// A is the negative slope of the rectifier that follows the layer,
	// passed to CalculateGain as its param (only "leaky_relu" uses it).
	A float64
	// Mode is "fan_in" (the default, when empty) to preserve the variance
	// of the values in the forward pass, or "fan_out" to preserve that of
	// the gradients in the backward pass. As in PyTorch, case is ignored.
	Mode string
	// Nonlinearity is the name of the nonlinearity, as CalculateGain takes
	// it: "relu" or "leaky_relu" (the default, when empty) are the ones
	// Kaiming initialisation is meant for.
	Nonlinearity string
}

// std returns the standard deviation gain/√fan that o gives a tensor of
// the given shape, for function op.
func (o KaimingOptions) std(op string, shape []int) float64 {
	if math.IsNaN(o.A) {
		fail(op, nil, "negative slope a %v is not a number", o.A)
	}
	fanIn, fanOut := fans(op, shape)
	var fan int
	switch mode := strings.ToLower(o.Mode); mode {
	case "", "fan_in":
		fan = fanIn
	case "fan_out":
		fan = fanOut
	default:
		fail(op, nil, "mode %q not supported, please use one of fan_in, fan_out", o.Mode)
	}
	nonlinearity := o.Nonlinearity
	if nonlinearity == "" {
		nonlinearity = "leaky_relu"
	}
	return gain(op, nonlinearity, o.A, true) / math.Sqrt(float64(fan))
}

// KaimingUniform fills t with values drawn uniformly from [−bound, bound)
// and returns t, as torch.nn.init.kaiming_uniform_(t, a, mode,
// nonlinearity) does (He et al., 2015), with
//
//	bound = √3·gain/√fan
//
// gain = CalculateGain(o.Nonlinearity, o.A) and fan the fan-in or fan-out
// of FanInAndFanOut, as o.Mode says. The zero KaimingOptions are PyTorch's
// defaults, bound = √(6/fanIn). It panics if t has fewer than 2 dimensions,
// if o.Mode or o.Nonlinearity is unknown, or if o.A is NaN. A tensor with
// no elements is left as it is (PyTorch warns that this is a no-op).
func KaimingUniform(t *autograd.Tensor, o KaimingOptions, rng *rand.Rand) *autograd.Tensor {
	const op = "KaimingUniform"
	v := target(op, t)
	mustRNG(op, rng)
	std := o.std(op, v.Shape())
	if v.Numel() == 0 {
		return t
	}
	bound := math.Sqrt(3.0) * std
	fillUniform(op, v, -bound, bound, rng)
	return t
}

// KaimingNormal fills t with values drawn from N(0, std²) and returns t, as
// torch.nn.init.kaiming_normal_(t, a, mode, nonlinearity) does (He et al.,
// 2015), with
//
//	std = gain/√fan
//
// gain = CalculateGain(o.Nonlinearity, o.A) and fan the fan-in or fan-out
// of FanInAndFanOut, as o.Mode says. The zero KaimingOptions are PyTorch's
// defaults, std = √(2/fanIn). It panics as KaimingUniform does.
func KaimingNormal(t *autograd.Tensor, o KaimingOptions, rng *rand.Rand) *autograd.Tensor {
	const op = "KaimingNormal"
	v := target(op, t)
	mustRNG(op, rng)
	std := o.std(op, v.Shape())
	if v.Numel() == 0 {
		return t
	}
	fillNormal(op, v, 0, std, rng)
	return t
}
