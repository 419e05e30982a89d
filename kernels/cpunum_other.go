//go:build !amd64 || noasm

package kernels

// lslCPUNode is all ones (no CPU number) where this build has no assembly
// to read it; see the amd64 version.
func lslCPUNode() uint32 { return ^uint32(0) }

// haveLSL says that lslCPUNode has no assembly in this build.
const haveLSL = false
