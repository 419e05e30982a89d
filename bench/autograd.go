package main

import (
	"runtime"
	"time"

	"github.com/adjoint-go/adjoint/autograd"
)

func init() {
	register(&suite{
		name:  "autograd",
		order: 3,
		about: "cost per operation of recording a scalar graph (forward) and differentiating it (backward), ns",
		run:   runAutograd,
		table: autogradTable,
	})
}

// scalarGraph is a graph of 0-d tensors: build records it from the two
// leaves and returns its output; ops is the number of operations it
// records.
type scalarGraph struct {
	name  string
	ops   int
	build func(x, y *autograd.Tensor) *autograd.Tensor
}

var scalarGraphs = []scalarGraph{
	// The seed program: z = x·x + x·y.
	{name: "graph", ops: 3, build: func(x, y *autograd.Tensor) *autograd.Tensor {
		return x.Mul(x).Add(x.Mul(y))
	}},
	// A chain long enough that the fixed cost of Backward spreads out.
	{name: "chain", ops: 100, build: func(x, y *autograd.Tensor) *autograd.Tensor {
		z := x
		for i := range 100 {
			if i%2 == 0 {
				z = z.Mul(y)
			} else {
				z = z.Add(x)
			}
		}
		return z
	}},
}

// keep holds a graph built only to be timed, so it cannot be optimised
// away.
var keep *autograd.Tensor

// graphBlockOps is about the operations each phase of the autograd suite
// records or differentiates before the other takes its turn: enough that
// reading the clock (tens of ns) costs under 1% of a block, few enough that
// the graphs a block holds stay in cache for the backward phase.
const graphBlockOps = 192

func runAutograd(b *bench) error {
	for _, g := range scalarGraphs {
		b.progress.set("autograd: %s of %d ops", g.name, g.ops)
		x := autograd.Scalar(0.5).SetRequiresGrad(true)
		y := autograd.Scalar(1.0).SetRequiresGrad(true)
		// Each block of graphs is built (forward) and then differentiated
		// (backward), each graph once, and both phases are timed on their
		// own. Backward was once the difference between building graphs and
		// building them with backward, run by run; under another process's
		// load that difference came out negative (-16.6 ns an op, the
		// median of 7 in a -quick run, with blocks alternating).
		graphs := make([]*autograd.Tensor, max(1, graphBlockOps/g.ops))
		ours := &goSide{name: "adjoint", timing: b.cfg.timing, around: threadsAround(1), op: func(n int) []time.Duration {
			var build, back time.Duration
			for done := 0; done < n; {
				zs := graphs[:min(len(graphs), n-done)]
				t0 := time.Now()
				for i := range zs {
					zs[i] = g.build(x, y)
				}
				t1 := time.Now()
				for _, z := range zs {
					z.Backward()
				}
				build += t1.Sub(t0)
				back += time.Since(t1)
				done += len(zs)
			}
			keep = graphs[0]
			clear(graphs)
			return []time.Duration{build, back}
		}}
		var torch *torchSide
		if b.torchS != nil {
			torch = b.torchFor(torchRequest{Suite: "autograd", Name: g.name})
		}
		s, theirs, err := b.measureRow([]contender{ours}, torch, 0)
		if err != nil {
			return err
		}
		var fwdAllocs, bwdAllocs float64
		withThreads(1, func() { fwdAllocs, bwdAllocs = graphAllocs(g, x, y) })
		fwdAllocs /= float64(g.ops)
		bwdAllocs /= float64(g.ops)
		fwd, bwd := graphResults(g, "adjoint", s[0])
		fwd.AllocsPerOp, bwd.AllocsPerOp = &fwdAllocs, &bwdAllocs
		if err := b.emit(fwd); err != nil {
			return err
		}
		if err := b.emit(bwd); err != nil {
			return err
		}
		if theirs != nil {
			fwd, bwd := graphResults(g, "torch", theirs)
			b.addTorch(fwd)
			b.addTorch(bwd)
		}
	}
	return nil
}

// graphResults turns the samples of graph g by impl, per run the time per
// graph of building it and of running backward on it, into its forward and
// backward rows, per operation.
func graphResults(g scalarGraph, impl string, per [][]float64) (fwd, bwd Result) {
	fwd = Result{Suite: "autograd", Name: g.name + "/forward", Impl: impl, Size: g.ops, Threads: 1}
	bwd = Result{Suite: "autograd", Name: g.name + "/backward", Impl: impl, Size: g.ops, Threads: 1}
	fwd.setStats(perOp(summarize(per[0]), g.ops))
	bwd.setStats(perOp(summarize(per[1]), g.ops))
	return fwd, bwd
}

// perOp divides the times of s by ops.
func perOp(s Stats, ops int) Stats {
	k := float64(ops)
	return Stats{Median: s.Median / k, Min: s.Min / k, Max: s.Max / k, Q1: s.Q1 / k, Q3: s.Q3 / k, Runs: s.Runs}
}

// graphAllocs returns the heap allocations of building g once and of its
// backward pass, averaged over many graphs.
func graphAllocs(g scalarGraph, x, y *autograd.Tensor) (forward, backward float64) {
	const n = 200
	mallocs := func(f func()) float64 {
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		for range n {
			f()
		}
		runtime.ReadMemStats(&m1)
		return float64(m1.Mallocs-m0.Mallocs) / n
	}
	forward = mallocs(func() { keep = g.build(x, y) })
	return forward, mallocs(func() { g.build(x, y).Backward() }) - forward
}

func autogradTable(b *bench, rs []Result) *table {
	t := &table{
		title: "autograd: time per operation of a scalar graph (0-d tensors), one thread",
		notes: []string{
			"graph: z = x·x + x·y (3 ops, the seed program); chain: 100 alternating Mul and Add",
			"forward records the graph, backward differentiates it; both divided by the ops in the graph",
		},
		head: []string{"graph", "pass", "ops", "ns/op", "±", "allocs/op"},
		left: 2,
	}
	for _, r := range rs {
		name, pass := r.Name, ""
		for i := range name {
			if name[i] == '/' {
				name, pass = r.Name[:i], r.Name[i+1:]
				break
			}
		}
		allocs := ""
		if r.AllocsPerOp != nil {
			allocs = fmtNum(*r.AllocsPerOp)
			if *r.AllocsPerOp == 0 {
				allocs = "0"
			}
		}
		t.add(name, pass, fmtSize(r.Size), fmtNum(r.NsPerOp), fmtSpread(r.stats()), allocs)
	}
	return t
}
