package tensor

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/kernels"
)

// TestGELUKernelRoundsAsTheScalarFormula checks GELU's and GELUTanh's
// vector kernels bit for bit against their formulas in scalar code (with
// the same Erf and Tanh, and no fused multiply-add), over more than one
// scratch block and on tiny, subnormal, infinite and NaN inputs.
func TestGELUKernelRoundsAsTheScalarFormula(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	n := 2*scratchLen + 37
	x := make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64() * 3
	}
	copy(x, []float64{0, math.Copysign(0, -1), 1e-160, -3e-151, 5e-324, math.Inf(1), math.Inf(-1), math.NaN(), 40, -40, 1e-150, 1e200})
	y := make([]float64, n)
	geluKernel(y, x)
	b := make([]float64, n)
	for i, v := range x {
		b[i] = v * sqrt1_2
	}
	kernels.Erf(b, b)
	for i, v := range x {
		if w := v * 0.5 * (1 + b[i]); math.Float64bits(w) != math.Float64bits(y[i]) && !(math.IsNaN(w) && math.IsNaN(y[i])) {
			t.Fatalf("GELU(%v) = %v, scalar formula %v", v, y[i], w)
		}
	}
	geluTanhKernel(y, x)
	for i, v := range x {
		b[i] = geluBeta * (v + float64(geluKappa*float64(float64(v*v)*v)))
	}
	kernels.Tanh(b, b)
	for i, v := range x {
		if w := 0.5 * v * (1 + b[i]); math.Float64bits(w) != math.Float64bits(y[i]) && !(math.IsNaN(w) && math.IsNaN(y[i])) {
			t.Fatalf("GELUTanh(%v) = %v, scalar formula %v", v, y[i], w)
		}
	}
}
