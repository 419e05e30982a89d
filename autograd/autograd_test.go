package autograd

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

func leaf(data []float64, shape ...int) *Tensor {
	return New(data, shape...).SetRequiresGrad(true)
}

func randLeaf(rng *rand.Rand, shape ...int) *Tensor {
	return From(tensor.Randn(rng, shape...)).SetRequiresGrad(true)
}

// assertClose checks got's shape and that its values are testutil.Close to
// want within 1e-12, and stops the test if not.
func assertClose(t *testing.T, what string, got *Tensor, want []float64, shape ...int) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s: nil tensor, want %v", what, want)
	}
	if !got.v.SameShape(tensor.Zeros(shape...)) {
		t.Fatalf("%s: shape %v, want %v", what, got.Shape(), shape)
	}
	if !testutil.AllClose(t, what, got.Data(), want, 1e-12) {
		t.FailNow()
	}
}

func TestSeedProgram(t *testing.T) {
	x := Scalar(3).SetRequiresGrad(true)
	y := Scalar(10).SetRequiresGrad(true)
	z := x.Mul(x).Add(x.Mul(y))
	z.Backward()
	if z.Item() != 39 || x.Grad().Item() != 16 || y.Grad().Item() != 3 {
		t.Fatalf("z=%v dz/dx=%v dz/dy=%v, want 39 16 3", z.Item(), x.Grad().Item(), y.Grad().Item())
	}
}

func TestSharedIntermediateGetsBothPathsOnce(t *testing.T) {
	// w is used twice; the textbook recursive backward gives x.grad = 3y.
	x := Scalar(3).SetRequiresGrad(true)
	y := Scalar(10).SetRequiresGrad(true)
	w := x.Mul(y)
	z := w.Add(w)
	z.Backward()
	if x.Grad().Item() != 20 || y.Grad().Item() != 6 {
		t.Fatalf("x.grad=%v y.grad=%v, want 2y=20 and 2x=6", x.Grad().Item(), y.Grad().Item())
	}
}

func TestDoublingSixtyTimesIsLinear(t *testing.T) {
	x := Scalar(1).SetRequiresGrad(true)
	f := x
	for i := 0; i < 60; i++ {
		f = f.Add(f)
	}
	f.Backward() // exponential-time backward would never finish
	if got, want := x.Grad().Item(), math.Ldexp(1, 60); got != want {
		t.Fatalf("grad = %v, want 2^60 = %v", got, want)
	}
}

func TestLongChainIsIterative(t *testing.T) {
	x := Scalar(1).SetRequiresGrad(true)
	z := x
	const n = 100000
	for i := 0; i < n; i++ {
		z = z.AddScalar(1)
	}
	z.Backward()
	if x.Grad().Item() != 1 || z.Item() != n+1 {
		t.Fatalf("z=%v grad=%v, want %v and 1", z.Item(), x.Grad().Item(), n+1)
	}
	// A chain of products too: d(x^k)/dx at x=1 is k.
	z = x
	for i := 1; i < n; i++ {
		z = z.Mul(x)
	}
	x.ZeroGrad()
	z.Backward()
	if x.Grad().Item() != n {
		t.Fatalf("d(x^%d)/dx = %v, want %d", n, x.Grad().Item(), n)
	}
}

func TestGradientsAccumulateUntilZeroGrad(t *testing.T) {
	x := leaf([]float64{1, 2}, 2)
	for i := 1; i <= 3; i++ {
		x.MulScalar(2).Sum().Backward()
		assertClose(t, fmt.Sprintf("grad after %d backward", i), x.Grad(), []float64{2 * float64(i), 2 * float64(i)}, 2)
	}
	g := x.Grad()
	x.ZeroGrad()
	assertClose(t, "grad after ZeroGrad", x.Grad(), []float64{0, 0}, 2)
	if x.Grad() != g {
		t.Fatalf("ZeroGrad replaced the gradient buffer")
	}
	x.Sum().Backward()
	assertClose(t, "grad after ZeroGrad and backward", x.Grad(), []float64{1, 1}, 2)
}

func TestLeafGradientsNeverAlias(t *testing.T) {
	// Add sends one gradient object to both inputs; each leaf must still own
	// its gradient, so changing one in place leaves the other alone.
	x := leaf([]float64{1, 2}, 2)
	y := leaf([]float64{3, 4}, 2)
	x.Add(y).Sum().Backward()
	x.Grad().Value().Fill(7)
	assertClose(t, "y.grad", y.Grad(), []float64{1, 1}, 2)
}

func TestSecondBackwardThroughFreedGraphPanics(t *testing.T) {
	x := Scalar(2).SetRequiresGrad(true)
	y := x.Mul(x)
	y.Backward()
	e := testutil.Panics[*tensor.Error](t, func() { y.Backward() })
	if !strings.Contains(e.Error(), "freed") || !strings.Contains(e.Error(), "RetainGraph") {
		t.Fatalf("message %q does not say the graph was freed and how to keep it", e)
	}
}

func TestRetainGraphAllowsAnotherBackward(t *testing.T) {
	x := Scalar(2).SetRequiresGrad(true)
	y := x.Mul(x)
	y.Backward(RetainGraph)
	y.Backward()
	if x.Grad().Item() != 8 {
		t.Fatalf("grad after two backwards = %v, want 2·2x = 8", x.Grad().Item())
	}
}

func TestInPlaceChangeOfSavedInputPanics(t *testing.T) {
	x := leaf([]float64{1, 2}, 2)
	y := leaf([]float64{3, 4}, 2)
	z := x.Mul(y).Sum()
	y.Value().Set(5, 0)
	e := testutil.Panics[*tensor.Error](t, func() { z.Backward() })
	if !strings.Contains(e.Error(), "modified in place") || !strings.Contains(e.Error(), "Mul") {
		t.Fatalf("message %q does not name Mul and the in-place change", e)
	}
	// The failed pass leaves nothing behind: a fresh graph works.
	x.Mul(y).Sum().Backward()
	assertClose(t, "x.grad", x.Grad(), []float64{5, 4}, 2)
}

func TestBackwardWithAndNonScalar(t *testing.T) {
	x := leaf([]float64{1, 2, 3}, 3)
	y := x.Mul(x)
	e := testutil.Panics[*tensor.Error](t, func() { y.Backward() })
	if !strings.Contains(e.Error(), "Backward") || !strings.Contains(e.Error(), "[3]") {
		t.Fatalf("message %q does not name Backward and the shape", e)
	}
	y.BackwardWith(New([]float64{1, 10, 100}, 3))
	assertClose(t, "x.grad", x.Grad(), []float64{2, 40, 600}, 3)

	x2 := leaf([]float64{1, 2, 3}, 3)
	e = testutil.Panics[*tensor.Error](t, func() { x2.Mul(x2).BackwardWith(New([]float64{1, 2}, 2)) })
	if !strings.Contains(e.Error(), "[2]") || !strings.Contains(e.Error(), "[3]") {
		t.Fatalf("message %q does not name both shapes", e)
	}
	e = testutil.Panics[*tensor.Error](t, func() { Scalar(1).Backward() })
	if !strings.Contains(e.Error(), "does not require grad") {
		t.Fatalf("message %q", e)
	}
}

func TestSetRequiresGradOnNonLeafPanics(t *testing.T) {
	x := leaf([]float64{1}, 1)
	e := testutil.Panics[*tensor.Error](t, func() { x.MulScalar(2).SetRequiresGrad(false) })
	if !strings.Contains(e.Error(), "SetRequiresGrad") || !strings.Contains(e.Error(), "MulScalar") {
		t.Fatalf("message %q", e)
	}
}

func TestBroadcastShapeMismatchPanics(t *testing.T) {
	a := leaf(make([]float64, 6), 2, 3)
	b := leaf(make([]float64, 4), 4)
	e := testutil.Panics[*tensor.Error](t, func() { a.Add(b) })
	if e.Error() != "tensor: Add: cannot broadcast [2 3] with [4]" {
		t.Fatalf("message %q", e)
	}
	e = testutil.Panics[*tensor.Error](t, func() { a.Transpose(0, 2) })
	if !strings.Contains(e.Error(), "Transpose") || !strings.Contains(e.Error(), "[2 3]") {
		t.Fatalf("message %q", e)
	}
}

func TestDetachAndLeaves(t *testing.T) {
	x := leaf([]float64{1, 2}, 2)
	y := x.MulScalar(3)
	d := y.Detach()
	if d.RequiresGrad() || !d.IsLeaf() || y.IsLeaf() || !x.IsLeaf() {
		t.Fatalf("flags: detach requires=%v leaf=%v; y leaf=%v; x leaf=%v", d.RequiresGrad(), d.IsLeaf(), y.IsLeaf(), x.IsLeaf())
	}
	z := d.Mul(x).Sum() // gradient reaches x only through the x factor
	z.Backward()
	assertClose(t, "x.grad", x.Grad(), []float64{3, 6}, 2)
}

func TestNoGradRecordsNothing(t *testing.T) {
	w := leaf([]float64{1, 2}, 2)
	x := New([]float64{3, 4}, 2)
	out := NoGrad(x).Mul(w).Sum()
	if out.RequiresGrad() || !out.IsLeaf() || !out.IsNoGrad() {
		t.Fatalf("no-grad result: requires=%v leaf=%v nograd=%v", out.RequiresGrad(), out.IsLeaf(), out.IsNoGrad())
	}
	if out.Item() != 11 {
		t.Fatalf("value %v, want 11", out.Item())
	}
	// The same parameters still record when the input is not no-grad.
	if !x.Mul(w).Sum().RequiresGrad() {
		t.Fatalf("recording stopped outside no-grad")
	}
}

// TestNoGradIsPerDataNotPerGoroutine trains one model in a goroutine while
// another evaluates a second model without gradients; neither disturbs the
// other. Run it with -race.
func TestNoGradIsPerDataNotPerGoroutine(t *testing.T) {
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	wg.Add(2)
	go func() { // training: w ← w - 0.1·d/dw Σ(w·x - 1)²
		defer wg.Done()
		w := leaf([]float64{0, 0}, 2)
		x := New([]float64{1, 2}, 2)
		for i := 0; i < 2000; i++ {
			r := w.Mul(x).Sum().AddScalar(-1)
			loss := r.Mul(r)
			if !loss.RequiresGrad() {
				errs <- errors.New("training graph was not recorded")
				return
			}
			loss.Backward()
			upd := w.Grad().Value().MulScalar(-0.1)
			w.Value().AddInPlace(upd)
			w.ZeroGrad()
		}
		if got := w.Mul(x).Sum().Item(); math.Abs(got-1) > 1e-9 {
			errs <- fmt.Errorf("training did not converge: w·x = %v", got)
		}
	}()
	go func() { // evaluation of another model, no graph
		defer wg.Done()
		v := leaf([]float64{2, 3}, 2)
		for i := 0; i < 2000; i++ {
			out := NoGrad(New([]float64{1, 1}, 2)).Mul(v).Sum()
			if out.RequiresGrad() || out.Item() != 5 {
				errs <- fmt.Errorf("evaluation recorded a graph or got %v", out.Item())
				return
			}
		}
		if v.Grad() != nil {
			errs <- errors.New("evaluation produced a gradient")
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestSecondDerivativeOfCube(t *testing.T) {
	for _, x0 := range []float64{-2, 0.5, 3} {
		x := Scalar(x0).SetRequiresGrad(true)
		y := x.Mul(x).Mul(x)
		g := Grad([]*Tensor{y}, []*Tensor{x}, true)[0]
		if g.Item() != 3*x0*x0 {
			t.Fatalf("dy/dx at %v = %v, want %v", x0, g.Item(), 3*x0*x0)
		}
		if !g.RequiresGrad() {
			t.Fatalf("first derivative carries no graph in create-graph mode")
		}
		g.Backward()
		if math.Abs(x.Grad().Item()-6*x0) > 1e-12 {
			t.Fatalf("d²y/dx² at %v = %v, want 6x = %v", x0, x.Grad().Item(), 6*x0)
		}
	}
}

func TestHessianVectorProduct(t *testing.T) {
	// f(x) = ½ xᵀAx with symmetric A: ∇f = Ax, and H·v = Av.
	a := New([]float64{2, 1, 0, 1, 3, 1, 0, 1, 4}, 3, 3)
	x := leaf([]float64{1, -1, 2}, 3)
	v := New([]float64{0.5, 1, -2}, 3)
	f := a.Mul(x.Unsqueeze(1)).Mul(x.Unsqueeze(0)).Sum().MulScalar(0.5)
	g := Grad([]*Tensor{f}, []*Tensor{x}, true)[0]
	assertClose(t, "gradient", g, []float64{1, 0, 7}, 3)
	hv := Grad([]*Tensor{g.Mul(v).Sum()}, []*Tensor{x}, false)[0]
	assertClose(t, "Hessian-vector product", hv, []float64{2, 1.5, -7}, 3)
	if x.Grad() != nil {
		t.Fatalf("Grad touched x.Grad()")
	}
}

func TestGradOfUnusedInputIsZero(t *testing.T) {
	x := Scalar(2).SetRequiresGrad(true)
	y := Scalar(5).SetRequiresGrad(true)
	gs := Grad([]*Tensor{x.MulScalar(3)}, []*Tensor{x, y}, false)
	if gs[0].Item() != 3 || gs[1].Item() != 0 {
		t.Fatalf("grads %v %v, want 3 0", gs[0].Item(), gs[1].Item())
	}
	// d²(3x)/dx² = 0 even though the first derivative is a constant.
	g := Grad([]*Tensor{x.MulScalar(3)}, []*Tensor{x}, true)[0]
	if h := Grad([]*Tensor{g}, []*Tensor{x}, false)[0]; h.Item() != 0 {
		t.Fatalf("second derivative %v, want 0", h.Item())
	}
}

func TestRetainGradOnIntermediate(t *testing.T) {
	x := leaf([]float64{1, 2}, 2)
	h := x.MulScalar(3).RetainGrad()
	h.Mul(h).Sum().Backward()
	assertClose(t, "h.grad", h.Grad(), []float64{6, 12}, 2)
	assertClose(t, "x.grad", x.Grad(), []float64{18, 36}, 2)
}

func TestString(t *testing.T) {
	x := leaf([]float64{1, 2}, 2)
	if got, want := x.String(), "tensor([1., 2.], requires_grad=True)"; got != want {
		t.Errorf("leaf: %q, want %q", got, want)
	}
	if got, want := x.Mul(x).String(), "tensor([1., 4.], grad_fn=<MulBackward>)"; got != want {
		t.Errorf("result: %q, want %q", got, want)
	}
	if got, want := Scalar(2).String(), "tensor(2.)"; got != want {
		t.Errorf("constant: %q, want %q", got, want)
	}
}

func TestSharedSeedIsNeverWritten(t *testing.T) {
	x := Scalar(2).SetRequiresGrad(true)
	x.Backward() // a leaf as the root: its gradient is the seed itself
	x.Grad().Value().Fill(5)
	x.MulScalar(1).Backward()
	g := Grad([]*Tensor{x}, []*Tensor{x}, false)[0]
	g.Value().Fill(7)
	h := x.AddScalar(1).RetainGrad()
	h.Backward()
	h.Grad().Value().Fill(9)
	if one.v.Item() != 1 {
		t.Fatalf("the shared seed was changed to %v", one.v.Item())
	}
	if x.Grad().Item() != 7 { // 5, then +1 and +1
		t.Fatalf("x.grad = %v, want 7", x.Grad().Item())
	}
}
