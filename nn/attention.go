package nn

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/nn/functional"
	"github.com/adjoint-go/adjoint/nn/nninit"
	"github.com/adjoint-go/adjoint/tensor"
)

// MultiheadAttention is torch.nn.MultiheadAttention with query, key and
// value of the same width EmbedDim: the inputs are projected by the rows
// of InProjWeight (query, key, value in that order, PyTorch's packed
// layout), split into NumHeads heads attended to with
// functional.ScaledDotProductAttention, concatenated and projected by
// OutProj. Its parameters carry PyTorch's names (in_proj_weight,
// in_proj_bias, out_proj.weight, out_proj.bias), so state dicts load both
// ways.
type MultiheadAttention struct {
	Base
	EmbedDim, NumHeads int
	// Dropout is the probability of dropping an attention weight in
	// training mode.
	Dropout float64
	// BatchFirst: inputs and outputs are [N L E] rather than [L N E].
	BatchFirst bool

	InProjWeight *autograd.Tensor // [3·EmbedDim, EmbedDim]
	InProjBias   *autograd.Tensor // [3·EmbedDim], nil without bias
	OutProj      *Linear          // EmbedDim → EmbedDim

	rng *rand.Rand // draws the dropout
}

// NewMultiheadAttention returns multi-head attention of width embedDim
// split into numHeads heads (which must divide it), with dropout on the
// attention weights, biases if bias, and inputs [N L E] if batchFirst
// ([L N E] otherwise), initialised as PyTorch does from rng:
// InProjWeight Xavier-uniform, OutProj's weight as a Linear's, and every
// bias zero. rng also draws the dropout.
func NewMultiheadAttention(embedDim, numHeads int, dropout float64, bias, batchFirst bool, rng *rand.Rand) *MultiheadAttention {
	const op = "NewMultiheadAttention"
	if embedDim <= 0 || numHeads <= 0 || embedDim%numHeads != 0 {
		tensor.Panicf("nn", op, nil, "embed_dim %d must be positive and divisible by num_heads %d", embedDim, numHeads)
	}
	if !(dropout >= 0 && dropout <= 1) {
		tensor.Panicf("nn", op, nil, "dropout probability %v is not in [0, 1]", dropout)
	}
	if rng == nil {
		tensor.Panicf("nn", op, nil, "rng is nil; pass a *rand.Rand, e.g. rand.New(rand.NewPCG(seed, 0))")
	}
	m := &MultiheadAttention{EmbedDim: embedDim, NumHeads: numHeads, Dropout: dropout, BatchFirst: batchFirst, rng: rng}
	m.InProjWeight = nninit.XavierUniform(autograd.Zeros(3*embedDim, embedDim), 1, rng).SetRequiresGrad(true)
	if bias {
		m.InProjBias = autograd.Zeros(3 * embedDim).SetRequiresGrad(true)
		m.OutProj = NewLinear(embedDim, embedDim, rng)
		m.OutProj.Bias = autograd.Zeros(embedDim).SetRequiresGrad(true)
	} else {
		m.OutProj = NewLinearNoBias(embedDim, embedDim, rng)
	}
	return Init(m)
}

// MultiheadAttentionOptions are the arguments of MultiheadAttention.ForwardQKV
// besides its inputs. Masks follow nn.MultiheadAttention's conventions,
// which are the opposite of functional.ScaledDotProductAttention's for
// 0/1 masks: here a 1 excludes.
type MultiheadAttentionOptions struct {
	// KeyPaddingMask, [N S] (or [S] for unbatched inputs), marks the keys
	// to ignore: 0/1 with 1 = padding (PyTorch's boolean key_padding_mask,
	// True = ignore), or added to the scores with KeyPaddingMaskAdditive.
	KeyPaddingMask         *autograd.Tensor
	KeyPaddingMaskAdditive bool
	// AttnMask, [L S] or [N·NumHeads L S], says which keys each query may
	// not attend to: 0/1 with 1 = not allowed (PyTorch's boolean
	// attn_mask), or added to the scores with AttnMaskAdditive (PyTorch's
	// float attn_mask).
	AttnMask         *autograd.Tensor
	AttnMaskAdditive bool
	// IsCausal excludes, for query i, the keys j > i (combined with the
	// masks).
	IsCausal bool
	// NeedWeights asks for the attention weights as a second result (in
	// PyTorch it is on by default; here off, so that the fused attention
	// runs unless asked).
	NeedWeights bool
	// PerHeadWeights returns the weights of every head, [N NumHeads L S],
	// rather than their mean over the heads, [N L S]: PyTorch's
	// average_attn_weights=False.
	PerHeadWeights bool
}

// Forward returns self-attention of x (query, key and value x), without
// masks: ForwardQKV(x, x, x, MultiheadAttentionOptions{}).
func (m *MultiheadAttention) Forward(x *autograd.Tensor) *autograd.Tensor {
	y, _ := m.ForwardQKV(x, x, x, MultiheadAttentionOptions{})
	return y
}

// ForwardQKV is nn.MultiheadAttention's forward: query [L N E], key and
// value [S N E] ([N L E] and [N S E] with BatchFirst; [L E] and [S E]
// unbatched) give the output, of query's shape, and with o.NeedWeights the
// attention weights ([N L S], or [N NumHeads L S] with PerHeadWeights,
// without N for unbatched inputs), else nil. The weights are those after
// dropout, as PyTorch returns them. Without NeedWeights the heads are
// attended to with the fused functional.ScaledDotProductAttention; with it,
// with the same math written out so that the weights can be returned. It
// panics with a *tensor.Error naming MultiheadAttention if the shapes do
// not fit.
func (m *MultiheadAttention) ForwardQKV(query, key, value *autograd.Tensor, o MultiheadAttentionOptions) (out, weights *autograd.Tensor) {
	const op = "MultiheadAttention"
	m.mustBound(op)
	if query == nil || key == nil || value == nil {
		tensor.Panicf("nn", op, nil, "query, key or value is nil")
	}
	q, k, v, batched := m.batchFirst(query, key, value)
	n, l, s := q.Shape()[0], q.Shape()[1], k.Shape()[1]
	e, h := m.EmbedDim, m.NumHeads
	d := e / h
	// The values made here, but the output and the weights returned, are
	// Transient: backward hands them back to the pool, the projections too
	// once the heads that view them have been used.
	var qp, kp, vp *autograd.Tensor
	if query == key && key == value {
		qkv := autograd.Linear(q, m.InProjWeight, m.InProjBias).Transient().Chunk(3, -1)
		qp, kp, vp = qkv[0], qkv[1], qkv[2]
	} else {
		w := m.InProjWeight.Chunk(3, 0)
		b := []*autograd.Tensor{nil, nil, nil}
		if m.InProjBias != nil {
			b = m.InProjBias.Chunk(3, 0)
		}
		qp, kp, vp = autograd.Linear(q, w[0], b[0]).Transient(), autograd.Linear(k, w[1], b[1]).Transient(), autograd.Linear(v, w[2], b[2]).Transient()
	}
	heads := func(x *autograd.Tensor, n, t int) *autograd.Tensor { return x.Reshape(n, t, h, d).Transpose(1, 2) }
	qh, kh, vh := heads(qp, n, l), heads(kp, n, s), heads(vp, n, s) // [N H L d], [N H S d]
	mask := m.mask(o, batched, n, l, s)
	p := 0.0
	if m.Training() {
		p = m.Dropout
	}
	var y *autograd.Tensor
	if !o.NeedWeights {
		y = functional.ScaledDotProductAttention(qh, kh, vh, functional.AttentionOptions{
			Mask: mask, AdditiveMask: true, IsCausal: o.IsCausal, DropoutP: p, Rng: m.rng,
		}).Transient()
	} else {
		if o.IsCausal {
			causal := tensor.Zeros(l, s).MaskedFill(tensor.Arange(0, float64(s), 1).Reshape(1, s).Gt(tensor.Arange(0, float64(l), 1).Reshape(l, 1)), math.Inf(-1))
			if mask == nil {
				mask = autograd.From(causal)
			} else {
				mask = autograd.From(mask.Value().Add(causal))
			}
		}
		scores := qh.MulScalar(1 / math.Sqrt(float64(d))).Transient().MatMul(kh.Transpose(-2, -1)).Transient()
		if mask != nil {
			scores = scores.Add(mask).Transient()
		}
		weights = functional.Dropout(functional.Softmax(scores, -1), p, p > 0, m.rng) // [N H L S]
		y = weights.MatMul(vh).Transient()
		if !o.PerHeadWeights {
			weights = weights.MeanDims(false, 1)
		}
		if !batched {
			weights = weights.Squeeze(0)
		}
	}
	out = m.OutProj.Forward(y.Transpose(1, 2).Reshape(n, l, e).Transient())
	switch {
	case !batched:
		out = out.Squeeze(0)
	case !m.BatchFirst:
		out = out.Transpose(0, 1)
	}
	return traced(m, out), weights
}

// batchFirst checks the inputs' shapes and returns them as [N L E], [N S
// E], [N S E], and whether they were batched.
func (m *MultiheadAttention) batchFirst(query, key, value *autograd.Tensor) (q, k, v *autograd.Tensor, batched bool) {
	qs, ks, vs := query.Shape(), key.Shape(), value.Shape()
	nd := len(qs)
	bad := nd < 2 || nd > 3 || len(ks) != nd || len(vs) != nd || qs[nd-1] != m.EmbedDim || ks[nd-1] != m.EmbedDim || vs[nd-1] != m.EmbedDim ||
		!slices.Equal(ks, vs)
	if !bad && nd == 3 {
		bd := 1 // the batch dimension
		if m.BatchFirst {
			bd = 0
		}
		bad = qs[bd] != ks[bd]
	}
	if bad {
		layout := "[L N E], [S N E] and [S N E]"
		if m.BatchFirst {
			layout = "[N L E], [N S E] and [N S E]"
		}
		tensor.Panicf("nn", "MultiheadAttention", [][]int{qs, ks, vs},
			"query %v, key %v and value %v do not fit: want %s with E = %d (or [L E], [S E], [S E] unbatched)", qs, ks, vs, layout, m.EmbedDim)
	}
	switch {
	case nd == 2:
		return query.Unsqueeze(0), key.Unsqueeze(0), value.Unsqueeze(0), false
	case m.BatchFirst:
		return query, key, value, true
	}
	return query.Transpose(0, 1), key.Transpose(0, 1), value.Transpose(0, 1), true
}

// mask returns the key padding and attention masks of o merged into one
// additive mask that broadcasts to the scores [N H L S] (as PyTorch
// merges them), or nil for none.
func (m *MultiheadAttention) mask(o MultiheadAttentionOptions, batched bool, n, l, s int) *autograd.Tensor {
	var mask *tensor.Tensor
	if o.AttnMask != nil {
		am, as := o.AttnMask.Value(), o.AttnMask.Shape()
		switch {
		case slices.Equal(as, []int{l, s}):
		case len(as) == 3 && as[0] == n*m.NumHeads && as[1] == l && as[2] == s:
			am = am.Reshape(n, m.NumHeads, l, s)
		default:
			tensor.Panicf("nn", "MultiheadAttention", [][]int{as}, "attn_mask of shape %v, want [%d %d] or [%d %d %d]", as, l, s, n*m.NumHeads, l, s)
		}
		mask = additive(am, o.AttnMaskAdditive)
	}
	if o.KeyPaddingMask != nil {
		km, ks := o.KeyPaddingMask.Value(), o.KeyPaddingMask.Shape()
		want := []int{n, s}
		if !batched {
			want = []int{s}
		}
		if !slices.Equal(ks, want) {
			tensor.Panicf("nn", "MultiheadAttention", [][]int{ks}, "key_padding_mask of shape %v, want %v", ks, want)
		}
		km = additive(km.Reshape(n, 1, 1, s), o.KeyPaddingMaskAdditive)
		if mask == nil {
			mask = km
		} else {
			mask = mask.Add(km)
		}
	}
	if mask == nil {
		return nil
	}
	return autograd.From(mask)
}

// additive returns mask as an additive mask: itself if it is one, and 0
// where a 0/1 mask is 0 and -Inf where it is 1 otherwise.
func additive(mask *tensor.Tensor, isAdditive bool) *tensor.Tensor {
	if isAdditive {
		return mask
	}
	return tensor.Zeros(mask.Shape()...).MaskedFill(mask, math.Inf(-1))
}

// TransformerEncoderLayer is torch.nn.TransformerEncoderLayer: self-attention
// and a feed-forward block (Linear1, the activation, Dropout, Linear2), each
// with dropout and a residual connection, layer-normalised after the
// residual (post-norm, PyTorch's default) or, with NormFirst, before the
// block (pre-norm). Its children carry PyTorch's names (self_attn.*,
// linear1, dropout, linear2, norm1, norm2, dropout1, dropout2), so state
// dicts load both ways.
type TransformerEncoderLayer struct {
	Base
	SelfAttn           *MultiheadAttention
	Linear1            *Linear // DModel → DimFeedforward
	Dropout            *Dropout
	Linear2            *Linear // DimFeedforward → DModel
	Norm1, Norm2       *LayerNorm
	Dropout1, Dropout2 *Dropout
	// Activation is "relu" or "gelu" (the exact, erf form).
	Activation string
	NormFirst  bool
}

// TransformerEncoderLayerOptions are the settings of
// NewTransformerEncoderLayer that have PyTorch defaults; the zero value is
// those defaults.
type TransformerEncoderLayerOptions struct {
	Activation   string  // "relu" (the default, also for "") or "gelu"
	LayerNormEps float64 // 0 means 1e-5
	BatchFirst   bool    // inputs [N L E] rather than [L N E]
	NormFirst    bool    // pre-norm rather than post-norm
}

// NewTransformerEncoderLayer returns an encoder layer of width dModel with
// nhead attention heads (which must divide dModel), a feed-forward block
// of width dimFeedforward (PyTorch's default is 2048) and dropout (PyTorch's
// default is 0.1) on the attention weights and after each block and
// the activation, initialised as PyTorch does from rng (which also draws
// the dropout).
func NewTransformerEncoderLayer(dModel, nhead, dimFeedforward int, dropout float64, o TransformerEncoderLayerOptions, rng *rand.Rand) *TransformerEncoderLayer {
	const op = "NewTransformerEncoderLayer"
	if dimFeedforward <= 0 {
		tensor.Panicf("nn", op, nil, "dim_feedforward %d must be positive", dimFeedforward)
	}
	act := o.Activation
	switch act {
	case "":
		act = "relu"
	case "relu", "gelu":
	default:
		tensor.Panicf("nn", op, nil, "activation %q is neither \"relu\" nor \"gelu\"", o.Activation)
	}
	eps := o.LayerNormEps
	if eps == 0 {
		eps = 1e-5
	}
	if !(eps > 0) {
		tensor.Panicf("nn", op, nil, "layer_norm_eps %v must be positive", eps)
	}
	l := &TransformerEncoderLayer{
		SelfAttn:   NewMultiheadAttention(dModel, nhead, dropout, true, o.BatchFirst, rng),
		Linear1:    NewLinear(dModel, dimFeedforward, rng),
		Dropout:    NewDropout(dropout, rng),
		Linear2:    NewLinear(dimFeedforward, dModel, rng),
		Norm1:      NewLayerNorm(dModel),
		Norm2:      NewLayerNorm(dModel),
		Dropout1:   NewDropout(dropout, rng),
		Dropout2:   NewDropout(dropout, rng),
		Activation: act,
		NormFirst:  o.NormFirst,
	}
	l.Norm1.Eps, l.Norm2.Eps = eps, eps
	return Init(l)
}

// Forward runs the layer on x ([L N E], or [N L E] with BatchFirst, or [L
// E] unbatched) without masks.
func (l *TransformerEncoderLayer) Forward(x *autograd.Tensor) *autograd.Tensor {
	return l.ForwardMask(x, nil, nil, false)
}

// ForwardMask runs the layer on x with PyTorch's src_mask ([L L] or
// [N·nhead L L]) and src_key_padding_mask ([N L]), each nil for none and
// read as nn.MultiheadAttention reads 0/1 masks (1 = not allowed /
// padding), and with isCausal each position attending only to itself and
// the positions before it.
func (l *TransformerEncoderLayer) ForwardMask(x, srcMask, srcKeyPaddingMask *autograd.Tensor, isCausal bool) *autograd.Tensor {
	const op = "TransformerEncoderLayer"
	l.mustBound(op)
	if x == nil {
		tensor.Panicf("nn", op, nil, "input is nil")
	}
	o := MultiheadAttentionOptions{AttnMask: srcMask, KeyPaddingMask: srcKeyPaddingMask, IsCausal: isCausal}
	// Every value made here but the output is Transient: backward hands it
	// back to the pool. (Dropout returns its input when it drops nothing;
	// only values made here pass through it.)
	sa := func(x *autograd.Tensor) *autograd.Tensor {
		y, _ := l.SelfAttn.ForwardQKV(x, x, x, o)
		return l.Dropout1.Forward(y.Transient()).Transient()
	}
	ff := func(x *autograd.Tensor) *autograd.Tensor {
		h := l.Linear1.Forward(x).Transient()
		if l.Activation == "gelu" {
			h = h.GELU().Transient()
		} else {
			h = h.ReLU().Transient()
		}
		h = l.Dropout.Forward(h).Transient()
		return l.Dropout2.Forward(l.Linear2.Forward(h).Transient()).Transient()
	}
	if l.NormFirst {
		x = x.Add(sa(l.Norm1.Forward(x).Transient())).Transient()
		x = x.Add(ff(l.Norm2.Forward(x).Transient()))
	} else {
		x = l.Norm1.Forward(x.Add(sa(x)).Transient()).Transient()
		x = l.Norm2.Forward(x.Add(ff(x)).Transient())
	}
	return traced(l, x)
}
