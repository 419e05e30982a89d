package train

import (
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/nn"
	"github.com/adjoint-go/adjoint/nn/functional"
	"github.com/adjoint-go/adjoint/optim"
)

// run is one training setup: a model, an AdamW with two parameter groups,
// a warm-up then cosine schedule, and fixed batches.
type run struct {
	model *nn.Sequential
	opt   *optim.Adam
	sched *optim.SequentialLR
}

func newRun() *run {
	rng := rand.New(rand.NewPCG(7, 7))
	model := nn.NewSequential(nn.NewLinear(3, 8, rng), &nn.Tanh{}, nn.NewLinear(8, 2, rng))
	var decay, noDecay []*autograd.Tensor
	for _, p := range model.NamedParameters() {
		if strings.HasSuffix(p.Name, "bias") {
			noDecay = append(noDecay, p.Tensor)
		} else {
			decay = append(decay, p.Tensor)
		}
	}
	opt := optim.NewAdamW(decay, 0.05, optim.WeightDecay(0.1), optim.Amsgrad(true),
		optim.ParamGroup(noDecay, optim.WeightDecay(0), optim.LR(0.02)))
	warm := optim.NewLinearLR(opt, 0.1, 1, 3)
	cos := optim.NewCosineAnnealingLR(opt, 10, 0.001)
	return &run{model, opt, optim.NewSequentialLR(opt, []optim.Scheduler{warm, cos}, []int{3})}
}

// step trains on batch k of a fixed sequence.
func (r *run) step(k int) {
	rng := rand.New(rand.NewPCG(uint64(k), 99))
	x := autograd.Randn(rng, 4, 3)
	y := autograd.Randn(rng, 4, 2)
	r.opt.ZeroGrad()
	functional.MSELoss(r.model.Forward(x), y).Backward()
	r.opt.Step()
	r.sched.Step()
}

func (r *run) values() []float64 {
	var out []float64
	for _, p := range r.model.Parameters() {
		out = append(out, p.Data()...)
	}
	return append(out, r.sched.LastLRs()...)
}

// A run stopped after 4 steps, saved, and loaded into fresh objects made the
// same way continues bit for bit as the run that never stopped.
func TestResumedRunContinuesBitForBit(t *testing.T) {
	const total, stop = 12, 4
	whole := newRun()
	for k := range total {
		whole.step(k)
	}

	first := newRun()
	for k := range stop {
		first.step(k)
	}
	path := filepath.Join(t.TempDir(), "run.safetensors")
	if err := Save(path, Checkpoint{Model: first.model, Optimizer: first.opt, Scheduler: first.sched,
		Meta: map[string]string{"epoch": "4"}}); err != nil {
		t.Fatal(err)
	}
	resumed := newRun()
	meta, err := Load(path, Checkpoint{Model: resumed.model, Optimizer: resumed.opt, Scheduler: resumed.sched})
	if err != nil {
		t.Fatal(err)
	}
	if meta["epoch"] != "4" {
		t.Fatalf("metadata %v", meta)
	}
	if !slices.Equal(resumed.values(), first.values()) {
		t.Fatal("the loaded run differs from the saved one")
	}
	for k := stop; k < total; k++ {
		resumed.step(k)
	}
	if got, want := resumed.values(), whole.values(); !slices.Equal(got, want) {
		t.Fatalf("resumed run ends at\n%v\nthe uninterrupted one at\n%v", got, want)
	}

	// Without the optimizer's state the run would differ: the test can fail.
	cold := newRun()
	if _, err := Load(path, Checkpoint{Model: cold.model}); err != nil {
		t.Fatal(err)
	}
	for k := stop; k < total; k++ {
		cold.step(k)
	}
	if slices.Equal(cold.values(), whole.values()) {
		t.Fatal("a run resumed without optimizer state matched: the check above proves nothing")
	}
}

func TestLoadRejectsStatesThatDoNotFit(t *testing.T) {
	dir := t.TempDir()
	r := newRun()
	r.step(0)
	path := filepath.Join(dir, "run.safetensors")
	if err := Save(path, Checkpoint{Model: r.model, Optimizer: r.opt, Scheduler: r.sched}); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	other := nn.NewSequential(nn.NewLinear(3, 8, rng), &nn.Tanh{}, nn.NewLinear(8, 2, rng))
	cases := []struct {
		name, want string
		c          Checkpoint
	}{
		{"an optimizer of another type", "the state is of \"AdamW\", not SGD",
			Checkpoint{Model: other, Optimizer: optim.NewSGD(other.Parameters(), 0.1)}},
		{"an optimizer with other groups", "2 parameter groups, the optimizer 1",
			Checkpoint{Model: other, Optimizer: optim.NewAdamW(other.Parameters(), 0.1, optim.Amsgrad(true))}},
		{"an optimizer without amsgrad", "amsgrad true",
			Checkpoint{Model: other, Optimizer: optim.NewAdamW(other.Parameters()[:2], 0.1, optim.ParamGroup(other.Parameters()[2:]))}},
		{"a model of another shape", `"2.weight" has shape [2 8] in the checkpoint, [3 8] in the model`,
			Checkpoint{Model: nn.NewSequential(nn.NewLinear(3, 8, rng), &nn.Tanh{}, nn.NewLinear(8, 3, rng))}},
		{"no model", "no model", Checkpoint{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load(path, c.c)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one mentioning %q", err, c.want)
			}
		})
	}
	if _, err := Load(filepath.Join(dir, "missing"), Checkpoint{Model: other}); err == nil {
		t.Fatal("loading a missing file succeeded")
	}
}
