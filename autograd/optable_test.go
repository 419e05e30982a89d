package autograd_test

import (
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/internal/optable"
	"github.com/adjoint-go/adjoint/internal/testutil"
)

// inputs makes a row's inputs.
func inputs(op optable.Op, seed uint64, strided bool) []*autograd.Tensor {
	rng := rand.New(rand.NewPCG(seed, uint64(len(op.Name))))
	in := make([]*autograd.Tensor, len(op.Inputs))
	for i, spec := range op.Inputs {
		in[i] = spec.Make(rng, strided)
	}
	return in
}

// gradInputs returns the inputs that require a gradient.
func gradInputs(in []*autograd.Tensor) []*autograd.Tensor {
	var out []*autograd.Tensor
	for _, x := range in {
		if x.RequiresGrad() {
			out = append(out, x)
		}
	}
	return out
}

// TestOpTable runs GradCheck on every row of the op table, with plain and
// strided inputs, to first and second order; rows without a gradient must
// record none.
func TestOpTable(t *testing.T) {
	for _, op := range optable.Ops {
		t.Run(op.String(), func(t *testing.T) {
			layouts := []bool{false}
			if op.Strided() {
				layouts = append(layouts, true)
			}
			for _, strided := range layouts {
				in := inputs(op, 1, strided)
				if op.NoGrad {
					if y := op.F(in); y.RequiresGrad() {
						t.Fatalf("%s has no gradient but its result requires one", op)
					}
					continue
				}
				// Index and mask inputs are constants of f.
				f := func(vars []*autograd.Tensor) *autograd.Tensor {
					all, k := make([]*autograd.Tensor, len(in)), 0
					for i, x := range in {
						if x.RequiresGrad() {
							all[i], k = vars[k], k+1
						} else {
							all[i] = x
						}
					}
					return op.F(all)
				}
				vars := gradInputs(in)
				if err := autograd.GradCheck(f, vars, nil); err != nil {
					t.Fatalf("strided=%v: %v", strided, err)
				}
				if op.FirstOrderOnly != "" {
					continue
				}
				second := func(v []*autograd.Tensor) *autograd.Tensor {
					y := f(v)
					gs := autograd.Grad([]*autograd.Tensor{y.Mul(y).Sum()}, v, true)
					s := gs[0].Sum()
					for _, g := range gs[1:] {
						s = s.Add(g.Sum())
					}
					return s
				}
				if err := autograd.GradCheck(second, vars, nil); err != nil {
					t.Fatalf("second derivative, strided=%v: %v", strided, err)
				}
			}
		})
	}
}

// TestFusedEqualsComposite checks every row with a fused backward path: a
// plain Backward takes it (one-pass gradient kernels, products adding into
// leaves' buffers), create-graph mode runs the differentiable formula, and
// the two must agree to rounding — the formula is the specification, the
// fused path an optimisation of it. Second order: the gradient of the
// formula's gradient, once by a plain Backward (fused paths inside) and
// once in create-graph mode.
func TestFusedEqualsComposite(t *testing.T) {
	for _, op := range optable.Ops {
		if !op.Fused {
			continue
		}
		t.Run(op.String(), func(t *testing.T) {
			for _, strided := range []bool{false, true} {
				in := inputs(op, 2, strided)
				vars := gradInputs(in)
				w := seedWeights(op.F(in))

				// First order. The first Backward makes the leaves' gradient
				// buffers; the second, after ZeroGrad, may add into them.
				op.F(in).Mul(w).Sum().Backward()
				for _, x := range vars {
					x.ZeroGrad()
				}
				op.F(in).Mul(w).Sum().Backward()
				want := autograd.Grad([]*autograd.Tensor{op.F(in).Mul(w).Sum()}, vars, true)
				for i, x := range vars {
					testutil.AllClose(t, op.String()+" first-order gradient by the fused path (want: by the formula)", x.Grad().Data(), want[i].Data(), 1e-12)
					x.ZeroGrad()
				}

				// Second order, through the sum of the first-order gradients.
				sumOf := func() *autograd.Tensor {
					gs := autograd.Grad([]*autograd.Tensor{op.F(in).Mul(w).Sum()}, vars, true)
					s := gs[0].Square().Sum()
					for _, g := range gs[1:] {
						s = s.Add(g.Square().Sum())
					}
					return s
				}
				if !sumOf().RequiresGrad() {
					continue // the gradient does not depend on the inputs (ReLU): no second order
				}
				sumOf().Backward()
				for _, x := range vars {
					x.ZeroGrad()
				}
				sumOf().Backward()
				want2 := autograd.Grad([]*autograd.Tensor{sumOf()}, vars, true)
				for i, x := range vars {
					testutil.AllClose(t, op.String()+" second-order gradient by the fused path (want: by the formula)", x.Grad().Data(), want2[i].Data(), 1e-12)
					x.ZeroGrad()
				}
			}
		})
	}
}

// seedWeights returns fixed weights of y's shape, so that the checks see a
// gradient other than ones.
func seedWeights(y *autograd.Tensor) *autograd.Tensor {
	rng := rand.New(rand.NewPCG(5, 6))
	return autograd.Randn(rng, y.Shape()...)
}

// BenchmarkOps measures forward and backward of every differentiable row
// of the op table at its table shapes (per-op overhead dominates there).
func BenchmarkOps(b *testing.B) {
	for _, op := range optable.Ops {
		if op.NoGrad {
			continue
		}
		b.Run("op="+op.String(), func(b *testing.B) {
			in := inputs(op, 3, false)
			b.ReportAllocs()
			for b.Loop() {
				op.F(in).Sum().Backward()
			}
		})
	}
}
