package nninit_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/nn/nninit"
)

// seed returns a fresh generator with a fixed seed.
func seed(s uint64) *rand.Rand { return rand.New(rand.NewPCG(s, 2*s+1)) }

// moments returns the mean, the variance (divided by n) and the largest
// absolute value of x.
func moments(x []float64) (mean, variance, maxAbs float64) {
	for _, v := range x {
		mean += v
		maxAbs = max(maxAbs, math.Abs(v))
	}
	mean /= float64(len(x))
	for _, v := range x {
		variance += (v - mean) * (v - mean)
	}
	return mean, variance / float64(len(x)), maxAbs
}

// relClose reports whether got is within rel·|want| of want.
func relClose(got, want, rel float64) bool { return math.Abs(got-want) <= rel*math.Abs(want) }

// checkUniform checks that x looks uniform on [−bound, bound): every value
// inside, the largest near bound, mean near 0, variance within 2 % of
// bound²/3.
func checkUniform(t *testing.T, x []float64, bound float64) {
	t.Helper()
	for i, v := range x {
		if !(v >= -bound && v < bound) {
			t.Fatalf("value %d is %v, outside [−%v, %v)", i, v, bound, bound)
		}
	}
	mean, variance, maxAbs := moments(x)
	if maxAbs < 0.999*bound {
		t.Errorf("largest |value| %v, want near the bound %v", maxAbs, bound)
	}
	if sd := bound / math.Sqrt(3*float64(len(x))); math.Abs(mean) > 5*sd {
		t.Errorf("mean %v, want 0 ± %v", mean, 5*sd)
	}
	if want := bound * bound / 3; !relClose(variance, want, 0.02) {
		t.Errorf("variance %v, want %v ± 2%%", variance, want)
	}
}

// checkNormal checks that x looks like N(0, std²): mean near 0, standard
// deviation within 2 % of std, values within 6·std.
func checkNormal(t *testing.T, x []float64, std float64) {
	t.Helper()
	mean, variance, maxAbs := moments(x)
	if sd := std / math.Sqrt(float64(len(x))); math.Abs(mean) > 5*sd {
		t.Errorf("mean %v, want 0 ± %v", mean, 5*sd)
	}
	if got := math.Sqrt(variance); !relClose(got, std, 0.02) {
		t.Errorf("std %v, want %v ± 2%%", got, std)
	}
	if maxAbs > 6*std || maxAbs < 3*std {
		t.Errorf("largest |value| %v, want between 3 and 6 times the std %v", maxAbs, std)
	}
}

func TestUniformAndNormalFollowTheirArguments(t *testing.T) {
	x := nninit.Uniform(autograd.Zeros(400, 500), -3, 5, seed(1)).Data()
	shifted := make([]float64, len(x))
	for i, v := range x {
		if !(v >= -3 && v < 5) {
			t.Fatalf("uniform value %v outside [-3, 5)", v)
		}
		shifted[i] = v - 1
	}
	checkUniform(t, shifted, 4)

	y := nninit.Normal(autograd.Zeros(200, 1000), 2, 0.5, seed(2)).Data()
	for i := range y {
		y[i] -= 2
	}
	checkNormal(t, y, 0.5)

	if got := nninit.Normal(autograd.Zeros(3), 7, 0, seed(3)).Data(); got[0] != 7 || got[2] != 7 {
		t.Errorf("Normal with std 0 gave %v, want all 7", got)
	}
	if got := nninit.Uniform(autograd.Zeros(3), 2, 2, seed(3)).Data(); got[0] != 2 || got[2] != 2 {
		t.Errorf("Uniform on [2, 2] gave %v, want all 2", got)
	}
}

func TestXavierMatchesPyTorchFormulas(t *testing.T) {
	for _, c := range []struct {
		shape         []int
		fanIn, fanOut int
		gain          float64
	}{
		{[]int{300, 500}, 500, 300, 1},
		{[]int{500, 300}, 300, 500, 5.0 / 3},
		{[]int{64, 32, 5, 5}, 800, 1600, math.Sqrt2},
		{[]int{128, 16, 3, 3, 3}, 432, 3456, 0.5},
	} {
		t.Run(fmt.Sprintf("shape %v with gain %.3g", c.shape, c.gain), func(t *testing.T) {
			bound := c.gain * math.Sqrt(6/float64(c.fanIn+c.fanOut))
			checkUniform(t, nninit.XavierUniform(autograd.Zeros(c.shape...), c.gain, seed(10)).Data(), bound)
			std := c.gain * math.Sqrt(2/float64(c.fanIn+c.fanOut))
			checkNormal(t, nninit.XavierNormal(autograd.Zeros(c.shape...), c.gain, seed(11)).Data(), std)
		})
	}
}

func TestKaimingMatchesPyTorchFormulas(t *testing.T) {
	for _, c := range []struct {
		name  string
		shape []int
		o     nninit.KaimingOptions
		fan   int
		gain  float64
	}{
		{"defaults are fan in and leaky relu with slope 0", []int{300, 500}, nninit.KaimingOptions{}, 500, math.Sqrt2},
		{"fan out", []int{300, 500}, nninit.KaimingOptions{Mode: "fan_out"}, 300, math.Sqrt2},
		{"upper-case mode as PyTorch allows", []int{300, 500}, nninit.KaimingOptions{Mode: "FAN_OUT"}, 300, math.Sqrt2},
		{"nn.Linear's a = sqrt 5", []int{400, 400}, nninit.KaimingOptions{A: math.Sqrt(5)}, 400, math.Sqrt(2.0 / 6)},
		{"relu ignores a", []int{400, 400}, nninit.KaimingOptions{A: 3, Nonlinearity: "relu"}, 400, math.Sqrt2},
		{"tanh", []int{400, 400}, nninit.KaimingOptions{Nonlinearity: "tanh"}, 400, 5.0 / 3},
		{"conv weight fan in", []int{64, 32, 5, 5}, nninit.KaimingOptions{}, 800, math.Sqrt2},
		{"conv weight fan out with leaky relu 0.2", []int{64, 32, 5, 5}, nninit.KaimingOptions{A: 0.2, Mode: "fan_out"}, 1600, math.Sqrt(2 / 1.04)},
	} {
		t.Run(c.name, func(t *testing.T) {
			std := c.gain / math.Sqrt(float64(c.fan))
			checkUniform(t, nninit.KaimingUniform(autograd.Zeros(c.shape...), c.o, seed(20)).Data(), math.Sqrt(3)*std)
			checkNormal(t, nninit.KaimingNormal(autograd.Zeros(c.shape...), c.o, seed(21)).Data(), std)
		})
	}
}

// truncatedMoments returns the mean and standard deviation of N(mean,
// std²) truncated to [a, b].
func truncatedMoments(mean, std, a, b float64) (float64, float64) {
	phi := func(x float64) float64 { return math.Exp(-x*x/2) / math.Sqrt(2*math.Pi) }
	cdf := func(x float64) float64 { return (1 + math.Erf(x/math.Sqrt2)) / 2 }
	xphi := func(x float64) float64 { // x·φ(x), 0 at ±∞
		if math.IsInf(x, 0) {
			return 0
		}
		return x * phi(x)
	}
	alpha, beta := (a-mean)/std, (b-mean)/std
	z := cdf(beta) - cdf(alpha)
	d := (phi(alpha) - phi(beta)) / z
	v := 1 + (xphi(alpha)-xphi(beta))/z - d*d
	return mean + std*d, std * math.Sqrt(v)
}

func TestTruncNormalStaysInBoundsWithTheTruncatedMoments(t *testing.T) {
	for _, c := range []struct {
		name            string
		mean, std, a, b float64
	}{
		{"PyTorch's defaults", 0, 1, -2, 2},
		{"asymmetric bounds", 1, 2, -1, 4},
		{"a one-sided window", 0, 1, 0.5, 3},
		{"a half-normal with an infinite bound", 0, 0.02, math.Inf(-1), 0},
		{"narrow bounds", 0.3, 1, 0.2, 0.4},
	} {
		t.Run(c.name, func(t *testing.T) {
			x := nninit.TruncNormal(autograd.Zeros(500, 400), c.mean, c.std, c.a, c.b, seed(30)).Data()
			for i, v := range x {
				if !(v >= c.a && v <= c.b) {
					t.Fatalf("value %d is %v, outside [%v, %v]", i, v, c.a, c.b)
				}
			}
			wantMean, wantStd := truncatedMoments(c.mean, c.std, c.a, c.b)
			mean, variance, _ := moments(x)
			if tol := 5 * wantStd / math.Sqrt(float64(len(x))); math.Abs(mean-wantMean) > tol {
				t.Errorf("mean %v, want %v ± %v", mean, wantMean, tol)
			}
			if got := math.Sqrt(variance); !relClose(got, wantStd, 0.02) {
				t.Errorf("std %v, want %v ± 2%%", got, wantStd)
			}
		})
	}
	if got := nninit.TruncNormal(autograd.Zeros(4), 0, 1, 0.5, 0.5, seed(31)).Data(); got[0] != 0.5 || got[3] != 0.5 {
		t.Errorf("TruncNormal on [0.5, 0.5] gave %v, want all 0.5", got)
	}
}
