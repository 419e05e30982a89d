package optim

import (
	"math"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/kernels"
	"github.com/adjoint-go/adjoint/tensor"
)

// ClipGradNorm rescales the gradients of params in place so that their
// total L2 norm (as if all were one vector) is at most maxNorm, and returns
// the total norm before clipping, like torch.nn.utils.clip_grad_norm_.
// Parameters without a gradient are skipped; with none at all it returns 0.
//
// As in PyTorch, every gradient is multiplied by maxNorm/(norm + 1e-6)
// when that factor is below 1. A norm that is not finite is not an error
// (PyTorch's error_if_nonfinite=False): a NaN norm makes every gradient NaN,
// and an infinite one multiplies every gradient by 0, which leaves the
// infinite elements NaN and the others zero. Check the returned norm with
// math.IsNaN or math.IsInf to skip such a step instead.
//
// It panics if maxNorm is negative or NaN or a parameter is nil.
func ClipGradNorm(params []*autograd.Tensor, maxNorm float64) float64 {
	const op = "ClipGradNorm"
	if !(maxNorm >= 0) {
		tensor.Panicf("optim", op, nil, "invalid max norm %v", maxNorm)
	}
	var sq float64
	for i, p := range params {
		if p == nil {
			tensor.Panicf("optim", op, nil, "parameter %d is nil", i)
		}
		g := gradOf(p)
		if g == nil {
			continue
		}
		gv := g.Value()
		var x []float64
		if gv.IsContiguous() {
			x = gv.Raw()
		} else {
			x = gv.Data()
		}
		n := math.Sqrt(kernels.Dot(x, x))
		sq += n * n
	}
	total := math.Sqrt(sq)
	coef := maxNorm / (total + 1e-6)
	if coef < 1 || math.IsNaN(coef) {
		for i, p := range params {
			if g := gradOf(p); g != nil {
				mustWrite(op, i, g.Value())
			}
		}
		for _, p := range params {
			if g := gradOf(p); g != nil {
				scaleGrad(g.Value(), coef)
			}
		}
	}
	return total
}

// mustWrite panics, naming op and the parameter, if the gradient gv of
// parameter i cannot be written in place: an expanded view (stride 0 along
// a dimension of more than one element, as create-graph mode can leave),
// whose elements share memory.
func mustWrite(op string, i int, gv *tensor.Tensor) {
	shape, strides := gv.Shape(), gv.Strides()
	for d, st := range strides {
		if st == 0 && shape[d] > 1 {
			tensor.Panicf("optim", op, [][]int{shape},
				"the gradient of parameter %d (shape %v, strides %v) is an expanded view whose elements share memory, so it cannot be changed in place; replace it with a copy first (a gradient from create-graph mode)", i, shape, strides)
		}
	}
}

func scaleGrad(gv *tensor.Tensor, c float64) {
	if gv.IsContiguous() {
		kernels.Scal(c, gv.Raw())
		gv.MarkModified()
		return
	}
	gv.CopyFrom(gv.MulScalar(c))
}

// ClipGradValue clamps every gradient element of params to [-clipValue,
// clipValue] in place, like torch.nn.utils.clip_grad_value_; NaNs stay NaN
// and parameters without a gradient are skipped. It panics if clipValue is
// negative or NaN or a parameter is nil.
func ClipGradValue(params []*autograd.Tensor, clipValue float64) {
	const op = "ClipGradValue"
	if !(clipValue >= 0) {
		tensor.Panicf("optim", op, nil, "invalid clip value %v", clipValue)
	}
	for i, p := range params {
		if p == nil {
			tensor.Panicf("optim", op, nil, "parameter %d is nil", i)
		}
		g := gradOf(p)
		if g == nil {
			continue
		}
		gv := g.Value()
		mustWrite(op, i, gv)
		if gv.IsContiguous() {
			clamp(gv.Raw(), clipValue)
			gv.MarkModified()
			continue
		}
		x := gv.Data()
		clamp(x, clipValue)
		gv.CopyFrom(tensor.FromData(x, gv.Shape()...))
	}
}

func clamp(x []float64, c float64) {
	for i, v := range x {
		if v < -c {
			x[i] = -c
		} else if v > c {
			x[i] = c
		}
	}
}
