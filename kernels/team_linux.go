package kernels

import (
	"sync"
	"syscall"
	"unsafe"
)

// cpuTimes returns, in ns, the time all CPUs have spent idle (from the
// first line of /proc/stat, in ticks of 10 ms) and the CPU time this
// process has used, and true; false if either cannot be read.
func cpuTimes() (idle, self int64, ok bool) {
	f, err := syscall.Open("/proc/stat", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return 0, 0, false
	}
	var buf [256]byte
	n, err := syscall.Read(f, buf[:])
	syscall.Close(f)
	if err != nil || n < 5 || string(buf[:4]) != "cpu " {
		return 0, 0, false
	}
	// cpu  user nice system idle iowait ...: the fourth and fifth numbers.
	var field [5]int64
	k, inNum := -1, false
	for _, c := range buf[4:n] {
		if c == '\n' {
			break
		}
		if c >= '0' && c <= '9' {
			if !inNum {
				k++
				inNum = true
			}
			if k < len(field) {
				field[k] = field[k]*10 + int64(c-'0')
			}
		} else {
			inNum = false
		}
	}
	if k < 4 {
		return 0, 0, false
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, 0, false
	}
	const tick = 10_000_000 // USER_HZ is 100 for /proc/stat
	idle = (field[3] + field[4]) * tick
	self = ru.Utime.Nano() + ru.Stime.Nano()
	return idle, self, true
}

// cpuStall returns the time, in ns, during which some runnable task on the
// machine waited for a CPU (the "some" total of /proc/pressure/cpu, Linux's
// pressure stall information), and true; false where the kernel has none.
// It tells a busy machine from an idle one where idle time cannot: when
// this process's helper shares a core with another process, the two
// split that core's time, so the machine shows no idle time and this
// process about 1.5 cores of its own, while the stall time grows as fast
// as the wall clock.
func cpuStall() (int64, bool) {
	f, err := syscall.Open("/proc/pressure/cpu", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return 0, false
	}
	var buf [256]byte
	n, err := syscall.Read(f, buf[:])
	syscall.Close(f)
	if err != nil {
		return 0, false
	}
	return parseStall(buf[:n])
}

// parseStall reads the total (µs) of the "some" line of a pressure file:
// "some avg10=0.00 avg60=0.00 avg300=0.00 total=12345", and returns it in
// ns.
func parseStall(b []byte) (int64, bool) {
	const key = "total="
	if len(b) < 5 || string(b[:5]) != "some " {
		return 0, false
	}
	for i := 5; i+len(key) <= len(b) && b[i] != '\n'; i++ {
		if string(b[i:i+len(key)]) != key {
			continue
		}
		v, digits := int64(0), 0
		for _, c := range b[i+len(key):] {
			if c < '0' || c > '9' || digits == 15 { // 15 digits of µs: 31 years
				break
			}
			v = v*10 + int64(c-'0')
			digits++
		}
		return v * 1000, digits > 0
	}
	return 0, false
}

// cpuRanks maps a CPU number to its rank among the CPUs this process may
// run on (from sched_getaffinity), so that a machine whose allowed CPUs
// are 4 and 9 has ranks 0 and 1; nil if the set cannot be read.
var cpuRanks = sync.OnceValue(func() []int16 {
	var mask [128]uint64 // 8192 CPUs
	n, _, errno := syscall.RawSyscall(syscall.SYS_SCHED_GETAFFINITY, 0, unsafe.Sizeof(mask), uintptr(unsafe.Pointer(&mask[0])))
	if errno != 0 || n == 0 {
		return nil
	}
	ranks := make([]int16, 0, 64)
	r := int16(0)
	for w := range int(n) / 8 {
		for b := range 64 {
			if mask[w]&(1<<b) != 0 {
				for len(ranks) < w*64+b {
					ranks = append(ranks, -1)
				}
				ranks = append(ranks, r)
				r++
			}
		}
	}
	return ranks
})

// currentCPU returns the rank (see cpuRanks) of the CPU the calling
// thread runs on, or -1 if it cannot be told: read from the kernel's
// per-CPU segment where cpuByLSL found it (a split asks twice, once on
// each goroutine), else with the getcpu system call.
func currentCPU() int {
	ranks := cpuRanks()
	if ranks == nil {
		return -1
	}
	cpu, ok := uint32(0), false
	if cpuByLSL() {
		cpu, ok = lslCPUNode()&0xfff, true
	} else {
		cpu, ok = getcpu()
	}
	if !ok || int(cpu) >= len(ranks) {
		return -1
	}
	return int(ranks[cpu])
}

// cheapCPU is currentCPU where that costs no system call (see
// cpuByLSL), else -1: for callers to which the CPU is a hint worth less
// than a system call.
func cheapCPU() int {
	if !cpuByLSL() {
		return -1
	}
	return currentCPU()
}

// getcpu returns the number of the CPU the calling thread runs on, from
// the getcpu system call.
func getcpu() (uint32, bool) {
	var cpu uint32
	_, _, errno := syscall.RawSyscall(sysGetcpu, uintptr(unsafe.Pointer(&cpu)), 0, 0)
	return cpu, errno == 0
}

// cpuByLSL reports whether lslCPUNode reads the CPU number here: it must
// agree with getcpu in every one of several tries in which the thread did
// not move between its two readings around the system call.
var cpuByLSL = sync.OnceValue(func() bool {
	if !haveLSL {
		return false
	}
	agreed := false
	for range 8 {
		a := lslCPUNode()
		c, ok := getcpu()
		b := lslCPUNode()
		switch {
		case !ok || a == ^uint32(0):
			return false
		case a != b:
			continue
		case a&0xfff != c:
			return false
		}
		agreed = true
	}
	return agreed
})
