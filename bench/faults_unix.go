//go:build unix

package main

import "syscall"

// minorFaults returns the page faults this process has taken that needed
// no I/O (getrusage's ru_minflt), and whether it could read them.
func minorFaults() (int64, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return int64(ru.Minflt), true
}
