// Package bridge carries the operations that package tensor implements for
// the packages above it in this module, without making them part of
// tensor's public API (which reads as an n-d array library): handing
// storage back to the pool, the fused gradient kernels of autograd's
// backward formulas, and the matrix product that adds into a gradient
// buffer. Package tensor registers them when it is initialised; autograd
// and nn take them with Get.
//
// The table is generic in the tensor type so that this package need not
// import tensor (which imports it): Get[*tensor.Tensor]() returns the one
// tensor registered. Package autograd lends optim its gradient access the
// same way (Grads, GetGrads).
package bridge

// Ops are the operations. Each is documented where package tensor
// implements it, under the same name in lower case.
type Ops[T any] struct {
	// Recycle hands t's storage back to the pool if t alone holds it, and
	// reports whether it did; t must not be used again then.
	Recycle func(t T) bool
	// IsRecyclable reports whether Recycle would take t's storage.
	IsRecyclable func(t T) bool
	// Unshare declares t the only header on its storage again (see
	// autograd's adoptView): a view that the backward pass took of a
	// gradient it alone held, once that gradient is dropped.
	Unshare func(t T)
	// RecycleOwner is Recycle for the tensor that made its storage (a value
	// autograd's backward frees), which may also take a storage that only
	// autograd's view ops have views of: the views die with it.
	RecycleOwner func(t T) bool
	// ViewState and MarkViewed bracket a view op of autograd: ViewState
	// reads the storage's sharing before the op takes views of t with
	// tensor's view methods, and MarkViewed then records that those views
	// are autograd's alone, if nothing else shared the storage.
	ViewState  func(t T) uint32
	MarkViewed func(t T, before uint32)
	// PinViews keeps the storage of t, a value autograd hands out or keeps
	// outside the graph, from RecycleOwner, if t may be one of autograd's
	// views.
	PinViews func(t T)
	// IsRecycled reports whether t's storage was recycled.
	IsRecycled func(t T) bool
	// AddMatMulInPlace adds op(a)·op(b) into dst (contiguous, of the
	// product's shape) in the product's output pass.
	AddMatMulInPlace func(dst, a, b T, transA, transB bool)
	// MatMulInto sets dst to op(a)·op(b) in the product's output pass,
	// never reading dst: the first gradient a zeroed buffer takes (see
	// autograd's ZeroGrad).
	MatMulInto func(dst, a, b T, transA, transB bool)
	// MatMulRowsInto sets (set) or adds into dst the product aᵀ·b of a
	// [... n] and b [... m] with their leading dimensions taken as rows:
	// Linear's weight gradient for an input of any batch shape.
	MatMulRowsInto func(dst, a, b T, set bool)

	// The fused activation gradients: g·f'(x) in one pass, from the input x
	// (GELU, GELUTanh, SiLU, Softplus) or the output y (Tanh, Sigmoid,
	// ReLU's threshold).
	TanhGrad, SigmoidGrad, SiLUGrad, SoftplusGrad, GELUTanhGrad func(g, x T) T
	// GELUGrad takes GELU's output y as well as its input x.
	GELUGrad      func(g, x, y T) T
	ThresholdGrad func(g, y T, threshold float64) T

	// CrossEntropyRows returns the per-row cross-entropy of logits [N C]
	// against class indices [N] and the rows' log-sum-exp for the gradient;
	// CrossEntropyRowsGrad is that gradient, each row scaled by scale.
	CrossEntropyRows     func(logits, target T, ignoreIndex int) (loss, lse T)
	CrossEntropyRowsGrad func(logits, target, lse, scale T, ignoreIndex int) T

	// ProdOthers returns, for each element of x, the product of the other
	// elements of its group over dims: the gradient factor of ProdDims.
	ProdOthers func(x T, dims []int) T
	// CumprodGrad is the gradient of Cumprod along dim for the output's
	// gradient g, in one pass per run and right at zeros.
	CumprodGrad func(x, g T, dim int) T

	// UnfoldColumns is Unfold with the batch folded into the columns ([N C
	// H W] to [C·kh·kw, N·L]), so that a batch's convolution is one matrix
	// product; FoldColumns is its adjoint, back to n images of size.
	UnfoldColumns func(x T, w Window) T
	FoldColumns   func(x T, n int, size [2]int, w Window) T

	// Conv2dBackward returns the gradients of a convolution's input,
	// weight and bias (those asked for; the weight's added into gwInto
	// when it is not the zero T) from its result's gradient gy.
	Conv2dBackward func(x, w, gy T, win Window, groups int, needX, needW, needB bool, gwInto T) (gx, gw, gb T)

	// AvgPool2d is average pooling of [N C H W] (padding counted unless
	// excludePad) in one pass; AvgPool2dGrad its gradient for an input of
	// size h×w.
	AvgPool2d     func(x T, win Window, excludePad bool) T
	AvgPool2dGrad func(g T, h, w int, win Window, excludePad bool) T

	// AddIntoSlice adds src into the elements [start, start+n) along dim
	// of the contiguous dst (src: dst's shape with n there, or with the
	// dimension removed for n = 1), without taking a view of dst.
	AddIntoSlice func(dst, src T, dim, start int)

	// MaxPool2dGrad scatters g [N C H' W'] into a zeroed [N C H W] at the
	// plane positions in indices (as MaxPool2d returns them).
	MaxPool2dGrad func(g, indices T, h, w int) T

	// Softmax and LogSoftmax are those of x along dim in one pass per row;
	// SoftmaxGrad and LogSoftmaxGrad their gradients from the output y and
	// the output's gradient g.
	Softmax, LogSoftmax         func(x T, dim int) T
	SoftmaxGrad, LogSoftmaxGrad func(g, y T, dim int) T

	// BatchNorm normalises each channel of x [N C ...] by the batch's
	// statistics (training) and returns the channels' means, reciprocal
	// standard deviations and population variances; BatchNormGrad returns
	// the gradients of x, w and b asked for (nil otherwise).
	BatchNorm     func(x, w, b T, eps float64) (y, mean, rstd, variance T)
	BatchNormGrad func(g, x, mean, rstd, w T, needX, needW, needB bool) (dx, dw, db T)

	// LayerNorm normalises x over its last k dimensions (see autograd's
	// LayerNorm) and returns the rows' means and reciprocal standard
	// deviations for the gradient; LayerNormGrad returns the gradients of
	// x, w and b asked for (nil otherwise) from the result's gradient g.
	LayerNorm     func(x, w, b T, k int, eps float64) (y, mean, rstd T)
	LayerNormGrad func(g, x, mean, rstd, w T, k int, needX, needW, needB bool) (dx, dw, db T)

	// AttentionSoftmax turns attention scores [..., L, S] into weights in
	// place: softmax over each row of scale·scores with the mask (additive,
	// or 0/1 where 0 excludes a key; nil for none) and, if causal, keys
	// after the query excluded. AttentionSoftmaxGrad is the gradient of
	// the scores from the weights p and their gradient dp, written into dp.
	AttentionSoftmax     func(scores, mask T, additive, causal bool, scale float64) T
	AttentionSoftmaxGrad func(p, dp T, scale float64) T

	// Scalars2 returns the values of a and b when both are 0-d and not
	// recycled; AddProduct0 adds a·b (the product rounded) into dst in
	// place when all three are, and reports whether it did. They are the
	// fast path of operations on scalar graphs.
	Scalars2    func(a, b T) (x, y float64, ok bool)
	AddProduct0 func(dst, a, b T) bool
}

// Window is tensor.Window, repeated here (the same fields, converted by
// package tensor) so that this package need not import tensor.
type Window struct {
	Kernel, Dilation, Padding, Stride [2]int
}

var registered any

// Register installs the operations; package tensor calls it once, at
// initialisation.
func Register[T any](ops *Ops[T]) { registered = ops }

// Get returns the registered operations for tensor type T. It panics if
// none were registered for T, which cannot happen once package tensor is
// linked in (it is, by any package that names *tensor.Tensor).
func Get[T any]() *Ops[T] { return lookup[*Ops[T]](registered, "tensor") }

// lookup returns what package pkg registered in v as an R, and panics if
// it registered nothing of that type.
func lookup[R any](v any, pkg string) R {
	r, ok := v.(R)
	if !ok {
		panic("bridge: package " + pkg + " registered nothing for this type")
	}
	return r
}

// Grads are what package autograd lends the packages above it for a
// parameter's gradient; package autograd registers them when it is
// initialised, and optim takes them with GetGrads.
type Grads[T any] struct {
	// Grad returns p's gradient as p.Grad() does, but for a caller that
	// keeps no reference to it once it returns (an optimizer's step,
	// gradient clipping): ZeroGrad may go on leaving the clearing of the
	// buffer to its next user, which Grad(), handing the buffer out to
	// whoever asks, stops.
	Grad func(p T) T
}

var registeredGrads any

// RegisterGrads installs the gradient access; package autograd calls it
// once, at initialisation.
func RegisterGrads[T any](g *Grads[T]) { registeredGrads = g }

// GetGrads returns the registered gradient access for tensor type T. It
// panics if none was registered for T, which cannot happen once package
// autograd is linked in (it is, by any package that names its Tensor).
func GetGrads[T any]() *Grads[T] { return lookup[*Grads[T]](registeredGrads, "autograd") }
