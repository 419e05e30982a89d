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
		about: "training steps of MNIST-shaped MLPs (784-128-10 batch 64, 784-512-10 batch 256, 784-1024-10 batch 128; synthetic data), one thread and all in one window: steps/s, speed-up, allocations per step",
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

// mlpModel is one of the suite's MLPs: mlpIn inputs, a hidden layer of
// hidden ReLUs and mlpOut outputs, trained on batches of batch.
type mlpModel struct{ hidden, batch int }

// mlpModels are the suite's MLPs: MNIST's 784-128-10 on batches of 64 (the
// first, the gemm suite's mlp/* products), and two wider ones, 784-512-10
// on batches of 256 and 784-1024-10 on batches of 128, whose products are
// large enough for the GEMM to split over threads.
var mlpModels = []mlpModel{{hidden: mlpHidden, batch: mlpBatch}, {hidden: 512, batch: 256}, {hidden: 1024, batch: 128}}

// shape names the model in the rows: the batch, then the layers' widths,
// 64×784-128-10.
func (s mlpModel) shape() string {
	return fmt.Sprintf("%d×%d-%d-%d", s.batch, mlpIn, s.hidden, mlpOut)
}

// config is the model for the PyTorch side.
func (s mlpModel) config() *mlpConfig {
	c := theMLPConfig()
	c.Batch, c.Hidden = s.batch, s.hidden
	return c
}

// mlpWorkload is one row of the suite: a training step of model, or its
// forward pass alone without a graph.
type mlpWorkload struct {
	name  string
	train bool
	model mlpModel // the mlp suite's (the cnn suite leaves it zero)
}

// mlpWorkloads are the suite's rows: a training step and a forward pass of
// the first model, and a training step of each wider one.
var mlpWorkloads = []mlpWorkload{
	{name: "train/step", train: true, model: mlpModels[0]},
	{name: "eval/forward", model: mlpModels[0]},
	{name: "train/step", train: true, model: mlpModels[1]},
	{name: "train/step", train: true, model: mlpModels[2]},
}

// flops returns the floating-point operations of w's matrix products
// (2·m·n·k each): two in the forward pass, and in a training step three
// more in the backward pass (dW1 = g1ᵀ·x, dh = g2·W2, dW2 = g2ᵀ·h; the
// input needs no gradient). The rest of the step (bias, ReLU, softmax,
// the optimizer) is not counted.
func (w mlpWorkload) flops() float64 {
	b, h := w.model.batch, w.model.hidden
	fwd := 2 * b * (mlpIn*h + h*mlpOut)
	if !w.train {
		return float64(fwd)
	}
	return float64(fwd + 2*b*mlpIn*h + 2*2*b*h*mlpOut)
}

// mlpTrainer is the model, its optimizer and the data, with the batch to
// use next; the cnn suite's LeNet trains in one too.
type mlpTrainer struct {
	model  *nn.Sequential
	opt    optim.Optimizer
	xs, ys []*autograd.Tensor // inputs ([batch 784] for an MLP) and class indices [batch]
	next   int
}

// newMLPTrainer returns the suite's first MLP (784-128-10, batches of 64)
// freshly initialised, as trainer does.
func newMLPTrainer() *mlpTrainer { return mlpModels[0].trainer() }

// trainer returns the model freshly initialised, from a fixed seed, with
// SGD (learning rate 0.1, momentum 0.9) on its parameters and its fixed
// batches.
func (s mlpModel) trainer() *mlpTrainer {
	rng := rand.New(rand.NewPCG(mlpSeed, 1))
	model := nn.NewSequential(nn.NewLinear(mlpIn, s.hidden, rng), &nn.ReLU{}, nn.NewLinear(s.hidden, mlpOut, rng))
	m := &mlpTrainer{model: model, opt: optim.NewSGD(model.Parameters(), mlpLR, optim.Momentum(mlpMomentum))}
	for range mlpBatches {
		x, y := syntheticBatch(rng, mlpOut, mlpDensity, s.batch, mlpIn)
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
		b.progress.set("mlp: %s %s, threads %v", w.name, w.model.shape(), threads)
		// A fresh model for every thread count: each times the same steps.
		ms := make([]*mlpTrainer, len(threads))
		ops := make([]func(), len(threads))
		for i := range threads {
			m := w.model.trainer()
			ms[i], ops[i] = m, func() { m.run(w) }
		}
		torch := b.torchFor(torchRequest{Suite: "mlp", Name: w.name, Train: w.train, MLP: w.model.config()})
		s, theirs, err := b.measureThreads(threads, ops, torchP, torch)
		if err != nil {
			return err
		}
		for i, p := range threads {
			res := Result{Suite: "mlp", Name: w.name, Impl: "adjoint", Size: w.model.batch, Threads: p, Shape: w.model.shape()}
			res.setStats(summarize(s[i]))
			var allocs, bytes float64
			withThreads(p, func() { allocs, bytes = mlpAllocs(w, ops[i]) })
			res = res.withFlops(w.flops())
			res.AllocsPerOp, res.BytesPerOp = &allocs, &bytes
			if err := b.emit(res); err != nil {
				return err
			}
		}
		if theirs != nil {
			tr := Result{Suite: "mlp", Name: w.name, Impl: "torch", Size: w.model.batch, Threads: b.cfg.torchThreads, Shape: w.model.shape()}
			tr.setStats(summarize(theirs))
			b.addTorch(tr.withFlops(w.flops()))
		}
	}
	return nil
}

// mlpAllocs returns the heap allocations and bytes allocated per call of
// f, w's operation, averaged over a batch of calls of a warmed-up f (as
// testing.AllocsPerRun does, from runtime.MemStats): 32 of the first
// model's, 8 of a wider one's, whose steps take ten times as long.
func mlpAllocs(w mlpWorkload, f func()) (allocs, bytes float64) {
	if w.model.hidden > mlpHidden {
		return allocsPer(8, f)
	}
	return allocsPer(32, f)
}

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
	flops := "GEMM GFLOP/s: the matrix products' flops over the whole time, in M a step:"
	for i, w := range mlpWorkloads {
		if i > 0 {
			flops += ","
		}
		flops += fmt.Sprintf(" %.1f (%s %s)", w.flops()/1e6, w.model.shape(), w.name)
	}
	t := &table{
		title: fmt.Sprintf("mlp: %d-H-%d MLPs (ReLU, cross-entropy, SGD momentum %g) on synthetic batches; model: batch×%d-H-%d",
			mlpIn, mlpOut, mlpMomentum, mlpIn, mlpOut),
		notes: []string{
			"train/step: forward, loss, ZeroGrad, Backward, Step; eval/forward: the forward pass alone under autograd.NoGrad",
			flops,
			fmt.Sprintf("(the gemm suite's mlp/* rows are the %s products)", mlpModels[0].shape()),
			speedUpNote,
			"allocs, KiB: heap allocations and bytes allocated per step (runtime.MemStats over a batch of steps)",
		},
		head: []string{"workload", "model", "threads", "time/step", "±", "steps/s", "speed-up", "samples/s", "GEMM GFLOP/s", "allocs/step", "KiB/step"},
		left: 2,
	}
	for i, r := range rs {
		if i > 0 && (rs[i-1].Name != r.Name || rs[i-1].Shape != r.Shape) {
			t.sep()
		}
		allocs, kib := allocCells(r)
		t.add(r.Name, r.Shape, fmt.Sprint(r.Threads), fmtTime(r.NsPerOp), fmtSpread(r.stats()), fmtNum(1e9/r.NsPerOp),
			speedUp(rs, r), fmtNum(1e9*float64(r.Size)/r.NsPerOp), fmtNum(r.GFlops), allocs, kib)
	}
	return t
}
