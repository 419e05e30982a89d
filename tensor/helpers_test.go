package tensor_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/kernels"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestMain prints the kernel level the tests run at, so that a failure can
// be tied to the kernels that produced it (ADJOINT_KERNELS forces one).
func TestMain(m *testing.M) {
	fmt.Fprintf(os.Stderr, "tensor tests: kernel level %s\n", kernels.Level())
	os.Exit(m.Run())
}

// wantPanic checks that f panics with a *tensor.Error for op whose message
// starts with "tensor: op: " and contains every string in want.
func wantPanic(t *testing.T, op string, want []string, f func()) *tensor.Error {
	t.Helper()
	e := testutil.Panics[*tensor.Error](t, f)
	msg := e.Error()
	if e.Op != op {
		t.Errorf("Error.Op = %q, want %q (message %q)", e.Op, op, msg)
	}
	if !strings.HasPrefix(msg, "tensor: "+op+": ") {
		t.Errorf("message %q does not start with %q", msg, "tensor: "+op+": ")
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("message %q does not contain %q", msg, w)
		}
	}
	return e
}

func checkShape(t *testing.T, what string, got, want []int) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// checkFresh checks that r is a new contiguous row-major tensor at offset
// 0 of the given shape.
func checkFresh(t *testing.T, r *tensor.Tensor, shape []int) {
	t.Helper()
	checkShape(t, "Shape()", r.Shape(), shape)
	checkShape(t, "Strides()", r.Strides(), rowMajor(shape))
	if !r.IsContiguous() {
		t.Errorf("IsContiguous() = false, want true")
	}
	if r.Offset() != 0 {
		t.Errorf("Offset() = %d, want 0", r.Offset())
	}
}

// rowMajor returns the row-major strides of shape, computed the plain way.
func rowMajor(shape []int) []int {
	st := make([]int, len(shape))
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		st[i] = s
		s *= shape[i]
	}
	return st
}

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// indices returns every multi-index of shape in row-major order.
func indices(shape []int) [][]int {
	n := numel(shape)
	out := make([][]int, 0, n)
	idx := make([]int, len(shape))
	// One backing array for all the indices: a slice each made the
	// reference sweeps allocation-bound (most of the race step's time).
	all := make([]int, 0, n*len(shape))
	for k := 0; k < n; k++ {
		all = append(all, idx...)
		out = append(out, all[len(all)-len(idx):len(all):len(all)])
		for d := len(shape) - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < shape[d] {
				break
			}
			idx[d] = 0
		}
	}
	return out
}

// valuesAt reads every element of x through At, in row-major order. It is
// the reference against which Data and the ops are checked: At does its own
// index arithmetic from shape, strides and offset.
func valuesAt(x *tensor.Tensor) []float64 {
	var out []float64
	for _, idx := range indices(x.Shape()) {
		out = append(out, x.At(idx...))
	}
	return out
}

// refBroadcast computes NumPy's broadcast shape of a and b the plain way,
// or ok=false.
func refBroadcast(a, b []int) (shape []int, ok bool) {
	n := max(len(a), len(b))
	shape = make([]int, n)
	for i := 0; i < n; i++ {
		da, db := 1, 1
		if j := i - (n - len(a)); j >= 0 {
			da = a[j]
		}
		if j := i - (n - len(b)); j >= 0 {
			db = b[j]
		}
		switch {
		case da == db:
			shape[i] = da
		case da == 1:
			shape[i] = db
		case db == 1:
			shape[i] = da
		default:
			return nil, false
		}
	}
	return shape, true
}

// project maps an index of the broadcast shape onto an operand of shape
// sh: leading dimensions dropped, stretched dimensions read at 0.
func project(idx, sh []int) []int {
	lead := len(idx) - len(sh)
	out := make([]int, len(sh))
	for i := range sh {
		if sh[i] != 1 {
			out[i] = idx[lead+i]
		}
	}
	return out
}

// refBinary is the reference for the broadcasting binary ops: explicit index
// arithmetic over the broadcast shape, reading each operand with At.
func refBinary(a, b *tensor.Tensor, f func(x, y float64) float64) ([]int, []float64) {
	shape, ok := refBroadcast(a.Shape(), b.Shape())
	if !ok {
		panic("refBinary: shapes do not broadcast")
	}
	var out []float64
	for _, idx := range indices(shape) {
		out = append(out, f(a.At(project(idx, a.Shape())...), b.At(project(idx, b.Shape())...)))
	}
	return shape, out
}

// refSumDims is the reference for SumDims: every input element is added to
// the output element it projects to.
func refSumDims(x *tensor.Tensor, keepdim bool, dims ...int) ([]int, []float64) {
	shape := x.Shape()
	reduce := make([]bool, len(shape))
	for _, d := range dims {
		if d < 0 {
			d += len(shape)
		}
		reduce[d] = true
	}
	keep := slices.Clone(shape)
	var outShape []int
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
	out := make([]float64, numel(keep))
	ks := rowMajor(keep)
	for _, idx := range indices(shape) {
		p := 0
		for i, v := range idx {
			if !reduce[i] {
				p += v * ks[i]
			}
		}
		out[p] += x.At(idx...)
	}
	if outShape == nil {
		outShape = []int{}
	}
	return outShape, out
}

// refSumTo is the reference for SumTo: every input element is added to the
// element of shape it was broadcast from.
func refSumTo(x *tensor.Tensor, shape []int) []float64 {
	out := make([]float64, numel(shape))
	st := rowMajor(shape)
	for _, idx := range indices(x.Shape()) {
		p := 0
		for i, v := range project(idx, shape) {
			p += v * st[i]
		}
		out[p] += x.At(idx...)
	}
	return out
}

// seq returns a contiguous tensor of shape holding 0, 1, 2, ... in row-major
// order, built without any op under test but New.
func seq(shape ...int) *tensor.Tensor {
	d := make([]float64, numel(shape))
	for i := range d {
		d[i] = float64(i)
	}
	if len(shape) == 0 {
		return tensor.Scalar(d[0]) // New with no shape would make a vector
	}
	return tensor.New(d, shape...)
}

// randT returns a tensor of shape with random values in [-2, 2) from rng,
// none of them zero (so that Div has no 0/0).
func randT(rng *rand.Rand, shape ...int) *tensor.Tensor {
	d := make([]float64, numel(shape))
	for i := range d {
		v := 4*rng.Float64() - 2
		if v == 0 {
			v = 0.5
		}
		d[i] = v
	}
	if len(shape) == 0 {
		return tensor.Scalar(d[0])
	}
	return tensor.New(d, shape...)
}

func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }
