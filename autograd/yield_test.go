package autograd

import (
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"testing"
)

// On one thread, every yieldPasses-th backward pass yields the processor,
// so that the collector's mark worker (and any other goroutine) runs
// between small graphs: a goroutine started before a run of seed graphs
// has run by its end, though the loop never blocks.
func TestBackwardYieldsOnOneThread(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	// No collection: an assist could park the loop and let the goroutine
	// run without any yield.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	x := Scalar(0.5).SetRequiresGrad(true)
	y := Scalar(2).SetRequiresGrad(true)
	var ran atomic.Bool
	go ran.Store(true)
	for range yieldPasses {
		x.Mul(x).Add(x.Mul(y)).Backward()
		if ran.Load() {
			return
		}
	}
	t.Fatalf("a goroutine started before %d seed graphs' backward passes on one thread had not run after them", yieldPasses)
}

// A pass of yieldNodes nodes or more yields on its own.
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
	z.Backward()
	if !ran.Load() {
		t.Fatalf("a goroutine started before the backward pass of a chain of %d products on one thread had not run after it", yieldNodes)
	}
}
