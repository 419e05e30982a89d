package kernels

import (
	"runtime"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// cpuTimes reads the machine's idle time and the process's CPU time; both
// only grow, and the process's grows by at least the CPU time this thread
// spends. The thread spins until its own CPU time (the kernel's per-thread
// clock) has grown by 30 ms, not for a span of wall time: on a busy machine
// (CI runs several test binaries at once on two cores) 50 ms of wall time
// gave the thread 19 ms of CPU.
func TestCPUTimes(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	idle0, self0, ok := cpuTimes()
	if !ok {
		t.Fatal("cpuTimes: /proc/stat or getrusage unreadable")
	}
	thread0 := threadCPU(t)
	x := 1.0
	for deadline := time.Now().Add(10 * time.Second); threadCPU(t)-thread0 < 30*time.Millisecond; {
		if time.Now().After(deadline) {
			t.Fatal("the thread got less than 30 ms of CPU in 10 s")
		}
		for range 10000 {
			x = x*1.0000001 + 1e-9
		}
	}
	spent := threadCPU(t) - thread0
	idle1, self1, ok := cpuTimes()
	if !ok || idle1 < idle0 || self1 < self0 {
		t.Fatalf("times went back: idle %d -> %d, self %d -> %d (%v)", idle0, idle1, self0, self1, x)
	}
	if d := time.Duration(self1 - self0); d < spent-time.Millisecond {
		t.Errorf("the thread spent %v of CPU, the process's time grew by %v", spent, d)
	}
}

// threadCPU returns the calling thread's CPU time (CLOCK_THREAD_CPUTIME_ID).
func threadCPU(t *testing.T) time.Duration {
	var ts syscall.Timespec
	if _, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, 3, uintptr(unsafe.Pointer(&ts)), 0); errno != 0 {
		t.Fatalf("clock_gettime(CLOCK_THREAD_CPUTIME_ID): %v", errno)
	}
	return time.Duration(ts.Nano())
}

// currentCPU names one of the CPUs the process may use.
func TestCurrentCPU(t *testing.T) {
	ranks := cpuRanks()
	if ranks == nil {
		t.Fatal("sched_getaffinity unreadable")
	}
	n := 0
	for _, r := range ranks {
		if r >= 0 {
			n++
		}
	}
	if c := currentCPU(); c < 0 || c >= n {
		t.Fatalf("currentCPU() = %d with %d CPUs allowed", c, n)
	}
}

// The CPU number read from the kernel's per-CPU segment is getcpu's, on
// every CPU the test's thread is seen on (it is moved between them).
func TestCPUByLSLAgreesWithGetcpu(t *testing.T) {
	if !haveLSL {
		if cpuByLSL() {
			t.Fatal("cpuByLSL without the assembly")
		}
		return
	}
	if !cpuByLSL() {
		t.Fatal("cpuByLSL: the per-CPU segment does not give getcpu's number (not Linux's x86-64 layout?)")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	seen := map[uint32]bool{}
	agree, tries := 0, 0
	for start := time.Now(); time.Since(start) < 20*time.Millisecond || len(seen) < 2 && time.Since(start) < time.Second; {
		a := lslCPUNode() & 0xfff
		c, _ := getcpu()
		b := lslCPUNode() & 0xfff
		if a != b {
			continue
		}
		tries++
		if a == c {
			agree++
			seen[c] = true
		}
		if tries%1000 == 0 {
			time.Sleep(time.Millisecond) // a chance to be moved to another CPU
		}
	}
	if agree < tries*99/100 {
		t.Errorf("the segment gave getcpu's number %d times in %d", agree, tries)
	}
	t.Logf("%d readings agreed of %d, on CPUs %v", agree, tries, seen)
}

// parseStall reads the "some" total of a pressure file in ns, and rejects
// what is not one.
func TestParseStall(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"some avg10=2.02 avg60=3.03 avg300=3.92 total=5478909084\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", 5478909084000, true},
		{"some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", 0, true},
		{"full avg10=0.00 avg60=0.00 avg300=0.00 total=7\n", 0, false},
		{"some avg10=0.00 avg60=0.00 avg300=0.00\nfull total=9\n", 0, false},
		{"some total=", 0, false},
		{"some total=x1", 0, false},
		{"", 0, false},
		{"some", 0, false},
		{"some total=123456789012345678901234", 123456789012345000, true}, // 15 digits read
	} {
		got, ok := parseStall([]byte(c.in))
		if ok != c.ok || ok && got != c.want {
			t.Errorf("parseStall(%q) = %d, %v; want %d, %v", c.in, got, ok, c.want, c.ok)
		}
	}
	// The running kernel's file, where it has one, grows.
	if a, ok := cpuStall(); ok {
		time.Sleep(10 * time.Millisecond)
		if b, _ := cpuStall(); b < a {
			t.Errorf("the stall total went back: %d then %d", a, b)
		}
	}
}

// ResetLoad forgets a busy sample: splitting may resume at once, and the
// next sample comes a whole period later, measuring from now.
func TestResetLoadForgetsTheLoad(t *testing.T) {
	if _, _, ok := cpuTimes(); !ok {
		t.Skip("/proc/stat unreadable")
	}
	defer holdLoad(true)()
	before := teamNow()
	ResetLoad()
	if team.busy.Load() {
		t.Fatal("still busy after ResetLoad")
	}
	next := team.nextSample.Load()
	if next < before+int64(teamSample) || next > teamNow()+int64(teamSample) {
		t.Fatalf("next sample at %d ns, want a period (%v) after the reset (%d-%d ns)", next, teamSample, before, teamNow())
	}
	team.sampleMu.Lock()
	wall := team.sample.wall
	team.sampleMu.Unlock()
	if wall < before {
		t.Fatalf("the new period starts at %d ns, before the reset at %d", wall, before)
	}
}
