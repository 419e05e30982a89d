package tensor_test

import (
	"math"
	"testing"

	"github.com/adjoint-go/adjoint/tensor"
)

// TestNilArguments checks that a nil *Tensor (or *rand.Rand) passed to an
// exported function or method panics with an *Error that names the
// operation and the argument, not with a nil pointer dereference inside.
func TestNilArguments(t *testing.T) {
	var null *tensor.Tensor
	x, m := tensor.Ones(2), tensor.Ones(2, 2)
	idx := tensor.Zeros(2)
	tests := []struct {
		name string
		op   string
		want []string
		f    func()
	}{
		{"Linear with a nil weight", "Linear", []string{"weight", "nil"}, func() { tensor.Linear(m, nil, nil) }},
		{"Linear with a nil input", "Linear", []string{"input", "nil"}, func() { tensor.Linear(nil, m, nil) }},
		{"Add of nil", "Add", []string{"nil"}, func() { x.Add(nil) }},
		{"Sub on a nil receiver", "Sub", []string{"nil"}, func() { null.Sub(x) }},
		{"Mul of nil", "Mul", []string{"nil"}, func() { x.Mul(nil) }},
		{"Div of nil", "Div", []string{"nil"}, func() { x.Div(nil) }},
		{"Eq of nil", "Eq", []string{"nil"}, func() { x.Eq(nil) }},
		{"Pow of nil", "Pow", []string{"nil"}, func() { x.Pow(nil) }},
		{"Maximum of nil", "Maximum", []string{"nil"}, func() { x.Maximum(nil) }},
		{"MaskedFill with a nil mask", "MaskedFill", []string{"mask", "nil"}, func() { x.MaskedFill(nil, 1) }},
		{"MatMul of nil", "MatMul", []string{"nil"}, func() { m.MatMul(nil) }},
		{"MatMul on a nil receiver", "MatMul", []string{"nil"}, func() { null.MatMul(m) }},
		{"MatMulT with a nil operand", "MatMulT", []string{"nil"}, func() { tensor.MatMulT(m, nil, false, true) }},
		{"Dot of nil", "Dot", []string{"nil"}, func() { x.Dot(nil) }},
		{"Outer of nil", "Outer", []string{"nil"}, func() { x.Outer(nil) }},
		{"AddMatMulInPlace with a nil operand", "AddMatMulInPlace", []string{"nil"}, func() { tops.AddMatMulInPlace(m, m, nil, false, false) }},
		{"MatMulInto with a nil operand", "MatMulInto", []string{"nil"}, func() { tops.MatMulInto(m, m, nil, false, false) }},
		{"CopyFrom nil", "CopyFrom", []string{"src", "nil"}, func() { x.CopyFrom(nil) }},
		{"AddInPlace of nil", "AddInPlace", []string{"nil"}, func() { x.AddInPlace(nil) }},
		{"Where with a nil condition", "Where", []string{"cond", "nil"}, func() { tensor.Where(nil, x, x) }},
		{"Where with a nil b", "Where", []string{"nil"}, func() { tensor.Where(x, x, nil) }},
		{"Cat with a nil tensor", "Cat", []string{"position 1", "nil"}, func() { tensor.Cat([]*tensor.Tensor{x, nil}, 0) }},
		{"Stack with a nil tensor", "Stack", []string{"position 0", "nil"}, func() { tensor.Stack([]*tensor.Tensor{nil, x}, 0) }},
		{"Gather with a nil index", "Gather", []string{"index", "nil"}, func() { m.Gather(0, nil) }},
		{"IndexSelect with a nil index", "IndexSelect", []string{"index", "nil"}, func() { m.IndexSelect(0, nil) }},
		{"IndexAdd with a nil source", "IndexAdd", []string{"src", "nil"}, func() { m.IndexAdd(0, idx, nil) }},
		{"ScatterAdd with a nil index", "ScatterAdd", []string{"index", "nil"}, func() { m.ScatterAdd(0, nil, m) }},
		{"CrossEntropyRows with nil logits", "CrossEntropyRows", []string{"logits", "nil"}, func() { tops.CrossEntropyRows(nil, idx, -1) }},
		{"CrossEntropyRowsGrad with a nil lse", "CrossEntropyRowsGrad", []string{"lse", "nil"}, func() { tops.CrossEntropyRowsGrad(m, idx, nil, nil, -1) }},
		{"ThresholdGrad with a nil gradient", "ThresholdGrad", []string{"nil"}, func() { tops.ThresholdGrad(nil, x, 0) }},
		{"TanhGrad with a nil output", "TanhGrad", []string{"nil"}, func() { tops.TanhGrad(x, nil) }},
		{"GELUGrad with a nil input", "GELUGrad", []string{"nil"}, func() { tops.GELUGrad(x, nil, x) }},
		{"AllClose with nil", "AllClose", []string{"nil"}, func() { tensor.AllClose(x, nil, 0, 0) }},
		{"ZerosLike of nil", "ZerosLike", []string{"nil"}, func() { tensor.ZerosLike(nil) }},
		{"OnesLike of nil", "OnesLike", []string{"nil"}, func() { tensor.OnesLike(nil) }},
		{"SameShape with nil", "SameShape", []string{"nil"}, func() { x.SameShape(nil) }},
		{"SameStorage with nil", "SameStorage", []string{"nil"}, func() { x.SameStorage(nil) }},
		{"Rand with a nil rng", "Rand", []string{"rng", "nil *rand.Rand"}, func() { tensor.Rand(nil, 2) }},
		{"Randn with a nil rng", "Randn", []string{"rng", "nil *rand.Rand"}, func() { tensor.Randn(nil, 2, 3) }},
		{"Exp on a nil receiver", "Exp", []string{"nil"}, func() { null.Exp() }},
		{"Neg on a nil receiver", "Neg", []string{"nil"}, func() { null.Neg() }},
		{"AddScalar on a nil receiver", "AddScalar", []string{"nil"}, func() { null.AddScalar(1) }},
		{"Sum on a nil receiver", "Sum", []string{"nil"}, func() { null.Sum() }},
		{"SumDims on a nil receiver", "SumDims", []string{"nil"}, func() { null.SumDims(false, 0) }},
		{"Reshape on a nil receiver", "Reshape", []string{"nil"}, func() { null.Reshape(2) }},
		{"Data on a nil receiver", "Data", []string{"nil"}, func() { null.Data() }},
		{"Clone on a nil receiver", "Clone", []string{"nil"}, func() { null.Clone() }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { wantPanic(t, tc.op, tc.want, tc.f) })
	}
}

// TestNilReceivers checks methods with no tensor argument on a nil
// receiver: each panics with an *Error naming itself.
func TestNilReceivers(t *testing.T) {
	var null *tensor.Tensor
	tests := []struct {
		op string
		f  func()
	}{
		{"PowScalar", func() { null.PowScalar(0) }},
		{"Clamp", func() { null.Clamp(math.NaN(), 1) }},
		{"Transpose", func() { null.Transpose(0, 1) }},
		{"Select", func() { null.Select(0, 0) }},
		{"Slice", func() { null.Slice(0, 0, 1) }},
		{"Permute", func() { null.Permute(0) }},
		{"Squeeze", func() { null.Squeeze() }},
		{"Unsqueeze", func() { null.Unsqueeze(0) }},
		{"Expand", func() { null.Expand(2) }},
		{"View", func() { null.View(2) }},
		{"SumTo", func() { null.SumTo(2) }},
		{"Pad", func() { null.Pad(nil, 0) }},
		{"PadDim", func() { null.PadDim(0, 1, 1, 0) }},
		{"Split", func() { null.Split(1, 0) }},
		{"Max", func() { null.Max() }},
		{"Mean", func() { null.Mean() }},
		{"Var", func() { null.Var(1) }},
		{"MaxDim", func() { null.MaxDim(0, false) }},
		{"ArgmaxAll", func() { null.ArgmaxAll() }},
		{"Fill", func() { null.Fill(1) }},
		{"At", func() { null.At(0) }},
		{"Set", func() { null.Set(1, 0) }},
		{"Item", func() { null.Item() }},
		{"Raw", func() { null.Raw() }},
		{"T", func() { null.T() }},
	}
	for _, tc := range tests {
		t.Run(tc.op+" on a nil receiver", func(t *testing.T) {
			wantPanic(t, tc.op, []string{"receiver t is a nil *Tensor"}, tc.f)
		})
	}
}
