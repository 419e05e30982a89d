// Package safetensors reads and writes the safetensors format, the
// checkpoint format of Hugging Face and PyTorch users, over package
// tensor.
//
//	err := safetensors.WriteFile("model.safetensors", []safetensors.Named{
//		{Name: "0.weight", T: w}, {Name: "0.bias", T: b},
//	}, map[string]string{"format": "pt"})
//	tensors, meta, err := safetensors.ReadFile("model.safetensors")
//
// # The format
//
// A file is an 8-byte little-endian unsigned header length N, N bytes of
// JSON, then the data buffer. The JSON object maps each tensor's name to
// {"dtype": "F64", "shape": [2, 3], "data_offsets": [begin, end]}, offsets
// in bytes from the start of the data buffer, plus an optional
// "__metadata__" object of string values. Values are little-endian in
// row-major order, and the tensors' byte ranges cover the data buffer
// exactly, without holes or overlaps.
//
// # Writing
//
// Write and WriteFile store every tensor as F64, in the order given (the
// header lists the metadata first, then the tensors in that order, and
// their data follow in the same order). The header is padded with spaces
// to a multiple of 8 bytes, as the Rust implementation does, so the data
// buffer is 8-byte aligned. The same tensors and metadata always give the
// same bytes: metadata keys are written sorted. WriteFile writes a
// temporary file in the same directory and renames it over the target, so
// a crash never leaves a half-written checkpoint under the target's name.
//
// # Reading
//
// Decode, Read and ReadFile accept F64, F32, F16, BF16, I64 and I32 tensors
// and convert them to float64, exactly for the float types and for integers
// up to 2^53 in magnitude (PyTorch's integer buffers, such as BatchNorm's
// num_batches_tracked). Other dtypes (other integers, BOOL, 8-bit floats)
// are rejected with
// an error wrapping ErrDType. Tensors are returned in the order of their
// data in the buffer, which for a file written by this package is the
// order they were written in; zero-sized tensors, which occupy no bytes,
// keep their header order among tensors at the same offset.
//
// Every malformed input returns an error wrapping ErrFormat: a header
// length past the end of the input or above MaxHeaderSize, invalid JSON, a
// duplicate name, a missing or negative field, a dimension that is not an
// integer or does not fit an int, a shape whose element count overflows
// (counting the non-zero dimensions even beside a zero one) or does not
// match its byte range, data offsets that do not fit an int (above
// 2^31-1 on 32-bit platforms), byte ranges that leave the buffer, overlap
// or leave holes, trailing bytes. The checks run on the
// header before any tensor is allocated, so a lying header costs no memory:
// the largest allocation is bounded by the input's size (times 2 for F32,
// times 4 for F16 and BF16, whose values grow to 8 bytes).
//
// # Panics
//
// Nothing in this package panics: bad arguments to Write (a nil tensor, a
// duplicate or reserved name) are returned as errors, like I/O failures.
//
// # Concurrency
//
// The functions keep no state and are safe for concurrent use; Write only
// reads its tensors, so they must not be modified while it runs.
package safetensors
