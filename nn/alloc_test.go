package nn_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/nn"
	"github.com/adjoint-go/adjoint/nn/functional"
	"github.com/adjoint-go/adjoint/optim"
	"github.com/adjoint-go/adjoint/tensor"
)

// mlpStep returns one training step of the MNIST example's model on fixed
// data (784-128-10, ReLU, cross-entropy, SGD with momentum, batch 64), as
// BenchmarkMLPTrainStep runs it, and its loss after each call.
func mlpStep() (step func(), loss func() float64) {
	rng := rand.New(rand.NewPCG(1, 2))
	model := nn.NewSequential(nn.NewLinear(784, 128, rng), &nn.ReLU{}, nn.NewLinear(128, 10, rng))
	opt := optim.NewSGD(model.Parameters(), 0.1, optim.Momentum(0.9))
	x := autograd.From(tensor.Rand(rng, 64, 784))
	y := tensor.Zeros(64)
	for i := 0; i < 64; i++ {
		y.Set(float64(i%10), i)
	}
	target := autograd.From(y)
	var last float64
	return func() {
		l := functional.CrossEntropy(model.Forward(x), target)
		opt.ZeroGrad()
		l.Backward()
		opt.Step()
		last = l.Item()
	}, func() float64 { return last }
}

// TestTrainStepAllocations checks the speed issue's memory target: after
// warm-up, a training step allocates at most 64 objects and 16 KiB, the
// storage of its intermediate values and gradients coming back from the
// pool that backward returned it to. (Counts, not times: the figures do not
// depend on the machine's load.)
func TestTrainStepAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's sync.Pool drops recycled storage on purpose; the figure is checked without -race")
	}
	step, loss := mlpStep()
	// The pools fill and GEMM's packing buffers reach their sizes. On a busy
	// machine the scheduler splits products between the caller and the
	// helper at random, and the buffers take up to 45 steps to all reach
	// the largest part's size.
	for i := 0; i < 60; i++ {
		step()
	}
	first := loss()
	const windows, runs = 7, 40
	allocs, bytes := stepCosts(step, windows, runs)
	t.Logf("per step: %.1f allocations, %.0f bytes", allocs, bytes)
	if allocs > 64 {
		t.Errorf("a training step allocates %.1f objects; want at most 64", allocs)
	}
	if bytes > 16<<10 {
		t.Errorf("a training step allocates %.0f bytes; want at most 16 KiB", bytes)
	}
	if !(loss() < first) {
		t.Errorf("loss went from %v to %v over %d steps on one batch; recycling broke training", first, loss(), windows*runs)
	}
}

// stepCosts returns the median allocations and bytes a call of step makes,
// over windows of runs calls each. A garbage collection empties
// sync.Pools, and the refill would be charged to whichever step follows it;
// the collector is kept out of the measurement so that it sees the steady
// state. (testing.AllocsPerRun is not used: it changes GOMAXPROCS, which
// drops sync.Pools' per-P caches and would charge their refill here.) The
// medians leave out the rare step on which a GEMM packing buffer still
// grows.
func stepCosts(step func(), windows, runs int) (allocs, bytes float64) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	var allocList, byteList []float64
	for w := 0; w < windows; w++ {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for i := 0; i < runs; i++ {
			step()
		}
		runtime.ReadMemStats(&after)
		allocList = append(allocList, float64(after.Mallocs-before.Mallocs)/float64(runs))
		byteList = append(byteList, float64(after.TotalAlloc-before.TotalAlloc)/float64(runs))
	}
	slices.Sort(allocList)
	slices.Sort(byteList)
	return allocList[windows/2], byteList[windows/2]
}

// stepBytes is the median bytes that step allocates after warm-up (as
// long as TestTrainStepAllocations's, for the same reason).
func stepBytes(step func()) float64 {
	for i := 0; i < 60; i++ {
		step()
	}
	_, bytes := stepCosts(step, 5, 20)
	return bytes
}

// TestBatchedLinearStepRecycles checks that a model applied to a batch of
// sequences [B T C] recycles its values and gradients as it does for the
// same rows as a matrix [B·T C]: Linear takes the leading dimensions as
// rows without recording views, which would mark the storage shared and
// keep it from the pool (the charlm's step once allocated 84 MiB a step).
func TestBatchedLinearStepRecycles(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's sync.Pool drops recycled storage on purpose; the figure is checked without -race")
	}
	step := func(shape ...int) func() {
		rng := rand.New(rand.NewPCG(3, 4))
		model := nn.NewSequential(nn.NewLinear(32, 128, rng), &nn.GELU{}, nn.NewLinear(128, 32, rng))
		opt := optim.NewAdamW(model.Parameters(), 1e-3)
		x := autograd.From(tensor.Randn(rng, shape...))
		return func() {
			y := model.Forward(x)
			loss := y.Mul(y).Mean()
			opt.ZeroGrad()
			loss.Backward()
			opt.Step()
		}
	}
	flat, batched := stepBytes(step(256, 32)), stepBytes(step(8, 32, 32))
	t.Logf("bytes a step: %.0f for [256 32], %.0f for [8 32 32]", flat, batched)
	// The [256 128] hidden values alone are 256 KiB; a step that kept
	// them from the pool would allocate that much more.
	if batched > flat+16<<10 {
		t.Errorf("a step on [8 32 32] allocates %.0f bytes, on the same rows as [256 32] %.0f: the batched step's values or gradients are not recycled", batched, flat)
	}
}

// TestRecurrentStepRecyclesItsProjections checks that the training step of
// an LSTM and a GRU hands back to the pool the values that the layer only
// reads through views: the input projection of all steps at once (a
// Select per step) and the LSTM's gate sums (a Chunk per gate). Each is
// T·B·G·H values, 2 MiB here for the LSTM; a step that kept either from
// the pool would allocate at least that much.
func TestRecurrentStepRecyclesItsProjections(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's sync.Pool drops recycled storage on purpose; the figure is checked without -race")
	}
	const steps, batch, in, hidden = 16, 64, 16, 64
	for _, kind := range []string{"LSTM", "GRU"} {
		t.Run(kind, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(5, 6))
			var forward func(x *autograd.Tensor) *autograd.Tensor
			var params []*autograd.Tensor
			gates := 4
			if kind == "LSTM" {
				m := nn.NewLSTM(in, hidden, nn.RNNOptions{}, rng)
				forward = func(x *autograd.Tensor) *autograd.Tensor { y, _, _ := m.ForwardState(x, nil, nil); return y }
				params = m.Parameters()
			} else {
				gates = 3
				m := nn.NewGRU(in, hidden, nn.RNNOptions{}, rng)
				forward = func(x *autograd.Tensor) *autograd.Tensor { y, _ := m.ForwardState(x, nil); return y }
				params = m.Parameters()
			}
			opt := optim.NewAdam(params, 1e-3)
			x := autograd.From(tensor.Randn(rng, steps, batch, in))
			bytes := stepBytes(func() {
				loss := forward(x).Square().Mean()
				opt.ZeroGrad()
				loss.Backward()
				opt.Step()
			})
			projection := float64(steps * batch * gates * hidden * 8)
			t.Logf("bytes a step: %.0f; the input projection is %.0f", bytes, projection)
			if bytes > projection {
				t.Errorf("a %s step allocates %.0f bytes, more than its input projection alone (%.0f): values read through views are not recycled", kind, bytes, projection)
			}
		})
	}
}

// TestTransformerEncoderStepRecycles checks that a training step through
// nn.TransformerEncoderLayer (post-norm and pre-norm) hands back to the
// pool the values it makes inside: the projections the heads view, the
// attention's output, the feed-forward block's and the residual sums.
// The feed-forward block's hidden value alone is N·L·dff values (512 KiB
// here); a step that kept it and the others from the pool would allocate
// many times that.
func TestTransformerEncoderStepRecycles(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's sync.Pool drops recycled storage on purpose; the figure is checked without -race")
	}
	const n, l, e, heads, dff = 8, 32, 32, 4, 256
	for _, normFirst := range []bool{false, true} {
		t.Run(fmt.Sprintf("NormFirst=%v", normFirst), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, 8))
			o := nn.TransformerEncoderLayerOptions{BatchFirst: true, NormFirst: normFirst, Activation: "gelu"}
			layer := nn.NewTransformerEncoderLayer(e, heads, dff, 0, o, rng)
			opt := optim.NewAdam(layer.Parameters(), 1e-3)
			x := autograd.From(tensor.Randn(rng, n, l, e))
			bytes := stepBytes(func() {
				loss := layer.ForwardMask(x, nil, nil, true).Square().Mean()
				opt.ZeroGrad()
				loss.Backward()
				opt.Step()
			})
			hidden := float64(n * l * dff * 8)
			t.Logf("bytes a step: %.0f; the feed-forward hidden value is %.0f", bytes, hidden)
			if bytes > hidden {
				t.Errorf("a step allocates %.0f bytes, more than the feed-forward block's hidden value (%.0f): the layer's inner values are not recycled", bytes, hidden)
			}
		})
	}
}

// TestSequentialRecyclesValuesPassedOnAsViews checks that a value one
// module of a Sequential makes and the next passes on as a view
// (Unflatten, Flatten: a convolution's output on its way to a Linear)
// still goes back to the pool: a step through the views allocates no more
// than the same step without them.
func TestSequentialRecyclesValuesPassedOnAsViews(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's sync.Pool drops recycled storage on purpose; the figure is checked without -race")
	}
	step := func(views bool) func() {
		rng := rand.New(rand.NewPCG(9, 10))
		mods := []nn.Module{nn.NewLinear(32, 64, rng)}
		if views {
			mods = append(mods, nn.NewUnflatten(1, 8, 8), nn.NewFlatten(1, -1))
		}
		mods = append(mods, &nn.ReLU{}, nn.NewLinear(64, 32, rng))
		model := nn.NewSequential(mods...)
		opt := optim.NewSGD(model.Parameters(), 0.1)
		x := autograd.From(tensor.Randn(rng, 256, 32))
		return func() {
			loss := model.Forward(x).Square().Mean()
			opt.ZeroGrad()
			loss.Backward()
			opt.Step()
		}
	}
	plain, viewed := stepBytes(step(false)), stepBytes(step(true))
	t.Logf("bytes a step: %.0f plain, %.0f through Unflatten and Flatten", plain, viewed)
	// The first Linear's output is 128 KiB.
	if viewed > plain+8<<10 {
		t.Errorf("a step through Unflatten and Flatten allocates %.0f bytes against %.0f without them: the value they view is not recycled", viewed, plain)
	}
}
