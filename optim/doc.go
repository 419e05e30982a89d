// Package optim holds adjoint's optimizers (SGD, Adam, AdamW, RMSprop),
// learning-rate schedulers (StepLR, CosineAnnealingLR, LinearLR,
// SequentialLR) and gradient clipping, with PyTorch's names, defaults and
// update rules.
//
//	opt := optim.NewAdamW(params, 1e-3)
//	sched := optim.NewCosineAnnealingLR(opt, epochs, 0)
//	for range epochs {
//		for batch := range batches {
//			opt.ZeroGrad()
//			loss := model(batch)
//			loss.Backward()
//			optim.ClipGradNorm(params, 1.0)
//			opt.Step()
//		}
//		sched.Step()
//	}
//
// # Options
//
// The learning rate is a required argument; every other hyperparameter is
// an Option with PyTorch's default (Adam's betas 0.9 and 0.999, eps 1e-8,
// AdamW's weight decay 1e-2, RMSprop's alpha 0.99), so that a zero is
// always a zero you asked for:
//
//	optim.NewSGD(params, 0.1, optim.Momentum(0.9), optim.Nesterov(true))
//
// # Parameter groups
//
// Like PyTorch's param_groups, the parameters can be split into groups
// with their own hyperparameters: each ParamGroup option adds one, whose
// options (LR among them) override the constructor's for that group only.
// nanoGPT's "no weight decay on biases, LayerNorm and embeddings" reads
//
//	opt := optim.NewAdamW(decay, 3e-3, optim.Betas(0.9, 0.99), optim.WeightDecay(0.1),
//		optim.ParamGroup(noDecay, optim.WeightDecay(0)))
//
// Schedulers move every group's rate from that group's own base rate
// (LastLRs lists them); LR and SetLR are the first group's rate and all of
// them.
//
// # Matching PyTorch
//
// Each Step performs the operations of PyTorch 1.13's single-tensor
// (foreach=False) implementation, element by element and in the same
// order, through the fused kernels of package kernels (SGDStep, AdamStep,
// RMSpropStep), which round every operation. The results are bit-identical
// to PyTorch's run with its default kernels (ATEN_CPU_CAPABILITY=default).
// PyTorch's AVX2 kernels fuse some multiply-adds, so its usual results
// differ from these by rounding: within 3e-14 relative on the package's
// fixture (testdata/make_fixture.py). State is per parameter, as in
// PyTorch: momentum buffers and running averages begin at a parameter's
// first step with a gradient (their storage is made with the optimizer,
// beside the parameters), and Adam counts each parameter's steps
// separately.
//
// The schedulers compute each learning rate from the optimizer's current
// one, by PyTorch's chainable forms (CosineAnnealingLR's recursive
// formula, LinearLR's ratio), so that their values are PyTorch's; Go's
// math.Cos differs from C's cos by an ulp at some arguments, which leaves
// cosine rates within 3e-15 relative of PyTorch's.
//
// # Parameters and gradients
//
// An optimizer updates the values of its parameters in place, through
// tensor.Tensor.Raw, and marks them modified, so that a graph that saved a
// parameter before the step refuses to run backward after it. Parameters
// must be contiguous leaves. Parameters whose Grad() is nil are skipped. A
// gradient that is not contiguous (which happens only in create-graph mode)
// is copied to a scratch buffer first; otherwise a Step allocates nothing
// but the bookkeeping of splitting the update of a parameter of more than
// 32 768 elements across threads (one to three small objects, about 200
// bytes).
//
// # Panics
//
// Bad arguments panic with a *tensor.Error whose Pkg is "optim" and whose
// Op names the optimizer or function, e.g.
//
//	optim: SGD: Nesterov momentum requires a momentum > 0 and zero dampening (momentum 0, dampening 0)
//
// This covers a learning rate that is not positive and finite, an empty
// parameter list, a parameter that is nil, not a leaf, not contiguous or
// listed twice, hyperparameters out of range (PyTorch's checks, and NaN or
// infinite values), an option the optimizer does not take, and scheduler
// and clipping arguments out of range.
//
// # Concurrency
//
// An optimizer, its parameters and their gradients belong to one goroutine
// at a time, like the autograd graph that computes the gradients. Separate
// optimizers of separate parameters need no locking.
package optim
