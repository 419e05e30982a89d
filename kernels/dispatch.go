package kernels

import (
	"fmt"
	"sync/atomic"

	"github.com/adjoint-go/adjoint/device"
)

// Error is the panic value of a kernel called with slices that do not fit.
type Error struct {
	Op  string // kernel name
	Msg string // what is wrong, with the lengths
}

func (e *Error) Error() string { return "kernels: " + e.Op + ": " + e.Msg }

func lengthPanic(op string, format string, args ...any) {
	panic(&Error{Op: op, Msg: fmt.Sprintf(format, args...)})
}

// table is one level's set of kernels.
type table struct {
	level                  device.Level
	add, sub, mul, div     func(dst, x, y []float64)
	addS, subS, mulS, divS func(dst, x []float64, a float64)
	neg, sqrt              func(dst, x []float64)
	maskAbove              func(dst, g, x []float64, t float64)
	copyRows, addRows      func(dst []float64, ds int, src []float64, ss int, rows, n int)
	axpy                   func(a float64, x, y []float64)
	scal                   func(a float64, x []float64)
	sgdMomentum            func(p, g, buf []float64, mom, damp, negLR float64) // nil: Scal, Axpy and Axpy
	dot                    func(x, y []float64) float64
	sum, max, min          func(x []float64) float64
	exp, log, tanh, sig    func(dst, x []float64)
	erf                    func(dst, x []float64)
	gemm                   *gemmKernel // Gemm's micro-kernel and blocking
}

var genericTable = table{
	level: device.Generic,
	add:   addGeneric, sub: subGeneric, mul: mulGeneric, div: divGeneric,
	addS: addScalarGeneric, subS: subScalarGeneric, mulS: mulScalarGeneric, divS: divScalarGeneric,
	neg: negGeneric, sqrt: sqrtGeneric,
	maskAbove:   maskAboveGeneric,
	copyRows:    copyRowsGeneric,
	addRows:     addRowsGeneric,
	axpy:        axpyGeneric,
	scal:        scalGeneric,
	sgdMomentum: sgdMomentumGeneric,
	dot:         dotGeneric,
	sum:         sumGeneric, max: maxGeneric, min: minGeneric,
	exp: expGeneric, log: logGeneric, tanh: tanhGeneric, sig: sigmoidGeneric, erf: erfGeneric,
	gemm: gemmGeneric,
}

// tables holds the compiled tables by level; asmTables (amd64 only) adds to
// it at init.
var tables = map[device.Level]*table{device.Generic: &genericTable}

var cur atomic.Pointer[table]

func init() {
	for _, t := range asmTables() {
		tables[t.level] = t
	}
	if err := device.KernelLevelError(); err != nil {
		panic(fmt.Sprintf("adjoint: %v", err))
	}
	t, ok := tables[device.KernelLevel()]
	if !ok {
		panic(fmt.Sprintf("adjoint: kernels: no %s kernels in this build", device.KernelLevel()))
	}
	cur.Store(t)
}

// Level returns the kernel level in use.
func Level() device.Level { return cur.Load().level }

// SetLevel switches every kernel to level l and returns the level that was in
// use. It fails, changing nothing, if this build or CPU cannot run l. It is
// meant for tests and benchmarks that compare levels in one process.
func SetLevel(l device.Level) (device.Level, error) {
	t, ok := tables[l]
	if !ok || !device.CPU().Supports(l) {
		return Level(), fmt.Errorf("kernels: level %s is not available here (available: %v)", l, device.Available())
	}
	return cur.Swap(t).level, nil
}
