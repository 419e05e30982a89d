package functional

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

// attentionByComposite is ScaledDotProductAttention written with
// composite operations: the documented math.
func attentionByComposite(q, k, v, mask *autograd.Tensor, causal bool, scale float64) *autograd.Tensor {
	s := q.MatMul(k.Transpose(-2, -1)).MulScalar(scale)
	if mask != nil {
		s = s.MaskedFill(autograd.From(mask.Value().Eq(tensor.Scalar(0))), math.Inf(-1))
	}
	if causal {
		l, n := s.Shape()[s.Dim()-2], s.Shape()[s.Dim()-1]
		after := tensor.Arange(0, float64(n), 1).Reshape(1, n).Gt(tensor.Arange(0, float64(l), 1).Reshape(l, 1))
		s = s.MaskedFill(autograd.From(after), math.Inf(-1))
	}
	return Softmax(s, -1).MatMul(v)
}

// At the charlm's shapes [B H T d], large enough that the softmax rows
// split across goroutines, the fused operation's output and gradients
// equal the composite's.
func TestScaledDotProductAttentionEqualsTheCompositeMath(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, causal := range []bool{false, true} {
		for _, masked := range []bool{false, true} {
			q := autograd.Randn(rng, 2, 3, 70, 8).SetRequiresGrad(true)
			k := autograd.Randn(rng, 2, 3, 70, 8).SetRequiresGrad(true)
			v := autograd.Randn(rng, 2, 3, 70, 5).SetRequiresGrad(true)
			var mask *autograd.Tensor
			if masked {
				m := tensor.Rand(rng, 2, 1, 70, 70).Gt(tensor.Scalar(0.3))
				for b := range 2 {
					for i := range 70 {
						m.Set(1, b, 0, i, 0) // every query keeps a key
					}
				}
				mask = autograd.From(m)
			}
			w := autograd.Randn(rng, 2, 3, 70, 5)
			got := ScaledDotProductAttention(q, k, v, AttentionOptions{Mask: mask, IsCausal: causal})
			got.Mul(w).Sum().Backward()
			gq, gk, gv := q.Grad().Data(), k.Grad().Data(), v.Grad().Data()
			for _, x := range []*autograd.Tensor{q, k, v} {
				x.ZeroGrad()
			}
			want := attentionByComposite(q, k, v, mask, causal, 1/math.Sqrt(8))
			want.Mul(w).Sum().Backward()
			testutil.AllClose(t, "output", got.Data(), want.Data(), 1e-12)
			testutil.AllClose(t, "dq", gq, q.Grad().Data(), 1e-12)
			testutil.AllClose(t, "dk", gk, k.Grad().Data(), 1e-12)
			testutil.AllClose(t, "dv", gv, v.Grad().Data(), 1e-12)
			noGrad := ScaledDotProductAttention(autograd.NoGrad(q), k, v, AttentionOptions{Mask: mask, IsCausal: causal})
			testutil.AllSame(t, "output without a graph", noGrad.Data(), got.Data())
		}
	}
}

// Dropout zeroes weights with the probability asked for and scales the
// others, drawing from the rng: the same seed gives the same result, and
// p = 1 drops everything.
func TestScaledDotProductAttentionDropout(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	q, k, v := autograd.Randn(rng, 4, 30, 6), autograd.Randn(rng, 4, 30, 6), autograd.Ones(4, 30, 1)
	run := func(p float64, seed uint64) []float64 {
		return ScaledDotProductAttention(q, k, v, AttentionOptions{DropoutP: p, Rng: rand.New(rand.NewPCG(seed, 0))}).Data()
	}
	testutil.AllSame(t, "the same seed", run(0.4, 7), run(0.4, 7))
	for _, x := range run(1, 7) {
		if x != 0 {
			t.Fatalf("p = 1 left %v", x)
		}
	}
	// With v = 1 each output is Σ_j w_j·d_j, of mean 1 over the draws.
	mean := 0.0
	out := run(0.4, 8)
	for _, x := range out {
		mean += x
	}
	if mean /= float64(len(out)); math.Abs(mean-1) > 0.1 {
		t.Fatalf("mean of the dropped-out rows' sums %v, want about 1", mean)
	}
	// The draw is a multiplier of the weights, as Dropout draws it.
	want := autograd.ScaledDotProductAttention(q, k, v, autograd.AttentionOptions{
		Dropout: autograd.From(dropoutMultiplier([]int{4, 30, 30}, 0.4, rand.New(rand.NewPCG(8, 0)))),
	})
	testutil.AllSame(t, "against the multiplier", out, want.Data())
}

func TestScaledDotProductAttentionPanics(t *testing.T) {
	q, k, v := autograd.Zeros(2, 3, 4), autograd.Zeros(2, 5, 4), autograd.Zeros(2, 5, 6)
	rng := rand.New(rand.NewPCG(1, 1))
	cases := map[string]struct {
		f    func()
		want string
	}{
		"a nil key":                 {func() { ScaledDotProductAttention(q, nil, v, AttentionOptions{}) }, "nil"},
		"a 1-D query":               {func() { ScaledDotProductAttention(autograd.Zeros(4), k, v, AttentionOptions{}) }, "[4]"},
		"keys of another width":     {func() { ScaledDotProductAttention(q, autograd.Zeros(2, 5, 3), v, AttentionOptions{}) }, "[2 5 3]"},
		"values of another length":  {func() { ScaledDotProductAttention(q, k, autograd.Zeros(2, 4, 6), AttentionOptions{}) }, "[2 4 6]"},
		"another batch":             {func() { ScaledDotProductAttention(q, autograd.Zeros(1, 5, 4), v, AttentionOptions{}) }, "[1 5 4]"},
		"a mask that does not fit":  {func() { ScaledDotProductAttention(q, k, v, AttentionOptions{Mask: autograd.Ones(3, 4)}) }, "[3 4]"},
		"dropout above 1":           {func() { ScaledDotProductAttention(q, k, v, AttentionOptions{DropoutP: 1.5, Rng: rng}) }, "dropout probability"},
		"dropout without an rng":    {func() { ScaledDotProductAttention(q, k, v, AttentionOptions{DropoutP: 0.1}) }, "Rng is nil"},
		"an infinite scale":         {func() { ScaledDotProductAttention(q, k, v, AttentionOptions{Scale: math.Inf(1)}) }, "scale"},
		"a NaN dropout probability": {func() { ScaledDotProductAttention(q, k, v, AttentionOptions{DropoutP: math.NaN()}) }, "dropout probability"},
		"dropout with a bad shape": {func() {
			ScaledDotProductAttention(q, autograd.Zeros(5, 4), v, AttentionOptions{DropoutP: 0.5, Rng: rng})
		}, "[5 4]"},
		"a mask with more dimension": {func() { ScaledDotProductAttention(q, k, v, AttentionOptions{Mask: autograd.Ones(1, 2, 3, 5)}) }, "broadcast"},
	}
	for name, c := range cases {
		t.Run(name+" panics", func(t *testing.T) {
			e := testutil.Panics[*tensor.Error](t, c.f)
			if e.Op != "ScaledDotProductAttention" || !strings.Contains(e.Error(), c.want) {
				t.Fatalf("panic %v, want a *tensor.Error of ScaledDotProductAttention mentioning %q", e, c.want)
			}
		})
	}
}

// BenchmarkScaledDotProductAttention is a forward and backward pass of
// causal attention at the charlm's shape [B H T d] = [32 4 64 16], fused
// and written out with composite operations.
func BenchmarkScaledDotProductAttention(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	q := autograd.Randn(rng, 32, 4, 64, 16).SetRequiresGrad(true)
	k := autograd.Randn(rng, 32, 4, 64, 16).SetRequiresGrad(true)
	v := autograd.Randn(rng, 32, 4, 64, 16).SetRequiresGrad(true)
	b.Run("impl=fused", func(b *testing.B) {
		for b.Loop() {
			ScaledDotProductAttention(q, k, v, AttentionOptions{IsCausal: true}).Sum().Backward()
		}
	})
	b.Run("impl=composite", func(b *testing.B) {
		for b.Loop() {
			attentionByComposite(q, k, v, nil, true, 0.25).Sum().Backward()
		}
	})
}
