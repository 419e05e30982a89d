package functional

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
)

// TestCompositesRecycleSafely runs every composite of this package, whose
// internal values are Transient, through Backward three times (the
// gradients accumulate; recycled storage is NaN-filled in these tests, see
// TestMain) and compares the gradients with Grad in create-graph mode,
// which recycles nothing. The results they return must survive backward.
func TestCompositesRecycleSafely(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	probs := Softmax(autograd.Randn(rng, 4, 5), 1).Detach()
	labels := autograd.New([]float64{0, 3, -100, 4}, 4)
	bits := autograd.New([]float64{0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 0}, 4, 5)
	ws, bs := autograd.Randn(rng, 5).SetRequiresGrad(true), autograd.Randn(rng, 5).SetRequiresGrad(true)
	cases := map[string]func(x *autograd.Tensor) *autograd.Tensor{
		"Softmax":    func(x *autograd.Tensor) *autograd.Tensor { return Softmax(x, 1) },
		"LogSoftmax": func(x *autograd.Tensor) *autograd.Tensor { return LogSoftmax(x, 0) },
		"LayerNorm":  func(x *autograd.Tensor) *autograd.Tensor { return LayerNorm(x, []int{5}, ws, bs, 1e-5) },
		"MSELoss, elementwise": func(x *autograd.Tensor) *autograd.Tensor {
			return MSELoss(x, probs, Reduce(ReduceNone))
		},
		"L1Loss":  func(x *autograd.Tensor) *autograd.Tensor { return L1Loss(x, probs) },
		"MSELoss": func(x *autograd.Tensor) *autograd.Tensor { return MSELoss(x, probs, Reduce(ReduceSum)) },
		"BCEWithLogits": func(x *autograd.Tensor) *autograd.Tensor {
			return BCEWithLogits(x.MulScalar(20), bits)
		},
		"CrossEntropy, probabilities": func(x *autograd.Tensor) *autograd.Tensor { return CrossEntropy(x, probs) },
		"CrossEntropy, smoothing":     func(x *autograd.Tensor) *autograd.Tensor { return CrossEntropy(x, labels, LabelSmoothing(0.1)) },
		"CrossEntropy, indices":       func(x *autograd.Tensor) *autograd.Tensor { return CrossEntropy(x, labels, Reduce(ReduceSum)) },
		"NLLLoss":                     func(x *autograd.Tensor) *autograd.Tensor { return NLLLoss(LogSoftmax(x, 1), labels) },
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			x := autograd.Randn(rng, 4, 5).SetRequiresGrad(true)
			inputs := []*autograd.Tensor{x, ws, bs}
			lossOf := func(o *autograd.Tensor) *autograd.Tensor {
				if o.Numel() == 1 {
					return o
				}
				return o.Tanh().Sum()
			}
			want := autograd.Grad([]*autograd.Tensor{lossOf(f(x))}, inputs, true)
			for _, p := range inputs {
				p.ZeroGrad()
			}
			for round := 1; round <= 3; round++ {
				out := f(x)
				before := out.Data()
				lossOf(out).Backward()
				for i, v := range out.Data() {
					if v != before[i] {
						t.Fatalf("round %d: the result changed after backward: %v, was %v", round, out.Data(), before)
					}
				}
				for i, p := range inputs {
					if p.Grad() == nil {
						continue
					}
					got, w := p.Grad().Data(), want[i].Data()
					for j := range w {
						if d := math.Abs(got[j] - float64(round)*w[j]); !(d <= 1e-12*math.Max(1, math.Abs(w[j]))) {
							t.Fatalf("round %d: gradient of input %d = %v, want %d × %v", round, i, got, round, w)
						}
					}
				}
			}
			for _, p := range inputs {
				p.ZeroGrad()
			}
		})
	}
}
