//go:build !unix

package main

// minorFaults cannot read page faults here; settle then runs a fixed 10
// stretches.
func minorFaults() (int64, bool) { return 0, false }
