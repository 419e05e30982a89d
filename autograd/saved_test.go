package autograd

import (
	"math"
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

// Every formula that reads its operation's own output (e^x for Exp, 1 - y²
// for Tanh, the mask of ReLU, ...) must notice that output being changed in
// place between the forward pass and backward, as PyTorch does ("output 0
// of ExpBackward0 ... modified by an inplace operation"), instead of
// returning a gradient computed from the new values.
func TestSavedOutputChangedInPlacePanics(t *testing.T) {
	pos := func() *Tensor { return leaf([]float64{0.5, 1, 2}, 3).SetRequiresGrad(true) }
	cases := []struct {
		op string
		f  func(x *Tensor) *Tensor
	}{
		{"Exp", (*Tensor).Exp},
		{"Tanh", (*Tensor).Tanh},
		{"Sigmoid", (*Tensor).Sigmoid},
		{"ReLU", (*Tensor).ReLU},
		{"Sqrt", (*Tensor).Sqrt},
		{"Rsqrt", (*Tensor).Rsqrt},
		{"Reciprocal", (*Tensor).Reciprocal},
		{"StdDims", func(x *Tensor) *Tensor { return x.StdDims(1, false, 0) }},
		{"MaxDims", func(x *Tensor) *Tensor { return x.MaxDims(false, 0) }},
		{"Max", (*Tensor).Max},
		{"LogSumExpDims", func(x *Tensor) *Tensor { return x.LogSumExpDims(false, 0) }},
		{"ProdDims", func(x *Tensor) *Tensor { return x.ProdDims(false, 0) }},
		{"Pow", func(x *Tensor) *Tensor { return x.Pow(Full(2, 3).SetRequiresGrad(true)) }},
	}
	for _, c := range cases {
		for _, mode := range []string{"Backward", "CreateGraph"} {
			t.Run(c.op+" under "+mode, func(t *testing.T) {
				x := pos()
				y := c.f(x)
				y.Value().CopyFrom(tensor.Full(100, y.Shape()...))
				e := testutil.Panics[*tensor.Error](t, func() {
					if mode == "CreateGraph" {
						y.Sum().Backward(CreateGraph)
					} else {
						y.Sum().Backward()
					}
				})
				if !containsAll(e.Error(), "output", c.op, "modified in place", "Clone") {
					t.Fatalf("panic %q does not name the output of %s and the fix", e, c.op)
				}
			})
		}
	}
}

// A view of the output shares its storage: writing through it is caught too.
func TestSavedOutputChangedThroughAViewPanics(t *testing.T) {
	x := leaf([]float64{1, 2, 3, 4}, 2, 2).SetRequiresGrad(true)
	y := x.Exp()
	y.Value().Transpose(0, 1).Set(7, 0, 1)
	e := testutil.Panics[*tensor.Error](t, func() { y.Sum().Backward() })
	if !containsAll(e.Error(), "output", "Exp", "[2 2]") {
		t.Fatalf("panic %q", e)
	}
}

// An output that is left alone still gives the right gradient, and one
// changed in place after Backward breaks nothing.
func TestSavedOutputUnchangedGivesTheGradient(t *testing.T) {
	x := leaf([]float64{0, 1, 2}, 3).SetRequiresGrad(true)
	y := x.Exp()
	y.Sum().Backward()
	assertClose(t, "d e^x", x.Grad(), []float64{1, math.E, math.Exp(2)}, 3)
	y.Value().Fill(0)
}

// The class-index target of cross-entropy is read again by backward: a label
// changed in between must not silently change the gradient.
func TestCrossEntropyTargetChangedInPlacePanics(t *testing.T) {
	logits := leaf([]float64{1, 2, 3, 4, 5, 6}, 2, 3).SetRequiresGrad(true)
	target := New([]float64{0, 2}, 2)
	loss := CrossEntropyRows(logits, target, -100).Sum()
	target.Value().Set(1, 0)
	for _, mode := range []BackwardOption{0, CreateGraph} {
		e := testutil.Panics[*tensor.Error](t, func() { loss.Backward(mode, RetainGraph) })
		if !containsAll(e.Error(), "CrossEntropyRows", "modified in place", "[2]") {
			t.Fatalf("panic %q does not name the target", e)
		}
	}
}

// PyTorch's var_backward divides by N - correction even when that is
// negative, so a correction above N gives finite gradients: 2(x -
// mean)/(N - correction) for the variance and 0 for the standard deviation
// (whose value is +Inf). Values from PyTorch 1.13 (torch.var(x, dim=(0,),
// correction=5)).
func TestVarStdGradientWithCorrectionAboveN(t *testing.T) {
	x := []float64{1, 2, 4}
	// 3e-16·max(1, |want|) is within the 1e-15 relative to the smallest
	// value, 1/3, that this test allowed before it used testutil.Close.
	g := gradWRT(func(x *Tensor) *Tensor { return x.VarDims(5, false, 0) }, x, 3)
	testutil.AllClose(t, "VarDims", g.Data(), []float64{1.3333333333333335, 0.3333333333333335, -1.6666666666666665}, 3e-16)
	g = gradWRT(func(x *Tensor) *Tensor { return x.Var(5) }, x, 3)
	testutil.AllClose(t, "Var", g.Data(), []float64{1.3333333333333335, 0.3333333333333335, -1.6666666666666665}, 3e-16)
	for _, f := range []func(x *Tensor) *Tensor{
		func(x *Tensor) *Tensor { return x.StdDims(5, false, 0) },
		func(x *Tensor) *Tensor { return x.Std(5) },
	} {
		g = gradWRT(f, x, 3)
		testutil.AllClose(t, "Std", g.Data(), []float64{0, 0, 0}, 0)
	}
	// At correction == N PyTorch gives ±Inf (variance) and NaN (std).
	g = gradWRT(func(x *Tensor) *Tensor { return x.VarDims(3, false, 0) }, x, 3)
	testutil.AllClose(t, "VarDims at N", g.Data(), []float64{math.Inf(-1), math.Inf(-1), math.Inf(1)}, 0)
	g = gradWRT(func(x *Tensor) *Tensor { return x.StdDims(3, false, 0) }, x, 3)
	for _, v := range g.Data() {
		if !math.IsNaN(v) {
			t.Fatalf("Std at correction N: gradient %v, want NaN like PyTorch", g.Data())
		}
	}
}
