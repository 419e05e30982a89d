package functional

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

// compositeCE is CrossEntropy for class indices as it was before the fused
// path: LogSoftmax, then the masked negative log-likelihood.
func compositeCE(logits, target *autograd.Tensor, opts ...LossOption) *autograd.Tensor {
	return nll("CrossEntropy", LogSoftmax(logits, 1), target, configOf("CrossEntropy", opts))
}

func TestFusedCrossEntropyMatchesTheComposite(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	type input struct {
		name   string
		logits *tensor.Tensor
		target []float64
	}
	n, c := 9, 7
	target := make([]float64, n)
	for i := range target {
		target[i] = float64(rng.IntN(c))
	}
	withIgnored := append([]float64(nil), target...)
	withIgnored[2], withIgnored[5] = -100, -100
	huge := tensor.Randn(rng, n, c).MulScalar(1000)
	inputs := []input{
		{"random logits", tensor.Randn(rng, n, c), target},
		{"logits of ±1000", huge, target},
		{"ignored rows", tensor.Randn(rng, n, c), withIgnored},
		{"a strided view of logits", tensor.Randn(rng, c, n).Transpose(0, 1), withIgnored},
		{"one class", tensor.Randn(rng, n, 1), make([]float64, n)},
	}
	reductions := map[string]Reduction{"mean": ReduceMean, "sum": ReduceSum, "none": ReduceNone}
	for _, in := range inputs {
		for rname, r := range reductions {
			t.Run(in.name+" with reduction "+rname, func(t *testing.T) {
				y := autograd.New(in.target, len(in.target))
				x1 := autograd.From(in.logits.Clone()).SetRequiresGrad(true)
				x2 := autograd.From(in.logits.Clone()).SetRequiresGrad(true)
				got := CrossEntropy(x1, y, Reduce(r))
				want := compositeCE(x2, y, Reduce(r))
				if !testutil.AllClose(t, "loss (want: the composite's)", got.Value().Data(), want.Value().Data(), 1e-14) {
					t.FailNow()
				}
				got.Sum().Backward()
				want.Sum().Backward()
				if !testutil.AllClose(t, "gradient (want: the composite's)", x1.Grad().Value().Data(), x2.Grad().Value().Data(), 1e-14) {
					t.FailNow()
				}
			})
		}
	}
}

func TestFusedCrossEntropyOverNoValidTargetIsNaN(t *testing.T) {
	x := autograd.From(tensor.Randn(rand.New(rand.NewPCG(1, 1)), 3, 4)).SetRequiresGrad(true)
	y := autograd.New([]float64{-100, -100, -100}, 3)
	if v := CrossEntropy(x, y).Value().Item(); !math.IsNaN(v) {
		t.Fatalf("mean over no valid target = %v, want NaN", v)
	}
	if v := CrossEntropy(x, y, Reduce(ReduceSum)).Value().Item(); v != 0 {
		t.Fatalf("sum over no valid target = %v, want 0", v)
	}
}

func TestFusedCrossEntropyPassesGradCheckAndSecondDerivatives(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	y := autograd.New([]float64{1, -100, 3, 0}, 4)
	for rname, r := range map[string]Reduction{"mean": ReduceMean, "sum": ReduceSum, "none": ReduceNone} {
		t.Run("reduction "+rname, func(t *testing.T) {
			f := func(in []*autograd.Tensor) *autograd.Tensor { return CrossEntropy(in[0], y, Reduce(r)) }
			x := autograd.From(tensor.Randn(rng, 4, 5)).SetRequiresGrad(true)
			if err := autograd.GradCheck(f, []*autograd.Tensor{x}, nil); err != nil {
				t.Fatal(err)
			}
			xt := autograd.From(tensor.Randn(rng, 5, 4).Transpose(0, 1)).SetRequiresGrad(true)
			if err := autograd.GradCheck(f, []*autograd.Tensor{xt}, nil); err != nil {
				t.Fatalf("strided input: %v", err)
			}
			second := func(in []*autograd.Tensor) *autograd.Tensor {
				return autograd.Grad([]*autograd.Tensor{f(in).Sum()}, in, true)[0]
			}
			if err := autograd.GradCheck(second, []*autograd.Tensor{x}, nil); err != nil {
				t.Fatalf("second derivative: %v", err)
			}
		})
	}
}
