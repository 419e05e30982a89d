package main

import (
	"runtime"
	"testing"
	"time"
)

// settleOp returns an op whose every fifth call ends a garbage collection
// cycle (as cycles counts them), and a fault counter that adds perCall
// faults for each of the first faulting calls of op and none after
// (faulting < 0: every call).
func settleOp(faulting int, perCall int64) (op func(), faults func() (int64, bool), cycles func() uint64, calls *int) {
	var n int
	var f int64
	op = func() {
		n++
		if faulting < 0 || n <= faulting {
			f += perCall
		}
		for t := time.Now(); time.Since(t) < 50*time.Microsecond; {
		}
	}
	return op, func() (int64, bool) { return f, true }, func() uint64 { return uint64(n / 5) }, &n
}

// settleTiming makes settle's stretches settleStretchMin long.
var settleTiming = timing{runs: 1, target: time.Microsecond}

func TestSettleWaitsForACycleWithoutFaults(t *testing.T) {
	op, faults, cycles, calls := settleOp(60, 10)
	n := settle(1, settleTiming, op, faults, cycles)
	if *calls <= 60 {
		t.Errorf("settled after %d calls, while calls 1-60 still faulted", *calls)
	}
	if n >= settleRuns {
		t.Errorf("ran %d stretches, all the time allowed: the heap settled after call 60", n)
	}
}

func TestSettleStopsAtItsBound(t *testing.T) {
	limit := settleRuns * settleStretchMin
	for _, c := range []struct {
		name      string
		perCall   int64
		noCycles  bool
		wantLimit bool
	}{
		{"a heap that never settles", 1, false, true},
		{"no collection", 0, true, true}, // no cycle to judge
		{"no faults", 0, false, false},   // settled once a whole cycle has run
	} {
		op, faults, cycles, calls := settleOp(-1, c.perCall)
		if c.noCycles {
			cycles = func() uint64 { return 7 }
		}
		start := time.Now()
		n := settle(1, settleTiming, op, faults, cycles)
		took := time.Since(start)
		if c.wantLimit && took < limit || !c.wantLimit && (took >= limit || *calls < 10) {
			t.Errorf("%s: %d stretches, %d calls in %v (the limit %v)", c.name, n, *calls, took, limit)
		}
	}
}

func TestSettleBounds(t *testing.T) {
	for _, c := range []struct{ target, stretch, limit time.Duration }{
		{20 * time.Millisecond, 10 * time.Millisecond, 500 * time.Millisecond}, // the default runs
		{2 * time.Millisecond, time.Millisecond, 50 * time.Millisecond},        // -quick
		{time.Microsecond, time.Millisecond, 25 * time.Millisecond},
		{10 * time.Second, 10 * time.Millisecond, time.Second}, // -runtime 10s
	} {
		if s, l := settleBounds(timing{runs: 1, target: c.target}); s != c.stretch || l != c.limit {
			t.Errorf("runs of %v: stretches of %v, bound %v; want %v, %v", c.target, s, l, c.stretch, c.limit)
		}
	}
}

func TestSettleWithoutAFaultCount(t *testing.T) {
	calls := 0
	n := settle(1, settleTiming, func() { calls++ }, func() (int64, bool) { return 0, false }, gcCycles)
	if n != 10 || calls < 10 {
		t.Errorf("no fault count: %d stretches, %d calls; want 10 stretches", n, calls)
	}
}

func TestSettleSetsThreads(t *testing.T) {
	old := runtime.GOMAXPROCS(0)
	got := 0
	settle(1, settleTiming, func() { got = runtime.GOMAXPROCS(0) }, func() (int64, bool) { return 0, false }, gcCycles)
	if got != 1 || runtime.GOMAXPROCS(0) != old {
		t.Errorf("op ran on GOMAXPROCS %d (want 1), restored to %d (want %d)", got, runtime.GOMAXPROCS(0), old)
	}
}

func TestGCCyclesCounts(t *testing.T) {
	c0 := gcCycles()
	runtime.GC()
	if c1 := gcCycles(); c1 <= c0 {
		t.Errorf("cycles %d after a collection, %d before", c1, c0)
	}
}
