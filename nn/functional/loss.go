package functional

import (
	"math"
	"slices"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// Reduction says how a loss combines its per-element values.
type Reduction int

const (
	// ReduceMean averages (the default, as in PyTorch).
	ReduceMean Reduction = iota
	// ReduceSum adds.
	ReduceSum
	// ReduceNone returns the per-element losses.
	ReduceNone
)

// LossOption changes a loss function's defaults.
type LossOption func(*lossConfig)

type lossConfig struct {
	reduction      Reduction
	ignoreIndex    int
	labelSmoothing float64
}

func configOf(op string, opts []LossOption) lossConfig {
	if len(opts) == 0 {
		return lossConfig{reduction: ReduceMean, ignoreIndex: -100}
	}
	c := lossConfig{reduction: ReduceMean, ignoreIndex: -100}
	for _, o := range opts {
		o(&c)
	}
	if c.reduction < ReduceMean || c.reduction > ReduceNone {
		tensor.Panicf("functional", op, nil, "unknown reduction %d", int(c.reduction))
	}
	if !(c.labelSmoothing >= 0 && c.labelSmoothing <= 1) {
		tensor.Panicf("functional", op, nil, "label smoothing %v is not in [0, 1]", c.labelSmoothing)
	}
	return c
}

// Reduce sets the reduction (ReduceMean by default).
func Reduce(r Reduction) LossOption { return func(c *lossConfig) { c.reduction = r } }

// IgnoreIndex sets a class index whose targets contribute nothing, neither
// to the loss nor to the count a mean divides by (default -100, as PyTorch).
func IgnoreIndex(i int) LossOption { return func(c *lossConfig) { c.ignoreIndex = i } }

// LabelSmoothing mixes the target with the uniform distribution over
// classes: (1-eps)·target + eps/C (default 0).
func LabelSmoothing(eps float64) LossOption {
	return func(c *lossConfig) { c.labelSmoothing = eps }
}

func reduce(l *autograd.Tensor, r Reduction) *autograd.Tensor {
	switch r {
	case ReduceSum:
		return transient(l).Sum()
	case ReduceNone:
		return l
	}
	return transient(l).Mean()
}

// CrossEntropy is torch.nn.functional.cross_entropy for logits of shape
// [N, C] (or [C] for one sample). target is either class indices of shape
// [N] (integral values in [0, C), or the ignore index) or class
// probabilities of logits' shape. Options: Reduce, IgnoreIndex (indices
// only), LabelSmoothing. It is computed from the logits minus each row's
// maximum, so it stays finite for logits of ±1000: with class indices and
// no label smoothing by the fused autograd.CrossEntropyRows (one pass over
// the logits, gradient softmax − onehot), otherwise from LogSoftmax.
func CrossEntropy(logits, target *autograd.Tensor, opts ...LossOption) *autograd.Tensor {
	c := configOf("CrossEntropy", opts)
	logits, target, squeeze := batchOf("CrossEntropy", logits, target)
	if c.labelSmoothing == 0 && !slices.Equal(logits.Shape(), target.Shape()) {
		loss := crossEntropyIndices(logits, target, c)
		if squeeze && c.reduction == ReduceNone {
			loss = loss.Squeeze(0)
		}
		return loss
	}
	logp := transient(LogSoftmax(logits, 1))
	var loss *autograd.Tensor
	if slices.Equal(logits.Shape(), target.Shape()) {
		if c.labelSmoothing > 0 {
			k := float64(logits.Shape()[1])
			target = transient(transient(target.MulScalar(1 - c.labelSmoothing)).AddScalar(c.labelSmoothing / k))
		}
		loss = reduce(transient(transient(logp.Mul(target)).SumDims(false, 1)).Neg(), c.reduction)
	} else {
		loss = nll("CrossEntropy", logp, target, c)
	}
	if squeeze && c.reduction == ReduceNone {
		loss = loss.Squeeze(0)
	}
	return loss
}

// NLLLoss is torch.nn.functional.nll_loss: the negative log-likelihood of
// class indices target ([N]) under log-probabilities logp ([N, C], or [C]).
// Options: Reduce, IgnoreIndex.
func NLLLoss(logp, target *autograd.Tensor, opts ...LossOption) *autograd.Tensor {
	c := configOf("NLLLoss", opts)
	c.labelSmoothing = 0
	logp, target, squeeze := batchOf("NLLLoss", logp, target)
	if slices.Equal(logp.Shape(), target.Shape()) {
		tensor.Panicf("functional", "NLLLoss", [][]int{logp.Shape(), target.Shape()}, "target of shape %v must hold class indices, not probabilities", target.Shape())
	}
	loss := nll("NLLLoss", logp, target, c)
	if squeeze && c.reduction == ReduceNone {
		loss = loss.Squeeze(0)
	}
	return loss
}

// batchOf gives a single sample ([C] with a 0-d or [C] target) a batch
// dimension and checks shapes.
func batchOf(op string, x, target *autograd.Tensor) (*autograd.Tensor, *autograd.Tensor, bool) {
	squeeze := false
	if x.Dim() == 1 {
		x, target, squeeze = x.Unsqueeze(0), target.Unsqueeze(0), true
	}
	xs, ts := x.Shape(), target.Shape()
	if x.Dim() != 2 || !(slices.Equal(xs, ts) || (len(ts) == 1 && ts[0] == xs[0])) {
		tensor.Panicf("functional", op, [][]int{xs, ts}, "input of shape %v and target of shape %v do not match (want [N C] with [N] indices or [N C] probabilities)", xs, ts)
	}
	return x, target, squeeze
}

// crossEntropyIndices is CrossEntropy for class indices without label
// smoothing: the fused per-row loss, reduced; a mean over no valid target
// is NaN, as in PyTorch.
func crossEntropyIndices(logits, target *autograd.Tensor, c lossConfig) *autograd.Tensor {
	loss := autograd.CrossEntropyRows(logits, target, c.ignoreIndex)
	switch c.reduction {
	case ReduceSum:
		return loss.Transient().Sum()
	case ReduceNone:
		return loss
	}
	nvalid := 0
	for _, v := range target.Value().Data() {
		if v != float64(c.ignoreIndex) {
			nvalid++
		}
	}
	return loss.Transient().Sum().MulScalar(1 / float64(nvalid))
}

// nll picks -logp[i, target[i]] for every non-ignored i and reduces.
func nll(op string, logp, target *autograd.Tensor, c lossConfig) *autograd.Tensor {
	n, k := logp.Shape()[0], logp.Shape()[1]
	idx := target.Value()
	valid := tensor.Zeros(n)
	safe := tensor.Zeros(n, 1)
	nvalid := 0
	for i := 0; i < n; i++ {
		v := idx.At(i)
		if v == float64(c.ignoreIndex) {
			continue
		}
		if v != math.Trunc(v) || v < 0 || v >= float64(k) {
			tensor.Panicf("functional", op, [][]int{logp.Shape(), idx.Shape()}, "target %v at %d is not a class index in [0, %d)", v, i, k)
		}
		valid.Set(1, i)
		safe.Set(v, i, 0)
		nvalid++
	}
	mask := autograd.From(valid)
	picked := logp.Gather(1, autograd.From(safe)).Squeeze(1) // [N]
	loss := picked.Neg()
	if c.labelSmoothing > 0 {
		smooth := transient(transient(logp.SumDims(false, 1)).Neg()) // [N]
		loss = transient(loss).MulScalar(1 - c.labelSmoothing).Add(transient(smooth.MulScalar(c.labelSmoothing / float64(k))))
	}
	loss = transient(loss).Mul(mask)
	switch c.reduction {
	case ReduceSum:
		return transient(loss).Sum()
	case ReduceNone:
		return loss
	}
	return transient(loss).Sum().MulScalar(1 / float64(nvalid)) // NaN when every target is ignored, as PyTorch
}

// MSELoss is the mean (or sum, or elementwise) squared difference of x and
// y, which must have the same shape.
func MSELoss(x, y *autograd.Tensor, opts ...LossOption) *autograd.Tensor {
	c := configOf("MSELoss", opts)
	checkSame("MSELoss", x, y)
	d := transient(x.Sub(y))
	return reduce(d.Mul(d), c.reduction)
}

func checkSame(op string, x, y *autograd.Tensor) {
	if !slices.Equal(x.Shape(), y.Shape()) {
		tensor.Panicf("functional", op, [][]int{x.Shape(), y.Shape()}, "input of shape %v and target of shape %v differ", x.Shape(), y.Shape())
	}
}
