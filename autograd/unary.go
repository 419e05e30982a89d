package autograd

import (
	"math"

	"github.com/adjoint-go/adjoint/tensor"
)

// Unary elementwise operations. Values and edge cases are those of the
// package tensor methods of the same names (PyTorch's); the gradients
// follow PyTorch's derivative formulas, including at the kinks: ReLU'(0) =
// 0, Abs'(0) = 0, Sqrt'(0) = +Inf, Clamp passes the gradient where
// min <= x <= max.
//
// Every backward formula starts from the incoming gradient g. A factor
// that depends only on the input or output (cos x in the gradient of Sin)
// is computed from g.asFactor(x) (see graph.go), which records a graph exactly when g can:
// outside create-graph mode nothing in the formula records, and in
// create-graph mode the whole formula is differentiable again, so second
// derivatives work for every operation here.

// zeroConst returns a constant 0-d zero for Where in backward formulas.
func zeroConst() *Tensor { return Scalar(0) }

// Exp returns e^t elementwise.
func (t *Tensor) Exp() *Tensor {
	return wrap1(t.v.Exp(), "Exp", func(c call, g *Tensor, grads []*Tensor) {
		grads[0] = g.Mul(c.output()) // d e^x = e^x, the output itself
	}, t)
}

// Log returns the natural logarithm of t elementwise (-Inf at 0).
func (t *Tensor) Log() *Tensor {
	return wrap1(t.v.Log(), "Log", func(c call, g *Tensor, grads []*Tensor) {
		grads[0] = g.Div(c.input(0))
	}, t)
}

// Abs returns |t| elementwise. Its gradient is g·sign(t), so 0 at t = 0.
func (t *Tensor) Abs() *Tensor {
	return wrap1(t.v.Abs(), "Abs", func(c call, g *Tensor, grads []*Tensor) {
		grads[0] = g.Mul(c.input(0).Sign())
	}, t)
}

// Sqrt returns √t elementwise (NaN for negative values). Its gradient is
// g/(2√t): +Inf at t = 0.
func (t *Tensor) Sqrt() *Tensor {
	return wrap1(t.v.Sqrt(), "Sqrt", func(c call, g *Tensor, grads []*Tensor) {
		grads[0] = g.Div(g.asFactor(c.output()).MulScalar(2))
	}, t)
}

// Rsqrt returns 1/√t elementwise (+Inf at 0). Its gradient is
// -g/2·Rsqrt(t)³.
func (t *Tensor) Rsqrt() *Tensor {
	return wrap1(t.v.Rsqrt(), "Rsqrt", func(c call, g *Tensor, grads []*Tensor) {
		grads[0] = g.MulScalar(-0.5).Mul(g.asFactor(c.output()).PowScalar(3))
	}, t)
}

// Square returns t·t elementwise.
func (t *Tensor) Square() *Tensor {
	return wrap1(t.v.Square(), "Square", func(c call, g *Tensor, grads []*Tensor) {
		grads[0] = g.Mul(g.asFactor(c.input(0)).MulScalar(2))
	}, t)
}

// Reciprocal returns 1/t elementwise (±Inf at ±0). Its gradient is
// -g/t², computed as -g·out².
func (t *Tensor) Reciprocal() *Tensor {
	return wrap1(t.v.Reciprocal(), "Reciprocal", func(c call, g *Tensor, grads []*Tensor) {
		y := g.asFactor(c.output())
		grads[0] = g.Neg().Mul(y.Mul(y))
	}, t)
}

// PowScalar returns t^p elementwise (see tensor.PowScalar for the special
// exponents). Its gradient is g·p·t^(p-1), and zero for p = 0, as
// PyTorch's.
func (t *Tensor) PowScalar(p float64) *Tensor {
	return wrap1(t.v.PowScalar(p), "PowScalar", func(c call, g *Tensor, grads []*Tensor) {
		x := c.input(0)
		if p == 0 {
			grads[0] = From(tensor.ZerosLike(x.v))
			return
		}
		grads[0] = g.Mul(g.asFactor(x).PowScalar(p - 1).MulScalar(p))
	}, t)
}

// Sin returns the sine of t elementwise.
func (t *Tensor) Sin() *Tensor {
	return wrap1(t.v.Sin(), "Sin", func(c call, g *Tensor, grads []*Tensor) {
		grads[0] = g.Mul(g.asFactor(c.input(0)).Cos())
	}, t)
}

// Cos returns the cosine of t elementwise.
func (t *Tensor) Cos() *Tensor {
	return wrap1(t.v.Cos(), "Cos", func(c call, g *Tensor, grads []*Tensor) {
		grads[0] = g.Mul(g.asFactor(c.input(0)).Sin().Neg())
	}, t)
}

// Tanh returns the hyperbolic tangent of t elementwise. Its gradient is
// g·(1 - out²).
func (t *Tensor) Tanh() *Tensor {
	return wrap1(t.v.Tanh(), "Tanh", func(c call, g *Tensor, grads []*Tensor) {
		if g.noGrad {
			grads[0] = gradOf(tops.TanhGrad(g.v, c.output().v))
			return
		}
		y := g.asFactor(c.output())
		grads[0] = g.Mul(y.Mul(y).Neg().AddScalar(1))
	}, t)
}

// Sigmoid returns 1/(1+e^-t) elementwise, without overflow (0 at -1000,
// not NaN). Its gradient is g·(1 - out)·out.
func (t *Tensor) Sigmoid() *Tensor {
	return wrap1(t.v.Sigmoid(), "Sigmoid", func(c call, g *Tensor, grads []*Tensor) {
		if g.noGrad {
			grads[0] = gradOf(tops.SigmoidGrad(g.v, c.output().v))
			return
		}
		y := g.asFactor(c.output())
		grads[0] = g.Mul(y.Neg().AddScalar(1)).Mul(y)
	}, t)
}

// Erf returns the error function of t elementwise. Its gradient is
// g·2/√π·e^(-t²).
func (t *Tensor) Erf() *Tensor {
	return wrap1(t.v.Erf(), "Erf", func(c call, g *Tensor, grads []*Tensor) {
		x := g.asFactor(c.input(0))
		grads[0] = g.Mul(x.Square().Neg().Exp().MulScalar(2 / math.Sqrt(math.Pi)))
	}, t)
}

// Sign returns -1, 0 or 1 by the sign of t (0 for ±0 and NaN, as
// torch.sign). Its gradient is zero everywhere, so the result is a constant:
// it records nothing and does not require a gradient.
func (t *Tensor) Sign() *Tensor { return From(t.v.Sign()) }

// ReLU returns max(t, 0) elementwise. Its gradient is g where the output is
// positive and 0 elsewhere (ReLU'(0) = 0), exactly 0 even where g is
// infinite, as PyTorch's threshold_backward.
func (t *Tensor) ReLU() *Tensor {
	return wrap1(t.v.ReLU(), "ReLU", reluBackward, t)
}

func reluBackward(c call, g *Tensor, grads []*Tensor) {
	if g.noGrad { // one pass: 0 where the output is 0, else g
		grads[0] = gradOf(tops.ThresholdGrad(g.v, c.output().v, 0))
		return
	}
	zero := zeroConst()
	grads[0] = Where(c.output().Le(zero), zero, g)
}

// LeakyReLU returns t where t > 0 and slope·t elsewhere. Its gradient is g
// where t > 0 and slope·g elsewhere (slope at 0, as PyTorch).
func (t *Tensor) LeakyReLU(slope float64) *Tensor {
	return wrap1(t.v.LeakyReLU(slope), "LeakyReLU", func(c call, g *Tensor, grads []*Tensor) {
		grads[0] = Where(c.input(0).Gt(zeroConst()), g, g.MulScalar(slope))
	}, t)
}

// GELU and GELUTanh constants, computed like PyTorch's from the C math
// constants in float64 arithmetic (see package tensor).
var (
	sqrt1_2   = float64(1 / math.Sqrt2)               // M_SQRT1_2
	twoSqrtPi = float64(2 / math.SqrtPi)              // M_2_SQRTPI
	geluPDF   = twoSqrtPi * sqrt1_2 * 0.5             // 1/√(2π)
	geluBeta  = float64(math.Sqrt2) * twoSqrtPi * 0.5 // √(2/π)
)

const geluKappa = 0.044715

// GELU returns x·Φ(x) = x/2·(1 + erf(x/√2)) elementwise, PyTorch's gelu
// with approximate='none'. Its gradient is g·(Φ(x) + x·φ(x)), φ the
// standard normal density.
func (t *Tensor) GELU() *Tensor {
	return wrap1(t.v.GELU(), "GELU", func(c call, g *Tensor, grads []*Tensor) {
		if g.noGrad {
			grads[0] = gradOf(tops.GELUGrad(g.v, c.input(0).v, c.output().v))
			return
		}
		x := g.asFactor(c.input(0))
		cdf := x.MulScalar(sqrt1_2).Erf().AddScalar(1).MulScalar(0.5)
		pdf := x.Square().MulScalar(-0.5).Exp().MulScalar(geluPDF)
		grads[0] = g.Mul(cdf.Add(x.Mul(pdf)))
	}, t)
}

// GELUTanh returns the tanh approximation of GELU,
// x/2·(1 + tanh(√(2/π)·(x + 0.044715·x³))), PyTorch's gelu with
// approximate='tanh', with the exact derivative of that expression as its
// gradient.
func (t *Tensor) GELUTanh() *Tensor {
	return wrap1(t.v.GELUTanh(), "GELUTanh", func(c call, g *Tensor, grads []*Tensor) {
		if g.noGrad {
			grads[0] = gradOf(tops.GELUTanhGrad(g.v, c.input(0).v))
			return
		}
		x := g.asFactor(c.input(0))
		xsq := x.Square()
		inner := x.Add(xsq.Mul(x).MulScalar(geluKappa)).MulScalar(geluBeta)
		th := inner.Tanh()
		// d/dx [x/2·(1+th)] = (1+th)/2 + x/2·(1-th²)·β·(1 + 3κx²)
		left := th.AddScalar(1).MulScalar(0.5)
		right := x.MulScalar(0.5).Mul(th.Square().Neg().AddScalar(1)).
			Mul(xsq.MulScalar(3 * geluKappa).AddScalar(1).MulScalar(geluBeta))
		grads[0] = g.Mul(left.Add(right))
	}, t)
}

// SiLU returns x·sigmoid(x) elementwise (computed as x/(1+e^-x), as
// PyTorch). Its gradient is g·s·(1 + x·(1 - s)) with s = sigmoid(x).
func (t *Tensor) SiLU() *Tensor {
	return wrap1(t.v.SiLU(), "SiLU", func(c call, g *Tensor, grads []*Tensor) {
		if g.noGrad {
			grads[0] = gradOf(tops.SiLUGrad(g.v, c.input(0).v))
			return
		}
		x := g.asFactor(c.input(0))
		s := x.Sigmoid()
		grads[0] = g.Mul(s).Mul(x.Mul(s.Neg().AddScalar(1)).AddScalar(1))
	}, t)
}

// Softplus returns ln(1 + e^x) elementwise with PyTorch's defaults beta = 1
// and threshold = 20 (x itself above 20, so Softplus(1000) = 1000). Its
// gradient is g·sigmoid(x) below the threshold and g above it.
func (t *Tensor) Softplus() *Tensor {
	return wrap1(t.v.Softplus(), "Softplus", func(c call, g *Tensor, grads []*Tensor) {
		x := c.input(0)
		if g.noGrad {
			grads[0] = gradOf(tops.SoftplusGrad(g.v, x.v))
			return
		}
		grads[0] = Where(x.Gt(Scalar(20)), g, g.Mul(g.asFactor(x).Sigmoid()))
	}, t)
}

// Clamp returns t limited to [min, max] elementwise (see tensor.Clamp; ±Inf
// bounds make it one-sided). Its gradient is g where min <= t <= max, the
// bounds included, and 0 elsewhere, as PyTorch's.
func (t *Tensor) Clamp(min, max float64) *Tensor {
	return wrap1(t.v.Clamp(min, max), "Clamp", func(c call, g *Tensor, grads []*Tensor) {
		x := c.input(0).v
		inside := x.Ge(tensor.Scalar(min)).Mul(x.Le(tensor.Scalar(max)))
		grads[0] = Where(From(inside), g, zeroConst())
	}, t)
}
