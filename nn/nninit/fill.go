package nninit

import (
	"math"
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/autograd"
)

// Uniform fills t with values drawn uniformly from [a, b) and returns t, as
// torch.nn.init.uniform_(t, a, b) does (PyTorch's defaults are a = 0, b = 1).
// It panics if a > b or if a, b or b−a is not finite.
func Uniform(t *autograd.Tensor, a, b float64, rng *rand.Rand) *autograd.Tensor {
	const op = "Uniform"
	v := target(op, t)
	mustRNG(op, rng)
	fillUniform(op, v, a, b, rng)
	return t
}

// Normal fills t with values drawn from the normal distribution N(mean,
// std²) and returns t, as torch.nn.init.normal_(t, mean, std) does
// (PyTorch's defaults are mean = 0, std = 1). It panics if std < 0 or is
// NaN.
func Normal(t *autograd.Tensor, mean, std float64, rng *rand.Rand) *autograd.Tensor {
	const op = "Normal"
	v := target(op, t)
	mustRNG(op, rng)
	fillNormal(op, v, mean, std, rng)
	return t
}

// TruncNormal fills t with values drawn from the normal distribution
// N(mean, std²) truncated to [a, b] and returns t, as
// torch.nn.init.trunc_normal_(t, mean, std, a, b) does (PyTorch's defaults
// are mean = 0, std = 1, a = −2, b = 2).
//
// It uses PyTorch's algorithm: with Φ the standard normal CDF, l =
// Φ((a−mean)/std) and u = Φ((b−mean)/std), each value is
// mean + std·√2·erfinv(x) for x uniform in [2l−1, 2u−1), clamped to [a, b].
// The inversion loses accuracy when [a, b] lies far in a tail (PyTorch warns
// when mean is more than 2·std outside [a, b]; TruncNormal does not).
//
// a and b may be infinite. It panics if std is not finite and positive
// (the bounds are measured in units of std), if mean is not finite, or if
// a > b or either is NaN.
func TruncNormal(t *autograd.Tensor, mean, std, a, b float64, rng *rand.Rand) *autograd.Tensor {
	const op = "TruncNormal"
	v := target(op, t)
	mustRNG(op, rng)
	if !(std > 0) || math.IsInf(std, 0) {
		fail(op, nil, "expects a finite std > 0, but found std %v", std)
	}
	if math.IsNaN(mean) || math.IsInf(mean, 0) {
		fail(op, nil, "expects a finite mean, but found mean %v", mean)
	}
	if !(a <= b) {
		fail(op, nil, "expects bounds a ≤ b, but found a=%v and b=%v", a, b)
	}
	lo := 2*normCDF((a-mean)/std) - 1
	hi := 2*normCDF((b-mean)/std) - 1
	data := make([]float64, v.Numel())
	for i := range data {
		x := lo + (hi-lo)*rng.Float64()
		x = mean + math.Erfinv(x)*(std*math.Sqrt2)
		data[i] = min(max(x, a), b)
	}
	write(v, data)
	return t
}

// normCDF is the standard normal distribution's CDF, Φ(x).
func normCDF(x float64) float64 { return (1 + math.Erf(x/math.Sqrt2)) / 2 }

// Constant fills t with the value c and returns t, as
// torch.nn.init.constant_(t, c) does.
func Constant(t *autograd.Tensor, c float64) *autograd.Tensor {
	target("Constant", t).Fill(c)
	return t
}

// Zeros fills t with zeros and returns t, as torch.nn.init.zeros_(t) does.
func Zeros(t *autograd.Tensor) *autograd.Tensor {
	target("Zeros", t).Fill(0)
	return t
}

// Ones fills t with ones and returns t, as torch.nn.init.ones_(t) does.
func Ones(t *autograd.Tensor) *autograd.Tensor {
	target("Ones", t).Fill(1)
	return t
}

// Eye fills the 2-D tensor t with the identity matrix and returns t, as
// torch.nn.init.eye_(t) does: ones where the row and column indices are
// equal, zeros elsewhere, for a square or rectangular t. It panics if t is
// not 2-D.
func Eye(t *autograd.Tensor) *autograd.Tensor {
	const op = "Eye"
	v := target(op, t)
	if v.Dim() != 2 {
		fail(op, [][]int{v.Shape()}, "only tensors with 2 dimensions are supported, not shape %v", v.Shape())
	}
	rows, cols := v.Shape()[0], v.Shape()[1]
	data := make([]float64, rows*cols)
	for i := range min(rows, cols) {
		data[i*cols+i] = 1
	}
	write(v, data)
	return t
}
