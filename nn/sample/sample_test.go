package sample_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/nn/sample"
	"github.com/adjoint-go/adjoint/tensor"
)

func TestGreedyPicksTheArgmaxOfEachRow(t *testing.T) {
	logits := tensor.New([]float64{0, 3, 3, -1, math.Inf(-1), 2, 1, 0}, 2, 4)
	got := sample.Next(logits, nil, sample.Options{Greedy: true, Temperature: 5, TopK: 2})
	if !slices.Equal(got, []int{1, 1}) {
		t.Fatalf("Next = %v, want [1 1] (the first of tied maxima)", got)
	}
	if got := sample.Next(tensor.New([]float64{-2, -1, -3}, 3), nil, sample.Options{Greedy: true}); !slices.Equal(got, []int{1}) {
		t.Fatalf("Next of a [V] tensor = %v, want [1]", got)
	}
}

func TestProbs(t *testing.T) {
	ninf := math.Inf(-1)
	logits := tensor.New([]float64{1, 2, 3, 3, ninf, 0}, 2, 3)
	softmax := func(z ...float64) []float64 {
		s, out := 0.0, make([]float64, len(z))
		for _, v := range z {
			s += math.Exp(v)
		}
		for i, v := range z {
			out[i] = math.Exp(v) / s
		}
		return out
	}
	tests := []struct {
		name string
		o    sample.Options
		want []float64
	}{
		{"the zero options give the softmax", sample.Options{}, append(softmax(1, 2, 3), softmax(3, ninf, 0)...)},
		{"temperature 1 gives the softmax", sample.Options{Temperature: 1}, append(softmax(1, 2, 3), softmax(3, ninf, 0)...)},
		{"temperature 2 flattens", sample.Options{Temperature: 2}, append(softmax(0.5, 1, 1.5), softmax(1.5, ninf, 0)...)},
		{"top 2 keeps the two largest", sample.Options{TopK: 2}, append(append([]float64{0}, softmax(2, 3)...), softmax(3, ninf, 0)...)},
		{"top 3 of 3 keeps all", sample.Options{TopK: 3}, append(softmax(1, 2, 3), softmax(3, ninf, 0)...)},
		{"top 1 with a temperature is one-hot", sample.Options{TopK: 1, Temperature: 0.5}, []float64{0, 0, 1, 1, 0, 0}},
		{"a tiny temperature tends to the argmax", sample.Options{Temperature: 1e-320}, []float64{0, 0, 1, 1, 0, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := sample.Probs(logits, tc.o)
			if !slices.Equal(p.Shape(), []int{2, 3}) {
				t.Fatalf("shape %v, want [2 3]", p.Shape())
			}
			testutil.AllClose(t, "probabilities", p.Data(), tc.want, 1e-15)
		})
	}
}

// TestNextDrawsFromProbs compares the frequencies of 50,000 seeded draws
// with Probs; 0.015 is over 7 standard deviations of a frequency (at most
// 0.0023), and the seed is fixed: the test cannot flake.
func TestNextDrawsFromProbs(t *testing.T) {
	const draws = 50_000
	row := []float64{0.5, -1, 2, 1.5, 0}
	logits := tensor.New(row, 1, 5).Expand(draws, 5).Contiguous()
	for _, o := range []sample.Options{{}, {Temperature: 0.7}, {TopK: 3}, {Temperature: 1.5, TopK: 2}} {
		rng := rand.New(rand.NewPCG(11, uint64(o.TopK)))
		got := sample.Next(logits, rng, o)
		if len(got) != draws {
			t.Fatalf("%+v: %d tokens, want %d", o, len(got), draws)
		}
		want := sample.Probs(tensor.New(row, 5), o).Data()
		c := make([]int, 5)
		for _, k := range got {
			c[k]++
		}
		for j, p := range want {
			f := float64(c[j]) / draws
			if math.Abs(f-p) > 0.015 || (p == 0 && c[j] > 0) {
				t.Errorf("%+v: token %d drawn with frequency %.4f, want %.4f", o, j, f, p)
			}
		}
	}
}

func TestNextIsReproducible(t *testing.T) {
	logits := tensor.New([]float64{0.1, 0.2, 0.3, 0.4}, 1, 4).Expand(64, 4)
	a := sample.Next(logits, rand.New(rand.NewPCG(1, 2)), sample.Options{Temperature: 0.9})
	b := sample.Next(logits, rand.New(rand.NewPCG(1, 2)), sample.Options{Temperature: 0.9})
	if !slices.Equal(a, b) {
		t.Fatalf("%v and %v from the same seed", a, b)
	}
}

func TestBadInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	ok := tensor.New([]float64{1, 2}, 2)
	tests := []struct {
		name, want string
		f          func()
	}{
		{"nil logits", "nil", func() { sample.Next(nil, rng, sample.Options{}) }},
		{"0-d logits", "must be [V] or [B V]", func() { sample.Next(tensor.Scalar(1), rng, sample.Options{}) }},
		{"3-D logits", "must be [V] or [B V]", func() { sample.Next(tensor.Zeros(1, 2, 3), rng, sample.Options{}) }},
		{"no tokens", "no tokens", func() { sample.Next(tensor.Zeros(2, 0), rng, sample.Options{}) }},
		{"a NaN logit", "NaN", func() { sample.Next(tensor.New([]float64{0, math.NaN()}, 2), rng, sample.Options{}) }},
		{"a +Inf logit", "+Inf", func() { sample.Probs(tensor.New([]float64{math.Inf(1), 0}, 1, 2), sample.Options{}) }},
		{"a row of -Inf", "row 1", func() {
			sample.Next(tensor.New([]float64{0, 1, math.Inf(-1), math.Inf(-1)}, 2, 2), nil, sample.Options{Greedy: true})
		}},
		{"a negative temperature", "Temperature -1", func() { sample.Next(ok, rng, sample.Options{Temperature: -1}) }},
		{"an infinite temperature", "Temperature +Inf", func() { sample.Next(ok, rng, sample.Options{Temperature: math.Inf(1)}) }},
		{"a negative top k", "TopK -2", func() { sample.Probs(ok, sample.Options{TopK: -2}) }},
		{"a nil rng without Greedy", "rng", func() { sample.Next(ok, nil, sample.Options{}) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := testutil.Panics[*tensor.Error](t, tc.f)
			if !strings.HasPrefix(e.Op, "sample.") || !strings.Contains(e.Error(), tc.want) {
				t.Fatalf("panic %q, want a sample operation saying %q", e, tc.want)
			}
		})
	}
}
