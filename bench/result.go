package main

import (
	"encoding/json"
	"io"
)

// Result is one measured figure: one row of a table, one line of -json
// output.
type Result struct {
	Suite   string `json:"suite"`   // roofline, kernels, gemm, autograd, mlp, ...
	Name    string `json:"name"`    // the workload: add, triad, fma, square, graph/forward, train/step, ...
	Impl    string `json:"impl"`    // who ran it: avx512, generic, naive, gonum, torch, ...
	Size    int    `json:"size"`    // elements per slice, matrix order, nodes of a graph, or batch size; 0 where none applies
	Threads int    `json:"threads"` // GOMAXPROCS (goroutines for roofline) while it ran

	NsPerOp float64 `json:"ns_per_op"` // median time of one operation
	NsMin   float64 `json:"ns_min"`    // fastest run
	NsMax   float64 `json:"ns_max"`    // slowest run
	NsQ1    float64 `json:"ns_q1"`     // first quartile of the runs
	NsQ3    float64 `json:"ns_q3"`     // third quartile
	Runs    int     `json:"runs"`      // timed runs the median is taken from

	GBps   float64 `json:"gbps,omitempty"`   // bytes of the slices touched / time
	GFlops float64 `json:"gflops,omitempty"` // floating-point operations / time
	// Roof is the figure as a percentage of the machine's: of the roofline
	// bandwidth at the same size (kernels) or of the FMA peak for the same
	// number of threads (gemm), each measured in turn with the row's runs
	// (see ofCeiling). For the cnn suite's convolutions it is their GFLOP/s
	// as a percentage of the median GFLOP/s of the im2col product with the
	// same flops, timed in turn with them.
	Roof float64 `json:"pct_roofline,omitempty"`

	AllocsPerOp *float64 `json:"allocs_per_op,omitempty"` // heap allocations per operation
	BytesPerOp  *float64 `json:"bytes_per_op,omitempty"`  // heap bytes allocated per operation
	Shape       string   `json:"shape,omitempty"`         // m×n×k and transposes of a GEMM
	Note        string   `json:"note,omitempty"`

	// ceiling is what Roof is a percentage of, in the unit of GBps or
	// GFlops: the best run of the ceiling in the row's window (0 if none).
	// The tables' notes and the plots show it.
	ceiling float64
}

// setStats copies the time figures of s into r.
func (r *Result) setStats(s Stats) {
	r.NsPerOp, r.NsMin, r.NsMax, r.NsQ1, r.NsQ3, r.Runs = s.Median, s.Min, s.Max, s.Q1, s.Q3, s.Runs
}

// stats returns the time figures of r.
func (r Result) stats() Stats {
	return Stats{Median: r.NsPerOp, Min: r.NsMin, Max: r.NsMax, Q1: r.NsQ1, Q3: r.NsQ3, Runs: r.Runs}
}

// withBytes sets GB/s from the bytes one operation touches.
func (r Result) withBytes(bytes float64) Result {
	if r.NsPerOp > 0 {
		r.GBps = bytes / r.NsPerOp
	}
	return r
}

// withFlops sets GFLOP/s from the floating-point operations of one
// operation.
func (r Result) withFlops(flops float64) Result {
	if r.NsPerOp > 0 {
		r.GFlops = flops / r.NsPerOp
	}
	return r
}

// writeJSON writes r as one line of JSON.
func writeJSON(w io.Writer, r any) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
