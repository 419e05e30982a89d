// Package functional holds the stateless neural-network functions of
// adjoint, as torch.nn.functional does: activations over a dimension
// (Softmax, LogSoftmax), losses (CrossEntropy, NLLLoss, MSELoss, L1Loss,
// BCEWithLogits), Dropout, LayerNorm and Embedding. Each is composed of
// differentiable autograd operations (LayerNorm is one, autograd's), so
// gradients (and second derivatives) need no code of their own.
//
// # Numerical stability
//
// Softmax, LogSoftmax, LogSumExp-based losses and BCEWithLogits shift by the
// maximum or use the log-sum-exp identity, so logits of ±1000 give finite
// values and gradients.
//
// # Indices
//
// Class targets and embedding indices are float64 tensors holding integral
// values, as returned by Argmax.
//
// # Panics
//
// Bad arguments (a probability outside [0, 1], shapes that do not match, a
// class index out of range) panic with a *tensor.Error naming the function
// and the shapes.
package functional
