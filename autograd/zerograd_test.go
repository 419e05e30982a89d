package autograd

import (
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/internal/bridge"
	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestZeroGradDefersTheClearing runs the same steps on two copies of some
// parameters: one whose gradients Grad has lent (so ZeroGrad clears them
// at once) and one whose it has not (so ZeroGrad leaves the zeros to the
// buffer's next user). Every next use, by each kind of formula, must give
// the same gradients.
func TestZeroGradDefersTheClearing(t *testing.T) {
	type params struct{ w, v, b, s, a, k *Tensor }
	rng := rand.New(rand.NewPCG(5, 9))
	x := From(tensor.Randn(rng, 4, 3))
	img := From(tensor.Randn(rng, 2, 2, 5, 5))
	mk := func() params {
		r := rand.New(rand.NewPCG(7, 7))
		return params{
			w: randLeaf(r, 3, 3), v: randLeaf(r, 3, 2), b: randLeaf(r, 3),
			s: Scalar(1.5).SetRequiresGrad(true), a: Scalar(-2).SetRequiresGrad(true),
			k: randLeaf(r, 3, 2, 3, 3),
		}
	}
	all := func(p params) []*Tensor { return []*Tensor{p.w, p.v, p.b, p.s, p.a, p.k} }
	steps := []struct {
		name string
		run  func(p params)
	}{
		{"Linear: weight by its product, bias by a sum", func(p params) { Linear(x, p.w, p.b).Tanh().Sum().Backward() }},
		{"the weight twice: set, then added", func(p params) { Linear(Linear(x, p.w, p.b), p.w, nil).Sum().Backward() }},
		{"MatMul of two leaves", func(p params) { p.w.MatMul(p.v).Square().Sum().Backward() }},
		{"MatMul of transposes", func(p params) { p.v.Transpose(0, 1).MatMul(p.w.Transpose(0, 1)).Exp().Sum().Backward() }},
		{"elementwise: accumulate", func(p params) { p.w.Mul(p.w).Sum().Add(p.b.Sin().Sum()).Backward() }},
		{"slices into a buffer", func(p params) { p.w.Slice(0, 1, 3).Sum().Add(p.w.Select(1, 0).Square().Sum()).Backward() }},
		{"scalars", func(p params) { p.s.Mul(p.a).Mul(p.s).Backward() }},
		{"convolution", func(p params) { Conv2d(img, p.k, p.b, ConvOptions{Padding: [2]int{1, 1}}).Square().Sum().Backward() }},
		{"create graph", func(p params) { Linear(x, p.w, p.b).Square().Sum().Backward(CreateGraph) }},
		{"no backward", func(params) {}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			lent, kept := mk(), mk()
			for _, p := range all(lent) {
				p.Sum().Backward()
				p.Grad()
			}
			for _, p := range all(kept) {
				p.Sum().Backward()
				if p.gradFlags&gradLent != 0 {
					t.Fatalf("the gradient of a %v parameter is lent before Grad", p.Shape())
				}
			}
			for step := range 3 {
				for _, p := range append(all(lent), all(kept)...) {
					p.ZeroGrad()
				}
				if step == 0 {
					for _, p := range all(kept) {
						if p.gradFlags&gradZeroed == 0 || p.grad.v.Sum().Item() == 0 {
							t.Fatalf("ZeroGrad cleared the unlent gradient of a %v parameter at once", p.Shape())
						}
					}
				}
				for range step % 2 * 2 { // steps 1 and 3 run twice: the second adds
					st.run(lent)
					st.run(kept)
				}
				if step != 1 {
					st.run(lent)
					st.run(kept)
				}
			}
			// The bridge's read settles the zeros without lending.
			for i, p := range all(kept) {
				g := bridge.GetGrads[*Tensor]().Grad(p)
				if p.gradFlags&(gradLent|gradZeroed) != 0 {
					t.Fatalf("parameter %d: flags %b after the bridge's read", i, p.gradFlags)
				}
				want := all(lent)[i].Grad()
				if g == nil || want == nil {
					t.Fatalf("parameter %d: gradients %v and %v", i, g, want)
				}
				// Tolerance 0: the same numbers, a zero's sign aside (a set
				// buffer keeps -0 where a cleared one adds up to +0).
				testutil.AllClose(t, st.name, g.Value().Data(), want.Value().Data(), 0)
			}
		})
	}
}

// TestZeroGradClearsALentGradientAtOnce: a caller holding the buffer Grad
// returned reads the zeros right after ZeroGrad, and Grad itself never
// returns stale numbers.
func TestZeroGradClearsALentGradientAtOnce(t *testing.T) {
	w := leaf([]float64{1, 2, 3, 4}, 2, 2)
	x := New([]float64{1, -1, 2, 0.5}, 2, 2)
	Linear(x, w, nil).Sum().Backward()
	w.ZeroGrad() // not lent yet: deferred
	if got := w.Grad().Value().Data(); got[0] != 0 || got[1] != 0 || got[2] != 0 || got[3] != 0 {
		t.Fatalf("Grad after ZeroGrad = %v, want zeros", got)
	}
	Linear(x, w, nil).Sum().Backward()
	held := w.Grad()
	w.ZeroGrad()
	if got := held.Value().Data(); got[0] != 0 || got[1] != 0 || got[2] != 0 || got[3] != 0 {
		t.Fatalf("a held gradient after ZeroGrad = %v, want zeros", got)
	}
	Linear(x, w, nil).Sum().Backward()
	if got, want := held.Value().Data(), []float64{3, -0.5, 3, -0.5}; got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || got[3] != want[3] {
		t.Fatalf("a held gradient after ZeroGrad and Backward = %v, want %v", got, want)
	}
}
