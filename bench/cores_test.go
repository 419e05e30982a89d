package main

import (
	"runtime"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/kernels"
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

// The split line says whether a trial ended and, if one did, what it
// found.
func TestSplitLine(t *testing.T) {
	for _, c := range []struct {
		t    kernels.SplitTrial
		want string
	}{
		{kernels.SplitTrial{}, "no trial"},
		{kernels.SplitTrial{Ratio: 0.583}, "took 0.58 of their unsplit time"},
		{kernels.SplitTrial{Ratio: 0.6, Unsplit: 1}, "; 1 shape runs unsplit"},
		{kernels.SplitTrial{Ratio: 0.6, Unsplit: 3}, "; 3 shapes run unsplit"},
		{kernels.SplitTrial{Ratio: 1.04, Paused: true, Unsplit: 3}, "took 1.04 of their unsplit time; splitting is paused"},
	} {
		if got := splitLine(c.t); !strings.HasPrefix(got, "splitting: ") || !strings.Contains(got, c.want) {
			t.Errorf("splitLine(%+v) = %q, want it to say %q", c.t, got, c.want)
		}
	}
}
