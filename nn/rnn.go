package nn

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/nn/functional"
	"github.com/adjoint-go/adjoint/tensor"
)

// Recurrent layers: torch.nn.RNN, LSTM and GRU, with PyTorch's parameter
// names, shapes, gate order and initialisation, so that checkpoints load
// both ways.
//
// Each layer and direction projects its whole input sequence with one
// matrix product (x·W_ihᵀ + b_ih for every time step at once); each time
// step then costs one product h·W_hhᵀ + b_hh and the gates' elementwise
// arithmetic. Everything is built from differentiable autograd operations,
// so gradients (and second derivatives) come from autograd.

// RNNOptions are the options of RNN, LSTM and GRU, PyTorch's keyword
// arguments. The zero value is PyTorch's defaults: one layer with biases,
// time-major input, no dropout, one direction, tanh.
type RNNOptions struct {
	NumLayers     int     // stacked layers (num_layers); 0 means 1
	NoBias        bool    // no bias_ih and bias_hh (PyTorch's bias=False)
	BatchFirst    bool    // input and output are [batch, time, features] (the states stay [layers·directions, batch, hidden])
	Dropout       float64 // in training, dropout with this probability on the output of every layer but the last
	Bidirectional bool    // a second direction reads the sequence backwards; outputs are concatenated
	Nonlinearity  string  // RNN only: "tanh" (also "") or "relu"
}

// RNNWeights are the parameters of one layer and direction of an RNN, LSTM
// or GRU. G is the number of gates (1 for RNN, 4 for LSTM: i, f, g, o; 3
// for GRU: r, z, n), stacked in that order along the rows.
type RNNWeights struct {
	WeightIH *autograd.Tensor // [G·hidden, in], in = the input size in layer 0, directions·hidden above
	WeightHH *autograd.Tensor // [G·hidden, hidden]
	BiasIH   *autograd.Tensor // [G·hidden], nil with NoBias
	BiasHH   *autograd.Tensor // [G·hidden], nil with NoBias
}

// named lists w's parameters with PyTorch's names for the given suffix
// ("_l0", "_l1_reverse", or "" for a cell), in state_dict order.
func (w RNNWeights) named(suffix string) []NamedParameter {
	ps := []NamedParameter{{"weight_ih" + suffix, w.WeightIH}, {"weight_hh" + suffix, w.WeightHH}}
	if w.BiasIH != nil {
		ps = append(ps, NamedParameter{"bias_ih" + suffix, w.BiasIH}, NamedParameter{"bias_hh" + suffix, w.BiasHH})
	}
	return ps
}

// newRNNWeights draws a layer's parameters uniform in ±1/√hidden from rng,
// in state_dict order, as PyTorch's reset_parameters does.
func newRNNWeights(gates, in, hidden int, noBias bool, rng *rand.Rand) RNNWeights {
	b := boundOf(hidden)
	w := RNNWeights{WeightIH: uniform(rng, b, gates*hidden, in), WeightHH: uniform(rng, b, gates*hidden, hidden)}
	if !noBias {
		w.BiasIH, w.BiasHH = uniform(rng, b, gates*hidden), uniform(rng, b, gates*hidden)
	}
	return w
}

// cellKind is the arithmetic of one time step of an RNN, LSTM or GRU.
type cellKind int

const (
	kindTanh cellKind = iota // RNN with tanh
	kindReLU                 // RNN with relu
	kindLSTM
	kindGRU
)

func (k cellKind) gates() int {
	switch k {
	case kindLSTM:
		return 4
	case kindGRU:
		return 3
	}
	return 1
}

// step returns the next hidden state (and, for LSTM, cell state) from xg,
// the input's projection x·W_ihᵀ + b_ih for this step [B, G·H], and the
// states h and c [B, H]:
//
//	RNN:  h' = act(xg + h·W_hhᵀ + b_hh)
//	LSTM: i, f, g, o = σ, σ, tanh, σ of (xg + h·W_hhᵀ + b_hh)
//	      c' = f·c + i·g    h' = o·tanh(c')
//	GRU:  r, z = σ(xg_r + hh_r), σ(xg_z + hh_z)    (hh = h·W_hhᵀ + b_hh)
//	      n = tanh(xg_n + r·hh_n)    h' = (1-z)·n + z·h = n + z·(h - n)
func (k cellKind) step(xg, h, c *autograd.Tensor, w RNNWeights) (*autograd.Tensor, *autograd.Tensor) {
	// Every value made here but the new states is Transient: backward
	// recycles it (the gates' sum too, once the chunks that view it have
	// been used), and the next step's forward pass reuses the memory. The
	// cells return the states to the caller; the layers mark them (see
	// direction).
	hh := autograd.Linear(h, w.WeightHH, w.BiasHH).Transient()
	switch k {
	case kindTanh:
		return xg.Add(hh).Transient().Tanh(), nil
	case kindReLU:
		return xg.Add(hh).Transient().ReLU(), nil
	case kindLSTM:
		g := xg.Add(hh).Transient().Chunk(4, -1)
		i, f := g[0].Sigmoid().Transient(), g[1].Sigmoid().Transient()
		gg, o := g[2].Tanh().Transient(), g[3].Sigmoid().Transient()
		c2 := f.Mul(c).Transient().Add(i.Mul(gg).Transient())
		return o.Mul(c2.Tanh().Transient()), c2
	}
	x3, h3 := xg.Chunk(3, -1), hh.Chunk(3, -1)
	r := x3[0].Add(h3[0]).Transient().Sigmoid().Transient()
	z := x3[1].Add(h3[1]).Transient().Sigmoid().Transient()
	n := x3[2].Add(r.Mul(h3[2]).Transient()).Transient().Tanh().Transient()
	return n.Add(z.Mul(h.Sub(n).Transient()).Transient()), nil
}

// recurrent is what RNN, LSTM and GRU share: their sizes, options and
// weights, and the loop over layers, directions and time steps.
type recurrent struct {
	op             string // "RNN", "LSTM" or "GRU", for errors and String
	kind           cellKind
	in, hidden     int
	o              RNNOptions
	weights        []RNNWeights
	rng            *rand.Rand
	training       bool
	layers, direcs int
}

// newRecurrent checks the sizes and options and draws the weights.
func newRecurrent(op string, kind cellKind, in, hidden int, o RNNOptions, rng *rand.Rand) []RNNWeights {
	ctor := "New" + op
	if in <= 0 || hidden <= 0 || o.NumLayers < 0 {
		tensor.Panicf("nn", ctor, nil, "input size %d, hidden size %d and %d layers: sizes must be positive", in, hidden, o.NumLayers)
	}
	if !(o.Dropout >= 0 && o.Dropout <= 1) {
		tensor.Panicf("nn", ctor, nil, "dropout %v is not in [0, 1]", o.Dropout)
	}
	switch {
	case op == "RNN" && o.Nonlinearity != "" && o.Nonlinearity != "tanh" && o.Nonlinearity != "relu":
		tensor.Panicf("nn", ctor, nil, "nonlinearity %q: want \"tanh\" or \"relu\"", o.Nonlinearity)
	case op != "RNN" && o.Nonlinearity != "":
		tensor.Panicf("nn", ctor, nil, "nonlinearity %q: only RNN has one", o.Nonlinearity)
	}
	if rng == nil {
		tensor.Panicf("nn", ctor, nil, "rng is nil")
	}
	layers, dirs := max(o.NumLayers, 1), directions(o)
	ws := make([]RNNWeights, 0, layers*dirs)
	for l := range layers {
		lin := in
		if l > 0 {
			lin = dirs * hidden
		}
		for range dirs {
			ws = append(ws, newRNNWeights(kind.gates(), lin, hidden, o.NoBias, rng))
		}
	}
	return ws
}

func directions(o RNNOptions) int {
	if o.Bidirectional {
		return 2
	}
	return 1
}

// suffix is PyTorch's name suffix of layer l, direction d.
func suffix(l, d int) string {
	if d == 1 {
		return fmt.Sprintf("_l%d_reverse", l)
	}
	return fmt.Sprintf("_l%d", l)
}

func (r *recurrent) named() []NamedParameter {
	var ps []NamedParameter
	for i, w := range r.weights {
		ps = append(ps, w.named(suffix(i/r.direcs, i%r.direcs))...)
	}
	return ps
}

// string is PyTorch's repr: LSTM(10, 20, num_layers=2, batch_first=True).
func (r *recurrent) string() string {
	s := fmt.Sprintf("%s(%d, %d", r.op, r.in, r.hidden)
	if r.layers != 1 {
		s += fmt.Sprintf(", num_layers=%d", r.layers)
	}
	if r.o.NoBias {
		s += ", bias=False"
	}
	if r.o.BatchFirst {
		s += ", batch_first=True"
	}
	if r.o.Dropout != 0 {
		s += fmt.Sprintf(", dropout=%g", r.o.Dropout)
	}
	if r.o.Bidirectional {
		s += ", bidirectional=True"
	}
	if r.kind == kindReLU {
		s += ", nonlinearity=relu"
	}
	return s + ")"
}

// checkState panics unless s, an initial state, is nil or of shape want.
func (r *recurrent) checkState(name string, s *autograd.Tensor, want []int, xs []int) {
	if s != nil && !slices.Equal(s.Shape(), want) {
		tensor.Panicf("nn", r.op, [][]int{xs, s.Shape()}, "%s has shape %v, want %v for input %v", name, s.Shape(), want, xs)
	}
}

// forward runs the layers over x with initial states h0 (and c0 for
// LSTM), each nil for zeros, and returns the output sequence and the
// final states.
func (r *recurrent) forward(x, h0, c0 *autograd.Tensor) (out, hN, cN *autograd.Tensor) {
	if x == nil {
		tensor.Panicf("nn", r.op, nil, "input is nil")
	}
	xs := x.Shape()
	if (len(xs) != 2 && len(xs) != 3) || xs[len(xs)-1] != r.in {
		tensor.Panicf("nn", r.op, [][]int{xs}, "input %v: want [time, batch, %d], [batch, time, %d] with BatchFirst, or [time, %d] unbatched", xs, r.in, r.in, r.in)
	}
	batched := len(xs) == 3
	tdim, bdim := 0, 1
	if r.o.BatchFirst {
		tdim, bdim = 1, 0
	}
	if !batched {
		tdim = 0
	}
	steps := xs[tdim]
	if steps == 0 {
		tensor.Panicf("nn", r.op, [][]int{xs}, "input %v has no time steps", xs)
	}
	ld := r.layers * r.direcs
	want := []int{ld, r.hidden}
	if batched {
		want = []int{ld, xs[bdim], r.hidden}
	}
	r.checkState("h0", h0, want, xs)
	r.checkState("c0", c0, want, xs)
	if !batched {
		// A batch of one, as PyTorch does it.
		x = x.Unsqueeze(1)
		if h0 != nil {
			h0 = h0.Unsqueeze(1)
		}
		if c0 != nil {
			c0 = c0.Unsqueeze(1)
		}
		tdim = 0
	}
	batch := x.Shape()[1-tdim]
	zero := autograd.Zeros(batch, r.hidden)
	hs := make([]*autograd.Tensor, 0, ld)
	var cs []*autograd.Tensor
	in := x
	for l := range r.layers {
		if l > 0 {
			in = functional.Dropout(in, r.o.Dropout, r.training, r.rng)
		}
		dirOuts := make([]*autograd.Tensor, r.direcs)
		for d := range r.direcs {
			k := l*r.direcs + d
			h, c := zero, zero
			if h0 != nil {
				h = h0.Select(0, k)
			}
			if c0 != nil {
				c = c0.Select(0, k)
			}
			var seq []*autograd.Tensor
			seq, h, c = r.direction(in, tdim, steps, h, c, r.weights[k], d == 1)
			dirOuts[d] = autograd.Stack(seq, tdim)
			hs = append(hs, h)
			if r.kind == kindLSTM {
				cs = append(cs, c)
			}
		}
		in = dirOuts[0]
		if r.direcs == 2 {
			in = autograd.Cat(dirOuts, -1)
		}
	}
	out, hN = in, autograd.Stack(hs, 0)
	if cs != nil {
		cN = autograd.Stack(cs, 0)
	}
	if !batched {
		out, hN = out.Squeeze(1), hN.Squeeze(1)
		if cN != nil {
			cN = cN.Squeeze(1)
		}
	}
	return out, hN, cN
}

// direction runs one layer in one direction over in (time along tdim)
// from states h and c, and returns the hidden state of every step in time
// order and the final states.
func (r *recurrent) direction(in *autograd.Tensor, tdim, steps int, h, c *autograd.Tensor, w RNNWeights, reverse bool) ([]*autograd.Tensor, *autograd.Tensor, *autograd.Tensor) {
	xp := autograd.Linear(in, w.WeightIH, w.BiasIH).Transient() // every step's input projection at once
	xg := make([]*autograd.Tensor, steps)
	unbind(xp, tdim, xg)
	seq := make([]*autograd.Tensor, steps)
	for s := range steps {
		t := s
		if reverse {
			t = steps - 1 - s
		}
		h, c = r.kind.step(xg[t], h, c, w)
		// The layer returns copies of the states (Stack), never the
		// states themselves.
		h.Transient()
		if c != nil {
			c.Transient()
		}
		seq[t] = h
	}
	return seq, h, c
}

// unbind sets out[i] to t.Select(dim, i) for every i, like torch.unbind.
// Backward adds each step's gradient into the one buffer of t's gradient
// (see autograd's Slice and Select), so the steps cost O(T) in all.
func unbind(t *autograd.Tensor, dim int, out []*autograd.Tensor) {
	for i := range out {
		out[i] = t.Select(dim, i)
	}
}

// RNN is torch.nn.RNN: an Elman network of NumLayers layers, each
// h_t = tanh(x_t·W_ihᵀ + b_ih + h_{t-1}·W_hhᵀ + b_hh) (or relu), over a
// sequence [time, batch, InputSize] ([batch, time, InputSize] with
// BatchFirst; [time, InputSize] unbatched).
//
// Its parameters have PyTorch's names and shapes: weight_ih_l0
// [hidden, in], weight_hh_l0 [hidden, hidden], bias_ih_l0, bias_hh_l0
// [hidden], then _l1 and so on, each followed by its _reverse twin when
// Bidirectional, so PyTorch's state_dict loads with Load.
type RNN struct {
	leaf
	InputSize, HiddenSize int
	Options               RNNOptions
	Weights               []RNNWeights // per layer and direction: Weights[layer·directions + direction]
	rng                   *rand.Rand
}

// NewRNN returns an RNN from in input features to hidden features with
// the options o, its weights and biases drawn uniform in ±1/√hidden from
// rng as PyTorch does. The same rng draws the dropout masks between layers
// in training. It panics with a *tensor.Error if a size is not positive,
// the dropout probability is not in [0, 1], the nonlinearity is unknown or
// rng is nil.
func NewRNN(in, hidden int, o RNNOptions, rng *rand.Rand) *RNN {
	return &RNN{InputSize: in, HiddenSize: hidden, Options: o, Weights: newRecurrent("RNN", kindTanh, in, hidden, o, rng), rng: rng}
}

func (m *RNN) core() *recurrent {
	kind := kindTanh
	if m.Options.Nonlinearity == "relu" {
		kind = kindReLU
	}
	return newCore("RNN", kind, m.InputSize, m.HiddenSize, m.Options, m.Weights, m.rng, m.Training())
}

// newCore wraps a module's fields for forward, checking that its weights
// are all there.
func newCore(op string, kind cellKind, in, hidden int, o RNNOptions, ws []RNNWeights, rng *rand.Rand, training bool) *recurrent {
	r := &recurrent{op: op, kind: kind, in: in, hidden: hidden, o: o, weights: ws, rng: rng, training: training,
		layers: max(o.NumLayers, 1), direcs: directions(o)}
	if len(ws) != r.layers*r.direcs {
		tensor.Panicf("nn", op, nil, "%d sets of weights for %d layers and %d directions", len(ws), r.layers, r.direcs)
	}
	for i, w := range ws {
		lin := in
		if i >= r.direcs {
			lin = r.direcs * hidden
		}
		checkWeights(op, w, kind.gates(), lin, hidden, suffix(i/r.direcs, i%r.direcs))
	}
	return r
}

// checkWeights panics unless w holds both weights, both biases or neither,
// of the shapes for gates gates from in to hidden features.
func checkWeights(op string, w RNNWeights, gates, in, hidden int, suffix string) {
	if w.WeightIH == nil || w.WeightHH == nil || (w.BiasIH == nil) != (w.BiasHH == nil) {
		tensor.Panicf("nn", op, nil, "weights%s are incomplete: a weight is nil, or only one bias is", suffix)
	}
	g := gates * hidden
	ok := slices.Equal(w.WeightIH.Shape(), []int{g, in}) && slices.Equal(w.WeightHH.Shape(), []int{g, hidden})
	if w.BiasIH != nil {
		ok = ok && slices.Equal(w.BiasIH.Shape(), []int{g}) && slices.Equal(w.BiasHH.Shape(), []int{g})
	}
	if !ok {
		shapes := [][]int{w.WeightIH.Shape(), w.WeightHH.Shape()}
		if w.BiasIH != nil {
			shapes = append(shapes, w.BiasIH.Shape(), w.BiasHH.Shape())
		}
		tensor.Panicf("nn", op, shapes, "weights%s have shapes %v, want [%d %d], [%d %d] and biases [%d]", suffix, shapes, g, in, g, hidden, g)
	}
}

// Forward returns the output sequence of x: the last layer's hidden state
// at every step, [time, batch, directions·hidden] (batch first with
// BatchFirst), from zero initial states. See ForwardState.
func (m *RNN) Forward(x *autograd.Tensor) *autograd.Tensor {
	out, _ := m.ForwardState(x, nil)
	return out
}

// ForwardState returns the output sequence of x and the final hidden
// state of every layer and direction, [layers·directions, batch, hidden],
// from the initial state h0 of that shape (nil for zeros). For an
// unbatched x [time, InputSize], h0 and the final state are
// [layers·directions, hidden]. It panics with a *tensor.Error naming RNN if
// x is nil or a shape does not fit.
func (m *RNN) ForwardState(x, h0 *autograd.Tensor) (out, hN *autograd.Tensor) {
	out, hN, _ = m.core().forward(x, h0, nil)
	return traced(m, out), hN
}

// NamedParameters returns weight_ih_l0, weight_hh_l0, bias_ih_l0,
// bias_hh_l0, their _reverse twins, then _l1 and so on: PyTorch's
// state_dict order.
func (m *RNN) NamedParameters() []NamedParameter { return m.core().named() }

// Parameters returns the tensors of NamedParameters.
func (m *RNN) Parameters() []*autograd.Tensor { return tensorsOf(m.NamedParameters()) }

func (m *RNN) String() string { return m.core().string() }

// LSTM is torch.nn.LSTM: a long short-term memory network of NumLayers
// layers over a sequence [time, batch, InputSize] ([batch, time,
// InputSize] with BatchFirst; [time, InputSize] unbatched). Each step is
//
//	i, f, g, o = σ, σ, tanh, σ of (x_t·W_ihᵀ + b_ih + h_{t-1}·W_hhᵀ + b_hh)
//	c_t = f·c_{t-1} + i·g    h_t = o·tanh(c_t)
//
// with the gates' rows stacked i, f, g, o in weight_ih_l0 [4·hidden, in],
// weight_hh_l0 [4·hidden, hidden] and the biases [4·hidden], as PyTorch
// lays them out; parameters are named as for RNN, so PyTorch's state_dict
// loads with Load. (PyTorch's proj_size is not supported.)
type LSTM struct {
	leaf
	InputSize, HiddenSize int
	Options               RNNOptions
	Weights               []RNNWeights // per layer and direction: Weights[layer·directions + direction]
	rng                   *rand.Rand
}

// NewLSTM returns an LSTM from in input features to hidden features with
// the options o, its weights and biases drawn uniform in ±1/√hidden from
// rng as PyTorch does. The same rng draws the dropout masks between layers
// in training. It panics with a *tensor.Error if a size is not positive,
// the dropout probability is not in [0, 1], o sets a nonlinearity or rng
// is nil.
func NewLSTM(in, hidden int, o RNNOptions, rng *rand.Rand) *LSTM {
	return &LSTM{InputSize: in, HiddenSize: hidden, Options: o, Weights: newRecurrent("LSTM", kindLSTM, in, hidden, o, rng), rng: rng}
}

func (m *LSTM) core() *recurrent {
	return newCore("LSTM", kindLSTM, m.InputSize, m.HiddenSize, m.Options, m.Weights, m.rng, m.Training())
}

// Forward returns the output sequence of x: the last layer's hidden state
// at every step, [time, batch, directions·hidden] (batch first with
// BatchFirst), from zero initial states. See ForwardState.
func (m *LSTM) Forward(x *autograd.Tensor) *autograd.Tensor {
	out, _, _ := m.ForwardState(x, nil, nil)
	return out
}

// ForwardState returns the output sequence of x and the final hidden and
// cell states of every layer and direction, [layers·directions, batch,
// hidden], from the initial states h0 and c0 of that shape (each nil for
// zeros). For an unbatched x [time, InputSize] the states are
// [layers·directions, hidden]. It panics with a *tensor.Error naming LSTM
// if x is nil or a shape does not fit.
func (m *LSTM) ForwardState(x, h0, c0 *autograd.Tensor) (out, hN, cN *autograd.Tensor) {
	out, hN, cN = m.core().forward(x, h0, c0)
	return traced(m, out), hN, cN
}

// NamedParameters returns weight_ih_l0, weight_hh_l0, bias_ih_l0,
// bias_hh_l0, their _reverse twins, then _l1 and so on: PyTorch's
// state_dict order.
func (m *LSTM) NamedParameters() []NamedParameter { return m.core().named() }

// Parameters returns the tensors of NamedParameters.
func (m *LSTM) Parameters() []*autograd.Tensor { return tensorsOf(m.NamedParameters()) }

func (m *LSTM) String() string { return m.core().string() }

// GRU is torch.nn.GRU: a gated recurrent unit network of NumLayers layers
// over a sequence [time, batch, InputSize] ([batch, time, InputSize] with
// BatchFirst; [time, InputSize] unbatched). Each step is
//
//	r = σ(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)
//	z = σ(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)
//	n = tanh(W_in x_t + b_in + r·(W_hn h_{t-1} + b_hn))
//	h_t = (1 - z)·n + z·h_{t-1}
//
// with the gates' rows stacked r, z, n in weight_ih_l0 [3·hidden, in],
// weight_hh_l0 [3·hidden, hidden] and the biases [3·hidden], as PyTorch
// lays them out; parameters are named as for RNN, so PyTorch's state_dict
// loads with Load.
type GRU struct {
	leaf
	InputSize, HiddenSize int
	Options               RNNOptions
	Weights               []RNNWeights // per layer and direction: Weights[layer·directions + direction]
	rng                   *rand.Rand
}

// NewGRU returns a GRU from in input features to hidden features with the
// options o, its weights and biases drawn uniform in ±1/√hidden from rng
// as PyTorch does. The same rng draws the dropout masks between layers in
// training. It panics with a *tensor.Error if a size is not positive, the
// dropout probability is not in [0, 1], o sets a nonlinearity or rng is
// nil.
func NewGRU(in, hidden int, o RNNOptions, rng *rand.Rand) *GRU {
	return &GRU{InputSize: in, HiddenSize: hidden, Options: o, Weights: newRecurrent("GRU", kindGRU, in, hidden, o, rng), rng: rng}
}

func (m *GRU) core() *recurrent {
	return newCore("GRU", kindGRU, m.InputSize, m.HiddenSize, m.Options, m.Weights, m.rng, m.Training())
}

// Forward returns the output sequence of x: the last layer's hidden state
// at every step, [time, batch, directions·hidden] (batch first with
// BatchFirst), from a zero initial state. See ForwardState.
func (m *GRU) Forward(x *autograd.Tensor) *autograd.Tensor {
	out, _ := m.ForwardState(x, nil)
	return out
}

// ForwardState returns the output sequence of x and the final hidden
// state of every layer and direction, [layers·directions, batch, hidden],
// from the initial state h0 of that shape (nil for zeros). For an
// unbatched x [time, InputSize], h0 and the final state are
// [layers·directions, hidden]. It panics with a *tensor.Error naming GRU if
// x is nil or a shape does not fit.
func (m *GRU) ForwardState(x, h0 *autograd.Tensor) (out, hN *autograd.Tensor) {
	out, hN, _ = m.core().forward(x, h0, nil)
	return traced(m, out), hN
}

// NamedParameters returns weight_ih_l0, weight_hh_l0, bias_ih_l0,
// bias_hh_l0, their _reverse twins, then _l1 and so on: PyTorch's
// state_dict order.
func (m *GRU) NamedParameters() []NamedParameter { return m.core().named() }

// Parameters returns the tensors of NamedParameters.
func (m *GRU) Parameters() []*autograd.Tensor { return tensorsOf(m.NamedParameters()) }

func (m *GRU) String() string { return m.core().string() }

// cellStep is what RNNCell, LSTMCell and GRUCell share: one step of their
// kind from x [batch, in] or [in] and states of [batch, hidden] or
// [hidden], each nil for zeros.
func cellStep(op string, kind cellKind, in, hidden int, w RNNWeights, x, h, c *autograd.Tensor) (*autograd.Tensor, *autograd.Tensor) {
	if x == nil {
		tensor.Panicf("nn", op, nil, "input is nil")
	}
	checkWeights(op, w, kind.gates(), in, hidden, "")
	xs := x.Shape()
	if (len(xs) != 1 && len(xs) != 2) || xs[len(xs)-1] != in {
		tensor.Panicf("nn", op, [][]int{xs}, "input %v: want [batch, %d] or [%d] unbatched", xs, in, in)
	}
	want := []int{hidden}
	if len(xs) == 2 {
		want = []int{xs[0], hidden}
	}
	for _, s := range []struct {
		name string
		t    *autograd.Tensor
	}{{"h", h}, {"c", c}} {
		if s.t != nil && !slices.Equal(s.t.Shape(), want) {
			tensor.Panicf("nn", op, [][]int{xs, s.t.Shape()}, "%s has shape %v, want %v for input %v", s.name, s.t.Shape(), want, xs)
		}
	}
	zero := autograd.Zeros(want...)
	if h == nil {
		h = zero
	}
	if c == nil {
		c = zero
	}
	return kind.step(autograd.Linear(x, w.WeightIH, w.BiasIH), h, c, w)
}

// cellString is PyTorch's repr of a cell: LSTMCell(10, 20, bias=False).
func cellString(op string, in, hidden int, w RNNWeights, extra string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s(%d, %d", op, in, hidden)
	if w.BiasIH == nil {
		b.WriteString(", bias=False")
	}
	b.WriteString(extra)
	b.WriteString(")")
	return b.String()
}

// newCellWeights checks a cell's sizes and draws its weights.
func newCellWeights(op string, kind cellKind, in, hidden int, noBias bool, rng *rand.Rand) RNNWeights {
	if in <= 0 || hidden <= 0 {
		tensor.Panicf("nn", "New"+op, nil, "input size %d and hidden size %d must be positive", in, hidden)
	}
	if rng == nil {
		tensor.Panicf("nn", "New"+op, nil, "rng is nil")
	}
	return newRNNWeights(kind.gates(), in, hidden, noBias, rng)
}

// RNNCell is torch.nn.RNNCell: one step h' = tanh(x·W_ihᵀ + b_ih +
// h·W_hhᵀ + b_hh) (or relu), with parameters weight_ih [hidden, in],
// weight_hh [hidden, hidden], bias_ih and bias_hh [hidden].
type RNNCell struct {
	leaf
	InputSize, HiddenSize int
	Nonlinearity          string // "tanh" or "relu"
	RNNWeights
}

// NewRNNCell returns an RNN cell from in to hidden features with the
// nonlinearity "tanh" (also "") or "relu", and biases unless noBias, drawn
// uniform in ±1/√hidden from rng as PyTorch does. It panics with a
// *tensor.Error if a size is not positive, the nonlinearity is unknown or
// rng is nil.
func NewRNNCell(in, hidden int, nonlinearity string, noBias bool, rng *rand.Rand) *RNNCell {
	switch nonlinearity {
	case "":
		nonlinearity = "tanh"
	case "tanh", "relu":
	default:
		tensor.Panicf("nn", "NewRNNCell", nil, "nonlinearity %q: want \"tanh\" or \"relu\"", nonlinearity)
	}
	return &RNNCell{InputSize: in, HiddenSize: hidden, Nonlinearity: nonlinearity,
		RNNWeights: newCellWeights("RNNCell", kindTanh, in, hidden, noBias, rng)}
}

// Forward returns the next hidden state from x [batch, InputSize] (or
// [InputSize]) and a zero state.
func (m *RNNCell) Forward(x *autograd.Tensor) *autograd.Tensor { return m.ForwardState(x, nil) }

// ForwardState returns the next hidden state [batch, HiddenSize] (or
// [HiddenSize]) from x and the hidden state h of that shape, nil for
// zeros. It panics with a *tensor.Error naming RNNCell if x is nil or a
// shape does not fit.
func (m *RNNCell) ForwardState(x, h *autograd.Tensor) *autograd.Tensor {
	kind := kindTanh
	switch m.Nonlinearity {
	case "relu":
		kind = kindReLU
	case "tanh", "":
	default:
		tensor.Panicf("nn", "RNNCell", nil, "nonlinearity %q: want \"tanh\" or \"relu\"", m.Nonlinearity)
	}
	h2, _ := cellStep("RNNCell", kind, m.InputSize, m.HiddenSize, m.RNNWeights, x, h, nil)
	return traced(m, h2)
}

// NamedParameters returns weight_ih, weight_hh, bias_ih and bias_hh.
func (m *RNNCell) NamedParameters() []NamedParameter { return m.named("") }

// Parameters returns the tensors of NamedParameters.
func (m *RNNCell) Parameters() []*autograd.Tensor { return tensorsOf(m.NamedParameters()) }

func (m *RNNCell) String() string {
	extra := ""
	if m.Nonlinearity == "relu" {
		extra = ", nonlinearity=relu"
	}
	return cellString("RNNCell", m.InputSize, m.HiddenSize, m.RNNWeights, extra)
}

// LSTMCell is torch.nn.LSTMCell: one LSTM step (see LSTM), with parameters
// weight_ih [4·hidden, in], weight_hh [4·hidden, hidden], bias_ih and
// bias_hh [4·hidden], gates stacked i, f, g, o.
type LSTMCell struct {
	leaf
	InputSize, HiddenSize int
	RNNWeights
}

// NewLSTMCell returns an LSTM cell from in to hidden features, with biases
// unless noBias, drawn uniform in ±1/√hidden from rng as PyTorch does. It
// panics with a *tensor.Error if a size is not positive or rng is nil.
func NewLSTMCell(in, hidden int, noBias bool, rng *rand.Rand) *LSTMCell {
	return &LSTMCell{InputSize: in, HiddenSize: hidden, RNNWeights: newCellWeights("LSTMCell", kindLSTM, in, hidden, noBias, rng)}
}

// Forward returns the next hidden state from x [batch, InputSize] (or
// [InputSize]) and zero states.
func (m *LSTMCell) Forward(x *autograd.Tensor) *autograd.Tensor {
	h, _ := m.ForwardState(x, nil, nil)
	return h
}

// ForwardState returns the next hidden and cell states [batch, HiddenSize]
// (or [HiddenSize]) from x and the states h and c of that shape, each nil
// for zeros. It panics with a *tensor.Error naming LSTMCell if x is nil or
// a shape does not fit.
func (m *LSTMCell) ForwardState(x, h, c *autograd.Tensor) (h2, c2 *autograd.Tensor) {
	h2, c2 = cellStep("LSTMCell", kindLSTM, m.InputSize, m.HiddenSize, m.RNNWeights, x, h, c)
	return traced(m, h2), c2
}

// NamedParameters returns weight_ih, weight_hh, bias_ih and bias_hh.
func (m *LSTMCell) NamedParameters() []NamedParameter { return m.named("") }

// Parameters returns the tensors of NamedParameters.
func (m *LSTMCell) Parameters() []*autograd.Tensor { return tensorsOf(m.NamedParameters()) }

func (m *LSTMCell) String() string {
	return cellString("LSTMCell", m.InputSize, m.HiddenSize, m.RNNWeights, "")
}

// GRUCell is torch.nn.GRUCell: one GRU step (see GRU), with parameters
// weight_ih [3·hidden, in], weight_hh [3·hidden, hidden], bias_ih and
// bias_hh [3·hidden], gates stacked r, z, n.
type GRUCell struct {
	leaf
	InputSize, HiddenSize int
	RNNWeights
}

// NewGRUCell returns a GRU cell from in to hidden features, with biases
// unless noBias, drawn uniform in ±1/√hidden from rng as PyTorch does. It
// panics with a *tensor.Error if a size is not positive or rng is nil.
func NewGRUCell(in, hidden int, noBias bool, rng *rand.Rand) *GRUCell {
	return &GRUCell{InputSize: in, HiddenSize: hidden, RNNWeights: newCellWeights("GRUCell", kindGRU, in, hidden, noBias, rng)}
}

// Forward returns the next hidden state from x [batch, InputSize] (or
// [InputSize]) and a zero state.
func (m *GRUCell) Forward(x *autograd.Tensor) *autograd.Tensor { return m.ForwardState(x, nil) }

// ForwardState returns the next hidden state [batch, HiddenSize] (or
// [HiddenSize]) from x and the hidden state h of that shape, nil for
// zeros. It panics with a *tensor.Error naming GRUCell if x is nil or a
// shape does not fit.
func (m *GRUCell) ForwardState(x, h *autograd.Tensor) *autograd.Tensor {
	h2, _ := cellStep("GRUCell", kindGRU, m.InputSize, m.HiddenSize, m.RNNWeights, x, h, nil)
	return traced(m, h2)
}

// NamedParameters returns weight_ih, weight_hh, bias_ih and bias_hh.
func (m *GRUCell) NamedParameters() []NamedParameter { return m.named("") }

// Parameters returns the tensors of NamedParameters.
func (m *GRUCell) Parameters() []*autograd.Tensor { return tensorsOf(m.NamedParameters()) }

func (m *GRUCell) String() string {
	return cellString("GRUCell", m.InputSize, m.HiddenSize, m.RNNWeights, "")
}
