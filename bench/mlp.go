package main

import (
	"fmt"
	"math/rand/v2"
	"runtime"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/nn"
	"github.com/adjoint-go/adjoint/nn/functional"
	"github.com/adjoint-go/adjoint/optim"
	"github.com/adjoint-go/adjoint/tensor"
)

func init() {
	register(&suite{
		name:  "mlp",
		order: 4,
		about: "training steps of an MNIST-shaped MLP (784-128-10, batch 64, synthetic data), one thread and all: steps/s, allocations per step",
		run:   runMLP,
		table: mlpTable,
	})
}

// The MLP of the mlp suite and of the gemm suite's mlp/* products: MNIST's
// shape, trained on a few fixed batches of synthetic data, so that it
// needs no download. Labels are uniform over the classes; a pixel is 0 with
// probability 1 - mlpDensity and otherwise uniform in [0, 1), about as
// many lit pixels as an MNIST digit has. Dense uniform pixels (each image
// summing to about 392 rather than 100) make SGD at this learning rate and
// momentum kill every ReLU within 150 steps; from then on the first layer's
// gradient is zero, gonum's dgemm skips its multiply-adds, and the figures
// would time a dead network.
const (
	mlpBatch    = 64
	mlpIn       = 784
	mlpHidden   = 128
	mlpOut      = 10
	mlpBatches  = 4 // fixed batches, cycled
	mlpLR       = 0.1
	mlpMomentum = 0.9
	mlpDensity  = 0.19 // fraction of non-zero pixels
	mlpSeed     = 3
)

// mlpWorkload is one row of the suite: a training step, or the forward
// pass alone without a graph.
type mlpWorkload struct {
	name  string
	train bool
}

var mlpWorkloads = []mlpWorkload{
	{name: "train/step", train: true},
	{name: "eval/forward"},
}

// flops returns the floating-point operations of w's matrix products
// (2·m·n·k each): two in the forward pass, and in a training step three
// more in the backward pass (dW1 = g1ᵀ·x, dh = g2·W2, dW2 = g2ᵀ·h; the
// input needs no gradient). The rest of the step (bias, ReLU, softmax,
// the optimizer) is not counted.
func (w mlpWorkload) flops() float64 {
	fwd := 2 * mlpBatch * (mlpIn*mlpHidden + mlpHidden*mlpOut)
	if !w.train {
		return float64(fwd)
	}
	return float64(fwd + 2*mlpBatch*mlpIn*mlpHidden + 2*2*mlpBatch*mlpHidden*mlpOut)
}

// mlpTrainer is the model, its optimizer and the data, with the batch to
// use next; the cnn suite's LeNet trains in one too.
type mlpTrainer struct {
	model  *nn.Sequential
	opt    optim.Optimizer
	xs, ys []*autograd.Tensor // inputs ([64 784] for the MLP) and class indices [64]
	next   int
}

// newMLPTrainer returns a freshly initialised model, from a fixed seed,
// with SGD (learning rate 0.1, momentum 0.9) on its parameters.
func newMLPTrainer() *mlpTrainer {
	rng := rand.New(rand.NewPCG(mlpSeed, 1))
	model := nn.NewSequential(nn.NewLinear(mlpIn, mlpHidden, rng), &nn.ReLU{}, nn.NewLinear(mlpHidden, mlpOut, rng))
	m := &mlpTrainer{model: model, opt: optim.NewSGD(model.Parameters(), mlpLR, optim.Momentum(mlpMomentum))}
	for range mlpBatches {
		x, y := syntheticBatch(rng, mlpOut, mlpDensity, mlpBatch, mlpIn)
		m.xs = append(m.xs, x)
		m.ys = append(m.ys, y)
	}
	return m
}

// syntheticBatch draws a batch of shape (its first dimension the batch)
// from rng: labels uniform over classes, then pixels that are 0 with
// probability 1 - density and otherwise uniform in [0, 1).
func syntheticBatch(rng *rand.Rand, classes int, density float64, shape ...int) (x, y *autograd.Tensor) {
	ys := tensor.Zeros(shape[0])
	for i := range shape[0] {
		ys.Set(float64(rng.IntN(classes)), i)
	}
	xs := tensor.Zeros(shape...)
	px := xs.Raw()
	for i := range px {
		if rng.Float64() < density {
			px[i] = rng.Float64()
		}
	}
	return autograd.From(xs), autograd.From(ys)
}

// batch returns the next batch, cycling through the fixed ones.
func (m *mlpTrainer) batch() (x, y *autograd.Tensor) {
	i := m.next % len(m.xs)
	m.next++
	return m.xs[i], m.ys[i]
}

// step is one training step, as a training loop writes it: forward, loss,
// ZeroGrad, Backward, Step. It returns the loss before the update.
func (m *mlpTrainer) step() *autograd.Tensor {
	x, y := m.batch()
	loss := functional.CrossEntropy(m.model.Forward(x), y)
	m.opt.ZeroGrad()
	loss.Backward()
	m.opt.Step()
	return loss
}

// forward is the forward pass alone, recording no graph.
func (m *mlpTrainer) forward() *autograd.Tensor {
	x, _ := m.batch()
	return m.model.Forward(autograd.NoGrad(x))
}

func (m *mlpTrainer) run(w mlpWorkload) {
	if w.train {
		keep = m.step()
	} else {
		keep = m.forward()
	}
}

func runMLP(b *bench) error {
	threads := b.threadCounts()
	torchP := b.torchThreadsRow(threads)
	for _, w := range mlpWorkloads {
		for _, p := range threads {
			b.progress.set("mlp: %s threads=%d", w.name, p)
			m := newMLPTrainer() // a fresh model for every row: the same steps each time
			ours := newGoSide("adjoint", b.cfg.timing, threadsAround(p), func(k int) {
				for range k {
					m.run(w)
				}
			})
			var torch *torchSide
			if p == torchP {
				torch = b.torchFor(torchRequest{Suite: "mlp", Name: w.name, Train: w.train, MLP: theMLPConfig()})
			}
			s, theirs, err := b.measureRow([]contender{ours}, torch, 0)
			if err != nil {
				return err
			}
			res := Result{Suite: "mlp", Name: w.name, Impl: "adjoint", Size: mlpBatch, Threads: p}
			res.setStats(summarize(s[0][0]))
			var allocs, bytes float64
			withThreads(p, func() { allocs, bytes = mlpAllocs(func() { m.run(w) }) })
			res = res.withFlops(w.flops())
			res.AllocsPerOp, res.BytesPerOp = &allocs, &bytes
			if err := b.emit(res); err != nil {
				return err
			}
			if theirs != nil {
				tr := Result{Suite: "mlp", Name: w.name, Impl: "torch", Size: mlpBatch, Threads: b.cfg.torchThreads}
				tr.setStats(summarize(theirs[0]))
				b.addTorch(tr.withFlops(w.flops()))
			}
		}
	}
	return nil
}

// mlpAllocs returns the heap allocations and bytes allocated per call of
// f, averaged over a batch of 32 calls of a warmed-up f (as
// testing.AllocsPerRun does, from runtime.MemStats).
func mlpAllocs(f func()) (allocs, bytes float64) { return allocsPer(32, f) }

// allocsPer is mlpAllocs over a batch of n calls.
func allocsPer(n int, f func()) (allocs, bytes float64) {
	f()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	for range n {
		f()
	}
	runtime.ReadMemStats(&m1)
	return float64(m1.Mallocs-m0.Mallocs) / float64(n), float64(m1.TotalAlloc-m0.TotalAlloc) / float64(n)
}

func mlpTable(b *bench, rs []Result) *table {
	t := &table{
		title: fmt.Sprintf("mlp: a %d-%d-%d MLP (ReLU, cross-entropy, SGD momentum %g), batch %d of synthetic data",
			mlpIn, mlpHidden, mlpOut, mlpMomentum, mlpBatch),
		notes: []string{
			"train/step: forward, loss, ZeroGrad, Backward, Step; eval/forward: the forward pass alone under autograd.NoGrad",
			fmt.Sprintf("GEMM GFLOP/s: the matrix products' flops (%.1f M a step, %.1f M a forward; the gemm suite's mlp/* rows) over the whole time",
				mlpWorkloads[0].flops()/1e6, mlpWorkloads[1].flops()/1e6),
			"allocs, KiB: heap allocations and bytes allocated per step (runtime.MemStats over a batch of steps)",
		},
		head: []string{"workload", "threads", "time/step", "±", "steps/s", "samples/s", "GEMM GFLOP/s", "allocs/step", "KiB/step"},
		left: 1,
	}
	for i, r := range rs {
		if i > 0 && rs[i-1].Name != r.Name {
			t.sep()
		}
		allocs, kib := "", ""
		if r.AllocsPerOp != nil {
			allocs = fmt.Sprintf("%.0f", *r.AllocsPerOp)
		}
		if r.BytesPerOp != nil {
			kib = fmt.Sprintf("%.0f", *r.BytesPerOp/1024)
		}
		t.add(r.Name, fmt.Sprint(r.Threads), fmtTime(r.NsPerOp), fmtSpread(r.stats()), fmtNum(1e9/r.NsPerOp),
			fmtNum(1e9*float64(r.Size)/r.NsPerOp), fmtNum(r.GFlops), allocs, kib)
	}
	return t
}
