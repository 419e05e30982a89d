//go:build amd64 && !noasm

package device

const amd64Asm, arm64Asm = true, false
