package nninit

import (
	"math"
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// pkg is the Pkg of this package's *tensor.Error values.
const pkg = "nninit"

// fail panics with a *tensor.Error of this package for function op.
func fail(op string, shapes [][]int, format string, args ...any) {
	tensor.Panicf(pkg, op, shapes, format, args...)
}

// target returns t's value for op to write into. It panics if t is nil or
// is an expanded view, whose elements share memory and so cannot each take
// a value of their own.
func target(op string, t *autograd.Tensor) *tensor.Tensor {
	if t == nil {
		fail(op, nil, "tensor t is a nil *autograd.Tensor")
	}
	v := t.Value()
	if v.Numel() == 0 {
		return v
	}
	shape, strides := v.Shape(), v.Strides()
	for i, n := range shape {
		if n > 1 && strides[i] == 0 {
			fail(op, [][]int{shape}, "tensor of shape %v is an expanded view (stride 0 along dimension %d) and cannot be written in place", shape, i)
		}
	}
	return v
}

// mustRNG panics with an *Error naming op if rng is nil.
func mustRNG(op string, rng *rand.Rand) {
	if rng == nil {
		fail(op, nil, "rng is a nil *rand.Rand")
	}
}

// atLeast2D panics with an *Error naming op if v has fewer than two
// dimensions.
func atLeast2D(op string, v *tensor.Tensor, what string) {
	if v.Dim() < 2 {
		fail(op, [][]int{v.Shape()}, "%s can not be computed for a tensor of shape %v, with fewer than 2 dimensions", what, v.Shape())
	}
}

// checkGain panics with an *Error naming op if gain is negative, NaN or
// infinite (PyTorch rejects those in the uniform_ or normal_ it calls).
func checkGain(op string, gain float64) {
	if !(gain >= 0) || math.IsInf(gain, 0) {
		fail(op, nil, "gain %v is not a finite number ≥ 0", gain)
	}
}

// write copies data, v's new elements in row-major order, into v with one
// in-place write.
func write(v *tensor.Tensor, data []float64) {
	if v.Dim() == 0 {
		v.CopyFrom(tensor.Scalar(data[0]))
		return
	}
	v.CopyFrom(tensor.FromData(data, v.Shape()...))
}

// fillUniform writes values drawn uniformly from [a, b) into v, after
// checking the interval as PyTorch's uniform_ does: a ≤ b, both finite,
// b−a finite.
func fillUniform(op string, v *tensor.Tensor, a, b float64, rng *rand.Rand) {
	if math.IsNaN(a) || math.IsNaN(b) || math.IsInf(a, 0) || math.IsInf(b, 0) {
		fail(op, nil, "bounds a=%v and b=%v must be finite", a, b)
	}
	if a > b {
		fail(op, nil, "expects a range [a, b), but found a=%v > b=%v", a, b)
	}
	if math.IsInf(b-a, 0) {
		fail(op, nil, "b-a for a=%v and b=%v exceeds the largest float64", a, b)
	}
	data := make([]float64, v.Numel())
	for i := range data {
		data[i] = a + (b-a)*rng.Float64()
	}
	write(v, data)
}

// fillNormal writes values drawn from N(mean, std²) into v, after checking
// std as PyTorch's normal_ does.
func fillNormal(op string, v *tensor.Tensor, mean, std float64, rng *rand.Rand) {
	if !(std >= 0) {
		fail(op, nil, "expects std ≥ 0, but found std %v", std)
	}
	data := make([]float64, v.Numel())
	for i := range data {
		data[i] = mean + std*rng.NormFloat64()
	}
	write(v, data)
}
