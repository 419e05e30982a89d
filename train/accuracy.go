package train

import (
	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/nn"
	"github.com/adjoint-go/adjoint/tensor"
)

// Accuracy returns the fraction of the rows of x [N ...] that model
// classifies as their label in y [N] (the argmax of its logits [N C]),
// evaluated in no-grad and evaluation mode (restored after) in chunks of
// chunk rows; input, if not nil, turns a chunk of rows into the model's
// input (reshaping flat pixels into images, say). It returns 0 for an empty
// x.
func Accuracy(model nn.Module, x, y *tensor.Tensor, chunk int, input func(*autograd.Tensor) *autograd.Tensor) float64 {
	training := model.Training()
	model.SetTraining(false)
	defer model.SetTraining(training)
	n := x.Size(0)
	if n == 0 {
		return 0
	}
	chunk = max(chunk, 1)
	right := 0
	for lo := 0; lo < n; lo += chunk {
		hi := min(n, lo+chunk)
		in := autograd.NoGrad(autograd.From(x.Slice(0, lo, hi)))
		if input != nil {
			in = input(in)
		}
		pred := model.Forward(in).Argmax(1, false).Value()
		right += int(pred.Eq(y.Slice(0, lo, hi)).Sum().Item())
	}
	return float64(right) / float64(n)
}
