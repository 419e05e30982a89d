package tensor

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/kernels"
)

// compositeSoftmax is the formula in tensor operations: x minus its maximum,
// Exp, divided by the sum.
func compositeSoftmax(x *Tensor, dim int) *Tensor {
	e := x.Sub(x.MaxDims(true, dim)).Exp()
	return e.Div(e.SumDims(true, dim))
}

// compositeLogSoftmax is z - log Σ e^z with z = x minus its maximum.
func compositeLogSoftmax(x *Tensor, dim int) *Tensor {
	z := x.Sub(x.MaxDims(true, dim))
	return z.Sub(z.LogSumExpDims(true, dim))
}

// softmaxOps are the two row operations with their formulas: the result
// in tensor operations, and the gradient of a row from y and g in loops.
var softmaxOps = []struct {
	name      string
	f         func(x *Tensor, dim int) *Tensor
	grad      func(g, y *Tensor, dim int) *Tensor
	composite func(x *Tensor, dim int) *Tensor
	rowGrad   func(dst, g, y []float64)
	one       float64 // the 0-d result
}{
	{"Softmax", softmax, softmaxGrad, compositeSoftmax, func(dst, g, y []float64) {
		s := 0.0
		for i := range y {
			s += g[i] * y[i]
		}
		for i := range y {
			dst[i] = y[i] * (g[i] - s)
		}
	}, 1},
	{"LogSoftmax", logSoftmax, logSoftmaxGrad, compositeLogSoftmax, func(dst, g, y []float64) {
		s := 0.0
		for i := range y {
			s += g[i]
		}
		for i := range y {
			dst[i] = g[i] - math.Exp(y[i])*s
		}
	}, 0},
}

// TestSoftmaxRows checks softmax and logSoftmax bit for bit against the formula's tensor
// operations on a contiguous copy with dim last (on every shape: rows
// along the last dimension, along another one, longer than a reduction
// block, with infinities and NaN), its gradient against y·(g - Σ g·y) in
// plain loops, and both bit-identical at one and four goroutines.
func TestSoftmaxRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 7))
	inf := math.Inf(1)
	cases := []struct {
		x   *Tensor
		dim int
	}{
		{FromData(randData(rng, 12), 3, 4), -1},
		{FromData(randData(rng, 24), 3, 2, 4), 0},
		{FromData(randData(rng, 24), 3, 2, 4), 1},
		{FromData(randData(rng, 3000*40), 3000, 40), 1},                                   // rows split among goroutines
		{FromData(randData(rng, 2*(kernels.ReduceChunk+9)), 2, kernels.ReduceChunk+9), 1}, // long rows
		{FromData(randData(rng, 35), 5, 7).Transpose(0, 1), 1},                            // a strided input
		{New([]float64{1, inf, 2, -inf, -inf, -inf, 3, math.NaN(), 0, 1000, -1000, 0}, 4, 3), 1},
		{Scalar(2.5), 0},
	}
	for _, op := range softmaxOps {
		for ci, c := range cases {
			g := Scalar(rng.NormFloat64())
			if c.x.Dim() > 0 {
				g = FromData(randData(rng, c.x.Numel()), c.x.Shape()...)
			}
			var runs [2][2][]float64
			for pi, procs := range []int{1, 4} {
				prev := runtime.GOMAXPROCS(procs)
				y := op.f(c.x, c.dim)
				d := op.grad(g, y, c.dim)
				runtime.GOMAXPROCS(prev)
				runs[pi] = [2][]float64{y.Data(), d.Data()}
			}
			for i := range 2 {
				if !slices.EqualFunc(runs[0][i], runs[1][i], same) {
					t.Errorf("%s case %d: output %d differs between one and four goroutines", op.name, ci, i)
				}
			}
			y := op.f(c.x, c.dim)
			d := op.grad(g, y, c.dim)
			if !slices.Equal(y.Shape(), c.x.Shape()) || !slices.Equal(d.Shape(), c.x.Shape()) {
				t.Fatalf("case %d: shapes %v and %v, want %v", ci, y.Shape(), d.Shape(), c.x.Shape())
			}
			if c.x.Dim() == 0 {
				if y.Item() != op.one || d.Item() != 0 {
					t.Errorf("0-d %s %v and gradient %v, want %v and 0", op.name, y.Item(), d.Item(), op.one)
				}
				continue
			}
			// The formula on a contiguous copy with dim last, moved back.
			a := c.x.axis("test", c.dim)
			last := c.x.Dim() - 1
			want := op.composite(c.x.Transpose(a, last).Contiguous(), last).Transpose(a, last).Data()
			if !slices.EqualFunc(y.Data(), want, same) {
				t.Errorf("%s case %d: the result differs from the formula's operations", op.name, ci)
			}
			// The gradient in plain loops over the rows.
			ym, gm := y.Transpose(a, last).Contiguous().Raw(), g.Transpose(a, last).Contiguous().Raw()
			n := c.x.Size(a)
			wd := make([]float64, len(ym))
			for r := 0; r < len(ym)/n; r++ {
				op.rowGrad(wd[r*n:(r+1)*n], gm[r*n:(r+1)*n], ym[r*n:(r+1)*n])
			}
			wantD := FromData(wd, c.x.Transpose(a, last).Shape()...).Transpose(a, last).Data()
			for i, v := range d.Data() {
				if w := wantD[i]; !(same(v, w) || math.Abs(v-w) <= 1e-12*(1+math.Abs(w))) {
					t.Fatalf("%s case %d: gradient element %d = %v, want %v", op.name, ci, i, v, w)
				}
			}
		}
	}
}

// same reports whether a and b are the same float64, NaN equal to NaN.
func same(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }

// TestSoftmaxEmptyAndBadInput checks empty inputs and that bad arguments
// panic naming the operation.
func TestSoftmaxEmptyAndBadInput(t *testing.T) {
	for _, shape := range [][]int{{0, 3}, {3, 0}} {
		for _, dim := range []int{0, 1} {
			for _, op := range softmaxOps {
				x := Zeros(shape...)
				y := op.f(x, dim)
				if d := op.grad(Zeros(shape...), y, dim); !slices.Equal(y.Shape(), shape) || !slices.Equal(d.Shape(), shape) {
					t.Fatalf("%s of %v along %d: shapes %v and %v", op.name, shape, dim, y.Shape(), d.Shape())
				}
			}
		}
	}
	x := Zeros(2, 3)
	for name, f := range map[string]func(){
		"nil input":             func() { softmax(nil, 0) },
		"a dimension too large": func() { softmax(x, 2) },
		"a 0-d tensor along 1":  func() { softmax(Scalar(1), 1) },
		"a gradient of a shape": func() { softmaxGrad(Zeros(3, 2), x, 1) },
		"a nil gradient":        func() { softmaxGrad(nil, x, 1) },
	} {
		e := catchError(f)
		if e == nil || !strings.Contains(e.Op, "Softmax") {
			t.Errorf("%s: got %v, want a *Error naming Softmax", name, e)
		}
	}
}
