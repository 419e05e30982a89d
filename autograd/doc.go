// Package autograd is adjoint's reverse-mode automatic differentiation: a
// differentiable Tensor with PyTorch's eager interface.
//
//	x := autograd.Scalar(3).SetRequiresGrad(true)
//	y := autograd.Scalar(10).SetRequiresGrad(true)
//	z := x.Mul(x).Add(x.Mul(y))
//	z.Backward()
//	x.Grad().Item() // 16
//
// # The graph
//
// Every operation on a tensor that requires a gradient records itself in
// the result: its inputs, in argument order, and its backward formula. Leaves
// (tensors made by constructors) require gradients once marked with
// SetRequiresGrad(true).
//
// Backward walks the graph once, in reverse topological order, iteratively:
// each tensor first receives the sum of the gradients of all its uses, then
// passes its own gradient to its inputs. A value used twice gets the sum of
// both paths, once, and deep or heavily shared graphs cost time linear in
// their size. Gradients accumulate into leaves' Grad() across calls until
// ZeroGrad. The graph is freed as backward goes unless RetainGraph is given;
// a second backward through a freed graph panics and says so.
//
// # Operations
//
// Every operation of package tensor has a differentiable twin here with
// the same name: arithmetic, unary math, reductions, MatMul and Linear,
// views, joining and indexing. Comparisons, Sign, Argmax and Argmin return
// tensors without a gradient. Each backward formula lives next to its
// forward code and is checked by GradCheck on plain, broadcast and strided
// inputs, to second order, and against PyTorch (internal/parity).
//
// # Adding an operation
//
// An operation is declared once, in one function of this package: its
// value from package tensor, and wrap1/wrap2/wrapN recording it with its
// backward formula next to it. The formula gets a call and the incoming
// gradient g and writes the inputs' gradients:
//
//	func (t *Tensor) Exp() *Tensor {
//		return wrap1(t.v.Exp(), "Exp", func(c call, g *Tensor, grads []*Tensor) {
//			grads[0] = g.Mul(c.output()) // d e^x = e^x
//		}, t)
//	}
//
// The formula is the specification. It reads every tensor besides g through
// c.input(i), c.output() or c.saved(e) (for an index or target kept with
// save), which check that the value was not changed in place since the
// forward pass; TestFormulasReadThroughCall rejects a formula that captures
// a tensor instead. Written with this package's differentiable operations,
// it also gives second derivatives. A fused gradient kernel, where one pays,
// is a branch of the same formula taken when g records nothing (g.noGrad),
// never a second specification.
//
// A unary operation with a fused gradient therefore touches four places:
//
//  1. its forward kernel, a method of tensor.Tensor (tensor/unary.go);
//  2. its fused gradient kernel (tensor/actgrad.go);
//  3. its method here, with the formula and the fused branch (unary.go);
//  4. its row in internal/optable, which puts it under GradCheck on plain
//     and strided inputs to second order (TestOpTable), checks the fused
//     branch against the formula to second order (TestFusedEqualsComposite),
//     benchmarks it (BenchmarkOps), and names the PyTorch parity programs
//     that cover it (internal/parity, whose TestOpTableHasParityCases
//     insists on them).
//
// An exported operation without a row fails optable's
// TestEveryOperationHasARow.
//
// # Broadcasting
//
// Binary operations broadcast like NumPy and PyTorch. The gradient of a
// broadcast input is summed back to the input's shape by one function,
// sumTo; no operation repeats that logic.
//
// # Views and aliasing
//
// Reshape, View, Transpose, Permute, Slice, Select, Expand, Squeeze and
// Unsqueeze return views that share storage with their input, as in package
// tensor, and are differentiable. Every value a backward formula reads
// again (an input of Mul, the output of Exp or Tanh, an index of Gather, the
// target of CrossEntropyRows) remembers its storage's version when the
// operation ran; changing it in place before backward (through Value, or
// any view of the same storage) makes backward panic, naming the operation
// and the value, rather than return a wrong gradient. Formulas reach those
// values only through checked accessors, and a test of the package's source
// rejects a formula that reads one any other way.
//
// # Higher derivatives
//
// Backward formulas are written with the same differentiable operations as
// the forward pass. Normally they run on a gradient that records nothing
// (see NoGrad); with CreateGraph, or Grad(outputs, inputs, true), they
// record a graph of their own, so gradients can be differentiated again:
// second derivatives and Hessian-vector products work for every operation.
//
// # Memory
//
// Ownership in one sentence: the backward engine owns the gradients it
// passes along and the temporaries of its formulas, and recycles them
// itself; every other value is the caller's and is never recycled, unless
// the code that made it marked it Transient because nobody else can see it
// (nn.Sequential's inner outputs, nn/functional's inner values), and
// anything handed out (Value of a tensor you hold, Detach, NoGrad, a
// module's Forward result, Grad) stays valid for as long as you hold it.
// The engine decides this in one place (engine.go): no operation marks or
// pins anything for its own sake, and a value a formula reads again goes
// through the same checked edge as an input (see call.go), which also keeps
// it from being recycled. Using a recycled value panics with a
// *tensor.Error that says so and how to keep a copy (Clone before Backward).
//
// A training step should not feed the garbage collector. Package tensor
// takes every tensor's storage from size-classed pools, and the backward
// pass hands storage back as it frees the graph (through internal/bridge,
// so that recycling is no part of package tensor's public API):
//
//   - the gradients flowing through the graph, which belong to the pass
//     alone: each goes back once its node's backward has used it, and the
//     second use of a value has its gradient added into the first's buffer;
//     a gradient that goes back through a view op (Reshape, Transpose,
//     Permute, Squeeze) comes out as a view of the incoming one, which is
//     dropped, so the view becomes the pass's and goes back in its turn;
//   - the temporaries of composite backward formulas (the terms of a
//     quotient's or a variance's gradient), as soon as the formula returns;
//     common activations (ReLU, Tanh, Sigmoid, GELU, GELUTanh, SiLU,
//     Softplus), Softmax, LogSoftmax, cross-entropy, LayerNorm and
//     BatchNorm need none, their gradients being fused passes;
//   - leaves' gradients are added into their Grad() buffers in place, and a
//     Linear or matrix-product weight's gradient is added by the product
//     itself, so no weight-sized temporary is made;
//   - the values of tensors marked Transient, intermediates that nothing
//     reads after backward (nn.Sequential marks its modules' inner
//     outputs, and nn/functional the values inside its composites).
//
// The next step takes the same memory back from the pools: the MNIST
// example's training step makes about 45 small allocations (10 KiB) in
// all. Storage that a view of the caller's shares, that Raw exposed, or
// that a caller passed in (FromData, BackwardWith's gradient, Grad's
// results) is never recycled; using a recycled value panics with a
// *tensor.Error instead of reading stale numbers. RetainGraph and
// CreateGraph keep everything.
//
// # No-grad evaluation and concurrency
//
// Go has no goroutine-local state, so adjoint's no-grad mode is carried by
// the data instead of a global switch: NoGrad(x) marks x, and any operation
// with a marked input records nothing and returns a marked result. A
// goroutine that evaluates one model with NoGrad inputs therefore never
// affects another goroutine that trains a second model. Optimizer updates
// work on Value() with package tensor's in-place methods, which record
// nothing.
//
// Tensors are not safe for concurrent mutation: a graph, its leaves and
// their gradients belong to one goroutine at a time. Separate models in
// separate goroutines need no locking.
//
// # Panics
//
// Shape mismatches, bad dimensions and misuse (Backward of a non-scalar
// without a gradient, SetRequiresGrad on a non-leaf, backward through a freed
// graph) panic with a *tensor.Error whose message names the operation and
// the shapes.
package autograd
