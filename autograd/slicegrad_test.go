package autograd

import (
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
)

// TestSliceGradientsAddIntoOneBuffer checks the in-place path of Slice's
// and Select's backward (each slice's gradient added into the buffer where
// the sliced tensor's gradient is being summed, see call.pendingBuffer)
// against the padded formula that create-graph mode runs: many slices and
// selects of one intermediate and of one leaf, overlapping, along
// different dimensions, over two backward passes into the same Grad.
func TestSliceGradientsAddIntoOneBuffer(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	build := func(x *Tensor) *Tensor {
		y := x.Mul(x) // an intermediate: its gradient is summed by the engine
		var terms []*Tensor
		for i := range 5 {
			terms = append(terms, y.Select(0, i).Mul(Scalar(float64(i+1))).Sum())
			terms = append(terms, x.Select(1, i%3).Sum())
		}
		terms = append(terms, y.Slice(1, 1, 3).Exp().Sum(), y.Slice(0, 2, 5).Square().Sum(), x.Slice(0, 0, 4).Sum())
		for _, p := range y.Chunk(2, 1) {
			terms = append(terms, p.Tanh().Sum())
		}
		return Stack(terms, 0).Sum()
	}
	x := Randn(rng, 5, 3).SetRequiresGrad(true)
	build(x).Backward()
	build(x).Backward()
	got := x.Grad().Value()

	x2 := From(x.Value().Clone()).SetRequiresGrad(true)
	g1 := Grad([]*Tensor{build(x2)}, []*Tensor{x2}, true)[0]
	g2 := Grad([]*Tensor{build(x2)}, []*Tensor{x2}, true)[0]
	want := g1.Add(g2).Value()
	testutil.AllClose(t, "gradient through the in-place slice path, against the padded formula", got.Data(), want.Data(), 1e-12)
}
