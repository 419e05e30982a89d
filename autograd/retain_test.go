package autograd

import (
	"runtime"
	"testing"
	"weak"
)

// TestFinishedPassKeepsNoNodeAlive checks that once a backward pass has
// finished, nothing of the engine's (the pooled pass's buffers) keeps a
// node of the graph alive: with the caller's references dropped, one
// collection frees every node and so its value. The search's stack once
// kept the frames it had popped, and with them the nodes, and the values,
// of the last graph's deepest path until the next backward overwrote them
// or two collections emptied the pool: in a training loop, a step's
// activations stayed alive through the next step's forward pass.
func TestFinishedPassKeepsNoNodeAlive(t *testing.T) {
	chain := func(depth int, x *Tensor) (*Tensor, []*Tensor) {
		var made []*Tensor
		y := x
		for range depth {
			y = y.Exp().Mul(x)
			made = append(made, y)
		}
		return y.Sum(), made
	}
	cases := []struct {
		name string
		run  func() []weak.Pointer[Tensor]
	}{
		{"Backward through a short chain", func() []weak.Pointer[Tensor] {
			z, made := chain(3, Full(0.1, 100).SetRequiresGrad(true))
			z.Backward()
			return weakAll(made)
		}},
		{"Backward through a deep chain", func() []weak.Pointer[Tensor] {
			z, made := chain(300, Full(0.001, 10).SetRequiresGrad(true))
			z.Backward()
			return weakAll(made)
		}},
		{"Backward through a scalar graph", func() []weak.Pointer[Tensor] {
			x, y := Scalar(3).SetRequiresGrad(true), Scalar(10).SetRequiresGrad(true)
			a, b := x.Mul(x), x.Mul(y)
			a.Add(b).Backward()
			return weakAll([]*Tensor{a, b})
		}},
		{"Grad", func() []weak.Pointer[Tensor] {
			x := Full(0.1, 100).SetRequiresGrad(true)
			z, made := chain(5, x)
			Grad([]*Tensor{z}, []*Tensor{x}, false)
			return weakAll(made)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ws := c.run()
			runtime.GC()
			for i, w := range ws {
				if w.Value() != nil {
					t.Fatalf("node %d of %d is alive after the pass and a collection", i, len(ws))
				}
			}
		})
	}
}

func weakAll(ts []*Tensor) []weak.Pointer[Tensor] {
	ws := make([]weak.Pointer[Tensor], len(ts))
	for i, u := range ts {
		ws[i] = weak.Make(u)
	}
	return ws
}
