package train

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/nn"
	"github.com/adjoint-go/adjoint/tensor"
)

func TestHistory(t *testing.T) {
	var h History
	if _, ok := h.Last("loss"); ok {
		t.Fatal("an empty history has a last value")
	}
	for e, v := range []float64{0.9, 0.5, math.NaN(), 0.7} {
		h.Add(e+1, "loss", v)
		h.Add(e+1, "acc", 1-v)
	}
	if !slices.Equal(h.Names(), []string{"loss", "acc"}) || !slices.Equal(h.Steps(), []int{1, 2, 3, 4}) {
		t.Fatalf("names %v, steps %v", h.Names(), h.Steps())
	}
	if v, s, ok := h.Best("loss", false); !ok || v != 0.5 || s != 2 {
		t.Fatalf("best loss %v at %d", v, s)
	}
	if v, s, ok := h.Best("acc", true); !ok || math.Abs(v-0.5) > 1e-15 || s != 2 {
		t.Fatalf("best acc %v at %d", v, s)
	}
	if v, ok := h.Last("loss"); !ok || v != 0.7 {
		t.Fatalf("last loss %v", v)
	}
	if got := h.Line(2); got != "loss=0.5000 acc=0.5000" {
		t.Fatalf("line %q", got)
	}
	if len(h.Series("missing")) != 0 {
		t.Fatal("a series for a name never added")
	}
}

func TestPlotPNG(t *testing.T) {
	var h History
	for e := 1; e <= 3; e++ {
		h.Add(e, "loss", 1/float64(e))
		h.Add(e, "acc", 0.9+0.01*float64(e))
	}
	path := filepath.Join(t.TempDir(), "h.png")
	if err := PlotPNG(path, &h, "epoch", "loss", "acc"); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil || img.Bounds().Dx() <= img.Bounds().Dy() {
		t.Fatalf("not a wide PNG: %v", err)
	}
	for _, c := range []struct {
		names []string
		want  string
	}{{nil, "no metrics"}, {[]string{"nope"}, `no values of "nope"`}} {
		if err := PlotPNG(path, &h, "epoch", c.names...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("PlotPNG(%v): %v, want %q", c.names, err, c.want)
		}
	}
	if err := PlotPNG(filepath.Join(t.TempDir(), "no", "such", "dir.png"), &h, "epoch", "loss"); err == nil {
		t.Error("PlotPNG into a missing directory succeeded")
	}
}

func TestProgressIsSilentOffATerminal(t *testing.T) {
	var buf bytes.Buffer
	p := NewProgress(&buf, 10, "epoch 1")
	p.Step("loss", 0.5)
	p.Done()
	if p.Active() || buf.Len() != 0 {
		t.Fatalf("a bar on a buffer: active %v, wrote %q", p.Active(), buf.String())
	}
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if NewProgress(f, 10, "x").Active() {
		t.Fatal("a bar on a regular file")
	}
	var nilBar *Progress
	nilBar.Step()
	nilBar.Done()
}

func TestAccuracy(t *testing.T) {
	// A "model" that predicts the class of each row's largest value.
	m := nn.NewSequential(nn.NewIdentity())
	x := tensor.New([]float64{0, 1, 5, 0, 0, 2, 3, 1, 0}, 3, 3)
	y := tensor.New([]float64{2, 2, 1}, 3) // right, right, wrong
	if got := Accuracy(m, x, y, 2, nil); math.Abs(got-2.0/3) > 1e-15 {
		t.Fatalf("accuracy %v, want 2/3", got)
	}
	if !m.Training() {
		t.Fatal("Accuracy left the model in evaluation mode")
	}
	calls := 0
	Accuracy(m, x, y, 1, func(in *autograd.Tensor) *autograd.Tensor { calls++; return in })
	if calls != 3 {
		t.Fatalf("input called %d times for chunks of 1, want 3", calls)
	}
	if got := Accuracy(m, tensor.Zeros(0, 3), tensor.Zeros(0), 10, nil); got != 0 {
		t.Fatalf("accuracy of nothing %v", got)
	}
}
