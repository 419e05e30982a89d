package main

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// TestPinnedRunsOnTheCPUAndRestores checks pinned: f runs with the CPU
// asked for as its thread's only one, every time, and the thread gets its
// CPU set back.
func TestPinnedRunsOnTheCPUAndRestores(t *testing.T) {
	cpu, ok := pinCPU()
	if !ok {
		t.Skip("this process may run on one CPU only")
	}
	before, _ := getAffinity(0)
	for range 20 {
		pinned(cpu, func() {
			m, _ := getAffinity(0)
			var want cpuMask
			want[cpu/64] |= 1 << (cpu % 64)
			if m != want {
				t.Fatalf("CPU set while pinned: %x, want only CPU %d", m[:2], cpu)
			}
		})
	}
	if after, _ := getAffinity(0); after != before {
		t.Fatalf("CPU set after pinned: %x, before %x", after[:2], before[:2])
	}
}

// TestPinProcessKeepsAChildToOneCPU pins a child process, as -torch does
// python's, and reads its allowed CPUs back from /proc.
func TestPinProcessKeepsAChildToOneCPU(t *testing.T) {
	cpu, ok := pinCPU()
	if !ok {
		t.Skip("this process may run on one CPU only")
	}
	sleep := exec.Command("sleep", "10")
	if err := sleep.Start(); err != nil {
		t.Skipf("cannot start a child: %v", err)
	}
	defer sleep.Process.Kill()
	if err := pinProcess(sleep.Process.Pid, cpu); err != nil {
		t.Fatalf("pinProcess: %v", err)
	}
	status, err := os.ReadFile("/proc/" + strconv.Itoa(sleep.Process.Pid) + "/status")
	if err != nil {
		t.Fatalf("read the child's status: %v", err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "Cpus_allowed_list:"); ok {
			if got := strings.TrimSpace(v); got != strconv.Itoa(cpu) {
				t.Fatalf("child's allowed CPUs %q, want %d", got, cpu)
			}
			return
		}
	}
	t.Fatal("no Cpus_allowed_list in the child's status")
}

// TestWithThreadsPinsOneThreadBesidePyTorch checks that while a PyTorch
// session keeps to sharedCPU, one-thread runs keep to it too, and runs on
// all threads do not.
func TestWithThreadsPinsOneThreadBesidePyTorch(t *testing.T) {
	cpu, ok := pinCPU()
	if !ok {
		t.Skip("this process may run on one CPU only")
	}
	var only cpuMask
	only[cpu/64] |= 1 << (cpu % 64)
	all, _ := getAffinity(0)
	sharedCPU = cpu
	defer func() { sharedCPU = -1 }()
	withThreads(1, func() {
		if m, _ := getAffinity(0); m != only {
			t.Errorf("one thread beside PyTorch on CPU %d: CPU set %x", cpu, m[:2])
		}
	})
	withThreads(2, func() {
		if m, _ := getAffinity(0); m == only {
			t.Errorf("two threads were kept to CPU %d", cpu)
		}
	})
	sharedCPU = -1
	withThreads(1, func() {
		if m, _ := getAffinity(0); m != all {
			t.Errorf("one thread without PyTorch: CPU set %x, want %x", m[:2], all[:2])
		}
	})
}
