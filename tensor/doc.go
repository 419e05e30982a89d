// Package tensor is adjoint's n-dimensional float64 array: storage, shape,
// strides and offset, with NumPy broadcasting and zero-copy views. It does
// no differentiation (that is package autograd) and runs its arithmetic on
// the flat kernels of package kernels.
//
// # Layout
//
// A Tensor is a window onto a storage: element (i0, i1, ...) lives at
// offset + i0·strides[0] + i1·strides[1] + ... . Strides are in elements and
// never negative. New tensors are contiguous in row-major (C) order.
//
// # Operations
//
// Elementwise arithmetic and math (Add, Mul, Exp, Tanh, ReLU, ...),
// comparisons returning 0/1 tensors (Eq, Gt, ...), Where, reductions over
// all elements or given dimensions (Sum, SumDims, MaxDim, Argmax, VarDims,
// LogSumExpDims, ...), MatMul with PyTorch's rules, and joining and
// indexing (Cat, Stack, Split, Chunk, IndexSelect, Gather, ScatterAdd,
// MaskedFill, Pad). Indices are float64 tensors holding integral values.
// Large elementwise operations run on several goroutines above a grain
// size; reductions split at fixed boundaries, so no result depends on
// GOMAXPROCS.
//
// # Views and aliasing
//
// Reshape (when the strides allow), View, Transpose, Permute, Slice,
// Select, Expand, Squeeze, Unsqueeze, T, Split and Chunk return views: new shape and strides
// over the same storage, made without copying. Writing through one view
// (Set, Fill, CopyFrom, AddInPlace, ...) is seen by all of them; a view
// whose elements overlap in memory (an Expand that repeats a dimension of
// size 1) can be read but not written in place. A view with no elements addresses
// no storage and has offset 0. Contiguous
// and Clone copy; Data returns a copy; Raw exposes a contiguous tensor's
// storage for kernels. Every in-place write increments the storage's
// Version, which package autograd uses to detect values changed after they
// were saved for backward.
//
// # Broadcasting
//
// Binary operations follow NumPy's rules: shapes are aligned at their
// trailing dimensions, and a dimension of size 1 (or a missing leading one)
// stretches to match the other operand. A broadcast operand is walked with
// stride 0 along the stretched dimensions; nothing is copied. Same-shape
// contiguous operands and scalar operands take fast paths straight to the
// vector kernels; other layouts are walked row by row with the strided
// kernels after merging dimensions that are contiguous in every operand.
//
// # Panics
//
// Programmer errors — shapes that do not broadcast, dimensions out of
// range, data of the wrong length, a nil *Tensor argument — panic with an
// *Error whose message names the operation and the shapes, e.g. "tensor:
// Add: cannot broadcast [2 3] with [4]". Every shape's element count is
// computed with overflow checks: a size below 0, a product of sizes that
// does not fit in an int, or an allocation of more elements than a slice
// can hold (2^45 on 64-bit platforms) panics with an *Error too, never
// with a runtime error from inside.
//
// # Concurrency
//
// Operations that only read tensors are safe for concurrent use; in-place
// methods need the caller to ensure no other goroutine uses the same storage
// at the same time.
package tensor
