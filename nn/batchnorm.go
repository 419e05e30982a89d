package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/nn/functional"
	"github.com/adjoint-go/adjoint/tensor"
)

// BatchNorm is torch.nn.BatchNorm1d (Dims 2 or 3: [N C] or [N C L]) and
// BatchNorm2d (Dims 4: [N C H W]): batch normalisation per channel with a
// learned scale and shift ("weight", "bias") when Affine, and running
// statistics ("running_mean", "running_var", "num_batches_tracked") as
// buffers when TrackRunningStats, with PyTorch's names so that checkpoints
// load both ways. In training mode it normalises by the batch's statistics
// and updates the running ones; in evaluation mode it uses the running
// ones (the batch's, without TrackRunningStats). See
// functional.BatchNorm.
type BatchNorm struct {
	leaf
	NumFeatures       int
	Eps, Momentum     float64
	Affine            bool
	TrackRunningStats bool
	Weight, Bias      *autograd.Tensor // ones and zeros at first; nil unless Affine
	RunningMean       *autograd.Tensor // zeros at first; nil unless TrackRunningStats
	RunningVar        *autograd.Tensor // ones at first
	NumBatchesTracked *autograd.Tensor // a 0-d count of training batches
	name              string
	dims              []int // the input ranks it takes
}

func newBatchNorm(name string, n int, dims ...int) *BatchNorm {
	if n < 1 {
		tensor.Panicf("nn", "New"+name, nil, "%d features: want at least 1", n)
	}
	return &BatchNorm{
		NumFeatures: n, Eps: 1e-5, Momentum: 0.1, Affine: true, TrackRunningStats: true,
		Weight: NewParameter(tensor.Ones(n)), Bias: NewParameter(tensor.Zeros(n)),
		RunningMean: NewBuffer(tensor.Zeros(n)), RunningVar: NewBuffer(tensor.Ones(n)),
		NumBatchesTracked: NewBuffer(tensor.Scalar(0)),
		name:              name, dims: dims,
	}
}

// NewBatchNorm1d returns PyTorch's BatchNorm1d(n): eps 1e-5, momentum 0.1,
// affine and tracking running statistics. Set the fields (and nil the
// tensors) for other settings before the first Forward.
func NewBatchNorm1d(n int) *BatchNorm { return newBatchNorm("BatchNorm1d", n, 2, 3) }

// NewBatchNorm2d returns PyTorch's BatchNorm2d(n); see NewBatchNorm1d.
func NewBatchNorm2d(n int) *BatchNorm { return newBatchNorm("BatchNorm2d", n, 4) }

// Forward normalises x. It panics with a *tensor.Error naming the module if
// x's rank or channels do not fit.
func (b *BatchNorm) Forward(x *autograd.Tensor) *autograd.Tensor {
	xs := x.Shape()
	ok := false
	for _, d := range b.dims {
		ok = ok || len(xs) == d
	}
	if !ok || xs[1] != b.NumFeatures {
		tensor.Panicf("nn", b.name, [][]int{xs}, "input of shape %v for %d features (rank %v)", xs, b.NumFeatures, b.dims)
	}
	var w, bias, rm, rv *autograd.Tensor
	if b.Affine {
		w, bias = b.Weight, b.Bias
	}
	if b.TrackRunningStats {
		rm, rv = b.RunningMean, b.RunningVar
	}
	training := b.Training() || !b.TrackRunningStats
	if b.Training() && b.TrackRunningStats && b.NumBatchesTracked != nil {
		n := b.NumBatchesTracked.Value()
		n.CopyFrom(n.AddScalar(1))
	}
	return traced(b, functional.BatchNorm(x, rm, rv, w, bias, training, b.Momentum, b.Eps))
}

// NamedParameters returns "weight" and "bias" when Affine.
func (b *BatchNorm) NamedParameters() []NamedParameter {
	if !b.Affine {
		return nil
	}
	return []NamedParameter{{"weight", b.Weight}, {"bias", b.Bias}}
}

// Parameters returns the weight and bias when Affine.
func (b *BatchNorm) Parameters() []*autograd.Tensor { return tensorsOf(b.NamedParameters()) }

// NamedBuffers returns "running_mean", "running_var" and
// "num_batches_tracked" when TrackRunningStats.
func (b *BatchNorm) NamedBuffers() []NamedParameter {
	if !b.TrackRunningStats {
		return nil
	}
	return []NamedParameter{{"running_mean", b.RunningMean}, {"running_var", b.RunningVar}, {"num_batches_tracked", b.NumBatchesTracked}}
}

func (b *BatchNorm) String() string {
	return fmt.Sprintf("%s(%d, eps=%g, momentum=%g, affine=%s, track_running_stats=%s)",
		b.name, b.NumFeatures, b.Eps, b.Momentum, pyBool(b.Affine), pyBool(b.TrackRunningStats))
}

func pyBool(v bool) string {
	if v {
		return "True"
	}
	return "False"
}

// Dropout2d is torch.nn.Dropout2d: in training mode it zeroes whole
// channels with probability P; see functional.Dropout2d.
type Dropout2d struct {
	leaf
	P   float64
	rng *rand.Rand
}

// NewDropout2d returns channel dropout with probability p drawing from rng.
// It panics with a *tensor.Error if p is outside [0, 1] or rng is nil.
func NewDropout2d(p float64, rng *rand.Rand) *Dropout2d {
	if !(p >= 0 && p <= 1) || rng == nil {
		tensor.Panicf("nn", "NewDropout2d", nil, "probability %v (want [0, 1]) and rng %v (want non-nil)", p, rng)
	}
	return &Dropout2d{P: p, rng: rng}
}

// Forward applies channel dropout in training mode.
func (d *Dropout2d) Forward(x *autograd.Tensor) *autograd.Tensor {
	return traced(d, functional.Dropout2d(x, d.P, d.Training(), d.rng))
}

// NamedParameters returns none.
func (d *Dropout2d) NamedParameters() []NamedParameter { return nil }

// Parameters returns none.
func (d *Dropout2d) Parameters() []*autograd.Tensor { return nil }

func (d *Dropout2d) String() string { return fmt.Sprintf("Dropout2d(p=%g)", d.P) }
