package nn

import (
	"fmt"

	"github.com/adjoint-go/adjoint/nn/safetensors"
	"github.com/adjoint-go/adjoint/tensor"
)

// StateDict returns m's parameters by name, as safetensors entries sharing
// the parameters' values (not copies).
func StateDict(m Module) []safetensors.Named {
	ps := m.NamedParameters()
	out := make([]safetensors.Named, len(ps))
	for i, p := range ps {
		out[i] = safetensors.Named{Name: p.Name, T: p.Value()}
	}
	return out
}

// Save writes m's parameters to path in the safetensors format (F64, with
// PyTorch's names: "0.weight", "0.bias", ...), atomically. The file loads
// with PyTorch's load_state_dict after reading it with safetensors.
func Save(path string, m Module) error {
	return safetensors.WriteFile(path, StateDict(m), map[string]string{"format": "pt"})
}

// Load reads a safetensors file written by Save or by PyTorch (F64 or F32,
// converted) into m's parameters, in place. Every parameter of m must be in
// the file with the same shape, and the file must hold nothing else;
// otherwise Load returns an error and leaves m unchanged.
func Load(path string, m Module) error {
	ts, _, err := safetensors.ReadFile(path)
	if err != nil {
		return err
	}
	return LoadState(m, ts)
}

// LoadState copies named tensors into m's parameters with the checks of
// Load.
func LoadState(m Module, ts []safetensors.Named) error {
	byName := make(map[string]*tensor.Tensor, len(ts))
	for _, t := range ts {
		byName[t.Name] = t.T
	}
	params := m.NamedParameters()
	wanted := make(map[string]bool, len(params))
	for _, p := range params {
		t, ok := byName[p.Name]
		if !ok {
			return fmt.Errorf("nn: Load: parameter %q (shape %v) is missing from the checkpoint", p.Name, p.Shape())
		}
		if !t.SameShape(p.Value()) {
			return fmt.Errorf("nn: Load: parameter %q has shape %v in the checkpoint, %v in the model", p.Name, t.Shape(), p.Shape())
		}
		wanted[p.Name] = true
	}
	for _, t := range ts {
		if !wanted[t.Name] {
			return fmt.Errorf("nn: Load: the checkpoint has %q (shape %v), which the model does not", t.Name, t.T.Shape())
		}
	}
	for _, p := range params {
		p.Value().CopyFrom(byName[p.Name])
	}
	return nil
}
