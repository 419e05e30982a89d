package nn_test

import (
	"testing"
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
