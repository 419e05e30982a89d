package nn_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/nn"
	"github.com/adjoint-go/adjoint/tensor"
)

// reshapeModule returns a view of its input, so that a Sequential's
// intermediate shares storage with the next one.
type reshapeModule struct{ nn.ReLU }

func (*reshapeModule) Forward(x *autograd.Tensor) *autograd.Tensor { return x.Reshape(x.Shape()...) }

// identityModule returns its input itself.
type identityModule struct{ nn.ReLU }

func (*identityModule) Forward(x *autograd.Tensor) *autograd.Tensor { return x }

// TestSequentialRecyclingKeepsResults runs a Sequential whose modules
// include a view and an identity, in training (backward recycles Transient
// intermediates) and in no-grad evaluation (Forward recycles them as it
// goes), several times, and checks outputs and gradients against the same
// layers applied by hand, with nothing recycled. Recycled storage is
// filled with NaNs in these tests (see TestMain).
func TestSequentialRecyclingKeepsResults(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	l1, l2 := nn.NewLinear(6, 8, rng), nn.NewLinear(8, 3, rng)
	seq := nn.NewSequential(l1, &nn.ReLU{}, &identityModule{}, &reshapeModule{}, nn.NewDropout(0.5, rng), l2, &reshapeModule{})
	seq.SetTraining(false) // dropout off, so that the hand-made pass matches
	x := autograd.From(tensor.Randn(rng, 4, 6))
	byHand := func(x *autograd.Tensor) *autograd.Tensor {
		return autograd.Linear(autograd.Linear(x, l1.Weight, l1.Bias).ReLU(), l2.Weight, l2.Bias)
	}
	want := byHand(autograd.NoGrad(x)).Data()
	byHand(x).Square().Sum().Backward()
	var wantGrads [][]float64
	for _, p := range seq.Parameters() {
		wantGrads = append(wantGrads, p.Grad().Data())
		p.ZeroGrad()
	}
	for round := 0; round < 3; round++ {
		if got := seq.Forward(autograd.NoGrad(x)).Data(); !slices.Equal(got, want) {
			t.Fatalf("round %d: no-grad output %v, want %v", round, got, want)
		}
		out := seq.Forward(x)
		if got := out.Data(); !slices.Equal(got, want) {
			t.Fatalf("round %d: output %v, want %v", round, got, want)
		}
		out.Square().Sum().Backward()
		if got := out.Data(); !slices.Equal(got, want) {
			t.Fatalf("round %d: the returned output changed after backward: %v", round, got)
		}
		for i, p := range seq.Parameters() {
			if got := p.Grad().Data(); !slices.Equal(got, wantGrads[i]) {
				t.Fatalf("round %d: gradient of parameter %d = %v, want %v", round, i, got, wantGrads[i])
			}
			p.ZeroGrad()
		}
	}
	if got := x.Data(); slices.ContainsFunc(got, func(v float64) bool { return v != v }) {
		t.Fatalf("the Sequential's input was recycled: %v", got)
	}
}

// frozenModule stops gradients: it returns a no-grad alias of its input,
// sharing the input's storage.
type frozenModule struct{ nn.ReLU }

func (*frozenModule) Forward(x *autograd.Tensor) *autograd.Tensor { return autograd.NoGrad(x) }

// TestSequentialNeverRecyclesWhatItReturnsOrWasGiven covers values that
// look like intermediates but are not: the output when the last module
// passes its input on (Dropout in evaluation or with p = 0, an identity),
// and the caller's input when a module returns an alias of it.
func TestSequentialNeverRecyclesWhatItReturnsOrWasGiven(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	x := autograd.From(tensor.Randn(rng, 4, 3))
	drop := nn.NewDropout(0.5, rng)
	drop.SetTraining(false)
	cases := map[string]*nn.Sequential{
		"Dropout in evaluation last":  nn.NewSequential(nn.NewLinear(3, 2, rng), drop),
		"Dropout with p = 0 last":     nn.NewSequential(nn.NewLinear(3, 2, rng), &nn.ReLU{}, nn.NewDropout(0, rng)),
		"identities last":             nn.NewSequential(nn.NewLinear(3, 2, rng), &identityModule{}, &identityModule{}),
		"a nested Sequential passing": nn.NewSequential(nn.NewLinear(3, 2, rng), nn.NewSequential(&identityModule{})),
	}
	for name, seq := range cases {
		t.Run(name, func(t *testing.T) {
			out := seq.Forward(x)
			before := out.Data()
			out.Square().Sum().Backward()
			if !slices.Equal(out.Data(), before) {
				t.Fatalf("the output changed after backward")
			}
			out = seq.Forward(autograd.NoGrad(x))
			if !slices.Equal(out.Data(), before) {
				t.Fatalf("no-grad output %v, want %v", out.Data(), before)
			}
		})
	}
	t.Run("a module returning an alias of the caller's input", func(t *testing.T) {
		in := x.Data()
		seq := nn.NewSequential(&frozenModule{}, nn.NewLinear(3, 2, rng))
		seq.Forward(x)
		seq.Forward(autograd.NoGrad(x))
		if !slices.Equal(x.Data(), in) {
			t.Fatalf("the caller's input changed")
		}
	})
}
