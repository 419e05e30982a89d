package nninit_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/nn/nninit"
	"github.com/adjoint-go/adjoint/tensor"
)

func TestCalculateGainFollowsPyTorchsTable(t *testing.T) {
	for _, c := range []struct {
		nonlinearity string
		param        []float64
		want         float64
	}{
		{"linear", nil, 1},
		{"conv1d", nil, 1},
		{"conv2d", nil, 1},
		{"conv3d", nil, 1},
		{"conv_transpose1d", nil, 1},
		{"conv_transpose2d", nil, 1},
		{"conv_transpose3d", nil, 1},
		{"sigmoid", nil, 1},
		{"tanh", nil, 5.0 / 3},
		{"relu", nil, math.Sqrt2},
		{"relu", []float64{0.5}, math.Sqrt2},
		{"leaky_relu", nil, math.Sqrt(2 / (1 + 0.01*0.01))},
		{"leaky_relu", []float64{0.2}, math.Sqrt(2 / 1.04)},
		{"leaky_relu", []float64{0}, math.Sqrt2},
		{"leaky_relu", []float64{math.Sqrt(5)}, math.Sqrt(1.0 / 3)},
		{"selu", nil, 0.75},
	} {
		t.Run(fmt.Sprintf("%s with param %v", c.nonlinearity, c.param), func(t *testing.T) {
			if got := nninit.CalculateGain(c.nonlinearity, c.param...); !testutil.Close(got, c.want, 1e-15) {
				t.Errorf("gain %v, want %v", got, c.want)
			}
		})
	}
}

func TestFanInAndFanOutFollowPyTorch(t *testing.T) {
	for _, c := range []struct {
		shape         []int
		fanIn, fanOut int
	}{
		{[]int{3, 5}, 5, 3},
		{[]int{1, 1}, 1, 1},
		{[]int{10, 20, 3}, 60, 30},
		{[]int{64, 3, 5, 5}, 75, 1600},
		{[]int{8, 4, 3, 3, 3}, 108, 216},
		{[]int{0, 4}, 4, 0},
		{[]int{6, 4, 0}, 0, 0},
	} {
		t.Run(fmt.Sprintf("shape %v", c.shape), func(t *testing.T) {
			in, out := nninit.FanInAndFanOut(c.shape)
			if in != c.fanIn || out != c.fanOut {
				t.Errorf("fans (%d, %d), want (%d, %d)", in, out, c.fanIn, c.fanOut)
			}
		})
	}
}

// gram returns m·mᵀ for a row-major r×c matrix m.
func gram(m []float64, r, c int) []float64 {
	g := make([]float64, r*r)
	for i := range r {
		for j := range r {
			s := 0.0
			for k := range c {
				s += m[i*c+k] * m[j*c+k]
			}
			g[i*r+j] = s
		}
	}
	return g
}

// eye returns the n×n identity times s, row-major.
func eye(n int, s float64) []float64 {
	e := make([]float64, n*n)
	for i := range n {
		e[i*n+i] = s
	}
	return e
}

// transposed returns the c×r transpose of the row-major r×c matrix m.
func transposed(m []float64, r, c int) []float64 {
	t := make([]float64, len(m))
	for i := range r {
		for j := range c {
			t[j*r+i] = m[i*c+j]
		}
	}
	return t
}

// gramSchmidt returns the Q factor with positive R diagonal of the
// row-major m×n matrix a (m ≥ n), by modified Gram–Schmidt on its columns.
func gramSchmidt(a []float64, m, n int) []float64 {
	q := append([]float64(nil), a...)
	for j := range n {
		norm := 0.0
		for i := range m {
			norm += q[i*n+j] * q[i*n+j]
		}
		norm = math.Sqrt(norm)
		for i := range m {
			q[i*n+j] /= norm
		}
		for k := j + 1; k < n; k++ {
			dot := 0.0
			for i := range m {
				dot += q[i*n+j] * q[i*n+k]
			}
			for i := range m {
				q[i*n+k] -= dot * q[i*n+j]
			}
		}
	}
	return q
}

func TestOrthogonalGivesOrthonormalRowsOrColumns(t *testing.T) {
	for _, c := range []struct {
		shape []int
		gain  float64
	}{
		{[]int{50, 50}, 1},
		{[]int{100, 30}, 1},
		{[]int{30, 100}, 1},
		{[]int{64, 2, 2}, 2},
		{[]int{16, 3, 3, 3}, 0.5},
		{[]int{7, 1}, -1},
		{[]int{1, 7}, 1},
	} {
		t.Run(fmt.Sprintf("shape %v with gain %v", c.shape, c.gain), func(t *testing.T) {
			rows := c.shape[0]
			cols := 1
			for _, n := range c.shape[1:] {
				cols *= n
			}
			w := nninit.Orthogonal(autograd.Zeros(c.shape...), c.gain, seed(40))
			q := w.Data()
			// Orthonormal columns when tall or square (QᵀQ = gain²·I),
			// orthonormal rows when wide (QQᵀ = gain²·I).
			g, n := gram(transposed(q, rows, cols), cols, rows), cols
			if rows < cols {
				g, n = gram(q, rows, cols), rows
			}
			for i, v := range g {
				if want := eye(n, c.gain*c.gain)[i]; math.Abs(v-want) > 1e-12 {
					t.Fatalf("Gram matrix element (%d, %d) is %v, want %v", i/n, i%n, v, want)
				}
			}

			// The same draws, factorised by Gram–Schmidt, give the same
			// Q: the one whose R has a positive diagonal, as PyTorch's
			// sign correction makes it.
			rng := seed(40)
			a := make([]float64, rows*cols)
			for i := range a {
				a[i] = rng.NormFloat64()
			}
			var want []float64
			if rows >= cols {
				want = gramSchmidt(a, rows, cols)
			} else {
				want = transposed(gramSchmidt(transposed(a, rows, cols), cols, rows), cols, rows)
			}
			for i := range want {
				want[i] *= c.gain
			}
			testutil.AllClose(t, "orthogonal values", q, want, 1e-10)
		})
	}
}

func TestEyeFillsTheIdentity(t *testing.T) {
	for _, c := range []struct {
		rows, cols int
	}{{3, 3}, {2, 4}, {4, 2}, {1, 1}, {0, 3}} {
		t.Run(fmt.Sprintf("%d×%d", c.rows, c.cols), func(t *testing.T) {
			w := nninit.Eye(autograd.Full(9, c.rows, c.cols))
			want := make([]float64, c.rows*c.cols)
			for i := range min(c.rows, c.cols) {
				want[i*c.cols+i] = 1
			}
			testutil.AllSame(t, "eye", w.Data(), want)
		})
	}
}

func TestConstantZerosAndOnesFillEveryElement(t *testing.T) {
	for _, c := range []struct {
		name string
		fill func(*autograd.Tensor) *autograd.Tensor
		want float64
	}{
		{"Constant -2.5", func(x *autograd.Tensor) *autograd.Tensor { return nninit.Constant(x, -2.5) }, -2.5},
		{"Zeros", nninit.Zeros, 0},
		{"Ones", nninit.Ones, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			x := autograd.Full(9, 2, 3, 4)
			if got := c.fill(x); got != x {
				t.Fatalf("returned %p, want the tensor given, %p", got, x)
			}
			for i, v := range x.Data() {
				if v != c.want {
					t.Fatalf("element %d is %v, want %v", i, v, c.want)
				}
			}
			s := nninit.Constant(autograd.Scalar(1), c.want)
			if s.Item() != c.want {
				t.Errorf("0-d tensor holds %v, want %v", s.Item(), c.want)
			}
		})
	}
}

// random lists the functions that draw, each filling a 2-D or larger
// tensor from a generator.
var random = []struct {
	name string
	fill func(*autograd.Tensor, uint64) *autograd.Tensor
}{
	{"Uniform", func(x *autograd.Tensor, s uint64) *autograd.Tensor { return nninit.Uniform(x, -1, 1, seed(s)) }},
	{"Normal", func(x *autograd.Tensor, s uint64) *autograd.Tensor { return nninit.Normal(x, 0, 1, seed(s)) }},
	{"TruncNormal", func(x *autograd.Tensor, s uint64) *autograd.Tensor {
		return nninit.TruncNormal(x, 0, 1, -2, 2, seed(s))
	}},
	{"XavierUniform", func(x *autograd.Tensor, s uint64) *autograd.Tensor { return nninit.XavierUniform(x, 1, seed(s)) }},
	{"XavierNormal", func(x *autograd.Tensor, s uint64) *autograd.Tensor { return nninit.XavierNormal(x, 1, seed(s)) }},
	{"KaimingUniform", func(x *autograd.Tensor, s uint64) *autograd.Tensor {
		return nninit.KaimingUniform(x, nninit.KaimingOptions{}, seed(s))
	}},
	{"KaimingNormal", func(x *autograd.Tensor, s uint64) *autograd.Tensor {
		return nninit.KaimingNormal(x, nninit.KaimingOptions{}, seed(s))
	}},
	{"Orthogonal", func(x *autograd.Tensor, s uint64) *autograd.Tensor { return nninit.Orthogonal(x, 1, seed(s)) }},
}

func TestRandomFunctionsAreDeterministicGivenTheSeed(t *testing.T) {
	for _, c := range random {
		t.Run(c.name, func(t *testing.T) {
			a := c.fill(autograd.Zeros(6, 4, 2), 7).Data()
			b := c.fill(autograd.Zeros(6, 4, 2), 7).Data()
			testutil.AllSame(t, "values from the same seed", a, b)
			d := c.fill(autograd.Zeros(6, 4, 2), 8).Data()
			same := 0
			for i := range a {
				if a[i] == d[i] {
					same++
				}
			}
			if same > 0 {
				t.Errorf("%d of %d values equal with another seed", same, len(a))
			}
		})
	}
}

func TestRandomFunctionsWriteInPlaceWithoutAGraph(t *testing.T) {
	for _, c := range random {
		t.Run(c.name, func(t *testing.T) {
			w := autograd.Zeros(5, 3).SetRequiresGrad(true)
			version := w.Value().Version()
			if got := c.fill(w, 1); got != w {
				t.Fatalf("returned %p, want the tensor given, %p", got, w)
			}
			if !w.IsLeaf() || !w.RequiresGrad() {
				t.Fatalf("after init: leaf %v, requires grad %v; want a leaf that requires grad", w.IsLeaf(), w.RequiresGrad())
			}
			if w.Value().Version() <= version {
				t.Errorf("storage version %d, want above %d after an in-place write", w.Value().Version(), version)
			}
			want := c.fill(autograd.Zeros(5, 3), 1).Data()
			testutil.AllSame(t, "values", w.Data(), want)
			w.Square().Sum().Backward()
			for i, g := range w.Grad().Data() {
				if g != 2*want[i] {
					t.Fatalf("gradient %d is %v, want %v", i, g, 2*want[i])
				}
			}
		})
	}
}

func TestRandomFunctionsWriteThroughStridedViews(t *testing.T) {
	for _, c := range random {
		t.Run(c.name, func(t *testing.T) {
			base := tensor.Full(9, 4, 6)
			view := autograd.From(base.T()) // 6×4, strides [1 6]
			c.fill(view, 3)
			want := c.fill(autograd.Zeros(6, 4), 3).Data()
			testutil.AllSame(t, "base, read transposed", base.T().Data(), want)
		})
	}
	base := tensor.Full(9, 3, 5)
	nninit.Eye(autograd.From(base.Slice(1, 1, 4)))
	testutil.AllSame(t, "base after Eye on columns 1..3", base.Data(), []float64{
		9, 1, 0, 0, 9,
		9, 0, 1, 0, 9,
		9, 0, 0, 1, 9,
	})
}

func TestZeroElementTensorsAreLeftAlone(t *testing.T) {
	for _, c := range random {
		t.Run(c.name, func(t *testing.T) {
			for _, shape := range [][]int{{0, 3}, {3, 0}, {0, 0}, {4, 2, 0}} {
				if got := c.fill(autograd.Zeros(shape...), 1); got.Numel() != 0 {
					t.Errorf("shape %v: %d elements", shape, got.Numel())
				}
			}
		})
	}
}

func TestInitialisingASavedValueMakesBackwardFail(t *testing.T) {
	w := autograd.Ones(2, 2).SetRequiresGrad(true)
	y := w.Mul(w).Sum() // saves w for backward
	nninit.Constant(w, 3)
	e := testutil.Panics[*tensor.Error](t, func() { y.Backward() })
	if e.Pkg != "autograd" || e.Op != "Backward" || !strings.Contains(e.Msg, "modified in place after the operation saved it") {
		t.Errorf("backward after init panicked with %q, want autograd's error about a saved value changed in place", e)
	}
}
