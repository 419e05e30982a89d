// Package train holds what a training loop needs around a model and an
// optimizer: checkpoints that resume a run exactly where it stopped (the
// model, the optimizer's and the scheduler's state, and metadata in one
// safetensors file), a metric History, a Progress bar that draws only on a
// terminal, and PNG plots of the metrics (PlotPNG).
//
//	ckpt := train.Checkpoint{Model: model, Optimizer: opt, Scheduler: sched,
//		Meta: map[string]string{"epoch": "3"}}
//	err := train.Save("run.safetensors", ckpt)
//	...
//	meta, err := train.Load("run.safetensors", ckpt) // into fresh objects made the same way
//
// It sits above nn and optim, which know nothing of each other.
package train
