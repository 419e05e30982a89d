//go:build amd64 && !noasm

package kernels

import "github.com/adjoint-go/adjoint/device"

// The assembly and its declarations (vec_amd64.s, vec_amd64.go, and the GEMM
// micro-kernels in gemm_amd64.s, gemm_amd64.go) are generated
// by the avo program in _gen, a module of its own; _gen/check.sh verifies that
// the committed files are what it generates.
//
//go:generate go run -C _gen -tags generate . -out ..

func asmTables() []*table { return []*table{&avx2Table, &avx512Table} }

// fmaPeakLoop returns level l's FMA peak loop and the floating-point
// operations of one of its iterations (12 FMAs × lanes × 2), or nil.
func fmaPeakLoop(l device.Level) (loop func(n int), flopsPerIter int) {
	switch l {
	case device.AVX2:
		return fmaPeakAVX2, 12 * 4 * 2
	case device.AVX512:
		return fmaPeakAVX512, 12 * 8 * 2
	}
	return nil, 0
}

// triadLoop returns level l's STREAM triad, or nil.
func triadLoop(l device.Level) func(dst, x, y []float64, a float64) {
	switch l {
	case device.AVX2:
		return triadAVX2
	case device.AVX512:
		return triadAVX512
	}
	return nil
}

var avx2Table = table{
	level: device.AVX2,
	add:   addAVX2, sub: subAVX2, mul: mulAVX2, div: divAVX2,
	addS: addScalarAVX2, subS: subScalarAVX2, mulS: mulScalarAVX2, divS: divScalarAVX2,
	neg:  negAVX2,
	axpy: axpyAVX2,
	scal: scalAVX2,
	dot:  dotAVX2,
	sum:  sumAVX2, max: maxAVX2, min: minAVX2,
	gemm: newGemmKernel(6, 8, false, gemmKernelAVX2),
}

var avx512Table = table{
	level: device.AVX512,
	add:   addAVX512, sub: subAVX512, mul: mulAVX512, div: divAVX512,
	addS: addScalarAVX512, subS: subScalarAVX512, mulS: mulScalarAVX512, divS: divScalarAVX512,
	neg:  negAVX512,
	axpy: axpyAVX512,
	scal: scalAVX512,
	dot:  dotAVX512,
	sum:  sumAVX512, max: maxAVX512, min: minAVX512,
	gemm: gemmAVX512,
}

var gemmAVX512 = func() *gemmKernel {
	g := newGemmKernel(8, 24, true, gemmKernelAVX512)
	g.packCopy, g.gather8 = packCopyAVX512, packGather8AVX512
	g.strided = gemmKernelStridedAVX512
	return g
}()

// ntMin3 and ntMin2 are the element counts from which the assembly kernels
// that write a separate dst use non-temporal stores (VMOVNTPD, after peeling
// to an aligned dst, then SFENCE): ntMin3 for the three-stream kernels (Add,
// Sub, Mul, Div), ntMin2 for the two-stream ones (the Scalar forms and Neg).
// The assembly reads them on every call; tests lower them to reach the
// non-temporal path with small slices.
var ntMin3, ntMin2 = ntThresholds(device.CPU())

// ntThresholds returns the element counts at which a kernel's working set
// (streams × 8 bytes × n) exceeds a quarter of the last-level cache (and the
// L2, and 1 MiB). Below that, data is likely to stay cached between calls
// and ordinary stores, which leave dst in the cache for whatever reads it
// next, are the better bet; above it, dst goes out to memory anyway, and
// non-temporal stores save the read-for-ownership of every dst line (a
// quarter of Add's traffic, a third of Neg's). An unknown L3 counts as 8 MiB.
//
// A quarter, not a half: on the 2-core KVM guest this was tuned on, cpuid
// reports a 480 MiB L3, yet ordinary-store Add falls from ~25 to ~16 GB/s
// between 96 MB and 192 MB of working set (where non-temporal Add keeps
// 25–28 GB/s); a VM shares its L3 with its neighbours.
func ntThresholds(c device.Info) (three, two int) {
	llc := c.L3
	if llc <= 0 {
		llc = 8 << 20
	}
	limit := max(llc/4, c.L2, 1<<20)
	return limit / (3 * 8), limit / (2 * 8)
}
