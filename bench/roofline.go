package main

import (
	"fmt"
	"slices"
	"sync"

	"github.com/adjoint-go/adjoint/device"
	"github.com/adjoint-go/adjoint/kernels"
)

func init() {
	register(&suite{
		name:      "roofline",
		bandwidth: true,
		order:     0,
		about:     "memory bandwidth (copy, triad; GB/s) by size and peak FMA throughput (GFLOP/s), one core and all",
		run: func(b *bench) error {
			r := b.roofline()
			for _, res := range r.rows {
				if err := b.emit(res); err != nil {
					return err
				}
			}
			return nil
		},
		table: roofTable,
	})
}

// roofline is what the machine can do, measured once: the roofline
// suite's table, and the reference lines of the plots. The percentages of
// the kernels and gemm tables do not divide by these figures: each row
// measures its own ceiling (copy and triad at its size, or the FMA loop on
// its threads) in alternation with its runs, so that a ceiling measured
// while the machine was quieter or busier cannot push them past 100%.
type roofline struct {
	peak      map[int]float64 // GFLOP/s of the best FMA loop, by threads
	peakLevel device.Level
	rows      []Result
}

// roofSizes are the sizes the bandwidth is measured at: the kernels'
// sizes, and always one that does not fit in the caches.
func roofSizes(quick bool) []int {
	ns := kernelSizes(quick)
	if ns[len(ns)-1] < 16<<20 {
		ns = append(ns, 16<<20)
	}
	return ns
}

// roofline measures the roofline once; later calls return the same.
func (b *bench) roofline() *roofline {
	if b.roof != nil {
		return b.roof
	}
	r := &roofline{peak: map[int]float64{}}
	b.roof = r
	t := b.cfg.timing
	sizes := roofSizes(b.cfg.quick)
	ls := device.Available()
	best := ls[len(ls)-1]
	// Every size, here and in the kernels suite, takes a prefix of the
	// same page-aligned arrays, so they all see the same alignment.
	b.bufs.grow(slices.Max(sizes))
	big := sizes[len(sizes)-1]
	for _, n := range sizes {
		threads := []int{1}
		if n == big && b.threads > 1 {
			threads = append(threads, b.threads)
		}
		for _, p := range threads {
			x, y, z := b.bufs.three(n)
			b.progress.set("roofline: copy n=%s threads=%d", fmtSize(n), p)
			res := Result{Suite: "roofline", Name: "copy", Impl: "memmove", Size: n, Threads: p}
			cp := copyOp(x, y, p)
			withThreads(p, func() { res.setStats(t.measure(cp)) })
			res = res.withBytes(copyBytes(n))
			r.rows = append(r.rows, res)

			b.progress.set("roofline: triad n=%s threads=%d", fmtSize(n), p)
			res = Result{Suite: "roofline", Name: "triad", Impl: best.String(), Size: n, Threads: p}
			tr := triadOp(best, x, y, z, p)
			withThreads(p, func() { res.setStats(t.measure(tr)) })
			res = res.withBytes(triadBytes(n))
			r.rows = append(r.rows, res)
		}
	}

	found := false
	for _, l := range device.Available() {
		for _, p := range b.threadCounts() {
			op, flops, ok := fmaOp(l, p)
			if !ok {
				break // no FMA loop at this level (generic)
			}
			b.progress.set("roofline: fma %s threads=%d", l, p)
			res := Result{Suite: "roofline", Name: "fma", Impl: l.String(), Threads: p,
				Note: fmt.Sprintf("one op: %d iterations of 12 independent VFMADD231PD on each thread", fmaChunk)}
			withThreads(p, func() { res.setStats(t.measure(op)) })
			res = res.withFlops(flops)
			r.rows = append(r.rows, res)
			if res.GFlops > r.peak[p] {
				r.peak[p], r.peakLevel = res.GFlops, l
			}
			found = true
		}
	}
	if !found {
		r.rows = append(r.rows, Result{Suite: "roofline", Name: "fma", Impl: "none", Threads: 1,
			Note: "no assembly FMA loop in this build or on this CPU: no peak to compare with"})
	}
	return r
}

// copyOp returns the roofline's copy, x = y, on p goroutines: op(k)
// performs it k times.
func copyOp(x, y []float64, p int) func(k int) {
	// The closures are made once: made in the loop, they would be
	// allocated on every call (split lets them escape).
	part := func(lo, hi int) { copy(x[lo:hi], y[lo:hi]) }
	n := len(x)
	return func(k int) {
		for range k {
			split(n, p, part)
		}
	}
}

// copyBytes is what one copy of n elements moves: 2 arrays.
func copyBytes(n int) float64 { return float64(2 * 8 * n) }

// triadOp returns STREAM's triad, x = y + 0.5·z, with the kernels of level
// l on p goroutines: op(k) performs it k times.
func triadOp(l device.Level, x, y, z []float64, p int) func(k int) {
	part := func(lo, hi int) { kernels.Triad(l, x[lo:hi], y[lo:hi], z[lo:hi], 0.5) }
	n := len(x)
	return func(k int) {
		for range k {
			split(n, p, part)
		}
	}
}

// triadBytes is what one triad of n elements moves: 3 arrays.
func triadBytes(n int) float64 { return float64(3 * 8 * n) }

// fmaChunk is the FMA loop's iterations per thread in one operation.
const fmaChunk = 1024

// fmaOp returns the FMA peak loop of level l on p goroutines, op(k)
// performing k operations of fmaChunk iterations on each, and the
// floating-point operations of one operation; ok is false where level l
// has no such loop (generic).
func fmaOp(l device.Level, p int) (op func(k int), flops float64, ok bool) {
	perIter, err := kernels.FMAPeak(l, 1)
	if err != nil {
		return nil, 0, false
	}
	return func(k int) {
		split(p, p, func(int, int) { kernels.FMAPeak(l, k*fmaChunk) })
	}, float64(p * fmaChunk * perIter), true
}

// fmaLevel returns the level whose FMA loop a row's peak is measured with:
// the roofline's best if the roofline suite ran, else the widest level
// that has one; ok is false where none has.
func (b *bench) fmaLevel() (l device.Level, ok bool) {
	if b.roof != nil && b.roof.peak[1] > 0 {
		return b.roof.peakLevel, true
	}
	ls := device.Available()
	for i := len(ls) - 1; i >= 0; i-- {
		if _, _, ok := fmaOp(ls[i], 1); ok {
			return ls[i], true
		}
	}
	return device.Generic, false
}

// split runs f on p contiguous parts of [0, n), each on its own goroutine
// (the first on the caller's), and waits for them.
func split(n, p int, f func(lo, hi int)) {
	if p <= 1 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	size := (n + p - 1) / p
	for lo := size; lo < n; lo += size {
		hi := min(n, lo+size)
		wg.Go(func() { f(lo, hi) })
	}
	f(0, min(n, size))
	wg.Wait()
}

func roofTable(b *bench, rs []Result) *table {
	t := &table{
		title: "roofline: what this machine can do",
		notes: []string{
			"copy: Go's copy (runtime memmove), 2 arrays counted; triad: kernels.Triad, a[i] = b[i] + s·c[i] (one FMA) at the widest level, 3 arrays counted",
			"fma: 12 independent VFMADD231PD chains, no memory traffic; threads = goroutines, each on its own core",
		},
		head: []string{"name", "impl", "size", "threads", "time/op", "±", "GB/s", "GFLOP/s"},
		left: 2,
	}
	last := ""
	for _, r := range rs {
		if last != "" && (r.Name == "fma") != (last == "fma") {
			t.sep()
		}
		last = r.Name
		size := fmtSize(r.Size)
		if r.Name == "fma" {
			size = ""
		}
		if r.Runs == 0 {
			t.notes = append(t.notes, r.Name+": "+r.Note)
			continue
		}
		t.add(r.Name, r.Impl, size, fmt.Sprint(r.Threads), fmtTime(r.NsPerOp), fmtSpread(r.stats()), fmtNum(r.GBps), fmtNum(r.GFlops))
	}
	return t
}
