package device_test

import (
	"fmt"

	"github.com/adjoint-go/adjoint/device"
)

// ParseLevel reads the names that ADJOINT_KERNELS takes; a name it does
// not know is an error naming the valid ones.
func ExampleParseLevel() {
	l, err := device.ParseLevel("avx2")
	fmt.Println(l, err)
	_, err = device.ParseLevel("sse")
	fmt.Println(err != nil)
	// Output:
	// avx2 <nil>
	// true
}

// Levels lists every level the package knows, on any architecture; which
// of them this process can run depends on the build and the CPU
// (Available, KernelLevel).
func ExampleLevels() {
	for _, l := range device.Levels() {
		fmt.Println(l)
	}
	// Output:
	// generic
	// avx2
	// avx512
	// neon
}
