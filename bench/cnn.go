package main

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/nn"
	"github.com/adjoint-go/adjoint/nn/functional"
	"github.com/adjoint-go/adjoint/optim"
	"github.com/adjoint-go/adjoint/tensor"
)

func init() {
	register(&suite{
		name:  "cnn",
		order: 5,
		about: "LeNet-5 training steps and forward passes (batch 64, synthetic 28×28 images) and conv layers alone against a GEMM of the same flops, one thread and all in one window, with the speed-up",
		run:   runCNN,
		table: cnnTable,
	})
}

// The LeNet-5 of the cnn suite, trained as examples/cnn trains it (Adam, lr
// 1e-3, batches of 64) on a few fixed batches of synthetic 1×28×28 images
// drawn as the mlp suite's are (see syntheticBatch), so that it needs no
// download.
const (
	cnnBatch   = 64
	cnnSide    = 28 // images are 1×cnnSide×cnnSide
	cnnClasses = 10
	cnnBatches = 4 // fixed batches, cycled
	cnnLR      = 1e-3
	cnnDensity = mlpDensity
	cnnSeed    = 5
)

// leNet returns LeNet-5 as examples/cnn builds it, in torch.nn.Sequential's
// order: Conv2d(1,6,5,padding=2), ReLU, MaxPool2d(2), Conv2d(6,16,5), ReLU,
// MaxPool2d(2), Flatten, Linear(400,120), ReLU, Linear(120,84), ReLU,
// Linear(84,10).
func leNet(rng *rand.Rand) *nn.Sequential {
	return nn.NewSequential(
		nn.NewConv2d(1, 6, [2]int{5, 5}, functional.ConvOptions{Padding: [2]int{2, 2}}, false, rng),
		&nn.ReLU{},
		nn.NewMaxPool2d([2]int{2, 2}),
		nn.NewConv2d(6, 16, [2]int{5, 5}, functional.ConvOptions{}, false, rng),
		&nn.ReLU{},
		nn.NewMaxPool2d([2]int{2, 2}),
		nn.NewFlatten(1, -1),
		nn.NewLinear(400, 120, rng),
		&nn.ReLU{},
		nn.NewLinear(120, 84, rng),
		&nn.ReLU{},
		nn.NewLinear(84, 10, rng),
	)
}

// newCNNTrainer returns a freshly initialised LeNet, from a fixed seed,
// with Adam (lr 1e-3) on its parameters and the fixed batches [64 1 28 28].
func newCNNTrainer() *mlpTrainer {
	rng := rand.New(rand.NewPCG(cnnSeed, 1))
	model := leNet(rng)
	m := &mlpTrainer{model: model, opt: optim.NewAdam(model.Parameters(), cnnLR)}
	for range cnnBatches {
		x, y := syntheticBatch(rng, cnnClasses, cnnDensity, cnnBatch, 1, cnnSide, cnnSide)
		m.xs = append(m.xs, x)
		m.ys = append(m.ys, y)
	}
	return m
}

// leNetShape is the shape of a LeNet batch, in the rows.
var leNetShape = fmt.Sprintf("%d×1×%d×%d", cnnBatch, cnnSide, cnnSide)

// leNetFlops returns the floating-point operations of LeNet's
// convolutions and matrix products on a batch (2 per multiply-add): the
// forward pass, and in a training step also the weights' gradients (as
// many again) and the inputs' gradients of every layer but the first
// (whose input needs none). Bias, ReLU, pooling, the loss and Adam are not
// counted.
func leNetFlops(train bool) float64 {
	const n = cnnBatch
	conv1 := 2.0 * n * 6 * 1 * 5 * 5 * 28 * 28
	fwd := conv1 + 2.0*n*16*6*5*5*10*10 + 2.0*n*(400*120+120*84+84*10)
	if !train {
		return fwd
	}
	return 3*fwd - conv1
}

// convShape is a convolution of the suite: a batch of n images cin×h×h
// convolved with cout filters cin×k×k at stride 1 with padding pad, no
// bias.
type convShape struct {
	name                    string
	n, cin, cout, k, pad, h int
}

// convShapes are LeNet's second convolution and a 3×3 convolution of a
// ResNet's first stage on CIFAR-sized (32×32) inputs, batch 8.
var convShapes = []convShape{
	{name: "lenet2", n: cnnBatch, cin: 6, cout: 16, k: 5, h: 14},
	{name: "resnet", n: 8, cin: 64, cout: 64, k: 3, pad: 1, h: 32},
}

// out returns the output's height and width.
func (c convShape) out() int { return c.h + 2*c.pad - c.k + 1 }

// flops returns the forward pass's 2·N·Cout·Cin·kh·kw·H'·W'.
func (c convShape) flops() float64 {
	return 2 * float64(c.n*c.cout*c.cin*c.k*c.k*c.out()*c.out())
}

// gemm returns the shape of the forward pass's im2col product, op(A) m×k
// and op(B) k×n: the weight [Cout, Cin·kh·kw] times the columns
// [Cin·kh·kw, N·H'·W'].
func (c convShape) gemm() (m, n, k int) { return c.cout, c.n * c.out() * c.out(), c.cin * c.k * c.k }

func (c convShape) String() string {
	return fmt.Sprintf("%d×%d×%d×%d k%d p%d →%d", c.n, c.cin, c.h, c.h, c.k, c.pad, c.cout)
}

func (c convShape) config() *convConfig {
	return &convConfig{N: c.n, Cin: c.cin, Cout: c.cout, K: c.k, Pad: c.pad, H: c.h}
}

// convRunner holds one convolution's operands, from a fixed seed: x and w
// as plain leaves, the same values as leaves that require gradients, the
// output's gradient, and the im2col product's operands.
type convRunner struct {
	c                convShape
	o                functional.ConvOptions
	x, w, xg, wg, dy *autograd.Tensor
	a, bm            *tensor.Tensor
}

func newConvRunner(c convShape) *convRunner {
	rng := rand.New(rand.NewPCG(cnnSeed, 2))
	r := &convRunner{c: c, o: functional.ConvOptions{Padding: [2]int{c.pad, c.pad}}}
	x := tensor.Rand(rng, c.n, c.cin, c.h, c.h)
	w := tensor.Rand(rng, c.cout, c.cin, c.k, c.k)
	r.x, r.w = autograd.NoGrad(autograd.From(x)), autograd.NoGrad(autograd.From(w))
	r.xg, r.wg = autograd.From(x).SetRequiresGrad(true), autograd.From(w).SetRequiresGrad(true)
	r.dy = autograd.From(tensor.Rand(rng, c.n, c.cout, c.out(), c.out()))
	m, n, k := c.gemm()
	r.a, r.bm = tensor.Rand(rng, m, k), tensor.Rand(rng, k, n)
	return r
}

// forward is the convolution's forward pass, recording no graph.
func (r *convRunner) forward() { keep = functional.Conv2d(r.x, r.w, nil, r.o) }

// forwardBackward is the forward pass and the gradients of the input and
// the weight for a fixed output gradient.
func (r *convRunner) forwardBackward() {
	y := functional.Conv2d(r.xg, r.wg, nil, r.o)
	r.xg.ZeroGrad()
	r.wg.ZeroGrad()
	y.BackwardWith(r.dy)
	keep = y
}

// product is the im2col product alone, on contiguous operands.
func (r *convRunner) product() { keepT = r.a.MatMul(r.bm) }

// keepT holds a result only timed, like keep.
var keepT *tensor.Tensor

func runCNN(b *bench) error {
	threads := b.threadCounts()
	torchP := b.torchThreadsRow(threads)
	cfg := theCNNConfig()
	for _, train := range []bool{true, false} {
		name := "lenet/eval/forward"
		if train {
			name = "lenet/train/step"
		}
		flops := leNetFlops(train)
		w := mlpWorkload{name: name, train: train}
		b.progress.set("cnn: %s, threads %v", name, threads)
		// A fresh model for every thread count: each times the same steps.
		ops := make([]func(), len(threads))
		for i := range threads {
			m := newCNNTrainer()
			ops[i] = func() { m.run(w) }
		}
		torch := b.torchFor(torchRequest{Suite: "cnn", Name: name, Train: train, CNN: cfg})
		s, theirs, err := b.measureThreads(threads, ops, torchP, torch)
		if err != nil {
			return err
		}
		for i, p := range threads {
			res := Result{Suite: "cnn", Name: name, Impl: "adjoint", Size: cnnBatch, Threads: p, Shape: leNetShape}
			res.setStats(summarize(s[i]))
			var allocs, bytes float64
			withThreads(p, func() { allocs, bytes = allocsPer(8, ops[i]) })
			res = res.withFlops(flops)
			res.AllocsPerOp, res.BytesPerOp = &allocs, &bytes
			if err := b.emit(res); err != nil {
				return err
			}
		}
		if theirs != nil {
			tr := Result{Suite: "cnn", Name: name, Impl: "torch", Size: cnnBatch, Threads: b.cfg.torchThreads, Shape: leNetShape}
			tr.setStats(summarize(theirs))
			b.addTorch(tr.withFlops(flops))
		}
	}
	for _, c := range convShapes {
		if err := b.convRows(c, threads, torchP); err != nil {
			return err
		}
	}
	return nil
}

// convRows measures convolution c on every thread count of threads: its
// forward pass, then its forward and backward passes, each in a window of
// its own with the im2col product, every side on every thread count (and
// PyTorch's same pass, after our pass on torchP threads, if a PyTorch
// session runs), and emits for each thread count the forward row, the
// forward-and-backward row and the product's row (from the first window),
// each convolution row with its percentage of the product's GFLOP/s on
// the same threads in its window.
func (b *bench) convRows(c convShape, threads []int, torchP int) error {
	r := newConvRunner(c)
	gm, gn, gk := c.gemm()
	// The rows of each thread count: forward, forward+backward, gemm.
	rows := make([][3]Result, len(threads))
	for _, backward := range []bool{false, true} {
		pass, op, flops := "forward", r.forward, c.flops()
		if backward {
			pass, op, flops = "forward+backward", r.forwardBackward, 3*c.flops()
		}
		name := "conv/" + c.name + "/" + pass
		b.progress.set("cnn: %s, threads %v", name, threads)
		// The sides: the convolution then the product, on each thread
		// count in turn; PyTorch's right after the convolution on torchP.
		var cs []contender
		pair := 0
		for _, p := range threads {
			if p == torchP {
				pair = len(cs)
			}
			cs = append(cs,
				newGoSide(fmt.Sprintf("adjoint threads=%d", p), b.cfg.timing, threadsWarmAround(p, b.cfg.timing, op), func(k int) {
					for range k {
						op()
					}
				}),
				newGoSide(fmt.Sprintf("gemm threads=%d", p), b.cfg.timing, threadsWarmAround(p, b.cfg.timing, r.product), func(k int) {
					for range k {
						r.product()
					}
				}))
		}
		torch := b.torchFor(torchRequest{Suite: "cnn", Name: name, Train: backward, Conv: c.config()})
		s, theirs, err := b.measureRow(cs, torch, pair)
		if err != nil {
			return err
		}
		for i, p := range threads {
			res := Result{Suite: "cnn", Name: name, Impl: "adjoint", Size: c.n, Threads: p, Shape: c.String()}
			res.setStats(summarize(s[2*i][0]))
			res = res.withFlops(flops)
			g := Result{Suite: "cnn", Name: "conv/" + c.name + "/gemm", Impl: "adjoint", Size: c.n, Threads: p}
			g.Shape = fmt.Sprintf("%d×%d×%d", gm, gn, gk)
			g.setStats(summarize(s[2*i+1][0]))
			g = g.withFlops(c.flops())
			// Both medians of one window: the GEMM is a contender here, not a
			// ceiling that the best run would stand for.
			res.Roof = 100 * res.GFlops / g.GFlops
			var allocs, bytes float64
			withThreads(p, func() { allocs, bytes = allocsPer(4, op) })
			res.AllocsPerOp, res.BytesPerOp = &allocs, &bytes
			if backward {
				rows[i][1] = res
			} else {
				rows[i][0], rows[i][2] = res, g
			}
		}
		if theirs != nil {
			tr := Result{Suite: "cnn", Name: name, Impl: "torch", Size: c.n, Threads: b.cfg.torchThreads, Shape: c.String()}
			tr.setStats(summarize(theirs[0]))
			b.addTorch(tr.withFlops(flops))
		}
	}
	for i, p := range threads {
		var allocs, bytes float64
		withThreads(p, func() { allocs, bytes = allocsPer(4, r.product) })
		rows[i][2].AllocsPerOp, rows[i][2].BytesPerOp = &allocs, &bytes
		for _, res := range rows[i] {
			if err := b.emit(res); err != nil {
				return err
			}
		}
	}
	return nil
}

func cnnTable(b *bench, rs []Result) *table {
	var shapes []string
	for _, c := range convShapes {
		m, n, k := c.gemm()
		shapes = append(shapes, fmt.Sprintf("%s: %s (%d×%d×%d, %.1f MFLOP a forward)", c.name, c, m, n, k, c.flops()/1e6))
	}
	t := &table{
		title: fmt.Sprintf("cnn: LeNet-5 (cross-entropy, Adam lr %g), batch %d of synthetic 1×%d×%d images; conv layers alone", cnnLR, cnnBatch, cnnSide, cnnSide),
		notes: []string{
			"lenet/train/step: forward, loss, ZeroGrad, Backward, Step; lenet/eval/forward: the forward pass alone under autograd.NoGrad",
			fmt.Sprintf("GFLOP/s: the convolutions' and matrix products' flops (LeNet: %.1f M a step, %.1f M a forward) over the whole time",
				leNetFlops(true)/1e6, leNetFlops(false)/1e6),
			"conv/*: functional.Conv2d, stride 1, no bias, N×Cin×H×W kK pP →Cout; forward under NoGrad, forward+backward with",
			"the input's and the weight's gradients (3× the forward's flops); " + shapes[0],
			shapes[1],
			"conv/*/gemm: tensor MatMul of contiguous [Cout, Cin·k·k]·[Cin·k·k, N·H'·W'] (m×n×k), the forward's im2col product, same flops;",
			"% GEMM: the conv row's GFLOP/s over the GEMM's on the same threads, both medians of one window (the GEMM's row is the forward's window)",
			speedUpNote,
			"allocs, KiB: heap allocations and bytes allocated per step or operation (runtime.MemStats over a batch of them)",
		},
		head: []string{"workload", "shape", "threads", "time/op", "±", "ops/s", "speed-up", "samples/s", "GFLOP/s", "% GEMM", "allocs/op", "KiB/op"},
		left: 2,
	}
	// Groups: each LeNet workload on every thread count, and each conv
	// shape's rows on one thread count.
	group := func(r Result) string {
		if r.Size == cnnBatch && r.Shape == leNetShape {
			return r.Name
		}
		return fmt.Sprint(r.Name[:strings.LastIndexByte(r.Name, '/')], r.Threads)
	}
	for i, r := range rs {
		if i > 0 && group(rs[i-1]) != group(r) {
			t.sep()
		}
		allocs, kib := allocCells(r)
		pct := ""
		if r.Roof > 0 {
			pct = fmt.Sprintf("%.0f%%", r.Roof)
		}
		t.add(r.Name, r.Shape, fmt.Sprint(r.Threads), fmtTime(r.NsPerOp), fmtSpread(r.stats()), fmtNum(1e9/r.NsPerOp),
			speedUp(rs, r), fmtNum(1e9*float64(r.Size)/r.NsPerOp), fmtNum(r.GFlops), pct, allocs, kib)
	}
	return t
}
