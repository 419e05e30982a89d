// Package optable is the table of adjoint's differentiable operations: one
// row per checked case of every exported operation of package autograd
// (and nn/functional's composites are built from them). The table drives
// the generic tests and benchmarks:
//
//   - autograd's TestOpTable: GradCheck on plain and strided (transposed)
//     inputs, and the second-order GradCheck, for every row;
//   - autograd's TestFusedEqualsComposite: for every row whose backward has
//     a fused path (a one-pass gradient kernel, or a product that adds into
//     a leaf's gradient buffer), the gradients of a plain Backward, which
//     takes it, equal those of the differentiable formula (create-graph
//     mode), to first and second order;
//   - internal/parity's TestOpTableHasParityCases: every row names the
//     PyTorch parity programs that cover it, and they exist;
//   - autograd's BenchmarkOps: forward and backward of every row;
//   - this package's TestEveryOperationHasARow: an exported operation of
//     package autograd without a row fails the build's tests.
//
// Adding an operation means adding its row here; see autograd's package
// documentation.
package optable

import (
	"math"
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

// Op is one row: a case of one operation.
type Op struct {
	Name   string  // the exported autograd method or function, e.g. "Exp"
	Case   string  // what the row checks beyond the name, may be empty
	Inputs []Input // the inputs, in the order F takes them
	F      func(in []*autograd.Tensor) *autograd.Tensor
	// NoGrad marks an operation whose result has no gradient (comparisons,
	// Sign, Argmax): the gradient checks do not apply.
	NoGrad bool
	// Fused marks an operation whose backward outside create-graph mode
	// takes a path other than its differentiable formula.
	Fused bool
	// FirstOrderOnly says why the second-order check does not apply.
	FirstOrderOnly string
	// Parity lists internal/parity programs that compare the operation with
	// PyTorch; NoParity says why there is none.
	Parity   []string
	NoParity string
}

// String names the row for test output, e.g. "Exp" or "Clamp at its bounds".
func (o Op) String() string {
	if o.Case == "" {
		return o.Name
	}
	return o.Name + " " + o.Case
}

// Input describes one input: its shape and how its values are drawn, or its
// exact values; Const inputs (indices, masks, targets) get no gradient and
// are never strided.
type Input struct {
	Shape []int
	Draw  func(*rand.Rand) float64
	Data  []float64
	Const bool
}

// Make returns the input as a leaf, requiring a gradient unless Const. With
// strided, a 2-D input is the transpose of a contiguous [c r] matrix (a
// non-contiguous view), other inputs as without.
func (in Input) Make(rng *rand.Rand, strided bool) *autograd.Tensor {
	n := 1
	for _, d := range in.Shape {
		n *= d
	}
	vals := in.Data
	if vals == nil {
		vals = make([]float64, n)
		draw := in.Draw
		if draw == nil {
			draw = Any
		}
		for i := range vals {
			vals[i] = draw(rng)
		}
	}
	var v *tensor.Tensor
	switch {
	case len(in.Shape) == 2 && strided && !in.Const:
		v = tensor.New(vals, in.Shape[1], in.Shape[0]).Transpose(0, 1)
		// Transposing back the values keeps them: element (i, j) of the view
		// is vals[j*r + i]; the draw is random, so only the layout matters.
	default:
		v = tensor.New(vals, in.Shape...)
	}
	t := autograd.From(v)
	if !in.Const {
		t.SetRequiresGrad(true)
	}
	return t
}

// Strided reports whether Make with strided gives a non-contiguous input
// for some input of the row.
func (o Op) Strided() bool {
	for _, in := range o.Inputs {
		if len(in.Shape) == 2 && !in.Const && in.Shape[0] > 1 && in.Shape[1] > 1 {
			return true
		}
	}
	return false
}

// The value draws of the table's inputs (see testutil).
var (
	Any      = testutil.Normal
	Positive = testutil.Positive
	AwayFrom = testutil.AwayFrom
	Distinct = testutil.Distinct
)

type t = *autograd.Tensor

func x(shape ...int) Input                              { return Input{Shape: shape} }
func xd(d func(*rand.Rand) float64, shape ...int) Input { return Input{Shape: shape, Draw: d} }
func idx(data []float64, shape ...int) Input            { return Input{Shape: shape, Data: data, Const: true} }

func unary(f func(t) t) func([]t) t     { return func(in []t) t { return f(in[0]) } }
func binary(f func(t, t) t) func([]t) t { return func(in []t) t { return f(in[0], in[1]) } }

// Ops is the table.
var Ops = []Op{
	// Unary elementwise.
	{Name: "Neg", Inputs: []Input{x(2, 3)}, F: unary(t.Neg), Parity: []string{"Neg of a matrix"}},
	{Name: "Abs", Inputs: []Input{xd(AwayFrom(0), 2, 3)}, F: unary(t.Abs), Parity: []string{"Abs away from zero", "Abs at zero has a zero gradient"}},
	{Name: "Exp", Inputs: []Input{x(2, 3)}, F: unary(t.Exp), Parity: []string{"Exp of a matrix"}},
	{Name: "Log", Inputs: []Input{xd(Positive, 2, 3)}, F: unary(t.Log), Parity: []string{"Log of positive values"}},
	{Name: "Sqrt", Inputs: []Input{xd(Positive, 2, 3)}, F: unary(t.Sqrt), Parity: []string{"Sqrt of positive values"}},
	{Name: "Rsqrt", Inputs: []Input{xd(Positive, 2, 3)}, F: unary(t.Rsqrt), Parity: []string{"Rsqrt of positive values"}},
	{Name: "Square", Inputs: []Input{x(2, 3)}, F: unary(t.Square), Parity: []string{"Square of a matrix"}},
	{Name: "Reciprocal", Inputs: []Input{xd(Positive, 2, 3)}, F: unary(t.Reciprocal), Parity: []string{"Reciprocal away from zero"}},
	{Name: "PowScalar", Case: "with exponent 2.5", Inputs: []Input{xd(Positive, 2, 3)}, F: unary(func(a t) t { return a.PowScalar(2.5) }), Parity: []string{"PowScalar with exponent 0.5 of positive values", "PowScalar with exponent -1.5 of positive values"}},
	{Name: "PowScalar", Case: "with exponent 3", Inputs: []Input{x(2, 3)}, F: unary(func(a t) t { return a.PowScalar(3) }), Parity: []string{"PowScalar with exponent 3 of both signs"}},
	{Name: "Sin", Inputs: []Input{x(2, 3)}, F: unary(t.Sin), Parity: []string{"Sin of a matrix"}},
	{Name: "Cos", Inputs: []Input{x(2, 3)}, F: unary(t.Cos), Parity: []string{"Cos of a matrix"}},
	{Name: "Tanh", Inputs: []Input{x(2, 3)}, F: unary(t.Tanh), Fused: true, Parity: []string{"Tanh of a matrix", "Second derivative of Tanh"}},
	{Name: "Sigmoid", Inputs: []Input{x(2, 3)}, F: unary(t.Sigmoid), Fused: true, Parity: []string{"Sigmoid including large magnitudes"}},
	{Name: "Erf", Inputs: []Input{x(2, 3)}, F: unary(t.Erf), Parity: []string{"Erf of a matrix"}},
	{Name: "ReLU", Inputs: []Input{xd(AwayFrom(0), 2, 3)}, F: unary(t.ReLU), Fused: true, Parity: []string{"ReLU away from zero", "ReLU at zero has a zero gradient"}},
	{Name: "LeakyReLU", Inputs: []Input{xd(AwayFrom(0), 2, 3)}, F: unary(func(a t) t { return a.LeakyReLU(0.2) }), Parity: []string{"LeakyReLU with slope 0.2"}},
	{Name: "GELU", Inputs: []Input{x(2, 3)}, F: unary(t.GELU), Fused: true, Parity: []string{"GELU of a matrix"}},
	{Name: "GELUTanh", Inputs: []Input{x(2, 3)}, F: unary(t.GELUTanh), Fused: true, Parity: []string{"GELU with the tanh approximation"}},
	{Name: "SiLU", Inputs: []Input{x(2, 3)}, F: unary(t.SiLU), Fused: true, Parity: []string{"SiLU of a matrix"}},
	{Name: "Softplus", Inputs: []Input{x(2, 3)}, F: unary(t.Softplus), Fused: true, Parity: []string{"Softplus below and above the threshold of 20"}},
	{Name: "Softplus", Case: "above its threshold", Inputs: []Input{xd(func(r *rand.Rand) float64 { return 21 + 5*r.Float64() }, 2, 3)}, F: unary(t.Softplus), Fused: true, Parity: []string{"Softplus below and above the threshold of 20"}},
	{Name: "Clamp", Inputs: []Input{xd(AwayFrom(-0.5, 1), 2, 3)}, F: unary(func(a t) t { return a.Clamp(-0.5, 1) }), Parity: []string{"Clamp to an interval", "Clamp at its bounds passes the gradient"}},
	{Name: "Sign", Inputs: []Input{x(2, 3)}, F: unary(t.Sign), NoGrad: true, NoParity: "a constant: no gradient to compare"},
	{Name: "AddScalar", Inputs: []Input{x(2, 3)}, F: unary(func(a t) t { return a.AddScalar(1.5) }), Parity: []string{"AddScalar and MulScalar"}},
	{Name: "MulScalar", Inputs: []Input{x(2, 3)}, F: unary(func(a t) t { return a.MulScalar(-2.5) }), Parity: []string{"AddScalar and MulScalar"}},

	// Binary, broadcasting.
	{Name: "Add", Case: "broadcasting a column and a row", Inputs: []Input{x(3, 1), x(1, 4)}, F: binary(t.Add), Parity: []string{"Add of two matrices", "Add broadcasting a column and a row"}},
	{Name: "Sub", Inputs: []Input{x(2, 3), x(3)}, F: binary(t.Sub), Parity: []string{"Sub of a vector from a batch"}},
	{Name: "Mul", Inputs: []Input{x(2, 3), x(2, 3)}, F: binary(t.Mul), Parity: []string{"Mul by a 0-d scalar"}},
	{Name: "Div", Inputs: []Input{x(2, 3), xd(Positive, 2, 1)}, F: binary(t.Div), Parity: []string{"Div by a broadcast column"}},
	{Name: "Pow", Inputs: []Input{xd(Positive, 2, 3), x(1, 3)}, F: binary(t.Pow), Parity: []string{"Pow of positive bases with broadcast exponents"}},
	{Name: "Maximum", Inputs: []Input{xd(Distinct, 2, 3), xd(Distinct, 1, 3)}, F: binary(t.Maximum), Parity: []string{"Maximum broadcasting a row", "Maximum with ties splits the gradient"}},
	{Name: "Minimum", Inputs: []Input{xd(Distinct, 2, 3), xd(Distinct, 2, 1)}, F: binary(t.Minimum), Parity: []string{"Minimum broadcasting a column", "Minimum with ties splits the gradient"}},
	{Name: "Where", Inputs: []Input{idx([]float64{1, 0, 1}, 3), x(2, 3), x(2, 1)}, F: func(in []t) t { return autograd.Where(in[0], in[1], in[2]) }, Parity: []string{"Where with three broadcast shapes"}},
	{Name: "Eq", Inputs: []Input{x(2, 3), x(2, 3)}, F: binary(t.Eq), NoGrad: true, Parity: []string{"Argmax, Argmin and comparisons carry no gradient"}},
	{Name: "Ne", Inputs: []Input{x(2, 3), x(2, 3)}, F: binary(t.Ne), NoGrad: true, Parity: []string{"Argmax, Argmin and comparisons carry no gradient"}},
	{Name: "Gt", Inputs: []Input{x(2, 3), x(2, 3)}, F: binary(t.Gt), NoGrad: true, Parity: []string{"Argmax, Argmin and comparisons carry no gradient"}},
	{Name: "Ge", Inputs: []Input{x(2, 3), x(2, 3)}, F: binary(t.Ge), NoGrad: true, Parity: []string{"Argmax, Argmin and comparisons carry no gradient"}},
	{Name: "Lt", Inputs: []Input{x(2, 3), x(2, 3)}, F: binary(t.Lt), NoGrad: true, Parity: []string{"Argmax, Argmin and comparisons carry no gradient"}},
	{Name: "Le", Inputs: []Input{x(2, 3), x(2, 3)}, F: binary(t.Le), NoGrad: true, Parity: []string{"Argmax, Argmin and comparisons carry no gradient"}},

	// Reductions.
	{Name: "Sum", Inputs: []Input{x(2, 3)}, F: unary(t.Sum), Parity: []string{"Sum of all elements"}},
	{Name: "SumDims", Inputs: []Input{x(2, 3, 2)}, F: unary(func(a t) t { return a.SumDims(true, 0, 2) }), Parity: []string{"SumDims over two dimensions with keepdim"}},
	{Name: "Mean", Inputs: []Input{x(2, 3)}, F: unary(t.Mean), Parity: []string{"Mean of all elements"}},
	{Name: "MeanDims", Inputs: []Input{x(2, 3)}, F: unary(func(a t) t { return a.MeanDims(false, -1) }), Parity: []string{"MeanDims over the last dimension"}},
	{Name: "Max", Inputs: []Input{xd(Distinct, 2, 3)}, F: unary(t.Max), Parity: []string{"Max of all elements", "Max of all elements with ties shares the gradient"}},
	{Name: "Min", Inputs: []Input{xd(Distinct, 2, 3)}, F: unary(t.Min), Parity: []string{"Min of all elements with ties shares the gradient"}},
	{Name: "MaxDims", Inputs: []Input{xd(Distinct, 2, 3)}, F: unary(func(a t) t { return a.MaxDims(true, 1) }), Parity: []string{"MaxDims over dimension 1 with keepdim"}},
	{Name: "MinDims", Inputs: []Input{xd(Distinct, 2, 3)}, F: unary(func(a t) t { return a.MinDims(false, 0, 1) }), Parity: []string{"MinDims over two dimensions with ties"}},
	{Name: "MaxDim", Inputs: []Input{xd(Distinct, 2, 3)}, F: unary(func(a t) t { v, _ := a.MaxDim(1, false); return v }), Parity: []string{"MaxDim returns values and indices", "MaxDim with ties picks the first index"}},
	{Name: "MinDim", Inputs: []Input{xd(Distinct, 2, 3)}, F: unary(func(a t) t { v, _ := a.MinDim(-1, true); return v }), Parity: []string{"MinDim along the last dimension with keepdim"}},
	{Name: "Argmax", Inputs: []Input{xd(Distinct, 2, 3)}, F: unary(func(a t) t { return a.Argmax(1, false) }), NoGrad: true, Parity: []string{"Argmax, Argmin and comparisons carry no gradient"}},
	{Name: "Argmin", Inputs: []Input{xd(Distinct, 2, 3)}, F: unary(func(a t) t { return a.Argmin(0, true) }), NoGrad: true, Parity: []string{"Argmax, Argmin and comparisons carry no gradient"}},
	{Name: "ArgmaxAll", Inputs: []Input{xd(Distinct, 2, 3)}, F: unary(t.ArgmaxAll), NoGrad: true, NoParity: "indices only, checked against tensor.ArgmaxAll"},
	{Name: "ArgminAll", Inputs: []Input{xd(Distinct, 2, 3)}, F: unary(t.ArgminAll), NoGrad: true, NoParity: "indices only, checked against tensor.ArgminAll"},
	{Name: "Var", Inputs: []Input{x(2, 3)}, F: unary(func(a t) t { return a.Var(1) }), Parity: []string{"Var with correction 1 of all elements"}},
	{Name: "VarDims", Inputs: []Input{x(2, 3)}, F: unary(func(a t) t { return a.VarDims(0, false, 0) }), Parity: []string{"Var with correction 0 over dimension 0", "Var with correction 1 over two dimensions with keepdim"}},
	{Name: "Std", Inputs: []Input{x(2, 3)}, F: unary(func(a t) t { return a.Std(0) }), Parity: []string{"Std with correction 0 of all elements"}},
	{Name: "StdDims", Inputs: []Input{x(2, 3)}, F: unary(func(a t) t { return a.StdDims(1, true, -1) }), Parity: []string{"Std with correction 1 over the last dimension with keepdim", "Second derivative of Std and Div"}},
	{Name: "LogSumExp", Inputs: []Input{x(2, 3)}, F: unary(t.LogSumExp), Parity: []string{"LogSumExp of all elements"}},
	{Name: "Softmax", Case: "over the last dimension", Inputs: []Input{x(3, 4)}, F: unary(func(a t) t { return a.Softmax(-1) }), Fused: true, Parity: []string{"Softmax over the last dimension", "Softmax of logits of plus and minus 1000", "Second derivative of LogSumExp and Softmax"}},
	{Name: "Softmax", Case: "over dimension 0 of a 3-D tensor", Inputs: []Input{x(3, 2, 4)}, F: unary(func(a t) t { return a.Softmax(0) }), Fused: true, Parity: []string{"Softmax over dimension 0 of a 3-D tensor"}},
	{Name: "Softmax", Case: "of a 0-d tensor", Inputs: []Input{x()}, F: unary(func(a t) t { return a.Softmax(0) }), Fused: true, NoParity: "a 0-d softmax is 1 (PyTorch's too); its gradient is 0"},
	{Name: "LogSoftmax", Case: "over the last dimension", Inputs: []Input{x(3, 4)}, F: unary(func(a t) t { return a.LogSoftmax(-1) }), Fused: true, Parity: []string{"LogSoftmax of logits of plus and minus 1000", "Second derivative of LogSoftmax"}},
	{Name: "LogSoftmax", Case: "over dimension 1 of a 3-D tensor", Inputs: []Input{x(2, 3, 4)}, F: unary(func(a t) t { return a.LogSoftmax(1) }), Fused: true, Parity: []string{"LogSoftmax over dimension 1 of a 3-D tensor"}},
	{Name: "LogSoftmax", Case: "of a 0-d tensor", Inputs: []Input{x()}, F: unary(func(a t) t { return a.LogSoftmax(-1) }), Fused: true, NoParity: "a 0-d log-softmax is 0 (PyTorch's too); its gradient is 0"},
	{Name: "LogSumExpDims", Inputs: []Input{x(2, 3)}, F: unary(func(a t) t { return a.LogSumExpDims(false, 1) }), Parity: []string{"LogSumExpDims over two dimensions with keepdim", "Second derivative of LogSumExp and Softmax"}},
	{Name: "Prod", Inputs: []Input{xd(Positive, 2, 3)}, F: unary(t.Prod), Parity: []string{"Prod of all elements without zeros", "Prod of all elements with one zero"}},
	{Name: "ProdDims", Inputs: []Input{xd(Positive, 2, 3)}, F: unary(func(a t) t { return a.ProdDims(true, 0) }), Parity: []string{"ProdDims over the first dimension with keepdim"}},

	// Products.
	{Name: "MatMul", Case: "of two matrices", Inputs: []Input{x(2, 3), x(3, 4)}, F: binary(t.MatMul), Fused: true, Parity: []string{"MatMul of two matrices", "Second derivative of MatMul"}},
	{Name: "MatMul", Case: "of a batch and a matrix", Inputs: []Input{x(2, 2, 3), x(3, 2)}, F: binary(t.MatMul), Fused: true, Parity: []string{"MatMul of a batch and a matrix"}},
	{Name: "MatMul", Case: "of a vector and a batch", Inputs: []Input{x(3), x(2, 3, 2)}, F: binary(t.MatMul), Parity: []string{"MatMul of a vector and a batch"}},
	{Name: "Dot", Inputs: []Input{x(4), x(4)}, F: binary(t.Dot), Parity: []string{"Dot of two vectors"}},
	{Name: "Outer", Inputs: []Input{x(3), x(2)}, F: binary(t.Outer), Parity: []string{"Outer of two vectors"}},
	{Name: "Linear", Inputs: []Input{x(4, 3), x(2, 3), x(2)}, F: func(in []t) t { return autograd.Linear(in[0], in[1], in[2]) }, Fused: true, Parity: []string{"Linear with bias", "Linear without bias of a 3-D input", "Linear of a single vector"}},
	{Name: "CrossEntropyRows", Inputs: []Input{x(4, 5), idx([]float64{2, -100, 0, 4}, 4)}, F: func(in []t) t { return autograd.CrossEntropyRows(in[0], in[1], -100) }, Fused: true, Parity: []string{"CrossEntropy with class indices and mean reduction", "Second derivative of cross-entropy"}},

	// Views and shapes.
	{Name: "Reshape", Inputs: []Input{x(2, 3)}, F: unary(func(a t) t { return a.Reshape(3, -1) }), Parity: []string{"Reshape, View and Flatten", "Reshape of a transposed view copies"}},
	{Name: "View", Inputs: []Input{x(2, 3, 2)}, F: unary(func(a t) t { return a.View(6, 2) }), Parity: []string{"Reshape, View and Flatten"}},
	{Name: "Flatten", Inputs: []Input{x(2, 3)}, F: unary(t.Flatten), Parity: []string{"Reshape, View and Flatten"}},
	{Name: "Squeeze", Inputs: []Input{x(2, 1, 3)}, F: unary(func(a t) t { return a.Squeeze() }), Parity: []string{"Squeeze and Unsqueeze"}},
	{Name: "Unsqueeze", Inputs: []Input{x(2, 3)}, F: unary(func(a t) t { return a.Unsqueeze(1) }), Parity: []string{"Squeeze and Unsqueeze"}},
	{Name: "Transpose", Inputs: []Input{x(2, 3, 2)}, F: unary(func(a t) t { return a.Transpose(0, 2) }), Parity: []string{"Transpose of a 3-D tensor"}},
	{Name: "Permute", Inputs: []Input{x(2, 3, 2)}, F: unary(func(a t) t { return a.Permute(2, 0, 1) }), Parity: []string{"Permute of a 3-D tensor"}},
	{Name: "T", Inputs: []Input{x(2, 3)}, F: unary(t.T), Parity: []string{"T of a matrix"}},
	{Name: "Expand", Inputs: []Input{x(3, 1)}, F: unary(func(a t) t { return a.Expand(2, 3, 4) }), Parity: []string{"Expand a column to a batch"}},
	{Name: "Slice", Inputs: []Input{x(4, 3)}, F: unary(func(a t) t { return a.Slice(0, -3, -1) }), Parity: []string{"Slice with negative bounds"}},
	{Name: "Select", Inputs: []Input{x(4, 3)}, F: unary(func(a t) t { return a.Select(1, -1) }), Parity: []string{"Select with a negative index"}},
	{Name: "Contiguous", Inputs: []Input{x(2, 3)}, F: unary(t.Contiguous), Parity: []string{"Contiguous and Clone of a transposed view"}},
	{Name: "Clone", Inputs: []Input{x(2, 3)}, F: unary(t.Clone), Parity: []string{"Contiguous and Clone of a transposed view"}},
	{Name: "Pad", Inputs: []Input{x(2, 3)}, F: unary(func(a t) t { return a.Pad([]int{1, 2, -1, 0}, 0.5) }), Parity: []string{"Pad with positive pads on two dimensions", "Pad with negative pads crops"}},
	{Name: "Cat", Inputs: []Input{x(2, 3), x(2, 1), x(2, 2)}, F: func(in []t) t { return autograd.Cat(in, 1) }, Parity: []string{"Cat of three tensors along dimension 1"}},
	{Name: "Stack", Inputs: []Input{x(2, 3), x(2, 3)}, F: func(in []t) t { return autograd.Stack(in, -1) }, Parity: []string{"Stack along a new last dimension"}},
	{Name: "Split", Inputs: []Input{x(5, 2)}, F: unary(func(a t) t { p := a.Split(2, 0); return p[2].Sum().Add(p[0].Mul(p[1]).Sum()) }), Parity: []string{"Split into uneven pieces"}},
	{Name: "Chunk", Inputs: []Input{x(2, 5)}, F: unary(func(a t) t { p := a.Chunk(3, 1); return p[0].Mul(p[1]).Sum().Add(p[2].Square().Sum()) }), Parity: []string{"Chunk into fewer pieces than asked"}},

	// Indexing.
	{Name: "IndexSelect", Inputs: []Input{x(4, 3), idx([]float64{3, 0, 3}, 3)}, F: func(in []t) t { return in[0].IndexSelect(0, in[1]) }, Parity: []string{"IndexSelect with repeated indices", "IndexSelect along the last dimension"}},
	{Name: "IndexAdd", Inputs: []Input{x(4, 3), idx([]float64{1, 1}, 2), x(2, 3)}, F: func(in []t) t { return in[0].IndexAdd(0, in[1], in[2]) }, Parity: []string{"IndexAdd with repeated indices"}},
	{Name: "Gather", Inputs: []Input{x(2, 3), idx([]float64{2, 0, 0, 1}, 2, 2)}, F: func(in []t) t { return in[0].Gather(1, in[1]) }, Parity: []string{"Gather along dimension 1", "Gather with an index smaller than the input"}},
	{Name: "ScatterAdd", Inputs: []Input{x(2, 3), idx([]float64{2, 2, 0, 1}, 2, 2), x(2, 3)}, F: func(in []t) t { return in[0].ScatterAdd(1, in[1], in[2]) }, Parity: []string{"ScatterAdd with repeated indices", "ScatterAdd with a source larger than the index"}},
	// Windows.
	{Name: "Unfold", Inputs: []Input{x(2, 2, 5, 4)}, F: unary(func(a t) t {
		return autograd.Unfold(a, tensor.Window{Kernel: [2]int{3, 2}, Dilation: [2]int{1, 2}, Padding: [2]int{1, 1}, Stride: [2]int{2, 1}})
	}), Parity: []string{"Unfold with padding, stride and dilation"}},
	{Name: "Fold", Inputs: []Input{x(1, 12, 12)}, F: unary(func(a t) t {
		return autograd.Fold(a, [2]int{5, 4}, tensor.Window{Kernel: [2]int{2, 3}, Padding: [2]int{1, 0}})
	}), Parity: []string{"Fold with overlapping windows"}},

	{Name: "MaxPool2d", Case: "of 2x2 windows", Inputs: []Input{{Shape: []int{2, 2, 4, 6}, Draw: testutil.Distinct}}, F: unary(func(a t) t {
		v, _ := autograd.MaxPool2d(a, tensor.Window{Kernel: [2]int{2, 2}}, false)
		return v
	}), Fused: true, Parity: []string{"MaxPool2d of 2x2 windows"}},
	{Name: "MaxPool2d", Case: "with padding, stride, dilation and ceil mode", Inputs: []Input{{Shape: []int{1, 2, 5, 6}, Draw: testutil.Distinct}}, F: unary(func(a t) t {
		v, _ := autograd.MaxPool2d(a, tensor.Window{Kernel: [2]int{3, 2}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}, Dilation: [2]int{1, 2}}, true)
		return v
	}), Fused: true, Parity: []string{"MaxPool2d with padding, stride, dilation and ceil mode", "MaxPool2d with ties sends the gradient to the first"}},
	{Name: "MaxPool2dValues", Case: "of 2x2 windows", Inputs: []Input{{Shape: []int{2, 2, 4, 6}, Draw: testutil.Distinct}}, F: unary(func(a t) t {
		return autograd.MaxPool2dValues(a, tensor.Window{Kernel: [2]int{2, 2}}, false)
	}), Fused: true, Parity: []string{"MaxPool2d of 2x2 windows"}},

	{Name: "AvgPool2d", Case: "with padding counted", Inputs: []Input{x(2, 2, 5, 6)}, F: unary(func(a t) t {
		return autograd.AvgPool2d(a, tensor.Window{Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}, false)
	}), Fused: true, Parity: []string{"AvgPool2d with padding counted"}},
	{Name: "AvgPool2d", Case: "with padding not counted", Inputs: []Input{x(1, 2, 4, 5)}, F: unary(func(a t) t {
		return autograd.AvgPool2d(a, tensor.Window{Kernel: [2]int{2, 3}, Stride: [2]int{1, 2}, Padding: [2]int{1, 1}}, true)
	}), Fused: true, Parity: []string{"AvgPool2d with padding not counted"}},

	{Name: "Conv2d", Case: "with bias, stride and padding", Inputs: []Input{x(2, 2, 5, 4), x(3, 2, 2, 3), x(3)}, F: func(in []t) t {
		return autograd.Conv2d(in[0], in[1], in[2], autograd.ConvOptions{Stride: [2]int{2, 1}, Padding: [2]int{1, 1}})
	}, Fused: true, Parity: []string{"Conv2d with bias", "Conv2d with stride, padding and dilation, no bias", "Second derivative of Conv2d"}},
	{Name: "Conv2d", Case: "with groups", Inputs: []Input{x(1, 4, 4, 3), x(2, 2, 3, 3)}, F: func(in []t) t {
		return autograd.Conv2d(in[0], in[1], nil, autograd.ConvOptions{Padding: [2]int{1, 1}, Groups: 2})
	}, Fused: true, Parity: []string{"Conv2d with groups", "Conv2d depthwise", "Conv2d with padding same and an even kernel"}},

	{Name: "Conv2d", Case: "with dilation and a stride that skips input rows", Inputs: []Input{x(2, 2, 6, 7), x(2, 2, 2, 2), x(2)}, F: func(in []t) t {
		return autograd.Conv2d(in[0], in[1], in[2], autograd.ConvOptions{Stride: [2]int{2, 3}, Dilation: [2]int{2, 1}})
	}, Fused: true, Parity: []string{"Conv2d with stride, padding and dilation, no bias"}},
	{Name: "Conv2d", Case: "1x1, read in place", Inputs: []Input{x(2, 3, 2, 3), x(4, 3, 1, 1), x(4)}, F: func(in []t) t {
		return autograd.Conv2d(in[0], in[1], in[2], autograd.ConvOptions{})
	}, Fused: true, Parity: []string{"Conv2d with bias"}},

	{Name: "Conv1d", Inputs: []Input{x(2, 2, 7), x(4, 1, 3), x(4)}, F: func(in []t) t {
		return autograd.Conv1d(in[0], in[1], in[2], autograd.ConvOptions{Stride: [2]int{0, 2}, Padding: [2]int{0, 1}, Groups: 2})
	}, Fused: true, Parity: []string{"Conv1d with stride, padding, dilation and groups"}},

	{Name: "ConvTranspose2d", Inputs: []Input{x(2, 2, 3, 2), x(2, 3, 2, 3), x(3)}, F: func(in []t) t {
		return autograd.ConvTranspose2d(in[0], in[1], in[2], autograd.ConvOptions{Stride: [2]int{2, 1}, Padding: [2]int{1, 0}}, [2]int{1, 0})
	}, Parity: []string{"ConvTranspose2d with stride, padding and output padding", "ConvTranspose2d with groups and dilation"}},

	// Attention: q [.. L E], k [.. S E], v [.. S Ev], then the mask or dropout multiplier.
	{Name: "BatchNorm", Case: "of [N C] with weight and bias", Inputs: []Input{x(4, 3), x(3), x(3)}, F: func(in []t) t {
		y, _, _ := autograd.BatchNorm(in[0], in[1], in[2], 1e-5)
		return y
	}, Fused: true, Parity: []string{"BatchNorm in training updates the running statistics", "Second derivative of BatchNorm"}},
	{Name: "BatchNorm", Case: "of [N C H W] without affine parameters", Inputs: []Input{x(2, 3, 2, 2)}, F: func(in []t) t {
		y, _, _ := autograd.BatchNorm(in[0], nil, nil, 1e-5)
		return y
	}, Fused: true, Parity: []string{"BatchNorm1d of a batch of vectors without affine parameters"}},
	{Name: "LayerNorm", Case: "with weight and bias", Inputs: []Input{x(3, 4), x(4), x(4)}, F: func(in []t) t {
		return autograd.LayerNorm(in[0], []int{4}, in[1], in[2], 1e-5)
	}, Fused: true, Parity: []string{"LayerNorm with affine parameters", "A GELU block with LayerNorm and a residual", "Second derivative of LayerNorm"}},
	{Name: "LayerNorm", Case: "over two dimensions without affine parameters", Inputs: []Input{x(2, 3, 2)}, F: func(in []t) t {
		return autograd.LayerNorm(in[0], []int{3, 2}, nil, nil, 1e-3)
	}, Fused: true, Parity: []string{"LayerNorm without affine parameters over two dimensions"}},
	{Name: "LayerNorm", Case: "with a weight only", Inputs: []Input{x(5, 3), x(3)}, F: func(in []t) t {
		return autograd.LayerNorm(in[0], []int{3}, in[1], nil, 1e-5)
	}, Fused: true, Parity: []string{"LayerNorm of rows with a large offset and a constant row", "Second derivative of LayerNorm in its weight, over two dimensions"}},
	{Name: "ScaledDotProductAttention", Case: "of matrices without a mask", Inputs: []Input{x(3, 4), x(5, 4), x(5, 2)}, F: func(in []t) t {
		return autograd.ScaledDotProductAttention(in[0], in[1], in[2], autograd.AttentionOptions{})
	}, Fused: true, Parity: []string{"ScaledDotProductAttention without a mask"}},
	{Name: "ScaledDotProductAttention", Case: "causal with more keys than queries", Inputs: []Input{x(2, 3, 4), x(2, 5, 4), x(2, 5, 3)}, F: func(in []t) t {
		return autograd.ScaledDotProductAttention(in[0], in[1], in[2], autograd.AttentionOptions{IsCausal: true})
	}, Fused: true, Parity: []string{"ScaledDotProductAttention causal with more keys than queries", "Second derivative of causal ScaledDotProductAttention"}},
	{Name: "ScaledDotProductAttention", Case: "with a broadcast boolean mask", Inputs: []Input{x(2, 3, 2), x(2, 4, 2), x(2, 4, 3), idx([]float64{1, 0, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0}, 3, 4)}, F: func(in []t) t {
		return autograd.ScaledDotProductAttention(in[0], in[1], in[2], autograd.AttentionOptions{Mask: in[3]})
	}, Fused: true, Parity: []string{"ScaledDotProductAttention with a broadcast boolean mask"}},
	{Name: "ScaledDotProductAttention", Case: "with an additive mask and a scale", Inputs: []Input{x(2, 3, 2), x(2, 4, 2), x(2, 4, 3), idx([]float64{0.5, -1, math.Inf(-1), 2, 0, 0.25, 1, math.Inf(-1), -0.5, 0, 0, 1.5}, 1, 3, 4)}, F: func(in []t) t {
		return autograd.ScaledDotProductAttention(in[0], in[1], in[2], autograd.AttentionOptions{Mask: in[3], AdditiveMask: true, Scale: 0.3})
	}, Fused: true, Parity: []string{"ScaledDotProductAttention with an additive mask and a scale"}},
	{Name: "ScaledDotProductAttention", Case: "causal with a boolean mask and dropout", Inputs: []Input{x(2, 3, 2), x(2, 3, 2), x(2, 3, 2), idx([]float64{1, 1, 0, 1, 1, 1}, 2, 1, 3), idx([]float64{2, 0, 2, 2, 2, 0, 0, 2, 2, 2, 2, 2, 2, 0, 2, 0, 2, 2}, 2, 3, 3)}, F: func(in []t) t {
		return autograd.ScaledDotProductAttention(in[0], in[1], in[2], autograd.AttentionOptions{Mask: in[3], IsCausal: true, Dropout: in[4]})
	}, Fused: true, Parity: []string{"ScaledDotProductAttention causal with a boolean mask and dropout"}},

	{Name: "MaskedFill", Inputs: []Input{x(2, 3), idx([]float64{1, 0, 1}, 3)}, F: func(in []t) t { return in[0].MaskedFill(in[1], -1) }, Parity: []string{"MaskedFill with a broadcast mask"}},

	// Sequence-model operations.
	{Name: "Tril", Inputs: []Input{x(3, 4)}, F: unary(func(a t) t { return a.Tril(1) }), Parity: []string{"Tril with a positive diagonal of a batch", "Tril and Triu beyond the corners of a wide matrix"}},
	{Name: "Tril", Case: "of a batch below the diagonal", Inputs: []Input{x(2, 3, 3)}, F: unary(func(a t) t { return a.Tril(-1) }), Parity: []string{"Tril with a positive diagonal of a batch"}},
	{Name: "Triu", Inputs: []Input{x(4, 3)}, F: unary(func(a t) t { return a.Triu(-1) }), Parity: []string{"Triu with a negative diagonal", "Tril and Triu beyond the corners of a wide matrix"}},
	{Name: "Cumsum", Inputs: []Input{x(3, 4)}, F: unary(func(a t) t { return a.Cumsum(1) }), Parity: []string{"Cumsum along dimension 1 of a 3-D tensor", "Cumsum along the last dimension of a transposed view"}},
	{Name: "Cumsum", Case: "along dimension 0", Inputs: []Input{x(3, 2)}, F: unary(func(a t) t { return a.Cumsum(0) }), Parity: []string{"Cumsum along the last dimension of a transposed view"}},
	{Name: "Cumprod", Inputs: []Input{x(3, 4)}, F: unary(func(a t) t { return a.Cumprod(-1) }), Fused: true, Parity: []string{"Cumprod along dimension 1"}},
	{Name: "Cumprod", Case: "with zeros", Inputs: []Input{{Shape: []int{2, 4}, Data: []float64{1.5, 0, 2, -1, 0, 3, 0, 0.5}}}, F: unary(func(a t) t { return a.Cumprod(1) }), Fused: true,
		Parity: []string{"Cumprod with one zero and with several zeros in a row", "Second derivative of Cumprod with zeros"}},
	{Name: "Sort", Inputs: []Input{xd(Distinct, 3, 4)}, F: unary(func(a t) t { v, _ := a.Sort(1, false); return v }), Parity: []string{"Sort ascending along the last dimension", "Sort puts NaN above every number"}},
	{Name: "Sort", Case: "descending along dimension 0", Inputs: []Input{xd(Distinct, 3, 4)}, F: unary(func(a t) t { v, _ := a.Sort(0, true); return v }), Parity: []string{"Sort descending along dimension 0 keeps ties in order"}},
	{Name: "Argsort", Inputs: []Input{xd(Distinct, 3, 4)}, F: unary(func(a t) t { return a.Argsort(1, true) }), NoGrad: true, Parity: []string{"Argsort descending along the last dimension"}},
	{Name: "TopK", Inputs: []Input{xd(Distinct, 3, 5)}, F: unary(func(a t) t { v, _ := a.TopK(2, 1, true, true); return v }), Parity: []string{"TopK largest along the last dimension"}},
	{Name: "TopK", Case: "smallest, unsorted", Inputs: []Input{xd(Distinct, 4, 3)}, F: unary(func(a t) t { v, _ := a.TopK(3, 0, false, false); return v }), Parity: []string{"TopK smallest along dimension 0"}},
	{Name: "Flip", Inputs: []Input{x(3, 4)}, F: unary(func(a t) t { return a.Flip(0, -1) }), Parity: []string{"Flip along two dimensions"}},
	{Name: "Roll", Inputs: []Input{x(3, 4)}, F: unary(func(a t) t { return a.Roll([]int{-1, 6}, []int{0, 1}) }), Parity: []string{"Roll along two dimensions"}},
	{Name: "Roll", Case: "flattened", Inputs: []Input{x(3, 4)}, F: unary(func(a t) t { return a.Roll([]int{5}, nil) }), Parity: []string{"Roll with no dimensions rolls the flattened tensor"}},
	{Name: "RepeatInterleave", Inputs: []Input{x(2, 3)}, F: unary(func(a t) t { return a.RepeatInterleave(2, 1) }), Parity: []string{"RepeatInterleave along dimension 1"}},
	{Name: "RepeatInterleaveEach", Inputs: []Input{x(3, 2)}, F: unary(func(a t) t { return a.RepeatInterleaveEach([]int{1, 0, 3}, 0) }), Parity: []string{"RepeatInterleave with a repeat for each slice"}},
	{Name: "Multinomial", Inputs: []Input{xd(Positive, 2, 5)}, F: unary(func(a t) t { return a.Multinomial(3, false, rand.New(rand.NewPCG(1, 2))) }), NoGrad: true,
		NoParity: "random draws: PyTorch's generator cannot be matched; tested statistically in package tensor"},
	{Name: "OneHot", Inputs: []Input{idx([]float64{0, 2, 1, 2}, 2, 2)}, F: unary(func(a t) t { return a.OneHot(4) }), NoGrad: true, Parity: []string{"OneHot of class indices with a given and an inferred number of classes"}},
}
