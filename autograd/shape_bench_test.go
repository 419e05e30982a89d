package autograd

import (
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/tensor"
)

// BenchmarkIndexingBackward runs forward and backward of the two indexing
// steps of a small language model: an embedding lookup (IndexSelect of 64
// rows of a [10000 128] table, whose gradient is a table-sized IndexAdd into
// zeros) and a cross-entropy's target pick (Gather of a [64 1] index from
// [64 10]).
func BenchmarkIndexingBackward(b *testing.B) {
	rng := rand.New(rand.NewPCG(31, 32))
	table := randLeaf(rng, 10000, 128)
	ids := tensor.Zeros(64)
	for i := range ids.Raw() {
		ids.Raw()[i] = float64(rng.IntN(10000))
	}
	rows := From(ids)
	b.Run("op=IndexSelect/shape=10000x128/rows=64", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			table.IndexSelect(0, rows).Sum().Backward()
			table.grad = nil
		}
	})
	logp := randLeaf(rng, 64, 10)
	targets := tensor.Zeros(64, 1)
	for i := range targets.Raw() {
		targets.Raw()[i] = float64(rng.IntN(10))
	}
	tg := From(targets)
	b.Run("op=Gather/shape=64x10/index=64x1", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			logp.Gather(1, tg).Sum().Backward()
			logp.grad = nil
		}
	})
}
