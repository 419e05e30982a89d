//go:build !amd64 || noasm

package kernels

func asmTables() []*table { return nil }
