package tensor_test

import (
	"testing"

	"github.com/adjoint-go/adjoint/tensor"
)

var sinkData []float64

// The shape benchmarks count 16 bytes per result element in SetBytes (one
// element read, one written), and each has a sibling impl=loop: the same
// copy written as plain Go over flat slices, with the same allocation, so
// that the ratio shows what the tensor layer costs.

// BenchmarkCat joins 8 tensors of [64 128].
func BenchmarkCat(b *testing.B) {
	rng := newRNG(21)
	ts := make([]*tensor.Tensor, 8)
	raw := make([][]float64, 8)
	for i := range ts {
		ts[i] = randT(rng, 64, 128)
		raw[i] = ts[i].Data()
	}
	const n = 8 * 64 * 128
	for _, dim := range []int{0, 1} {
		name := []string{"dim=0", "dim=1"}[dim]
		b.Run("impl=tensor/shape=8x64x128/"+name, func(b *testing.B) {
			b.SetBytes(16 * n)
			b.ReportAllocs()
			for b.Loop() {
				sink = tensor.Cat(ts, dim)
			}
		})
	}
	b.Run("impl=loop/shape=8x64x128/dim=0", func(b *testing.B) {
		b.SetBytes(16 * n)
		b.ReportAllocs()
		for b.Loop() {
			out := make([]float64, n)
			for i, r := range raw {
				copy(out[i*len(r):], r)
			}
			sinkData = out
		}
	})
	b.Run("impl=loop/shape=8x64x128/dim=1", func(b *testing.B) {
		b.SetBytes(16 * n)
		b.ReportAllocs()
		for b.Loop() {
			out := make([]float64, n)
			for o := 0; o < 64; o++ {
				for i, r := range raw {
					copy(out[o*8*128+i*128:o*8*128+(i+1)*128], r[o*128:(o+1)*128])
				}
			}
			sinkData = out
		}
	})
}

// BenchmarkIndexSelect is an embedding lookup: 64 rows of a [10000 128]
// table.
func BenchmarkIndexSelect(b *testing.B) {
	rng := newRNG(22)
	table := randT(rng, 10000, 128)
	ids := make([]float64, 64)
	for i := range ids {
		ids[i] = float64(rng.IntN(10000))
	}
	index := tensor.New(ids, 64)
	const n = 64 * 128
	b.Run("impl=tensor/shape=10000x128/rows=64", func(b *testing.B) {
		b.SetBytes(16 * n)
		b.ReportAllocs()
		for b.Loop() {
			sink = table.IndexSelect(0, index)
		}
	})
	b.Run("impl=loop/shape=10000x128/rows=64", func(b *testing.B) {
		src := table.Raw()
		b.SetBytes(16 * n)
		b.ReportAllocs()
		for b.Loop() {
			out := make([]float64, n)
			for j, v := range ids {
				k := int(v)
				copy(out[j*128:(j+1)*128], src[k*128:(k+1)*128])
			}
			sinkData = out
		}
	})
}

// BenchmarkGather picks along dimension 1 of a [64 10] matrix of
// log-probabilities: with a [64 10] index as the issue sets it, and with
// the [64 1] index of a cross-entropy's target pick.
func BenchmarkGather(b *testing.B) {
	rng := newRNG(23)
	logp := randT(rng, 64, 10)
	for _, cols := range []int{10, 1} {
		ids := make([]float64, 64*cols)
		for i := range ids {
			ids[i] = float64(rng.IntN(10))
		}
		index := tensor.New(ids, 64, cols)
		name := map[int]string{10: "index=64x10", 1: "index=64x1"}[cols]
		b.Run("impl=tensor/shape=64x10/"+name, func(b *testing.B) {
			b.SetBytes(int64(16 * len(ids)))
			b.ReportAllocs()
			for b.Loop() {
				sink = logp.Gather(1, index)
			}
		})
		b.Run("impl=loop/shape=64x10/"+name, func(b *testing.B) {
			src := logp.Raw()
			b.SetBytes(int64(16 * len(ids)))
			b.ReportAllocs()
			for b.Loop() {
				out := make([]float64, len(ids))
				for i := 0; i < 64; i++ {
					for j := 0; j < cols; j++ {
						v := ids[i*cols+j]
						k := int(v)
						if float64(k) != v || k < 0 || k >= 10 {
							panic("bad index")
						}
						out[i*cols+j] = src[i*10+k]
					}
				}
				sinkData = out
			}
		})
	}
}
