package functional

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

func logits() *autograd.Tensor {
	return autograd.New([]float64{1, 2, 3, -1, 0, 4}, 2, 3).SetRequiresGrad(true)
}

// refCE computes the cross-entropy of one row by hand.
func refCE(row []float64, class int) float64 {
	s := 0.0
	for _, v := range row {
		s += math.Exp(v)
	}
	return math.Log(s) - row[class]
}

func TestSoftmaxRowsSumToOneEvenForHugeLogits(t *testing.T) {
	x := autograd.New([]float64{1000, -1000, 0, 999, 1000, 1000}, 2, 3)
	p := Softmax(x, -1)
	for i := 0; i < 2; i++ {
		s := 0.0
		for j := 0; j < 3; j++ {
			v := p.At(i, j)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("softmax %v", p)
			}
			s += v
		}
		if !testutil.Close(s, 1, 1e-12) {
			t.Fatalf("row %d sums to %v", i, s)
		}
	}
	if !testutil.Close(p.At(0, 0), 1, 1e-12) || !testutil.Close(p.At(1, 1), 1/(2+math.Exp(-1)), 1e-12) {
		t.Fatalf("softmax %v", p)
	}
	lp := LogSoftmax(x, 1)
	if !testutil.Close(lp.At(0, 1), -2000, 1e-12) || !testutil.Close(lp.At(1, 0), -1-math.Log(2+math.Exp(-1)), 1e-12) {
		t.Fatalf("log-softmax %v", lp)
	}
}

func TestCrossEntropyWithIndices(t *testing.T) {
	x := logits()
	y := autograd.New([]float64{2, 0}, 2)
	want := (refCE([]float64{1, 2, 3}, 2) + refCE([]float64{-1, 0, 4}, 0)) / 2
	loss := CrossEntropy(x, y)
	if !testutil.Close(loss.Item(), want, 1e-12) {
		t.Fatalf("loss %v, want %v", loss.Item(), want)
	}
	if s := CrossEntropy(x, y, Reduce(ReduceSum)).Item(); !testutil.Close(s, 2*want, 1e-12) {
		t.Fatalf("sum %v, want %v", s, 2*want)
	}
	none := CrossEntropy(x, y, Reduce(ReduceNone))
	if !testutil.Close(none.At(1), refCE([]float64{-1, 0, 4}, 0), 1e-12) {
		t.Fatalf("none %v", none)
	}
	loss.Backward()
	// d/dlogits = (softmax - onehot)/N
	p := Softmax(autograd.NoGrad(x), 1)
	if g := x.Grad().At(0, 2); !testutil.Close(g, (p.At(0, 2)-1)/2, 1e-12) {
		t.Fatalf("gradient %v, want %v", g, (p.At(0, 2)-1)/2)
	}
}

func TestCrossEntropyIgnoreIndexAndSmoothing(t *testing.T) {
	x := logits()
	y := autograd.New([]float64{2, -100}, 2)
	if l := CrossEntropy(x, y).Item(); !testutil.Close(l, refCE([]float64{1, 2, 3}, 2), 1e-12) {
		t.Fatalf("ignored row counted: %v", l)
	}
	if l := CrossEntropy(x, autograd.New([]float64{-100, -100}, 2)).Item(); !math.IsNaN(l) {
		t.Fatalf("all ignored gives %v, want NaN", l)
	}
	// Smoothing with indices equals the probability form with a smoothed one-hot.
	eps := 0.1
	yi := autograd.New([]float64{2, 0}, 2)
	yp := autograd.New([]float64{0, 0, 1, 1, 0, 0}, 2, 3)
	a := CrossEntropy(x, yi, LabelSmoothing(eps)).Item()
	b := CrossEntropy(x, yp, LabelSmoothing(eps)).Item()
	if !testutil.Close(a, b, 1e-12) {
		t.Fatalf("smoothed loss %v with indices, %v with probabilities", a, b)
	}
}

func TestCrossEntropyIsFiniteForHugeLogits(t *testing.T) {
	x := autograd.New([]float64{1000, -1000, 0, -1000, 1000, 0}, 2, 3).SetRequiresGrad(true)
	y := autograd.New([]float64{1, 0}, 2)
	l := CrossEntropy(x, y)
	if !testutil.Close(l.Item(), 2000, 1e-12) {
		t.Fatalf("loss %v, want 2000", l.Item())
	}
	l.Backward()
	for _, g := range x.Grad().Data() {
		if math.IsNaN(g) || math.IsInf(g, 0) {
			t.Fatalf("gradient %v", x.Grad())
		}
	}
}

func TestLossesPassGradCheck(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	y := autograd.New([]float64{1, 0, 3}, 3)
	probs := Softmax(autograd.From(tensor.Randn(rng, 3, 4)), 1).Detach()
	cases := map[string]func(in []*autograd.Tensor) *autograd.Tensor{
		"Softmax":                       func(in []*autograd.Tensor) *autograd.Tensor { return Softmax(in[0], 1) },
		"LogSoftmax over dim 0":         func(in []*autograd.Tensor) *autograd.Tensor { return LogSoftmax(in[0], 0) },
		"CrossEntropy":                  func(in []*autograd.Tensor) *autograd.Tensor { return CrossEntropy(in[0], y) },
		"CrossEntropy with smoothing":   func(in []*autograd.Tensor) *autograd.Tensor { return CrossEntropy(in[0], y, LabelSmoothing(0.2)) },
		"CrossEntropy of probabilities": func(in []*autograd.Tensor) *autograd.Tensor { return CrossEntropy(in[0], probs, Reduce(ReduceSum)) },
		"NLLLoss": func(in []*autograd.Tensor) *autograd.Tensor {
			return NLLLoss(LogSoftmax(in[0], 1), y, Reduce(ReduceNone))
		},
		"MSELoss": func(in []*autograd.Tensor) *autograd.Tensor { return MSELoss(in[0], probs) },
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			x := autograd.From(tensor.Randn(rng, 3, 4)).SetRequiresGrad(true)
			if err := autograd.GradCheck(f, []*autograd.Tensor{x}, nil); err != nil {
				t.Fatal(err)
			}
			xt := autograd.From(tensor.Randn(rng, 4, 3).Transpose(0, 1)).SetRequiresGrad(true)
			if err := autograd.GradCheck(f, []*autograd.Tensor{xt}, nil); err != nil {
				t.Fatalf("strided input: %v", err)
			}
		})
	}
}

func TestLossBadInput(t *testing.T) {
	x := logits()
	cases := map[string]struct {
		f    func()
		want string
	}{
		"a class index out of range":  {func() { CrossEntropy(x, autograd.New([]float64{3, 0}, 2)) }, "not a class index"},
		"a fractional class index":    {func() { CrossEntropy(x, autograd.New([]float64{0.5, 0}, 2)) }, "not a class index"},
		"a target of the wrong shape": {func() { CrossEntropy(x, autograd.New([]float64{1, 0, 1}, 3)) }, "[2 3]"},
		"label smoothing above 1":     {func() { CrossEntropy(x, autograd.New([]float64{1, 0}, 2), LabelSmoothing(2)) }, "label smoothing"},
		"MSELoss of different shapes": {func() { MSELoss(x, autograd.Zeros(3)) }, "[2 3]"},
		"NLLLoss with probabilities":  {func() { NLLLoss(x, x) }, "class indices"},
		"Dropout with p = -0.1":       {func() { Dropout(x, -0.1, true, rand.New(rand.NewPCG(1, 1))) }, "probability"},
		"Dropout with a nil rng":      {func() { Dropout(x, 0.5, true, nil) }, "rng is nil"},
		"Dropout of a nil input":      {func() { Dropout(nil, 0.5, true, rand.New(rand.NewPCG(1, 1))) }, "input is nil"},
	}
	for name, c := range cases {
		t.Run(name+" panics", func(t *testing.T) {
			if e := testutil.Panics[*tensor.Error](t, c.f); !strings.Contains(e.Error(), c.want) {
				t.Fatalf("panic %v, want a *tensor.Error mentioning %q", e, c.want)
			}
		})
	}
}

func TestSoftmaxOfInfiniteAndEmptyInputsIsPyTorchs(t *testing.T) {
	inf := math.Inf(1)
	t.Run("a row holding +Inf is all NaN in Softmax and LogSoftmax, values and gradients", func(t *testing.T) {
		for name, f := range map[string]func(*autograd.Tensor, int) *autograd.Tensor{"Softmax": Softmax, "LogSoftmax": LogSoftmax} {
			x := autograd.New([]float64{1, inf, 0.5, 2, 0, 1}, 2, 3).SetRequiresGrad(true)
			y := f(x, 1)
			y.Mul(autograd.New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)).Sum().Backward()
			for j := 0; j < 3; j++ {
				if !math.IsNaN(y.At(0, j)) || !math.IsNaN(x.Grad().At(0, j)) {
					t.Fatalf("%s: row 0 %v, gradient %v, want NaN", name, y, x.Grad())
				}
				if math.IsNaN(y.At(1, j)) || math.IsNaN(x.Grad().At(1, j)) {
					t.Fatalf("%s: row 1 %v, gradient %v, want finite", name, y, x.Grad())
				}
			}
		}
	})
	t.Run("over a dimension of size 0 the result is empty", func(t *testing.T) {
		x := autograd.Zeros(0, 3).SetRequiresGrad(true)
		for _, y := range []*autograd.Tensor{Softmax(x, 0), LogSoftmax(x, 0), Softmax(x, -1)} {
			if s := y.Shape(); len(s) != 2 || s[0] != 0 || s[1] != 3 {
				t.Fatalf("shape %v, want [0 3]", s)
			}
		}
	})
}

func TestBCEWithLogitsOfConfidentLogits(t *testing.T) {
	// PyTorch's values: loss log(1 + e^-|x|) and gradient σ(x) - y, with no
	// Softplus threshold at 20.
	x := autograd.New([]float64{25, -25, 0, 1000, -1000}, 5).SetRequiresGrad(true)
	y := autograd.New([]float64{1, 0, 0.75, 0, 1}, 5)
	l := BCEWithLogits(x, y, Reduce(ReduceNone))
	l.Sum().Backward()
	e := math.Exp(-25)
	wantLoss := []float64{math.Log1p(e), math.Log1p(e), math.Ln2, 1000, 1000}
	wantGrad := []float64{-e / (1 + e), e / (1 + e), 0.5 - 0.75, 1, -1}
	for i := range wantLoss {
		if !testutil.Close(l.At(i), wantLoss[i], 1e-12) || !testutil.Close(x.Grad().At(i), wantGrad[i], 1e-12) {
			t.Fatalf("loss %v, gradient %v; want %v, %v", l.Data(), x.Grad().Data(), wantLoss, wantGrad)
		}
	}
	if err := autograd.GradCheck(func(in []*autograd.Tensor) *autograd.Tensor {
		return BCEWithLogits(in[0], in[1], Reduce(ReduceNone))
	}, []*autograd.Tensor{
		autograd.New([]float64{-3, -0.5, 0.25, 2}, 4).SetRequiresGrad(true),
		autograd.New([]float64{0, 0.3, 1, 0.6}, 4).SetRequiresGrad(true),
	}, nil); err != nil {
		t.Fatal(err)
	}
}
