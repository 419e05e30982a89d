package parity

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/nn"
	nf "github.com/adjoint-go/adjoint/nn/functional"
	"github.com/adjoint-go/adjoint/tensor"
)

// Tolerances: a value passes if |got - want| <= rtol·max(|got|, |want|) +
// atol; see matches.
const (
	rtol = 1e-10
	atol = 1e-12
)

// matches reports whether adjoint's value got agrees with PyTorch's want:
// within the tolerances if both are finite, equal otherwise. NaN matches
// NaN, an infinity only the same infinity, and +0 matches -0 (the sign of a
// zero is not compared: ReLU(-0), for one, is -0 in PyTorch and +0 in
// adjoint, and gradients masked to zero differ in sign the same way).
func matches(got, want float64) bool {
	if math.IsNaN(got) || math.IsNaN(want) || math.IsInf(got, 0) || math.IsInf(want, 0) {
		return got == want || math.IsNaN(got) && math.IsNaN(want)
	}
	return math.Abs(got-want) <= rtol*math.Max(math.Abs(got), math.Abs(want))+atol
}

// T is the differentiable tensor; the programs below use nothing else.
type T = *autograd.Tensor

// in holds a program's inputs by name, as leaves: floats (requiring a
// gradient where the fixture says so), index tensors of integral values and
// 0/1 masks.
type in map[string]T

// fn runs one program on its inputs and returns its outputs in the order
// make_fixture.py records them.
type fn func(a in) []T

func outs(ts ...T) []T { return ts }

// unary is a program of one input named x.
func unary(f func(T) T) fn { return func(a in) []T { return outs(f(a["x"])) } }

// gradOf is make_fixture.py's grad_of: the gradient of (f(a)·v).Sum() with
// respect to input wrt, with a graph of its own, so that the harness
// differentiates it again.
func gradOf(wrt string, f func(a in) T) fn {
	return func(a in) []T {
		y := f(a).Mul(a["v"]).Sum()
		return outs(autograd.Grad([]T{y}, []T{a[wrt]}, true)[0])
	}
}

// mha returns a MultiheadAttention in evaluation mode whose parameters are
// the program's inputs of their PyTorch names.
func mha(e, h int, bias, batchFirst bool, a in) *nn.MultiheadAttention {
	m := nn.NewMultiheadAttention(e, h, 0.5, bias, batchFirst, rand.New(rand.NewPCG(1, 1)))
	m.SetTraining(false)
	m.InProjWeight, m.InProjBias, m.OutProj.Weight = a["in_proj_weight"], a["in_proj_bias"], a["out_proj.weight"]
	if bias {
		m.OutProj.Bias = a["out_proj.bias"]
	}
	samePTNames(m, a)
	return m
}

// samePTNames panics unless every parameter of m is the program's input of
// its name: the module's names are PyTorch's.
func samePTNames(m nn.Module, a in) {
	for _, p := range m.NamedParameters() {
		if a[p.Name] != p.Tensor {
			panic("parity: parameter " + p.Name + " is not the input of its name")
		}
	}
}

// encoderLayer returns a TransformerEncoderLayer in evaluation mode whose
// parameters are the program's inputs of their PyTorch names.
func encoderLayer(e, h, f int, o nn.TransformerEncoderLayerOptions, a in) *nn.TransformerEncoderLayer {
	l := nn.NewTransformerEncoderLayer(e, h, f, 0.5, o, rand.New(rand.NewPCG(1, 1)))
	l.SetTraining(false)
	sa := l.SelfAttn
	sa.InProjWeight, sa.InProjBias, sa.OutProj.Weight, sa.OutProj.Bias = a["self_attn.in_proj_weight"], a["self_attn.in_proj_bias"], a["self_attn.out_proj.weight"], a["self_attn.out_proj.bias"]
	l.Linear1.Weight, l.Linear1.Bias, l.Linear2.Weight, l.Linear2.Bias = a["linear1.weight"], a["linear1.bias"], a["linear2.weight"], a["linear2.bias"]
	l.Norm1.Weight, l.Norm1.Bias, l.Norm2.Weight, l.Norm2.Bias = a["norm1.weight"], a["norm1.bias"], a["norm2.weight"], a["norm2.bias"]
	samePTNames(l, a)
	return l
}

func ce(opts ...nf.LossOption) fn {
	return func(a in) []T { return outs(nf.CrossEntropy(a["x"], a["y"], opts...)) }
}

var inf = math.Inf(1)

// programs are the programs of testdata/programs.json by name, written with
// adjoint. Each must compute exactly what the PyTorch function of the same
// name in make_fixture.py computes.
var programs = map[string]fn{
	// Unary elementwise operations.
	"Neg of a matrix":                 unary(T.Neg),
	"Abs away from zero":              unary(T.Abs),
	"Abs at zero has a zero gradient": unary(T.Abs),
	"Exp of a matrix":                 unary(T.Exp),
	"Log of positive values":          unary(T.Log),
	"Log of zero is minus infinity with an infinite gradient": unary(T.Log),
	"Sqrt of positive values":                                 unary(T.Sqrt),
	"Sqrt of zero has an infinite gradient":                   unary(T.Sqrt),
	"Rsqrt of positive values":                                unary(T.Rsqrt),
	"Square of a matrix":                                      unary(T.Square),
	"Reciprocal away from zero":                               unary(T.Reciprocal),
	"PowScalar with exponent 3 of both signs":                 unary(func(x T) T { return x.PowScalar(3) }),
	"PowScalar with exponent 0.5 of positive values":          unary(func(x T) T { return x.PowScalar(0.5) }),
	"PowScalar with exponent -1.5 of positive values":         unary(func(x T) T { return x.PowScalar(-1.5) }),
	"PowScalar with exponent 0 has a zero gradient":           unary(func(x T) T { return x.PowScalar(0) }),
	"PowScalar with exponent 2 at zero":                       unary(func(x T) T { return x.PowScalar(2) }),
	"Sin of a matrix":                                         unary(T.Sin),
	"Cos of a matrix":                                         unary(T.Cos),
	"Tanh of a matrix":                                        unary(T.Tanh),
	"Sigmoid including large magnitudes":                      unary(T.Sigmoid),
	"ReLU away from zero":                                     unary(T.ReLU),
	"ReLU at zero has a zero gradient":                        unary(T.ReLU),
	"LeakyReLU with slope 0.2":                                unary(func(x T) T { return x.LeakyReLU(0.2) }),
	"LeakyReLU at zero takes the slope":                       unary(func(x T) T { return x.LeakyReLU(0.01) }),
	"GELU of a matrix":                                        unary(T.GELU),
	"GELU with the tanh approximation":                        unary(T.GELUTanh),
	"SiLU of a matrix":                                        unary(T.SiLU),
	"Softplus below and above the threshold of 20":            unary(T.Softplus),
	"Clamp to an interval":                                    unary(func(x T) T { return x.Clamp(-1, 0.5) }),
	"Clamp at its bounds passes the gradient":                 unary(func(x T) T { return x.Clamp(-1, 0.5) }),
	"Clamp with an infinite upper bound":                      unary(func(x T) T { return x.Clamp(-0.3, inf) }),
	"Erf of a matrix":                                         unary(T.Erf),
	"AddScalar and MulScalar":                                 unary(func(x T) T { return x.AddScalar(1.5).MulScalar(-2.5) }),

	// Binary elementwise operations with broadcasting.
	"Add of two matrices":                            func(a in) []T { return outs(a["a"].Add(a["b"])) },
	"Add broadcasting a column and a row":            func(a in) []T { return outs(a["a"].Add(a["b"])) },
	"Sub of a vector from a batch":                   func(a in) []T { return outs(a["a"].Sub(a["b"])) },
	"Mul by a 0-d scalar":                            func(a in) []T { return outs(a["a"].Mul(a["b"])) },
	"Div by a broadcast column":                      func(a in) []T { return outs(a["a"].Div(a["b"])) },
	"Pow of positive bases with broadcast exponents": func(a in) []T { return outs(a["a"].Pow(a["b"])) },
	"Pow of negative bases with integral exponents":  func(a in) []T { return outs(a["a"].Pow(a["b"])) },
	"Pow with a zero base and a zero exponent":       func(a in) []T { return outs(a["a"].Pow(a["b"])) },
	"Maximum broadcasting a row":                     func(a in) []T { return outs(a["a"].Maximum(a["b"])) },
	"Maximum with ties splits the gradient":          func(a in) []T { return outs(a["a"].Maximum(a["b"])) },
	"Minimum broadcasting a column":                  func(a in) []T { return outs(a["a"].Minimum(a["b"])) },
	"Minimum with ties splits the gradient":          func(a in) []T { return outs(a["a"].Minimum(a["b"])) },
	"Where with three broadcast shapes":              func(a in) []T { return outs(autograd.Where(a["c"], a["a"], a["b"])) },

	// Reductions.
	"Sum of all elements":                               unary(T.Sum),
	"Mean of all elements":                              unary(T.Mean),
	"SumDims over two dimensions with keepdim":          unary(func(x T) T { return x.SumDims(true, 0, 2) }),
	"MeanDims over the last dimension":                  unary(func(x T) T { return x.MeanDims(false, -1) }),
	"Max of all elements":                               unary(T.Max),
	"Max of all elements with ties shares the gradient": unary(T.Max),
	"Min of all elements with ties shares the gradient": unary(T.Min),
	"MaxDims over dimension 1 with keepdim":             unary(func(x T) T { return x.MaxDims(true, 1) }),
	"MinDims over two dimensions with ties":             unary(func(x T) T { return x.MinDims(false, 0, 2) }),
	"MaxDim returns values and indices": func(a in) []T {
		v, i := a["x"].MaxDim(1, false)
		return outs(v, i)
	},
	"MinDim along the last dimension with keepdim": func(a in) []T {
		v, i := a["x"].MinDim(-1, true)
		return outs(v, i)
	},
	"MaxDim with ties picks the first index": func(a in) []T {
		v, i := a["x"].MaxDim(1, false)
		return outs(v, i)
	},
	"Var with correction 1 of all elements":                      unary(func(x T) T { return x.Var(1) }),
	"Var with correction 0 over dimension 0":                     unary(func(x T) T { return x.VarDims(0, false, 0) }),
	"Var with correction 1 over two dimensions with keepdim":     unary(func(x T) T { return x.VarDims(1, true, 0, -1) }),
	"Std with correction 1 over the last dimension with keepdim": unary(func(x T) T { return x.StdDims(1, true, -1) }),
	"Std with correction 0 of all elements":                      unary(func(x T) T { return x.Std(0) }),
	"Var and Std of values with a large mean":                    unary2(func(x T) []T { return outs(x.VarDims(1, false, 1), x.Std(0)) }),
	"Std of a constant row has a zero gradient":                  unary(func(x T) T { return x.StdDims(1, false, 1) }),
	"LogSumExp of all elements":                                  unary(T.LogSumExp),
	"LogSumExpDims over rows with inputs of plus and minus 1000": unary(func(x T) T { return x.LogSumExpDims(false, 1) }),
	"LogSumExpDims over two dimensions with keepdim":             unary(func(x T) T { return x.LogSumExpDims(true, 0, 2) }),
	"Prod of all elements without zeros":                         unary(T.Prod),
	"Prod of all elements with one zero":                         unary(T.Prod),
	"Prod of all elements with two zeros":                        unary(T.Prod),
	"ProdDims with one zero in a row and two in another":         unary(func(x T) T { return x.ProdDims(false, 1) }),
	"ProdDims over the first dimension with keepdim":             unary(func(x T) T { return x.ProdDims(true, 0) }),
	"Argmax, Argmin and comparisons carry no gradient": func(a in) []T {
		x, y := a["x"], a["y"]
		first := x.Slice(1, 0, 1)
		return outs(x.Argmax(1, false), x.Argmin(0, true), x.ArgmaxAll(), x.ArgminAll(), x.Gt(y), x.Ge(y),
			x.Lt(y), x.Le(y), x.Eq(first), x.Ne(first), x.Sign(), x.Mul(y))
	},

	// Linear algebra.
	"MatMul of two vectors is the dot product":          func(a in) []T { return outs(a["a"].MatMul(a["b"])) },
	"MatMul of two matrices":                            func(a in) []T { return outs(a["a"].MatMul(a["b"])) },
	"MatMul of a vector and a matrix":                   func(a in) []T { return outs(a["a"].MatMul(a["b"])) },
	"MatMul of a matrix and a vector":                   func(a in) []T { return outs(a["a"].MatMul(a["b"])) },
	"MatMul of a batch and a matrix":                    func(a in) []T { return outs(a["a"].MatMul(a["b"])) },
	"MatMul of a matrix and a batch":                    func(a in) []T { return outs(a["a"].MatMul(a["b"])) },
	"MatMul of two batches":                             func(a in) []T { return outs(a["a"].MatMul(a["b"])) },
	"MatMul broadcasting batch dimensions":              func(a in) []T { return outs(a["a"].MatMul(a["b"])) },
	"MatMul of a batch and a vector":                    func(a in) []T { return outs(a["a"].MatMul(a["b"])) },
	"MatMul of a vector and a batch":                    func(a in) []T { return outs(a["a"].MatMul(a["b"])) },
	"MatMul of transposed views":                        func(a in) []T { return outs(a["a"].T().MatMul(a["b"].T())) },
	"MatMul with a constant operand":                    func(a in) []T { return outs(a["a"].MatMul(a["b"])) },
	"MatMul with an inner dimension above the 64 block": func(a in) []T { return outs(a["a"].MatMul(a["b"])) },
	"Dot of two vectors":                                func(a in) []T { return outs(a["a"].Dot(a["b"])) },
	"Outer of two vectors":                              func(a in) []T { return outs(a["a"].Outer(a["b"])) },
	"Linear with bias":                                  func(a in) []T { return outs(autograd.Linear(a["x"], a["w"], a["b"])) },
	"Linear without bias of a 3-D input":                func(a in) []T { return outs(autograd.Linear(a["x"], a["w"], nil)) },
	"Linear of a single vector":                         func(a in) []T { return outs(autograd.Linear(a["x"], a["w"], a["b"])) },

	// Shapes, views and indexing.
	"Reshape, View and Flatten":           unary2(func(x T) []T { return outs(x.Reshape(3, -1), x.View(6, 2), x.Flatten()) }),
	"Reshape of a transposed view copies": unary(func(x T) T { return x.T().Reshape(2, 6).Exp() }),
	"Transpose of a 3-D tensor":           unary(func(x T) T { return x.Transpose(0, 2).Sin() }),
	"Permute of a 3-D tensor":             unary(func(x T) T { return x.Permute(2, 0, 1).Square() }),
	"T of a matrix":                       unary(func(x T) T { return x.T().Mul(x.T()) }),
	"Slice with negative bounds":          unary(func(x T) T { return x.Slice(1, -4, -1).Exp() }),
	"Select with a negative index":        unary(func(x T) T { return x.Select(1, -1).Tanh() }),
	"Expand a column to a batch":          unary(func(x T) T { return x.Expand(2, 3, 4) }),
	"Squeeze and Unsqueeze": unary2(func(x T) []T {
		return outs(x.Squeeze(1).Cos(), x.Squeeze(), x.Unsqueeze(-1))
	}),
	"Cat of three tensors along dimension 1": func(a in) []T {
		return outs(autograd.Cat([]T{a["a"], a["b"], a["c"]}, 1))
	},
	"Cat with an empty tensor along the last dimension": func(a in) []T {
		return outs(autograd.Cat([]T{a["a"], a["b"]}, -1))
	},
	"Stack along a new last dimension": func(a in) []T { return outs(autograd.Stack([]T{a["a"], a["b"]}, -1)) },
	"Split into uneven pieces": unary2(func(x T) []T {
		var r []T
		for _, p := range x.Split(2, 0) {
			r = append(r, p.Exp())
		}
		return r
	}),
	"Chunk into fewer pieces than asked":               unary2(func(x T) []T { return x.Chunk(4, -1) }),
	"IndexSelect with repeated indices":                func(a in) []T { return outs(a["x"].IndexSelect(0, a["i"])) },
	"IndexSelect along the last dimension":             func(a in) []T { return outs(a["x"].IndexSelect(-1, a["i"]).Square()) },
	"IndexSelect with a 0-d index keeps the dimension": func(a in) []T { return outs(a["x"].IndexSelect(0, a["i"]).Exp()) },
	"IndexAdd with repeated indices":                   func(a in) []T { return outs(a["x"].IndexAdd(0, a["i"], a["s"])) },
	"Gather along dimension 1":                         func(a in) []T { return outs(a["x"].Gather(1, a["i"])) },
	"Gather with an index smaller than the input":      func(a in) []T { return outs(a["x"].Gather(0, a["i"])) },
	"ScatterAdd with repeated indices":                 func(a in) []T { return outs(a["x"].ScatterAdd(1, a["i"], a["s"])) },
	"ScatterAdd with a source larger than the index": func(a in) []T {
		return outs(a["x"].ScatterAdd(1, a["i"], a["s"]).Exp())
	},
	"MaskedFill with a broadcast mask":                      func(a in) []T { return outs(a["x"].MaskedFill(a["m"], -2.5)) },
	"MaskedFill broadcasting the input to the mask's shape": func(a in) []T { return outs(a["x"].MaskedFill(a["m"], 2)) },
	"Pad with positive pads on two dimensions":              unary(func(x T) T { return x.Pad([]int{1, 2, 0, 1}, 0.5) }),
	"Pad with negative pads crops":                          unary(func(x T) T { return x.Pad([]int{-1, 2, 1, -2}, 0) }),
	"Contiguous and Clone of a transposed view": unary2(func(x T) []T {
		return outs(x.T().Contiguous().Exp(), x.T().Clone().MulScalar(3))
	}),

	// nn/functional.
	"Softmax over the last dimension":                                        unary(func(x T) T { return nf.Softmax(x, -1) }),
	"Softmax over dimension 0 of a 3-D tensor":                               unary(func(x T) T { return nf.Softmax(x, 0) }),
	"LogSoftmax of logits of plus and minus 1000":                            unary(func(x T) T { return nf.LogSoftmax(x, 1) }),
	"Softmax of logits of plus and minus 1000":                               unary(func(x T) T { return nf.Softmax(x, 1) }),
	"LogSoftmax over dimension 1 of a 3-D tensor":                            unary(func(x T) T { return nf.LogSoftmax(x, 1) }),
	"CrossEntropy with class indices and mean reduction":                     ce(),
	"CrossEntropy with sum reduction":                                        ce(nf.Reduce(nf.ReduceSum)),
	"CrossEntropy with no reduction":                                         ce(nf.Reduce(nf.ReduceNone)),
	"CrossEntropy with probability targets":                                  ce(),
	"CrossEntropy with probability targets and no reduction":                 ce(nf.Reduce(nf.ReduceNone)),
	"CrossEntropy ignores the default ignore index":                          ce(),
	"CrossEntropy with ignore index 1 and sum reduction":                     ce(nf.IgnoreIndex(1), nf.Reduce(nf.ReduceSum)),
	"CrossEntropy with label smoothing and class indices":                    ce(nf.LabelSmoothing(0.1)),
	"CrossEntropy with label smoothing and no reduction":                     ce(nf.LabelSmoothing(0.25), nf.Reduce(nf.ReduceNone)),
	"CrossEntropy with label smoothing and probability targets":              ce(nf.LabelSmoothing(0.2)),
	"CrossEntropy with label smoothing and an ignored target":                ce(nf.LabelSmoothing(0.1)),
	"CrossEntropy with label smoothing, an ignored target and sum reduction": ce(nf.LabelSmoothing(0.1), nf.Reduce(nf.ReduceSum)),
	"CrossEntropy of a single unbatched sample":                              ce(),
	"CrossEntropy and NLLLoss of a single unbatched sample with probabilities and an index": func(a in) []T {
		x, p, y := a["x"], a["p"], a["y"]
		return outs(nf.CrossEntropy(x, p), nf.CrossEntropy(x, p, nf.Reduce(nf.ReduceNone)),
			nf.NLLLoss(x, y), nf.CrossEntropy(x, y, nf.LabelSmoothing(0.3)))
	},
	"CrossEntropy of huge logits is finite": ce(),
	"NLLLoss with mean reduction":           func(a in) []T { return outs(nf.NLLLoss(a["x"], a["y"])) },
	"NLLLoss with an ignored target and no reduction": func(a in) []T {
		return outs(nf.NLLLoss(a["x"], a["y"], nf.Reduce(nf.ReduceNone)))
	},
	"MSELoss with each reduction": func(a in) []T {
		x, y := a["x"], a["y"]
		return outs(nf.MSELoss(x, y), nf.MSELoss(x, y, nf.Reduce(nf.ReduceSum)), nf.MSELoss(x, y, nf.Reduce(nf.ReduceNone)))
	},
	"L1Loss with each reduction": func(a in) []T {
		x, y := a["x"], a["y"]
		return outs(nf.L1Loss(x, y), nf.L1Loss(x, y, nf.Reduce(nf.ReduceSum)), nf.L1Loss(x, y, nf.Reduce(nf.ReduceNone)))
	},
	"BCEWithLogits with soft targets": func(a in) []T { return outs(nf.BCEWithLogits(a["x"], a["y"])) },
	"BCEWithLogits with large logits and sum and no reduction": func(a in) []T {
		x, y := a["x"], a["y"]
		return outs(nf.BCEWithLogits(x, y, nf.Reduce(nf.ReduceSum)), nf.BCEWithLogits(x, y, nf.Reduce(nf.ReduceNone)))
	},
	"BCEWithLogits of confident logits beyond 20 and of zero logits": func(a in) []T {
		return outs(nf.BCEWithLogits(a["x"], a["y"], nf.Reduce(nf.ReduceNone)))
	},
	"LayerNorm with affine parameters": func(a in) []T {
		return outs(nf.LayerNorm(a["x"], []int{4}, a["w"], a["b"], 1e-5))
	},
	"LayerNorm without affine parameters over two dimensions": unary(func(x T) T {
		return nf.LayerNorm(x, []int{3, 2}, nil, nil, 1e-3)
	}),
	"LayerNorm of rows with a large offset and a constant row": func(a in) []T {
		return outs(nf.LayerNorm(a["x"], []int{4}, a["w"], nil, 1e-5))
	},
	"Dropout in evaluation mode is the identity": unary(func(x T) T { return nf.Dropout(x, 0.5, false, nil).Exp() }),
	"Embedding of a 0-d index":                   func(a in) []T { return outs(nf.Embedding(a["i"], a["w"]).Exp()) },
	"Embedding with repeated indices":            func(a in) []T { return outs(nf.Embedding(a["i"], a["w"])) },

	// Composite programs.
	"A two-layer MLP with cross-entropy loss": func(a in) []T {
		h := autograd.Linear(a["x"], a["w1"], a["b1"]).ReLU()
		return outs(nf.CrossEntropy(autograd.Linear(h, a["w2"], a["b2"]), a["y"]))
	},
	"A tanh MLP with MSE loss": func(a in) []T {
		h := autograd.Linear(a["x"], a["w1"], a["b1"]).Tanh()
		return outs(nf.MSELoss(autograd.Linear(h, a["w2"], nil), a["y"]))
	},
	"A GELU block with LayerNorm and a residual": func(a in) []T {
		x := a["x"]
		h := nf.LayerNorm(x, []int{4}, a["g"], a["b"], 1e-5)
		return outs(x.Add(autograd.Linear(h, a["w"], nil).GELU()))
	},
	"Second derivative of Tanh": gradOf("x", func(a in) T { return a["x"].Tanh() }),
	"Second derivative of Sigmoid of Exp over Log": gradOf("x", func(a in) T {
		x := a["x"]
		return x.Exp().Div(x.AddScalar(1).Log()).Sigmoid()
	}),
	"Second derivative of MatMul":               gradOf("a", func(a in) T { return a["a"].MatMul(a["b"]) }),
	"Second derivative of Pow in both operands": gradOf("b", func(a in) T { return a["a"].Pow(a["b"]) }),
	"Second derivative of GELU and SiLU":        gradOf("x", func(a in) T { return a["x"].GELU().Mul(a["x"].SiLU()) }),
	"Second derivative of cross-entropy":        gradOf("x", func(a in) T { return nf.CrossEntropy(a["x"], a["y"]) }),
	"Second derivative of LogSumExp and Softmax": gradOf("x", func(a in) T {
		x := a["x"]
		return x.LogSumExpDims(true, 1).Add(nf.Softmax(x, 1).Slice(1, 0, 1))
	}),
	"Second derivative of Std and Div": gradOf("x", func(a in) T {
		x := a["x"]
		return x.StdDims(1, false, 1).Div(x.SumDims(false, 1).Abs())
	}),
	"Second derivative of LogSoftmax": gradOf("x", func(a in) T { return nf.LogSoftmax(a["x"], 1) }),
	"Second derivative of BatchNorm": gradOf("x", func(a in) T {
		return nf.BatchNorm(a["x"], nil, nil, a["w"], a["b"], true, 0.1, 1e-5)
	}),
	"Second derivative of LayerNorm": gradOf("x", func(a in) T {
		return nf.LayerNorm(a["x"], []int{4}, a["w"], a["b"], 1e-5)
	}),
	"Second derivative of LayerNorm in its weight, over two dimensions": gradOf("w", func(a in) T {
		return nf.LayerNorm(a["x"], []int{2, 3}, a["w"], nil, 1e-3)
	}),

	// Windows and convolutions.
	"Unfold with padding, stride and dilation": unary(func(x T) T {
		return autograd.Unfold(x, tensor.Window{Kernel: [2]int{3, 2}, Dilation: [2]int{1, 2}, Padding: [2]int{1, 1}, Stride: [2]int{2, 1}})
	}),
	"Fold with overlapping windows": unary(func(x T) T {
		return autograd.Fold(x, [2]int{5, 4}, tensor.Window{Kernel: [2]int{2, 3}, Padding: [2]int{1, 0}})
	}),
	"Conv2d with bias": func(a in) []T { return outs(nf.Conv2d(a["x"], a["w"], a["b"], nf.ConvOptions{})) },
	"Conv2d with stride, padding and dilation, no bias": func(a in) []T {
		return outs(nf.Conv2d(a["x"], a["w"], nil, nf.ConvOptions{Stride: [2]int{2, 1}, Padding: [2]int{1, 2}, Dilation: [2]int{2, 1}}))
	},
	"Conv2d with groups": func(a in) []T {
		return outs(nf.Conv2d(a["x"], a["w"], a["b"], nf.ConvOptions{Padding: [2]int{1, 1}, Groups: 2}))
	},
	"Conv2d depthwise": func(a in) []T {
		return outs(nf.Conv2d(a["x"], a["w"], nil, nf.ConvOptions{Padding: [2]int{1, 1}, Groups: 3}))
	},
	"Conv2d with padding same and an even kernel": func(a in) []T {
		return outs(nf.Conv2d(a["x"], a["w"], a["b"], nf.ConvOptions{Same: true}))
	},
	"Second derivative of Conv2d": gradOf("x", func(a in) T { return nf.Conv2d(a["x"], a["w"], nil, nf.ConvOptions{}) }),
	"Conv1d with stride, padding, dilation and groups": func(a in) []T {
		return outs(nf.Conv1d(a["x"], a["w"], a["b"], nf.ConvOptions{Stride: [2]int{0, 2}, Padding: [2]int{0, 2}, Dilation: [2]int{0, 2}, Groups: 2}))
	},
	"MaxPool1d with padding and ceil mode": unary(func(x T) T {
		return nf.MaxPool1d(x, nf.PoolOptions{Kernel: [2]int{0, 3}, Stride: [2]int{0, 2}, Padding: [2]int{0, 1}, CeilMode: true})
	}),
	"ConvTranspose2d with stride, padding and output padding": func(a in) []T {
		return outs(autograd.ConvTranspose2d(a["x"], a["w"], a["b"], autograd.ConvOptions{Stride: [2]int{2, 3}, Padding: [2]int{1, 0}}, [2]int{1, 2}))
	},
	"ConvTranspose2d with groups and dilation": func(a in) []T {
		return outs(autograd.ConvTranspose2d(a["x"], a["w"], nil, autograd.ConvOptions{Groups: 2, Dilation: [2]int{2, 2}}, [2]int{}))
	},
	"ScaledDotProductAttention without a mask": func(a in) []T {
		return outs(nf.ScaledDotProductAttention(a["q"], a["k"], a["v"], nf.AttentionOptions{}))
	},
	"ScaledDotProductAttention causal with more keys than queries": func(a in) []T {
		return outs(nf.ScaledDotProductAttention(a["q"], a["k"], a["v"], nf.AttentionOptions{IsCausal: true}))
	},
	"ScaledDotProductAttention with a broadcast boolean mask": func(a in) []T {
		return outs(nf.ScaledDotProductAttention(a["q"], a["k"], a["v"], nf.AttentionOptions{Mask: a["m"]}))
	},
	"ScaledDotProductAttention with a fully masked query is NaN": func(a in) []T {
		return outs(nf.ScaledDotProductAttention(a["q"], a["k"], a["v"], nf.AttentionOptions{Mask: a["m"]}))
	},
	"ScaledDotProductAttention with an additive mask and a scale": func(a in) []T {
		return outs(nf.ScaledDotProductAttention(a["q"], a["k"], a["v"], nf.AttentionOptions{Mask: a["m"], AdditiveMask: true, Scale: 0.3}))
	},
	"ScaledDotProductAttention causal with a boolean mask and dropout": func(a in) []T {
		return outs(autograd.ScaledDotProductAttention(a["q"], a["k"], a["v"], autograd.AttentionOptions{Mask: a["m"], IsCausal: true, Dropout: a["d"]}))
	},
	"Second derivative of causal ScaledDotProductAttention": func(a in) []T {
		y := nf.ScaledDotProductAttention(a["q"], a["k"], a["v"], nf.AttentionOptions{IsCausal: true}).Mul(a["v2"]).Sum()
		return outs(autograd.Grad([]T{y}, []T{a["q"]}, true)[0])
	},
	"MultiheadAttention self-attention batch first with averaged weights": func(a in) []T {
		m := mha(6, 2, true, true, a)
		y, w := m.ForwardQKV(a["x"], a["x"], a["x"], nn.MultiheadAttentionOptions{NeedWeights: true})
		return outs(y, w)
	},
	"MultiheadAttention cross-attention with a key padding mask and a boolean attn_mask": func(a in) []T {
		y, _ := mha(6, 3, true, false, a).ForwardQKV(a["q"], a["k"], a["v"], nn.MultiheadAttentionOptions{KeyPaddingMask: a["kpm"], AttnMask: a["am"]})
		return outs(y)
	},
	"MultiheadAttention unbatched with a float attn_mask per head and per-head weights": func(a in) []T {
		m := mha(4, 2, true, false, a)
		y, w := m.ForwardQKV(a["q"], a["k"], a["v"], nn.MultiheadAttentionOptions{AttnMask: a["am"], AttnMaskAdditive: true, NeedWeights: true, PerHeadWeights: true})
		return outs(y, w)
	},
	"MultiheadAttention without bias, causal": func(a in) []T {
		y, _ := mha(4, 2, false, false, a).ForwardQKV(a["x"], a["x"], a["x"], nn.MultiheadAttentionOptions{IsCausal: true})
		return outs(y)
	},
	"TransformerEncoderLayer post-norm with ReLU and masks": func(a in) []T {
		l := encoderLayer(6, 2, 8, nn.TransformerEncoderLayerOptions{}, a)
		return outs(l.ForwardMask(a["x"], a["am"], a["kpm"], false))
	},
	"TransformerEncoderLayer pre-norm with GELU, batch first, causal": func(a in) []T {
		l := encoderLayer(6, 3, 10, nn.TransformerEncoderLayerOptions{Activation: "gelu", BatchFirst: true, NormFirst: true, LayerNormEps: 1e-6}, a)
		return outs(l.ForwardMask(a["x"], nil, nil, true))
	},
	"MaxPool2d of 2x2 windows": unary(func(x T) T { return nf.MaxPool2d(x, nf.PoolOptions{Kernel: [2]int{2, 2}}) }),
	"MaxPool2d with padding, stride, dilation and ceil mode": unary(func(x T) T {
		return nf.MaxPool2d(x, nf.PoolOptions{Kernel: [2]int{3, 2}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}, Dilation: [2]int{1, 2}, CeilMode: true})
	}),
	"MaxPool2d with ties sends the gradient to the first": unary(func(x T) T {
		return nf.MaxPool2d(x, nf.PoolOptions{Kernel: [2]int{2, 2}, Stride: [2]int{1, 1}})
	}),
	"BatchNorm in evaluation uses the running statistics": func(a in) []T {
		return outs(nf.BatchNorm(a["x"], a["rm"], a["rv"], a["w"], a["b"], false, 0.1, 1e-5))
	},
	"BatchNorm1d of a batch of vectors without affine parameters": unary(func(x T) T { return nf.BatchNorm(x, nil, nil, nil, nil, true, 0.1, 1e-5) }),
	"AvgPool2d with padding counted": unary(func(x T) T {
		return nf.AvgPool2d(x, nf.PoolOptions{Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}})
	}),
	"AvgPool2d with padding not counted": unary(func(x T) T {
		return nf.AvgPool2d(x, nf.PoolOptions{Kernel: [2]int{2, 3}, Stride: [2]int{1, 2}, Padding: [2]int{1, 1}, ExcludePad: true})
	}),
	// Sequence-model operations.
	"Tril with a positive diagonal of a batch": unary(func(x T) T { return x.Tril(1) }),
	"Triu with a negative diagonal":            unary(func(x T) T { return x.Triu(-1) }),
	"Tril and Triu beyond the corners of a wide matrix": unary2(func(x T) []T {
		return outs(x.Tril(-3), x.Triu(2), x.Tril(9), x.Triu(-9))
	}),
	"Cumsum along dimension 1 of a 3-D tensor":              unary(func(x T) T { return x.Cumsum(1) }),
	"Cumsum along the last dimension of a transposed view":  unary(func(x T) T { return x.T().Cumsum(-1) }),
	"Cumprod along dimension 1":                             unary(func(x T) T { return x.Cumprod(1) }),
	"Cumprod with one zero and with several zeros in a row": unary(func(x T) T { return x.Cumprod(-1) }),
	"Second derivative of Cumprod with zeros":               gradOf("x", func(a in) T { return a["x"].Cumprod(1) }),
	"Sort ascending along the last dimension": unary2(func(x T) []T {
		v, i := x.Sort(-1, false)
		return outs(v, i)
	}),
	"Sort descending along dimension 0 keeps ties in order": unary2(func(x T) []T {
		v, i := x.Sort(0, true)
		return outs(v, i)
	}),
	"Sort puts NaN above every number": unary2(func(x T) []T {
		v, i := x.Sort(1, false)
		dv, di := x.Sort(1, true)
		return outs(v, i, dv, di)
	}),
	"Argsort descending along the last dimension": unary(func(x T) T { return x.Argsort(-1, true) }),
	"TopK largest along the last dimension": unary2(func(x T) []T {
		v, i := x.TopK(2, -1, true, true)
		return outs(v, i)
	}),
	"TopK smallest along dimension 0": unary2(func(x T) []T {
		v, i := x.TopK(3, 0, false, true)
		return outs(v, i)
	}),
	"Flip along two dimensions":                          unary(func(x T) T { return x.Flip(0, 2) }),
	"Roll along two dimensions":                          unary(func(x T) T { return x.Roll([]int{1, -5}, []int{0, 2}) }),
	"Roll with no dimensions rolls the flattened tensor": unary(func(x T) T { return x.Roll([]int{5}, nil) }),
	"RepeatInterleave along dimension 1":                 unary(func(x T) T { return x.RepeatInterleave(3, 1) }),
	"RepeatInterleave with a repeat for each slice":      unary(func(x T) T { return x.RepeatInterleaveEach([]int{1, 0, 2}, 0) }),
	"OneHot of class indices with a given and an inferred number of classes": func(a in) []T {
		return outs(a["y"].OneHot(4), a["y"].OneHot(-1))
	},
}

// Special values: each program applies a list of named operations,
// operation i to slice i of its inputs (Select along dimension 0), in the
// order of the lists of the same names in make_fixture.py; the harness
// checks the names against the outputs' names in the fixture.

type op1 struct {
	name string
	f    func(T) T
}

type op2 struct {
	name string
	f    func(T, T) T
}

var unarySpecial = []op1{
	{"Neg", T.Neg},
	{"Abs", T.Abs},
	{"Exp", T.Exp},
	{"Log", T.Log},
	{"Sqrt", T.Sqrt},
	{"Rsqrt", T.Rsqrt},
	{"Square", T.Square},
	{"Reciprocal", T.Reciprocal},
	{"PowScalar 3", func(x T) T { return x.PowScalar(3) }},
	{"PowScalar 0.5", func(x T) T { return x.PowScalar(0.5) }},
	{"PowScalar -1.5", func(x T) T { return x.PowScalar(-1.5) }},
	{"PowScalar 0", func(x T) T { return x.PowScalar(0) }},
	{"PowScalar 1", func(x T) T { return x.PowScalar(1) }},
	{"PowScalar 2", func(x T) T { return x.PowScalar(2) }},
	{"PowScalar -0.5", func(x T) T { return x.PowScalar(-0.5) }},
	{"PowScalar -1", func(x T) T { return x.PowScalar(-1) }},
	{"PowScalar -2", func(x T) T { return x.PowScalar(-2) }},
	{"Sin", T.Sin},
	{"Cos", T.Cos},
	{"Tanh", T.Tanh},
	{"Sigmoid", T.Sigmoid},
	{"ReLU", T.ReLU},
	{"LeakyReLU", func(x T) T { return x.LeakyReLU(0.1) }},
	{"GELU", T.GELU},
	{"GELUTanh", T.GELUTanh},
	{"SiLU", T.SiLU},
	{"Softplus", T.Softplus},
	{"Clamp", func(x T) T { return x.Clamp(-1, 2) }},
	{"Clamp min above max", func(x T) T { return x.Clamp(2, -1) }},
	{"Clamp NaN bound", func(x T) T { return x.Clamp(math.NaN(), 1) }},
	{"Erf", T.Erf},
	{"AddScalar", func(x T) T { return x.AddScalar(1.5) }},
	{"MulScalar", func(x T) T { return x.MulScalar(-2) }},
}

var binarySpecial = []op2{
	{"Add", T.Add},
	{"Sub", T.Sub},
	{"Mul", T.Mul},
	{"Div", T.Div},
	{"Pow", T.Pow},
	{"Maximum", T.Maximum},
	{"Minimum", T.Minimum},
}

var rowSpecial = []op1{
	{"SumDims", func(x T) T { return x.SumDims(false, 1) }},
	{"MeanDims", func(x T) T { return x.MeanDims(false, 1) }},
	{"MaxDims", func(x T) T { return x.MaxDims(false, 1) }},
	{"MinDims", func(x T) T { return x.MinDims(false, 1) }},
	{"MaxDim", func(x T) T { v, _ := x.MaxDim(1, false); return v }},
	{"MaxDim indices", func(x T) T { _, i := x.MaxDim(1, false); return i }},
	{"MinDim", func(x T) T { v, _ := x.MinDim(1, false); return v }},
	{"MinDim indices", func(x T) T { _, i := x.MinDim(1, false); return i }},
	{"Argmax", func(x T) T { return x.Argmax(1, false) }},
	{"Argmin", func(x T) T { return x.Argmin(1, false) }},
	{"ProdDims", func(x T) T { return x.ProdDims(false, 1) }},
	{"LogSumExpDims", func(x T) T { return x.LogSumExpDims(false, 1) }},
	{"VarDims", func(x T) T { return x.VarDims(1, false, 1) }},
	{"StdDims", func(x T) T { return x.StdDims(1, false, 1) }},
	{"StdDims correction 0", func(x T) T { return x.StdDims(0, false, 1) }},
	{"Softmax", func(x T) T { return nf.Softmax(x, 1) }},
	{"LogSoftmax", func(x T) T { return nf.LogSoftmax(x, 1) }},
}

var wholeSpecial = []op1{
	{"Sum", T.Sum},
	{"Mean", T.Mean},
	{"Max", T.Max},
	{"Min", T.Min},
	{"Prod", T.Prod},
	{"LogSumExp", T.LogSumExp},
	{"Var", func(x T) T { return x.Var(1) }},
	{"Std", func(x T) T { return x.Std(1) }},
	{"ArgmaxAll", T.ArgmaxAll},
	{"ArgminAll", T.ArgminAll},
}

// outputNames are the output names of the programs whose outputs have
// names in the fixture.
var outputNames = map[string][]string{}

// perSlice registers a program applying ops[i] to x.Select(0, i).
func perSlice(name string, ops []op1) {
	programs[name] = func(a in) []T {
		r := make([]T, len(ops))
		for i, o := range ops {
			r[i] = o.f(a["x"].Select(0, i))
		}
		return r
	}
	for _, o := range ops {
		outputNames[name] = append(outputNames[name], o.name)
	}
}

// named registers a program whose outputs have names.
func named(name string, outputs []string, f fn) {
	programs[name] = f
	outputNames[name] = outputs
}

func init() {
	perSlice("Unary operations at infinities, NaN, signed zeros and 1000", unarySpecial)
	perSlice("Reductions over rows with NaN, infinities, ties and signed zeros", rowSpecial)
	for _, what := range []string{"a NaN", "infinities", "only minus infinity", "signed zeros"} {
		perSlice("Whole-tensor reductions of a tensor with "+what, wholeSpecial)
	}
	const binary = "Binary operations on every pair of special values"
	programs[binary] = func(a in) []T {
		r := make([]T, len(binarySpecial))
		for i, o := range binarySpecial {
			r[i] = o.f(a["a"].Select(0, i), a["b"].Select(0, i))
		}
		return r
	}
	for _, o := range binarySpecial {
		outputNames[binary] = append(outputNames[binary], o.name)
	}
	named("Reductions of an empty tensor",
		[]string{"Sum", "Mean", "Prod", "SumDims 0", "SumDims 1", "MeanDims 0", "ProdDims 0", "LogSumExpDims 0", "VarDims 0", "Softmax 1", "Exp"},
		func(a in) []T {
			x := a["x"]
			return outs(x.Sum(), x.Mean(), x.Prod(), x.SumDims(false, 0), x.SumDims(false, 1), x.MeanDims(false, 0),
				x.ProdDims(false, 0), x.LogSumExpDims(false, 0), x.VarDims(1, false, 0), nf.Softmax(x, 1), x.Exp())
		})
	named("Softmax, LogSoftmax and CrossEntropy of empty tensors",
		[]string{"Softmax 0", "LogSoftmax 0", "Softmax 1", "LogSoftmax 1", "CrossEntropy"},
		func(a in) []T {
			x := a["x"]
			return outs(nf.Softmax(x, 0), nf.LogSoftmax(x, 0), nf.Softmax(x, 1), nf.LogSoftmax(x, 1), nf.CrossEntropy(x, a["y"]))
		})
	named("MatMul and Linear with an empty dimension", []string{"MatMul", "Linear"},
		func(a in) []T { return outs(a["a"].MatMul(a["b"]), autograd.Linear(a["x"], a["w"], a["c"])) })
	named("AdaptiveAvgPool2d to a smaller and a larger size", []string{"3x2", "9x6"},
		func(a in) []T {
			return outs(nf.AdaptiveAvgPool2d(a["x"], [2]int{3, 2}), nf.AdaptiveAvgPool2d(a["x"], [2]int{9, 6}))
		})
	named("BatchNorm in training updates the running statistics", []string{"y", "running_mean", "running_var"},
		func(a in) []T {
			y := nf.BatchNorm(a["x"], a["rm"], a["rv"], a["w"], a["b"], true, 0.1, 1e-5)
			return outs(y, a["rm"], a["rv"])
		})
	named("Reductions of a 0-d tensor over dimension 0",
		[]string{"SumDims", "MaxDims", "MaxDim", "ProdDims", "LogSumExpDims", "Softmax", "VarDims correction 0", "StdDims"},
		func(a in) []T {
			x := a["x"]
			v, _ := x.MaxDim(0, false)
			return outs(x.SumDims(false, 0), x.MaxDims(false, 0), v, x.ProdDims(false, 0), x.LogSumExpDims(false, 0),
				nf.Softmax(x, 0), x.VarDims(0, false, 0), x.StdDims(1, false, 0))
		})
}

// unary2 is unary for a program with several outputs.
func unary2(f func(T) []T) fn { return func(a in) []T { return f(a["x"]) } }

// The fixture, as make_fixture.py writes it.

type fixture struct {
	Torch    string    `json:"torch"`
	Programs []program `json:"programs"`
}

type program struct {
	Name    string   `json:"name"`
	Inputs  []input  `json:"inputs"`
	Outputs []output `json:"outputs"`
	Grads   []grad   `json:"grads"`
}

type input struct {
	Name  string `json:"name"`
	Kind  string `json:"kind"` // float, index or mask
	Grad  bool   `json:"grad"`
	Shape []int  `json:"shape"`
	Data  []num  `json:"data"`
}

type output struct {
	Name   string `json:"name"` // set where the outputs are named
	Shape  []int  `json:"shape"`
	Data   []num  `json:"data"`
	Weight []num  `json:"weight"` // nil for an output with no gradient
}

type grad struct {
	Name string `json:"name"`
	Data []num  `json:"data"`
}

// num is a float64 that JSON may also spell "NaN", "Infinity" or
// "-Infinity".
type num float64

func (n *num) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		switch s {
		case "NaN":
			*n = num(math.NaN())
		case "Infinity":
			*n = num(math.Inf(1))
		case "-Infinity":
			*n = num(math.Inf(-1))
		default:
			return fmt.Errorf("unknown number %q", s)
		}
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	*n = num(f)
	return err
}

func floats(ns []num) []float64 {
	f := make([]float64, len(ns))
	for i, n := range ns {
		f[i] = float64(n)
	}
	return f
}

// value returns the tensor of the given shape (0-d for an empty shape).
func value(shape []int, data []num) *tensor.Tensor {
	if len(shape) == 0 {
		return tensor.Scalar(float64(data[0]))
	}
	return tensor.New(floats(data), shape...)
}

func load(t *testing.T) fixture {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "programs.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fx fixture
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatalf("testdata/programs.json: %v", err)
	}
	return fx
}

// stats is the largest error seen, for the summary.
type stats struct {
	maxRel  float64 // |got - want| / max(|got|, |want|) over values of magnitude >= 1e-2
	maxUsed float64 // |got - want| / (rtol·max(|got|, |want|) + atol) over all values
	where   string  // which value had maxRel
	program string  // the program being compared
	values  int
}

// compare checks got against want elementwise and reports mismatches as
// errors naming what.
func (s *stats) compare(t *testing.T, what string, got *tensor.Tensor, wantShape []int, want []num) {
	t.Helper()
	if gs := got.Shape(); !slices.Equal(gs, wantShape) {
		t.Errorf("%s: shape %v, PyTorch %v", what, gs, wantShape)
		return
	}
	g := got.Data()
	bad := 0
	for i, w := range floats(want) {
		x := g[i]
		s.values++
		d := math.Abs(x - w)
		m := math.Max(math.Abs(x), math.Abs(w))
		if d > 0 && !math.IsInf(m, 0) { // both finite and different
			if used := d / (rtol*m + atol); used > s.maxUsed {
				s.maxUsed = used
			}
			if m >= 1e-2 && d/m > s.maxRel {
				s.maxRel, s.where = d/m, fmt.Sprintf("%s of %q", what, s.program)
			}
		}
		if !matches(x, w) {
			if bad++; bad <= 4 {
				t.Errorf("%s[%d] (flat index): adjoint %.17g, PyTorch %.17g (relative error %.3g)", what, i, x, w, d/m)
			}
		}
	}
	if bad > 4 {
		t.Errorf("%s: %d more mismatches", what, bad-4)
	}
}

// TestProgramsMatchPyTorch runs every program of testdata/programs.json
// with adjoint and compares its outputs and the gradients of
// Σ (out_i·w_i).Sum() with PyTorch's, to 1e-10 relative.
func TestProgramsMatchPyTorch(t *testing.T) {
	fx := load(t)
	var s stats
	inJSON := map[string]bool{}
	for _, p := range fx.Programs {
		if inJSON[p.Name] {
			t.Errorf("program %q appears twice in programs.json", p.Name)
		}
		inJSON[p.Name] = true
		t.Run(p.Name, func(t *testing.T) {
			f, ok := programs[p.Name]
			if !ok {
				t.Fatalf("programs.json has program %q but parity_test.go does not; add it to programs", p.Name)
			}
			run(t, &s, p, f)
		})
	}
	var missing []string
	for name := range programs {
		if !inJSON[name] {
			missing = append(missing, name)
		}
	}
	slices.Sort(missing)
	for _, name := range missing {
		t.Errorf("parity_test.go has program %q but programs.json does not; add it to make_fixture.py and rerun it", name)
	}
	t.Logf("%d programs, %d values compared against PyTorch %s", len(fx.Programs), s.values, fx.Torch)
	t.Logf("largest relative error (values of magnitude >= 1e-2): %.3g, in %s", s.maxRel, s.where)
	t.Logf("largest share of the tolerance used (rtol %g, atol %g): %.3g", rtol, atol, s.maxUsed)
}

func run(t *testing.T, s *stats, p program, f fn) {
	defer func() {
		if e := recover(); e != nil {
			t.Fatalf("panic: %v\n%s", e, debug.Stack())
		}
	}()
	s.program = p.Name
	a := in{}
	for _, x := range p.Inputs {
		a[x.Name] = autograd.From(value(x.Shape, x.Data)).SetRequiresGrad(x.Grad)
	}
	got := f(a)
	if len(got) != len(p.Outputs) {
		t.Fatalf("%d outputs, PyTorch %d", len(got), len(p.Outputs))
	}
	if want := outputNames[p.Name]; want != nil {
		var names []string
		for _, o := range p.Outputs {
			names = append(names, o.Name)
		}
		if !slices.Equal(names, want) {
			t.Fatalf("outputs named %q in parity_test.go, %q in programs.json", want, names)
		}
	}
	var loss T
	for i, o := range p.Outputs {
		what := fmt.Sprintf("output %d", i)
		if o.Name != "" {
			what = fmt.Sprintf("output %d (%s)", i, o.Name)
		}
		s.compare(t, what, got[i].Value(), o.Shape, o.Data)
		if o.Weight == nil {
			continue
		}
		term := got[i].Mul(autograd.From(value(o.Shape, o.Weight))).Sum()
		if loss == nil {
			loss = term
		} else {
			loss = loss.Add(term)
		}
	}
	if loss != nil && loss.RequiresGrad() {
		loss.Backward()
	}
	for _, g := range p.Grads {
		x := a[g.Name]
		gv := tensor.ZerosLike(x.Value())
		if x.Grad() != nil {
			gv = x.Grad().Value()
		}
		s.compare(t, "gradient of "+g.Name, gv, x.Shape(), g.Data)
	}
}

func TestMatchesIsStrict(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name      string
		got, want float64
		ok        bool
	}{
		{"equal values match", 1.5, 1.5, true},
		{"values 0.5e-10 apart relatively match", 1 + 0.5e-10, 1, true},
		{"values 2e-10 apart relatively do not", 1 + 2e-10, 1, false},
		{"tiny values within the absolute floor match", 1e-13, -1e-13, true},
		{"tiny values beyond the absolute floor do not", 3e-12, 0, false},
		{"NaN matches NaN", nan, nan, true},
		{"NaN does not match a number", nan, 0, false},
		{"a number does not match NaN", 0, nan, false},
		{"+Inf matches +Inf", inf, inf, true},
		{"+Inf does not match -Inf", inf, -inf, false},
		{"+Inf does not match the largest float", inf, math.MaxFloat64, false},
		{"a large float does not match -Inf", -1e300, -inf, false},
		{"+0 matches -0", 0, math.Copysign(0, -1), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := matches(tc.got, tc.want); got != tc.ok {
				t.Fatalf("matches(%v, %v) = %v, want %v", tc.got, tc.want, got, tc.ok)
			}
		})
	}
}
