package main

import (
	"runtime/metrics"
	"time"
)

// A model's first steps in a process grow the Go heap, and each page the
// heap touches for the first time costs a page fault. Measured on the
// project's 2-vCPU KVM guest, the MNIST MLP's training step (784-128-10,
// batch 64) took 5-6 faults a step over its first few hundred steps: in
// rounds of 60 steps that faulted, 328-392 µs on one thread against 319
// µs once the heap had stopped growing (vCPUs near; about 7 µs a fault),
// and 246-305 µs on two threads against 235-237 µs in another run (vCPUs
// far). The bench timed the model suites' rows
// in that first second: with the vCPUs far apart, its speed-up of two
// threads over one for that step read 1.25-1.43× in six runs (median
// 1.29×), while a training loop past its first second ran 1.42-1.48× as
// fast on two. With each model run until its heap settled, six runs
// alternated with those read 1.25-1.47× (median 1.45×).
//
// So each model runs untimed until its heap has stopped growing before its
// rows are timed (settle). The heap grows in bursts: each garbage
// collection cycle reuses the pages of the last one and touches new pages
// only past its peak, so a stretch of steps without faults says little,
// and a whole cycle without many says the heap has settled.

const (
	// settleStretchMin and settleStretchMax bound a stretch of untimed
	// operations between two looks at the collector: half a run length
	// where that lies between them.
	settleStretchMin = time.Millisecond
	settleStretchMax = 10 * time.Millisecond
	// settleFaultOps is the operations per page fault, over a whole
	// garbage collection cycle, from which the heap counts as settled: a
	// settled heap still takes a few now and then (a stack grown, a span
	// of a rare size class; 16 in 840 steps of the MLP above).
	settleFaultOps = 16
	// settleRuns and settleMax bound settle's time, so that a model whose
	// heap keeps growing, or whose collections are rare (a wide model's
	// step allocates little for its time), costs at most 25 run lengths
	// (500 ms with the default 20 ms runs, 50 ms with -quick's) and never
	// more than a second.
	settleRuns = 25
	settleMax  = time.Second
)

// settle runs op on p threads (GOMAXPROCS), untimed, in stretches (see
// settleStretchMin; one op at least) until a whole garbage collection
// cycle ran at least settleFaultOps ops per page fault of this process,
// or for its time bound (see settleRuns; a stretch begun goes on to its
// end), and returns the stretches run. faults reads the process's page
// faults so far and reports whether it can (minorFaults), and cycles the
// collection cycles completed so far (gcCycles); tests pass stand-ins.
// Where faults cannot be read, settle runs 10 stretches.
func settle(p int, t timing, op func(), faults func() (int64, bool), cycles func() uint64) (stretches int) {
	stretch, limit := settleBounds(t)
	withThreads(p, func() {
		// Once a cycle ends (armed), the cycle count, the faults so far
		// and the ops since then: the next cycle's end judges that cycle.
		cycle := cycles()
		var fault0, ops int64
		armed := false
		for begin := time.Now(); time.Since(begin) < limit; {
			for start := time.Now(); ; {
				op()
				ops++
				if time.Since(start) >= stretch {
					break
				}
			}
			stretches++
			f, ok := faults()
			if !ok {
				if stretches >= 10 {
					return
				}
				continue
			}
			if c := cycles(); c != cycle {
				if armed && (f-fault0)*settleFaultOps <= ops {
					return
				}
				cycle, fault0, ops, armed = c, f, 0, true
			}
		}
	})
	return stretches
}

// settleBounds returns the length of settle's stretches and its time bound
// for runs of t.
func settleBounds(t timing) (stretch, limit time.Duration) {
	return min(max(t.target/2, settleStretchMin), settleStretchMax),
		min(settleRuns*max(t.target, settleStretchMin), settleMax)
}

// gcCycles returns the garbage collection cycles completed so far.
func gcCycles() uint64 {
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
