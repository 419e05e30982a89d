package main

import (
	"math/rand/v2"
	"runtime"
)

// buffers holds the slices the bandwidth measurements work on: three
// arrays of the largest size, filled once with values in [0.5, 1.5) from a
// fixed seed, that every size takes a prefix of, and an array of ones for
// the in-place products that would otherwise underflow as they repeat.
type buffers struct {
	a, b, c, ones []float64
}

func (bs *buffers) grow(n int) {
	if len(bs.a) >= n {
		return
	}
	r := rand.New(rand.NewPCG(uint64(n), 11))
	fill := func() []float64 {
		s := make([]float64, n)
		for i := range s {
			s[i] = r.Float64() + 0.5
		}
		return s
	}
	bs.a, bs.b, bs.c, bs.ones = fill(), fill(), fill(), nil
}

// three returns three distinct slices of n elements.
func (bs *buffers) three(n int) (x, y, z []float64) {
	bs.grow(n)
	return bs.a[:n], bs.b[:n], bs.c[:n]
}

// onesOf returns a slice of n ones.
func (bs *buffers) onesOf(n int) []float64 {
	bs.grow(n)
	if bs.ones == nil {
		bs.ones = make([]float64, len(bs.a))
		for i := range bs.ones {
			bs.ones[i] = 1
		}
	}
	return bs.ones[:n]
}

// dropBuffers lets the bandwidth arrays go, at the largest size 512 MB,
// before a suite that does not use them. Left live, they held the garbage
// collector's heap goal at about 1 GB, so that the later suites'
// allocations landed on memory that no cache held: the scalar graph's
// forward pass took 710 ns an operation after the kernels suite against
// 61 ns alone (a full run's autograd rows were several times too slow),
// a measurement of the bench's own heap, not of the library.
func (b *bench) dropBuffers() {
	if b.bufs.a == nil {
		return
	}
	b.bufs = buffers{}
	runtime.GC()
}

// bandwidthNext reports whether the suite after suites[i] works on the
// bandwidth arrays, which are then kept for it.
func bandwidthNext(suites []string, i int) bool {
	return i+1 < len(suites) && lookup(suites[i+1]).bandwidth
}
