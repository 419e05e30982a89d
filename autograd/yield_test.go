package autograd

import (
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"testing"
)

// yieldTries is the yields the tests below allow before a goroutine
// waiting for the processor must have run. One is not always enough: at
// every 61st scheduling the scheduler takes its next goroutine from the
// global queue, where runtime.Gosched has just put the yielding one. With
// one yield allowed, the two tests failed 81 times in 3,000 runs of each
// on the 2-vCPU KVM guest (and once in CI); with four, in none. Without
// yields the goroutine runs only when the loop is preempted, every 10 ms,
// far longer than these loops take, and both tests fail.
const yieldTries = 4

// On one thread, every yieldPasses-th backward pass yields the processor,
// so that the collector's mark worker (and any other goroutine) runs
// between small graphs: a goroutine started before a run of seed graphs
// has run within a few runs of yieldPasses passes, though the loop never
// blocks.
func TestBackwardYieldsOnOneThread(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	// No collection: an assist could park the loop and let the goroutine
	// run without any yield.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	x := Scalar(0.5).SetRequiresGrad(true)
	y := Scalar(2).SetRequiresGrad(true)
	var ran atomic.Bool
	go ran.Store(true)
	for range yieldTries * yieldPasses {
		x.Mul(x).Add(x.Mul(y)).Backward()
		if ran.Load() {
			return
		}
	}
	t.Fatalf("a goroutine started before %d seed graphs' backward passes on one thread had not run after them", yieldTries*yieldPasses)
}

// A pass of yieldNodes nodes or more yields on its own: a goroutine started
// before a few such passes has run after them.
func TestLongBackwardPassYieldsOnOneThread(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	x := Scalar(0.5).SetRequiresGrad(true)
	z := x
	for range yieldNodes {
		z = z.Mul(x)
	}
	var ran atomic.Bool
	go ran.Store(true)
	for range yieldTries {
		z.Backward(RetainGraph)
		if ran.Load() {
			return
		}
	}
	t.Fatalf("a goroutine started before %d backward passes of a chain of %d products on one thread had not run after them", yieldTries, yieldNodes)
}
