package autograd

import (
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/tensor"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// BenchmarkMLPFirstLayer is the first layer of the MNIST MLP: a batch x of
// 64 images of 784 pixels times the transposed weight w [128 784], as
// Linear(x, w, nil) and as x.MatMul(w.T()). pass=forward records the graph
// (x and w require gradients); pass=forward+backward also sends a gradient
// of the output's shape back and accumulates x's and w's gradients. GFLOP/s
// counts 2·64·784·128 operations for the forward product and twice that for
// the two backward ones. impl=gonum is the same products through gonum's
// blas64.Gemm on raw slices: the floor for adjoint's overhead.
func BenchmarkMLPFirstLayer(b *testing.B) {
	const batch, in, out = 64, 784, 128
	const fwd = 2.0 * batch * in * out
	rng := rand.New(rand.NewPCG(30, 31))
	xv, wv, gv := tensor.Randn(rng, batch, in), tensor.Randn(rng, out, in), tensor.Randn(rng, batch, out)
	x, w, g := From(xv).SetRequiresGrad(true), From(wv).SetRequiresGrad(true), From(gv)
	impls := []struct {
		name string
		f    func() *Tensor
	}{
		{"Linear", func() *Tensor { return Linear(x, w, nil) }},
		{"MatMul", func() *Tensor { return x.MatMul(w.T()) }},
	}
	report := func(b *testing.B, flop float64) {
		b.ReportMetric(flop*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	}
	for _, im := range impls {
		b.Run("pass=forward/impl="+im.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				im.f()
			}
			report(b, fwd)
		})
		b.Run("pass=forward+backward/impl="+im.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				im.f().BackwardWith(g)
			}
			report(b, 3*fwd)
		})
	}

	// The same products on raw slices: y = x·wᵀ, dx = g·w, dw = gᵀ·x.
	general := func(t *tensor.Tensor) blas64.General {
		s := t.Shape()
		return blas64.General{Rows: s[0], Cols: s[1], Stride: s[1], Data: t.Raw()}
	}
	y, dx, dw := tensor.Zeros(batch, out), tensor.Zeros(batch, in), tensor.Zeros(out, in)
	forward := func() { blas64.Gemm(blas.NoTrans, blas.Trans, 1, general(xv), general(wv), 0, general(y)) }
	b.Run("pass=forward/impl=gonum", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			forward()
		}
		report(b, fwd)
	})
	b.Run("pass=forward+backward/impl=gonum", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			forward()
			blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, general(gv), general(wv), 1, general(dx))
			blas64.Gemm(blas.Trans, blas.NoTrans, 1, general(gv), general(xv), 1, general(dw))
		}
		report(b, 3*fwd)
	})
}
