//go:build amd64 && !noasm

package device

const asmCompiled = true
