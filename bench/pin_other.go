//go:build !linux

package main

import "errors"

var errPinUnsupported = errors.New("pinning to a CPU is not supported on this system")

// pinCPU reports no CPU: threads are not pinned here.
func pinCPU() (cpu int, ok bool) { return 0, false }

// pinProcess is not supported here.
func pinProcess(pid, cpu int) error { return errPinUnsupported }

// pinned runs f.
func pinned(cpu int, f func()) { f() }
