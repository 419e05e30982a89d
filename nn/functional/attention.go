package functional

import (
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// AttentionOptions are the arguments of ScaledDotProductAttention besides
// q, k and v. The zero value is unmasked attention scaled by 1/√E without
// dropout.
type AttentionOptions struct {
	// Mask, if not nil, broadcasts to the scores' shape [..., L, S]; it
	// gets no gradient. How it is read depends on AdditiveMask.
	Mask *autograd.Tensor
	// AdditiveMask false: Mask holds 0/1 and 0 excludes a key, as
	// PyTorch's boolean attn_mask (True = take part in attention). True:
	// Mask is added to the scaled scores, as PyTorch's float attn_mask
	// (-Inf excludes a key).
	AdditiveMask bool
	// IsCausal excludes, for query i, the keys j > i: PyTorch's is_causal,
	// the top-left aligned lower triangle (also when L ≠ S). It combines
	// with Mask.
	IsCausal bool
	// DropoutP is the probability of zeroing an attention weight (the
	// others are scaled by 1/(1-DropoutP)); as in PyTorch it applies
	// whenever it is above 0, so pass 0 in evaluation. It must be in
	// [0, 1].
	DropoutP float64
	// Rng draws the dropout; it is needed when DropoutP > 0.
	Rng *rand.Rand
	// Scale multiplies q·kᵀ; 0 means 1/√E.
	Scale float64
}

// ScaledDotProductAttention is torch.nn.functional.scaled_dot_product_attention:
// softmax(q·kᵀ·scale + mask)·v for q [..., L, E], k [..., S, E] and v [...,
// S, Ev] with the same leading dimensions (batch, heads), giving [..., L,
// Ev], with dropout on the attention weights when o.DropoutP > 0. It is one
// operation with a fused forward and backward (see
// autograd.ScaledDotProductAttention): the masked softmax runs in one pass
// per row and no mask tensor is made for IsCausal. A query whose keys are
// all excluded gets NaN, as in PyTorch. It panics with a *tensor.Error
// naming ScaledDotProductAttention if the shapes do not fit, DropoutP is
// not in [0, 1] or Rng is nil when it is needed.
func ScaledDotProductAttention(q, k, v *autograd.Tensor, o AttentionOptions) *autograd.Tensor {
	const op = "ScaledDotProductAttention"
	if q == nil || k == nil || v == nil {
		tensor.Panicf("functional", op, nil, "query, key or value is nil")
	}
	if !(o.DropoutP >= 0 && o.DropoutP <= 1) {
		tensor.Panicf("functional", op, [][]int{q.Shape(), k.Shape(), v.Shape()}, "dropout probability %v is not in [0, 1]", o.DropoutP)
	}
	ao := autograd.AttentionOptions{Mask: o.Mask, AdditiveMask: o.AdditiveMask, IsCausal: o.IsCausal, Scale: o.Scale}
	if o.DropoutP > 0 {
		if o.Rng == nil {
			tensor.Panicf("functional", op, [][]int{q.Shape(), k.Shape(), v.Shape()}, "Rng is nil with dropout probability %v; pass a *rand.Rand, e.g. rand.New(rand.NewPCG(seed, 0))", o.DropoutP)
		}
		qs, ks := q.Shape(), k.Shape()
		if len(qs) >= 2 && len(ks) >= 2 {
			shape := append(qs[:len(qs)-1:len(qs)-1], ks[len(ks)-2])
			ao.Dropout = autograd.From(dropoutMultiplier(shape, o.DropoutP, o.Rng))
		}
	}
	return autograd.ScaledDotProductAttention(q, k, v, ao)
}

// dropoutMultiplier returns a tensor of shape holding 1/(1-p) with
// probability 1-p and 0 otherwise, drawn from rng as Dropout draws.
func dropoutMultiplier(shape []int, p float64, rng *rand.Rand) *tensor.Tensor {
	mask := tensor.Zeros(shape...)
	if p < 1 {
		keep := 1 / (1 - p)
		m := mask.Raw()
		for i := range m {
			if rng.Float64() >= p {
				m[i] = keep
			}
		}
	}
	return mask
}
