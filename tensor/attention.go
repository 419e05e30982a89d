package tensor

import (
	"math"

	"github.com/adjoint-go/adjoint/kernels"
)

// attentionGrain is the number of scores below which AttentionSoftmax and
// AttentionSoftmaxGrad run on one goroutine.
const attentionGrain = 1 << 14

// attentionSoftmax turns the raw attention scores q·kᵀ, of shape [..., L,
// S], into attention weights in place and returns scores: every row i (a
// query, i = its index along L) becomes softmax(scale·scores[i] + mask[i])
// over the keys j, in one pass per row, without a mask tensor being made:
//
//   - with causal, keys j > i take no part (weight 0), PyTorch's is_causal
//     (the top-left aligned lower triangle, also when L ≠ S);
//   - mask, if not nil, broadcasts to [..., L, S] and is read through its
//     strides: additive, it is added to the scaled scores (-Inf excludes a
//     key); otherwise it is a 0/1 mask where 0 excludes a key (PyTorch's
//     boolean attn_mask, True = take part).
//
// As in PyTorch's softmax, a row with no key left (all excluded), or
// holding NaN or +Inf, is all NaN. scores must be contiguous and the
// caller's own (a product it has just made); otherwise, or if mask does not
// broadcast, it panics with an *Error naming AttentionSoftmax and the
// shapes.
func attentionSoftmax(scores, mask *Tensor, additive, causal bool, scale float64) *Tensor {
	const op = "AttentionSoftmax"
	mustTensor(op, "scores", scores)
	scores.live(op)
	nd := len(scores.shape)
	if nd < 2 || !scores.contig {
		fail(op, [][]int{scores.shape}, "scores of shape %v must be contiguous with at least 2 dimensions", scores.shape)
	}
	l, s := scores.shape[nd-2], scores.shape[nd-1]
	var md []float64
	var mst []int
	moff := 0
	if mask != nil {
		mask.live(op)
		if !broadcastsTo(mask.shape, scores.shape) {
			fail(op, [][]int{scores.shape, mask.shape}, "mask of shape %v does not broadcast to the scores' shape %v", mask.shape, scores.shape)
		}
		m := mask.expand(scores.shape)
		md, mst, moff = m.st.data, m.strides, m.off
	}
	n := scores.Numel()
	if n == 0 {
		return scores
	}
	rows, d := n/s, scores.flat()
	a := attentionRows{d: d, md: md, mst: mst, moff: moff, shape: scores.shape, l: l, s: s, scale: scale, additive: additive, causal: causal}
	if grain := max(1, attentionGrain/s); rows <= grain {
		a.softmax(0, rows)
	} else {
		kernels.Parallel(rows, grain, a.softmax)
	}
	return scores
}

// broadcastsTo reports whether shape broadcasts to target without changing
// it.
func broadcastsTo(shape, target []int) bool {
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

// attentionRows is the work of attentionSoftmax: the scores' data, the
// expanded mask's data, strides and offset, and the rule.
type attentionRows struct {
	d, md            []float64
	mst, shape       []int
	moff, l, s       int
	scale            float64
	additive, causal bool
}

// maskOffset returns the offset of row r's mask in md.
func (a *attentionRows) maskOffset(r int) int {
	off := a.moff
	for k := len(a.shape) - 2; k >= 0 && r > 0; k-- {
		off += (r % a.shape[k]) * a.mst[k]
		r /= a.shape[k]
	}
	return off
}

// softmax computes rows lo..hi.
func (a *attentionRows) softmax(lo, hi int) {
	s := a.s
	var sc int
	if a.md != nil {
		sc = a.mst[len(a.mst)-1]
	}
	for r := lo; r < hi; r++ {
		row := a.d[r*s : (r+1)*s]
		n := s // keys 0..n-1 may take part
		if a.causal {
			n = min(s, r%a.l+1)
		}
		mx := math.Inf(-1)
		if a.md == nil {
			for j := range row[:n] {
				v := row[j] * a.scale
				row[j] = v
				if v > mx {
					mx = v
				}
			}
		} else {
			mo := a.maskOffset(r)
			for j := range row[:n] {
				v, m := row[j]*a.scale, a.md[mo+j*sc]
				switch {
				case a.additive:
					v += m
				case m == 0:
					v = math.Inf(-1)
				}
				row[j] = v
				if v > mx {
					mx = v
				}
			}
		}
		clear(row[n:])
		if math.IsInf(mx, -1) { // no key left: NaN, as softmax of all -Inf
			fill(row, math.NaN())
			continue
		}
		p := row[:n]
		for j := range p {
			p[j] -= mx
		}
		kernels.Exp(p, p)
		sum := kernels.Sum(p)
		if math.IsNaN(sum) {
			fill(row, math.NaN())
			continue
		}
		kernels.Scal(1/sum, p)
	}
}

// fill sets every element of x to v.
func fill(x []float64, v float64) {
	for i := range x {
		x[i] = v
	}
}

// attentionSoftmaxGrad returns the gradient of the attention scores from
// the weights p = AttentionSoftmax(scores) and the gradient dp of the
// weights, both of shape [..., L, S]: scale·p∘(dp − Σ_j dp∘p) per row, one
// pass per row, written into dp, which must be contiguous and the caller's
// own (a product it has just made). Keys that took no part have weight 0
// and get gradient 0. It panics with an *Error naming AttentionSoftmaxGrad
// and the shapes if they differ or dp is not contiguous.
func attentionSoftmaxGrad(p, dp *Tensor, scale float64) *Tensor {
	const op = "AttentionSoftmaxGrad"
	mustTensor(op, "weights p", p)
	mustTensor(op, "gradient dp", dp)
	p.live(op)
	dp.live(op)
	if !p.SameShape(dp) || len(p.shape) < 2 || !dp.contig {
		fail(op, [][]int{p.shape, dp.shape}, "weights of shape %v and gradient of shape %v must be the same, at least 2-D, with a contiguous gradient", p.shape, dp.shape)
	}
	n := p.Numel()
	if n == 0 {
		return dp
	}
	s := p.shape[len(p.shape)-1]
	pd, d := p.contiguousData(), dp.flat()
	rows := func(lo, hi int) {
		for r := lo; r < hi; r++ {
			pr, dr := pd[r*s:(r+1)*s], d[r*s:(r+1)*s]
			dot := kernels.Dot(pr, dr)
			for j, w := range pr {
				dr[j] = scale * w * (dr[j] - dot)
			}
		}
	}
	if grain := max(1, attentionGrain/s); n/s <= grain {
		rows(0, n/s)
	} else {
		kernels.Parallel(n/s, grain, rows)
	}
	return dp
}
