package kernels

import "math"

// The transcendental kernels below are plain Go at every level for now; a
// level's vector versions will slot in behind the same names.

func unaryCheck(op string, dst, x []float64) []float64 {
	check2(op, dst, x)
	return x[:len(dst)]
}

// Exp sets dst[i] = e^x[i] for i < len(dst), as math.Exp.
func Exp(dst, x []float64) {
	x = unaryCheck("Exp", dst, x)
	for i := range dst {
		dst[i] = math.Exp(x[i])
	}
}

// Log sets dst[i] = ln x[i] for i < len(dst), as math.Log (-Inf at 0, NaN
// below).
func Log(dst, x []float64) {
	x = unaryCheck("Log", dst, x)
	for i := range dst {
		dst[i] = math.Log(x[i])
	}
}

// Tanh sets dst[i] = tanh x[i] for i < len(dst), as math.Tanh.
func Tanh(dst, x []float64) {
	x = unaryCheck("Tanh", dst, x)
	for i := range dst {
		dst[i] = math.Tanh(x[i])
	}
}

// Sigmoid sets dst[i] = 1 / (1 + e^-x[i]) for i < len(dst), computed
// without overflow for large |x|.
func Sigmoid(dst, x []float64) {
	x = unaryCheck("Sigmoid", dst, x)
	for i := range dst {
		dst[i] = sigmoid(x[i])
	}
}

func sigmoid(v float64) float64 {
	if v >= 0 {
		return 1 / (1 + math.Exp(-v))
	}
	e := math.Exp(v)
	return e / (1 + e)
}
