package tensor_test

import (
	"testing"

	"github.com/adjoint-go/adjoint/tensor"
)

var sink *tensor.Tensor

// BenchmarkAdd measures Add on each of its paths: the same-shape
// contiguous fast path, the broadcast strided path and a transposed input.
// SetBytes counts 24 bytes per result element (two operands read, one
// result written, 8 bytes each) whatever the layout, so that MB/s compares
// the paths on the work done.
func BenchmarkAdd(b *testing.B) {
	rng := newRNG(1)
	cases := []struct {
		name string
		x, y *tensor.Tensor
	}{
		{"shape=1024", randT(rng, 1024), randT(rng, 1024)},
		{"shape=1048576", randT(rng, 1<<20), randT(rng, 1<<20)},
		{"shape=1000x1000+1000", randT(rng, 1000, 1000), randT(rng, 1000)},
		{"shape=1000x1000+0d", randT(rng, 1000, 1000), tensor.Scalar(0.5)},
		{"shape=1000x1000T+1000x1000", randT(rng, 1000, 1000).Transpose(0, 1), randT(rng, 1000, 1000)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			n := tensor.BroadcastShapes("Add", c.x.Shape(), c.y.Shape())
			elems := 1
			for _, d := range n {
				elems *= d
			}
			b.SetBytes(int64(24 * elems))
			b.ReportAllocs()
			for b.Loop() {
				sink = c.x.Add(c.y)
			}
		})
	}
}

// BenchmarkSumDims measures reducing a [1000 1000] matrix over each
// dimension; SetBytes counts the 8 bytes of each element read.
func BenchmarkSumDims(b *testing.B) {
	x := randT(newRNG(2), 1000, 1000)
	for _, c := range []struct {
		name string
		dim  int
	}{{"dim=0", 0}, {"dim=1", 1}} {
		b.Run("shape=1000x1000/"+c.name, func(b *testing.B) {
			b.SetBytes(8 * 1000 * 1000)
			b.ReportAllocs()
			for b.Loop() {
				sink = x.SumDims(false, c.dim)
			}
		})
	}
}
