package main

import (
	"fmt"
	"runtime"
	"slices"
	"sync/atomic"
	"time"

	"github.com/adjoint-go/adjoint/kernels"
)

// The round trip of a cache line between two cores: what the model
// suites' all-thread rows depend on most on a virtual machine. A host may
// place a guest's vCPUs near each other or far apart and move them within
// minutes; measured on the project's 2-vCPU KVM guests, a round trip took
// 100-200 ns near and 400-500 ns far, and the MNIST MLP's training step
// ran 1.65-1.77 times as fast on two threads as on one near against
// 1.3-1.4 times far. The header gives it at the start of a run and the
// last line at its end, so that a reader knows which placement the rows
// between were measured in (or that it changed).

const (
	roundTripRounds = 9                     // rounds, of which the median is taken
	roundTripTrips  = 500                   // round trips per round
	roundTripBudget = 50 * time.Millisecond // the most the measurement may take
)

// pingLine is the cache line the two goroutines pass between them, alone
// on its line.
type pingLine struct {
	_ [64]byte
	v atomic.Int64
	_ [64]byte
}

// coreRoundTrip returns the median time, ns, for a value to go from one
// goroutine to another and back, each goroutine locked to its own thread
// and spinning, so that they run on two cores at once. It reports false
// when the process cannot run two threads at once (GOMAXPROCS or the
// usable CPUs below 2) or when the measurement outlasted roundTripBudget
// (another process held one of the cores, so that the two threads took
// turns on one).
func coreRoundTrip() (float64, bool) {
	if runtime.GOMAXPROCS(0) < 2 || runtime.NumCPU() < 2 {
		return 0, false
	}
	var line pingLine
	var stop atomic.Bool
	deadline := time.Now().Add(roundTripBudget)
	done := make(chan struct{})
	go func() { // the other side: answers each odd value with the next
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		defer close(done)
		for want := int64(1); ; want += 2 {
			for spins := 0; line.v.Load() != want; spins++ {
				if spins&1023 == 1023 && stop.Load() {
					return
				}
			}
			line.v.Store(want + 1)
		}
	}()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var rounds []float64
	next := int64(1)
measure:
	for range roundTripRounds {
		start := time.Now()
		for range roundTripTrips {
			line.v.Store(next)
			for spins := 0; line.v.Load() != next+1; spins++ {
				if spins&1023 == 1023 && time.Now().After(deadline) {
					break measure
				}
			}
			next += 2
		}
		rounds = append(rounds, float64(time.Since(start).Nanoseconds())/roundTripTrips)
	}
	stop.Store(true)
	<-done
	if len(rounds) < roundTripRounds {
		return 0, false
	}
	slices.Sort(rounds)
	return rounds[len(rounds)/2], true
}

// roundTripLine is the header's and the last line's text for a
// measurement of coreRoundTrip at the given moment ("start", "end").
func roundTripLine(ns float64, ok bool, when string) string {
	if !ok {
		if runtime.GOMAXPROCS(0) < 2 || runtime.NumCPU() < 2 {
			return "latency:  one thread only: no round trip between cores"
		}
		return fmt.Sprintf("latency:  a cache line's round trip between two threads' cores could not be measured at the %s (another process held a core)", when)
	}
	return fmt.Sprintf("latency:  a cache line's round trip between two threads' cores at the %s: %.0f ns", when, ns)
}

// splitLine says what the last split trial of this process found (see
// kernels.SplitTrial): whether the products split between the threads ran
// faster than unsplit here, which the all-thread rows depend on.
func splitLine(t kernels.SplitTrial) string {
	if t.Ratio == 0 {
		return "splitting: no trial of split against unsplit products ended in this run"
	}
	s := fmt.Sprintf("splitting: in the last trial, products split between the threads took %.2f of their unsplit time", t.Ratio)
	switch {
	case t.Paused:
		s += "; splitting is paused (it did not pay)"
	case t.Unsplit == 1:
		s += "; 1 shape runs unsplit"
	case t.Unsplit > 1:
		s += fmt.Sprintf("; %d shapes run unsplit", t.Unsplit)
	}
	return s
}
