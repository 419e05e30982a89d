//go:build amd64 && !noasm

package kernels

// asmTables is filled in with the AVX2 and AVX-512 tables.
func asmTables() []*table { return nil }
