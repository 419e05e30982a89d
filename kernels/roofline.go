package kernels

import (
	"fmt"

	"github.com/adjoint-go/adjoint/device"
)

// The two functions below measure the machine rather than compute anything
// useful: the peak floating-point throughput of a core and the bandwidth of
// a simple streaming loop, the ceilings that the kernels' figures are
// compared with (see the bench command). They take the level explicitly so
// that one process can measure every level.

// FMAPeak runs iters iterations of a loop of twelve independent vector
// fused multiply-adds at level l (VFMADD231PD on YMM registers for AVX2,
// ZMM for AVX512, FMLA on 128-bit registers for NEON), with no memory
// traffic, and returns the number of floating-point operations it
// performed (two per lane per FMA). Timing it
// gives the core's peak floating-point throughput, the ceiling that GEMM
// figures are measured against; running it on every core at once gives the
// machine's.
//
// It returns an error for a level that has no such loop (Generic: Go cannot
// issue vector FMAs) or that this build or CPU cannot run.
func FMAPeak(l device.Level, iters int) (flops int, err error) {
	fn, perIter := fmaPeakLoop(l)
	if fn == nil || !runnable(l) {
		return 0, fmt.Errorf("kernels: FMAPeak: no %s FMA loop in this build or on this CPU (available: %v)", l, device.Available())
	}
	if iters <= 0 {
		return 0, nil
	}
	fn(iters)
	return iters * perIter, nil
}

// Triad sets dst[i] = x[i] + a*y[i] for i < len(dst) at level l: STREAM's
// triad, the bandwidth ceiling for kernels that read two slices and write a
// third. The assembly levels run it with the loops of Add (four vectors per
// iteration, non-temporal stores for large slices) and one fused
// multiply-add per element, so that it issues the same instructions per
// vector as Add; Generic is the plain Go loop below, a multiply then an add,
// whose results can differ from theirs in the last bit.
//
//	for i := range dst {
//		dst[i] = x[i] + a*y[i]
//	}
//
// It panics like Add if x or y is shorter than dst, and returns an error,
// changing nothing, for a level this build or CPU cannot run.
func Triad(l device.Level, dst, x, y []float64, a float64) error {
	f := triadLoop(l)
	if l == device.Generic {
		f = triadGeneric
	}
	if f == nil || !runnable(l) {
		return fmt.Errorf("kernels: Triad: no %s loop in this build or on this CPU (available: %v)", l, device.Available())
	}
	check3("Triad", dst, x, y)
	n := len(dst)
	x, y = x[:n], y[:n]
	if raceEnabled {
		raceRead(x)
		raceRead(y)
		raceWrite(dst)
	}
	f(dst, x, y, a)
	return nil
}

// runnable reports whether this CPU can run level l, without copying
// device.CPU() on every call.
func runnable(l device.Level) bool { return l >= 0 && int(l) < len(cpuRuns) && cpuRuns[l] }

var cpuRuns = func() (ok [device.NEON + 1]bool) {
	for l := range ok {
		ok[l] = device.CPU().Supports(device.Level(l))
	}
	return ok
}()

func triadGeneric(dst, x, y []float64, a float64) {
	for i := range dst {
		dst[i] = x[i] + float64(a*y[i]) // rounded: arm64 would fuse the two
	}
}
