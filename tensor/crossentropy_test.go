package tensor_test

import (
	"math"
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/kernels"
	"github.com/adjoint-go/adjoint/tensor"
)

// refLSE is log Σ exp(row) with math's functions, shifted by the maximum.
func refLSE(row []float64) float64 {
	m := math.Inf(-1)
	for _, v := range row {
		m = math.Max(m, v)
	}
	s := 0.0
	for _, v := range row {
		s += math.Exp(v - m)
	}
	return m + math.Log(s)
}

func TestCrossEntropyRows(t *testing.T) {
	rng := newRNG(11)
	cases := []struct {
		name   string
		logits *tensor.Tensor
		target []float64
	}{
		{"small logits", randT(rng, 4, 5), []float64{0, 4, 2, 1}},
		{"logits of ±1000", randT(rng, 4, 5).MulScalar(1000), []float64{3, 3, 0, 4}},
		{"ignored rows are zero", randT(rng, 3, 2), []float64{-100, 1, -100}},
		{"a transposed view", randT(rng, 6, 3).Transpose(0, 1), []float64{5, 0, 2}},
		{"rows spread over goroutines", randT(rng, 300, 100), func() []float64 {
			y := make([]float64, 300)
			for i := range y {
				y[i] = float64(i % 100)
			}
			return y
		}()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n, k := c.logits.Size(0), c.logits.Size(1)
			loss, lse := tops.CrossEntropyRows(c.logits, tensor.New(c.target, n), -100)
			grad := tops.CrossEntropyRowsGrad(c.logits, tensor.New(c.target, n), lse, nil, -100)
			x := c.logits.Data()
			wantLoss, wantLSE := make([]float64, n), make([]float64, n)
			wantGrad := make([]float64, n*k)
			for i := 0; i < n; i++ {
				row := x[i*k : (i+1)*k]
				wantLSE[i] = refLSE(row)
				if c.target[i] == -100 {
					continue
				}
				ti := int(c.target[i])
				wantLoss[i] = wantLSE[i] - row[ti]
				for j, v := range row {
					wantGrad[i*k+j] = math.Exp(v - wantLSE[i])
				}
				wantGrad[i*k+ti]--
			}
			checkShape(t, "loss", loss.Shape(), []int{n})
			testutil.AllClose(t, "loss", loss.Data(), wantLoss, 1e-13)
			testutil.AllClose(t, "lse", lse.Data(), wantLSE, 1e-13)
			checkShape(t, "grad", grad.Shape(), []int{n, k})
			testutil.AllClose(t, "grad", grad.Data(), wantGrad, 1e-13)
		})
	}
}

func TestCrossEntropyRowsOfNonFiniteAndEmptyRows(t *testing.T) {
	inf := math.Inf(1)
	x := tensor.New([]float64{inf, 0, math.NaN(), 1, -inf, -inf}, 3, 2)
	loss, _ := tops.CrossEntropyRows(x, tensor.New([]float64{1, 1, 0}, 3), -100)
	for i, v := range loss.Data() {
		if !math.IsNaN(v) {
			t.Errorf("loss of row %d = %v, want NaN", i, v)
		}
	}
	loss, lse := tops.CrossEntropyRows(tensor.Zeros(0, 4), tensor.Zeros(0), -100)
	checkShape(t, "loss of no rows", loss.Shape(), []int{0})
	checkShape(t, "lse of no rows", lse.Shape(), []int{0})
}

func TestCrossEntropyRowsPanics(t *testing.T) {
	x := tensor.Zeros(2, 3)
	wantPanic(t, "CrossEntropyRows", []string{"[2 3]", "[3]"}, func() { tops.CrossEntropyRows(x, tensor.Zeros(3), -100) })
	wantPanic(t, "CrossEntropyRows", []string{"[3]"}, func() { tops.CrossEntropyRows(tensor.Zeros(3), tensor.Zeros(3), -100) })
	wantPanic(t, "CrossEntropyRows", []string{"target 3 at 1", "[0, 3)"}, func() { tops.CrossEntropyRows(x, tensor.New([]float64{0, 3}, 2), -100) })
	wantPanic(t, "CrossEntropyRows", []string{"target 0.5 at 0"}, func() { tops.CrossEntropyRows(x, tensor.New([]float64{0.5, 1}, 2), -100) })
	wantPanic(t, "CrossEntropyRowsGrad", []string{"[2 3]", "[3]"}, func() {
		tops.CrossEntropyRowsGrad(x, tensor.Zeros(2), tensor.Zeros(3), nil, -100)
	})
}

// TestCrossEntropyRowsMatchesOneRowAtATime checks that CrossEntropyRows
// and its gradient, which exponentiate a block of rows in one call, give
// the bits of the computation done one row at a time with the same
// kernels: for rows shorter than, about as long as and longer than a
// block, with ignored rows, and with a gradient scale that differs by row.
func TestCrossEntropyRowsMatchesOneRowAtATime(t *testing.T) {
	rng := newRNG(12)
	for _, shape := range [][2]int{{64, 10}, {300, 7}, {5, 600}, {130, 512}, {3, 1}} {
		n, c := shape[0], shape[1]
		logits := randT(rng, n, c).MulScalar(3)
		target := make([]float64, n)
		scale := make([]float64, n)
		for i := range target {
			target[i] = float64((i * 7) % c)
			if i%5 == 3 {
				target[i] = -100
			}
			scale[i] = 0.5 + float64(i%3)
		}
		loss, lse := tops.CrossEntropyRows(logits, tensor.New(target, n), -100)
		grad := tops.CrossEntropyRowsGrad(logits, tensor.New(target, n), lse, tensor.New(scale, n), -100)
		x := logits.Data()
		wantLoss, wantLSE, wantGrad := make([]float64, n), make([]float64, n), make([]float64, n*c)
		for i := 0; i < n; i++ {
			row := x[i*c : (i+1)*c]
			m := kernels.Max(row)
			b := make([]float64, c)
			for j, v := range row {
				b[j] = v - m
			}
			kernels.Exp(b, b)
			l := math.Log(kernels.Sum(b))
			wantLSE[i] = m + l
			g := wantGrad[i*c : (i+1)*c]
			if target[i] == -100 {
				continue
			}
			wantLoss[i] = l - (row[int(target[i])] - m)
			for j, v := range row {
				g[j] = v - wantLSE[i]
			}
			kernels.Exp(g, g)
			g[int(target[i])]--
			kernels.Scal(scale[i], g)
		}
		for _, r := range []struct {
			name      string
			got, want []float64
		}{{"loss", loss.Data(), wantLoss}, {"lse", lse.Data(), wantLSE}, {"grad", grad.Data(), wantGrad}} {
			for i := range r.want {
				if math.Float64bits(r.got[i]) != math.Float64bits(r.want[i]) {
					t.Fatalf("[%d %d] %s[%d] = %v, one row at a time %v", n, c, r.name, i, r.got[i], r.want[i])
				}
			}
		}
	}
}
