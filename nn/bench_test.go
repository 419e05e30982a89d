package nn_test

import (
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/nn"
	"github.com/adjoint-go/adjoint/nn/functional"
	"github.com/adjoint-go/adjoint/optim"
	"github.com/adjoint-go/adjoint/tensor"
)

// BenchmarkMLPTrainStep is one training step of the MNIST example's model
// (784-128-10, ReLU, cross-entropy, SGD with momentum, batch 64) on fixed
// synthetic data: forward, loss, ZeroGrad, Backward, Step. allocs/op is the
// figure the training issue asks for (after warm-up).
func BenchmarkMLPTrainStep(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	model := nn.NewSequential(nn.NewLinear(784, 128, rng), &nn.ReLU{}, nn.NewLinear(128, 10, rng))
	opt := optim.NewSGD(model.Parameters(), 0.1, optim.Momentum(0.9))
	x := autograd.From(tensor.Rand(rng, 64, 784))
	y := tensor.Zeros(64)
	for i := 0; i < 64; i++ {
		y.Set(float64(i%10), i)
	}
	target := autograd.From(y)
	step := func() {
		loss := functional.CrossEntropy(model.Forward(x), target)
		opt.ZeroGrad()
		loss.Backward()
		opt.Step()
	}
	step() // warm-up: gradient buffers and optimizer state
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		step()
	}
}
