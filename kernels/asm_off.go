//go:build !(amd64 || arm64) || noasm

package kernels

import "github.com/adjoint-go/adjoint/device"

func asmTables() []*table { return nil }

func fmaPeakLoop(device.Level) (loop func(n int), flopsPerIter int) { return nil, 0 }

func triadLoop(device.Level) func(dst, x, y []float64, a float64) { return nil }
