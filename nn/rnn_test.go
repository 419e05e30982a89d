package nn

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/nn/safetensors"
	"github.com/adjoint-go/adjoint/tensor"
)

// rnnCases are the cases of testdata/rnn.safetensors, written by
// testdata/make_rnn_fixture.py; the test fails if the two lists differ.
var rnnCases = []string{
	"LSTM",
	"LSTM with two layers, bidirectional and batch first, with initial states",
	"LSTM with two layers and no bias, with initial states",
	"LSTM bidirectional on an unbatched sequence with initial states",
	"LSTM with dropout in evaluation mode",
	"GRU",
	"GRU with two layers and an initial state",
	"GRU bidirectional and batch first",
	"GRU bidirectional batch first with two layers, no bias and an initial state",
	"RNN with tanh, batch first, without bias",
	"RNN with relu, two layers and bidirectional, with an initial state",
	"RNNCell with tanh and a state",
	"RNNCell with relu and no state",
	"LSTMCell with states",
	"LSTMCell on an unbatched input without states",
	"GRUCell with a state",
	"GRUCell without bias on an unbatched input with a state",
}

// rnnSettings are a case's settings as make_rnn_fixture.py records them:
// the module and PyTorch's keyword arguments.
type rnnSettings struct {
	Module        string  `json:"module"`
	InputSize     int     `json:"input_size"`
	HiddenSize    int     `json:"hidden_size"`
	NumLayers     int     `json:"num_layers"`
	Bias          *bool   `json:"bias"`
	BatchFirst    bool    `json:"batch_first"`
	Dropout       float64 `json:"dropout"`
	Bidirectional bool    `json:"bidirectional"`
	Nonlinearity  string  `json:"nonlinearity"`
	Training      *bool   `json:"training"`
}

// build returns the module of s, freshly initialised, and a function that
// runs it on x and the initial states (nil where not given) and returns
// its outputs by the fixture's names.
func (s rnnSettings) build() (Module, func(x, h0, c0 *autograd.Tensor) map[string]*autograd.Tensor) {
	noBias := s.Bias != nil && !*s.Bias
	o := RNNOptions{NumLayers: s.NumLayers, NoBias: noBias, BatchFirst: s.BatchFirst, Dropout: s.Dropout,
		Bidirectional: s.Bidirectional, Nonlinearity: s.Nonlinearity}
	in, hid, r := s.InputSize, s.HiddenSize, rand.New(rand.NewPCG(5, 6))
	type outs = map[string]*autograd.Tensor
	switch s.Module {
	case "RNN":
		m := NewRNN(in, hid, o, r)
		return m, func(x, h0, _ *autograd.Tensor) outs {
			out, h := m.ForwardState(x, h0)
			return outs{"out": out, "h": h}
		}
	case "LSTM":
		m := NewLSTM(in, hid, o, r)
		return m, func(x, h0, c0 *autograd.Tensor) outs {
			out, h, c := m.ForwardState(x, h0, c0)
			return outs{"out": out, "h": h, "c": c}
		}
	case "GRU":
		m := NewGRU(in, hid, o, r)
		return m, func(x, h0, _ *autograd.Tensor) outs {
			out, h := m.ForwardState(x, h0)
			return outs{"out": out, "h": h}
		}
	case "RNNCell":
		m := NewRNNCell(in, hid, s.Nonlinearity, noBias, r)
		return m, func(x, h0, _ *autograd.Tensor) outs { return outs{"h": m.ForwardState(x, h0)} }
	case "LSTMCell":
		m := NewLSTMCell(in, hid, noBias, r)
		return m, func(x, h0, c0 *autograd.Tensor) outs {
			h, c := m.ForwardState(x, h0, c0)
			return outs{"h": h, "c": c}
		}
	case "GRUCell":
		m := NewGRUCell(in, hid, noBias, r)
		return m, func(x, h0, _ *autograd.Tensor) outs { return outs{"h": m.ForwardState(x, h0)} }
	}
	panic("unknown module " + s.Module)
}

// closeToTorch is the parity tests' tolerance: 1e-10 relative, with an
// absolute floor of 1e-12 for values near zero.
func closeToTorch(got, want float64) bool {
	return math.Abs(got-want) <= 1e-10*math.Max(math.Abs(got), math.Abs(want))+1e-12
}

func compareTorch(t *testing.T, what string, got *autograd.Tensor, want *tensor.Tensor) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: nil, want %v", what, want.Shape())
		return
	}
	if !slices.Equal(got.Shape(), want.Shape()) {
		t.Errorf("%s: shape %v, PyTorch %v", what, got.Shape(), want.Shape())
		return
	}
	g, w := got.Data(), want.Data()
	for i := range w {
		if !closeToTorch(g[i], w[i]) {
			t.Errorf("%s[%d] (flat): adjoint %.17g, PyTorch %.17g", what, i, g[i], w[i])
			return
		}
	}
}

// TestRecurrentMatchesPyTorch loads the weights PyTorch wrote for every
// case of testdata/rnn.safetensors with LoadState, runs the module on the
// same input and initial states, and compares the outputs, the final
// states and the gradients (with respect to the input, the initial states
// and every parameter) to 1e-10 relative.
func TestRecurrentMatchesPyTorch(t *testing.T) {
	ts, meta, err := safetensors.ReadFile(filepath.Join("testdata", "rnn.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	byCase := map[string]map[string]*tensor.Tensor{}
	for _, e := range ts {
		c, name, ok := strings.Cut(e.Name, "/")
		if !ok {
			t.Fatalf("tensor %q has no case prefix", e.Name)
		}
		if byCase[c] == nil {
			byCase[c] = map[string]*tensor.Tensor{}
		}
		byCase[c][name] = e.T
	}
	var inFile []string
	for k := range meta {
		if k != "generator" && k != "torch" && k != "format" {
			inFile = append(inFile, k)
		}
	}
	slices.Sort(inFile)
	want := slices.Sorted(slices.Values(rnnCases))
	if !slices.Equal(inFile, want) {
		t.Fatalf("cases in rnn.safetensors %q, in rnnCases %q: rerun make_rnn_fixture.py or update the list", inFile, want)
	}
	for _, name := range rnnCases {
		t.Run(name, func(t *testing.T) {
			var s rnnSettings
			dec := json.NewDecoder(strings.NewReader(meta[name]))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&s); err != nil {
				t.Fatal(err)
			}
			entries := byCase[name]
			m, run := s.build()
			if s.Training != nil {
				m.SetTraining(*s.Training)
			}
			var params []safetensors.Named
			for k, v := range entries {
				if p, ok := strings.CutPrefix(k, "param."); ok {
					params = append(params, safetensors.Named{Name: p, T: v})
				}
			}
			if err := LoadState(m, params); err != nil {
				t.Fatalf("PyTorch's state_dict does not load: %v", err)
			}
			// The parameters are in PyTorch's state_dict order: the
			// file's header keeps it.
			var order []string
			for _, e := range ts {
				if p, ok := strings.CutPrefix(e.Name, name+"/param."); ok {
					order = append(order, p)
				}
			}
			if got := names(m.NamedParameters()); !slices.Equal(got, order) {
				t.Errorf("parameters %q, PyTorch's state_dict %q", got, order)
			}
			leaf := func(k string) *autograd.Tensor {
				if v, ok := entries[k]; ok {
					return autograd.From(v.Clone()).SetRequiresGrad(true)
				}
				return nil
			}
			x, h0, c0 := leaf("x"), leaf("h0"), leaf("c0")
			got := run(x, h0, c0)
			var loss *autograd.Tensor
			for _, k := range []string{"out", "h", "c"} {
				w, ok := entries["w."+k]
				if !ok {
					continue
				}
				compareTorch(t, k, got[k], entries[k])
				term := got[k].Mul(autograd.From(w)).Sum()
				if loss == nil {
					loss = term
				} else {
					loss = loss.Add(term)
				}
			}
			if t.Failed() {
				return
			}
			loss.Backward()
			wrt := map[string]*autograd.Tensor{"x": x, "h0": h0, "c0": c0}
			for _, p := range m.NamedParameters() {
				wrt[p.Name] = p.Tensor
			}
			n := 0
			for k, v := range entries {
				g, ok := strings.CutPrefix(k, "grad.")
				if !ok {
					continue
				}
				n++
				if wrt[g] == nil || wrt[g].Grad() == nil {
					t.Errorf("no gradient of %s", g)
					continue
				}
				compareTorch(t, "gradient of "+g, wrt[g].Grad(), v)
			}
			if want := 1 + len(params) + btoi(h0 != nil) + btoi(c0 != nil); n != want {
				t.Errorf("%d gradients in the fixture, want %d", n, want)
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestRecurrentParametersAndInitialisation(t *testing.T) {
	r := rng()
	m := NewLSTM(5, 3, RNNOptions{NumLayers: 2, Bidirectional: true}, r)
	want := []string{}
	for _, sfx := range []string{"_l0", "_l0_reverse", "_l1", "_l1_reverse"} {
		want = append(want, "weight_ih"+sfx, "weight_hh"+sfx, "bias_ih"+sfx, "bias_hh"+sfx)
	}
	if got := names(m.NamedParameters()); !slices.Equal(got, want) {
		t.Fatalf("names %q, want %q", got, want)
	}
	shapes := map[string][]int{"weight_ih_l0": {12, 5}, "weight_hh_l0": {12, 3}, "bias_ih_l0": {12}, "weight_ih_l1_reverse": {12, 6}}
	bound := 1 / math.Sqrt(3)
	for _, p := range m.NamedParameters() {
		if s, ok := shapes[p.Name]; ok && !slices.Equal(p.Shape(), s) {
			t.Errorf("%s has shape %v, want %v", p.Name, p.Shape(), s)
		}
		lo, hi := slices.Min(p.Data()), slices.Max(p.Data())
		if lo < -bound || hi > bound || hi-lo < bound || !p.RequiresGrad() {
			t.Errorf("%s: values in [%v, %v], want spread over ±%v and requiring a gradient", p.Name, lo, hi, bound)
		}
	}
	if NumParameters(m) != 2*(12*5+12*3+24)+2*(12*6+12*3+24) {
		t.Errorf("NumParameters %d", NumParameters(m))
	}
	g := NewGRU(4, 6, RNNOptions{NoBias: true}, r)
	if got := names(g.NamedParameters()); !slices.Equal(got, []string{"weight_ih_l0", "weight_hh_l0"}) || !slices.Equal(g.Weights[0].WeightIH.Shape(), []int{18, 4}) {
		t.Errorf("GRU without bias: %q, %v", got, g.Weights[0].WeightIH.Shape())
	}
	c := NewLSTMCell(4, 2, false, r)
	if got := names(c.NamedParameters()); !slices.Equal(got, []string{"weight_ih", "weight_hh", "bias_ih", "bias_hh"}) || !slices.Equal(c.WeightHH.Shape(), []int{8, 2}) {
		t.Errorf("LSTMCell: %q, %v", got, c.WeightHH.Shape())
	}
	for _, tc := range []struct {
		m    Module
		want string
	}{
		{m, "LSTM(5, 3, num_layers=2, bidirectional=True)"},
		{g, "GRU(4, 6, bias=False)"},
		{NewRNN(2, 3, RNNOptions{Nonlinearity: "relu", BatchFirst: true, Dropout: 0.25, NumLayers: 3}, r), "RNN(2, 3, num_layers=3, batch_first=True, dropout=0.25, nonlinearity=relu)"},
		{c, "LSTMCell(4, 2)"},
		{NewGRUCell(4, 2, true, r), "GRUCell(4, 2, bias=False)"},
		{NewRNNCell(4, 2, "relu", false, r), "RNNCell(4, 2, nonlinearity=relu)"},
		{NewRNNCell(4, 2, "", false, r), "RNNCell(4, 2)"},
	} {
		if s := fmt.Sprint(tc.m); s != tc.want {
			t.Errorf("String %q, want %q", s, tc.want)
		}
	}
}

// TestRecurrentShapes checks the shapes of every output for each layout:
// time-major, batch first, unbatched, with a batch of zero.
func TestRecurrentShapes(t *testing.T) {
	r := rng()
	tests := []struct {
		name            string
		o               RNNOptions
		x               []int
		out, state      []int
		withGivenStates bool
	}{
		{"time-major", RNNOptions{}, []int{5, 2, 3}, []int{5, 2, 4}, []int{1, 2, 4}, false},
		{"batch first, two layers, bidirectional", RNNOptions{BatchFirst: true, NumLayers: 2, Bidirectional: true}, []int{2, 5, 3}, []int{2, 5, 8}, []int{4, 2, 4}, true},
		{"unbatched, batch first is ignored", RNNOptions{BatchFirst: true, NumLayers: 3}, []int{5, 3}, []int{5, 4}, []int{3, 4}, true},
		{"a batch of zero", RNNOptions{Bidirectional: true}, []int{5, 0, 3}, []int{5, 0, 8}, []int{2, 0, 4}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := autograd.From(tensor.Randn(r, tc.x...))
			var h0, c0 *autograd.Tensor
			if tc.withGivenStates {
				h0, c0 = autograd.Zeros(tc.state...), autograd.Zeros(tc.state...)
			}
			lstm := NewLSTM(3, 4, tc.o, r)
			out, h, c := lstm.ForwardState(x, h0, c0)
			gru := NewGRU(3, 4, tc.o, r)
			gout, gh := gru.ForwardState(x, h0)
			rnn := NewRNN(3, 4, tc.o, r)
			rout, rh := rnn.ForwardState(x, h0)
			for what, s := range map[string][]int{
				"LSTM out": out.Shape(), "GRU out": gout.Shape(), "RNN out": rout.Shape(), "Forward": lstm.Forward(x).Shape(),
			} {
				if !slices.Equal(s, tc.out) {
					t.Errorf("%s shape %v, want %v", what, s, tc.out)
				}
			}
			for what, s := range map[string][]int{"LSTM h": h.Shape(), "LSTM c": c.Shape(), "GRU h": gh.Shape(), "RNN h": rh.Shape()} {
				if !slices.Equal(s, tc.state) {
					t.Errorf("%s shape %v, want %v", what, s, tc.state)
				}
			}
		})
	}
}

// TestRecurrentFinalStateIsTheLastOutput checks that a one-direction
// module's final hidden state equals its last output, and the reverse
// direction's its first, and that ForwardState continues a sequence split
// in two from the first half's states.
func TestRecurrentFinalStateIsTheLastOutput(t *testing.T) {
	r := rng()
	m := NewLSTM(3, 4, RNNOptions{Bidirectional: true}, r)
	x := autograd.From(tensor.Randn(r, 6, 2, 3))
	out, h, _ := m.ForwardState(x, nil, nil)
	testutil.AllClose(t, "forward final state", h.Select(0, 0).Data(), out.Select(0, 5).Slice(1, 0, 4).Data(), 0)
	testutil.AllClose(t, "reverse final state", h.Select(0, 1).Data(), out.Select(0, 0).Slice(1, 4, 8).Data(), 0)

	g := NewGRU(3, 4, RNNOptions{NumLayers: 2}, r)
	whole, hw := g.ForwardState(x, nil)
	first, h1 := g.ForwardState(x.Slice(0, 0, 2), nil)
	second, h2 := g.ForwardState(x.Slice(0, 2, 6), h1)
	testutil.AllClose(t, "split outputs", autograd.Cat([]*autograd.Tensor{first, second}, 0).Data(), whole.Data(), 1e-15)
	testutil.AllClose(t, "split final state", h2.Data(), hw.Data(), 1e-15)

	// A cell stepped along the sequence is the one-layer module (up to
	// rounding: the module projects all steps' inputs in one product).
	l := NewLSTM(3, 4, RNNOptions{}, r)
	cell := &LSTMCell{InputSize: 3, HiddenSize: 4, RNNWeights: l.Weights[0]}
	lout, lh, lc := l.ForwardState(x, nil, nil)
	var ch, cc *autograd.Tensor
	for step := range 6 {
		ch, cc = cell.ForwardState(x.Select(0, step), ch, cc)
		testutil.AllClose(t, fmt.Sprintf("LSTMCell step %d", step), ch.Data(), lout.Select(0, step).Data(), 1e-14)
	}
	testutil.AllClose(t, "LSTMCell h", ch.Data(), lh.Data(), 1e-14)
	testutil.AllClose(t, "LSTMCell c", cc.Data(), lc.Data(), 1e-14)
}

// TestRecurrentDropoutBetweenLayers checks dropout: off in evaluation
// mode, drawn from the module's rng in training, and with p = 1 the upper
// layer sees zeros.
func TestRecurrentDropoutBetweenLayers(t *testing.T) {
	x := autograd.From(tensor.Randn(rng(), 4, 2, 3))
	newModel := func(p float64) *GRU {
		return NewGRU(3, 4, RNNOptions{NumLayers: 2, Dropout: p}, rand.New(rand.NewPCG(7, 8)))
	}
	plain := newModel(0).Forward(x)
	m := newModel(0.5)
	m.SetTraining(false)
	testutil.AllSame(t, "evaluation ignores dropout", m.Forward(x).Data(), plain.Data())
	m.SetTraining(true)
	a := m.Forward(x).Data()
	if slices.Equal(a, plain.Data()) {
		t.Error("dropout in training changed nothing")
	}
	m2 := newModel(0.5)
	testutil.AllSame(t, "the same seed draws the same masks", m2.Forward(x).Data(), a)

	// p = 1: layer 1 reads zeros, so its output is that of a one-layer GRU
	// with layer 1's weights on a zero input.
	m1 := newModel(1)
	top := NewGRU(4, 4, RNNOptions{}, rng())
	top.Weights[0] = m1.Weights[1]
	testutil.AllClose(t, "dropout with p = 1", m1.Forward(x).Data(), top.Forward(autograd.Zeros(4, 2, 4)).Data(), 0)
}

func TestRecurrentGradCheck(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	leaf := func(shape ...int) *autograd.Tensor {
		return autograd.From(tensor.Randn(r, shape...)).SetRequiresGrad(true)
	}
	lstm := NewLSTM(2, 2, RNNOptions{NumLayers: 2, Bidirectional: true, BatchFirst: true}, r)
	gru := NewGRU(2, 2, RNNOptions{Bidirectional: true}, r)
	rnn := NewRNN(2, 2, RNNOptions{NumLayers: 2}, r)
	tests := []struct {
		name   string
		params []*autograd.Tensor
		inputs []*autograd.Tensor
		f      func(in []*autograd.Tensor) *autograd.Tensor
	}{
		{"LSTM", lstm.Parameters(), []*autograd.Tensor{leaf(2, 3, 2), leaf(4, 2, 2), leaf(4, 2, 2)},
			func(in []*autograd.Tensor) *autograd.Tensor {
				out, h, c := lstm.ForwardState(in[0], in[1], in[2])
				return autograd.Cat([]*autograd.Tensor{out.Flatten(), h.Flatten(), c.Flatten()}, 0)
			}},
		{"GRU", gru.Parameters(), []*autograd.Tensor{leaf(3, 2, 2), leaf(2, 2, 2)},
			func(in []*autograd.Tensor) *autograd.Tensor {
				out, h := gru.ForwardState(in[0], in[1])
				return autograd.Cat([]*autograd.Tensor{out.Flatten(), h.Flatten()}, 0)
			}},
		{"RNN", rnn.Parameters(), []*autograd.Tensor{leaf(3, 2, 2), leaf(2, 2, 2)},
			func(in []*autograd.Tensor) *autograd.Tensor {
				out, h := rnn.ForwardState(in[0], in[1])
				return autograd.Cat([]*autograd.Tensor{out.Flatten(), h.Flatten()}, 0)
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// The parameters are inputs too, so every weight is checked.
			inputs := append(tc.inputs, tc.params...)
			if err := autograd.GradCheck(tc.f, inputs, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestRecurrentSecondDerivatives checks, with GradCheck, the gradient of
// a tiny LSTM's and GRU's weighted output with respect to the input, taken
// with a graph: the recurrences are differentiable twice.
func TestRecurrentSecondDerivatives(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	lstm := NewLSTM(2, 2, RNNOptions{}, r)
	gru := NewGRU(2, 2, RNNOptions{Bidirectional: true}, r)
	v := autograd.From(tensor.Randn(r, 3, 1, 4))
	for _, tc := range []struct {
		name string
		f    func(x *autograd.Tensor) *autograd.Tensor
		v    *autograd.Tensor
	}{
		{"LSTM", func(x *autograd.Tensor) *autograd.Tensor { return lstm.Forward(x) }, v.Slice(2, 0, 2)},
		{"GRU", func(x *autograd.Tensor) *autograd.Tensor { return gru.Forward(x) }, v},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := autograd.From(tensor.Randn(r, 3, 1, 2)).SetRequiresGrad(true)
			f := func(in []*autograd.Tensor) *autograd.Tensor {
				y := tc.f(in[0]).Mul(tc.v).Sum()
				return autograd.Grad([]*autograd.Tensor{y}, []*autograd.Tensor{in[0]}, true)[0]
			}
			if err := autograd.GradCheck(f, []*autograd.Tensor{x}, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestRecurrentBadInputs(t *testing.T) {
	r := rng()
	lstm := NewLSTM(3, 4, RNNOptions{NumLayers: 2}, r)
	gru := NewGRU(3, 4, RNNOptions{BatchFirst: true}, r)
	rnn := NewRNN(3, 4, RNNOptions{Bidirectional: true}, r)
	lc, gc, rc := NewLSTMCell(3, 4, false, r), NewGRUCell(3, 4, false, r), NewRNNCell(3, 4, "tanh", false, r)
	x := autograd.Zeros(5, 2, 3)
	tests := []struct {
		name, op, msg string
		f             func()
	}{
		{"LSTM of nil", "LSTM", "nil", func() { lstm.Forward(nil) }},
		{"LSTM of the wrong input size", "LSTM", "[5 2 4]", func() { lstm.Forward(autograd.Zeros(5, 2, 4)) }},
		{"LSTM of a 4-D input", "LSTM", "input", func() { lstm.Forward(autograd.Zeros(1, 5, 2, 3)) }},
		{"LSTM of an empty sequence", "LSTM", "no time steps", func() { lstm.Forward(autograd.Zeros(0, 2, 3)) }},
		{"LSTM with h0 of the wrong layer count", "LSTM", "h0", func() { lstm.ForwardState(x, autograd.Zeros(1, 2, 4), nil) }},
		{"LSTM with c0 of the wrong batch", "LSTM", "c0", func() { lstm.ForwardState(x, nil, autograd.Zeros(2, 3, 4)) }},
		{"LSTM with an unbatched state for a batch", "LSTM", "h0", func() { lstm.ForwardState(x, autograd.Zeros(2, 4), nil) }},
		{"GRU batch first with a time-major state", "GRU", "h0", func() { gru.ForwardState(x, autograd.Zeros(1, 2, 4)) }},
		{"GRU of nil", "GRU", "nil", func() { gru.Forward(nil) }},
		{"RNN with a one-direction state", "RNN", "h0", func() { rnn.ForwardState(x, autograd.Zeros(1, 2, 4)) }},
		{"RNN of the wrong input size", "RNN", "input", func() { rnn.Forward(autograd.Zeros(5, 2)) }},
		{"RNN with weights removed", "RNN", "incomplete", func() {
			m := NewRNN(3, 4, RNNOptions{}, r)
			m.Weights[0].BiasHH = nil
			m.Forward(x)
		}},
		{"LSTM with a weight of the wrong shape", "LSTM", "shapes", func() {
			m := NewLSTM(3, 4, RNNOptions{}, r)
			m.Weights[0].WeightHH = autograd.Zeros(16, 3)
			m.Forward(x)
		}},
		{"LSTM with a layer's weights missing", "LSTM", "sets of weights", func() {
			m := NewLSTM(3, 4, RNNOptions{NumLayers: 2}, r)
			m.Weights = m.Weights[:1]
			m.Forward(x)
		}},
		{"LSTMCell of nil", "LSTMCell", "nil", func() { lc.Forward(nil) }},
		{"LSTMCell of the wrong input size", "LSTMCell", "input", func() { lc.Forward(autograd.Zeros(2, 4)) }},
		{"LSTMCell with c of the wrong batch", "LSTMCell", "c has shape", func() { lc.ForwardState(autograd.Zeros(2, 3), nil, autograd.Zeros(3, 4)) }},
		{"GRUCell with h of the wrong size", "GRUCell", "h has shape", func() { gc.ForwardState(autograd.Zeros(2, 3), autograd.Zeros(2, 3)) }},
		{"GRUCell of a sequence", "GRUCell", "input", func() { gc.Forward(x) }},
		{"RNNCell with a batched state for an unbatched input", "RNNCell", "h has shape", func() { rc.ForwardState(autograd.Zeros(3), autograd.Zeros(1, 4)) }},
		{"RNNCell with an unknown nonlinearity", "RNNCell", "nonlinearity", func() {
			c := NewRNNCell(3, 4, "", false, r)
			c.Nonlinearity = "gelu"
			c.Forward(autograd.Zeros(3))
		}},
		{"NewLSTM with a zero size", "NewLSTM", "positive", func() { NewLSTM(0, 4, RNNOptions{}, r) }},
		{"NewGRU with negative layers", "NewGRU", "positive", func() { NewGRU(3, 4, RNNOptions{NumLayers: -1}, r) }},
		{"NewRNN with dropout above 1", "NewRNN", "dropout", func() { NewRNN(3, 4, RNNOptions{Dropout: 1.5}, r) }},
		{"NewRNN with an unknown nonlinearity", "NewRNN", "nonlinearity", func() { NewRNN(3, 4, RNNOptions{Nonlinearity: "sigmoid"}, r) }},
		{"NewLSTM with a nonlinearity", "NewLSTM", "only RNN", func() { NewLSTM(3, 4, RNNOptions{Nonlinearity: "relu"}, r) }},
		{"NewGRU with a nil rng", "NewGRU", "rng", func() { NewGRU(3, 4, RNNOptions{}, nil) }},
		{"NewLSTMCell with a zero hidden size", "NewLSTMCell", "positive", func() { NewLSTMCell(3, 0, false, r) }},
		{"NewGRUCell with a nil rng", "NewGRUCell", "rng", func() { NewGRUCell(3, 4, false, nil) }},
		{"NewRNNCell with an unknown nonlinearity", "NewRNNCell", "nonlinearity", func() { NewRNNCell(3, 4, "elu", false, r) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := testutil.Panics[*tensor.Error](t, tc.f)
			if e.Pkg != "nn" || e.Op != tc.op || !strings.Contains(e.Error(), tc.msg) {
				t.Fatalf("panic %q, want one of nn: %s mentioning %q", e, tc.op, tc.msg)
			}
		})
	}
}

// TestRecurrentInSequential runs a GRU between two Linear layers in a
// Sequential, which recycles the intermediates it hands from module to
// module, and checks the output and every gradient against the same
// modules called by hand; SummaryTable reports the GRU's output shape.
func TestRecurrentInSequential(t *testing.T) {
	r := rng()
	in, gru, out := NewLinear(3, 5, r), NewGRU(5, 4, RNNOptions{BatchFirst: true, Bidirectional: true}, r), NewLinear(8, 2, r)
	seq := NewSequential(in, gru, out)
	x := autograd.From(tensor.Randn(r, 2, 6, 3))
	grads := func(y *autograd.Tensor) [][]float64 {
		y.Square().Sum().Backward()
		var gs [][]float64
		for _, p := range seq.Parameters() {
			gs = append(gs, slices.Clone(p.Grad().Data()))
			p.ZeroGrad()
		}
		return gs
	}
	want := out.Forward(gru.Forward(in.Forward(x)))
	wantData := slices.Clone(want.Data())
	wantGrads := grads(want)
	got := seq.Forward(x)
	testutil.AllSame(t, "output", got.Data(), wantData)
	for i, g := range grads(got) {
		testutil.AllSame(t, fmt.Sprintf("gradient %d", i), g, wantGrads[i])
	}
	if s := SummaryTable(seq, 2, 6, 3); !strings.Contains(s, "GRU") || !strings.Contains(s, "[2 6 8]") {
		t.Errorf("SummaryTable lacks the GRU's row:\n%s", s)
	}
}

// The states a recurrent layer or cell returns are the caller's: a
// backward pass through them leaves their values (truncated
// backpropagation through time carries them, detached, to the next
// chunk), though the layers recycle every state inside the sequence.
func TestRecurrentReturnedStatesSurviveBackward(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	x := autograd.Randn(rng, 5, 2, 3) // [T B in]
	type run func() []*autograd.Tensor
	runs := map[string]run{
		"LSTMCell": func() []*autograd.Tensor {
			h, c := NewLSTMCell(3, 4, false, rng).ForwardState(x.Select(0, 0), nil, nil)
			return []*autograd.Tensor{h, c}
		},
		"GRUCell": func() []*autograd.Tensor {
			return []*autograd.Tensor{NewGRUCell(3, 4, false, rng).Forward(x.Select(0, 0))}
		},
		"RNNCell": func() []*autograd.Tensor {
			return []*autograd.Tensor{NewRNNCell(3, 4, "tanh", false, rng).Forward(x.Select(0, 0))}
		},
		"LSTM": func() []*autograd.Tensor {
			out, h, c := NewLSTM(3, 4, RNNOptions{NumLayers: 2}, rng).ForwardState(x, nil, nil)
			return []*autograd.Tensor{out, h, c}
		},
		"GRU": func() []*autograd.Tensor {
			out, h := NewGRU(3, 4, RNNOptions{Bidirectional: true}, rng).ForwardState(x, nil)
			return []*autograd.Tensor{out, h}
		},
	}
	for name, r := range runs {
		t.Run(name, func(t *testing.T) { survivesBackward(t, r()) })
	}
}

// survivesBackward runs backward through a loss of the values a module
// returned and checks that each keeps its values.
func survivesBackward(t *testing.T, outs []*autograd.Tensor) {
	t.Helper()
	var want [][]float64
	loss := autograd.Scalar(0)
	for _, o := range outs {
		want = append(want, o.Data())
		loss = loss.Add(o.Square().Sum())
	}
	loss.Backward()
	for i, o := range outs {
		if got := o.Detach().Data(); !slices.Equal(got, want[i]) {
			t.Fatalf("returned value %d changed by backward: %v, was %v", i, got, want[i])
		}
	}
}
