package tensor_test

import (
	"math"
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

// emptyViews are views with no elements whose layout once put their first
// element past the end of an empty storage: a Select or Slice along a
// non-empty dimension of a tensor with an empty one.
func emptyViews() []struct {
	name string
	view func() *tensor.Tensor
} {
	return []struct {
		name string
		view func() *tensor.Tensor
	}{
		{"Select of a column of a [0 3] tensor", func() *tensor.Tensor { return tensor.Zeros(0, 3).Select(1, 2) }},
		{"Slice of the columns of a [0 3] tensor", func() *tensor.Tensor { return tensor.Zeros(0, 3).Slice(1, 1, 3) }},
		{"Select along the last dimension of a [3 0 4] tensor", func() *tensor.Tensor { return tensor.Zeros(3, 0, 4).Select(2, 3) }},
		{"Select of a transposed [2 0 5] tensor", func() *tensor.Tensor { return tensor.Zeros(2, 0, 5).Transpose(0, 2).Select(0, 4) }},
		{"Slice of the last column of a [0 4] tensor", func() *tensor.Tensor { return tensor.Ones(0, 4).Slice(1, 3, 4) }},
		{"Select of a [0 3] tensor, unsqueezed and expanded", func() *tensor.Tensor {
			return tensor.Zeros(0, 3).Select(1, 1).Unsqueeze(0).Expand(2, 0)
		}},
	}
}

// TestOpsOnEmptyViews runs every kind of operation on empty views and
// checks that each gives what it gives on a fresh empty tensor of the same
// shape: the same shape and the same values (an empty view has no element
// to read, so its layout must not matter).
func TestOpsOnEmptyViews(t *testing.T) {
	flat := func(x *tensor.Tensor) *tensor.Tensor { return x.Reshape(-1) }
	ops := []struct {
		name string
		op   func(x *tensor.Tensor) *tensor.Tensor
	}{
		{"Clone", func(x *tensor.Tensor) *tensor.Tensor { return x.Clone() }},
		{"Contiguous", func(x *tensor.Tensor) *tensor.Tensor { return x.Contiguous() }},
		{"Exp", func(x *tensor.Tensor) *tensor.Tensor { return x.Exp() }},
		{"Neg", func(x *tensor.Tensor) *tensor.Tensor { return x.Neg() }},
		{"Sigmoid", func(x *tensor.Tensor) *tensor.Tensor { return x.Sigmoid() }},
		{"Tanh", func(x *tensor.Tensor) *tensor.Tensor { return x.Tanh() }},
		{"GELU", func(x *tensor.Tensor) *tensor.Tensor { return x.GELU() }},
		{"Clamp", func(x *tensor.Tensor) *tensor.Tensor { return x.Clamp(0, 1) }},
		{"PowScalar", func(x *tensor.Tensor) *tensor.Tensor { return x.PowScalar(3) }},
		{"AddScalar", func(x *tensor.Tensor) *tensor.Tensor { return x.AddScalar(1) }},
		{"MulScalar", func(x *tensor.Tensor) *tensor.Tensor { return x.MulScalar(2) }},
		{"Add of itself", func(x *tensor.Tensor) *tensor.Tensor { return x.Add(x) }},
		{"Add of a scalar", func(x *tensor.Tensor) *tensor.Tensor { return x.Add(tensor.Scalar(1)) }},
		{"Sub of a contiguous copy", func(x *tensor.Tensor) *tensor.Tensor { return x.Sub(x.Clone()) }},
		{"Mul broadcasting a leading dimension", func(x *tensor.Tensor) *tensor.Tensor { return x.Unsqueeze(0).Mul(x) }},
		{"Div by ones", func(x *tensor.Tensor) *tensor.Tensor { return x.Div(tensor.Ones(1)) }},
		{"Pow", func(x *tensor.Tensor) *tensor.Tensor { return x.Pow(x) }},
		{"Maximum", func(x *tensor.Tensor) *tensor.Tensor { return x.Maximum(tensor.Scalar(0)) }},
		{"Eq", func(x *tensor.Tensor) *tensor.Tensor { return x.Eq(x) }},
		{"Where", func(x *tensor.Tensor) *tensor.Tensor { return tensor.Where(x, x, x) }},
		{"Where with a scalar", func(x *tensor.Tensor) *tensor.Tensor { return tensor.Where(x, tensor.Scalar(2), x) }},
		{"MaskedFill", func(x *tensor.Tensor) *tensor.Tensor { return x.MaskedFill(x, 7) }},
		{"Sum", func(x *tensor.Tensor) *tensor.Tensor { return x.Sum() }},
		{"Mean", func(x *tensor.Tensor) *tensor.Tensor { return x.Mean() }},
		{"Prod", func(x *tensor.Tensor) *tensor.Tensor { return x.Prod() }},
		{"LogSumExp", func(x *tensor.Tensor) *tensor.Tensor { return x.LogSumExp() }},
		{"Var", func(x *tensor.Tensor) *tensor.Tensor { return x.Var(0) }},
		{"SumDims over the first dimension", func(x *tensor.Tensor) *tensor.Tensor { return x.SumDims(false, 0) }},
		{"ProdDims over the last dimension, kept", func(x *tensor.Tensor) *tensor.Tensor { return x.ProdDims(true, -1) }},
		{"MeanDims over the first dimension", func(x *tensor.Tensor) *tensor.Tensor { return x.MeanDims(false, 0) }},
		{"LogSumExpDims over the last dimension", func(x *tensor.Tensor) *tensor.Tensor { return x.LogSumExpDims(false, -1) }},
		{"MaxDims over no dimension", func(x *tensor.Tensor) *tensor.Tensor { return x.MaxDims(false) }},
		{"SumTo a leading 1", func(x *tensor.Tensor) *tensor.Tensor {
			return x.Unsqueeze(0).Expand(append([]int{3}, x.Shape()...)...).SumTo(x.Shape()...)
		}},
		{"Reshape to 1-D", flat},
		{"View as 1-D", func(x *tensor.Tensor) *tensor.Tensor { return x.View(-1).Clone() }},
		{"Transpose then Contiguous", func(x *tensor.Tensor) *tensor.Tensor { return x.Transpose(0, -1).Contiguous() }},
		{"Expand a leading dimension", func(x *tensor.Tensor) *tensor.Tensor {
			return x.Expand(append([]int{2}, x.Shape()...)...).Clone()
		}},
		{"Cat with itself", func(x *tensor.Tensor) *tensor.Tensor { return tensor.Cat([]*tensor.Tensor{x, x}, 0) }},
		{"Stack with itself", func(x *tensor.Tensor) *tensor.Tensor { return tensor.Stack([]*tensor.Tensor{x, x}, -1) }},
		{"Pad the last dimension", func(x *tensor.Tensor) *tensor.Tensor { return x.Pad([]int{1, 2}, 5) }},
		{"PadDim the first dimension", func(x *tensor.Tensor) *tensor.Tensor { return x.PadDim(0, 1, 0, 3) }},
		{"Chunk then Cat", func(x *tensor.Tensor) *tensor.Tensor { return tensor.Cat(x.Chunk(2, 0), 0) }},
		{"IndexSelect of no index", func(x *tensor.Tensor) *tensor.Tensor { return x.IndexSelect(0, tensor.Zeros(0)) }},
		{"Gather with an empty index", func(x *tensor.Tensor) *tensor.Tensor { return x.Gather(0, tensor.Zeros(x.Shape()...)) }},
		{"ScatterAdd of nothing", func(x *tensor.Tensor) *tensor.Tensor { return x.ScatterAdd(0, x, x) }},
		{"Dot", func(x *tensor.Tensor) *tensor.Tensor { return flat(x).Dot(flat(x)) }},
		{"Outer", func(x *tensor.Tensor) *tensor.Tensor { return flat(x).Outer(tensor.Ones(2)) }},
		{"MatMul with an empty inner dimension", func(x *tensor.Tensor) *tensor.Tensor {
			return flat(x).Unsqueeze(0).MatMul(tensor.Ones(0, 3))
		}},
		{"MatMul with empty rows", func(x *tensor.Tensor) *tensor.Tensor { return flat(x).Unsqueeze(1).MatMul(tensor.Ones(1, 2)) }},
		{"MatMulT", func(x *tensor.Tensor) *tensor.Tensor {
			return tensor.MatMulT(flat(x).Unsqueeze(1), flat(x).Unsqueeze(1), true, false)
		}},
		{"Linear", func(x *tensor.Tensor) *tensor.Tensor {
			return tensor.Linear(flat(x).Unsqueeze(1), tensor.Ones(2, 1), tensor.Ones(2))
		}},
		{"Linear with an empty inner dimension", func(x *tensor.Tensor) *tensor.Tensor {
			return tensor.Linear(flat(x).Unsqueeze(0), tensor.Ones(2, 0), tensor.Ones(2))
		}},
		{"CrossEntropyRows", func(x *tensor.Tensor) *tensor.Tensor {
			loss, _ := tops.CrossEntropyRows(flat(x).Unsqueeze(1), flat(x), -100)
			return loss
		}},
		{"TanhGrad", func(x *tensor.Tensor) *tensor.Tensor { return tops.TanhGrad(x, x) }},
		{"ThresholdGrad", func(x *tensor.Tensor) *tensor.Tensor { return tops.ThresholdGrad(x, x, 0) }},
		{"Fill, CopyFrom and AddInPlace", func(x *tensor.Tensor) *tensor.Tensor {
			x.Fill(3)
			x.CopyFrom(tensor.Scalar(1))
			x.AddInPlace(x)
			return x.Clone()
		}},
	}
	for _, v := range emptyViews() {
		for _, op := range ops {
			t.Run(op.name+" of a "+v.name, func(t *testing.T) {
				x := v.view()
				if x.Numel() != 0 {
					t.Fatalf("view of shape %v is not empty", x.Shape())
				}
				want := op.op(tensor.Zeros(x.Shape()...))
				got := op.op(x)
				checkShape(t, "Shape()", got.Shape(), want.Shape())
				testutil.AllSame(t, "Data()", got.Data(), want.Data())
				if g, w := got.String(), want.String(); g != w {
					t.Errorf("String() = %q, want %q", g, w)
				}
			})
		}
	}
}

// TestEmptyViewsReadNothing checks the accessors of empty views: no data,
// a layout that shows the shape, and reductions with their identities.
func TestEmptyViewsReadNothing(t *testing.T) {
	x := tensor.Zeros(0, 3).Select(1, 2)
	checkShape(t, "Shape()", x.Shape(), []int{0})
	if d := x.Data(); d == nil || len(d) != 0 {
		t.Errorf("Data() = %#v, want an empty, non-nil slice", d)
	}
	if s := x.String(); s != "tensor([])" {
		t.Errorf("String() = %q, want %q", s, "tensor([])")
	}
	y := tensor.Zeros(0, 3).Slice(1, 1, 3)
	checkShape(t, "Shape()", y.Shape(), []int{0, 2})
	if s := y.Sum().Item(); s != 0 {
		t.Errorf("Sum() = %v, want 0", s)
	}
	if p := y.Prod().Item(); p != 1 {
		t.Errorf("Prod() = %v, want 1", p)
	}
	if m := y.Mean().Item(); !math.IsNaN(m) {
		t.Errorf("Mean() = %v, want NaN", m)
	}
	if l := y.LogSumExp().Item(); !math.IsInf(l, -1) {
		t.Errorf("LogSumExp() = %v, want -Inf", l)
	}
	testutil.AllSame(t, "SumDims(false, 0)", y.SumDims(false, 0).Data(), []float64{0, 0})
	z := tensor.Full(2, 3, 0, 4).Select(2, 3).Add(tensor.Ones(3, 1))
	checkShape(t, "Shape() of a sum with an empty view", z.Shape(), []int{3, 0})
	if !slices.Equal(tensor.Zeros(0, 3).Select(1, 2).Raw(), []float64{}) {
		t.Errorf("Raw() of an empty view is not empty")
	}
}
