package kernels

import (
	"runtime"
	"sync/atomic"
)

// Grain is the number of elements below which an elementwise operation runs
// on one goroutine: splitting smaller work costs more in fork and join
// (about 1 µs here) than it saves. PyTorch uses the same figure.
const Grain = 32768

// ReduceChunk is the fixed block size of parallel reductions. A reduction
// sums each block of ReduceChunk elements on its own and then adds the
// block sums in order, so its result depends only on the data, never on how
// many goroutines ran it.
const ReduceChunk = 16384

// Parallel calls fn(lo, hi) on contiguous chunks that cover [0, n), each
// at least grain long (a single call fn(0, n) when n <= grain), and returns
// when every call has returned. There are up to parallelChunks chunks for
// each of the GOMAXPROCS goroutines, which claim them one at a time, the
// calling goroutine among them (see ForEach): a goroutine that the
// scheduler holds back, because another process holds its core, delays
// the end by one chunk, not by a fixed share of the work. fn must write
// disjoint outputs for disjoint ranges.
func Parallel(n, grain int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	workers := runtime.GOMAXPROCS(0)
	if grain < 1 {
		grain = 1
	}
	chunks := min(workers*parallelChunks, (n+grain-1)/grain)
	if workers <= 1 || chunks <= 1 || !helpersFree() || !splitting() {
		fn(0, n)
		return
	}
	size := (n + chunks - 1) / chunks
	chunks = (n + size - 1) / size
	forEach(chunks, func(c int) { fn(c*size, min(n, (c+1)*size)) }, false)
}

// ParallelParts calls fn(lo, hi) on one contiguous part of [0, n) for each
// of up to GOMAXPROCS goroutines (fewer when a part would be shorter than
// grain; a single call fn(0, n) when n <= grain) and returns when every
// call has returned. Each goroutine takes first the part numbered like the
// CPU it runs on, so that work on data which an earlier split of the same
// shape wrote (a gradient, then the optimizer's update of it) runs on the
// core whose cache holds that data: moving it between cores cost more
// than the split saved on the project's KVM guests. For the same reason
// the parts are not cut into chunks that a goroutine done early could
// take from another's part, as the in-place products' are (see
// gemmParallel): measured on the 2-vCPU KVM guest with its vCPUs far
// apart, an MNIST MLP's SGD step (SGD with momentum on 784-128-10) took
// 35-40 µs on two threads with each part cut into four such chunks,
// against 26-27 µs with whole parts: a stolen chunk's parameters,
// gradients and momenta move to the other core and back. The caller
// computes the parts no helper has claimed and waits only for those that
// helpers have. fn must write disjoint outputs for disjoint ranges.
func ParallelParts(n, grain int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	parts := partsFor(n, grain)
	if parts <= 1 || !helpersFree() || !splitting() {
		fn(0, n)
		return
	}
	j := &partsJob{n: n, fn: fn}
	j.claims.init(parts, 1)
	offered := offer(j, &j.slot, parts-1, false)
	start := teamNow()
	j.work(j.claims.home(true))
	withdraw(&j.slot, offered)
	j.claims.join(start)
}

// partsFor is the number of parts ParallelParts cuts [0, n) into on an
// idle machine.
func partsFor(n, grain int) int { return min(runtime.GOMAXPROCS(0), n/max(grain, 1), 64) }

// willSplit reports whether ParallelParts(n, grain, fn) would split now,
// for callers that can skip making fn (a closure, an allocation) when it
// would not. The answer can change before the call (a helper taken, the
// machine busier), which costs only that allocation.
func willSplit(n, grain int) bool { return partsFor(n, grain) > 1 && helpersFree() && splitting() }

// partsJob is one ParallelParts: its parts, claimed and finished.
type partsJob struct {
	slot   teamSlot
	n      int
	fn     func(lo, hi int)
	claims splitClaims
}

// help is work, for helpers.
func (j *partsJob) help(*worker) { j.work(j.claims.home(false)) }

// work claims and runs parts, part h first, until none is left.
func (j *partsJob) work(h int) {
	parts := len(j.claims.runs)
	for p := j.claims.claim(h); p >= 0; p = j.claims.claim(h) {
		hi := j.n
		if p+1 < parts {
			hi = j.n * (p + 1) / parts &^ 7 // whole cache lines
		}
		j.fn(j.n*p/parts&^7, hi)
		j.claims.finish(p)
	}
}

// parallelChunks is the chunks Parallel cuts for each goroutine: enough
// that a held-back goroutine's share is small, few enough that claiming
// costs nothing next to a chunk of at least Grain elements.
const parallelChunks = 4

// Reduce returns combine applied in order to f over the fixed blocks
// [0, ReduceChunk), [ReduceChunk, 2·ReduceChunk), ... of [0, n), computing
// the blocks in parallel when there are several. With n <= ReduceChunk it is
// f(0, n). The result does not depend on GOMAXPROCS.
func Reduce(n int, f func(lo, hi int) float64, combine func(acc, v float64) float64) float64 {
	if n <= ReduceChunk {
		return f(0, n)
	}
	blocks := (n + ReduceChunk - 1) / ReduceChunk
	part := make([]float64, blocks)
	Parallel(blocks, max(1, Grain/ReduceChunk), func(lo, hi int) {
		for b := lo; b < hi; b++ {
			part[b] = f(b*ReduceChunk, min(n, (b+1)*ReduceChunk))
		}
	})
	acc := part[0]
	for _, v := range part[1:] {
		acc = combine(acc, v)
	}
	return acc
}

// ForEach calls fn(i) once for every i in [0, n) and returns when every
// call has returned. The calling goroutine and up to GOMAXPROCS-1 others
// each claim the next i that nobody has claimed until none is left, so a
// goroutine that the scheduler holds back (another process holding the
// core) delays the end by at most the one call it claimed: the others take
// the rest. The others are the package's helper goroutines, which stay
// awake for a while after each piece of work so that the next split finds
// them running (or, when they are busy with another goroutine's work,
// goroutines of their own). The caller waits only for calls that have been
// claimed, never for a goroutine to start: one that starts after the work
// is gone (waking an idle vCPU took from tens of microseconds to a
// millisecond on the project's KVM guests) finds nothing and goes back.
// Which goroutine runs which i varies from run to run, so fn must write
// disjoint outputs for different i and its effect must depend on i alone;
// then the results do not depend on GOMAXPROCS.
//
// While other processes keep the machine's cores busy, or a wait for a
// held-back goroutine has paused splitting (see team.go), the caller makes
// every call itself, in order: a goroutine sharing its core with another
// process holds the call it claimed for up to a scheduler time slice.
// Measured on the 2-vCPU KVM guest with another process holding one vCPU
// (8 runs of the bench's cnn suite), while ForEach split regardless,
// LeNet-5's training step (whose convolutions claim chunks of images this
// way) ran at 0.92-0.97 times its one-thread speed on two threads, and a
// 3×3 convolution's forward pass at 0.72-0.97; with the guard, 0.97-1.02
// and 0.95-1.01.
func ForEach(n int, fn func(i int)) {
	if !coresFree(teamNow()) {
		for i := range n {
			fn(i)
		}
		return
	}
	forEach(n, fn, true)
}

// forEach is ForEach; without spawn, when the helpers are busy with other
// work the caller makes every call itself (see offer).
func forEach(n int, fn func(i int), spawn bool) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	j := &forEachJob{n: int64(n), fn: fn}
	offered := offer(j, &j.slot, workers-1, spawn)
	start := teamNow()
	j.work()
	withdraw(&j.slot, offered)
	waitFor(start, func() bool { return j.done.Load() >= j.n })
}

// forEachJob is one ForEach: the next index to claim and the calls
// finished.
type forEachJob struct {
	slot       teamSlot
	n          int64
	fn         func(int)
	next, done atomic.Int64
}

// help is work, for helpers.
func (j *forEachJob) help(*worker) { j.work() }

// work claims and runs calls until none is left.
func (j *forEachJob) work() {
	for {
		i := j.next.Add(1) - 1
		if i >= j.n {
			return
		}
		j.fn(int(i))
		j.done.Add(1)
	}
}
