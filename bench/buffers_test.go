package main

import "testing"

// TestBandwidthArraysGoAfterTheirSuites checks that the bandwidth arrays
// are kept only from one suite that uses them to the next, and that
// dropping them leaves none.
func TestBandwidthArraysGoAfterTheirSuites(t *testing.T) {
	suites := []string{"roofline", "kernels", "gemm", "autograd", "kernels"}
	want := []bool{true, false, false, true, false}
	for i := range suites {
		if got := bandwidthNext(suites, i); got != want[i] {
			t.Errorf("after %s (%d of %v): arrays kept %v, want %v", suites[i], i, suites, got, want[i])
		}
	}
	for _, name := range []string{"roofline", "kernels"} {
		if !lookup(name).bandwidth {
			t.Errorf("suite %s does not say it uses the bandwidth arrays", name)
		}
	}
	b := &bench{}
	b.bufs.three(1024)
	b.bufs.onesOf(1024)
	b.dropBuffers()
	if b.bufs.a != nil || b.bufs.b != nil || b.bufs.c != nil || b.bufs.ones != nil {
		t.Error("dropBuffers left arrays")
	}
	b.dropBuffers() // none: nothing to do
}
