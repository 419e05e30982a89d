package autograd

import (
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

// A nil argument is a programmer error that panics with a *tensor.Error
// naming the operation and what is nil, never a nil-pointer runtime panic.
func TestNilArgumentsPanicWithTheirNames(t *testing.T) {
	x := New([]float64{1, 2, 3, 4}, 2, 2).SetRequiresGrad(true)
	idx := New([]float64{0, 1}, 2)
	cases := []struct {
		op, what string
		f        func()
	}{
		{"Rand", "rng is nil", func() { Rand(nil, 2) }},
		{"Randn", "rng is nil", func() { Randn(nil, 2) }},
		{"Add", "other operand is nil", func() { x.Add(nil) }},
		{"Sub", "other operand is nil", func() { x.Sub(nil) }},
		{"Mul", "other operand is nil", func() { x.Mul(nil) }},
		{"Div", "other operand is nil", func() { x.Div(nil) }},
		{"Pow", "exponent is nil", func() { x.Pow(nil) }},
		{"Maximum", "other operand is nil", func() { x.Maximum(nil) }},
		{"Minimum", "other operand is nil", func() { x.Minimum(nil) }},
		{"MatMul", "other operand is nil", func() { x.MatMul(nil) }},
		{"Dot", "other operand is nil", func() { x.Dot(nil) }},
		{"Outer", "other operand is nil", func() { x.Outer(nil) }},
		{"Linear", "weight is nil", func() { Linear(x, nil, nil) }},
		{"Linear", "input is nil", func() { Linear(nil, x, nil) }},
		{"Where", "condition is nil", func() { Where(nil, x, x) }},
		{"Where", "b is nil", func() { Where(x, x, nil) }},
		{"IndexSelect", "index is nil", func() { x.IndexSelect(0, nil) }},
		{"IndexAdd", "source is nil", func() { x.IndexAdd(0, idx, nil) }},
		{"Gather", "index is nil", func() { x.Gather(0, nil) }},
		{"ScatterAdd", "index is nil", func() { x.ScatterAdd(0, nil, x) }},
		{"MaskedFill", "mask is nil", func() { x.MaskedFill(nil, 0) }},
		{"Cat", "tensor 1 of 2 is nil", func() { Cat([]*Tensor{x, nil}, 0) }},
		{"Conv2d", "input is nil", func() { Conv2d(nil, x, nil, ConvOptions{}) }},
		{"MaxPool2d", "input is nil", func() { MaxPool2d(nil, tensor.Window{Kernel: [2]int{2, 2}}, false) }},
		{"MaxPool2d", "input is nil", func() { MaxPool2dValues(nil, tensor.Window{Kernel: [2]int{2, 2}}, false) }},
		{"AvgPool2d", "input is nil", func() { AvgPool2d(nil, tensor.Window{Kernel: [2]int{2, 2}}, false) }},
		{"Stack", "tensor 0 of 1 is nil", func() { Stack([]*Tensor{nil}, 0) }},
		{"CrossEntropyRows", "target is nil", func() { CrossEntropyRows(x, nil, -100) }},
		{"LayerNorm", "input is nil", func() { LayerNorm(nil, []int{2}, nil, nil, 1e-5) }},
		{"BatchNorm", "input is nil", func() { BatchNorm(nil, nil, nil, 1e-5) }},
		{"ScaledDotProductAttention", "key is nil", func() { ScaledDotProductAttention(x, nil, x, AttentionOptions{}) }},
		{"ScaledDotProductAttention", "query is nil", func() { ScaledDotProductAttention(nil, x, x, AttentionOptions{}) }},
	}
	for _, c := range cases {
		t.Run(c.op+" with "+c.what, func(t *testing.T) {
			e := testutil.Panics[*tensor.Error](t, c.f)
			if e.Op != c.op || !contains(e.Error(), c.what) {
				t.Fatalf("panic %q, want op %s saying %q", e, c.op, c.what)
			}
		})
	}
}
