package tensor_test

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

// refGroups returns, for each result of reducing x over dims, the values
// reduced into it in row-major order, and the result's shape: the plain
// index-arithmetic reference for every XDims reduction.
func refGroups(x *tensor.Tensor, keepdim bool, dims ...int) ([]int, [][]float64) {
	shape := x.Shape()
	reduce := make([]bool, len(shape))
	for _, d := range dims {
		if len(shape) == 0 {
			continue
		}
		if d < 0 {
			d += len(shape)
		}
		reduce[d] = true
	}
	keep := slices.Clone(shape)
	outShape := []int{}
	for i := range shape {
		if reduce[i] {
			keep[i] = 1
			if keepdim {
				outShape = append(outShape, 1)
			}
		} else {
			outShape = append(outShape, shape[i])
		}
	}
	groups := make([][]float64, numel(keep))
	for i := range groups {
		groups[i] = []float64{}
	}
	ks := rowMajor(keep)
	for _, idx := range indices(shape) {
		p := 0
		for i, v := range idx {
			if !reduce[i] {
				p += v * ks[i]
			}
		}
		groups[p] = append(groups[p], x.At(idx...))
	}
	return outShape, groups
}

func refSum(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s
}

func refMean(x []float64) float64 { return refSum(x) / float64(len(x)) }

func refProd(x []float64) float64 {
	p := 1.0
	for _, v := range x {
		p *= v
	}
	return p
}

func refMax(x []float64) float64 {
	m := math.Inf(-1)
	for _, v := range x {
		if math.IsNaN(v) {
			return v
		}
		m = math.Max(m, v)
	}
	return m
}

func refMin(x []float64) float64 {
	m := math.Inf(1)
	for _, v := range x {
		if math.IsNaN(v) {
			return v
		}
		m = math.Min(m, v)
	}
	return m
}

func refLogSumExp(x []float64) float64 {
	m := refMax(x)
	if math.IsInf(m, 0) {
		m = 0
	}
	s := 0.0
	for _, v := range x {
		s += math.Exp(v - m)
	}
	return math.Log(s) + m
}

func refVar(c int) func(x []float64) float64 {
	return func(x []float64) float64 {
		m := refMean(x)
		s := 0.0
		for _, v := range x {
			s += (v - m) * (v - m)
		}
		return s / float64(max(len(x)-c, 0))
	}
}

func refStd(c int) func(x []float64) float64 {
	return func(x []float64) float64 { return math.Sqrt(refVar(c)(x)) }
}

// refArg returns the first position of the maximum (or minimum), a NaN
// counting as both.
func refArg(x []float64, isMax bool) int {
	best := 0
	for i, v := range x {
		b := x[best]
		switch {
		case math.IsNaN(b):
		case math.IsNaN(v):
			best = i
		case isMax && v > b, !isMax && v < b:
			best = i
		}
	}
	return best
}

type dimsOp struct {
	name string
	f    func(x *tensor.Tensor, keepdim bool, dims ...int) *tensor.Tensor
	ref  func([]float64) float64
}

var dimsOps = []dimsOp{
	{"SumDims", (*tensor.Tensor).SumDims, refSum},
	{"MeanDims", (*tensor.Tensor).MeanDims, refMean},
	{"MaxDims", (*tensor.Tensor).MaxDims, refMax},
	{"MinDims", (*tensor.Tensor).MinDims, refMin},
	{"ProdDims", (*tensor.Tensor).ProdDims, refProd},
	{"LogSumExpDims", (*tensor.Tensor).LogSumExpDims, refLogSumExp},
	{"VarDims(0)", func(x *tensor.Tensor, k bool, d ...int) *tensor.Tensor { return x.VarDims(0, k, d...) }, refVar(0)},
	{"VarDims(1)", func(x *tensor.Tensor, k bool, d ...int) *tensor.Tensor { return x.VarDims(1, k, d...) }, refVar(1)},
	{"StdDims(1)", func(x *tensor.Tensor, k bool, d ...int) *tensor.Tensor { return x.StdDims(1, k, d...) }, refStd(1)},
	{"StdDims(0)", func(x *tensor.Tensor, k bool, d ...int) *tensor.Tensor { return x.StdDims(0, k, d...) }, refStd(0)},
}

// longDimsOps are the operations that run the large inputs of
// TestReduceDimsAgainstReference when fewLong (under the race detector,
// where the test took 17 s with all ten and 9 s with these, and under
// -short): one of each way the reductions combine a group (a sum, a
// comparison, two passes, a shifted exponential sum), as all split
// through the same engine.
var longDimsOps = map[string]bool{"SumDims": true, "MaxDims": true, "VarDims(1)": true, "LogSumExpDims": true}

func TestReduceDimsAgainstReference(t *testing.T) {
	for name := range longDimsOps {
		if !slices.ContainsFunc(dimsOps, func(op dimsOp) bool { return op.name == name }) {
			t.Fatalf("longDimsOps names %s, which is not in dimsOps", name)
		}
	}
	rng := newRNG(21)
	inputs := []struct {
		name  string
		x     func() *tensor.Tensor
		large bool // above the grains: under fewLong, only longDimsOps run it
	}{
		{"a contiguous [2 3 4]", func() *tensor.Tensor { return randT(rng, 2, 3, 4) }, false},
		{"a transposed [4 3 2]", func() *tensor.Tensor { return randT(rng, 2, 3, 4).Transpose(0, 2) }, false},
		{"a permuted [3 4 2]", func() *tensor.Tensor { return randT(rng, 2, 3, 4).Permute(1, 2, 0) }, false},
		{"a sliced [2 3 2]", func() *tensor.Tensor { return randT(rng, 2, 3, 4).Slice(2, 1, 3) }, false},
		{"an expanded [2 3 4]", func() *tensor.Tensor { return randT(rng, 3, 1).Expand(2, 3, 4) }, false},
		{"a [2 1 3] with a size-1 dimension", func() *tensor.Tensor { return randT(rng, 2, 1, 3) }, false},
		{"a non-contiguous Select [2 4]", func() *tensor.Tensor { return randT(rng, 2, 3, 4).Select(1, 1) }, false},
		{"a last-dimension Select [2 3]", func() *tensor.Tensor { return randT(rng, 2, 3, 4).Select(2, 3) }, false},
		{"a row slice at an offset [2 4]", func() *tensor.Tensor { return randT(rng, 4, 4).Slice(0, 1, 3) }, false},
		{"a long-row [3 1500] (gathered in chunks when strided)", func() *tensor.Tensor { return randT(rng, 1500, 3).Transpose(0, 1) }, false},
		{"a contiguous [4 1500] (columns staged in chunks)", func() *tensor.Tensor { return randT(rng, 4, 1500) }, false},
		{"a large contiguous [20 30 100] (split across goroutines)", func() *tensor.Tensor { return randT(rng, 20, 30, 100) }, true},
		{"a large contiguous [2 40000] (split by columns)", func() *tensor.Tensor { return randT(rng, 2, 40000) }, true},
	}
	dimLists := [][]int{{}, {0}, {1}, {2}, {-1}, {-2}, {0, 2}, {2, 0}, {-3, -1}, {1, 2}, {0, 1}, {0, 1, 2}}
	// The reference groups depend on the input, the dims and keepdim, not
	// on the operation, so each is gathered once for every operation (whose
	// ref must therefore not modify a group).
	for _, in := range inputs {
		x := in.x()
		for _, dims := range dimLists {
			if !dimsValid(dims, x.Dim()) {
				continue
			}
			for _, keepdim := range []bool{true, false} {
				wantShape, groups := refGroups(x, keepdim, dims...)
				for _, op := range dimsOps {
					if in.large && fewLong() && !longDimsOps[op.name] {
						continue
					}
					t.Run(fmt.Sprintf("%s(keepdim=%v, %v) of %s", op.name, keepdim, dims, in.name), func(t *testing.T) {
						before := x.Data()
						got := op.f(x, keepdim, dims...)
						want := make([]float64, len(groups))
						for i, g := range groups {
							want[i] = op.ref(g)
						}
						checkFresh(t, got, wantShape)
						if got.SameStorage(x) {
							t.Errorf("the result shares storage with the input")
						}
						testutil.AllClose(t, "result", got.Data(), want, 1e-12)
						testutil.AllSame(t, "input afterwards", x.Data(), before)
					})
				}
			}
		}
	}
}

func TestWholeReductionsAgainstReference(t *testing.T) {
	rng := newRNG(22)
	inputs := []struct {
		name string
		x    *tensor.Tensor
	}{
		{"a contiguous matrix", randT(rng, 5, 7)},
		{"a transposed matrix", randT(rng, 5, 7).Transpose(0, 1)},
		{"a column slice", randT(rng, 5, 7).Slice(1, 2, 5)},
		{"an expanded column", randT(rng, 5, 1).Expand(5, 3)},
		{"a 0-d tensor", tensor.Scalar(1.5)},
		{"a long vector of 100000", randT(rng, 100000)},
		{"a long transposed [300 400]", randT(rng, 400, 300).Transpose(0, 1)},
		{"a long sliced [400 250]", randT(rng, 400, 300).Slice(1, 10, 260)},
	}
	ops := []struct {
		name string
		f    func(*tensor.Tensor) *tensor.Tensor
		ref  func([]float64) float64
		tol  float64
	}{
		{"Sum", (*tensor.Tensor).Sum, refSum, 1e-11},
		{"Mean", (*tensor.Tensor).Mean, refMean, 1e-11},
		{"Max", (*tensor.Tensor).Max, refMax, 0},
		{"Min", (*tensor.Tensor).Min, refMin, 0},
		{"LogSumExp", (*tensor.Tensor).LogSumExp, refLogSumExp, 1e-12},
		{"Var(1)", func(x *tensor.Tensor) *tensor.Tensor { return x.Var(1) }, refVar(1), 1e-11},
		{"Var(0)", func(x *tensor.Tensor) *tensor.Tensor { return x.Var(0) }, refVar(0), 1e-11},
		{"Std(1)", func(x *tensor.Tensor) *tensor.Tensor { return x.Std(1) }, refStd(1), 1e-11},
	}
	for _, op := range ops {
		for _, in := range inputs {
			t.Run(op.name+" of "+in.name, func(t *testing.T) {
				got := op.f(in.x)
				checkFresh(t, got, []int{})
				want := op.ref(valuesAt(in.x))
				testutil.AllClose(t, op.name, []float64{got.Item()}, []float64{want}, op.tol)
			})
		}
	}
	t.Run("Prod of small values agrees with a plain loop", func(t *testing.T) {
		for _, x := range []*tensor.Tensor{randT(rng, 4, 5), randT(rng, 4, 5).Transpose(0, 1), randT(rng, 4, 6).Slice(1, 1, 4)} {
			testutil.AllClose(t, "Prod", []float64{x.Prod().Item()}, []float64{refProd(valuesAt(x))}, 1e-13)
		}
	})
	t.Run("Prod of 100000 values near 1 agrees with a plain loop", func(t *testing.T) {
		d := make([]float64, 100000)
		for i := range d {
			d[i] = 1 + (rng.Float64()-0.5)*1e-3
		}
		testutil.AllClose(t, "Prod", []float64{tensor.New(d).Prod().Item()}, []float64{refProd(d)}, 1e-10)
	})
}

func TestReductionValues(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	m := func() *tensor.Tensor { return tensor.New([]float64{1, 2, 3, 4, 5, 6}, 2, 3) }
	ln2 := math.Log(2)
	tests := []struct {
		name  string
		got   func() *tensor.Tensor
		shape []int
		want  []float64
	}{
		{"SumDims(false, 1) of [[1 2 3] [4 5 6]] is [6 15]", func() *tensor.Tensor { return m().SumDims(false, 1) }, []int{2}, []float64{6, 15}},
		{"MeanDims(false, 1) is [2 5]", func() *tensor.Tensor { return m().MeanDims(false, 1) }, []int{2}, []float64{2, 5}},
		{"MeanDims(true, 0) is [[2.5 3.5 4.5]]", func() *tensor.Tensor { return m().MeanDims(true, 0) }, []int{1, 3}, []float64{2.5, 3.5, 4.5}},
		{"MaxDims(false, 0) is [4 5 6]", func() *tensor.Tensor { return m().MaxDims(false, 0) }, []int{3}, []float64{4, 5, 6}},
		{"MinDims(true, -1) is [[1] [4]]", func() *tensor.Tensor { return m().MinDims(true, -1) }, []int{2, 1}, []float64{1, 4}},
		{"MaxDims over both dims is 6", func() *tensor.Tensor { return m().MaxDims(false, 0, 1) }, []int{}, []float64{6}},
		{"ProdDims(false, 1) is [6 120]", func() *tensor.Tensor { return m().ProdDims(false, 1) }, []int{2}, []float64{6, 120}},
		{"ProdDims(false, 0) is [4 10 18]", func() *tensor.Tensor { return m().ProdDims(false, 0) }, []int{3}, []float64{4, 10, 18}},
		{"VarDims(1, false, 1) is [1 1]", func() *tensor.Tensor { return m().VarDims(1, false, 1) }, []int{2}, []float64{1, 1}},
		{"VarDims(0, false, 0) is [2.25 2.25 2.25]", func() *tensor.Tensor { return m().VarDims(0, false, 0) }, []int{3}, []float64{2.25, 2.25, 2.25}},
		{"VarDims(1, false, 0) is [4.5 4.5 4.5]", func() *tensor.Tensor { return m().VarDims(1, false, 0) }, []int{3}, []float64{4.5, 4.5, 4.5}},
		{"VarDims(2, false, 1) divides by N-2 = 1: [2 2]", func() *tensor.Tensor { return m().VarDims(2, false, 1) }, []int{2}, []float64{2, 2}},
		{"VarDims(-1, false, 1) divides by N+1 = 4: [0.5 0.5]", func() *tensor.Tensor { return m().VarDims(-1, false, 1) }, []int{2}, []float64{0.5, 0.5}},
		{"VarDims(3, false, 1) with N-correction = 0 is +Inf", func() *tensor.Tensor { return m().VarDims(3, false, 1) }, []int{2}, []float64{inf, inf}},
		{"VarDims(5, false, 1) with N-correction < 0 is +Inf", func() *tensor.Tensor { return m().VarDims(5, false, 1) }, []int{2}, []float64{inf, inf}},
		{"VarDims(1) of one value is NaN (0/0)", func() *tensor.Tensor { return tensor.New([]float64{3}, 1).VarDims(1, false, 0) }, []int{}, []float64{nan}},
		{"VarDims(0) of one value is 0", func() *tensor.Tensor { return tensor.New([]float64{3}, 1).VarDims(0, false, 0) }, []int{}, []float64{0}},
		{"StdDims(1, true, 1) is [[1] [1]]", func() *tensor.Tensor { return m().StdDims(1, true, 1) }, []int{2, 1}, []float64{1, 1}},
		{"StdDims(0, false, 0) is [1.5 1.5 1.5]", func() *tensor.Tensor { return m().StdDims(0, false, 0) }, []int{3}, []float64{1.5, 1.5, 1.5}},
		{"Var(1) of [1..6] is 3.5", func() *tensor.Tensor { return m().Var(1) }, []int{}, []float64{3.5}},
		{"Std(0) of [2 4 4 4 5 5 7 9] is 2", func() *tensor.Tensor { return tensor.New([]float64{2, 4, 4, 4, 5, 5, 7, 9}).Std(0) }, []int{}, []float64{2}},
		{"Prod of [1..6] is 720", func() *tensor.Tensor { return m().Prod() }, []int{}, []float64{720}},
		{"Prod with a zero is 0", func() *tensor.Tensor { return tensor.New([]float64{3, 0, 2}).Prod() }, []int{}, []float64{0}},
		{"LogSumExp of [0 0] is ln 2", func() *tensor.Tensor { return tensor.New([]float64{0, 0}).LogSumExp() }, []int{}, []float64{ln2}},
		{"LogSumExp of [1000 1000] is 1000 + ln 2", func() *tensor.Tensor { return tensor.New([]float64{1000, 1000}).LogSumExp() }, []int{}, []float64{1000 + ln2}},
		{"LogSumExp of [-1000 -1000] is -1000 + ln 2", func() *tensor.Tensor { return tensor.New([]float64{-1000, -1000}).LogSumExp() }, []int{}, []float64{-1000 + ln2}},
		{"LogSumExp of [1000 -1000] is 1000", func() *tensor.Tensor { return tensor.New([]float64{1000, -1000}).LogSumExp() }, []int{}, []float64{1000}},
		{"LogSumExpDims of rows [1000 1000] and [-1000 -1000]", func() *tensor.Tensor {
			return tensor.New([]float64{1000, 1000, -1000, -1000}, 2, 2).LogSumExpDims(false, 1)
		}, []int{2}, []float64{1000 + ln2, -1000 + ln2}},
		{"LogSumExpDims over columns of [1000 -1000; 1000 -1000]", func() *tensor.Tensor {
			return tensor.New([]float64{1000, -1000, 1000, -1000}, 2, 2).LogSumExpDims(true, 0)
		}, []int{1, 2}, []float64{1000 + ln2, -1000 + ln2}},
		{"LogSumExpDims of an all -Inf row is -Inf, not NaN", func() *tensor.Tensor {
			return tensor.New([]float64{-inf, -inf, 0, 0}, 2, 2).LogSumExpDims(false, 1)
		}, []int{2}, []float64{-inf, ln2}},
		{"LogSumExpDims of an all -Inf column is -Inf, not NaN", func() *tensor.Tensor {
			return tensor.New([]float64{-inf, 0, -inf, 0}, 2, 2).LogSumExpDims(false, 0)
		}, []int{2}, []float64{-inf, ln2}},
		{"LogSumExp with a -Inf ignores it", func() *tensor.Tensor { return tensor.New([]float64{-inf, 0, 0}).LogSumExp() }, []int{}, []float64{ln2}},
		{"LogSumExp with a +Inf is +Inf", func() *tensor.Tensor { return tensor.New([]float64{inf, 0, -inf}).LogSumExp() }, []int{}, []float64{inf}},
		{"LogSumExp with a NaN is NaN", func() *tensor.Tensor { return tensor.New([]float64{1, nan}).LogSumExp() }, []int{}, []float64{nan}},
		{"MaxDims with a NaN is NaN", func() *tensor.Tensor { return tensor.New([]float64{1, nan, 3, 4}, 2, 2).MaxDims(false, 1) }, []int{2}, []float64{nan, 4}},
		{"MinDims over columns with a NaN is NaN", func() *tensor.Tensor {
			return tensor.New([]float64{1, nan, 3, 4}, 2, 2).MinDims(false, 0)
		}, []int{2}, []float64{1, nan}},
		{"MaxDims with infinities", func() *tensor.Tensor { return tensor.New([]float64{-inf, -inf, inf, 1}, 2, 2).MaxDims(false, 1) }, []int{2}, []float64{-inf, inf}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.got()
			checkFresh(t, got, tc.shape)
			testutil.AllClose(t, "result", got.Data(), tc.want, 1e-15)
		})
	}
}

func TestReductionEdgeCases(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	empty := func() *tensor.Tensor { return tensor.Zeros(0, 3) }
	tests := []struct {
		name  string
		got   func() *tensor.Tensor
		shape []int
		want  []float64
	}{
		{"SumDims over a size-0 dimension is 0", func() *tensor.Tensor { return empty().SumDims(false, 0) }, []int{3}, []float64{0, 0, 0}},
		{"ProdDims over a size-0 dimension is 1", func() *tensor.Tensor { return empty().ProdDims(false, 0) }, []int{3}, []float64{1, 1, 1}},
		{"MeanDims over a size-0 dimension is NaN", func() *tensor.Tensor { return empty().MeanDims(true, 0) }, []int{1, 3}, []float64{nan, nan, nan}},
		{"VarDims over a size-0 dimension is NaN", func() *tensor.Tensor { return empty().VarDims(1, false, 0) }, []int{3}, []float64{nan, nan, nan}},
		{"StdDims over a size-0 dimension is NaN", func() *tensor.Tensor { return empty().StdDims(0, false, 0) }, []int{3}, []float64{nan, nan, nan}},
		{"LogSumExpDims over a size-0 dimension is -Inf", func() *tensor.Tensor { return empty().LogSumExpDims(false, 0) }, []int{3}, []float64{-inf, -inf, -inf}},
		{"MaxDims over a non-empty dimension of an empty tensor is empty", func() *tensor.Tensor { return empty().MaxDims(false, 1) }, []int{0}, []float64{}},
		{"Argmax over a non-empty dimension of an empty tensor is empty", func() *tensor.Tensor { return empty().Argmax(1, true) }, []int{0, 1}, []float64{}},
		{"Prod of an empty tensor is 1", func() *tensor.Tensor { return empty().Prod() }, []int{}, []float64{1}},
		{"LogSumExp of an empty tensor is -Inf", func() *tensor.Tensor { return empty().LogSumExp() }, []int{}, []float64{-inf}},
		{"Var of an empty tensor is NaN", func() *tensor.Tensor { return empty().Var(1) }, []int{}, []float64{nan}},
		{"Std of an empty tensor is NaN", func() *tensor.Tensor { return empty().Std(0) }, []int{}, []float64{nan}},
		{"SumDims(false, 0) of a 0-d tensor is the value", func() *tensor.Tensor { return tensor.Scalar(5).SumDims(false, 0) }, []int{}, []float64{5}},
		{"MaxDims(true, -1) of a 0-d tensor is the value", func() *tensor.Tensor { return tensor.Scalar(5).MaxDims(true, -1) }, []int{}, []float64{5}},
		{"ProdDims(false, 0) of a 0-d tensor is the value", func() *tensor.Tensor { return tensor.Scalar(-2).ProdDims(false, 0) }, []int{}, []float64{-2}},
		{"LogSumExpDims(false, 0) of a 0-d tensor is the value", func() *tensor.Tensor { return tensor.Scalar(-2).LogSumExpDims(false, 0) }, []int{}, []float64{-2}},
		{"VarDims(1, false, 0) of a 0-d tensor is NaN", func() *tensor.Tensor { return tensor.Scalar(5).VarDims(1, false, 0) }, []int{}, []float64{nan}},
		{"VarDims(0, false) of a 0-d tensor is 0", func() *tensor.Tensor { return tensor.Scalar(5).VarDims(0, false) }, []int{}, []float64{0}},
		{"Argmax(0, false) of a 0-d tensor is 0", func() *tensor.Tensor { return tensor.Scalar(5).Argmax(0, false) }, []int{}, []float64{0}},
		{"ArgminAll of a 0-d tensor is 0", func() *tensor.Tensor { return tensor.Scalar(5).ArgminAll() }, []int{}, []float64{0}},
		{"MaxDims over a size-1 dimension copies", func() *tensor.Tensor { return seq(2, 1, 3).MaxDims(false, 1) }, []int{2, 3}, []float64{0, 1, 2, 3, 4, 5}},
		{"VarDims(1) over a size-1 dimension is NaN", func() *tensor.Tensor { return seq(2, 1).VarDims(1, true, 1) }, []int{2, 1}, []float64{nan, nan}},
		{"MeanDims with no dims copies", func() *tensor.Tensor { return seq(2, 2).MeanDims(false) }, []int{2, 2}, []float64{0, 1, 2, 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.got()
			checkFresh(t, got, tc.shape)
			testutil.AllSame(t, "result", got.Data(), tc.want)
		})
	}
	t.Run("MaxDim of a 0-d tensor gives the value and index 0", func(t *testing.T) {
		v, i := tensor.Scalar(5).MaxDim(-1, true)
		checkFresh(t, v, []int{})
		checkFresh(t, i, []int{})
		if v.Item() != 5 || i.Item() != 0 {
			t.Errorf("MaxDim = (%v, %v), want (5, 0)", v.Item(), i.Item())
		}
	})
}

func TestReductionPanics(t *testing.T) {
	x := seq(2, 3, 4)
	calls := []struct {
		op string
		f  func(x *tensor.Tensor, dims ...int)
	}{
		{"SumDims", func(x *tensor.Tensor, d ...int) { x.SumDims(false, d...) }},
		{"MeanDims", func(x *tensor.Tensor, d ...int) { x.MeanDims(true, d...) }},
		{"MaxDims", func(x *tensor.Tensor, d ...int) { x.MaxDims(false, d...) }},
		{"MinDims", func(x *tensor.Tensor, d ...int) { x.MinDims(false, d...) }},
		{"ProdDims", func(x *tensor.Tensor, d ...int) { x.ProdDims(false, d...) }},
		{"LogSumExpDims", func(x *tensor.Tensor, d ...int) { x.LogSumExpDims(false, d...) }},
		{"VarDims", func(x *tensor.Tensor, d ...int) { x.VarDims(1, false, d...) }},
		{"StdDims", func(x *tensor.Tensor, d ...int) { x.StdDims(1, false, d...) }},
	}
	for _, c := range calls {
		t.Run(c.op+" with a dimension out of range names it and the shape", func(t *testing.T) {
			wantPanic(t, c.op, []string{"dimension 3", "[2 3 4]"}, func() { c.f(x, 3) })
			wantPanic(t, c.op, []string{"dimension -4", "[2 3 4]"}, func() { c.f(x, 0, -4) })
		})
		t.Run(c.op+" with a repeated dimension names the dims and the shape", func(t *testing.T) {
			wantPanic(t, c.op, []string{"[1 -2]", "[2 3 4]"}, func() { c.f(x, 1, -2) })
		})
		t.Run(c.op+" of a 0-d tensor with dimension 1 names the range", func(t *testing.T) {
			wantPanic(t, c.op, []string{"dimension 1", "[-1, 0]", "[]"}, func() { c.f(tensor.Scalar(1), 1) })
		})
		t.Run(c.op+" of a 0-d tensor with dimension 0 twice panics", func(t *testing.T) {
			wantPanic(t, c.op, []string{"[0 -1]", "[]"}, func() { c.f(tensor.Scalar(1), 0, -1) })
		})
	}
	single := []struct {
		op string
		f  func(x *tensor.Tensor, dim int)
	}{
		{"MaxDim", func(x *tensor.Tensor, d int) { x.MaxDim(d, false) }},
		{"MinDim", func(x *tensor.Tensor, d int) { x.MinDim(d, true) }},
		{"Argmax", func(x *tensor.Tensor, d int) { x.Argmax(d, false) }},
		{"Argmin", func(x *tensor.Tensor, d int) { x.Argmin(d, true) }},
	}
	for _, c := range single {
		t.Run(c.op+" with a dimension out of range names it and the shape", func(t *testing.T) {
			wantPanic(t, c.op, []string{"dimension 3", "[2 3 4]"}, func() { c.f(x, 3) })
			wantPanic(t, c.op, []string{"dimension -4", "[2 3 4]"}, func() { c.f(x, -4) })
		})
		t.Run(c.op+" over a dimension of size 0 names it and the shape", func(t *testing.T) {
			wantPanic(t, c.op, []string{"dimension 0", "size 0", "[0 3]"}, func() { c.f(tensor.Zeros(0, 3), 0) })
		})
	}
	t.Run("MaxDims over a dimension of size 0 names it and the shape", func(t *testing.T) {
		wantPanic(t, "MaxDims", []string{"dimension 1", "size 0", "[3 0]"}, func() { tensor.Zeros(3, 0).MaxDims(true, 0, 1) })
	})
	t.Run("MinDims over a dimension of size 0 names it and the shape", func(t *testing.T) {
		wantPanic(t, "MinDims", []string{"dimension 0", "size 0", "[0 3]"}, func() { tensor.Zeros(0, 3).MinDims(false, -2) })
	})
	t.Run("ArgmaxAll of an empty tensor names the shape", func(t *testing.T) {
		wantPanic(t, "ArgmaxAll", []string{"[2 0]"}, func() { tensor.Zeros(2, 0).ArgmaxAll() })
	})
	t.Run("ArgminAll of an empty tensor names the shape", func(t *testing.T) {
		wantPanic(t, "ArgminAll", []string{"[0]"}, func() { tensor.Zeros(0).ArgminAll() })
	})
}

func TestMaxDimAndArgmax(t *testing.T) {
	nan := math.NaN()
	rng := newRNG(23)
	// Small integers make many ties, so first-occurrence matters.
	ties := func(shape ...int) *tensor.Tensor {
		d := make([]float64, numel(shape))
		for i := range d {
			d[i] = float64(rng.IntN(3))
		}
		return tensor.New(d, shape...)
	}
	inputs := []struct {
		name string
		x    *tensor.Tensor
	}{
		{"a contiguous [3 4 5] with ties", ties(3, 4, 5)},
		{"a transposed [5 4 3] with ties", ties(3, 4, 5).Transpose(0, 2)},
		{"a sliced [3 4 2] with ties", ties(3, 4, 5).Slice(2, 1, 3)},
		{"an expanded [3 4 5]", ties(4, 1).Expand(3, 4, 5)},
		{"a random [6 7 8]", randT(rng, 6, 7, 8)},
		{"a [2 3] with NaNs", tensor.New([]float64{1, nan, 3, nan, 2, nan}, 2, 3)},
		{"a [1 4] with a size-1 dimension", tensor.New([]float64{2, 5, 5, 1}, 1, 4)},
	}
	for _, in := range inputs {
		for dim := -in.x.Dim(); dim < in.x.Dim(); dim++ {
			for _, keepdim := range []bool{false, true} {
				for _, isMax := range []bool{true, false} {
					name := "MinDim"
					if isMax {
						name = "MaxDim"
					}
					t.Run(fmt.Sprintf("%s(%d, %v) of %s", name, dim, keepdim, in.name), func(t *testing.T) {
						var vals, idx *tensor.Tensor
						var arg *tensor.Tensor
						if isMax {
							vals, idx = in.x.MaxDim(dim, keepdim)
							arg = in.x.Argmax(dim, keepdim)
						} else {
							vals, idx = in.x.MinDim(dim, keepdim)
							arg = in.x.Argmin(dim, keepdim)
						}
						d := dim
						if d < 0 {
							d += in.x.Dim()
						}
						// refGroups lists each result's values along dim in order.
						wantShape, groups := refGroups(in.x, keepdim, d)
						wantIdx := make([]float64, len(groups))
						wantVal := make([]float64, len(groups))
						for i, g := range groups {
							k := refArg(g, isMax)
							wantIdx[i], wantVal[i] = float64(k), g[k]
						}
						checkFresh(t, vals, wantShape)
						checkFresh(t, idx, wantShape)
						checkFresh(t, arg, wantShape)
						testutil.AllSame(t, "values", vals.Data(), wantVal)
						testutil.AllSame(t, "indices", idx.Data(), wantIdx)
						testutil.AllSame(t, "Argmax/Argmin", arg.Data(), wantIdx)
					})
				}
			}
		}
	}
	t.Run("MaxDim of [[1 3 3] [2 2 1]] along 1 takes the first tie", func(t *testing.T) {
		v, i := tensor.New([]float64{1, 3, 3, 2, 2, 1}, 2, 3).MaxDim(1, false)
		testutil.AllSame(t, "values", v.Data(), []float64{3, 2})
		testutil.AllSame(t, "indices", i.Data(), []float64{1, 0})
	})
	t.Run("large MaxDim over columns and rows agrees with the reference", func(t *testing.T) {
		x := ties(300, 200)
		for _, d := range []int{0, 1} {
			_, idx := x.MaxDim(d, false)
			_, groups := refGroups(x, false, d)
			want := make([]float64, len(groups))
			for i, g := range groups {
				want[i] = float64(refArg(g, true))
			}
			testutil.AllSame(t, fmt.Sprintf("indices along %d", d), idx.Data(), want)
		}
	})
}

func TestArgAll(t *testing.T) {
	nan := math.NaN()
	big := func(at map[int]float64) *tensor.Tensor {
		d := make([]float64, 100000)
		for i := range d {
			d[i] = float64(i%7) - 3
		}
		for i, v := range at {
			d[i] = v
		}
		return tensor.New(d)
	}
	tests := []struct {
		name           string
		x              *tensor.Tensor
		argmax, argmin float64
	}{
		{"a vector with ties takes the first", tensor.New([]float64{1, 3, 3, 0, 0}), 1, 3},
		{"a matrix counts in row-major order", tensor.New([]float64{1, 2, 9, 0, 9, -1}, 2, 3), 2, 5},
		{"a transposed matrix counts in its own row-major order", tensor.New([]float64{1, 2, 9, 0, 9, -1}, 2, 3).Transpose(0, 1), 3, 5},
		{"a NaN counts as both the largest and the smallest", tensor.New([]float64{1, nan, 9, nan}), 1, 1},
		{"a long vector with ties across blocks takes the first", big(map[int]float64{50000: 10, 90000: 10, 20000: -10, 99999: -10}), 50000, 20000},
		{"a long vector with a late NaN finds it", big(map[int]float64{99998: nan, 10: 100}), 99998, 99998},
		{"a long vector's first maximum is in the first block", big(nil), 6, 0},
	}
	for _, tc := range tests {
		t.Run("ArgmaxAll and ArgminAll of "+tc.name, func(t *testing.T) {
			a, b := tc.x.ArgmaxAll(), tc.x.ArgminAll()
			checkFresh(t, a, []int{})
			checkFresh(t, b, []int{})
			if a.Item() != tc.argmax || b.Item() != tc.argmin {
				t.Errorf("ArgmaxAll, ArgminAll = %v, %v; want %v, %v", a.Item(), b.Item(), tc.argmax, tc.argmin)
			}
		})
	}
}

func TestReductionsAccuracy(t *testing.T) {
	t.Run("Var of values near 1e6 keeps its digits (two passes)", func(t *testing.T) {
		d := make([]float64, 100001)
		for i := range d {
			d[i] = 1e6 + float64(i%3) // variance of 0, 1, 2 repeated
		}
		x := tensor.New(d)
		testutil.AllClose(t, "Var(0)", []float64{x.Var(0).Item()}, []float64{refVar(0)(d)}, 1e-12)
		rows := tensor.New(d[:100000], 1000, 100)
		want := make([]float64, 1000)
		for i := range want {
			want[i] = refVar(1)(d[i*100 : (i+1)*100])
		}
		testutil.AllClose(t, "VarDims rows", rows.VarDims(1, false, 1).Data(), want, 1e-12)
	})
	t.Run("LogSumExp of a million values of ±1000 is finite", func(t *testing.T) {
		d := make([]float64, 1<<20)
		for i := range d {
			d[i] = 1000
			if i%2 == 1 {
				d[i] = -1000
			}
		}
		got := tensor.New(d).LogSumExp().Item()
		want := 1000 + math.Log(float64(len(d)/2))
		testutil.AllClose(t, "LogSumExp", []float64{got}, []float64{want}, 1e-12)
	})
}

// TestReductionsDoNotDependOnGOMAXPROCS computes every reduction of large
// tensors with one and with several goroutines and compares the bits.
func TestReductionsDoNotDependOnGOMAXPROCS(t *testing.T) {
	rng := newRNG(24)
	inputs := []struct {
		name string
		x    *tensor.Tensor
		dims [][]int
	}{
		{"[1000 1000]", randT(rng, 1000, 1000), [][]int{{0}, {1}, {0, 1}}},
		{"[3 200000]", randT(rng, 3, 200000), [][]int{{0}, {1}}},
		{"[200000 3]", randT(rng, 200000, 3), [][]int{{0}, {1}}},
		{"a transposed [600 500]", randT(rng, 500, 600).Transpose(0, 1), [][]int{{0}, {1}}},
		{"[40 50 60]", randT(rng, 40, 50, 60), [][]int{{1}, {0, 2}}},
	}
	type result struct {
		name string
		data []float64
	}
	compute := func() []result {
		var out []result
		for _, in := range inputs {
			x := in.x
			whole := []struct {
				name string
				v    *tensor.Tensor
			}{
				{"Sum", x.Sum()}, {"Mean", x.Mean()}, {"Max", x.Max()}, {"Min", x.Min()}, {"Prod", x.Prod()},
				{"LogSumExp", x.LogSumExp()}, {"Var", x.Var(1)}, {"Std", x.Std(0)},
				{"ArgmaxAll", x.ArgmaxAll()}, {"ArgminAll", x.ArgminAll()},
			}
			for _, w := range whole {
				out = append(out, result{w.name + " of " + in.name, w.v.Data()})
			}
			for _, dims := range in.dims {
				for _, op := range dimsOps {
					out = append(out, result{fmt.Sprintf("%s(%v) of %s", op.name, dims, in.name), op.f(x, false, dims...).Data()})
				}
				if len(dims) == 1 {
					v, i := x.MaxDim(dims[0], false)
					out = append(out, result{fmt.Sprintf("MaxDim(%v) of %s", dims, in.name), append(v.Data(), i.Data()...)})
					out = append(out, result{fmt.Sprintf("Argmin(%v) of %s", dims, in.name), x.Argmin(dims[0], false).Data()})
				}
			}
		}
		return out
	}
	old := runtime.GOMAXPROCS(1)
	one := compute()
	var many []result
	if !fewLong() { // 7 alone there: the same splits, more of them (the three passes took 16.6 s under the race detector, 19.7 s emulated)
		runtime.GOMAXPROCS(max(2, old))
		many = compute()
	}
	runtime.GOMAXPROCS(7) // more goroutines than cores: other split points
	seven := compute()
	runtime.GOMAXPROCS(old)
	for i := range one {
		if many != nil {
			testutil.AllSame(t, one[i].name+" with GOMAXPROCS 1 vs several", many[i].data, one[i].data)
		}
		testutil.AllSame(t, one[i].name+" with GOMAXPROCS 1 vs 7", seven[i].data, one[i].data)
	}
}
