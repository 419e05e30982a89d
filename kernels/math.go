package kernels

import "math"

// The transcendental kernels. The Generic level is the math package in a
// loop; the AVX2 and AVX512 levels are vector code (vmath_amd64.s, generated
// by _gen/vmath.go) that agrees with it within a few ulps, and exactly on
// the special inputs, except where the math package's amd64 assembly is
// itself wrong (see Exp and Log). The error bounds below are the maxima
// that TestVMathSweep measures against the math package over 2²⁰ values
// per function and level (dense over the whole range, and the thresholds,
// zero, one, the subnormals), and against the correctly rounded result on
// a sample of them; the test asserts them, and FuzzVMath the task's bounds
// (2 ulps for Exp and Log, 4 for Tanh and Sigmoid).

func unary(op string, f func(dst, x []float64), dst, x []float64) {
	check2(op, dst, x)
	x = x[:len(dst)]
	if raceEnabled {
		raceRead(x)
		raceWrite(dst)
	}
	f(dst, x)
}

// Exp sets dst[i] = e^x[i] for i < len(dst).
//
//	for i := range dst {
//		dst[i] = math.Exp(x[i])
//	}
//
// Generic is that loop. AVX2 and AVX512 are within 2 ulps of math.Exp (1 ulp
// of the correctly rounded result), give exactly math.Exp's results for ±0,
// ±Inf and NaN (x itself, payload and all), and overflow to +Inf above
// 709.782712893384 and underflow through the subnormals to 0 below
// -745.1332191019411 as math.Exp does. One difference: for x in (709.436,
// 709.782712893384], where e^x is finite, math.Exp's amd64 assembly returns
// +Inf (it overflows building 2^1024); the vector kernels return the finite
// value, as math.Exp on other architectures does.
func Exp(dst, x []float64) { unary("Exp", cur.Load().exp, dst, x) }

// Log sets dst[i] = ln x[i] for i < len(dst): -Inf at ±0, NaN below 0.
//
//	for i := range dst {
//		dst[i] = math.Log(x[i])
//	}
//
// Generic is that loop. AVX2 and AVX512 are within 1 ulp of math.Log (1 ulp
// of the correctly rounded result) and give math.Log's results bit for bit
// on the special inputs: -Inf at ±0, x itself at +Inf and at NaNs with the
// sign bit clear, math.NaN() at every input with the sign bit set. One
// difference: math.Log's amd64 assembly is wrong for subnormal x (it
// returns about -709.09 for 5e-324, whose logarithm is -744.44); the vector
// kernels return the correct value there.
func Log(dst, x []float64) { unary("Log", cur.Load().log, dst, x) }

// Tanh sets dst[i] = tanh x[i] for i < len(dst).
//
//	for i := range dst {
//		dst[i] = math.Tanh(x[i])
//	}
//
// Generic is that loop. AVX2 and AVX512 are within 2 ulps of math.Tanh (1
// ulp of the correctly rounded result) and exact where it is: ±0,
// subnormals (tanh x = x), ±1 for large |x| and ±Inf, and x quieted for a
// NaN.
func Tanh(dst, x []float64) { unary("Tanh", cur.Load().tanh, dst, x) }

// Sigmoid sets dst[i] = 1/(1 + e^-x[i]) for i < len(dst), without overflow
// for large |x|:
//
//	for i, v := range x[:len(dst)] {
//		if v >= 0 {
//			dst[i] = 1 / (1 + math.Exp(-v))
//		} else {
//			e := math.Exp(v)
//			dst[i] = e / (1 + e)
//		}
//	}
//
// Generic is that loop. AVX2 and AVX512 compute the same formula with their
// own e^-|x|, within 2 ulps of it (and 2 ulps of the correctly rounded
// result, as the formula itself); 1 at +Inf, 0 at -Inf, x quieted for a
// NaN, and e^x itself (subnormal) for x below about -708.
func Sigmoid(dst, x []float64) { unary("Sigmoid", cur.Load().sig, dst, x) }

func expGeneric(dst, x []float64) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = math.Exp(x[i])
	}
}

func logGeneric(dst, x []float64) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = math.Log(x[i])
	}
}

func tanhGeneric(dst, x []float64) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = math.Tanh(x[i])
	}
}

func sigmoidGeneric(dst, x []float64) {
	x = x[:len(dst)]
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
