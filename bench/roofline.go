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
		name:  "roofline",
		order: 0,
		about: "memory bandwidth (copy, triad; GB/s) by size and peak FMA throughput (GFLOP/s), one core and all",
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

// roofline is what the machine can do, measured: the ceilings the other
// suites' figures are shown against.
type roofline struct {
	copyBW, triadBW map[int]float64 // GB/s on one thread, by elements per array
	peak            map[int]float64 // GFLOP/s of the best FMA loop, by threads
	peakLevel       device.Level
	rows            []Result
}

// bandwidth returns the better of copy and triad at n elements per array,
// or 0 if n was not measured.
func (r *roofline) bandwidth(n int) float64 { return max(r.copyBW[n], r.triadBW[n]) }

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
	r := &roofline{copyBW: map[int]float64{}, triadBW: map[int]float64{}, peak: map[int]float64{}}
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
			// The closures are made once: made in the loop, they would be
			// allocated on every call (split lets them escape).
			copyPart := func(lo, hi int) { copy(x[lo:hi], y[lo:hi]) }
			res.setStats(t.measure(func(k int) {
				for range k {
					split(n, p, copyPart)
				}
			}))
			res = res.withBytes(float64(2 * 8 * n))
			r.rows = append(r.rows, res)
			if p == 1 {
				r.copyBW[n] = res.GBps
			}

			b.progress.set("roofline: triad n=%s threads=%d", fmtSize(n), p)
			res = Result{Suite: "roofline", Name: "triad", Impl: best.String(), Size: n, Threads: p}
			triadPart := func(lo, hi int) { kernels.Triad(best, x[lo:hi], y[lo:hi], z[lo:hi], 0.5) }
			res.setStats(t.measure(func(k int) {
				for range k {
					split(n, p, triadPart)
				}
			}))
			res = res.withBytes(float64(3 * 8 * n))
			r.rows = append(r.rows, res)
			if p == 1 {
				r.triadBW[n] = res.GBps
			}
		}
	}

	threads := []int{1}
	if b.threads > 1 {
		threads = append(threads, b.threads)
	}
	found := false
	for _, l := range device.Available() {
		perIter, err := kernels.FMAPeak(l, 1)
		if err != nil {
			continue // no FMA loop at this level (generic)
		}
		for _, p := range threads {
			b.progress.set("roofline: fma %s threads=%d", l, p)
			const chunk = 1024 // loop iterations per thread per operation
			res := Result{Suite: "roofline", Name: "fma", Impl: l.String(), Threads: p,
				Note: fmt.Sprintf("one op: %d iterations of 12 independent VFMADD231PD on each thread", chunk)}
			res.setStats(t.measure(func(k int) {
				split(p, p, func(int, int) { kernels.FMAPeak(l, k*chunk) })
			}))
			res = res.withFlops(float64(p * chunk * perIter))
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
