package data_test

import (
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/data"
	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

// A batch kept past the loop's next step has been overwritten; a backward
// that reads it must say that the storage is the Loader's and to Clone it.
func TestKeptLoaderBatchIsNamedInBackward(t *testing.T) {
	ds := data.FromSlices([][]float64{{1, 2}, {3, 4}, {5, 6}, {7, 8}}, []float64{0, 1, 0, 1})
	loader := data.NewLoader(ds, 2)
	w := autograd.New([]float64{0.5, -0.5, 1, 2}, 2, 2).SetRequiresGrad(true)
	var loss *autograd.Tensor
	for b := range loader.Epoch() {
		if loss == nil {
			loss = autograd.Linear(autograd.From(b.X), w, nil).Square().Sum() // kept past this step
		}
	}
	msg := testutil.Panics[*tensor.Error](t, func() { loss.Backward() }).Error()
	for _, want := range []string{"modified in place", "data.Loader", "Clone"} {
		if !strings.Contains(msg, want) {
			t.Fatalf("Backward through a kept batch: panic %q, want it to mention %q", msg, want)
		}
	}
}
