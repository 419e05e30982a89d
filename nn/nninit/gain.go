package nninit

import (
	"math"
	"math/bits"
)

// CalculateGain returns the recommended gain for a nonlinearity, the factor
// by which the Xavier and Kaiming initialisations scale their standard
// deviation, as torch.nn.init.calculate_gain does:
//
//	linear, conv1d, conv2d, conv3d,
//	conv_transpose1d, conv_transpose2d,
//	conv_transpose3d, sigmoid            1
//	tanh                                 5/3
//	relu                                 √2
//	leaky_relu                           √(2/(1+slope²))
//	selu                                 3/4
//
// param, at most one value, is leaky_relu's negative slope (0.01 when
// omitted); the other nonlinearities ignore it. Names are matched exactly,
// in lower case. It panics if nonlinearity is not one of these or if more
// than one param is given.
func CalculateGain(nonlinearity string, param ...float64) float64 {
	const op = "CalculateGain"
	if len(param) > 1 {
		fail(op, nil, "at most one param, the negative slope, can be given, not %d", len(param))
	}
	slope, ok := 0.0, len(param) == 1
	if ok {
		slope = param[0]
	}
	return gain(op, nonlinearity, slope, ok)
}

// gain is CalculateGain for function op, with leaky_relu's slope given
// when hasSlope is true.
func gain(op, nonlinearity string, slope float64, hasSlope bool) float64 {
	switch nonlinearity {
	case "linear", "conv1d", "conv2d", "conv3d",
		"conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "sigmoid":
		return 1
	case "tanh":
		return 5.0 / 3
	case "relu":
		return math.Sqrt(2.0)
	case "leaky_relu":
		if !hasSlope {
			slope = 0.01
		}
		return math.Sqrt(2.0 / (1 + slope*slope))
	case "selu":
		return 3.0 / 4
	}
	fail(op, nil, "unsupported nonlinearity %q", nonlinearity)
	panic("unreachable")
}

// FanInAndFanOut returns the fan-in and fan-out of a weight of the given
// shape, as PyTorch's torch.nn.init._calculate_fan_in_and_fan_out does:
// with the receptive field the product of the sizes after the first two
// (1 for a 2-D shape),
//
//	fanIn  = shape[1]·receptive field
//	fanOut = shape[0]·receptive field
//
// so that a Linear weight [out, in] has fans (in, out) and a convolution
// weight [out, in, kh, kw] has fans (in·kh·kw, out·kh·kw). It panics if
// shape has fewer than 2 dimensions, a negative size, or fans that overflow
// an int.
func FanInAndFanOut(shape []int) (fanIn, fanOut int) {
	return fans("FanInAndFanOut", shape)
}

// fans is FanInAndFanOut for function op.
func fans(op string, shape []int) (fanIn, fanOut int) {
	if len(shape) < 2 {
		fail(op, [][]int{shape}, "fan in and fan out can not be computed for a tensor of shape %v, with fewer than 2 dimensions", shape)
	}
	for _, n := range shape {
		if n < 0 {
			fail(op, [][]int{shape}, "shape %v has a negative size", shape)
		}
	}
	field := 1
	for _, n := range shape[2:] {
		field = mulChecked(op, shape, field, n)
	}
	return mulChecked(op, shape, shape[1], field), mulChecked(op, shape, shape[0], field)
}

// mulChecked returns x·y for sizes x, y ≥ 0, panicking with an *Error
// naming op and shape if the product overflows an int.
func mulChecked(op string, shape []int, x, y int) int {
	hi, lo := bits.Mul(uint(x), uint(y))
	if hi != 0 || lo > math.MaxInt {
		fail(op, [][]int{shape}, "fans of shape %v overflow an int", shape)
	}
	return int(lo)
}
