package main

import (
	"math"
	"runtime"
	"slices"
	"time"
)

// Stats summarises the timed runs of one measurement, in nanoseconds per
// operation.
type Stats struct {
	Median, Min, Max float64
	Q1, Q3           float64 // first and third quartiles
	Runs             int
}

// summarize returns the median, extremes and quartiles of xs (which it
// does not modify). Quantiles interpolate linearly between the sorted
// values (so the median of an even count is the mean of the middle two).
func summarize(xs []float64) Stats {
	if len(xs) == 0 {
		nan := math.NaN()
		return Stats{Median: nan, Min: nan, Max: nan, Q1: nan, Q3: nan}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	q := func(p float64) float64 {
		h := float64(len(s)-1) * p
		lo := int(h)
		hi := min(lo+1, len(s)-1)
		return s[lo] + (h-float64(lo))*(s[hi]-s[lo])
	}
	return Stats{Median: q(0.5), Min: s[0], Max: s[len(s)-1], Q1: q(0.25), Q3: q(0.75), Runs: len(s)}
}

// Spread is half the interquartile range relative to the median: a figure
// shown as ±3% had the middle half of its runs within about 3% of it
// either way. Unlike the min–max range (kept in the JSON output), one run
// disturbed by another process on a shared machine does not swamp it.
func (s Stats) Spread() float64 {
	if s.Median <= 0 || s.Runs < 2 {
		return 0
	}
	return (s.Q3 - s.Q1) / 2 / s.Median
}

// timing says how long each timed run lasts and how many there are.
type timing struct {
	runs   int           // timed runs after the warm-up
	target time.Duration // length of one run
}

// measure times op, where op(n) performs n operations, and returns the
// time per operation. See measurePhases.
func (t timing) measure(op func(n int)) Stats {
	return t.measurePhases(1, func(n int) []time.Duration {
		start := time.Now()
		op(n)
		return []time.Duration{time.Since(start)}
	})[0]
}

// measurePhases times op, which performs n operations in phases parts and
// returns the time each part took (a forward and a backward pass, say), and
// returns the time per operation of each part.
//
// It first calibrates: it runs op with growing n until one call lasts at
// least half the target, which also warms caches, branch predictors and
// the allocator. Then it runs op t.runs times with n chosen so that one run
// lasts about the target (one operation per run at least), and summarises
// those timed runs.
func (t timing) measurePhases(phases int, op func(n int) []time.Duration) []Stats {
	per := t.samples(phases, op)
	out := make([]Stats, phases)
	for p := range phases {
		out[p] = summarize(per[p])
	}
	return out
}

// samples is measurePhases without the summary: the time per operation of
// each phase in each timed run.
func (t timing) samples(phases int, op func(n int) []time.Duration) [][]float64 {
	runtime.GC() // start from a clean heap, as testing.B does
	n := t.calibrate(op)
	runs := max(1, t.runs)
	per := make([][]float64, phases)
	for r := 0; r < runs; r++ {
		for p, x := range perOpNs(op(n), n) {
			per[p] = append(per[p], x)
		}
	}
	return per
}

// calibrate returns how many operations one timed run of op performs: it
// runs op with growing n until one call lasts at least half the target
// (which also warms caches, branch predictors and the allocator), then
// scales n to the target from that last call (one operation at least).
func (t timing) calibrate(op func(n int) []time.Duration) int {
	total := func(ds []time.Duration) time.Duration {
		var s time.Duration
		for _, d := range ds {
			s += d
		}
		return s
	}
	target := max(t.target, time.Microsecond)
	n := 1
	for {
		d := total(op(n))
		if d >= target/2 || int64(n) >= 1<<40 {
			// Scale n to the target from the last call.
			if d > 0 {
				n = max(1, int(float64(n)*float64(target)/float64(d)))
			}
			return n
		}
		grow := 100
		if d > 0 {
			grow = min(100, max(2, int(float64(target)/float64(d))))
		}
		n *= grow
	}
}

// perOpNs converts the phase times of one run of n operations into
// nanoseconds per operation.
func perOpNs(ds []time.Duration, n int) []float64 {
	xs := make([]float64, len(ds))
	for p, d := range ds {
		xs[p] = float64(d.Nanoseconds()) / float64(n)
	}
	return xs
}
