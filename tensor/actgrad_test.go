package tensor_test

import (
	"math"
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestActivationGradsMatchTheirFormulas compares each fused activation
// gradient with the composite formula it replaces, written with this
// package's operations, on plain, strided, 0-d and goroutine-split inputs
// (and inputs with zeros, infinities and NaN).
func TestActivationGradsMatchTheirFormulas(t *testing.T) {
	sig := func(x *tensor.Tensor) *tensor.Tensor { return x.Sigmoid() }
	cases := []struct {
		name  string
		fused func(g, x *tensor.Tensor) *tensor.Tensor
		ref   func(g, x *tensor.Tensor) *tensor.Tensor
		tol   float64
	}{
		{"TanhGrad", func(g, x *tensor.Tensor) *tensor.Tensor { return tops.TanhGrad(g, x.Tanh()) },
			func(g, x *tensor.Tensor) *tensor.Tensor { y := x.Tanh(); return g.Mul(y.Mul(y).Neg().AddScalar(1)) }, 0},
		{"SigmoidGrad", func(g, x *tensor.Tensor) *tensor.Tensor { return tops.SigmoidGrad(g, x.Sigmoid()) },
			func(g, x *tensor.Tensor) *tensor.Tensor { y := sig(x); return g.Mul(y.Neg().AddScalar(1)).Mul(y) }, 0},
		{"GELUGrad", func(g, x *tensor.Tensor) *tensor.Tensor { return tops.GELUGrad(g, x, x.GELU()) }, func(g, x *tensor.Tensor) *tensor.Tensor {
			cdf := x.MulScalar(1 / math.Sqrt2).Erf().AddScalar(1).MulScalar(0.5)
			pdf := x.Square().MulScalar(-0.5).Exp().MulScalar(1 / math.Sqrt(2*math.Pi))
			return g.Mul(cdf.Add(x.Mul(pdf)))
		}, 1e-15},
		{"GELUTanhGrad", tops.GELUTanhGrad, func(g, x *tensor.Tensor) *tensor.Tensor {
			const kappa = 0.044715
			beta := float64(math.Sqrt2) * float64(2/math.SqrtPi) * 0.5 // as PyTorch's kernel rounds it
			xsq := x.Square()
			th := x.Add(xsq.Mul(x).MulScalar(kappa)).MulScalar(beta).Tanh()
			left := th.AddScalar(1).MulScalar(0.5)
			right := x.MulScalar(0.5).Mul(th.Square().Neg().AddScalar(1)).Mul(xsq.MulScalar(3 * kappa).AddScalar(1).MulScalar(beta))
			return g.Mul(left.Add(right))
		}, 0},
		{"SiLUGrad", tops.SiLUGrad, func(g, x *tensor.Tensor) *tensor.Tensor {
			s := x.Sigmoid()
			return g.Mul(s).Mul(x.Mul(s.Neg().AddScalar(1)).AddScalar(1))
		}, 0},
		{"SoftplusGrad", tops.SoftplusGrad, func(g, x *tensor.Tensor) *tensor.Tensor {
			return tensor.Where(x.Gt(tensor.Scalar(20)), g, g.Mul(x.Sigmoid()))
		}, 0},
	}
	rng := newRNG(31)
	inf, negZero := math.Inf(1), math.Copysign(0, -1)
	inputs := map[string][2]*tensor.Tensor{
		"plain":      {randT(rng, 3, 5), randT(rng, 3, 5).MulScalar(4)},
		"strided":    {randT(rng, 5, 3).Transpose(0, 1), randT(rng, 5, 3).MulScalar(30).Transpose(0, 1)},
		"0-d":        {tensor.Scalar(0.7), tensor.Scalar(-1.3)},
		"edges":      {tensor.Ones(6), tensor.New([]float64{0, negZero, inf, -inf, math.NaN(), 25}, 6)},
		"goroutines": {randT(rng, 1<<17), randT(rng, 1<<17).MulScalar(3)},
		// Signed zeros in the gradient and the input: the fused result
		// must carry the sign the formula gives.
		"signed zeros": {tensor.New([]float64{negZero, 0, negZero, negZero, negZero, 0, negZero}),
			tensor.New([]float64{0, negZero, negZero, 1, -1, 25, -30})},
	}
	for _, c := range cases {
		for name, in := range inputs {
			got, want := c.fused(in[0], in[1]).Data(), c.ref(in[0], in[1]).Data()
			for i := range want {
				// Bit for bit (so -0 and +0 differ), or Close within
				// the tolerance for two different values.
				g, w := got[i], want[i]
				if !testutil.Same(g, w) && !(g != w && testutil.Close(g, w, c.tol)) {
					t.Fatalf("%s on %s inputs: element %d = %v, formula gives %v", c.name, name, i, got[i], want[i])
				}
			}
		}
		wantPanic(t, c.name, []string{"[2 3]", "[3 2]"}, func() { c.fused(seq(2, 3), seq(3, 2)) })
	}
}
