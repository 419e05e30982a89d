package main

import (
	"fmt"
	"runtime"
	"time"
)

// A row of a table is measured as one window: every figure in it (each
// implementation, PyTorch's with -torch, and the ceiling its percentage
// is taken of) is a contender, and the contenders take turns, one timed
// run each per round, so that a burst of load from another process falls
// on all of them alike instead of on whichever happened to be running.

// contender is one side of a row measured in alternation with the others.
type contender interface {
	// label names the side in errors and in progress lines.
	label() string
	// calibrate warms the side up and chooses how many operations one of
	// its timed runs performs.
	calibrate() error
	// run performs one timed run and returns the time per operation of
	// each of the side's phases, in nanoseconds.
	run() ([]float64, error)
}

// sideError is the failure of one contender of a row.
type sideError struct {
	index int // position of the contender in the row
	side  string
	err   error
}

func (e *sideError) Error() string { return fmt.Sprintf("%s: %v", e.side, e.err) }
func (e *sideError) Unwrap() error { return e.err }

// interleave calibrates the contenders of a row, in order, and then
// performs rounds: in each, one timed run of every contender in turn
// (a, b, c, a, b, c, ...). It returns each contender's samples as
// samples[contender][phase][round]; summarize gives their medians. A
// contender's failure stops the row and comes back as a *sideError.
func interleave(rounds int, cs []contender) ([][][]float64, error) {
	for i, c := range cs {
		if err := c.calibrate(); err != nil {
			return nil, &sideError{index: i, side: c.label(), err: err}
		}
	}
	out := make([][][]float64, len(cs))
	for range max(1, rounds) {
		for i, c := range cs {
			ns, err := c.run()
			if err != nil {
				return nil, &sideError{index: i, side: c.label(), err: err}
			}
			if out[i] == nil {
				out[i] = make([][]float64, len(ns))
			}
			if len(ns) != len(out[i]) {
				return nil, &sideError{index: i, side: c.label(),
					err: fmt.Errorf("%d phases in a run, %d before", len(ns), len(out[i]))}
			}
			for p, x := range ns {
				out[i][p] = append(out[i][p], x)
			}
		}
	}
	return out, nil
}

// goSide is a contender written in Go: op(n) performs n operations in
// phases parts and returns the time of each part.
type goSide struct {
	name   string
	timing timing
	op     func(n int) []time.Duration
	// around, if set, runs each calibration and timed run inside it: at a
	// kernel level, or with GOMAXPROCS set to the row's threads.
	around func(f func()) error
	n      int
}

// newGoSide returns the contender that times op, where op(n) performs n
// operations, on its own (one phase).
func newGoSide(name string, t timing, around func(func()) error, op func(n int)) *goSide {
	return &goSide{name: name, timing: t, around: around, op: func(n int) []time.Duration {
		start := time.Now()
		op(n)
		return []time.Duration{time.Since(start)}
	}}
}

func (g *goSide) label() string { return g.name }

func (g *goSide) do(f func()) error {
	if g.around == nil {
		f()
		return nil
	}
	return g.around(f)
}

func (g *goSide) calibrate() error {
	return g.do(func() {
		runtime.GC() // start from a clean heap, as testing.B does
		g.n = g.timing.calibrate(g.op)
	})
}

func (g *goSide) run() ([]float64, error) {
	var ns []float64
	err := g.do(func() { ns = perOpNs(g.op(g.n), g.n) })
	return ns, err
}

// threadsAround returns an around function that sets GOMAXPROCS to p.
func threadsAround(p int) func(func()) error {
	return func(f func()) error {
		withThreads(p, f)
		return nil
	}
}

// threadsWarmAround is threadsAround for the model suites' thread counts,
// which take turns run by run: before each run (and the calibration) it
// calls op, untimed, for a tenth of the run's target time (once at least;
// 2 ms by default). Changing GOMAXPROCS between runs leaves a model's
// data in the caches of the cores the other count used, and a program
// that keeps its thread count never pays for moving it back. Measured on
// the 2-vCPU KVM guest with 20 ms runs, the MNIST MLP's one-thread step
// took 380-520 µs (±10%) without the warm-up, 334 µs with 100 ms runs, and
// 374 µs (±0-4%) with it.
func threadsWarmAround(p int, t timing, op func()) func(func()) error {
	warm := t.target / 10
	return func(f func()) error {
		withThreads(p, func() {
			for start := time.Now(); ; {
				op()
				if time.Since(start) >= warm {
					break
				}
			}
			f()
		})
		return nil
	}
}

// ofCeiling returns a figure as a percentage of its ceiling, both measured
// in the same row, and the ceiling itself. work is what one operation of
// the figure does (bytes or flops) and ns its time per operation in each
// round; each ceiling gives its work per operation and its time in each
// round. The ceiling is the best rate any of them reached in the row's
// window (the roofline is the better of copy and triad): load from other
// processes only ever slows a loop down, so its fastest run is the
// nearest to what the machine can do, and a run that another process
// slowed cannot lower the ceiling and push the row past 100%. The figure
// is its median, as everywhere.
func ofCeiling(work float64, ns []float64, ceilings ...ceiling) (pct, ceil float64) {
	for _, c := range ceilings {
		for _, t := range c.ns {
			if t > 0 {
				ceil = max(ceil, c.work/t)
			}
		}
	}
	med := summarize(ns).Median
	if ceil <= 0 || !(med > 0) {
		return 0, 0
	}
	return 100 * work / med / ceil, ceil
}

// ceiling is one measured ceiling of a row: the work of one operation
// (bytes or flops) and its time per operation in each round.
type ceiling struct {
	work float64
	ns   []float64
}
