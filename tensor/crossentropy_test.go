package tensor_test

import (
	"math"
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
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
