//go:build !linux

package kernels

// cpuTimes reports false: the idle time of the machine is not read here.
func cpuTimes() (idle, self int64, ok bool) { return 0, 0, false }

// cpuStall reports false: the time tasks waited for a CPU is not read here.
func cpuStall() (int64, bool) { return 0, false }

// currentCPU returns -1: the CPU a thread runs on is not told here.
func currentCPU() int { return -1 }

// cheapCPU returns -1: the CPU a thread runs on is not told here.
func cheapCPU() int { return -1 }
