package tensor_test

import (
	"math"
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

// refAttentionRow is the masked softmax of one row with math's functions:
// keep[j] false excludes key j.
func refAttentionRow(row []float64, keep []bool, scale float64) []float64 {
	m := math.Inf(-1)
	for j, v := range row {
		if keep[j] {
			m = math.Max(m, v*scale)
		}
	}
	out := make([]float64, len(row))
	s := 0.0
	for j, v := range row {
		if keep[j] {
			out[j] = math.Exp(v*scale - m)
			s += out[j]
		}
	}
	for j := range out {
		out[j] /= s
	}
	return out
}

func TestAttentionSoftmaxMatchesTheReferenceOnEveryRow(t *testing.T) {
	rng := newRNG(3)
	const b, l, s = 3, 40, 200 // enough rows to split across goroutines
	for _, causal := range []bool{false, true} {
		scores := tensor.Randn(rng, b, l, s)
		want := scores.Data()
		mask := tensor.Rand(rng, 1, l, s).Gt(tensor.Scalar(0.3)) // broadcast over the batch
		md := mask.Data()
		got := tops.AttentionSoftmax(scores, mask, false, causal, 0.7).Data()
		for r := 0; r < b*l; r++ {
			i := r % l
			keep := make([]bool, s)
			for j := range keep {
				keep[j] = md[i*s+j] != 0 && !(causal && j > i)
			}
			ref := refAttentionRow(want[r*s:(r+1)*s], keep, 0.7)
			if causal && i == 0 && md[0] == 0 {
				continue // no key left: NaN, checked below
			}
			testutil.AllClose(t, "attention weights", got[r*s:(r+1)*s], ref, 1e-14)
		}
	}
}

func TestAttentionSoftmaxOfARowWithNoKeyIsNaN(t *testing.T) {
	scores := tensor.New([]float64{1, 2, 3, 4}, 2, 2)
	mask := tensor.New([]float64{0, 0, 1, 0}, 2, 2)
	got := tops.AttentionSoftmax(scores, mask, false, false, 1).Data()
	if !math.IsNaN(got[0]) || !math.IsNaN(got[1]) || got[2] != 1 || got[3] != 0 {
		t.Fatalf("got %v, want [NaN NaN 1 0]", got)
	}
}

func TestAttentionSoftmaxPanics(t *testing.T) {
	x := tensor.Zeros(2, 3)
	wantPanic(t, "AttentionSoftmax", []string{"scores", "nil"}, func() { tops.AttentionSoftmax(nil, nil, false, false, 1) })
	wantPanic(t, "AttentionSoftmax", []string{"[3]"}, func() { tops.AttentionSoftmax(tensor.Zeros(3), nil, false, false, 1) })
	wantPanic(t, "AttentionSoftmax", []string{"[3 2]", "contiguous"}, func() { tops.AttentionSoftmax(tensor.Zeros(2, 3).Transpose(0, 1), nil, false, false, 1) })
	wantPanic(t, "AttentionSoftmax", []string{"[2 3]", "[2]", "broadcast"}, func() { tops.AttentionSoftmax(x, tensor.Zeros(2), false, false, 1) })
	wantPanic(t, "AttentionSoftmaxGrad", []string{"[2 3]", "[3 2]"}, func() { tops.AttentionSoftmaxGrad(x, tensor.Zeros(3, 2), 1) })
	wantPanic(t, "AttentionSoftmaxGrad", []string{"gradient dp", "nil"}, func() { tops.AttentionSoftmaxGrad(x, nil, 1) })
}
