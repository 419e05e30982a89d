package kernels

import (
	"fmt"

	"github.com/adjoint-go/adjoint/device"
)

// FMAPeak runs iters iterations of a loop of twelve independent vector
// fused multiply-adds at level l (VFMADD231PD on YMM registers for AVX2,
// ZMM for AVX512), with no memory traffic, and returns the number of
// floating-point operations it performed (two per lane per FMA). Timing it
// gives the core's peak floating-point throughput, the ceiling that GEMM
// figures are measured against; running it on every core at once gives the
// machine's.
//
// It returns an error for a level that has no such loop (Generic: Go cannot
// issue vector FMAs) or that this build or CPU cannot run.
func FMAPeak(l device.Level, iters int) (flops int, err error) {
	fn, perIter := fmaPeakLoop(l)
	if fn == nil || !device.CPU().Supports(l) {
		return 0, fmt.Errorf("kernels: FMAPeak: no %s FMA loop in this build or on this CPU (available: %v)", l, device.Available())
	}
	if iters <= 0 {
		return 0, nil
	}
	fn(iters)
	return iters * perIter, nil
}
