package optim

import (
	"fmt"
	"math"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
)

// BenchmarkStep times one optimizer step over a single parameter of n
// elements (after the first step), with ReportAllocs to show what a step
// allocates: nothing at 1 << 10, the bookkeeping of a split at 1 << 16.
// bytes/op counts the parameter once.
func BenchmarkStep(b *testing.B) {
	for _, o := range optimizers() {
		for _, n := range []int{1 << 10, 1 << 16} {
			b.Run(fmt.Sprintf("opt=%s/n=%d", o.name, n), func(b *testing.B) {
				ps := withGrads(n)
				opt := o.make(ps)
				opt.Step()
				b.SetBytes(int64(8 * n))
				b.ReportAllocs()
				for b.Loop() {
					opt.Step()
				}
			})
		}
	}
	// The same Adam step written as PyTorch's eager code runs it: one
	// pass per tensor operation, with a temporary per intermediate result.
	for _, n := range []int{1 << 10, 1 << 16} {
		b.Run(fmt.Sprintf("opt=Adam/impl=unfused/n=%d", n), func(b *testing.B) {
			ps := withGrads(n)
			p, g := ps[0].Value().Raw(), ps[0].Grad().Value().Raw()
			m, v := make([]float64, n), make([]float64, n)
			b.SetBytes(int64(8 * n))
			b.ReportAllocs()
			t := 0
			for b.Loop() {
				t++
				adamUnfused(p, g, m, v, 1e-3, 0.9, 0.999, 1e-8, t)
			}
		})
	}
}

func adamUnfused(p, g, m, v []float64, lr, b1, b2, eps float64, t int) {
	mul := func(x []float64, a float64) {
		for i := range x {
			x[i] *= a
		}
	}
	mul(m, b1)
	for i := range m {
		m[i] += (1 - b1) * g[i]
	}
	mul(v, b2)
	for i := range v {
		v[i] += (1 - b2) * g[i] * g[i]
	}
	bc1, bc2 := 1-math.Pow(b1, float64(t)), math.Sqrt(1-math.Pow(b2, float64(t)))
	denom := make([]float64, len(v))
	for i := range v {
		denom[i] = math.Sqrt(v[i])
	}
	tmp := make([]float64, len(v))
	for i := range denom {
		tmp[i] = denom[i] / bc2
	}
	for i := range tmp {
		tmp[i] += eps
	}
	for i := range p {
		p[i] += -(lr / bc1) * m[i] / tmp[i]
	}
}

// BenchmarkTrainStep is a whole training step of a small least-squares
// problem: ZeroGrad, a forward pass through autograd, Backward, gradient
// clipping and an Adam step. Its allocations are the autograd graph's; the
// optimizer and clipping add none.
func BenchmarkTrainStep(b *testing.B) {
	const n = 256
	w := autograd.Zeros(n).SetRequiresGrad(true)
	x := autograd.Arange(0, n, 1).MulScalar(1.0 / n)
	y := autograd.Full(2, n)
	opt := NewAdam([]*autograd.Tensor{w}, 1e-2)
	step := func() {
		opt.ZeroGrad()
		d := w.Mul(x).Sub(y)
		d.Mul(d).Mean().Backward()
		ClipGradNorm([]*autograd.Tensor{w}, 1)
		opt.Step()
	}
	step()
	b.ReportAllocs()
	for b.Loop() {
		step()
	}
}
