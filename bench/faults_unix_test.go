//go:build linux || darwin

package main

import (
	"syscall"
	"testing"
)

func TestMinorFaultsCountsFirstTouches(t *testing.T) {
	const size = 4 << 20
	mem, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(mem)
	f0, ok := minorFaults()
	if !ok {
		t.Fatal("minorFaults: not readable")
	}
	for i := 0; i < size; i += 4096 {
		mem[i] = 1
	}
	f1, _ := minorFaults()
	// 1024 pages, or 2 where the kernel backs the mapping with huge pages.
	if f1-f0 < 2 {
		t.Errorf("touching %d fresh bytes took %d faults", size, f1-f0)
	}
}
