// Package device describes the machine adjoint runs on and decides which
// kernel level the process uses.
//
// # CPU
//
// [CPU] reports what this processor is: vendor, brand, the CPUs this
// process may use, cpuid's physical and logical core counts, cache sizes
// and the vector features adjoint's kernels care about
// (AVX2, FMA, AVX-512F/DQ/VL, BMI2 on amd64; FP, ASIMD and SVE on arm64). The
// figures come from github.com/klauspost/cpuid/v2, which also checks that the
// operating system saves the wide registers, so a feature reported here is a
// feature that can be used. Built with the noasm tag, cpuid cannot query
// the processor either (its queries are assembly), so CPU reports an
// unknown CPU with no features; only the Generic level runs then anyway.
//
// Size thread pools by [Info].UsableCPUs (runtime.NumCPU, which honours the
// affinity mask), never by the core counts: cpuid describes the processor
// package, and a virtual machine or a container often gets a small part of
// it (a 2-vCPU guest on a host whose cpuid says 254 cores). [Info.String]
// leads with the usable count and writes "unknown" for any figure cpuid
// could not give.
//
// # Kernel levels
//
// A [Level] names one set of kernels: [Generic] (plain Go, always compiled),
// [AVX2] (AVX2 and FMA) and [AVX512] (AVX-512F) on amd64, and [NEON]
// (Advanced SIMD, which every arm64 CPU has) on arm64. [KernelLevel] is the
// level this process uses. It is decided once, when the package is
// initialised: the best level that is both compiled in (the noasm build tag
// and other targets compile only Generic) and supported by the CPU. The
// environment variable ADJOINT_KERNELS=generic|avx2|avx512|neon forces a
// level. Asking for a
// level the CPU or the build cannot run is an error reported at start-up by
// package kernels (a panic whose message names the level and the reason),
// never an illegal-instruction crash later.
//
// # Where a GPU backend plugs in
//
// adjoint is CPU-only today, but the layers are cut so that a second backend
// does not touch autograd:
//
//   - Storage lives in package tensor. A tensor.Tensor holds a reference to
//     its storage plus shape, strides and offset; shape and stride logic
//     (views, broadcasting) never looks at where the bytes are. A device
//     backend would add a storage kind that keeps its buffer on the device.
//   - Dispatch per device happens in package tensor, at the point where a
//     tensor operation has resolved shapes and strides and calls a flat
//     kernel from package kernels. That call site is the seam: a GPU backend
//     would provide the same flat operations (elementwise, reductions, GEMM)
//     over device buffers, and tensor would pick the backend from the
//     operands' storage, the way it picks a kernel level today.
//   - Package autograd only composes tensor operations; it never touches
//     data or kernels directly, so it works unchanged for any backend.
//
// This package would grow a Backend description (name, memory, streams) for
// each device next to [CPU]; nothing here is GPU code yet.
//
// # Concurrency
//
// Everything in this package is computed at initialisation and read-only
// afterwards, so it is safe for concurrent use.
package device
