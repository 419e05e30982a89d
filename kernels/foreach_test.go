package kernels

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// TestForEachCallsEveryIndexOnce checks that ForEach runs fn exactly once
// for each index, at one and several goroutines, and for n of 0 and 1.
func TestForEachCallsEveryIndexOnce(t *testing.T) {
	for _, procs := range []int{1, 2, 4} {
		prev := runtime.GOMAXPROCS(procs)
		for _, n := range []int{0, 1, 2, 3, 100, 1000} {
			calls := make([]atomic.Int32, n)
			ForEach(n, func(i int) { calls[i].Add(1) })
			for i := range calls {
				if c := calls[i].Load(); c != 1 {
					t.Fatalf("GOMAXPROCS=%d n=%d: index %d called %d times", procs, n, i, c)
				}
			}
		}
		runtime.GOMAXPROCS(prev)
	}
}

// TestForEachDoesNotWaitForAHeldBackWorker checks the property ForEach
// exists for: when one call blocks (a goroutine the scheduler holds back),
// the calling goroutine goes on with the other indices rather than waiting
// for a fixed share to be done by the blocked one.
func TestForEachDoesNotWaitForAHeldBackWorker(t *testing.T) {
	prev := runtime.GOMAXPROCS(2)
	defer runtime.GOMAXPROCS(prev)
	// Split whatever the machine's load (on the caller alone, index 0
	// would wait for the others for ever).
	defer holdLoad(false)()
	defer team.backoffUntil.Store(team.backoffUntil.Swap(0))
	const n = 64
	release := make(chan struct{})
	var done atomic.Int32
	finished := make(chan struct{})
	go func() {
		ForEach(n, func(i int) {
			if i == 0 {
				<-release // held back until every other index is done
			}
			if done.Add(1) == n-1 && i != 0 {
				close(release)
			}
		})
		close(finished)
	}()
	select {
	case <-finished:
	case <-time.After(20 * time.Second):
		// A fixed share per goroutine would leave index 0's share undone
		// behind the blocked call, and the release would never come.
		t.Fatalf("ForEach did not finish: %d of %d calls done while one call was held back", done.Load(), n)
	}
	if got := done.Load(); got != n {
		t.Fatalf("%d calls done, want %d", got, n)
	}
}

// TestGemmSerialEqualsGemm checks that GemmSerial gives Gemm's bits on a
// product large enough for Gemm to split among goroutines.
func TestGemmSerialEqualsGemm(t *testing.T) {
	prev := runtime.GOMAXPROCS(4)
	defer runtime.GOMAXPROCS(prev)
	m, n, k := 96, 300, 700 // m·n·k above gemmParallelMin
	if m*n*k < gemmParallelMin {
		t.Fatalf("%d·%d·%d is below gemmParallelMin %d: the test would not split", m, n, k, gemmParallelMin)
	}
	a, b := make([]float64, m*k), make([]float64, k*n)
	for i := range a {
		a[i] = float64(i%13) - 6.5
	}
	for i := range b {
		b[i] = float64(i%7)*0.25 - 0.8
	}
	c1, c2 := make([]float64, m*n), make([]float64, m*n)
	Gemm(false, true, m, n, k, 1.5, a, k, b, k, 0, c1, n)
	GemmSerial(false, true, m, n, k, 1.5, a, k, b, k, 0, c2, n)
	for i := range c1 {
		if c1[i] != c2[i] {
			t.Fatalf("element %d: GemmSerial %v, Gemm %v", i, c2[i], c1[i])
		}
	}
}
