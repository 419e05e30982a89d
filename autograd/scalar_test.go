package autograd

import (
	"math"
	"testing"
)

// The operations on two 0-d tensors take a path of their own (one
// allocation for the node and its value): their values and gradients must
// be those of the general path, which a 1-element 1-D operand takes.
func TestScalarPathMatchesTensorPath(t *testing.T) {
	vals := []float64{3, -0.5, 0, math.Inf(1), math.NaN(), 1e-310, 7.25}
	type op struct {
		name string
		f    func(a, b *Tensor) *Tensor
	}
	ops := []op{
		{"Add", (*Tensor).Add}, {"Sub", (*Tensor).Sub}, {"Mul", (*Tensor).Mul}, {"Div", (*Tensor).Div},
		{"Neg", func(a, _ *Tensor) *Tensor { return a.Neg() }},
		{"AddScalar", func(a, _ *Tensor) *Tensor { return a.AddScalar(0.1) }},
		{"MulScalar", func(a, _ *Tensor) *Tensor { return a.MulScalar(-3.3) }},
		{"x*x+x*y", func(a, b *Tensor) *Tensor { return a.Mul(a).Add(a.Mul(b)) }},
		{"chain", func(a, b *Tensor) *Tensor { return a.Mul(b).Div(a.Add(b)).Mul(b).Sub(a).Mul(a) }},
	}
	same := func(x, y float64) bool {
		return math.Float64bits(x) == math.Float64bits(y) || (math.IsNaN(x) && math.IsNaN(y))
	}
	for _, o := range ops {
		for _, av := range vals {
			for _, bv := range vals {
				run := func(shape ...int) (z, ga, gb float64) {
					a := New([]float64{av}, shape...).SetRequiresGrad(true)
					b := New([]float64{bv}, shape...).SetRequiresGrad(true)
					a.Grad() // nil: the first backward clones, the second adds in place
					out := o.f(a, b)
					z = out.v.Data()[0]
					out.Sum().Backward()
					o.f(a, b).Sum().Backward()
					if a.Grad() != nil {
						ga = a.Grad().Data()[0]
					}
					if b.Grad() != nil {
						gb = b.Grad().Data()[0]
					}
					return z, ga, gb
				}
				z0, ga0, gb0 := run()
				z1, ga1, gb1 := run(1)
				if !same(z0, z1) || !same(ga0, ga1) || !same(gb0, gb1) {
					t.Errorf("%s(%v, %v): 0-d gives %v, grads %v %v; 1-D gives %v, grads %v %v", o.name, av, bv, z0, ga0, gb0, z1, ga1, gb1)
				}
			}
		}
	}
}

// A scalar operation records its node and value in one allocation, and
// the seed program's backward allocates nothing once the leaves have
// gradient buffers: the per-op targets of the scalar graph.
func TestScalarGraphAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector drops sync.Pool entries at random; the counts hold without it")
	}
	x := Scalar(3).SetRequiresGrad(true)
	y := Scalar(10).SetRequiresGrad(true)
	build := func() *Tensor { return x.Mul(x).Add(x.Mul(y)) }
	build().Backward() // the leaves' gradient buffers
	var z *Tensor
	if n := testing.AllocsPerRun(100, func() { z = build() }); n > 3 {
		t.Errorf("forward of x·x + x·y: %v allocations, want at most 3 (one per operation)", n)
	}
	if n := testing.AllocsPerRun(100, func() { z = build(); z.Backward() }); n > 3 {
		t.Errorf("forward and backward of x·x + x·y: %v allocations, want 3 (none in backward)", n)
	}
	x.ZeroGrad()
	y.ZeroGrad()
	build().Backward()
	if gx, gy := x.Grad().Item(), y.Grad().Item(); gx != 16 || gy != 3 {
		t.Errorf("gradients %v, %v; want 16, 3", gx, gy)
	}
	// A chain of Mul and Add: one allocation per operation forward, and
	// backward one per Mul (the gradient passed to the chain; the leaf's
	// goes into its buffer).
	chain := func() *Tensor {
		z := x
		for i := range 10 {
			if i%2 == 0 {
				z = z.Mul(y)
			} else {
				z = z.Add(x)
			}
		}
		return z
	}
	chain().Backward()
	if n := testing.AllocsPerRun(100, func() { z = chain(); z.Backward() }); n > 15 {
		t.Errorf("forward and backward of a 10-op chain: %v allocations, want at most 15", n)
	}
	_ = z
}
