package main

import (
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/nn"
	"github.com/adjoint-go/adjoint/nn/functional"
	"github.com/adjoint-go/adjoint/tensor"
)

// shape is the size of the model: embedding width, context length, heads
// and blocks.
type shape struct {
	vocab, width, context, heads, layers int
}

// reference is the model of the issue that asked for this example, the one
// torch_charlm.py builds.
func reference(vocab int) shape {
	return shape{vocab: vocab, width: 64, context: 64, heads: 4, layers: 2}
}

// gpt is a byte-level GPT: token and position embeddings, pre-LayerNorm
// transformer blocks, a final LayerNorm and a linear head. Its parameters
// are named as those of the torch.nn.Module in torch_charlm.py
// ("tok.weight", "blocks.0.qkv.weight", ..., "head.bias").
type gpt struct {
	nn.Base
	Tok    *nn.Embedding `nn:"tok"`
	Pos    *nn.Embedding `nn:"pos"`
	Blocks nn.ModuleList `nn:"blocks"`
	LN     *nn.LayerNorm `nn:"ln"`
	Head   *nn.Linear    `nn:"head"`
	s      shape
}

func newGPT(s shape, rng *rand.Rand) *gpt {
	m := &gpt{
		Tok:  nn.NewEmbedding(s.vocab, s.width, rng),
		Pos:  nn.NewEmbedding(s.context, s.width, rng),
		LN:   nn.NewLayerNorm(s.width),
		Head: nn.NewLinear(s.width, s.vocab, rng),
		s:    s,
	}
	for range s.layers {
		m.Blocks = append(m.Blocks, newBlock(s, rng))
	}
	return nn.Init(m)
}

// Forward maps token indices [B L] (L at most the context length) to the
// logits of the next token at each position, [B L V]. Its intermediate
// values are marked Transient, as in block.Forward.
func (m *gpt) Forward(idx *autograd.Tensor) *autograd.Tensor {
	l := idx.Shape()[1]
	x := m.Tok.Forward(idx).Transient().Add(m.Pos.Forward(autograd.From(tensor.Arange(0, float64(l), 1))).Transient())
	for _, b := range m.Blocks {
		x = b.Forward(x.Transient())
	}
	return m.Head.Forward(m.LN.Forward(x.Transient()).Transient())
}

// block is one pre-LayerNorm transformer block: x + proj(attention(ln1(x)))
// then x + mlp(ln2(x)), with causal multi-head attention whose queries,
// keys and values come from one Linear(C, 3C).
type block struct {
	nn.Base
	LN1   *nn.LayerNorm  `nn:"ln1"`
	QKV   *nn.Linear     `nn:"qkv"`
	Proj  *nn.Linear     `nn:"proj"`
	LN2   *nn.LayerNorm  `nn:"ln2"`
	MLP   *nn.Sequential `nn:"mlp"`
	heads int
}

func newBlock(s shape, rng *rand.Rand) *block {
	c := s.width
	return nn.Init(&block{
		LN1:   nn.NewLayerNorm(c),
		QKV:   nn.NewLinear(c, 3*c, rng),
		Proj:  nn.NewLinear(c, c, rng),
		LN2:   nn.NewLayerNorm(c),
		MLP:   nn.NewSequential(nn.NewLinear(c, 4*c, rng), &nn.GELU{}, nn.NewLinear(4*c, c, rng)),
		heads: s.heads,
	})
}

// Forward maps x [B L C] to [B L C]. The values it makes and reads only
// itself are marked Transient, so that the backward pass hands their
// storage back for the next step.
func (b *block) Forward(x *autograd.Tensor) *autograd.Tensor {
	sh := x.Shape()
	n, l, c := sh[0], sh[1], sh[2]
	qkv := b.QKV.Forward(b.LN1.Forward(x).Transient()).Transient().Split(c, 2) // q, k, v: [B L C] each
	heads := func(t *autograd.Tensor) *autograd.Tensor {
		return t.Reshape(n, l, b.heads, c/b.heads).Transpose(1, 2) // [B H L C/H]
	}
	y := functional.ScaledDotProductAttention(heads(qkv[0]), heads(qkv[1]), heads(qkv[2]),
		functional.AttentionOptions{IsCausal: true}).Transient()
	x = x.Add(b.Proj.Forward(y.Transpose(1, 2).Reshape(n, l, c)).Transient()).Transient()
	return x.Add(b.MLP.Forward(b.LN2.Forward(x).Transient()).Transient())
}
