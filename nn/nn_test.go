package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/nn/safetensors"
	"github.com/adjoint-go/adjoint/tensor"
)

func rng() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }

func TestSequentialNamesParametersLikePyTorch(t *testing.T) {
	r := rng()
	m := NewSequential(NewLinear(4, 3, r), NewDropout(0.5, r), NewSequential(NewLinearNoBias(3, 2, r), NewLinear(2, 1, r)))
	want := []string{"0.weight", "0.bias", "2.0.weight", "2.1.weight", "2.1.bias"}
	ps := m.NamedParameters()
	if len(ps) != len(want) {
		t.Fatalf("%d parameters, want %d", len(ps), len(want))
	}
	for i, p := range ps {
		if p.Name != want[i] {
			t.Errorf("parameter %d is %q, want %q", i, p.Name, want[i])
		}
		if m.Parameters()[i] != p.Tensor {
			t.Errorf("Parameters()[%d] is not NamedParameters()[%d]", i, i)
		}
	}
	if n := NumParameters(m); n != 4*3+3+3*2+2+1 { // 24
		t.Errorf("NumParameters = %d, want 24", n)
	}
	if s, want := Summary(m), "Sequential(Linear(4→3), Dropout(p=0.5), Sequential(Linear(3→2, no bias), Linear(2→1))): 24 parameters"; s != want {
		t.Errorf("Summary = %q, want %q", s, want)
	}
	if s := Summary(NewLinear(784, 128, r)); s != "Linear(784→128): 100,480 parameters" {
		t.Errorf("Summary = %q", s)
	}
}

func TestLinearInitialisationAndForward(t *testing.T) {
	l := NewLinear(16, 8, rng())
	bound := 1 / math.Sqrt(16)
	for _, p := range l.Parameters() {
		for _, v := range p.Data() {
			if v < -bound || v >= bound {
				t.Fatalf("initial value %v outside ±%v", v, bound)
			}
		}
		if !p.RequiresGrad() {
			t.Fatal("parameter does not require grad")
		}
	}
	x := autograd.From(tensor.Randn(rng(), 5, 16))
	y := l.Forward(x)
	want := x.Value().MatMul(l.Weight.Value().T()).Add(l.Bias.Value())
	if !tensor.AllClose(y.Value(), want, 1e-12, 1e-12) {
		t.Fatal("Forward differs from x·Wᵀ + b")
	}
	y.Sum().Backward()
	if l.Weight.Grad() == nil || l.Bias.Grad().At(0) != 5 {
		t.Fatalf("bias gradient %v, want 5 per output", l.Bias.Grad())
	}
}

func TestTrainingModeIsRecursive(t *testing.T) {
	r := rng()
	d := NewDropout(0.5, r)
	m := NewSequential(NewLinear(2, 2, r), NewSequential(d))
	if !m.Training() || !d.Training() {
		t.Fatal("modules do not start in training mode")
	}
	m.SetTraining(false)
	if m.Training() || d.Training() {
		t.Fatal("SetTraining(false) did not reach the nested dropout")
	}
	x := autograd.Ones(1000)
	if y := d.Forward(x); y != x {
		t.Fatal("dropout in evaluation mode is not the identity")
	}
	m.SetTraining(true)
	y := d.Forward(x).Data()
	zeros := 0
	for _, v := range y {
		switch v {
		case 0:
			zeros++
		case 2:
		default:
			t.Fatalf("dropout output %v, want 0 or 1/(1-p) = 2", v)
		}
	}
	if zeros < 400 || zeros > 600 {
		t.Fatalf("%d of 1000 dropped with p = 0.5", zeros)
	}
}

func TestEmbedding(t *testing.T) {
	e := NewEmbedding(10, 3, rng())
	idx := autograd.New([]float64{2, 7, 2, 0}, 2, 2)
	y := e.Forward(idx)
	if s := y.Shape(); len(s) != 3 || s[0] != 2 || s[1] != 2 || s[2] != 3 {
		t.Fatalf("shape %v, want [2 2 3]", s)
	}
	for j := 0; j < 3; j++ {
		if y.At(1, 0, j) != e.Weight.At(2, j) || y.At(0, 1, j) != e.Weight.At(7, j) {
			t.Fatal("wrong rows picked")
		}
	}
	y.Sum().Backward()
	g := e.Weight.Grad()
	for j := 0; j < 3; j++ {
		if g.At(2, j) != 2 || g.At(7, j) != 1 || g.At(0, j) != 1 || g.At(1, j) != 0 {
			t.Fatalf("gradient %v, want row 2 counted twice", g)
		}
	}
	if e.String() != "Embedding(10, 3)" {
		t.Errorf("String = %q", e.String())
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	r := rng()
	a := NewSequential(NewLinear(3, 4, r), NewLinear(4, 2, r))
	b := NewSequential(NewLinear(3, 4, r), NewLinear(4, 2, r))
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := Save(path, a); err != nil {
		t.Fatal(err)
	}
	if err := Load(path, b); err != nil {
		t.Fatal(err)
	}
	for i, p := range a.Parameters() {
		q := b.Parameters()[i]
		if !tensor.AllClose(p.Value(), q.Value(), 0, 0) {
			t.Fatalf("parameter %d differs after the round trip", i)
		}
	}
}

func TestLoadRejectsMismatchedCheckpoints(t *testing.T) {
	r := rng()
	dir := t.TempDir()
	save := func(name string, m Module) string {
		p := filepath.Join(dir, name)
		if err := Save(p, m); err != nil {
			t.Fatal(err)
		}
		return p
	}
	model := func() *Sequential { return NewSequential(NewLinear(3, 4, r), NewLinear(4, 2, r)) }
	cases := []struct {
		name, file, want string
	}{
		{"a missing parameter", save("missing", NewSequential(NewLinear(3, 4, r))), `"1.weight"`},
		{"a parameter of another shape", save("shape", NewSequential(NewLinear(3, 4, r), NewLinear(4, 3, r))), "shape [3 4] in the checkpoint"},
		{"an extra tensor", save("extra", NewSequential(NewLinear(3, 4, r), NewLinear(4, 2, r), NewLinear(2, 2, r))), `"2.weight"`},
	}
	for _, c := range cases {
		t.Run("a checkpoint with "+c.name+" is refused", func(t *testing.T) {
			m := model()
			before := m.Parameters()[0].Data()
			err := Load(c.file, m)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one mentioning %s", err, c.want)
			}
			if after := m.Parameters()[0].Data(); after[0] != before[0] {
				t.Fatal("a refused load changed the model")
			}
		})
	}
	t.Run("a missing file is an error", func(t *testing.T) {
		if err := Load(filepath.Join(dir, "nope"), model()); err == nil {
			t.Fatal("no error")
		}
	})
	t.Run("a corrupt file is an error", func(t *testing.T) {
		p := filepath.Join(dir, "corrupt")
		if err := os.WriteFile(p, []byte("\x10\x00\x00\x00\x00\x00\x00\x00{not json}"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := Load(p, model()); err == nil {
			t.Fatal("no error")
		}
	})
}

func TestBadConstructorArguments(t *testing.T) {
	for name, f := range map[string]func(){
		"NewLinear with zero inputs": func() { NewLinear(0, 3, rng()) },
		"NewDropout with p = 1.5":    func() { NewDropout(1.5, rng()) },
	} {
		t.Run(name+" panics", func(t *testing.T) { testutil.Panics[*tensor.Error](t, f) })
	}
}

// TestLoadsAPyTorchStateDict loads the state dict that PyTorch wrote for
// nn.Sequential(Linear(3, 4), ReLU(), Linear(4, 2)) (nn/safetensors'
// fixture, with 2.bias stored as F32) into the same model built here.
func TestLoadsAPyTorchStateDict(t *testing.T) {
	ts, _, err := safetensors.ReadFile("safetensors/testdata/torch.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	var state []safetensors.Named
	for _, x := range ts {
		switch x.Name {
		case "0.weight", "0.bias", "2.weight", "2.bias":
			state = append(state, x)
		}
	}
	r := rng()
	m := NewSequential(NewLinear(3, 4, r), &ReLU{}, NewLinear(4, 2, r))
	if err := LoadState(m, state); err != nil {
		t.Fatal(err)
	}
	for _, p := range m.NamedParameters() {
		for _, x := range state {
			if x.Name == p.Name && !tensor.AllClose(p.Value(), x.T, 0, 0) {
				t.Errorf("%s differs from PyTorch's", p.Name)
			}
		}
	}
	if got := m.Forward(autograd.Ones(1, 3)).Shape(); got[0] != 1 || got[1] != 2 {
		t.Fatalf("output shape %v", got)
	}
}

func TestLayerNormModule(t *testing.T) {
	l := NewLayerNorm(3)
	x := autograd.New([]float64{1, 2, 3, 10, 20, 60}, 2, 3)
	y := l.Forward(x)
	for i := 0; i < 2; i++ {
		mean, sq := 0.0, 0.0
		for j := 0; j < 3; j++ {
			mean += y.At(i, j) / 3
		}
		for j := 0; j < 3; j++ {
			sq += (y.At(i, j) - mean) * (y.At(i, j) - mean) / 3
		}
		if math.Abs(mean) > 1e-12 || math.Abs(sq-1) > 1e-4 {
			t.Fatalf("row %d: mean %v variance %v, want 0 and ~1", i, mean, sq)
		}
	}
	names := l.NamedParameters()
	if len(names) != 2 || names[0].Name != "weight" || names[1].Name != "bias" || l.String() != "LayerNorm([3])" {
		t.Fatalf("parameters %v, String %q", names, l.String())
	}
	y.Mul(autograd.New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)).Sum().Backward()
	if l.Weight.Grad() == nil || l.Bias.Grad().At(0) != 5 {
		t.Fatalf("bias gradient %v, want [5 7 9]", l.Bias.Grad())
	}
}

func TestActivationModules(t *testing.T) {
	x := autograd.New([]float64{-2, 0.5}, 2)
	cases := []struct {
		m    Module
		name string
		want []float64
	}{
		{&ReLU{}, "ReLU", []float64{0, 0.5}},
		{&LeakyReLU{Slope: 0.1}, "LeakyReLU(0.1)", []float64{-0.2, 0.5}},
		{&Tanh{}, "Tanh", []float64{math.Tanh(-2), math.Tanh(0.5)}},
		{&Sigmoid{}, "Sigmoid", []float64{1 / (1 + math.Exp(2)), 1 / (1 + math.Exp(-0.5))}},
		{&SiLU{}, "SiLU", []float64{-2 / (1 + math.Exp(2)), 0.5 / (1 + math.Exp(-0.5))}},
		{&GELU{}, "GELU", []float64{-2 * 0.5 * (1 + math.Erf(-2/math.Sqrt2)), 0.5 * 0.5 * (1 + math.Erf(0.5/math.Sqrt2))}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.m.Forward(x).Data()
			for i := range got {
				if math.Abs(got[i]-c.want[i]) > 1e-12 {
					t.Fatalf("%v, want %v", got, c.want)
				}
			}
			if s := fmt.Sprint(c.m); s != c.name {
				t.Errorf("String %q, want %q", s, c.name)
			}
			if c.m.Parameters() != nil || c.m.NamedParameters() != nil {
				t.Error("an activation has parameters")
			}
		})
	}
}
