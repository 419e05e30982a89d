package autograd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

// recyclingGraphs build graphs that stress the engine's ownership of
// gradients: one value used many times, identities passing g on to one or
// two inputs, views of gradients, broadcasting, leaves used twice by
// products whose weight gradients go into the leaves' buffers in place,
// and Transient intermediates.
var recyclingGraphs = map[string]struct {
	shapes [][]int
	f      func(in []*Tensor) *Tensor
}{
	"value used three times": {[][]int{{3, 4}}, func(in []*Tensor) *Tensor {
		x := in[0]
		h := x.Exp().Transient()
		return h.Mul(h).Add(h).Add(h.Sin()).Sum()
	}},
	"identity to both inputs of Add": {[][]int{{2, 3}, {2, 3}}, func(in []*Tensor) *Tensor {
		a := in[0].Add(in[1]).Transient()
		b := a.Add(a).Transient() // g goes to a twice
		return b.AddScalar(1).Mul(in[0]).Sum()
	}},
	"views of gradients": {[][]int{{2, 3, 4}}, func(in []*Tensor) *Tensor {
		x := in[0]
		v := x.Reshape(6, 4).Transpose(0, 1).Transient()
		return v.Tanh().Slice(0, 1, 3).Square().Sum().Add(x.Select(1, 2).Sum())
	}},
	"gradients through views into a value used twice": {[][]int{{2, 3, 4}, {3, 1}}, func(in []*Tensor) *Tensor {
		h := in[0].Exp().Transient()
		v := h.Permute(2, 0, 1).Reshape(4, 6).Transpose(0, 1).Unsqueeze(0).Transient()
		e := in[1].Expand(3, 4).Transient() // a view that repeats: never adopted
		return v.Tanh().Sum().Add(h.Sin().Sum()).Add(e.Mul(h.Select(0, 1)).Sum())
	}},
	"chunks of Transient values (an LSTM's steps)": {[][]int{{3, 2, 5}, {8, 5}, {8, 2}, {2, 2}}, func(in []*Tensor) *Tensor {
		x, wi, wh, c := in[0], in[1], in[2], in[3]
		xp := Linear(x, wi, nil).Transient() // [3 2 8], viewed by every step
		h := c.Tanh()
		for s := range 3 {
			g := xp.Select(0, s).Add(Linear(h, wh, nil).Transient()).Transient().Chunk(4, -1)
			i, f := g[0].Sigmoid().Transient(), g[1].Sigmoid().Transient()
			gg, o := g[2].Tanh().Transient(), g[3].Sigmoid().Transient()
			c = f.Mul(c).Transient().Add(i.Mul(gg).Transient())
			h = o.Mul(c.Tanh().Transient())
		}
		return h.Square().Sum().Add(c.Sum())
	}},
	"parts of a Stack's and a Cat's gradient passed on to several inputs": {[][]int{{3, 4}, {3, 2}}, func(in []*Tensor) *Tensor {
		a, b := in[0].Exp().Transient(), in[0].Sin().Transient()
		h := a.Add(b).Transient() // its gradient, a part of the Stack's, goes on to a and b
		s := Stack([]*Tensor{h, b.Mul(a).Transient(), a}, 0).Transient()
		c := Cat([]*Tensor{in[1], in[1].Exp().Add(in[1]).Transient()}, 1).Transient()
		return s.Tanh().Sum().Add(c.Square().Sum())
	}},
	"views of views of a Transient value": {[][]int{{4, 6}}, func(in []*Tensor) *Tensor {
		h := in[0].Exp().Transient()
		v := h.Reshape(2, 12).Transpose(0, 1).Slice(0, 2, 10) // [8 2]
		w := h.Unsqueeze(0).Expand(3, 4, 6).Permute(2, 1, 0)  // [6 4 3]
		return v.Mul(v).Sum().Add(w.Sin().Sum()).Add(h.Split(4, 1)[1].Square().Sum())
	}},
	"residual connections (Add's gradient shared by both inputs)": {[][]int{{3, 4}, {4}}, func(in []*Tensor) *Tensor {
		h := in[0].Exp().Transient()
		r1 := h.Add(h.Tanh()).Transient()
		r2 := r1.Add(r1.Sin().Mul(in[1])).Transient()
		r3 := r2.Add(r1).Add(r2).Transient()
		return r3.Add(h).Square().Sum()
	}},
	"broadcasting": {[][]int{{3, 1}, {1, 4}, {4}}, func(in []*Tensor) *Tensor {
		s := in[0].Mul(in[1]).Transient()
		return s.Add(in[2]).Div(in[2].Square().AddScalar(1)).Add(s).Sum()
	}},
	"linear layers sharing a weight": {[][]int{{5, 4}, {4, 4}, {4}}, func(in []*Tensor) *Tensor {
		x, w, b := in[0], in[1], in[2]
		h := Linear(x, w, b).ReLU().Transient()
		h2 := Linear(h, w, b).Transient()
		return h2.Tanh().Mul(h2).Sum().Add(w.Sum())
	}},
	"matrix products with transposes": {[][]int{{3, 5}, {4, 5}, {4, 3}}, func(in []*Tensor) *Tensor {
		a, b, c := in[0], in[1], in[2]
		p := a.MatMul(b.T()).Transient() // [3 4]
		q := c.MatMul(p).Transient()     // [4 4]
		return q.MatMul(b).Mul(q.MatMul(b)).Sum().Add(a.T().MatMul(c.T()).Sum())
	}},
	"composite formulas (layer norm, softmax, squared error)": {[][]int{{4, 6}, {6}, {6}, {4, 6}}, func(in []*Tensor) *Tensor {
		x, w, b, y := in[0], in[1], in[2], in[3]
		c := x.Sub(x.MeanDims(true, 1))
		n := c.Div(c.Square().MeanDims(true, 1).AddScalar(1e-5).Sqrt()).Mul(w).Add(b).Transient()
		e := n.Sub(n.MaxDims(true, 1).Detach()).Exp().Transient()
		p := e.Div(e.SumDims(true, 1)).Transient()
		return p.Sub(y.Sigmoid()).Square().Mean().Add(n.GELU().Mul(n.SiLU()).Var(1).Sum())
	}},
	"cross-entropy of an MLP": {[][]int{{6, 5}, {4, 5}, {4}, {3, 4}}, func(in []*Tensor) *Tensor {
		x, w1, b1, w2 := in[0], in[1], in[2], in[3]
		h := Linear(x, w1, b1).Transient()
		r := h.ReLU().Transient()
		logits := Linear(r, w2, nil)
		return CrossEntropyRows(logits, New([]float64{0, 2, 1, 1, -100, 0}, 6), -100).Transient().Sum().MulScalar(0.25)
	}},
}

// TestRecyclingKeepsGradientsExact runs each graph's backward, which
// recycles gradients and Transient values (filled with NaN by this
// package's TestMain once recycled), several times with accumulation, and
// compares the leaves' gradients with those of Grad in create-graph mode,
// which recycles nothing.
func TestRecyclingKeepsGradientsExact(t *testing.T) {
	for name, c := range recyclingGraphs {
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, uint64(len(name))))
			in := make([]*Tensor, len(c.shapes))
			for i, s := range c.shapes {
				in[i] = randLeaf(rng, s...)
			}
			want := Grad([]*Tensor{c.f(in)}, in, true)
			for round := 1; round <= 3; round++ {
				c.f(in).Backward()
				for i, x := range in {
					got, w := x.Grad().Data(), want[i].Data()
					for j := range w {
						if d := math.Abs(got[j] - float64(round)*w[j]); !(d <= 1e-12*math.Max(1, math.Abs(w[j]))) {
							t.Fatalf("round %d: gradient of input %d = %v, want %d × %v", round, i, got, round, w)
						}
					}
				}
			}
		})
	}
}

func TestTransientValueIsRecycledByBackward(t *testing.T) {
	x := randLeaf(rand.New(rand.NewPCG(1, 1)), 3, 4)
	h := x.Exp().Transient()
	h.Sum().Backward()
	if !tops.IsRecycled(h.Value()) {
		t.Fatalf("the value of a Transient intermediate was not recycled by backward")
	}
	e := testutil.Panics[*tensor.Error](t, func() { h.Add(x) })
	if !strings.Contains(e.Error(), "recycled") {
		t.Fatalf("using a recycled value panics with %q; want it to say recycled", e)
	}
}

// A Transient value that views were taken of (Chunk's, Select's,
// Reshape's) goes back to the pool all the same once backward has run
// every node that reads the views, and the views die with it: using one
// panics, never reads memory the pool has handed on.
func TestTransientValueWithViewsIsRecycled(t *testing.T) {
	x := randLeaf(rand.New(rand.NewPCG(1, 2)), 4, 6)
	h := x.Exp().Transient()
	parts := h.Chunk(3, 1)
	row := h.Select(0, 2).Reshape(2, 3)
	parts[0].Mul(parts[2]).Sum().Add(row.Square().Sum()).Backward()
	if !tops.IsRecycled(h.Value()) {
		t.Fatalf("the value of a Transient intermediate with views was not recycled by backward")
	}
	for _, v := range []*Tensor{parts[0], parts[1], row} {
		if !tops.IsRecycled(v.Value()) {
			t.Fatalf("a view of shape %v of the recycled value is not reported recycled", v.Shape())
		}
		e := testutil.Panics[*tensor.Error](t, func() { v.Sum() })
		if !strings.Contains(e.Error(), "recycled") {
			t.Fatalf("using a view of a recycled value panics with %q; want it to say recycled", e)
		}
	}
}

func TestWhatBackwardDoesNotRecycle(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	x := randLeaf(rng, 3, 4)
	cases := map[string]func() (kept, loss *Tensor, opts []BackwardOption){
		"a value not marked Transient": func() (*Tensor, *Tensor, []BackwardOption) {
			h := x.Exp()
			return h, h.Sum(), nil
		},
		"a Transient value under RetainGraph": func() (*Tensor, *Tensor, []BackwardOption) {
			h := x.Exp().Transient()
			return h, h.Sum(), []BackwardOption{RetainGraph}
		},
		"a Transient view": func() (*Tensor, *Tensor, []BackwardOption) {
			h := x.Exp()
			v := h.Reshape(12).Transient()
			return h, v.Sum(), nil
		},
		"a Transient leaf": func() (*Tensor, *Tensor, []BackwardOption) {
			return x.Transient(), x.Sum(), nil
		},
		"a Transient value with a view taken through package tensor": func() (*Tensor, *Tensor, []BackwardOption) {
			h := x.Exp().Transient()
			h.Value().Slice(0, 0, 1)
			return h, h.Slice(1, 0, 2).Sum(), nil
		},
		"a Transient value with a Detached view": func() (*Tensor, *Tensor, []BackwardOption) {
			h := x.Exp().Transient()
			h.Reshape(12).Detach()
			return h, h.Chunk(2, 0)[1].Sum(), nil
		},
		"a Transient value with a view in no-grad evaluation": func() (*Tensor, *Tensor, []BackwardOption) {
			h := x.Exp().Transient()
			NoGrad(h.Select(0, 1))
			return h, h.Sum(), nil
		},
		"a value whose storage Raw exposed": func() (*Tensor, *Tensor, []BackwardOption) {
			h := x.Exp().Transient()
			h.Value().Raw()
			return h, h.Sum(), nil
		},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			kept, loss, opts := c()
			before := kept.Data()
			loss.Backward(opts...)
			if tops.IsRecycled(kept.Value()) {
				t.Fatalf("recycled")
			}
			for i, v := range kept.Data() {
				if v != before[i] {
					t.Fatalf("value changed by backward: %v, was %v", kept.Data(), before)
				}
			}
		})
	}
}

func TestGradOutputsAndSeedsAreNeverRecycled(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	x := randLeaf(rng, 2, 3)
	h := x.Mul(x)
	// Grad hands h's gradient to the caller: it must survive the pass.
	g := Grad([]*Tensor{h.Exp().Sum()}, []*Tensor{h, x}, false)
	want := h.Exp().Data()
	for i, v := range g[0].Data() {
		if v != want[i] {
			t.Fatalf("dL/dh = %v, want %v", g[0].Data(), want)
		}
	}
	// A caller's seed stays the caller's.
	seed := Ones(2, 3)
	x.Exp().Transient().BackwardWith(seed)
	for _, v := range seed.Data() {
		if v != 1 {
			t.Fatalf("the seed passed to BackwardWith was changed: %v", seed.Data())
		}
	}
	// A retained gradient is the caller's too.
	r := x.Square().RetainGrad()
	r.Sum().Backward()
	for _, v := range r.Grad().Data() {
		if v != 1 {
			t.Fatalf("retained gradient = %v, want ones", r.Grad().Data())
		}
	}
}

func TestLeafBufferTakesProductGradientInPlace(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	x, w := randLeaf(rng, 5, 3), randLeaf(rng, 2, 3)
	Linear(x, w, nil).Sum().Backward()
	buf := w.Grad().Value()
	Linear(x, w, nil).Sum().Backward()
	if w.Grad().Value() != buf {
		t.Fatalf("the second backward replaced w's gradient buffer instead of adding into it")
	}
	want := x.Value().SumDims(false, 0).MulScalar(2) // d/dw of Σ x·wᵀ, twice, for each row of w
	for i := 0; i < 2; i++ {
		for j := 0; j < 3; j++ {
			if got := w.Grad().At(i, j); math.Abs(got-want.At(j)) > 1e-12 {
				t.Fatalf("dw[%d,%d] = %v, want %v", i, j, got, want.At(j))
			}
		}
	}
}

// TestConcurrentBackwardsShareNothing trains separate tensors in separate
// goroutines with graphs whose root passes the shared 0-d seed straight on
// (Add's gradient is its incoming one): under -race (.ci/run) this catches
// any write to state the passes share.
func TestConcurrentBackwardsShareNothing(t *testing.T) {
	// Each goroutine trains its own leaf; the gradients must be exactly
	// those of the same loop run alone, and 100·(2w + 1) to rounding.
	train := func(seed uint64) (w *Tensor, grad []float64) {
		w = randLeaf(rand.New(rand.NewPCG(seed, 1)), 3, 3)
		for i := 0; i < 100; i++ {
			w.Square().Sum().Add(w.Sum()).AddScalar(1).Backward()
		}
		return w, w.Grad().Data()
	}
	const n = 4
	alone := make([][]float64, n)
	for k := range n {
		w, g := train(uint64(k))
		alone[k] = g
		for j, x := range w.Data() {
			if want := 100 * (2*x + 1); !testutil.Close(g[j], want, 1e-12) {
				t.Fatalf("seed %d: gradient %v, want 100·(2w+1) = %v at %d", k, g[j], want, j)
			}
		}
	}
	together := make([][]float64, n)
	var wg sync.WaitGroup
	for k := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, together[k] = train(uint64(k))
		}()
	}
	wg.Wait()
	for k := range n {
		if !slices.Equal(alone[k], together[k]) {
			t.Fatalf("seed %d: gradient %v concurrently, %v alone", k, together[k], alone[k])
		}
	}
}

// TestValuesReadWithoutAGraphEdgeAreKept checks tensors that a backward
// formula reads as constants (Where's condition, MaskedFill's mask): their
// own nodes may run backward first, so marking them Transient must not get
// them recycled before the formula reads them.
func TestValuesReadWithoutAGraphEdgeAreKept(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	x, w := randLeaf(rng, 3, 4), randLeaf(rng, 3, 4)
	f := func() *Tensor {
		h := x.Exp().Transient()
		m := x.Sin().Transient()
		return Where(h, w, Scalar(0)).Add(h).MaskedFill(m, 2).Mul(m).Sum()
	}
	want := Grad([]*Tensor{f()}, []*Tensor{x, w}, true)
	f().Backward()
	for i, p := range []*Tensor{x, w} {
		testutil.AllClose(t, fmt.Sprintf("gradient of input %d", i), p.Grad().Data(), want[i].Data(), 1e-12)
	}
}

// TestLeafGradientAsAnOperand uses a leaf's own gradient buffer as the
// other operand of products whose weight gradient would go into that very
// buffer: the product must not be written into its own operand.
func TestLeafGradientAsAnOperand(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	w := randLeaf(rng, 3, 3)
	w.Square().Sum().Backward()
	gw := w.Grad()
	for name, f := range map[string]func() *Tensor{
		"Linear":                        func() *Tensor { return Linear(gw, w, nil).Sum() },
		"MatMul, gradient on the left":  func() *Tensor { return gw.MatMul(w).Sum() },
		"MatMul, gradient on the right": func() *Tensor { return w.MatMul(gw).Sum() },
	} {
		before := w.Grad().Data()
		want := Grad([]*Tensor{f()}, []*Tensor{w}, true)[0].Data()
		f().Backward()
		for j, v := range w.Grad().Data() {
			if math.Abs(v-(before[j]+want[j])) > 1e-12*math.Max(1, math.Abs(want[j])) {
				t.Fatalf("%s: gradient %v, want %v + %v", name, w.Grad().Data(), before, want)
			}
		}
	}
}

// TestCreateGraphGradientsNeverAlias: in create-graph mode the seed passed
// on by Add's identities reaches two leaves; a later backward must
// accumulate into each leaf's gradient separately.
func TestCreateGraphGradientsNeverAlias(t *testing.T) {
	a, b := leaf([]float64{1, 2}, 2), leaf([]float64{3, 4}, 2)
	a.Add(b).BackwardWith(Ones(2), CreateGraph)
	a.ZeroGrad()
	b.ZeroGrad()
	a.Mul(b).Sum().Backward()
	assertClose(t, "a.Grad", a.Grad(), []float64{3, 4}, 2)
	assertClose(t, "b.Grad", b.Grad(), []float64{1, 2}, 2)
}

// A value handed out by Detach or NoGrad is the caller's: marking its
// source Transient (before or after) does not let backward recycle it.
func TestDetachAndNoGradOfATransientValueSurviveBackward(t *testing.T) {
	for _, how := range []string{"Detach", "NoGrad", "Detach before Transient"} {
		t.Run(how, func(t *testing.T) {
			x := New([]float64{0, 1, 2}, 3).SetRequiresGrad(true)
			var h, d *Tensor
			switch how {
			case "Detach":
				h = x.Exp().Transient()
				d = h.Detach()
			case "NoGrad":
				h = x.Exp().Transient()
				d = NoGrad(h)
			default:
				h = x.Exp()
				d = h.Detach()
				h.Transient()
			}
			h.Mul(x).Sum().Backward()
			want := []float64{1, math.E, math.Exp(2)}
			if got := d.Data(); !slices.Equal(got, want) {
				t.Fatalf("%s value after Backward = %v, want %v", how, got, want)
			}
			// The pool does not hand the storage to the next allocation.
			for range 4 {
				Zeros(3).Exp().Sum()
			}
			if got := d.Data(); !slices.Equal(got, want) {
				t.Fatalf("%s value after more allocations = %v, want %v", how, got, want)
			}
		})
	}
}

// bytesPerCall returns the bytes f allocates a call, with the collector
// off: the median of 5 batches of 20 calls, after 10 calls to warm the
// pools.
func bytesPerCall(f func()) float64 {
	for range 10 {
		f()
	}
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	var b []float64
	for range 5 {
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		for range 20 {
			f()
		}
		runtime.ReadMemStats(&m1)
		b = append(b, float64(m1.TotalAlloc-m0.TotalAlloc)/20)
	}
	slices.Sort(b)
	return b[2]
}

// TestGradientViewsAreRecycled checks that a gradient which goes back
// through view ops (Reshape, Transpose) still returns to the pool: the
// view is the pass's once the gradient it views is dropped. A backward
// through views allocates no more than the same backward without them;
// and one through a residual Add no more than its one more value.
func TestGradientViewsAreRecycled(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's sync.Pool drops recycled storage on purpose")
	}
	x := randLeaf(rand.New(rand.NewPCG(4, 4)), 64, 64)
	plain := bytesPerCall(func() { x.Exp().Tanh().Sum().Backward() })
	viewed := bytesPerCall(func() { x.Exp().Reshape(32, 128).Transpose(0, 1).Tanh().Sum().Backward() })
	t.Logf("bytes a backward: %.0f plain, %.0f through views", plain, viewed)
	if viewed > plain+4<<10 { // the Tanh gradient alone is 32 KiB
		t.Errorf("a backward through Reshape and Transpose allocates %.0f bytes against %.0f without them: the gradient views are not recycled", viewed, plain)
	}
	// A residual connection: Add passes its gradient to both inputs, which
	// share it until the last one has used it. The forward's one more value
	// (the Add's, the caller's) is 32 KiB; the shared gradient another 32
	// KiB if it were never recycled.
	deeper := bytesPerCall(func() { x.Exp().Tanh().Tanh().Sum().Backward() })
	residual := bytesPerCall(func() {
		h := x.Exp()
		h.Add(h.Tanh()).Tanh().Sum().Backward()
	})
	t.Logf("bytes a backward: %.0f for two Tanh, %.0f with a residual Add", deeper, residual)
	if residual > deeper+36<<10 {
		t.Errorf("a backward through a residual Add allocates %.0f bytes against %.0f without it: the gradient both inputs share is not recycled", residual, deeper)
	}
	// Stack and Cat pass each input a view of part of their gradient; the
	// gradient goes back to the pool once the last part is used. Their
	// one more value (the caller's) is 32 KiB, and Cat's strided parts
	// cost a copy (8 KiB) on their way into the slices' gradient; their
	// gradient would be 32 KiB more if it were never recycled.
	for name, join := range map[string]func(h *Tensor) *Tensor{
		"Stack": func(h *Tensor) *Tensor { return Stack([]*Tensor{h.Slice(0, 0, 32), h.Slice(0, 32, 64)}, 0) },
		"Cat":   func(h *Tensor) *Tensor { return Cat([]*Tensor{h.Slice(1, 0, 16), h.Slice(1, 16, 64)}, 1) },
	} {
		joined := bytesPerCall(func() { join(x.Exp()).Tanh().Sum().Backward() })
		t.Logf("bytes a backward: %.0f for one Tanh, %.0f through %s", plain, joined, name)
		if joined > plain+52<<10 {
			t.Errorf("a backward through %s allocates %.0f bytes against %.0f without it: the gradient its inputs' views share is not recycled", name, joined, plain)
		}
	}
}

// TestMaxPoolValuesRecyclesItsIndices checks that MaxPool2dValues hands
// its private indices back to the pool: at once when its result records no
// graph, and in a backward pass that frees the graph otherwise. MaxPool2d,
// whose caller may keep the indices, leaves them to the collector, which
// shows what the measure would read if they were not recycled.
func TestMaxPoolValuesRecyclesItsIndices(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's sync.Pool drops recycled storage on purpose")
	}
	w := tensor.Window{Kernel: [2]int{2, 2}}
	rng := rand.New(rand.NewPCG(4, 5))
	x := randLeaf(rng, 4, 4, 32, 32)
	const indexBytes = 4 * 4 * 16 * 16 * 8 // 32 KiB
	frozen := NoGrad(x)
	cases := []struct {
		name           string
		withIdx, noIdx func()
	}{
		{"no graph", func() {
			v, _ := MaxPool2d(frozen, w, false)
			tops.Recycle(v.Value())
		}, func() {
			tops.Recycle(MaxPool2dValues(frozen, w, false).Value())
		}},
		{"backward", func() {
			v, _ := MaxPool2d(x, w, false)
			v.Transient().Sum().Backward()
		}, func() {
			MaxPool2dValues(x, w, false).Transient().Sum().Backward()
		}},
	}
	for _, c := range cases {
		kept, recycled := bytesPerCall(c.withIdx), bytesPerCall(c.noIdx)
		t.Logf("%s: %.0f bytes a call with the indices returned, %.0f without", c.name, kept, recycled)
		if kept < indexBytes {
			t.Errorf("%s: MaxPool2d allocates %.0f bytes a call, less than its %d bytes of indices: the measure does not see them", c.name, kept, indexBytes)
		}
		if recycled > kept-indexBytes/2 {
			t.Errorf("%s: MaxPool2dValues allocates %.0f bytes a call against MaxPool2d's %.0f: its %d bytes of indices are not recycled", c.name, recycled, kept, indexBytes)
		}
	}
}
