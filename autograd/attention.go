package autograd

import (
	"math"
	"slices"

	"github.com/adjoint-go/adjoint/tensor"
)

// AttentionOptions are the arguments of ScaledDotProductAttention besides
// q, k and v. The zero value is unmasked attention scaled by 1/√E.
type AttentionOptions struct {
	// Mask, if not nil, broadcasts to the scores' shape [..., L, S]. It is
	// a constant: it gets no gradient.
	Mask *Tensor
	// AdditiveMask says how Mask is read: false, it holds 0/1 and a 0
	// excludes a key (PyTorch's boolean attn_mask, True = take part);
	// true, it is added to the scaled scores (PyTorch's float attn_mask,
	// -Inf excludes a key).
	AdditiveMask bool
	// IsCausal excludes, for query i, the keys j > i (PyTorch's is_causal:
	// the top-left aligned lower triangle, also when L ≠ S). It combines
	// with Mask.
	IsCausal bool
	// Scale multiplies q·kᵀ; 0 means 1/√E.
	Scale float64
	// Dropout, if not nil, multiplies the attention weights elementwise: a
	// constant of the scores' shape [..., L, S] holding 0 (dropped) or
	// 1/(1-p) (see functional.ScaledDotProductAttention, which draws it).
	Dropout *Tensor
}

// ScaledDotProductAttention returns softmax(q·kᵀ·scale + mask)·v for q [...,
// L, E], k [..., S, E] and v [..., S, Ev] with the same leading (batch)
// dimensions, giving [..., L, Ev], with the weights multiplied by
// o.Dropout if set: torch.nn.functional.scaled_dot_product_attention's
// math, as one operation. The forward pass is a batched product for the
// scores, one pass per row for the masked softmax (the causal rule and the
// mask are applied as the row is read; no mask tensor is made), and a
// batched product with v; the weights are kept for the gradient. A row
// whose keys are all excluded is NaN, as PyTorch's softmax of all -Inf.
//
// The gradient, with P the weights, W = P∘Dropout and dS = P∘(dP − Σ_j
// dP∘P) for dP = (g·vᵀ)∘Dropout, is
//
//	dq = scale·dS·k    dk = scale·dSᵀ·q    dv = Wᵀ·g
//
// written with differentiable operations on a recomputed P, so that second
// derivatives work; outside create-graph mode it reads the saved weights
// and computes dS in one pass per row. It panics with a *tensor.Error
// naming ScaledDotProductAttention and the shapes if they do not fit.
func ScaledDotProductAttention(q, k, v *Tensor, o AttentionOptions) *Tensor {
	const op = "ScaledDotProductAttention"
	qv, kv, vv := arg(op, "the query", q), arg(op, "the key", k), arg(op, "the value", v)
	attentionShapes(qv, kv, vv, o)
	scale := o.Scale
	if scale == 0 {
		scale = 1 / math.Sqrt(float64(qv.Size(-1)))
	}
	var mv, dv *tensor.Tensor
	if o.Mask != nil {
		mv = o.Mask.v
	}
	if o.Dropout != nil {
		dv = o.Dropout.v
	}
	p := tops.AttentionSoftmax(tensor.MatMulT(qv, kv, false, true), mv, o.AdditiveMask, o.IsCausal, scale)
	w := p
	if dv != nil {
		w = p.Mul(dv)
	}
	out := tensor.MatMulT(w, vv, false, false)
	if w != p {
		tops.Recycle(w)
	}
	if !records([]*Tensor{q, k, v}) {
		tops.Recycle(p)
		return wrapN(out, op, nil, []*Tensor{q, k, v})
	}
	pE := save(From(p))
	var maskE, dropE edge
	if o.Mask != nil {
		maskE = save(o.Mask)
	}
	if o.Dropout != nil {
		dropE = save(o.Dropout)
	}
	additive, causal := o.AdditiveMask, o.IsCausal
	return wrapN(out, op, func(c call, g *Tensor, grads []*Tensor) {
		var mask, drop *Tensor
		if maskE.t != nil {
			mask = c.saved(maskE)
		}
		if dropE.t != nil {
			drop = c.saved(dropE)
		}
		q, k, v := c.input(0), c.input(1), c.input(2)
		if g.noGrad {
			p := c.saved(pE).v
			attentionGradFused(c, g, grads, p, drop, scale)
			if c.final {
				tops.Recycle(p) // no other backward will run through this node
			}
			return
		}
		// create-graph mode: the formula, on weights recomputed
		// differentiably from q and k.
		p := attentionWeights(q, k, mask, additive, causal, scale)
		w := p
		if drop != nil {
			w = p.Mul(drop)
		}
		if c.needs(2) {
			grads[2] = w.matmulT(g, true, false, nil)
		}
		if c.needs(0) || c.needs(1) {
			dp := g.matmulT(v, false, true, nil)
			if drop != nil {
				dp = dp.Mul(drop)
			}
			ds := p.Mul(dp.Sub(dp.Mul(p).SumDims(true, -1))).MulScalar(scale)
			if c.needs(0) {
				grads[0] = ds.matmulT(k, false, false, nil)
			}
			if c.needs(1) {
				grads[1] = ds.matmulT(q, true, false, nil)
			}
		}
	}, []*Tensor{q, k, v})
}

// attentionGradFused is ScaledDotProductAttention's gradient outside
// create-graph mode: the formula's products on the saved weights p, with
// dS computed in one pass per row by tensor's AttentionSoftmaxGrad.
func attentionGradFused(c call, g *Tensor, grads []*Tensor, p *tensor.Tensor, drop *Tensor, scale float64) {
	w := p
	if drop != nil {
		w = p.Mul(drop.v)
	}
	if c.needs(2) {
		grads[2] = gradOf(tensor.MatMulT(w, g.v, true, false))
	}
	if w != p {
		tops.Recycle(w)
	}
	if !c.needs(0) && !c.needs(1) {
		return
	}
	dp := tensor.MatMulT(g.v, c.input(2).v, false, true)
	if drop != nil {
		d := dp.Mul(drop.v)
		tops.Recycle(dp)
		dp = d
	}
	ds := tops.AttentionSoftmaxGrad(p, dp, scale)
	if c.needs(0) {
		grads[0] = gradOf(tensor.MatMulT(ds, c.input(1).v, false, false))
	}
	if c.needs(1) {
		grads[1] = gradOf(tensor.MatMulT(ds, c.input(0).v, true, false))
	}
	tops.Recycle(ds)
}

// attentionWeights returns softmax(q·kᵀ·scale + mask) with differentiable
// operations, for the create-graph formula of ScaledDotProductAttention.
func attentionWeights(q, k, mask *Tensor, additive, causal bool, scale float64) *Tensor {
	s := q.matmulT(k, false, true, nil).MulScalar(scale)
	if mask != nil {
		if additive {
			s = s.Add(mask)
		} else {
			s = s.MaskedFill(From(mask.v.Eq(tensor.Scalar(0))), math.Inf(-1))
		}
	}
	l, n := s.v.Size(-2), s.v.Size(-1)
	if causal {
		after := tensor.Arange(0, float64(n), 1).Reshape(1, n).Gt(tensor.Arange(0, float64(l), 1).Reshape(l, 1))
		s = s.MaskedFill(From(after), math.Inf(-1))
	}
	if s.v.Numel() == 0 {
		return s
	}
	z := s.Sub(s.MaxDims(true, -1).Detach())
	e := z.Exp()
	return e.Div(e.SumDims(true, -1))
}

// attentionShapes checks the shapes of ScaledDotProductAttention's
// arguments.
func attentionShapes(q, k, v *tensor.Tensor, o AttentionOptions) {
	qs, ks, vs := q.Shape(), k.Shape(), v.Shape()
	shapes := [][]int{qs, ks, vs}
	nd := len(qs)
	if nd < 2 || len(ks) != nd || len(vs) != nd || !slices.Equal(qs[:nd-2], ks[:nd-2]) || !slices.Equal(qs[:nd-2], vs[:nd-2]) ||
		qs[nd-1] != ks[nd-1] || ks[nd-2] != vs[nd-2] {
		tensor.Panicf("autograd", "ScaledDotProductAttention", shapes,
			"query %v, key %v and value %v do not fit: want [... L E], [... S E] and [... S Ev] with the same leading dimensions", qs, ks, vs)
	}
	scores := append(qs[:nd-1:nd-1], ks[nd-2])
	if o.Mask != nil {
		ms := o.Mask.v.Shape()
		if !broadcasts(ms, scores) {
			tensor.Panicf("autograd", "ScaledDotProductAttention", append(shapes, ms),
				"mask of shape %v does not broadcast to the scores' shape %v", ms, scores)
		}
	}
	if o.Dropout != nil {
		if ds := o.Dropout.v.Shape(); !slices.Equal(ds, scores) {
			tensor.Panicf("autograd", "ScaledDotProductAttention", append(shapes, ds),
				"dropout multiplier of shape %v is not the scores' shape %v", ds, scores)
		}
	}
	if math.IsNaN(o.Scale) || math.IsInf(o.Scale, 0) {
		tensor.Panicf("autograd", "ScaledDotProductAttention", shapes, "scale %v is not finite", o.Scale)
	}
}

// broadcasts reports whether shape broadcasts to target without changing
// target.
func broadcasts(shape, target []int) bool {
	if len(shape) > len(target) {
		return false
	}
	lead := len(target) - len(shape)
	for i, d := range shape {
		if d != 1 && d != target[lead+i] {
			return false
		}
	}
	return true
}
