// The shapes here overflow a 64-bit int; on 32-bit platforms the same
// constants do not compile, and smaller ones are covered by the same code.

//go:build amd64 || arm64 || ppc64 || ppc64le || riscv64 || s390x || loong64 || mips64 || mips64le

package tensor_test

import (
	"math"
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestShapesWhoseElementCountOverflows checks that every way of making a
// shape counts its elements with overflow checks: a product of sizes that
// does not fit in an int (which used to wrap around to a small or zero
// count) panics with an *Error naming the operation and the shape.
func TestShapesWhoseElementCountOverflows(t *testing.T) {
	const third = 6148914691236517206 // 3·third = 2^64 + 2 wraps to 2
	big := func(n int) *tensor.Tensor { return tensor.Scalar(0).Expand(n) }
	tests := []struct {
		name string
		op   string
		want []string
		f    func()
	}{
		{"New with a count that wraps to len(data)", "New", []string{"[3 6148914691236517206]", "overflows"},
			func() { tensor.New([]float64{1, 2}, 3, third) }},
		{"FromData with a count that wraps to len(data)", "FromData", []string{"[3 6148914691236517206]", "overflows"},
			func() { tensor.FromData([]float64{1, 2}, 3, third) }},
		{"Ones with a count that wraps to 0", "Full", []string{"[4294967296 4294967296]", "overflows"},
			func() { tensor.Ones(1<<32, 1<<32) }},
		{"Zeros just past the largest int", "Zeros", []string{"[3037000500 3037000500]", "overflows"},
			func() { tensor.Zeros(3037000500, 3037000500) }},
		{"Zeros with an empty dimension after the overflow", "Zeros", []string{"[4294967296 4294967296 0]", "overflows"},
			func() { tensor.Zeros(1<<32, 1<<32, 0) }},
		{"Rand", "Rand", []string{"[4294967296 4294967296]", "overflows"},
			func() { tensor.Rand(newRNG(1), 1<<32, 1<<32) }},
		{"Eye", "Eye", []string{"[4294967296 4294967296]", "overflows"}, func() { tensor.Eye(1 << 32) }},
		{"Reshape to a count that wraps to the tensor's", "Reshape", []string{"[3 6148914691236517206]", "overflows"},
			func() { tensor.Zeros(2).Reshape(3, third) }},
		{"View to a count that wraps to the tensor's", "View", []string{"[3 6148914691236517206]", "overflows"},
			func() { tensor.Zeros(2).View(3, third) }},
		{"Reshape with -1 and an overflowing rest", "Reshape", []string{"[-1 4294967296 4294967296]", "overflows"},
			func() { tensor.Zeros(0).Reshape(-1, 1<<32, 1<<32) }},
		{"Expand to a count that wraps", "Expand", []string{"[3 6148914691236517206]", "overflows"},
			func() { tensor.Zeros(1, 1).Expand(3, third) }},
		{"Expand to a count that wraps to 0", "Expand", []string{"[4294967296 4294967296]", "overflows"},
			func() { tensor.Scalar(1).Expand(1<<32, 1<<32) }},
		{"BroadcastShapes", "Add", []string{"[4294967296 4294967296]", "overflows"},
			func() { tensor.BroadcastShapes("Add", []int{1 << 32, 1}, []int{1, 1 << 32}) }},
		{"Add of views that broadcast past the largest int", "Add", []string{"[4294967296 4294967296]", "overflows"},
			func() { big(1 << 32).Unsqueeze(1).Add(big(1 << 32)) }},
		{"Where of views that broadcast past the largest int", "Where", []string{"[4294967296 4294967296]", "overflows"},
			func() { tensor.Where(big(1<<32).Unsqueeze(1), big(1<<32), tensor.Scalar(0)) }},
		{"Cat whose size along dim wraps to 0", "Cat", []string{"overflows"},
			func() { tensor.Cat([]*tensor.Tensor{big(1 << 62), big(1 << 62), big(1 << 62), big(1 << 62)}, 0) }},
		{"Cat whose size along dim wraps negative", "Cat", []string{"overflows"},
			func() { tensor.Cat([]*tensor.Tensor{big(1 << 62), big(1 << 62)}, 0) }},
		{"Stack", "Stack", []string{"[4 4611686018427387904]", "overflows"},
			func() { tensor.Stack([]*tensor.Tensor{big(1 << 62), big(1 << 62), big(1 << 62), big(1 << 62)}, 0) }},
		{"Pad whose padding wraps to 0", "Pad", []string{"overflows"},
			func() { tensor.Zeros(2).Pad([]int{math.MaxInt, math.MaxInt}, 0) }},
		{"PadDim whose padding wraps to 0", "PadDim", []string{"overflows"},
			func() { tensor.Zeros(2).PadDim(0, math.MaxInt, math.MaxInt, 0) }},
		{"MatMul whose output wraps", "MatMul", []string{"[4294967296 4294967296]", "overflows"},
			func() { big(1 << 32).Unsqueeze(1).MatMul(big(1 << 32).Unsqueeze(0)) }},
		{"Outer whose output wraps", "Outer", []string{"[4294967296 4294967296]", "overflows"},
			func() { big(1 << 32).Outer(big(1 << 32)) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { wantPanic(t, tc.op, tc.want, tc.f) })
	}
}

// TestShapesTooLargeToAllocate checks that a count that fits in an int but
// not in memory panics with an *Error naming the operation, not with a
// runtime makeslice error.
func TestShapesTooLargeToAllocate(t *testing.T) {
	huge := tensor.Scalar(1).Expand(1<<31, 1<<31) // a valid view of 2^62 elements
	tests := []struct {
		name string
		op   string
		want []string
		f    func()
	}{
		{"Zeros of 2^62 elements", "Zeros", []string{"[2147483648 2147483648]", "4611686018427387904 elements", "at most"},
			func() { tensor.Zeros(1<<31, 1<<31) }},
		{"Full of 2^50 elements", "Full", []string{"[1125899906842624]", "at most"},
			func() { tensor.Full(1, 1<<50) }},
		{"Data of an expanded view of 2^62 elements", "Data", []string{"[2147483648 2147483648]", "at most"},
			func() { huge.Data() }},
		{"Clone of an expanded view of 2^62 elements", "Clone", []string{"[2147483648 2147483648]", "at most"},
			func() { huge.Clone() }},
		{"Exp of an expanded view of 2^62 elements", "Exp", []string{"[2147483648 2147483648]", "at most"},
			func() { huge.Exp() }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { wantPanic(t, tc.op, tc.want, tc.f) })
	}
	if n := huge.Numel(); n != 1<<62 {
		t.Errorf("Numel() of the expanded view = %d, want 2^62", n)
	}
}

// TestNegativeSizesAreRefused checks the shapes that carry a negative size
// into a view.
func TestNegativeSizesAreRefused(t *testing.T) {
	wantPanic(t, "Expand", []string{"[2 -2]"}, func() { tensor.Zeros(1, 1).Expand(2, -2) })
	wantPanic(t, "Expand", []string{"[-2 1 1]", "size -2"}, func() { tensor.Zeros(1, 1).Expand(-2, 1, 1) })
	wantPanic(t, "Reshape", []string{"[-2 -3]"}, func() { tensor.Zeros(6).Reshape(-2, -3) })
	wantPanic(t, "FromData", []string{"[-1 0]", "negative"}, func() { tensor.FromData(nil, -1, 0) })
}

// TestPadWithExtremePadding checks padding and cropping by the largest
// sizes an int holds, whose negation or sum used to wrap around.
func TestPadWithExtremePadding(t *testing.T) {
	// 2 + MinInt + MaxInt = 1: every element cropped, one value padded.
	x := tensor.New([]float64{1, 2}).Pad([]int{math.MinInt, math.MaxInt}, 7)
	checkShape(t, "Shape()", x.Shape(), []int{1})
	testutil.AllSame(t, "Data()", x.Data(), []float64{7})
	wantPanic(t, "Pad", []string{"negative size"}, func() { tensor.New([]float64{1, 2}).Pad([]int{math.MinInt, 0}, 0) })
	z := tensor.New([]float64{1, 2, 3}).PadDim(0, 1, 0, 9).Pad([]int{-2, 1}, 5)
	testutil.AllSame(t, "Data() of a crop and pad", z.Data(), []float64{2, 3, 5})
}
