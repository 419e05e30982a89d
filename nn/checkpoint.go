package nn

import (
	"errors"
	"fmt"
	"strings"

	"github.com/adjoint-go/adjoint/nn/safetensors"
	"github.com/adjoint-go/adjoint/tensor"
)

// StateDict returns m's parameters and then its buffers (see BuffersOf) by
// name, as safetensors entries sharing their values (not copies), like
// PyTorch's state_dict.
func StateDict(m Module) []safetensors.Named {
	ps := append(m.NamedParameters(), BuffersOf(m)...)
	out := make([]safetensors.Named, len(ps))
	for i, p := range ps {
		out[i] = safetensors.Named{Name: p.Name, T: p.Value()}
	}
	return out
}

// Save writes m's parameters and buffers to path in the safetensors format
// (F64, with PyTorch's names: "0.weight", "0.bias", ...), atomically. The
// file loads with PyTorch's load_state_dict after reading it with
// safetensors.
func Save(path string, m Module) error { return SaveWithMetadata(path, m, nil) }

// SaveWithMetadata is Save with string key/values in the file's
// __metadata__ (an epoch, a run's settings); "format" is always "pt".
// ReadMetadata reads them back.
func SaveWithMetadata(path string, m Module, meta map[string]string) error {
	md := map[string]string{"format": "pt"}
	for k, v := range meta {
		if k != "format" {
			md[k] = v
		}
	}
	return safetensors.WriteFile(path, StateDict(m), md)
}

// ReadMetadata returns the __metadata__ of a safetensors file.
func ReadMetadata(path string) (map[string]string, error) {
	_, md, err := safetensors.ReadFile(path)
	return md, err
}

// Load reads a safetensors file written by Save or by PyTorch (F64 or F32,
// converted) into m's parameters and buffers, in place. Every one of them
// must be in the file with the same shape, and the file must hold nothing
// else; otherwise Load returns an error listing every missing, unexpected
// and mis-shaped name, and leaves m unchanged.
func Load(path string, m Module) error {
	_, err := LoadFile(path, m, true)
	return err
}

// LoadFile is Load with PyTorch's strict flag: with strict false, the
// names in both the file and the model are loaded and the others are only
// reported in the result (PyTorch's missing_keys and unexpected_keys), as
// when a model reuses part of another's checkpoint. A name whose shapes
// differ is an error in either mode (as in PyTorch), and m is then left
// unchanged.
func LoadFile(path string, m Module, strict bool) (LoadResult, error) {
	ts, _, err := safetensors.ReadFile(path)
	if err != nil {
		return LoadResult{}, err
	}
	return LoadStateDict(m, ts, strict)
}

// LoadState copies named tensors into m's parameters and buffers with the
// checks of Load.
func LoadState(m Module, ts []safetensors.Named) error {
	_, err := LoadStateDict(m, ts, true)
	return err
}

// LoadResult lists the names that a load did not match.
type LoadResult struct {
	Missing    []string // in the model, not in the checkpoint: `"name" [shape]`
	Unexpected []string // in the checkpoint, not in the model: `"name" [shape]`
	Mismatched []string // in both with different shapes: `"name" has shape [..] in the checkpoint, [..] in the model`
}

// LoadStateDict copies named tensors into m's parameters and buffers; see
// LoadFile for strict.
func LoadStateDict(m Module, ts []safetensors.Named, strict bool) (LoadResult, error) {
	byName := make(map[string]*tensor.Tensor, len(ts))
	for _, t := range ts {
		byName[t.Name] = t.T
	}
	state := append(m.NamedParameters(), BuffersOf(m)...)
	var r LoadResult
	inModel := make(map[string]bool, len(state))
	for _, p := range state {
		inModel[p.Name] = true
		t, ok := byName[p.Name]
		switch {
		case !ok:
			r.Missing = append(r.Missing, fmt.Sprintf("%q %v", p.Name, p.Shape()))
		case !t.SameShape(p.Value()):
			r.Mismatched = append(r.Mismatched, fmt.Sprintf("%q has shape %v in the checkpoint, %v in the model", p.Name, t.Shape(), p.Shape()))
		}
	}
	for _, t := range ts {
		if !inModel[t.Name] {
			r.Unexpected = append(r.Unexpected, fmt.Sprintf("%q %v", t.Name, t.T.Shape()))
		}
	}
	if len(r.Mismatched) > 0 || strict && (len(r.Missing) > 0 || len(r.Unexpected) > 0) {
		return r, r.err(strict)
	}
	for _, p := range state {
		if t, ok := byName[p.Name]; ok {
			p.Value().CopyFrom(t)
		}
	}
	return r, nil
}

// err describes every problem of r in one error.
func (r LoadResult) err(strict bool) error {
	var parts []string
	add := func(what string, names []string) {
		if len(names) > 0 {
			parts = append(parts, fmt.Sprintf("%d %s: %s", len(names), what, strings.Join(names, ", ")))
		}
	}
	if strict {
		add("missing from the checkpoint", r.Missing)
		add("in the checkpoint but not the model", r.Unexpected)
	}
	add("with other shapes", r.Mismatched)
	return errors.New("nn: Load: nothing was loaded; " + strings.Join(parts, "; "))
}
