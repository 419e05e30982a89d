package data_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/data"
	"github.com/adjoint-go/adjoint/tensor"
)

// BenchmarkEpoch iterates one shuffled epoch of a dataset shaped like
// MNIST's training set (60,000 × 784) in batches of 64; the metrics give
// the time and the allocations per batch.
func BenchmarkEpoch(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	ds := data.NewDataset(tensor.Rand(rng, 60000, 784), tensor.Zeros(60000))
	for _, prefetch := range []int{0, 2} {
		b.Run(fmt.Sprintf("batch=64/prefetch=%d", prefetch), func(b *testing.B) {
			l := data.NewLoader(ds, 64, data.Shuffle(rand.New(rand.NewPCG(3, 4))), data.Prefetch(prefetch))
			for range l.Epoch() { // warm-up: the buffers
			}
			b.ReportAllocs()
			b.SetBytes(int64(ds.Len() * 785 * 8))
			for b.Loop() {
				for range l.Epoch() {
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*l.Len()), "ns/batch")
		})
	}
}
