package train

import (
	"fmt"
	"maps"
	"strings"

	"github.com/adjoint-go/adjoint/nn"
	"github.com/adjoint-go/adjoint/nn/safetensors"
	"github.com/adjoint-go/adjoint/optim"
)

// Checkpoint is what a run saves to resume later: the model, and
// optionally its optimizer and scheduler (any optim.Stateful), with string
// metadata (an epoch, the run's settings).
type Checkpoint struct {
	Model     nn.Module
	Optimizer optim.Stateful // nil: not saved or loaded
	Scheduler optim.Stateful // nil: not saved or loaded
	Meta      map[string]string
}

// The file layout: the model's state under its own names (so that a
// PyTorch model loads it after dropping the other keys), the optimizer's
// tensors and metadata under "optimizer.", the scheduler's under
// "scheduler.", and the user's metadata under "meta.".
const (
	optPrefix   = "optimizer"
	schedPrefix = "scheduler"
	metaPrefix  = "meta."
)

// Save writes c to path in the safetensors format, atomically.
func Save(path string, c Checkpoint) error {
	if c.Model == nil {
		return fmt.Errorf("train: Save %s: no model", path)
	}
	tensors := nn.StateDict(c.Model)
	meta := map[string]string{"format": "pt"}
	for k, v := range c.Meta {
		meta[metaPrefix+k] = v
	}
	for _, part := range c.parts() {
		if part.s == nil {
			continue
		}
		st := part.s.StateDict().Prefixed(part.prefix)
		tensors = append(tensors, st.Tensors...)
		maps.Copy(meta, st.Meta)
	}
	return safetensors.WriteFile(path, tensors, meta)
}

// Load reads a checkpoint written by Save into c's model (strictly: every
// parameter and buffer, nothing else besides the optimizer's and
// scheduler's state), optimizer and scheduler, and returns the saved
// metadata. The whole file is read and checked before the model changes;
// an optimizer or scheduler state that does not fit is reported after the
// model was loaded.
func Load(path string, c Checkpoint) (map[string]string, error) {
	if c.Model == nil {
		return nil, fmt.Errorf("train: Load %s: no model", path)
	}
	ts, md, err := safetensors.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var model []safetensors.Named
	for _, t := range ts {
		if !strings.HasPrefix(t.Name, optPrefix+".") && !strings.HasPrefix(t.Name, schedPrefix+".") {
			model = append(model, t)
		}
	}
	if _, err := nn.LoadStateDict(c.Model, model, true); err != nil {
		return nil, fmt.Errorf("train: Load %s: %w", path, err)
	}
	for _, part := range c.parts() {
		if part.s == nil {
			continue
		}
		if err := part.s.LoadStateDict(optim.Unprefixed(part.prefix, ts, md)); err != nil {
			return nil, fmt.Errorf("train: Load %s: %s: %w", path, part.prefix, err)
		}
	}
	meta := map[string]string{}
	for k, v := range md {
		if key, ok := strings.CutPrefix(k, metaPrefix); ok {
			meta[key] = v
		}
	}
	return meta, nil
}

type part struct {
	prefix string
	s      optim.Stateful
}

// parts lists the optimizer and scheduler with their prefixes, in a fixed
// order so that files are written the same way every time.
func (c Checkpoint) parts() []part {
	return []part{{optPrefix, c.Optimizer}, {schedPrefix, c.Scheduler}}
}
