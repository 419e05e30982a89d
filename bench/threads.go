package main

import "fmt"

// The model suites (mlp, cnn, seq) time each workload on one thread and on
// all of them in one window: the thread counts are contenders of one row,
// taking turns run by run like the implementations of any other row (see
// interleave), so that the speed-up of all threads over one, which their
// tables show, is the ratio of two medians taken under the same load from
// other processes. A machine whose second core is busy shows it as a
// speed-up below 1, not as a slow row next to a fast one measured at a
// quieter moment. Each model first runs untimed until its heap has
// stopped growing (see settle), and each run starts with the operation
// run untimed for a moment (see threadsWarmAround).

// measureThreads measures ops[i] on threads[i] threads (GOMAXPROCS), all
// in one window, with PyTorch's side t (nil: none) taking its turn right
// after the thread count torchP. Each op is one operation (a training
// step, a forward pass); give every thread count its own op, with its own
// fresh model where the op changes one, so that every count times the
// same steps. It returns the time per operation of each timed run for
// each thread count, in the order of threads, and PyTorch's when it took
// part (see measureRow for what happens when it fails).
func (b *bench) measureThreads(threads []int, ops []func(), torchP int, t *torchSide) (ours [][]float64, theirs []float64, err error) {
	if len(ops) != len(threads) {
		return nil, nil, fmt.Errorf("measureThreads: %d ops for %d thread counts", len(ops), len(threads))
	}
	cs := make([]contender, len(threads))
	pair := 0
	for i, p := range threads {
		op := ops[i]
		settle(p, b.cfg.timing, op, minorFaults, gcCycles)
		cs[i] = newGoSide(fmt.Sprintf("adjoint threads=%d", p), b.cfg.timing, threadsWarmAround(p, b.cfg.timing, op), func(k int) {
			for range k {
				op()
			}
		})
		if p == torchP {
			pair = i
		}
	}
	s, torch, err := b.measureRow(cs, t, pair)
	if err != nil {
		return nil, nil, err
	}
	ours = make([][]float64, len(s))
	for i := range s {
		ours[i] = s[i][0]
	}
	if torch != nil {
		theirs = torch[0]
	}
	return ours, theirs, nil
}

// speedUp returns how many times faster r ran than the one-thread row of
// the same workload in rs (same suite, name, implementation, size and
// shape): that row's median time over r's, written "1.85×". It is "" for
// a one-thread row and where rs has no one-thread row of r's workload.
// The model suites measure both rows in one window (measureThreads); the
// tables show the figure in their "speed-up" column.
func speedUp(rs []Result, r Result) string {
	if r.Threads <= 1 || !(r.NsPerOp > 0) {
		return ""
	}
	for _, o := range rs {
		if o.Threads == 1 && o.Suite == r.Suite && o.Name == r.Name && o.Impl == r.Impl &&
			o.Size == r.Size && o.Shape == r.Shape && o.NsPerOp > 0 {
			return fmt.Sprintf("%.2f×", o.NsPerOp/r.NsPerOp)
		}
	}
	return ""
}

// speedUpNote is the line the model suites' tables explain the column
// with.
const speedUpNote = "speed-up: the one-thread row's time over this row's, both medians of one window (the thread counts take turns run by run)"

// allocCells returns the allocations and KiB per operation of r as the
// model suites' tables show them, "" where r has none.
func allocCells(r Result) (allocs, kib string) {
	if r.AllocsPerOp != nil {
		allocs = fmt.Sprintf("%.0f", *r.AllocsPerOp)
	}
	if r.BytesPerOp != nil {
		kib = fmt.Sprintf("%.0f", *r.BytesPerOp/1024)
	}
	return allocs, kib
}
