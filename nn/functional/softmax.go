package functional

import (
	"github.com/adjoint-go/adjoint/autograd"
)

// Softmax returns exp(x) / Σ exp(x) along dim, computed on x minus its
// maximum along dim so that large logits do not overflow.
func Softmax(x *autograd.Tensor, dim int) *autograd.Tensor {
	z := x.Sub(x.MaxDims(true, dim).Detach()) // the shift cancels: no gradient needed
	e := z.Exp()
	return e.Div(e.SumDims(true, dim))
}

// LogSoftmax returns x - log Σ exp(x) along dim, stably (finite for logits
// of ±1000).
func LogSoftmax(x *autograd.Tensor, dim int) *autograd.Tensor {
	return x.Sub(x.LogSumExpDims(true, dim))
}
