// Package sample picks the next token of a generated sequence from a
// language model's logits: greedily (the most likely token), or at random
// from the softmax of the logits, sharpened or flattened by a temperature
// and restricted to the k most likely tokens, as in nanoGPT's generate:
//
//	for range n {
//		logits := model.Forward(autograd.NoGrad(context)) // [B T V]
//		last := logits.Value().Select(1, -1)               // [B V]
//		next := sample.Next(last, rng, sample.Options{Temperature: 0.8, TopK: 40})
//		// append next to each row of context ...
//	}
//
// Draws come from the rng passed in, so a seeded rng reproduces a sample.
package sample

import (
	"math"
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/tensor"
)

// Options says how Next picks a token. The zero value samples from the
// softmax of the logits over the whole vocabulary.
type Options struct {
	// Temperature divides the logits before the softmax: below 1 sharpens
	// the distribution towards the likeliest tokens, above 1 flattens it.
	// 0 (the zero value) and 1 leave the logits unchanged; for the limit
	// of a temperature towards 0, use Greedy.
	Temperature float64
	// TopK restricts the draw to the k tokens of largest logits (the
	// earlier token among equal logits); 0 (the zero value) or a k at least
	// the vocabulary size keeps every token.
	TopK int
	// Greedy picks the token of largest logit (the first among equal
	// ones), ignoring Temperature and TopK and needing no rng.
	Greedy bool
}

// Next returns the next token of each row of logits, a [V] tensor (one
// sequence: the result holds one token) or a [B V] tensor (a batch: one
// token per row). With Greedy it is the argmax of each row; otherwise a
// draw from Probs(logits, o), from rng.
//
// It panics with a *tensor.Error if logits is nil or not 1-D or 2-D with
// V >= 1, holds NaN or +Inf, or has a row of only -Inf (no token possible);
// if o.Temperature is negative or not finite, or o.TopK is negative; or if
// rng is nil and o.Greedy is false.
func Next(logits *tensor.Tensor, rng *rand.Rand, o Options) []int {
	const op = "sample.Next"
	check(op, logits, o)
	var picked *tensor.Tensor
	if o.Greedy {
		picked = logits.Argmax(-1, false)
	} else {
		if rng == nil {
			tensor.Panicf("nn", op, [][]int{logits.Shape()}, "rng is a nil *rand.Rand (only Greedy needs none)")
		}
		picked = probs(logits, o).Multinomial(1, true, rng)
	}
	out := make([]int, picked.Numel())
	for i, v := range picked.Data() {
		out[i] = int(v)
	}
	return out
}

// Probs returns the distribution that Next draws from, in logits' shape:
// each row is softmax(logits / Temperature) over the TopK largest logits
// of the row, and 0 for the other tokens. o.Greedy is ignored. It panics
// as Next does.
func Probs(logits *tensor.Tensor, o Options) *tensor.Tensor {
	check("sample.Probs", logits, o)
	return probs(logits, o)
}

func probs(logits *tensor.Tensor, o Options) *tensor.Tensor {
	// Shifted by the row's maximum first, so that every logit is <= 0 and
	// the largest 0: a tiny temperature sends the others to -Inf, not NaN.
	z := logits.Sub(logits.MaxDims(true, -1))
	if o.Temperature != 0 && o.Temperature != 1 {
		z = z.Div(tensor.Scalar(o.Temperature))
	}
	if v := z.Size(-1); o.TopK > 0 && o.TopK < v {
		_, idx := z.TopK(o.TopK, -1, true, false)
		kept := tensor.ZerosLike(z).ScatterAdd(-1, idx, tensor.OnesLike(idx))
		z = z.MaskedFill(kept.Eq(tensor.Scalar(0)), math.Inf(-1))
	}
	e := z.Exp()
	return e.Div(e.SumDims(true, -1))
}

// check panics for logits or options that Next and Probs cannot use.
func check(op string, logits *tensor.Tensor, o Options) {
	if logits == nil {
		tensor.Panicf("nn", op, nil, "logits is a nil *Tensor")
	}
	shape := logits.Shape()
	shapes := [][]int{shape}
	if len(shape) != 1 && len(shape) != 2 {
		tensor.Panicf("nn", op, shapes, "logits of shape %v must be [V] or [B V]", shape)
	}
	v := shape[len(shape)-1]
	if v == 0 {
		tensor.Panicf("nn", op, shapes, "logits of shape %v have no tokens", shape)
	}
	if o.Temperature < 0 || math.IsNaN(o.Temperature) || math.IsInf(o.Temperature, 0) {
		tensor.Panicf("nn", op, shapes, "Temperature %v must be a finite non-negative number", o.Temperature)
	}
	if o.TopK < 0 {
		tensor.Panicf("nn", op, shapes, "TopK %d must not be negative", o.TopK)
	}
	data := logits.Data()
	for r := 0; r < len(data); r += v {
		possible := false
		for j, x := range data[r : r+v] {
			if math.IsNaN(x) || math.IsInf(x, 1) {
				tensor.Panicf("nn", op, shapes, "logit %v of token %d in row %d (logits of shape %v): logits must be finite or -Inf", x, j, r/v, shape)
			}
			possible = possible || !math.IsInf(x, -1)
		}
		if !possible {
			tensor.Panicf("nn", op, shapes, "every logit of row %d is -Inf (logits of shape %v): no token can be drawn", r/v, shape)
		}
	}
}
