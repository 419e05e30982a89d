package main

import (
	"runtime"
	"syscall"
	"unsafe"
)

// cpuMask is a CPU set as sched_setaffinity takes it (8192 CPUs).
type cpuMask [128]uint64

// getAffinity returns the CPU set of thread tid (0: the calling thread).
func getAffinity(tid int) (cpuMask, bool) {
	var m cpuMask
	n, _, errno := syscall.RawSyscall(syscall.SYS_SCHED_GETAFFINITY, uintptr(tid), unsafe.Sizeof(m), uintptr(unsafe.Pointer(&m[0])))
	return m, errno == 0 && n > 0
}

// setAffinity sets the CPU set of thread tid (0: the calling thread).
func setAffinity(tid int, m *cpuMask) error {
	if _, _, errno := syscall.RawSyscall(syscall.SYS_SCHED_SETAFFINITY, uintptr(tid), unsafe.Sizeof(*m), uintptr(unsafe.Pointer(&m[0]))); errno != 0 {
		return errno
	}
	return nil
}

// pinCPU returns the CPU that -torch runs both sides' one-thread rows on:
// the first this process may use, when it may use two or more (with one,
// there is nothing to choose); ok is false otherwise.
func pinCPU() (cpu int, ok bool) {
	m, ok := getAffinity(0)
	if !ok {
		return 0, false
	}
	first, count := -1, 0
	for w, bits := range m {
		for b := range 64 {
			if bits&(1<<b) != 0 {
				if first < 0 {
					first = w*64 + b
				}
				count++
			}
		}
	}
	return first, count >= 2
}

// pinProcess runs process pid (its threads so far, and those it starts
// later) on cpu alone.
func pinProcess(pid, cpu int) error {
	var m cpuMask
	m[cpu/64] |= 1 << (cpu % 64)
	return setAffinity(pid, &m)
}

// pinned runs f on an OS thread of its own that runs on cpu alone, then
// gives the thread its CPU set back. If the set cannot be changed, f runs
// unpinned.
func pinned(cpu int, f func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	old, ok := getAffinity(0)
	var m cpuMask
	m[cpu/64] |= 1 << (cpu % 64)
	if ok && setAffinity(0, &m) == nil {
		defer setAffinity(0, &old)
	}
	f()
}
