package tensor_test

import (
	"math"
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

// checkNear compares got with want within ulps units in the last place:
// NaN must meet NaN, an infinity the same infinity, and a zero a zero.
func checkNear(t *testing.T, what string, got, want []float64, ulps float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s has %d values, want %d", what, len(got), len(want))
		return
	}
	bad := 0
	for i := range got {
		g, w := got[i], want[i]
		ok := testutil.Same(g, w) || (g == w) ||
			(!math.IsNaN(g) && !math.IsNaN(w) && !math.IsInf(g, 0) && !math.IsInf(w, 0) &&
				math.Abs(g-w) <= ulps*ulp(w))
		if !ok {
			if bad < 5 {
				t.Errorf("%s[%d] = %v, want %v (within %g ulp)", what, i, g, w, ulps)
			}
			bad++
		}
	}
	if bad > 5 {
		t.Errorf("%s: %d more values differ", what, bad-5)
	}
}

// checkNearInput is checkNear with a bound of ulps ulps of want plus xulps
// ulps of the input x.
func checkNearInput(t *testing.T, what string, got, want, x []float64, ulps, xulps float64) {
	t.Helper()
	bad := 0
	for i := range got {
		g, w := got[i], want[i]
		ok := testutil.Same(g, w) || (g == w) ||
			(!math.IsNaN(g) && !math.IsNaN(w) && !math.IsInf(g, 0) && !math.IsInf(w, 0) &&
				math.Abs(g-w) <= ulps*ulp(w)+xulps*ulp(x[i]))
		if !ok {
			if bad < 5 {
				t.Errorf("%s[%d] = %v, want %v (within %g ulp + %g ulp of x = %v)", what, i, g, w, ulps, xulps, x[i])
			}
			bad++
		}
	}
	if bad > 5 {
		t.Errorf("%s: %d more values differ", what, bad-5)
	}
}

// ulp returns the distance from |w| to the next float64 away from zero.
func ulp(w float64) float64 {
	w = math.Abs(w)
	return math.Nextafter(w, math.Inf(1)) - w
}

var (
	inf    = math.Inf(1)
	nan    = math.NaN()
	negZer = math.Copysign(0, -1)
)

// specials holds the values every unary op is checked on: zeros of both
// signs, infinities, NaN, huge and tiny magnitudes and ordinary values.
var specials = []float64{0, negZer, 1, -1, 0.5, -0.5, 2, -2.5, 20, 21, -20, 1000, -1000, 1e-300, -1e-300, 1e300, -1e300, inf, -inf, nan}

type unaryOp struct {
	name string
	op   func(*tensor.Tensor) *tensor.Tensor
	ref  func(float64) float64 // the math package's answer
	ulps float64               // 0: bit for bit
}

// The ops on the vector transcendental kernels (Exp, Log, Tanh, Sigmoid,
// Erf, and SiLU, GELU, GELUTanh and Softplus on top of them) are within a
// few ulps of the math package at the AVX2 and AVX512 levels (kernels.Exp
// and the others state their bounds), and exact at the Generic level.
// GELU's 1 + erf(...) and GELUTanh's 1 + tanh(...) turn an ulp of erf or
// tanh near -1 into many ulps of the result: their bounds add inputULPs
// ulps of x.
var inputULPs = map[string]float64{"GELU": 1, "GELUTanh": 1}

var unaryOps = []unaryOp{
	{"Neg", (*tensor.Tensor).Neg, func(v float64) float64 { return -v }, 0},
	{"Abs", (*tensor.Tensor).Abs, math.Abs, 0},
	{"Exp", (*tensor.Tensor).Exp, math.Exp, 2},
	{"Log", (*tensor.Tensor).Log, math.Log, 1},
	{"Sqrt", (*tensor.Tensor).Sqrt, math.Sqrt, 0},
	{"Rsqrt", (*tensor.Tensor).Rsqrt, func(v float64) float64 { return 1 / math.Sqrt(v) }, 0},
	{"Square", (*tensor.Tensor).Square, func(v float64) float64 { return v * v }, 0},
	{"Reciprocal", (*tensor.Tensor).Reciprocal, func(v float64) float64 { return 1 / v }, 0},
	{"Sin", (*tensor.Tensor).Sin, math.Sin, 0},
	{"Cos", (*tensor.Tensor).Cos, math.Cos, 0},
	{"Tanh", (*tensor.Tensor).Tanh, math.Tanh, 2},
	{"Sigmoid", (*tensor.Tensor).Sigmoid, func(v float64) float64 {
		if v >= 0 {
			return 1 / (1 + math.Exp(-v))
		}
		e := math.Exp(v) // e^-v would overflow for v < -709
		return e / (1 + e)
	}, 2},
	{"Erf", (*tensor.Tensor).Erf, math.Erf, 1},
	{"Sign", (*tensor.Tensor).Sign, func(v float64) float64 {
		switch {
		case v > 0:
			return 1
		case v < 0:
			return -1
		}
		return 0 // ±0 and NaN, as torch.sign
	}, 0},
	{"ReLU", (*tensor.Tensor).ReLU, func(v float64) float64 {
		if math.IsNaN(v) {
			return v
		}
		return math.Max(v, 0)
	}, 0},
	{"LeakyReLU(0.01)", func(x *tensor.Tensor) *tensor.Tensor { return x.LeakyReLU(0.01) }, func(v float64) float64 {
		if v > 0 {
			return v
		}
		return 0.01 * v
	}, 0},
	// The GELU references are PyTorch's formulas, with its constants
	// (products of the C constants, rounded as C rounds them).
	{"GELU", (*tensor.Tensor).GELU, func(v float64) float64 {
		return v * 0.5 * (1 + math.Erf(v*0.7071067811865476))
	}, 2},
	{"GELUTanh", (*tensor.Tensor).GELUTanh, func(v float64) float64 {
		beta := 1.4142135623730951 * 1.1283791670955126 * 0.5
		return 0.5 * v * (1 + math.Tanh(beta*(v+0.044715*(v*v*v))))
	}, 2},
	{"SiLU", (*tensor.Tensor).SiLU, func(v float64) float64 { return v / (1 + math.Exp(-v)) }, 3},
	{"Softplus", (*tensor.Tensor).Softplus, func(v float64) float64 {
		if v > 20 {
			return v
		}
		return math.Log1p(math.Exp(v))
	}, 3},
	{"Clamp(-1, 2)", func(x *tensor.Tensor) *tensor.Tensor { return x.Clamp(-1, 2) }, func(v float64) float64 {
		if math.IsNaN(v) {
			return v
		}
		return math.Min(math.Max(v, -1), 2)
	}, 0},
	{"Clamp(-Inf, 0.5) (one-sided)", func(x *tensor.Tensor) *tensor.Tensor { return x.Clamp(math.Inf(-1), 0.5) }, func(v float64) float64 {
		if math.IsNaN(v) {
			return v
		}
		return math.Min(v, 0.5)
	}, 0},
	{"PowScalar(2.5)", func(x *tensor.Tensor) *tensor.Tensor { return x.PowScalar(2.5) }, func(v float64) float64 { return math.Pow(v, 2.5) }, 0},
	{"PowScalar(-1.5)", func(x *tensor.Tensor) *tensor.Tensor { return x.PowScalar(-1.5) }, func(v float64) float64 { return math.Pow(v, -1.5) }, 0},
	{"PowScalar(2)", func(x *tensor.Tensor) *tensor.Tensor { return x.PowScalar(2) }, func(v float64) float64 { return math.Pow(v, 2) }, 1},
	{"PowScalar(3)", func(x *tensor.Tensor) *tensor.Tensor { return x.PowScalar(3) }, func(v float64) float64 { return math.Pow(v, 3) }, 2},
	{"PowScalar(-1)", func(x *tensor.Tensor) *tensor.Tensor { return x.PowScalar(-1) }, func(v float64) float64 { return math.Pow(v, -1) }, 1},
	{"PowScalar(-2)", func(x *tensor.Tensor) *tensor.Tensor { return x.PowScalar(-2) }, func(v float64) float64 {
		if v*v > math.MaxFloat64 {
			return 0 // PyTorch's 1/(x·x); math.Pow agrees except where x·x overflows
		}
		return math.Pow(v, -2)
	}, 2},
	{"PowScalar(0.5)", func(x *tensor.Tensor) *tensor.Tensor { return x.PowScalar(0.5) }, math.Sqrt, 0},
	{"PowScalar(-0.5)", func(x *tensor.Tensor) *tensor.Tensor { return x.PowScalar(-0.5) }, func(v float64) float64 { return 1 / math.Sqrt(v) }, 0},
	{"PowScalar(1)", func(x *tensor.Tensor) *tensor.Tensor { return x.PowScalar(1) }, func(v float64) float64 { return v }, 0},
	{"PowScalar(0)", func(x *tensor.Tensor) *tensor.Tensor { return x.PowScalar(0) }, func(float64) float64 { return 1 }, 0},
}

// unaryInputs are the layouts every unary op is checked on. big is longer
// than both grains, so that the split across goroutines is exercised.
func unaryInputs() []struct {
	name string
	make func() *tensor.Tensor
} {
	rng := newRNG(7)
	return []struct {
		name string
		make func() *tensor.Tensor
	}{
		{"special values", func() *tensor.Tensor { return tensor.New(slices.Clone(specials)) }},
		{"a contiguous matrix", func() *tensor.Tensor { return randT(rng, 3, 4) }},
		{"a transposed matrix", func() *tensor.Tensor { return randT(rng, 4, 3).Transpose(0, 1) }},
		{"a column slice at an offset", func() *tensor.Tensor { return randT(rng, 4, 6).Slice(1, 2, 5) }},
		{"an expanded row", func() *tensor.Tensor { return randT(rng, 1, 3).Expand(2, 3) }},
		{"a 0-d scalar", func() *tensor.Tensor { return tensor.Scalar(0.75) }},
		{"an offset 0-d Select", func() *tensor.Tensor { return randT(rng, 5).Select(0, 3) }},
		{"an empty tensor", func() *tensor.Tensor { return tensor.Zeros(0, 3) }},
		{"a size-1 dimension", func() *tensor.Tensor { return randT(rng, 1, 5) }},
		{longVector, func() *tensor.Tensor { return randT(rng, unaryBig).MulScalar(3) }},
		{longTransposed, func() *tensor.Tensor { return randT(rng, 3, unaryBig/3).Transpose(0, 1) }},
	}
}

// The inputs of unaryInputs longer than the grains, and their length.
const (
	longVector     = "a vector longer than the grains"
	longTransposed = "a transposed matrix longer than the grains"
	unaryBig       = 1<<18 + 3
)

// fewLong reports whether the sweeps run their inputs longer than the
// grains through a few operations only: under the race detector, where
// the long inputs of TestUnaryOpsMatchMathPackage took 23 s of the
// package's 115 s (almost all of it the detector's bookkeeping for the
// kernels' reads and writes), and under -short, which CI's emulated arm64
// run uses (9 s of its 63 s).
func fewLong() bool { return raceEnabled || testing.Short() }

// longOps are the operations that run unaryInputs' long inputs when
// fewLong: one of each grain and kind of kernel that Tensor.unary splits
// (arithmetic, the math package's functions, the vector kernels, a Go loop
// over them), as all split through the same path.
var longOps = map[string]bool{"Abs": true, "Sin": true, "Exp": true, "GELU": true}

func TestUnaryOpsMatchMathPackage(t *testing.T) {
	for name := range longOps {
		if !slices.ContainsFunc(unaryOps, func(op unaryOp) bool { return op.name == name }) {
			t.Fatalf("longOps names %s, which is not in unaryOps", name)
		}
	}
	for _, op := range unaryOps {
		for _, in := range unaryInputs() {
			if fewLong() && (in.name == longVector || in.name == longTransposed) && !longOps[op.name] {
				continue
			}
			t.Run(op.name+" of "+in.name, func(t *testing.T) {
				x := in.make()
				before := x.Data()
				ver := x.Version()
				got := op.op(x)
				checkFresh(t, got, x.Shape())
				if got.SameStorage(x) {
					t.Errorf("the result shares storage with the input")
				}
				want := make([]float64, len(before))
				for i, v := range before {
					want[i] = op.ref(v)
				}
				if xu := inputULPs[op.name]; xu > 0 {
					checkNearInput(t, "result", got.Data(), want, before, op.ulps, xu)
				} else {
					checkNear(t, "result", got.Data(), want, op.ulps)
				}
				testutil.AllSame(t, "input afterwards", x.Data(), before)
				if x.Version() != ver {
					t.Errorf("the input's version changed from %d to %d", ver, x.Version())
				}
			})
		}
	}
}

func TestUnaryEdgeCases(t *testing.T) {
	one := func(f func(*tensor.Tensor) *tensor.Tensor, v float64) float64 { return f(tensor.Scalar(v)).Item() }
	cases := []struct {
		name      string
		got, want float64
	}{
		{"Log(0) is -Inf", one((*tensor.Tensor).Log, 0), math.Inf(-1)},
		{"Log(-1) is NaN", one((*tensor.Tensor).Log, -1), nan},
		{"Sqrt(-1) is NaN", one((*tensor.Tensor).Sqrt, -1), nan},
		{"Sqrt(-0) is -0", one((*tensor.Tensor).Sqrt, negZer), negZer},
		{"Rsqrt(0) is +Inf", one((*tensor.Tensor).Rsqrt, 0), inf},
		{"Rsqrt(+Inf) is 0", one((*tensor.Tensor).Rsqrt, inf), 0},
		{"Reciprocal(-0) is -Inf", one((*tensor.Tensor).Reciprocal, negZer), math.Inf(-1)},
		{"Abs(-0) is +0", one((*tensor.Tensor).Abs, negZer), 0},
		{"Softplus(1000) is 1000, finite", one((*tensor.Tensor).Softplus, 1000), 1000},
		{"Softplus(-1000) is 0", one((*tensor.Tensor).Softplus, -1000), 0},
		{"Softplus(20) is log1p(e^20), at the threshold", one((*tensor.Tensor).Softplus, 20), math.Log1p(math.Exp(20))},
		{"Softplus(0) is ln 2", one((*tensor.Tensor).Softplus, 0), math.Ln2},
		{"Sigmoid(-1000) is 0, not NaN", one((*tensor.Tensor).Sigmoid, -1000), 0},
		{"Sigmoid(1000) is 1", one((*tensor.Tensor).Sigmoid, 1000), 1},
		{"Sigmoid(0) is 1/2", one((*tensor.Tensor).Sigmoid, 0), 0.5},
		{"Tanh(-Inf) is -1", one((*tensor.Tensor).Tanh, math.Inf(-1)), -1},
		{"Erf(+Inf) is 1", one((*tensor.Tensor).Erf, inf), 1},
		{"GELUTanh(1) is PyTorch's 0.8411919906082768", one((*tensor.Tensor).GELUTanh, 1), 0.8411919906082768},
		{"GELU(0) is 0", one((*tensor.Tensor).GELU, 0), 0},
		{"GELU(+Inf) is +Inf", one((*tensor.Tensor).GELU, inf), inf},
		{"GELU(-1000) is -0", one((*tensor.Tensor).GELU, -1000), negZer},
		{"SiLU(-1000) is -0", one((*tensor.Tensor).SiLU, -1000), negZer},
		{"SiLU(1000) is 1000", one((*tensor.Tensor).SiLU, 1000), 1000},
		{"Sign(NaN) is 0, as torch.sign", one((*tensor.Tensor).Sign, nan), 0},
		{"Sign(-0) is +0", one((*tensor.Tensor).Sign, negZer), 0},
		{"Sign(-Inf) is -1", one((*tensor.Tensor).Sign, math.Inf(-1)), -1},
		{"ReLU(NaN) is NaN", one((*tensor.Tensor).ReLU, nan), nan},
		{"ReLU(-0) is +0", one((*tensor.Tensor).ReLU, negZer), 0},
		{"ReLU(+Inf) is +Inf", one((*tensor.Tensor).ReLU, inf), inf},
		{"LeakyReLU(-Inf) is -Inf", tensor.Scalar(math.Inf(-1)).LeakyReLU(0.2).Item(), math.Inf(-1)},
		{"LeakyReLU(-2) is slope·-2", tensor.Scalar(-2).LeakyReLU(0.2).Item(), -0.4},
		{"Clamp keeps NaN", tensor.Scalar(nan).Clamp(-1, 1).Item(), nan},
		{"Clamp with min > max gives max", tensor.Scalar(0).Clamp(2, 1).Item(), 1},
		{"Clamp with a NaN bound gives NaN", tensor.Scalar(0).Clamp(nan, 1).Item(), nan},
		{"Clamp to [-Inf, +Inf] keeps +Inf", tensor.Scalar(inf).Clamp(math.Inf(-1), inf).Item(), inf},
		{"Clamp from below only", tensor.Scalar(-5).Clamp(-1, inf).Item(), -1},
		{"PowScalar(NaN, 0) is 1", tensor.Scalar(nan).PowScalar(0).Item(), 1},
		{"PowScalar(-Inf, 0.5) is NaN, as Sqrt", tensor.Scalar(math.Inf(-1)).PowScalar(0.5).Item(), nan},
		{"PowScalar(-8, 1/3) is NaN", tensor.Scalar(-8).PowScalar(1.0 / 3).Item(), nan},
		{"PowScalar(0, -1.5) is +Inf", tensor.Scalar(0).PowScalar(-1.5).Item(), inf},
		{"PowScalar(-2, 3) is -8", tensor.Scalar(-2).PowScalar(3).Item(), -8},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !testutil.Same(c.got, c.want) {
				t.Errorf("got %v, want %v", c.got, c.want)
			}
		})
	}
	t.Run("GELU(1) is PyTorch's 0.8413447460685429 within one ulp", func(t *testing.T) {
		// PyTorch's value is the correctly rounded one; x/2·(1+erf(x/√2))
		// in float64 rounds 1+erf up and lands one ulp above it.
		checkNear(t, "GELU(1)", []float64{tensor.Scalar(1).GELU().Item()}, []float64{0.8413447460685429}, 1)
	})
	t.Run("Clamp with a NaN bound keeps the shape", func(t *testing.T) {
		got := seq(2, 3).Clamp(0, nan)
		checkFresh(t, got, []int{2, 3})
		for _, v := range got.Data() {
			if !math.IsNaN(v) {
				t.Fatalf("got %v, want all NaN", got.Data())
			}
		}
	})
	t.Run("PowScalar(0) of an empty tensor is empty", func(t *testing.T) {
		checkFresh(t, tensor.Zeros(0, 2).PowScalar(0), []int{0, 2})
	})
	t.Run("PowScalar(1) copies", func(t *testing.T) {
		x := seq(3)
		y := x.PowScalar(1)
		if y.SameStorage(x) {
			t.Errorf("PowScalar(1) returned a view")
		}
	})
}
