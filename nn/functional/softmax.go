package functional

import (
	"github.com/adjoint-go/adjoint/autograd"
)

// Softmax returns exp(x) / Σ exp(x) along dim, computed on x minus its
// maximum along dim so that large logits do not overflow. As in PyTorch, a
// row holding +Inf or NaN, or only -Inf, is all NaN, and an empty x gives
// an empty result (also when dim has size 0). It is autograd's
// Tensor.Softmax, one operation with a one-pass gradient.
func Softmax(x *autograd.Tensor, dim int) *autograd.Tensor {
	return x.Softmax(dim)
}

// LogSoftmax returns x - log Σ exp(x) along dim, stably (finite for logits
// of ±1000). It is computed as torch.log_softmax is, z - log Σ exp(z) with
// z = x minus its maximum along dim, so that a row holding +Inf or NaN, or
// only -Inf, is all NaN, as in PyTorch; an empty x gives an empty result.
// It is autograd's Tensor.LogSoftmax, one operation with a one-pass
// gradient.
func LogSoftmax(x *autograd.Tensor, dim int) *autograd.Tensor {
	return x.LogSoftmax(dim)
}

// transient marks v, a value computed inside this package that no caller
// ever sees, Transient (see autograd.Tensor.Transient), so that backward
// recycles its storage; a v that is one of the caller's own tensors is left
// alone. It returns v.
func transient(v *autograd.Tensor, callers ...*autograd.Tensor) *autograd.Tensor {
	for _, c := range callers {
		if v == c {
			return v
		}
	}
	return v.Transient()
}
