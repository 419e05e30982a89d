package optim

import (
	"slices"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/nn/safetensors"
	"github.com/adjoint-go/adjoint/tensor"
)

// Every optimizer's state round-trips: an optimizer loaded from another's
// state takes the same next step.
func TestStateDictRoundTrips(t *testing.T) {
	for _, o := range optimizers() {
		t.Run(o.name, func(t *testing.T) {
			a, b := withGrads(3, 2), withGrads(3, 2)
			oa, ob := o.make(a), o.make(b)
			oa.Step()
			oa.Step()
			// b has its values but not its state until it loads oa's.
			for i := range a {
				b[i].Value().CopyFrom(a[i].Value())
			}
			if err := ob.(Stateful).LoadStateDict(oa.(Stateful).StateDict()); err != nil {
				t.Fatal(err)
			}
			oa.Step()
			ob.Step()
			for i := range a {
				if !slices.Equal(a[i].Data(), b[i].Data()) {
					t.Fatalf("parameter %d: %v after a loaded state, %v without a break", i, b[i].Data(), a[i].Data())
				}
			}
		})
	}
}

func TestStateBeginsAtTheFirstStep(t *testing.T) {
	for _, o := range optimizers() {
		t.Run(o.name, func(t *testing.T) {
			ps := withGrads(3, 2)
			opt := o.make(ps)
			stateful := opt.(Stateful)
			if n := len(stateful.StateDict().Tensors); n != 0 {
				t.Fatalf("%d state tensors before the first step, want none (PyTorch keeps none)", n)
			}
			// A state loaded as empty leaves the next step a first step,
			// which takes the storage made with the optimizer.
			if err := stateful.LoadStateDict(stateful.StateDict()); err != nil {
				t.Fatal(err)
			}
			opt.Step()
			fresh := withGrads(3, 2)
			o.make(fresh).Step()
			for i := range ps {
				if !slices.Equal(ps[i].Data(), fresh[i].Data()) {
					t.Errorf("parameter %d: %v after the first step, want %v", i, ps[i].Data(), fresh[i].Data())
				}
			}
			if n := len(stateful.StateDict().Tensors); n == 0 && o.name != "SGD" {
				t.Errorf("no state tensors after the first step")
			}
		})
	}
}

func TestLoadStateDictRejectsBadStates(t *testing.T) {
	ps := withGrads(3, 2)
	o := NewAdam(ps, 0.1)
	o.Step()
	good := o.StateDict()
	with := func(f func(s *State)) State {
		s := State{Meta: map[string]string{}}
		for k, v := range good.Meta {
			s.Meta[k] = v
		}
		s.Tensors = append(s.Tensors, good.Tensors...)
		f(&s)
		return s
	}
	cases := []struct {
		name, want string
		s          State
	}{
		{"corrupt param_groups", "param_groups", with(func(s *State) { s.Meta["param_groups"] = "{" })},
		{"a state of another optimizer", `of "SGD"`, with(func(s *State) { s.Meta["type"] = "SGD" })},
		{"a tensor of another shape", "has shape [2]", with(func(s *State) {
			s.Tensors[1] = safetensors.Named{Name: s.Tensors[1].Name, T: tensor.Zeros(2)}
		})},
		{"a stray tensor", `unexpected tensor "state.9.exp_avg"`, with(func(s *State) {
			s.Tensors = append(s.Tensors, safetensors.Named{Name: "state.9.exp_avg", T: tensor.Zeros(3)})
		})},
		{"a fractional step", "is not a step count", with(func(s *State) {
			s.Tensors[0] = safetensors.Named{Name: s.Tensors[0].Name, T: tensor.Scalar(1.5)}
		})},
		{"a missing buffer", "state.0.exp_avg_sq is missing", with(func(s *State) {
			s.Tensors = slices.DeleteFunc(s.Tensors, func(n safetensors.Named) bool { return n.Name == "state.0.exp_avg_sq" })
		})},
		{"an unknown buffer", "not a buffer of Adam", with(func(s *State) {
			s.Tensors = append(s.Tensors, safetensors.Named{Name: "state.0.momentum_buffer", T: tensor.Zeros(3)})
		})},
		{"a rate too large for a float64", "param_groups", with(func(s *State) {
			s.Meta["param_groups"] = strings.Replace(s.Meta["param_groups"], `"lr":0.1`, `"lr":1e999`, 1)
		})},
	}
	before := o.StateDict()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := o.LoadStateDict(c.s)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one mentioning %q", err, c.want)
			}
		})
	}
	after := o.StateDict()
	for i := range before.Tensors {
		if !slices.Equal(before.Tensors[i].T.Data(), after.Tensors[i].T.Data()) {
			t.Fatal("a refused state changed the optimizer")
		}
	}
	var sched Scheduler = NewStepLR(o, 2, 0.5)
	if err := sched.LoadStateDict(State{Meta: map[string]string{"scheduler": `{"last_epoch":3,"base_lrs":[1,2],"_last_lr":[1,2]}`}}); err == nil ||
		!strings.Contains(err.Error(), "2 groups") {
		t.Fatalf("scheduler state for another number of groups: %v", err)
	}
}
