package autograd

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

// transposedLeaf returns a leaf of the given 2-D or 3-D shape whose value
// is a non-contiguous view (the transpose of a contiguous tensor).
func transposedLeaf(rng *rand.Rand, shape ...int) *Tensor {
	rev := make([]int, len(shape))
	perm := make([]int, len(shape))
	for i := range shape {
		rev[i] = shape[len(shape)-1-i]
		perm[i] = len(shape) - 1 - i
	}
	v := tensor.Randn(rng, rev...).Permute(perm...)
	if v.IsContiguous() {
		panic("transposedLeaf: contiguous")
	}
	return From(v).SetRequiresGrad(true)
}

// slicedLeaf returns a leaf of the given shape whose value is a slice of a
// larger tensor along the last dimension (non-contiguous rows).
func slicedLeaf(rng *rand.Rand, shape ...int) *Tensor {
	big := append([]int(nil), shape...)
	big[len(big)-1] += 2
	v := tensor.Randn(rng, big...).Slice(-1, 1, shape[len(shape)-1]+1)
	return From(v).SetRequiresGrad(true)
}

// layouts are the three kinds of leaf every op is checked on.
var layouts = []struct {
	name string
	make func(rng *rand.Rand, shape ...int) *Tensor
}{
	{"a plain input", randLeaf},
	{"a transposed input", transposedLeaf},
	{"a sliced input", slicedLeaf},
}

// randIndex returns a constant index tensor of shape with integral values
// in [0, n), with repeats.
func randIndex(rng *rand.Rand, n int, shape ...int) *Tensor {
	v := tensor.Zeros(shape...)
	d := v.Raw()
	for i := range d {
		d[i] = float64(rng.IntN(n))
	}
	return From(v)
}

// secondOrder turns f into its first derivative with respect to its inputs
// in create-graph mode, through a nonlinear use of f (the sum of c·f²), so
// that GradCheck of the result differentiates f's backward formula itself.
func secondOrder(f func(in []*Tensor) *Tensor, c *Tensor) func(in []*Tensor) *Tensor {
	return func(in []*Tensor) *Tensor {
		y := f(in)
		var wrt []*Tensor
		for _, x := range in {
			if x.RequiresGrad() {
				wrt = append(wrt, x)
			}
		}
		gs := Grad([]*Tensor{y.Mul(y).Mul(c).Sum()}, wrt, true)
		if len(gs) == 1 {
			return gs[0]
		}
		flat := make([]*Tensor, len(gs))
		for i, g := range gs {
			flat[i] = g.Reshape(-1)
		}
		return Cat(flat, 0)
	}
}

type gradCase struct {
	name   string
	shape  []int                                   // of the differentiable input(s)
	extra  func(rng *rand.Rand, dim int) []*Tensor // more inputs, after the leaves
	leaves int                                     // how many inputs are made from shape (each with the layout)
	f      func(dim int) func(in []*Tensor) *Tensor
}

func gradCases() []gradCase {
	return []gradCase{
		{name: "Cat of three inputs", shape: []int{2, 3, 4}, leaves: 3, f: func(dim int) func([]*Tensor) *Tensor {
			return func(in []*Tensor) *Tensor { return Cat(in, dim) }
		}},
		{name: "Cat with a constant input", shape: []int{2, 3, 4}, leaves: 1,
			extra: func(rng *rand.Rand, dim int) []*Tensor { return []*Tensor{From(tensor.Randn(rng, 2, 3, 4))} },
			f: func(dim int) func([]*Tensor) *Tensor {
				return func(in []*Tensor) *Tensor { return Cat([]*Tensor{in[1], in[0]}, dim) }
			}},
		{name: "Stack of three inputs", shape: []int{2, 3, 4}, leaves: 3, f: func(dim int) func([]*Tensor) *Tensor {
			return func(in []*Tensor) *Tensor { return Stack(in, dim) }
		}},
		{name: "Split in twos, pieces weighted", shape: []int{3, 5, 4}, leaves: 1, f: func(dim int) func([]*Tensor) *Tensor {
			return func(in []*Tensor) *Tensor {
				ps := in[0].Split(2, dim)
				for i := range ps {
					ps[i] = ps[i].MulScalar(float64(i + 1))
				}
				return Cat(ps, dim)
			}
		}},
		{name: "Chunk in 2, one piece dropped", shape: []int{3, 5, 4}, leaves: 1, f: func(dim int) func([]*Tensor) *Tensor {
			return func(in []*Tensor) *Tensor { return in[0].Chunk(2, dim)[1] }
		}},
		{name: "IndexSelect with repeats", shape: []int{3, 4, 5}, leaves: 1,
			extra: func(rng *rand.Rand, dim int) []*Tensor { return []*Tensor{New([]float64{2, 0, 2, 1, 2}, 5)} },
			f: func(dim int) func([]*Tensor) *Tensor {
				return func(in []*Tensor) *Tensor { return in[0].IndexSelect(dim, in[1]) }
			}},
		{name: "IndexAdd into the input and from the source", shape: []int{3, 4, 5}, leaves: 1,
			extra: func(rng *rand.Rand, dim int) []*Tensor {
				sh := []int{3, 4, 5}
				sh[(dim+3)%3] = 4
				return []*Tensor{New([]float64{2, 0, 2, 1}, 4), randLeaf(rng, sh...)}
			},
			f: func(dim int) func([]*Tensor) *Tensor {
				return func(in []*Tensor) *Tensor { return in[0].IndexAdd(dim, in[1], in[2]) }
			}},
		{name: "Gather with repeats", shape: []int{3, 4, 5}, leaves: 1,
			extra: func(rng *rand.Rand, dim int) []*Tensor {
				d := (dim + 3) % 3
				sh := []int{2, 3, 4}
				sh[d] = 6
				return []*Tensor{randIndex(rng, []int{3, 4, 5}[d], sh...)}
			},
			f: func(dim int) func([]*Tensor) *Tensor {
				return func(in []*Tensor) *Tensor { return in[0].Gather(dim, in[1]) }
			}},
		{name: "ScatterAdd into the input and from a larger source", shape: []int{3, 4, 5}, leaves: 1,
			extra: func(rng *rand.Rand, dim int) []*Tensor {
				d := (dim + 3) % 3
				sh := []int{2, 3, 4}
				sh[d] = 6
				return []*Tensor{randIndex(rng, []int{3, 4, 5}[d], sh...), randLeaf(rng, 6, 7, 6)}
			},
			f: func(dim int) func([]*Tensor) *Tensor {
				return func(in []*Tensor) *Tensor { return in[0].ScatterAdd(dim, in[1], in[2]) }
			}},
		{name: "MaskedFill", shape: []int{3, 4, 5}, leaves: 1,
			extra: func(rng *rand.Rand, dim int) []*Tensor { return []*Tensor{randIndex(rng, 2, 3, 4, 5)} },
			f: func(dim int) func([]*Tensor) *Tensor {
				return func(in []*Tensor) *Tensor { return in[0].MaskedFill(in[1], 2.5) }
			}},
		{name: "MaskedFill of a broadcast input", shape: []int{4, 5}, leaves: 1,
			extra: func(rng *rand.Rand, dim int) []*Tensor { return []*Tensor{randIndex(rng, 2, 3, 4, 1)} },
			f: func(dim int) func([]*Tensor) *Tensor {
				return func(in []*Tensor) *Tensor { return in[0].MaskedFill(in[1], -1) }
			}},
		{name: "Pad and crop", shape: []int{3, 4, 5}, leaves: 1, f: func(dim int) func([]*Tensor) *Tensor {
			pads := [][]int{{1, 2}, {-1, 2, 0, 1}, {2, -3, -1, -1, 1, 0}}[(dim+3)%3]
			return func(in []*Tensor) *Tensor { return in[0].Pad(pads, 7) }
		}},
	}
}

func TestGradCheckShapeOps(t *testing.T) {
	for _, c := range gradCases() {
		nd := len(c.shape)
		for dim := -nd; dim < nd; dim++ {
			for _, l := range layouts {
				for _, order := range []string{"first", "second"} {
					name := fmt.Sprintf("%s along %d on %s, %s derivative", c.name, dim, l.name, order)
					t.Run(name, func(t *testing.T) {
						rng := rand.New(rand.NewPCG(uint64(dim+10), 77))
						var in []*Tensor
						for i := 0; i < c.leaves; i++ {
							in = append(in, l.make(rng, c.shape...))
						}
						if c.extra != nil {
							in = append(in, c.extra(rng, dim)...)
						}
						f := c.f(dim)
						if order == "second" {
							out := f(in)
							f = secondOrder(f, From(tensor.Rand(rng, out.Shape()...)))
						}
						if err := GradCheck(f, in, nil); err != nil {
							t.Fatal(err)
						}
					})
				}
			}
		}
	}
}

func TestShapeOpGradientValues(t *testing.T) {
	t.Run("Cat sends each input its slice", func(t *testing.T) {
		a := leaf([]float64{1, 2}, 1, 2)
		b := leaf([]float64{3, 4, 5, 6}, 2, 2)
		c := New([]float64{7, 8}, 1, 2)
		y := Cat([]*Tensor{a, c, b}, 0)
		assertClose(t, "value", y, []float64{1, 2, 7, 8, 3, 4, 5, 6}, 4, 2)
		y.BackwardWith(New([]float64{1, 2, 3, 4, 5, 6, 7, 8}, 4, 2))
		assertClose(t, "a.grad", a.Grad(), []float64{1, 2}, 1, 2)
		assertClose(t, "b.grad", b.Grad(), []float64{5, 6, 7, 8}, 2, 2)
		if c.Grad() != nil {
			t.Fatal("a constant input got a gradient")
		}
	})
	t.Run("Stack sends each input its index", func(t *testing.T) {
		a := leaf([]float64{1, 2}, 2)
		b := leaf([]float64{3, 4}, 2)
		y := Stack([]*Tensor{a, b}, -1)
		assertClose(t, "value", y, []float64{1, 3, 2, 4}, 2, 2)
		y.BackwardWith(New([]float64{10, 20, 30, 40}, 2, 2))
		assertClose(t, "a.grad", a.Grad(), []float64{10, 30}, 2)
		assertClose(t, "b.grad", b.Grad(), []float64{20, 40}, 2)
	})
	t.Run("Cat of one tensor three times sums its slices", func(t *testing.T) {
		x := leaf([]float64{1, 2}, 2)
		y := Cat([]*Tensor{x, x, x}, -1)
		y.BackwardWith(New([]float64{1, 2, 10, 20, 100, 200}, 6))
		assertClose(t, "x.grad", x.Grad(), []float64{111, 222}, 2)
	})
	t.Run("Stack of 0-d tensors sends each its element", func(t *testing.T) {
		a, b := Scalar(1).SetRequiresGrad(true), Scalar(2).SetRequiresGrad(true)
		y := Stack([]*Tensor{a, b}, 0)
		assertClose(t, "value", y, []float64{1, 2}, 2)
		y.BackwardWith(New([]float64{5, 7}, 2))
		assertClose(t, "a.grad", a.Grad(), []float64{5})
		assertClose(t, "b.grad", b.Grad(), []float64{7})
	})
	t.Run("IndexSelect accumulates repeated rows", func(t *testing.T) {
		x := leaf([]float64{1, 2, 3, 4, 5, 6}, 3, 2)
		y := x.IndexSelect(0, New([]float64{0, 0, 2}, 3))
		assertClose(t, "value", y, []float64{1, 2, 1, 2, 5, 6}, 3, 2)
		y.Sum().Backward()
		assertClose(t, "x.grad", x.Grad(), []float64{2, 2, 0, 0, 1, 1}, 3, 2)
	})
	t.Run("Gather scatters back to the picked classes", func(t *testing.T) {
		logp := leaf([]float64{-1, -2, -3, -4, -5, -6}, 2, 3)
		y := logp.Gather(1, New([]float64{2, 0}, 2, 1))
		assertClose(t, "value", y, []float64{-3, -4}, 2, 1)
		y.Sum().Neg().Backward()
		assertClose(t, "logp.grad", logp.Grad(), []float64{0, 0, -1, -1, 0, 0}, 2, 3)
	})
	t.Run("ScatterAdd passes the gradient to the input and picks it for the source", func(t *testing.T) {
		x := leaf([]float64{0, 0, 0}, 3)
		src := leaf([]float64{1, 2, 3, 4}, 4)
		y := x.ScatterAdd(0, New([]float64{2, 2, 0}, 3), src)
		assertClose(t, "value", y, []float64{3, 0, 3}, 3)
		y.BackwardWith(New([]float64{10, 20, 30}, 3))
		assertClose(t, "x.grad", x.Grad(), []float64{10, 20, 30}, 3)
		assertClose(t, "src.grad", src.Grad(), []float64{30, 30, 10, 0}, 4)
	})
	t.Run("MaskedFill zeroes the filled positions and sums a broadcast input", func(t *testing.T) {
		x := leaf([]float64{1, 2}, 2)
		y := x.MaskedFill(New([]float64{1, 0, 0, 0}, 2, 2), 9)
		assertClose(t, "value", y, []float64{9, 2, 1, 2}, 2, 2)
		y.Sum().Backward()
		assertClose(t, "x.grad", x.Grad(), []float64{1, 2}, 2)
	})
	t.Run("Pad crops the gradient back", func(t *testing.T) {
		x := leaf([]float64{1, 2, 3}, 3)
		y := x.Pad([]int{1, -1}, 0)
		assertClose(t, "value", y, []float64{0, 1, 2}, 3)
		y.BackwardWith(New([]float64{10, 20, 30}, 3))
		assertClose(t, "x.grad", x.Grad(), []float64{20, 30, 0}, 3)
	})
	t.Run("Split pieces carry their own gradients", func(t *testing.T) {
		x := leaf([]float64{1, 2, 3, 4, 5}, 5)
		ps := x.Split(2, 0)
		ps[0].Sum().Add(ps[2].MulScalar(3).Sum()).Backward()
		assertClose(t, "x.grad", x.Grad(), []float64{1, 1, 0, 0, 3}, 5)
	})
	t.Run("empty inputs get empty gradients", func(t *testing.T) {
		e := From(tensor.Zeros(0, 2)).SetRequiresGrad(true)
		a := leaf([]float64{1, 2}, 1, 2)
		Cat([]*Tensor{e, a}, 0).Sum().Backward()
		assertClose(t, "e.grad", e.Grad(), nil, 0, 2)
		assertClose(t, "a.grad", a.Grad(), []float64{1, 1}, 1, 2)
		x := leaf([]float64{1, 2}, 2)
		x.IndexSelect(0, From(tensor.Zeros(0))).Sum().Backward()
		assertClose(t, "x.grad after an empty IndexSelect", x.Grad(), []float64{0, 0}, 2)
	})
}

func TestCatOfManyInputsRecordsEveryEdge(t *testing.T) {
	var xs []*Tensor
	for i := 0; i < 5; i++ {
		xs = append(xs, leaf([]float64{float64(i)}, 1))
	}
	y := Cat(xs, 0)
	if len(y.inputs) != 5 {
		t.Fatalf("Cat of 5 recorded %d inputs", len(y.inputs))
	}
	y.Mul(y).Sum().Backward()
	for i, x := range xs {
		assertClose(t, fmt.Sprintf("x%d.grad", i), x.Grad(), []float64{2 * float64(i)}, 1)
	}
	// No input requiring a gradient, or one in no-grad evaluation: no graph.
	if Cat([]*Tensor{New([]float64{1}, 1), New([]float64{2}, 1), New([]float64{3}, 1)}, 0).RequiresGrad() {
		t.Fatal("Cat of constants requires grad")
	}
	z := Stack([]*Tensor{xs[0], NoGrad(xs[1]), xs[2]}, 0)
	if z.RequiresGrad() || !z.IsNoGrad() {
		t.Fatalf("Stack with a no-grad input: requires=%v nograd=%v", z.RequiresGrad(), z.IsNoGrad())
	}
}

func TestIndexAndMaskInputs(t *testing.T) {
	t.Run("an index changed in place before backward panics", func(t *testing.T) {
		x := leaf([]float64{1, 2, 3}, 3)
		ix := New([]float64{0, 2}, 2)
		y := x.Gather(0, ix).Sum()
		ix.Value().Set(1, 0)
		e := testutil.Panics[*tensor.Error](t, func() { y.Backward() })
		if !strings.Contains(e.Error(), "Gather") || !strings.Contains(e.Error(), "modified in place") || !strings.Contains(e.Error(), "[2]") {
			t.Fatalf("message %q does not name Gather, the index shape and the in-place change", e)
		}
	})
	t.Run("a mask changed in place before backward panics", func(t *testing.T) {
		x := leaf([]float64{1, 2}, 2)
		m := New([]float64{0, 1}, 2)
		y := x.MaskedFill(m, 0).Sum()
		m.Value().Fill(1)
		e := testutil.Panics[*tensor.Error](t, func() { y.Backward() })
		if !strings.Contains(e.Error(), "MaskedFill") {
			t.Fatalf("message %q does not name MaskedFill", e)
		}
	})
	t.Run("a no-grad index makes a no-grad result", func(t *testing.T) {
		emb := leaf([]float64{1, 2, 3, 4}, 2, 2)
		for name, y := range map[string]*Tensor{
			"IndexSelect": emb.IndexSelect(0, NoGrad(New([]float64{1}, 1))),
			"Gather":      emb.Gather(0, NoGrad(New([]float64{1, 0}, 1, 2))),
			"ScatterAdd":  emb.ScatterAdd(0, NoGrad(New([]float64{1, 0}, 1, 2)), emb),
			"IndexAdd":    emb.IndexAdd(0, NoGrad(New([]float64{1}, 1)), New([]float64{1, 1}, 1, 2)),
			"MaskedFill":  emb.MaskedFill(NoGrad(New([]float64{1, 0}, 2)), 0),
		} {
			if y.RequiresGrad() || !y.IsNoGrad() {
				t.Errorf("%s: requires=%v nograd=%v", name, y.RequiresGrad(), y.IsNoGrad())
			}
		}
	})
	t.Run("an index that requires a gradient gets none", func(t *testing.T) {
		x := leaf([]float64{1, 2, 3}, 3)
		ix := leaf([]float64{2, 0}, 2)
		x.IndexSelect(0, ix).Sum().Backward()
		if ix.Grad() != nil {
			t.Fatal("index got a gradient")
		}
		assertClose(t, "x.grad", x.Grad(), []float64{1, 0, 1}, 3)
	})
}

func TestShapeOpsPanicWithShapes(t *testing.T) {
	a := leaf(make([]float64, 6), 2, 3)
	b := leaf(make([]float64, 8), 2, 4)
	cases := []struct {
		name string
		want []string
		f    func()
	}{
		{"Cat of mismatched shapes", []string{"tensor: Cat:", "[2 3], [2 4]"}, func() { Cat([]*Tensor{a, b}, 0) }},
		{"Stack of mismatched shapes", []string{"tensor: Stack:", "[2 3], [2 4]"}, func() { Stack([]*Tensor{a, b}, 0) }},
		{"Gather with an out-of-range index", []string{"tensor: Gather:", "index 3", "[2 3], [1 1]"}, func() { a.Gather(1, New([]float64{3}, 1, 1)) }},
		{"IndexSelect with a negative index", []string{"tensor: IndexSelect:", "index -1", "[2 3], [1]"}, func() { a.IndexSelect(0, New([]float64{-1}, 1)) }},
		{"Pad of too many dimensions", []string{"tensor: Pad:", "[2 3]"}, func() { a.Pad([]int{1, 1, 1, 1, 1, 1}, 0) }},
		{"Split by zero", []string{"tensor: Split:", "[2 3]"}, func() { a.Split(0, 1) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := testutil.Panics[*tensor.Error](t, c.f)
			for _, w := range c.want {
				if !strings.Contains(e.Error(), w) {
					t.Fatalf("message %q does not contain %q", e, w)
				}
			}
		})
	}
}
