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
	step, _ := mlpStep()
	step() // warm-up: gradient buffers, optimizer state and the storage pool
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		step()
	}
}

// BenchmarkLayerNormGELUTrainStep is a training step of a model whose
// backward runs composite formulas (LayerNorm's) and a fused activation
// gradient (GELU's): 784-128 Linear, LayerNorm, GELU, 128-10 Linear,
// cross-entropy, Adam, batch 64 of fixed data.
func BenchmarkLayerNormGELUTrainStep(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	model := nn.NewSequential(nn.NewLinear(784, 128, rng), nn.NewLayerNorm(128), &nn.GELU{}, nn.NewLinear(128, 10, rng))
	opt := optim.NewAdam(model.Parameters(), 1e-3)
	x := autograd.From(tensor.Rand(rng, 64, 784))
	y := tensor.Zeros(64)
	target := autograd.From(y)
	step := func() {
		l := functional.CrossEntropy(model.Forward(x), target)
		opt.ZeroGrad()
		l.Backward()
		opt.Step()
	}
	for i := 0; i < 10; i++ {
		step()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		step()
	}
}

// BenchmarkLSTMTrainStep is one training step of a one-layer LSTM (64
// inputs, 128 hidden, 32 steps, batch 32) with a Linear on the last step,
// MSE loss and Adam: the recurrent loop's per-step cost, forward and
// backward.
func BenchmarkLSTMTrainStep(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	lstm := nn.NewLSTM(64, 128, nn.RNNOptions{}, rng)
	head := nn.NewLinear(128, 1, rng)
	opt := optim.NewAdam(append(lstm.Parameters(), head.Parameters()...), 1e-3)
	x := autograd.From(tensor.Randn(rng, 32, 32, 64))
	y := autograd.From(tensor.Randn(rng, 32, 1))
	step := func() {
		l := functional.MSELoss(head.Forward(lstm.Forward(x).Select(0, -1)), y)
		opt.ZeroGrad()
		l.Backward()
		opt.Step()
	}
	step()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		step()
	}
}
