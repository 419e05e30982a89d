package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/device"
	"gonum.org/v1/gonum/floats"
	"gorgonia.org/vecf64"
)

// Benchmarks name the implementation and size the way benchstat groups
// them: BenchmarkAdd/impl=avx512/n=1024. The level implementations go
// through the exported kernel (argument checks included) after SetLevel.
// Bytes per op count the arrays touched: 3 for Add and Axpy (2 read, 1
// written), 2 for copy and Dot, 1 for Sum.

// benchBufs holds three slices of each size, allocated once and shared by
// every benchmark.
var benchBufs = map[int][3][]float64{}

func bufs(n int) (dst, x, y []float64) {
	b, ok := benchBufs[n]
	if !ok {
		r := rand.New(rand.NewPCG(uint64(n), 11))
		for i := range b {
			b[i] = make([]float64, n)
			for j := range b[i] {
				b[i][j] = r.Float64() + 0.5
			}
		}
		benchBufs[n] = b
	}
	return b[0], b[1], b[2]
}

func benchSizes(big bool) []int {
	ns := []int{1 << 10, 16 << 10, 1 << 20}
	if big && !testing.Short() {
		ns = append(ns, 16<<20)
	}
	return ns
}

// levelImpls are the levels this build and CPU run.
func levelImpls() []device.Level { return device.Available() }

func withLevel(b *testing.B, l device.Level, run func()) {
	old, err := SetLevel(l)
	if err != nil {
		b.Fatal(err)
	}
	defer SetLevel(old)
	run()
}

//go:noinline
func naiveAdd(dst, x, y []float64) {
	for i := range dst {
		dst[i] = x[i] + y[i]
	}
}

func BenchmarkAdd(b *testing.B) {
	type impl struct {
		name  string
		bytes int // arrays counted
		run   func(b *testing.B, dst, x, y []float64)
	}
	var impls []impl
	for _, l := range levelImpls() {
		impls = append(impls, impl{l.String(), 3, func(b *testing.B, dst, x, y []float64) {
			withLevel(b, l, func() {
				for b.Loop() {
					Add(dst, x, y)
				}
			})
		}})
	}
	impls = append(impls,
		impl{"naive", 3, func(b *testing.B, dst, x, y []float64) {
			for b.Loop() {
				naiveAdd(dst, x, y)
			}
		}},
		impl{"gonum", 3, func(b *testing.B, dst, x, y []float64) {
			for b.Loop() {
				floats.AddTo(dst, x, y)
			}
		}},
		// vecf64.Add is in place, a[i] += b[i]: dst starts as a copy of x.
		// Without the avx or sse build tag it is plain Go.
		impl{"vecf64", 3, func(b *testing.B, dst, x, y []float64) {
			copy(dst, x)
			for b.Loop() {
				vecf64.Add(dst, y)
			}
		}},
		impl{"copy", 2, func(b *testing.B, dst, x, _ []float64) {
			for b.Loop() {
				copy(dst, x)
			}
		}},
	)
	for _, im := range impls {
		b.Run("impl="+im.name, func(b *testing.B) {
			for _, n := range benchSizes(true) {
				b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
					dst, x, y := bufs(n)
					b.SetBytes(int64(im.bytes * 8 * n))
					im.run(b, dst, x, y)
				})
			}
		})
	}
}

// sink keeps reductions from being optimised away.
var sink float64

func benchReduce(b *testing.B, arrays int, level func(x, y []float64) float64, naive func(x, y []float64) float64) {
	run := func(b *testing.B, f func(x, y []float64) float64) {
		for _, n := range []int{1 << 10, 1 << 20} {
			b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
				_, x, y := bufs(n)
				b.SetBytes(int64(arrays * 8 * n))
				var s float64
				for b.Loop() {
					s += f(x, y)
				}
				sink = s
			})
		}
	}
	for _, l := range levelImpls() {
		b.Run("impl="+l.String(), func(b *testing.B) { withLevel(b, l, func() { run(b, level) }) })
	}
	b.Run("impl=naive", func(b *testing.B) { run(b, naive) })
}

func BenchmarkSum(b *testing.B) {
	benchReduce(b, 1, func(x, _ []float64) float64 { return Sum(x) }, func(x, _ []float64) float64 {
		var s float64
		for _, v := range x {
			s += v
		}
		return s
	})
}

func BenchmarkDot(b *testing.B) {
	benchReduce(b, 2, func(x, y []float64) float64 { return Dot(x, y) }, func(x, y []float64) float64 {
		var s float64
		for i, v := range x {
			s += v * y[i]
		}
		return s
	})
}

func BenchmarkAxpy(b *testing.B) {
	// y += a*x with a = 0 leaves y's values as they are across iterations
	// (the kernels still multiply and add every element).
	run := func(b *testing.B, f func(a float64, x, y []float64)) {
		for _, n := range []int{1 << 10, 1 << 20} {
			b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
				y, x, _ := bufs(n)
				b.SetBytes(int64(3 * 8 * n))
				for b.Loop() {
					f(0, x, y)
				}
			})
		}
	}
	for _, l := range levelImpls() {
		b.Run("impl="+l.String(), func(b *testing.B) { withLevel(b, l, func() { run(b, Axpy) }) })
	}
	b.Run("impl=naive", func(b *testing.B) {
		run(b, func(a float64, x, y []float64) {
			for i, v := range x {
				y[i] += a * v
			}
		})
	})
}
