package autograd

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/tensor"
)

// BenchmarkPointwiseForwardBackward measures a pointwise op and the
// backward pass through it (op(x).Sum().Backward()) next to the forward
// alone, at 1K and 1M elements; the ratio is the cost of the gradient.
// SetBytes counts 16 bytes per element (one read, one write).
func BenchmarkPointwiseForwardBackward(b *testing.B) {
	ops := []struct {
		name string
		f    func(x *Tensor) *Tensor
	}{
		{"ReLU", (*Tensor).ReLU},
		{"Tanh", (*Tensor).Tanh},
		{"Sigmoid", (*Tensor).Sigmoid},
		{"GELU", (*Tensor).GELU},
		{"SiLU", (*Tensor).SiLU},
		{"Maximum", func(x *Tensor) *Tensor { return x.Maximum(Scalar(0)) }},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, op := range ops {
		for _, n := range []int{1 << 10, 1 << 20} {
			x := From(tensor.Randn(rng, n)).SetRequiresGrad(true)
			b.Run(fmt.Sprintf("op=%s/n=%d/pass=forward", op.name, n), func(b *testing.B) {
				b.SetBytes(int64(16 * n))
				b.ReportAllocs()
				for b.Loop() {
					op.f(NoGrad(x))
				}
			})
			b.Run(fmt.Sprintf("op=%s/n=%d/pass=forward+backward", op.name, n), func(b *testing.B) {
				b.SetBytes(int64(16 * n))
				b.ReportAllocs()
				for b.Loop() {
					op.f(x).Sum().Backward()
				}
			})
		}
	}
}
