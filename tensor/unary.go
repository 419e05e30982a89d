package tensor

import (
	"math"

	"github.com/adjoint-go/adjoint/kernels"
)

// Unary elementwise operations. Each returns a new contiguous tensor of t's
// shape (0-d for 0-d, empty for empty) and follows PyTorch's float64
// semantics: NaN in gives NaN out unless stated otherwise, and infinities
// behave as the formula in each doc comment gives them. The flat kernels
// below are plain loops or the kernels package's (Sqrt and ReLU are
// vector code with the loops' results; Exp, Log, Tanh, Sigmoid and Erf
// (and so GELU) are vector code, within a few ulps of the math package:
// see kernels.Exp);
// unary splits large tensors across goroutines, at grainCheap for
// arithmetic, grainMath for the math package's functions and vmathGrain
// for the vector kernels.

// Abs returns |t| elementwise (Abs(-0) = 0).
func (t *Tensor) Abs() *Tensor { return t.unary("Abs", grainCheap, absKernel) }

func absKernel(dst, x []float64) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = math.Abs(v)
	}
}

// Sqrt returns the square root of t elementwise: NaN for negative values,
// -0 at -0, +Inf at +Inf.
func (t *Tensor) Sqrt() *Tensor { return t.unary("Sqrt", grainCheap, sqrtKernel) }

// sqrtKernel is kernels.Sqrt: math.Sqrt's results, eight at a time at the
// avx512 level.
func sqrtKernel(dst, x []float64) { kernels.Sqrt(dst, x) }

// Rsqrt returns 1/√t elementwise: +Inf at 0 (-Inf at -0), NaN for negative
// values, 0 at +Inf.
func (t *Tensor) Rsqrt() *Tensor { return t.unary("Rsqrt", grainCheap, rsqrtKernel) }

func rsqrtKernel(dst, x []float64) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = 1 / math.Sqrt(v)
	}
}

// Square returns t·t elementwise.
func (t *Tensor) Square() *Tensor { return t.unary("Square", grainCheap, squareKernel) }

func squareKernel(dst, x []float64) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = v * v
	}
}

// Reciprocal returns 1/t elementwise: ±Inf at ±0, ±0 at ±Inf.
func (t *Tensor) Reciprocal() *Tensor { return t.unary("Reciprocal", grainCheap, reciprocalKernel) }

func reciprocalKernel(dst, x []float64) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = 1 / v
	}
}

// PowScalar returns t raised to the power p elementwise, as torch.pow with
// a scalar exponent: p = 0 gives ones (even for NaN), p = 1 a copy, and the
// exponents 2, 3, 0.5, -0.5, -1 and -2 are computed as x·x, x·x·x, Sqrt,
// Rsqrt, Reciprocal and 1/(x·x), like PyTorch (so PowScalar(-Inf, 0.5) is
// NaN, as Sqrt); other exponents use math.Pow, with its special cases
// (negative bases with non-integer exponents give NaN).
func (t *Tensor) PowScalar(p float64) *Tensor {
	t.live("PowScalar") // and not nil
	switch p {
	case 0:
		return OnesLike(t)
	case 1:
		return t.Clone()
	case 2:
		return t.unary("PowScalar", grainCheap, squareKernel)
	case 3:
		return t.unary("PowScalar", grainCheap, cubeKernel)
	case 0.5:
		return t.unary("PowScalar", grainCheap, sqrtKernel)
	case -0.5:
		return t.unary("PowScalar", grainCheap, rsqrtKernel)
	case -1:
		return t.unary("PowScalar", grainCheap, reciprocalKernel)
	case -2:
		return t.unary("PowScalar", grainCheap, invSquareKernel)
	}
	return t.unary("PowScalar", grainMath, func(dst, x []float64) {
		x = x[:len(dst)]
		for i, v := range x {
			dst[i] = math.Pow(v, p)
		}
	})
}

func cubeKernel(dst, x []float64) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = v * v * v
	}
}

func invSquareKernel(dst, x []float64) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = 1 / (v * v)
	}
}

// Sin returns the sine of t elementwise (NaN at ±Inf).
func (t *Tensor) Sin() *Tensor { return t.unary("Sin", grainMath, sinKernel) }

func sinKernel(dst, x []float64) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = math.Sin(v)
	}
}

// Cos returns the cosine of t elementwise (NaN at ±Inf).
func (t *Tensor) Cos() *Tensor { return t.unary("Cos", grainMath, cosKernel) }

func cosKernel(dst, x []float64) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] = math.Cos(v)
	}
}

// Tanh returns the hyperbolic tangent of t elementwise (±1 at ±Inf), with
// kernels.Tanh (within 2 ulps of math.Tanh).
func (t *Tensor) Tanh() *Tensor { return t.unary("Tanh", vmathGrain(), kernels.Tanh) }

// Sigmoid returns 1/(1+e^-t) elementwise, computed without overflow: 0 at
// -Inf (and for large negative values such as -1000, never NaN), 1 at +Inf.
// It is kernels.Sigmoid.
func (t *Tensor) Sigmoid() *Tensor { return t.unary("Sigmoid", vmathGrain(), kernels.Sigmoid) }

// Erf returns the error function of t elementwise (±1 at ±Inf), with
// kernels.Erf (math.Erf's algorithm, within 1 ulp of it).
func (t *Tensor) Erf() *Tensor { return t.unary("Erf", vmathGrain(), kernels.Erf) }

// Sign returns -1, 0 or 1 elementwise by the sign of t, as torch.sign:
// Sign(±0) = 0, and Sign(NaN) = 0 too (PyTorch computes (0 < x) - (x < 0),
// which is 0 for NaN).
func (t *Tensor) Sign() *Tensor { return t.unary("Sign", grainCheap, signKernel) }

func signKernel(dst, x []float64) {
	x = x[:len(dst)]
	for i, v := range x {
		s := 0.0
		if v > 0 {
			s = 1
		} else if v < 0 {
			s = -1
		}
		dst[i] = s
	}
}

// ReLU returns max(t, 0) elementwise: 0 for t <= 0 (also at -0), t
// otherwise; NaN stays NaN.
func (t *Tensor) ReLU() *Tensor { return t.unary("ReLU", grainCheap, reluKernel) }

// reluKernel is kernels.MaskAbove(dst, x, x, 0): x where x > 0 or x is
// NaN, +0 elsewhere (at -0 too), a compare and a mask per vector.
func reluKernel(dst, x []float64) { kernels.MaskAbove(dst, x, x, 0) }

// LeakyReLU returns t where t > 0 and slope·t elsewhere, elementwise, as
// torch.nn.functional.leaky_relu (PyTorch's default slope is 0.01).
func (t *Tensor) LeakyReLU(slope float64) *Tensor {
	return t.unary("LeakyReLU", grainCheap, func(dst, x []float64) {
		x = x[:len(dst)]
		for i, v := range x {
			if !(v > 0) {
				v *= slope
			}
			dst[i] = v
		}
	})
}

// GELU constants as PyTorch's CPU kernels compute them: products of the C
// constants M_SQRT1_2, M_SQRT2 and M_2_SQRTPI rounded to float64 first, so
// that the formulas are PyTorch's to the bit (the results then differ from
// PyTorch's only as the erf, tanh and exp of the two libraries do).
var (
	sqrt1_2  = float64(1 / math.Sqrt2)                            // M_SQRT1_2
	geluBeta = float64(math.Sqrt2) * float64(2/math.SqrtPi) * 0.5 // √(2/π)
	geluPDF  = float64(2/math.SqrtPi) * sqrt1_2 * 0.5             // 1/√(2π), for GELU's gradient
)

const geluKappa = 0.044715

// GELU returns the Gaussian error linear unit x·Φ(x) = x/2·(1 + erf(x/√2))
// elementwise, as torch.nn.functional.gelu with approximate='none'
// (GELU(1) = 0.8413447460685429; NaN at -Inf, as PyTorch's formula gives
// -Inf·0), with kernels.Erf.
func (t *Tensor) GELU() *Tensor { return t.unary("GELU", vmathGrain(), geluKernel) }

// geluKernel computes v·0.5·(1 + erf(v·√½)) with vector kernels, each
// step rounded as the scalar formula rounds it (left to right).
func geluKernel(dst, x []float64) {
	inBlocks(dst, x, func(d, x, b []float64) {
		kernels.MulScalar(b, x, sqrt1_2)
		kernels.Erf(b, b)
		kernels.AddScalar(b, b, 1)
		kernels.MulScalar(d, x, 0.5)
		kernels.Mul(d, d, b)
	})
}

// GELUTanh returns the tanh approximation of GELU,
// x/2·(1 + tanh(√(2/π)·(x + 0.044715·x³))), elementwise, as
// torch.nn.functional.gelu with approximate='tanh' (GELUTanh(1) =
// 0.8411919906082768), with kernels.Tanh.
func (t *Tensor) GELUTanh() *Tensor { return t.unary("GELUTanh", vmathGrain(), geluTanhKernel) }

// geluTanhKernel computes 0.5·v·(1 + tanh(β·(v + κ·v·v·v))) with vector
// kernels, each step rounded as the scalar formula rounds it (left to
// right, no fused multiply-add).
func geluTanhKernel(dst, x []float64) {
	inBlocks(dst, x, func(d, x, b []float64) {
		kernels.Mul(b, x, x)
		geluTanhInner(b, x, b)
		kernels.AddScalar(b, b, 1)
		kernels.MulScalar(d, x, 0.5)
		kernels.Mul(d, d, b)
	})
}

// geluTanhInner sets th to tanh(β·(x + κ·x²·x)) from x and its square
// xsq (th may be xsq), each step rounded as GELUTanh's formula rounds it.
func geluTanhInner(th, x, xsq []float64) {
	kernels.Mul(th, xsq, x)
	kernels.MulScalar(th, th, geluKappa)
	kernels.Add(th, x, th)
	kernels.MulScalar(th, th, geluBeta)
	kernels.Tanh(th, th)
}

// SiLU returns x·sigmoid(x) elementwise, computed as PyTorch does, as
// x/(1 + e^-x) with kernels.Exp: -0 for large negative x, +Inf at +Inf, NaN
// at -Inf.
func (t *Tensor) SiLU() *Tensor { return t.unary("SiLU", vmathGrain(), siluKernel) }

func siluKernel(dst, x []float64) {
	inBlocks(dst, x, func(d, x, b []float64) {
		kernels.Neg(b, x)
		kernels.Exp(b, b)
		for i, v := range x {
			d[i] = v / (1 + b[i])
		}
	})
}

// softplusThreshold is PyTorch's default threshold of softplus (beta = 1).
const softplusThreshold = 20

// Softplus returns ln(1 + e^x) elementwise, as torch.nn.functional.softplus
// with its defaults beta = 1 and threshold = 20: x itself above the
// threshold (Softplus(1000) = 1000, never +Inf), log1p(e^x) elsewhere
// (0 at -Inf), e^x from kernels.Exp.
func (t *Tensor) Softplus() *Tensor { return t.unary("Softplus", vmathGrain(), softplusKernel) }

func softplusKernel(dst, x []float64) {
	inBlocks(dst, x, func(d, x, b []float64) {
		kernels.Exp(b, x)
		for i, v := range x {
			if !(v > softplusThreshold) {
				v = math.Log1p(b[i])
			}
			d[i] = v
		}
	})
}

// inBlocks calls f on successive blocks of dst and x (at most scratchLen
// elements) with a scratch block b of the same length, for kernels that
// stage an intermediate for the vector kernels. dst may be x itself, so f
// must read x[i] before it writes d[i].
func inBlocks(dst, x []float64, f func(d, x, b []float64)) {
	x = x[:len(dst)]
	buf := scratchPool.Get().(*[scratchLen]float64)
	defer scratchPool.Put(buf)
	for lo := 0; lo < len(dst); lo += scratchLen {
		hi := min(lo+scratchLen, len(dst))
		f(dst[lo:hi], x[lo:hi], buf[:hi-lo])
	}
}

// Clamp returns t limited to [min, max] elementwise, as torch.clamp: values
// below min become min, values above max become max. Pass -Inf or +Inf for
// a one-sided bound. NaN elements stay NaN; if min > max every element
// becomes max; a NaN bound makes every element NaN (all as PyTorch).
func (t *Tensor) Clamp(min, max float64) *Tensor {
	t.live("Clamp") // and not nil
	if math.IsNaN(min) || math.IsNaN(max) {
		return Full(math.NaN(), t.shape...)
	}
	return t.unary("Clamp", grainCheap, func(dst, x []float64) {
		x = x[:len(dst)]
		for i, v := range x {
			if v < min {
				v = min
			}
			if v > max {
				v = max
			}
			dst[i] = v
		}
	})
}

// Exp returns e^t elementwise, with kernels.Exp (within 2 ulps of
// math.Exp, exact on special values).
func (t *Tensor) Exp() *Tensor { return t.unary("Exp", vmathGrain(), kernels.Exp) }

// Log returns the natural logarithm of t elementwise (-Inf at 0, NaN for
// negative values, as in PyTorch), with kernels.Log (within 1 ulp of
// math.Log).
func (t *Tensor) Log() *Tensor { return t.unary("Log", vmathGrain(), kernels.Log) }
