package main

import (
	"fmt"
	"math"
	"slices"

	"github.com/adjoint-go/adjoint/device"
	"github.com/adjoint-go/adjoint/kernels"
	"gonum.org/v1/gonum/floats"
	"gorgonia.org/vecf64"
)

func init() {
	register(&suite{
		name:      "kernels",
		bandwidth: true,
		order:     1,
		about:     "Add, Mul, Axpy, Dot, Sum, Exp at every kernel level, naive Go, gonum, vecf64: GB/s and % of the roofline",
		run:       runKernels,
		table:     kernelsTable,
	})
}

// kernelSizes are the slice lengths of the kernels suite.
func kernelSizes(quick bool) []int {
	if quick {
		return []int{1 << 10, 64 << 10, 1 << 20}
	}
	var ns []int
	for n := 1 << 10; n <= 16<<20; n *= 4 {
		ns = append(ns, n)
	}
	return ns
}

// kernelFunc is one call of a kernel on slices of equal length; dst is
// written (or updated in place), x and y are read.
type kernelFunc func(dst, x, y []float64)

type kernelImpl struct {
	impl string
	fn   kernelFunc
	// inPlace: fn updates dst from its old value; dst is reset from x
	// before timing.
	inPlace bool
}

type kernelOp struct {
	name   string
	arrays int        // slices touched per element: the bytes counted are arrays × 8 × n
	ours   kernelFunc // the exported kernel, timed at every level
	others []kernelImpl
	// ones: y is all ones (for in-place products that would underflow).
	ones bool
}

// sink keeps the results of reductions alive.
var sink float64

// axpyA is the multiplier of the Axpy rows: zero leaves y as it is from
// one call to the next (the kernels still multiply and add every element).
const axpyA = 0

var kernelOps = []kernelOp{
	{name: "add", arrays: 3, ours: kernels.Add, others: []kernelImpl{
		{impl: "naive", fn: naiveAdd},
		{impl: "gonum", fn: func(dst, x, y []float64) { floats.AddTo(dst, x, y) }},
		{impl: "vecf64", fn: func(dst, _, y []float64) { vecf64.Add(dst, y) }, inPlace: true},
	}},
	{name: "mul", arrays: 3, ours: kernels.Mul, ones: true, others: []kernelImpl{
		{impl: "naive", fn: naiveMul},
		{impl: "gonum", fn: func(dst, x, y []float64) { floats.MulTo(dst, x, y) }},
		{impl: "vecf64", fn: func(dst, _, y []float64) { vecf64.Mul(dst, y) }, inPlace: true},
	}},
	{name: "axpy", arrays: 3, ours: func(dst, x, _ []float64) { kernels.Axpy(axpyA, x, dst) }, others: []kernelImpl{
		{impl: "naive", fn: func(dst, x, _ []float64) { naiveAxpy(axpyA, x, dst) }},
		{impl: "gonum", fn: func(dst, x, _ []float64) { floats.AddScaled(dst, axpyA, x) }},
		{impl: "vecf64", fn: func(dst, x, _ []float64) { vecf64.IncrScale(x, axpyA, dst) }},
	}},
	{name: "dot", arrays: 2, ours: func(_, x, y []float64) { sink += kernels.Dot(x, y) }, others: []kernelImpl{
		{impl: "naive", fn: func(_, x, y []float64) { sink += naiveDot(x, y) }},
		{impl: "gonum", fn: func(_, x, y []float64) { sink += floats.Dot(x, y) }},
	}},
	{name: "sum", arrays: 1, ours: func(_, x, _ []float64) { sink += kernels.Sum(x) }, others: []kernelImpl{
		{impl: "naive", fn: func(_, x, _ []float64) { sink += naiveSum(x) }},
		{impl: "gonum", fn: func(_, x, _ []float64) { sink += floats.Sum(x) }},
		{impl: "vecf64", fn: func(_, x, _ []float64) { sink += vecf64.Sum(x) }},
	}},
	{name: "exp", arrays: 2, ours: func(dst, x, _ []float64) { kernels.Exp(dst, x) }, others: []kernelImpl{
		{impl: "naive", fn: naiveExp},
	}},
}

// levels returns the kernel levels this build and CPU run, widest first.
func levels() []device.Level {
	ls := slices.Clone(device.Available())
	slices.Reverse(ls)
	return ls
}

// kernelImpls returns the implementations of op in table order: every
// level, then the others.
func kernelImpls(op kernelOp) []kernelImpl {
	var ims []kernelImpl
	for _, l := range levels() {
		ims = append(ims, kernelImpl{impl: l.String(), fn: op.ours})
	}
	return append(ims, op.others...)
}

func runKernels(b *bench) error {
	// Every size, here and in the roofline suite, takes a prefix of the
	// same page-aligned arrays, so they all see the same alignment.
	b.bufs.grow(slices.Max(roofSizes(b.cfg.quick)))
	for _, op := range kernelOps {
		for _, n := range kernelSizes(b.cfg.quick) {
			b.progress.set("kernels: %s n=%s", op.name, fmtSize(n))
			if err := b.kernelRow(op, n); err != nil {
				return err
			}
		}
	}
	return nil
}

// kernelRow measures one row of the kernels table, op at size n on one
// thread: every implementation, the roofline's copy and triad at the same
// size (the percentage's denominator) and, with -torch, PyTorch right
// after the level in use, all in alternation.
func (b *bench) kernelRow(op kernelOp, n int) error {
	ims := kernelImpls(op)
	var cs []contender
	pair := 0
	for i, im := range ims {
		cs = append(cs, b.kernelSide(op, im, n))
		if im.impl == kernels.Level().String() {
			pair = i
		}
	}
	x, y, z := b.bufs.three(n)
	ls := device.Available()
	best := ls[len(ls)-1]
	one := threadsAround(1)
	cs = append(cs,
		newGoSide("copy", b.cfg.timing, one, copyOp(x, y, 1)),
		newGoSide("triad "+best.String(), b.cfg.timing, one, triadOp(best, x, y, z, 1)))
	var torch *torchSide
	if b.torchS != nil {
		torch = b.torchFor(torchRequest{Suite: "kernels", Name: op.name, Size: n})
	}
	s, theirs, err := b.measureRow(cs, torch, pair)
	if err != nil {
		return err
	}
	copies := ceiling{work: copyBytes(n), ns: s[len(ims)][0]}
	triads := ceiling{work: triadBytes(n), ns: s[len(ims)+1][0]}
	bytes := float64(op.arrays * 8 * n)
	for i, im := range ims {
		res := Result{Suite: "kernels", Name: op.name, Impl: im.impl, Size: n, Threads: 1}
		res.setStats(summarize(s[i][0]))
		res = res.withBytes(bytes)
		res.Roof, res.ceiling = ofCeiling(bytes, s[i][0], copies, triads)
		if err := b.emit(res); err != nil {
			return err
		}
	}
	if theirs != nil {
		res := Result{Suite: "kernels", Name: op.name, Impl: "torch", Size: n, Threads: b.cfg.torchThreads}
		res.setStats(summarize(theirs[0]))
		b.addTorch(res.withBytes(bytes))
	}
	return nil
}

// kernelSide is one implementation of op at size n on one thread, as a
// contender of its row.
func (b *bench) kernelSide(op kernelOp, im kernelImpl, n int) contender {
	dst, x, y := b.bufs.three(n)
	if op.ones {
		y = b.bufs.onesOf(n)
	}
	if im.inPlace {
		copy(dst, x)
	}
	around := threadsAround(1)
	if l, err := device.ParseLevel(im.impl); err == nil {
		around = func(f func()) error {
			return withLevel(l, func() { withThreads(1, f) })
		}
	}
	return newGoSide(im.impl, b.cfg.timing, around, func(k int) {
		for range k {
			im.fn(dst, x, y)
		}
	})
}

// The naive loops: what a Go programmer writes first.

//go:noinline
func naiveAdd(dst, x, y []float64) {
	for i := range dst {
		dst[i] = x[i] + y[i]
	}
}

//go:noinline
func naiveMul(dst, x, y []float64) {
	for i := range dst {
		dst[i] = x[i] * y[i]
	}
}

//go:noinline
func naiveAxpy(a float64, x, y []float64) {
	for i, v := range x {
		y[i] += a * v
	}
}

//go:noinline
func naiveDot(x, y []float64) float64 {
	var s float64
	for i, v := range x {
		s += v * y[i]
	}
	return s
}

//go:noinline
func naiveSum(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v
	}
	return s
}

//go:noinline
func naiveExp(dst, x, _ []float64) {
	for i, v := range x {
		dst[i] = math.Exp(v)
	}
}

// kernelsTable shows one row per operation and size and one column per
// implementation: GB/s, its spread, and in brackets the percentage of the
// roofline bandwidth at that size.
func kernelsTable(b *bench, rs []Result) *table {
	t := &table{
		title: "kernels: GB/s on one thread (± spread) and, in brackets, % of the roofline at that size, measured with the row",
		notes: []string{
			"bytes counted: add, mul, axpy 3 arrays; dot, exp 2; sum 1 (8 bytes per element each)",
			"roofline: the best run of copy or triad at the same size, timed in turn with the row's implementations (one run each per round).",
			"It is measured, not a hard ceiling: sum and dot only read, and axpy and vecf64 update in place (no separate dst line to fetch",
			"before writing), so they can pass 100%",
			fmt.Sprintf("levels run through the exported kernels after kernels.SetLevel (in use: %s)", kernels.Level()),
		},
		left: 2,
	}
	var impls []string
	for _, r := range rs {
		if !slices.Contains(impls, r.Impl) {
			impls = append(impls, r.Impl)
		}
	}
	t.head = append([]string{"op", "n"}, impls...)
	type key struct {
		name string
		n    int
	}
	var keys []key
	cell := map[key]map[string]Result{}
	for _, r := range rs {
		k := key{r.Name, r.Size}
		if cell[k] == nil {
			keys = append(keys, k)
			cell[k] = map[string]Result{}
		}
		cell[k][r.Impl] = r
	}
	for i, k := range keys {
		if i > 0 && keys[i-1].name != k.name {
			t.sep()
		}
		row := []string{k.name, fmtSize(k.n)}
		for _, im := range impls {
			r, ok := cell[k][im]
			if !ok {
				row = append(row, "")
				continue
			}
			c := fmtNum(r.GBps) + " " + fmtSpread(r.stats())
			if r.Roof > 0 {
				c += fmt.Sprintf(" (%.0f%%)", r.Roof)
			}
			row = append(row, c)
		}
		t.add(row...)
	}
	return t
}
