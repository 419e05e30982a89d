package main

import (
	"runtime"
	"strings"
	"testing"
)

func TestCoreRoundTrip(t *testing.T) {
	old := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(old)
	if ns, ok := coreRoundTrip(); ok {
		t.Fatalf("GOMAXPROCS 1: a round trip of %v ns, want none", ns)
	}
	if line := roundTripLine(0, false, "start"); !strings.Contains(line, "one thread only") {
		t.Errorf("GOMAXPROCS 1: header line %q", line)
	}
	if runtime.NumCPU() < 2 {
		return
	}
	runtime.GOMAXPROCS(2)
	ns, ok := coreRoundTrip()
	if !ok {
		// Another process held a core for the whole budget: the line says so.
		if line := roundTripLine(ns, ok, "end"); !strings.Contains(line, "could not be measured at the end") {
			t.Errorf("unmeasured: header line %q", line)
		}
		return
	}
	// A cache line crosses between cores in tens to hundreds of
	// nanoseconds; a microsecond and more would be threads taking turns.
	if !(ns > 5 && ns < 100_000) {
		t.Errorf("round trip %v ns", ns)
	}
	if line := roundTripLine(ns, ok, "start"); !strings.HasPrefix(line, "latency:  ") || !strings.HasSuffix(line, " ns") {
		t.Errorf("header line %q", line)
	}
}
