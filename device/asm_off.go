//go:build !(amd64 || arm64) || noasm

package device

const amd64Asm, arm64Asm = false, false
