package optim

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/adjoint-go/adjoint/nn/safetensors"
	"github.com/adjoint-go/adjoint/tensor"
)

// State is the saved state of an optimizer or a scheduler, PyTorch's
// state_dict in a form that goes into a safetensors file next to a model's
// parameters: tensors named as PyTorch's state keys ("state.0.exp_avg",
// "state.0.step", ...) and the rest as JSON strings in Meta ("type",
// "param_groups" with each group's hyperparameters and parameter indices,
// or a scheduler's epoch and rates). Prefixed renames the tensors and keys
// so that several states share one file.
type State struct {
	Tensors []safetensors.Named
	Meta    map[string]string
}

// Prefixed returns s with prefix and a dot before every tensor name and
// metadata key.
func (s State) Prefixed(prefix string) State {
	out := State{Meta: make(map[string]string, len(s.Meta))}
	for _, t := range s.Tensors {
		out.Tensors = append(out.Tensors, safetensors.Named{Name: prefix + "." + t.Name, T: t.T})
	}
	for k, v := range s.Meta {
		out.Meta[prefix+"."+k] = v
	}
	return out
}

// Unprefixed returns the part of a file's tensors and metadata under
// prefix (see Prefixed), with the prefix removed.
func Unprefixed(prefix string, tensors []safetensors.Named, meta map[string]string) State {
	p := prefix + "."
	out := State{Meta: map[string]string{}}
	for _, t := range tensors {
		if name, ok := strings.CutPrefix(t.Name, p); ok {
			out.Tensors = append(out.Tensors, safetensors.Named{Name: name, T: t.T})
		}
	}
	for k, v := range meta {
		if key, ok := strings.CutPrefix(k, p); ok {
			out.Meta[key] = v
		}
	}
	return out
}

// groupState is one parameter group as PyTorch's state_dict writes it.
type groupState struct {
	LR          float64    `json:"lr"`
	InitialLR   *float64   `json:"initial_lr,omitempty"`
	Momentum    float64    `json:"momentum"`
	Dampening   float64    `json:"dampening"`
	WeightDecay float64    `json:"weight_decay"`
	Nesterov    bool       `json:"nesterov"`
	Betas       [2]float64 `json:"betas"`
	Eps         float64    `json:"eps"`
	Alpha       float64    `json:"alpha"`
	Amsgrad     bool       `json:"amsgrad"`
	Centered    bool       `json:"centered"`
	Params      []int      `json:"params"`
}

// buffer is one per-parameter state tensor of an optimizer: its PyTorch
// name and where it lives.
type buffer struct {
	name string
	ref  *[]float64
}

// stateful is what each optimizer tells StateDict and LoadStateDict about
// parameter i: its step count (nil if it keeps none) and its buffers.
type stateful interface {
	paramState(i int) (step *int, bufs []buffer)
	allocState(i int) // makes parameter i's buffers, as its first Step would
}

// stateDict writes the state of b's optimizer (o).
func (b *base) stateDict(o stateful) State {
	s := State{Meta: map[string]string{"type": b.name}}
	var groups []groupState
	for _, g := range b.groups {
		gs := groupState{LR: g.lr, Momentum: g.h.momentum, Dampening: g.h.dampening, WeightDecay: g.h.weightDecay,
			Nesterov: g.h.nesterov, Betas: [2]float64{g.h.beta1, g.h.beta2}, Eps: g.h.eps, Alpha: g.h.alpha,
			Amsgrad: g.h.amsgrad, Centered: g.h.centered}
		if g.hasInitial {
			gs.InitialLR = &g.initial
		}
		for i := g.start; i < g.end; i++ {
			gs.Params = append(gs.Params, i)
		}
		groups = append(groups, gs)
	}
	js, _ := json.Marshal(groups) // plain numbers and bools: cannot fail
	s.Meta["param_groups"] = string(js)
	for i, p := range b.params {
		step, bufs := o.paramState(i)
		if bufs == nil || *bufs[0].ref == nil {
			continue // no step taken yet: PyTorch keeps no state either
		}
		if step != nil {
			s.Tensors = append(s.Tensors, safetensors.Named{Name: fmt.Sprintf("state.%d.step", i), T: tensor.Scalar(float64(*step))})
		}
		for _, bf := range bufs {
			if *bf.ref != nil {
				t := tensor.New(append([]float64(nil), *bf.ref...), p.Shape()...)
				s.Tensors = append(s.Tensors, safetensors.Named{Name: fmt.Sprintf("state.%d.%s", i, bf.name), T: t})
			}
		}
	}
	return s
}

// loadStateDict restores a state written by stateDict of an optimizer of
// the same type over parameters of the same shapes and groups. It checks
// everything before changing anything.
func (b *base) loadStateDict(o stateful, s State) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("optim: %s: LoadStateDict: %s", b.name, fmt.Sprintf(format, args...))
	}
	if s.Meta["type"] != b.name {
		return fail("the state is of %q, not %s", s.Meta["type"], b.name)
	}
	var groups []groupState
	if err := json.Unmarshal([]byte(s.Meta["param_groups"]), &groups); err != nil {
		return fail("param_groups: %v", err)
	}
	if len(groups) != len(b.groups) {
		return fail("the state has %d parameter groups, the optimizer %d", len(groups), len(b.groups))
	}
	for gi, gs := range groups {
		g := b.groups[gi]
		if len(gs.Params) != g.end-g.start {
			return fail("group %d has %d parameters in the state, %d in the optimizer", gi, len(gs.Params), g.end-g.start)
		}
		for k, pi := range gs.Params {
			if pi != g.start+k {
				return fail("group %d lists parameter %d at position %d; want %d", gi, pi, k, g.start+k)
			}
		}
		if !finite(gs.LR) || gs.InitialLR != nil && !finite(*gs.InitialLR) {
			return fail("group %d has learning rate %v", gi, gs.LR)
		}
		for _, v := range []float64{gs.Momentum, gs.Dampening, gs.WeightDecay, gs.Betas[0], gs.Betas[1], gs.Eps, gs.Alpha} {
			if !finite(v) {
				return fail("group %d has a hyperparameter %v", gi, v)
			}
		}
		// Flags that decide which buffers a parameter has must agree.
		if gs.Amsgrad != g.h.amsgrad || gs.Centered != g.h.centered || (gs.Momentum == 0) != (g.h.momentum == 0) {
			return fail("group %d was saved with amsgrad %v, centered %v, momentum %v; the optimizer has %v, %v, %v",
				gi, gs.Amsgrad, gs.Centered, gs.Momentum, g.h.amsgrad, g.h.centered, g.h.momentum)
		}
	}
	// Per-parameter tensors: state.<i>.<name>, each of its parameter's shape
	// (a 0-d step).
	type entry struct {
		step *float64
		bufs map[string]*tensor.Tensor
	}
	entries := map[int]*entry{}
	for _, t := range s.Tensors {
		rest, ok := strings.CutPrefix(t.Name, "state.")
		idx, name, ok2 := strings.Cut(rest, ".")
		i, err := strconv.Atoi(idx)
		if !ok || !ok2 || err != nil || i < 0 || i >= len(b.params) {
			return fail("unexpected tensor %q", t.Name)
		}
		e := entries[i]
		if e == nil {
			e = &entry{bufs: map[string]*tensor.Tensor{}}
			entries[i] = e
		}
		if name == "step" {
			v := t.T.Item()
			if t.T.Numel() != 1 || v < 0 || v != float64(int(v)) {
				return fail("%q is not a step count", t.Name)
			}
			e.step = &v
			continue
		}
		if !t.T.SameShape(b.params[i].Value()) {
			return fail("%q has shape %v, parameter %d has %v", t.Name, t.T.Shape(), i, b.params[i].Shape())
		}
		e.bufs[name] = t.T
	}
	for i, e := range entries {
		step, bufs := o.paramState(i)
		known := map[string]bool{}
		for _, bf := range bufs {
			known[bf.name] = true
		}
		for name := range e.bufs {
			if !known[name] {
				return fail("state.%d.%s is not a buffer of %s as configured", i, name, b.name)
			}
		}
		for _, bf := range bufs {
			if e.bufs[bf.name] == nil {
				return fail("state.%d.%s is missing", i, bf.name)
			}
		}
		if (step != nil) != (e.step != nil) {
			return fail("state.%d: step count present in one of the state and the optimizer only", i)
		}
	}
	// Everything checked: apply.
	for gi, gs := range groups {
		g := &b.groups[gi]
		g.lr = gs.LR
		g.hasInitial = gs.InitialLR != nil
		if g.hasInitial {
			g.initial = *gs.InitialLR
		}
		g.h.momentum, g.h.dampening, g.h.weightDecay, g.h.nesterov = gs.Momentum, gs.Dampening, gs.WeightDecay, gs.Nesterov
		g.h.beta1, g.h.beta2, g.h.eps, g.h.alpha = gs.Betas[0], gs.Betas[1], gs.Eps, gs.Alpha
	}
	for i := range b.params {
		step, bufs := o.paramState(i)
		e := entries[i]
		if e == nil {
			for _, bf := range bufs {
				*bf.ref = nil
			}
			if step != nil {
				*step = 0
			}
			continue
		}
		o.allocState(i)
		step, bufs = o.paramState(i)
		for _, bf := range bufs {
			copy(*bf.ref, e.bufs[bf.name].Data())
		}
		if step != nil {
			*step = int(*e.step)
		}
	}
	return nil
}

// StateDict returns the optimizer's state: Adam's step counts and running
// averages (exp_avg, exp_avg_sq, max_exp_avg_sq) per parameter, and each
// group's hyperparameters, as PyTorch's state_dict holds them.
func (o *Adam) StateDict() State { return o.stateDict(o) }

// LoadStateDict restores a state from StateDict of an Adam (or AdamW, as
// made) over parameters of the same shapes and groups, so that training
// resumes exactly where it stopped. It returns an error, changing nothing,
// if the state does not fit.
func (o *Adam) LoadStateDict(s State) error { return o.loadStateDict(o, s) }

func (o *Adam) paramState(i int) (*int, []buffer) {
	s := &o.state[i]
	bufs := []buffer{{"exp_avg", &s.m}, {"exp_avg_sq", &s.v}}
	if o.groupOf(i).h.amsgrad {
		bufs = append(bufs, buffer{"max_exp_avg_sq", &s.vmax})
	}
	return &s.step, bufs
}

func (o *Adam) allocState(i int) {
	n, ams := o.params[i].Numel(), o.groupOf(i).h.amsgrad
	o.state[i].alloc(o.takeState(i, adamBuffers(ams)*n), n, ams)
}

// StateDict returns the optimizer's state: SGD's momentum buffers and each
// group's hyperparameters.
func (o *SGD) StateDict() State { return o.stateDict(o) }

// LoadStateDict restores a state from StateDict of an SGD over parameters
// of the same shapes and groups; see Adam.LoadStateDict.
func (o *SGD) LoadStateDict(s State) error { return o.loadStateDict(o, s) }

func (o *SGD) paramState(i int) (*int, []buffer) {
	if o.groupOf(i).h.momentum == 0 {
		return nil, nil
	}
	return nil, []buffer{{"momentum_buffer", &o.bufs[i]}}
}

func (o *SGD) allocState(i int) { o.bufs[i] = o.takeState(i, o.params[i].Numel()) }

// StateDict returns the optimizer's state: RMSprop's square_avg, grad_avg
// and momentum_buffer per parameter and each group's hyperparameters.
func (o *RMSprop) StateDict() State { return o.stateDict(o) }

// LoadStateDict restores a state from StateDict of an RMSprop over
// parameters of the same shapes and groups; see Adam.LoadStateDict.
func (o *RMSprop) LoadStateDict(s State) error { return o.loadStateDict(o, s) }

func (o *RMSprop) paramState(i int) (*int, []buffer) {
	s, h := &o.state[i], o.groupOf(i).h
	bufs := []buffer{{"square_avg", &s.sq}}
	if h.centered {
		bufs = append(bufs, buffer{"grad_avg", &s.avg})
	}
	if h.momentum > 0 {
		bufs = append(bufs, buffer{"momentum_buffer", &s.buf})
	}
	return nil, bufs
}

func (o *RMSprop) allocState(i int) {
	h, n := o.groupOf(i).h, o.params[i].Numel()
	o.state[i].alloc(o.takeState(i, rmspropBuffers(h.centered, h.momentum > 0)*n), n, h.centered, h.momentum > 0)
}

// groupOf returns the group of parameter i.
func (b *base) groupOf(i int) *group {
	for gi := range b.groups {
		if i < b.groups[gi].end {
			return &b.groups[gi]
		}
	}
	return &b.groups[len(b.groups)-1]
}
