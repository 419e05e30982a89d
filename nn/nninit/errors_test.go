package nninit_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/nn/nninit"
	"github.com/adjoint-go/adjoint/tensor"
)

func TestBadInputPanicsWithAnErrorNamingTheFunction(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	w := func(shape ...int) *autograd.Tensor { return autograd.Zeros(shape...) }
	expanded := func() *autograd.Tensor { return autograd.Zeros(1, 3).Expand(4, 3) }
	const nilT = "tensor t is a nil *autograd.Tensor"
	const nilRNG = "rng is a nil *rand.Rand"
	const expandedMsg = "tensor of shape [4 3] is an expanded view (stride 0 along dimension 0) and cannot be written in place"
	k := nninit.KaimingOptions{}
	const huge = math.MaxInt/2 + 1 // 2·huge overflows an int
	for _, c := range []struct {
		name, op, msg string
		f             func()
	}{
		{"Uniform of a nil tensor", "Uniform", nilT, func() { nninit.Uniform(nil, 0, 1, seed(1)) }},
		{"Uniform with a nil rng", "Uniform", nilRNG, func() { nninit.Uniform(w(2), 0, 1, nil) }},
		{"Uniform with a > b", "Uniform", "expects a range [a, b), but found a=2 > b=1", func() { nninit.Uniform(w(2), 2, 1, seed(1)) }},
		{"Uniform with a NaN bound", "Uniform", "bounds a=NaN and b=1 must be finite", func() { nninit.Uniform(w(2), nan, 1, seed(1)) }},
		{"Uniform with an infinite bound", "Uniform", "bounds a=0 and b=+Inf must be finite", func() { nninit.Uniform(w(2), 0, inf, seed(1)) }},
		{"Uniform with b−a overflowing", "Uniform", "b-a for a=-1.7976931348623157e+308 and b=1.7976931348623157e+308 exceeds the largest float64", func() {
			nninit.Uniform(w(2), -math.MaxFloat64, math.MaxFloat64, seed(1))
		}},
		{"Uniform of an expanded view", "Uniform", expandedMsg, func() { nninit.Uniform(expanded(), 0, 1, seed(1)) }},

		{"Normal of a nil tensor", "Normal", nilT, func() { nninit.Normal(nil, 0, 1, seed(1)) }},
		{"Normal with a nil rng", "Normal", nilRNG, func() { nninit.Normal(w(2), 0, 1, nil) }},
		{"Normal with std < 0", "Normal", "expects std ≥ 0, but found std -1", func() { nninit.Normal(w(2), 0, -1, seed(1)) }},
		{"Normal with a NaN std", "Normal", "expects std ≥ 0, but found std NaN", func() { nninit.Normal(w(2), 0, nan, seed(1)) }},
		{"Normal of an expanded view", "Normal", expandedMsg, func() { nninit.Normal(expanded(), 0, 1, seed(1)) }},

		{"TruncNormal of a nil tensor", "TruncNormal", nilT, func() { nninit.TruncNormal(nil, 0, 1, -2, 2, seed(1)) }},
		{"TruncNormal with a nil rng", "TruncNormal", nilRNG, func() { nninit.TruncNormal(w(2), 0, 1, -2, 2, nil) }},
		{"TruncNormal with std < 0", "TruncNormal", "expects a finite std > 0, but found std -1", func() { nninit.TruncNormal(w(2), 0, -1, -2, 2, seed(1)) }},
		{"TruncNormal with std 0", "TruncNormal", "expects a finite std > 0, but found std 0", func() { nninit.TruncNormal(w(2), 0, 0, -2, 2, seed(1)) }},
		{"TruncNormal with an infinite std", "TruncNormal", "expects a finite std > 0, but found std +Inf", func() { nninit.TruncNormal(w(2), 0, inf, -2, 2, seed(1)) }},
		{"TruncNormal with a NaN mean", "TruncNormal", "expects a finite mean, but found mean NaN", func() { nninit.TruncNormal(w(2), nan, 1, -2, 2, seed(1)) }},
		{"TruncNormal with a > b", "TruncNormal", "expects bounds a ≤ b, but found a=2 and b=-2", func() { nninit.TruncNormal(w(2), 0, 1, 2, -2, seed(1)) }},
		{"TruncNormal with a NaN bound", "TruncNormal", "expects bounds a ≤ b, but found a=-2 and b=NaN", func() { nninit.TruncNormal(w(2), 0, 1, -2, nan, seed(1)) }},
		{"TruncNormal of an expanded view", "TruncNormal", expandedMsg, func() { nninit.TruncNormal(expanded(), 0, 1, -2, 2, seed(1)) }},

		{"Constant of a nil tensor", "Constant", nilT, func() { nninit.Constant(nil, 1) }},
		{"Constant of an expanded view", "Constant", expandedMsg, func() { nninit.Constant(expanded(), 1) }},
		{"Zeros of a nil tensor", "Zeros", nilT, func() { nninit.Zeros(nil) }},
		{"Zeros of an expanded view", "Zeros", expandedMsg, func() { nninit.Zeros(expanded()) }},
		{"Ones of a nil tensor", "Ones", nilT, func() { nninit.Ones(nil) }},
		{"Ones of an expanded view", "Ones", expandedMsg, func() { nninit.Ones(expanded()) }},

		{"Eye of a nil tensor", "Eye", nilT, func() { nninit.Eye(nil) }},
		{"Eye of a 1-D tensor", "Eye", "only tensors with 2 dimensions are supported, not shape [3]", func() { nninit.Eye(w(3)) }},
		{"Eye of a 3-D tensor", "Eye", "only tensors with 2 dimensions are supported, not shape [2 2 2]", func() { nninit.Eye(w(2, 2, 2)) }},
		{"Eye of an expanded view", "Eye", expandedMsg, func() { nninit.Eye(expanded()) }},

		{"CalculateGain of an unknown nonlinearity", "CalculateGain", `unsupported nonlinearity "gelu"`, func() { nninit.CalculateGain("gelu") }},
		{"CalculateGain of an empty name", "CalculateGain", `unsupported nonlinearity ""`, func() { nninit.CalculateGain("") }},
		{"CalculateGain of a name in the wrong case", "CalculateGain", `unsupported nonlinearity "ReLU"`, func() { nninit.CalculateGain("ReLU") }},
		{"CalculateGain with two params", "CalculateGain", "at most one param, the negative slope, can be given, not 2", func() {
			nninit.CalculateGain("leaky_relu", 0.1, 0.2)
		}},

		{"FanInAndFanOut of a nil shape", "FanInAndFanOut", "fan in and fan out can not be computed for a tensor of shape [], with fewer than 2 dimensions", func() {
			nninit.FanInAndFanOut(nil)
		}},
		{"FanInAndFanOut of a 1-D shape", "FanInAndFanOut", "fan in and fan out can not be computed for a tensor of shape [5], with fewer than 2 dimensions", func() {
			nninit.FanInAndFanOut([]int{5})
		}},
		{"FanInAndFanOut of a negative size", "FanInAndFanOut", "shape [3 -1] has a negative size", func() { nninit.FanInAndFanOut([]int{3, -1}) }},
		{"FanInAndFanOut overflowing", "FanInAndFanOut", fmt.Sprintf("fans of shape [0 2 %d] overflow an int", huge), func() {
			nninit.FanInAndFanOut([]int{0, 2, huge})
		}},

		{"XavierUniform of a nil tensor", "XavierUniform", nilT, func() { nninit.XavierUniform(nil, 1, seed(1)) }},
		{"XavierUniform with a nil rng", "XavierUniform", nilRNG, func() { nninit.XavierUniform(w(2, 2), 1, nil) }},
		{"XavierUniform of a 1-D tensor", "XavierUniform", "fan in and fan out can not be computed for a tensor of shape [4], with fewer than 2 dimensions", func() {
			nninit.XavierUniform(w(4), 1, seed(1))
		}},
		{"XavierUniform with a negative gain", "XavierUniform", "gain -1 is not a finite number ≥ 0", func() { nninit.XavierUniform(w(2, 2), -1, seed(1)) }},
		{"XavierUniform with an infinite gain", "XavierUniform", "gain +Inf is not a finite number ≥ 0", func() { nninit.XavierUniform(w(2, 2), inf, seed(1)) }},
		{"XavierUniform of an expanded view", "XavierUniform", expandedMsg, func() { nninit.XavierUniform(expanded(), 1, seed(1)) }},
		{"XavierNormal of a nil tensor", "XavierNormal", nilT, func() { nninit.XavierNormal(nil, 1, seed(1)) }},
		{"XavierNormal with a nil rng", "XavierNormal", nilRNG, func() { nninit.XavierNormal(w(2, 2), 1, nil) }},
		{"XavierNormal of a 0-d tensor", "XavierNormal", "fan in and fan out can not be computed for a tensor of shape [], with fewer than 2 dimensions", func() {
			nninit.XavierNormal(autograd.Scalar(1), 1, seed(1))
		}},
		{"XavierNormal with a NaN gain", "XavierNormal", "gain NaN is not a finite number ≥ 0", func() { nninit.XavierNormal(w(2, 2), nan, seed(1)) }},

		{"KaimingUniform of a nil tensor", "KaimingUniform", nilT, func() { nninit.KaimingUniform(nil, k, seed(1)) }},
		{"KaimingUniform with a nil rng", "KaimingUniform", nilRNG, func() { nninit.KaimingUniform(w(2, 2), k, nil) }},
		{"KaimingUniform of a 1-D tensor", "KaimingUniform", "fan in and fan out can not be computed for a tensor of shape [4], with fewer than 2 dimensions", func() {
			nninit.KaimingUniform(w(4), k, seed(1))
		}},
		{"KaimingUniform with an unknown mode", "KaimingUniform", `mode "fan_avg" not supported, please use one of fan_in, fan_out`, func() {
			nninit.KaimingUniform(w(2, 2), nninit.KaimingOptions{Mode: "fan_avg"}, seed(1))
		}},
		{"KaimingUniform with an unknown nonlinearity", "KaimingUniform", `unsupported nonlinearity "gelu"`, func() {
			nninit.KaimingUniform(w(2, 2), nninit.KaimingOptions{Nonlinearity: "gelu"}, seed(1))
		}},
		{"KaimingUniform with a NaN slope", "KaimingUniform", "negative slope a NaN is not a number", func() {
			nninit.KaimingUniform(w(2, 2), nninit.KaimingOptions{A: nan}, seed(1))
		}},
		{"KaimingUniform of an expanded view", "KaimingUniform", expandedMsg, func() { nninit.KaimingUniform(expanded(), k, seed(1)) }},
		{"KaimingNormal of a nil tensor", "KaimingNormal", nilT, func() { nninit.KaimingNormal(nil, k, seed(1)) }},
		{"KaimingNormal with a nil rng", "KaimingNormal", nilRNG, func() { nninit.KaimingNormal(w(2, 2), k, nil) }},
		{"KaimingNormal of a 1-D zero-element tensor", "KaimingNormal", "fan in and fan out can not be computed for a tensor of shape [0], with fewer than 2 dimensions", func() {
			nninit.KaimingNormal(w(0), k, seed(1))
		}},
		{"KaimingNormal with an unknown mode", "KaimingNormal", `mode "in" not supported, please use one of fan_in, fan_out`, func() {
			nninit.KaimingNormal(w(2, 2), nninit.KaimingOptions{Mode: "in"}, seed(1))
		}},
		{"KaimingNormal with an unknown nonlinearity", "KaimingNormal", `unsupported nonlinearity "softplus"`, func() {
			nninit.KaimingNormal(w(2, 2), nninit.KaimingOptions{Nonlinearity: "softplus"}, seed(1))
		}},

		{"Orthogonal of a nil tensor", "Orthogonal", nilT, func() { nninit.Orthogonal(nil, 1, seed(1)) }},
		{"Orthogonal with a nil rng", "Orthogonal", nilRNG, func() { nninit.Orthogonal(w(2, 2), 1, nil) }},
		{"Orthogonal of a 1-D tensor", "Orthogonal", "only tensors with 2 or more dimensions are supported, not shape [4]", func() {
			nninit.Orthogonal(w(4), 1, seed(1))
		}},
		{"Orthogonal with a NaN gain", "Orthogonal", "gain NaN is not finite", func() { nninit.Orthogonal(w(2, 2), nan, seed(1)) }},
		{"Orthogonal of an expanded view", "Orthogonal", expandedMsg, func() { nninit.Orthogonal(expanded(), 1, seed(1)) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := testutil.Panics[*tensor.Error](t, c.f)
			if e.Pkg != "nninit" || e.Op != c.op || e.Msg != c.msg {
				t.Errorf("panic %q (Pkg %q, Op %q, Msg %q),\nwant Pkg %q, Op %q, Msg %q", e, e.Pkg, e.Op, e.Msg, "nninit", c.op, c.msg)
			}
		})
	}
}

func TestBadInputLeavesTheTensorUnchanged(t *testing.T) {
	w := autograd.Full(3, 2, 2)
	version := w.Value().Version()
	testutil.Panics[*tensor.Error](t, func() { nninit.KaimingUniform(w, nninit.KaimingOptions{Mode: "x"}, seed(1)) })
	testutil.Panics[*tensor.Error](t, func() { nninit.Uniform(w, 1, 0, seed(1)) })
	if w.Value().Version() != version {
		t.Errorf("storage version %d after failed calls, want %d", w.Value().Version(), version)
	}
	testutil.AllSame(t, "values after failed calls", w.Data(), []float64{3, 3, 3, 3})
}
