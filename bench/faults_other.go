//go:build !unix

package main

// minorFaults cannot read page faults here; settle then warms for a fixed
// time.
func minorFaults() (int64, bool) { return 0, false }
