// Package kernels holds adjoint's flat-slice numeric kernels and chooses,
// once per process, which implementation of them runs.
//
// Kernels work on []float64 with lengths and increments and know nothing of
// tensors, shapes or gradients (package tensor sits on top of them, the way
// gonum's floats sits on internal/asm/f64). A kernel's name says how it
// touches memory: Add works on unit-stride slices, AddScalar combines a slice
// with one value, AddStrided walks three slices with their own increments.
//
// Beyond the elementwise and reduction kernels, the package holds Gemm, the
// matrix product (row-major, with transpose flags and
// leading dimensions: BLIS-style packing and cache blocking around
// register-tiled micro-kernels, 8×24 in AVX-512, 6×8 in AVX2 and 6×8 in
// NEON assembly, split among goroutines above a size threshold), with
// GemmBias (a layer's output: the product plus a bias row, each goroutine
// filling its own part), GemmSerial (on the calling goroutine alone) and
// GemmRows (B's rows anywhere in one slice: a convolution's windows read
// where they lie) beside it, the fused optimizer
// updates (SGDStep, AdamStep, RMSpropStep), the transcendental kernels (Exp,
// Log, Tanh, Sigmoid, Erf) and the measuring kernels of the bench command
// (FMAPeak, Triad). Parallel splits elementwise work across goroutines above
// a grain; Reduce splits reductions at fixed block boundaries so that their
// results never depend on GOMAXPROCS.
//
// # Levels
//
// Every kernel exists at the Generic level in plain Go, always compiled, and
// on amd64 (unless built with the noasm tag) at the AVX2 (AVX2+FMA) and
// AVX512 (AVX-512F) levels in Go assembly, on arm64 at the NEON level
// (Advanced SIMD, 128-bit, which every arm64 CPU has). The level is chosen at start-up by
// package device from the CPU's features and the ADJOINT_KERNELS environment
// variable; [Level] reports it. Asking ADJOINT_KERNELS for a level this
// build or CPU cannot run panics when the package is initialised, with a
// message that says why. [SetLevel] switches level at run time for tests and
// benchmarks.
//
// # Results
//
// Elementwise kernels (Add, Sub, Mul, Div and their Scalar and Strided
// forms, Neg, Sqrt, MaskAbove, Axpy, Scal, CopyRows, AddRows) give
// bit-identical results at every level: each element is one correctly
// rounded IEEE operation (or, for MaskAbove, a compare and a bitwise and;
// for CopyRows, a copy), and Axpy is a multiply
// followed by an add, never a fused multiply-add. The one thing left open is
// which payload survives an operation on two NaNs: IEEE 754 does not say,
// x86 keeps the first operand's, and the Go compiler may order a commutative
// operation either way. Reductions (Sum, Dot) add in a different order per
// level, and the assembly levels' Dot uses fused multiply-adds, so their
// results differ from Generic's by rounding only: within n·2⁻⁵² relative to
// the sum of absolute values. Max and Min return NaN if any element is NaN,
// -Inf and +Inf for an empty slice. Gemm's sums, too, are in an order of its
// own per level (fused multiply-adds at the assembly levels), fixed by the
// dimensions alone: the same at any GOMAXPROCS.
//
// The transcendental kernels (Exp, Log, Tanh, Sigmoid, Erf) are the math
// package at the Generic level and vector polynomial code at AVX2, AVX512
// and NEON (the same algorithm at all three): within 2 ulps of the math
// package (1 for Log and Erf; Erf is math.Erf's own algorithm, and its
// results below |x| = 1.25), the same at every length and
// offset, and bit for bit the math package's results on special inputs
// (zeros, infinities, NaNs, subnormals, the overflow and underflow bounds).
// Their doc comments give each bound and the places where math's amd64 and
// arm64 assembly is wrong and the vector kernels are not.
//
// On arm64 the Go compiler may fuse a multiply and an add written in one
// expression (x*y + z) into one FMADD, which the language allows; where
// this package promises the same bits at every level (Axpy, the optimizer
// steps), every product is converted with float64(x*y) before it is added,
// which forbids the fusion.
//
// # Panics
//
// A kernel whose slices are shorter than its element count panics with an
// *Error naming the kernel and the lengths. Overlap between dst and an input
// is allowed only when they are the same slice (dst aliasing x exactly).
//
// # Parallelism
//
// Products, elementwise work and the optimizer steps split among the
// calling goroutine and helper goroutines only where that pays: not while
// other processes keep the cores busy, nor where the split products,
// timed against unsplit ones every few seconds, ran no faster (as on two
// CPUs that are one core's two hardware threads). [LastSplitTrial] says
// what the last of those trials found.
//
// # Concurrency
//
// Kernels keep no state and are safe for concurrent use on disjoint
// destinations. SetLevel is safe to call concurrently with kernels (the level
// is swapped atomically) but meant for tests and benchmarks.
package kernels
