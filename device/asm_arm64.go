//go:build arm64 && !noasm

package device

const amd64Asm, arm64Asm = false, true
