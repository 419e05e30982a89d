package train_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/nn"
	"github.com/adjoint-go/adjoint/nn/functional"
	"github.com/adjoint-go/adjoint/optim"
	"github.com/adjoint-go/adjoint/train"
)

// Save a run after an epoch and resume it later in fresh objects made the
// same way: the model, the optimizer's moments and the schedule continue
// where they stopped.
func Example_saveAndResume() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "run.safetensors")
	setup := func() (*nn.Sequential, *optim.Adam, *optim.CosineAnnealingLR) {
		rng := rand.New(rand.NewPCG(1, 2))
		model := nn.NewSequential(nn.NewLinear(2, 8, rng), &nn.Tanh{}, nn.NewLinear(8, 1, rng))
		opt := optim.NewAdam(model.Parameters(), 0.01)
		return model, opt, optim.NewCosineAnnealingLR(opt, 10, 0)
	}
	x, y := autograd.Ones(4, 2), autograd.Zeros(4, 1)
	epoch := func(model nn.Module, opt optim.Optimizer, sched optim.Scheduler) {
		opt.ZeroGrad()
		functional.MSELoss(model.Forward(x), y).Backward()
		opt.Step()
		sched.Step()
	}

	model, opt, sched := setup()
	epoch(model, opt, sched)
	err := train.Save(path, train.Checkpoint{Model: model, Optimizer: opt, Scheduler: sched,
		Meta: map[string]string{"epoch": "1"}})
	fmt.Println(err)

	model2, opt2, sched2 := setup()
	meta, err := train.Load(path, train.Checkpoint{Model: model2, Optimizer: opt2, Scheduler: sched2})
	fmt.Println(meta["epoch"], err)
	epoch(model, opt, sched)
	epoch(model2, opt2, sched2)
	fmt.Println(model.Forward(x).Sum().Item() == model2.Forward(x).Sum().Item(), sched.LR() == sched2.LR())
	// Output:
	// <nil>
	// 1 <nil>
	// true true
}
