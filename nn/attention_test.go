package nn

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/nn/safetensors"
	"github.com/adjoint-go/adjoint/tensor"
)

// The names and shapes are PyTorch's named_parameters(), in its order.
func TestAttentionModulesNameParametersLikePyTorch(t *testing.T) {
	type named struct {
		name  string
		shape []int
	}
	check := func(t *testing.T, m Module, want []named) {
		t.Helper()
		ps := m.NamedParameters()
		if len(ps) != len(want) {
			t.Fatalf("%d parameters, want %d", len(ps), len(want))
		}
		for i, p := range ps {
			if p.Name != want[i].name || !slices.Equal(p.Shape(), want[i].shape) {
				t.Errorf("parameter %d is %s %v, want %s %v", i, p.Name, p.Shape(), want[i].name, want[i].shape)
			}
		}
	}
	t.Run("MultiheadAttention", func(t *testing.T) {
		check(t, NewMultiheadAttention(6, 2, 0, true, false, rng()), []named{
			{"in_proj_weight", []int{18, 6}}, {"in_proj_bias", []int{18}}, {"out_proj.weight", []int{6, 6}}, {"out_proj.bias", []int{6}}})
	})
	t.Run("MultiheadAttention without bias", func(t *testing.T) {
		check(t, NewMultiheadAttention(6, 2, 0, false, false, rng()), []named{{"in_proj_weight", []int{18, 6}}, {"out_proj.weight", []int{6, 6}}})
	})
	t.Run("TransformerEncoderLayer", func(t *testing.T) {
		check(t, NewTransformerEncoderLayer(4, 2, 6, 0.1, TransformerEncoderLayerOptions{}, rng()), []named{
			{"self_attn.in_proj_weight", []int{12, 4}}, {"self_attn.in_proj_bias", []int{12}},
			{"self_attn.out_proj.weight", []int{4, 4}}, {"self_attn.out_proj.bias", []int{4}},
			{"linear1.weight", []int{6, 4}}, {"linear1.bias", []int{6}}, {"linear2.weight", []int{4, 6}}, {"linear2.bias", []int{4}},
			{"norm1.weight", []int{4}}, {"norm1.bias", []int{4}}, {"norm2.weight", []int{4}}, {"norm2.bias", []int{4}}})
	})
}

// PyTorch's _reset_parameters: Xavier-uniform packed projection, zero
// biases, and the output projection's weight as a Linear's.
func TestMultiheadAttentionInitialisesAsPyTorch(t *testing.T) {
	m := NewMultiheadAttention(16, 4, 0, true, false, rng())
	within := func(name string, x *autograd.Tensor, bound float64) {
		big := 0.0
		for _, v := range x.Data() {
			if math.Abs(v) > bound {
				t.Fatalf("%s holds %v, beyond ±%v", name, v, bound)
			}
			big = math.Max(big, math.Abs(v))
		}
		if big < bound/2 {
			t.Errorf("%s reaches only %v of ±%v: not uniform over the range", name, big, bound)
		}
	}
	within("in_proj_weight", m.InProjWeight, math.Sqrt(6.0/(16+48)))
	within("out_proj.weight", m.OutProj.Weight, 1/math.Sqrt(16))
	for _, b := range []*autograd.Tensor{m.InProjBias, m.OutProj.Bias} {
		for _, v := range b.Data() {
			if v != 0 {
				t.Fatalf("a bias holds %v, want zeros", v)
			}
		}
	}
}

// testdata/transformer.safetensors holds the state_dict of a PyTorch
// TransformerEncoderLayer(4, 2, 6, batch_first=True), an input and its
// output in evaluation mode (see make_transformer.py).
func TestLoadsAPyTorchTransformerEncoderLayer(t *testing.T) {
	ts, _, err := safetensors.ReadFile("testdata/transformer.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	var state []safetensors.Named
	var x, y *tensor.Tensor
	for _, e := range ts {
		switch e.Name {
		case "x":
			x = e.T
		case "y":
			y = e.T
		default:
			state = append(state, e)
		}
	}
	l := NewTransformerEncoderLayer(4, 2, 6, 0.1, TransformerEncoderLayerOptions{BatchFirst: true}, rng())
	if _, err := LoadStateDict(l, state, true); err != nil {
		t.Fatal(err)
	}
	l.SetTraining(false)
	testutil.AllClose(t, "output of PyTorch's weights", l.Forward(autograd.From(x)).Data(), y.Data(), 1e-12)
	// And back: the state dict by name is PyTorch's.
	for _, e := range StateDict(l) {
		i := slices.IndexFunc(state, func(s safetensors.Named) bool { return s.Name == e.Name })
		if i < 0 || !tensor.AllClose(e.T, state[i].T, 0, 0) {
			t.Errorf("%s is not PyTorch's", e.Name)
		}
	}
}

// Asking for the weights takes the written-out math instead of the fused
// operation: the output is the same, masks and causality included, and the
// averaged weights are the mean of the per-head ones, each row summing to 1.
func TestMultiheadAttentionWeightsPathEqualsTheFusedOne(t *testing.T) {
	r := rng()
	m := NewMultiheadAttention(8, 2, 0.3, true, true, r)
	m.SetTraining(false)
	q, kv := autograd.Randn(r, 2, 5, 8), autograd.Randn(r, 2, 5, 8)
	o := MultiheadAttentionOptions{
		KeyPaddingMask: autograd.New([]float64{0, 0, 0, 0, 1, 0, 1, 0, 0, 0}, 2, 5),
		AttnMask:       autograd.New([]float64{0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 5, 5),
		IsCausal:       true,
	}
	fused, none := m.ForwardQKV(q, kv, kv, o)
	if none != nil {
		t.Fatal("weights without NeedWeights")
	}
	o.NeedWeights = true
	written, avg := m.ForwardQKV(q, kv, kv, o)
	testutil.AllClose(t, "output", written.Data(), fused.Data(), 1e-12)
	o.PerHeadWeights = true
	_, per := m.ForwardQKV(q, kv, kv, o)
	if !slices.Equal(avg.Shape(), []int{2, 5, 5}) || !slices.Equal(per.Shape(), []int{2, 2, 5, 5}) {
		t.Fatalf("weights of shapes %v and %v, want [2 5 5] and [2 2 5 5]", avg.Shape(), per.Shape())
	}
	testutil.AllClose(t, "averaged weights", avg.Data(), per.MeanDims(false, 1).Data(), 1e-15)
	for i, s := range avg.SumDims(false, -1).Data() {
		if math.Abs(s-1) > 1e-12 {
			t.Fatalf("row %d of the weights sums to %v", i, s)
		}
	}
	if w := avg.Data(); w[1] != 0 || w[4*5+4] != 0 { // causal; padding of key 4 in batch 0
		t.Fatalf("masked weights are not zero: %v", w[:10])
	}
	testutil.AllSame(t, "Forward is self-attention", m.Forward(q).Data(), func() []float64 {
		y, _ := m.ForwardQKV(q, q, q, MultiheadAttentionOptions{})
		return y.Data()
	}())
}

// Dropout acts in training mode only, in the attention and in the layer.
func TestAttentionDropoutOnlyInTraining(t *testing.T) {
	r := rng()
	l := NewTransformerEncoderLayer(8, 2, 16, 0.5, TransformerEncoderLayerOptions{NormFirst: true}, r)
	x := autograd.Randn(r, 4, 3, 8)
	l.SetTraining(false)
	a, b := l.Forward(x).Data(), l.Forward(x).Data()
	testutil.AllSame(t, "evaluation", a, b)
	if l.SelfAttn.Training() {
		t.Fatal("SetTraining(false) did not reach self_attn")
	}
	l.SetTraining(true)
	if c := l.Forward(x).Data(); slices.Equal(a, c) {
		t.Fatal("training mode gave the evaluation output: no dropout")
	}
}

func TestAttentionModulesPanic(t *testing.T) {
	m := NewMultiheadAttention(4, 2, 0, true, false, rng())
	l := NewTransformerEncoderLayer(4, 2, 6, 0, TransformerEncoderLayerOptions{}, rng())
	x := autograd.Zeros(3, 2, 4) // [L N E]
	cases := []struct {
		name, op, want string
		f              func()
	}{
		{"heads that do not divide the width", "NewMultiheadAttention", "divisible", func() { NewMultiheadAttention(6, 4, 0, true, false, rng()) }},
		{"a dropout above 1", "NewMultiheadAttention", "dropout", func() { NewMultiheadAttention(4, 2, 2, true, false, rng()) }},
		{"a nil rng", "NewMultiheadAttention", "rng is nil", func() { NewMultiheadAttention(4, 2, 0, true, false, nil) }},
		{"a nil key", "MultiheadAttention", "nil", func() { m.ForwardQKV(x, nil, x, MultiheadAttentionOptions{}) }},
		{"another width", "MultiheadAttention", "[3 2 5]", func() { m.Forward(autograd.Zeros(3, 2, 5)) }},
		{"another batch", "MultiheadAttention", "[3 1 4]", func() { m.ForwardQKV(x, autograd.Zeros(3, 1, 4), autograd.Zeros(3, 1, 4), MultiheadAttentionOptions{}) }},
		{"key and value of different lengths", "MultiheadAttention", "[4 2 4]", func() { m.ForwardQKV(x, x, autograd.Zeros(4, 2, 4), MultiheadAttentionOptions{}) }},
		{"a 4-D input", "MultiheadAttention", "[1 3 2 4]", func() { m.Forward(autograd.Zeros(1, 3, 2, 4)) }},
		{"a key padding mask of another shape", "MultiheadAttention", "key_padding_mask", func() {
			m.ForwardQKV(x, x, x, MultiheadAttentionOptions{KeyPaddingMask: autograd.Zeros(3, 2)})
		}},
		{"an attn_mask of another shape", "MultiheadAttention", "attn_mask", func() {
			m.ForwardQKV(x, x, x, MultiheadAttentionOptions{AttnMask: autograd.Zeros(2, 3, 3)})
		}},
		{"an unknown activation", "NewTransformerEncoderLayer", "tanh", func() {
			NewTransformerEncoderLayer(4, 2, 6, 0, TransformerEncoderLayerOptions{Activation: "tanh"}, rng())
		}},
		{"no feed-forward width", "NewTransformerEncoderLayer", "dim_feedforward", func() { NewTransformerEncoderLayer(4, 2, 0, 0, TransformerEncoderLayerOptions{}, rng()) }},
		{"a negative eps", "NewTransformerEncoderLayer", "eps", func() {
			NewTransformerEncoderLayer(4, 2, 6, 0, TransformerEncoderLayerOptions{LayerNormEps: -1}, rng())
		}},
		{"a nil input", "TransformerEncoderLayer", "nil", func() { l.Forward(nil) }},
		{"an input of another width", "MultiheadAttention", "[3 2 5]", func() { l.Forward(autograd.Zeros(3, 2, 5)) }},
	}
	for _, c := range cases {
		t.Run(c.name+" panics", func(t *testing.T) {
			e := testutil.Panics[*tensor.Error](t, c.f)
			if e.Op != c.op || !strings.Contains(e.Error(), c.want) {
				t.Fatalf("panic %v, want a *tensor.Error of %s mentioning %q", e, c.op, c.want)
			}
		})
	}
}

// The attention modules recycle the values they make inside (see
// TestTransformerEncoderStepRecycles); what they return is the caller's
// and keeps its values through backward: the output, and the weights.
func TestAttentionOutputsSurviveBackward(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	x := autograd.Randn(rng, 5, 2, 8) // [L N E]
	kv := autograd.Randn(rng, 6, 2, 8)
	runs := map[string]func() []*autograd.Tensor{
		"self-attention with weights": func() []*autograd.Tensor {
			out, w := NewMultiheadAttention(8, 2, 0, true, false, rng).ForwardQKV(x, x, x, MultiheadAttentionOptions{NeedWeights: true, PerHeadWeights: true})
			return []*autograd.Tensor{out, w}
		},
		"cross-attention": func() []*autograd.Tensor {
			out, _ := NewMultiheadAttention(8, 2, 0, true, false, rng).ForwardQKV(x, kv, kv, MultiheadAttentionOptions{IsCausal: false})
			return []*autograd.Tensor{out}
		},
		"encoder layer, post-norm": func() []*autograd.Tensor {
			return []*autograd.Tensor{NewTransformerEncoderLayer(8, 2, 16, 0, TransformerEncoderLayerOptions{}, rng).Forward(x)}
		},
		"encoder layer, pre-norm, batch first": func() []*autograd.Tensor {
			o := TransformerEncoderLayerOptions{NormFirst: true, BatchFirst: true}
			return []*autograd.Tensor{NewTransformerEncoderLayer(8, 2, 16, 0, o, rng).ForwardMask(x, nil, nil, true)}
		},
	}
	for name, run := range runs {
		t.Run(name, func(t *testing.T) { survivesBackward(t, run()) })
	}
}
