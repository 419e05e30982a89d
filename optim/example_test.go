package optim_test

import (
	"fmt"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/optim"
)

// Minimize (w - 3)² with SGD and momentum: the usual loop of ZeroGrad,
// forward, Backward and Step.
func Example() {
	w := autograd.Scalar(0).SetRequiresGrad(true)
	opt := optim.NewSGD([]*autograd.Tensor{w}, 0.1, optim.Momentum(0.5))
	for range 100 {
		opt.ZeroGrad()
		d := w.AddScalar(-3)
		d.Mul(d).Backward()
		opt.Step()
	}
	fmt.Printf("w = %.6f\n", w.Item())
	// Output: w = 3.000000
}

// Adam's first step moves every element by about lr, whatever the
// gradient's scale.
func ExampleNewAdam() {
	p := autograd.New([]float64{1, 1, 1}, 3).SetRequiresGrad(true)
	p.Mul(autograd.New([]float64{1000, -2, 0.01}, 3)).Sum().Backward()
	opt := optim.NewAdam([]*autograd.Tensor{p}, 0.1)
	opt.Step()
	fmt.Printf("%.4f\n", p.Data())
	// Output: [0.9000 1.1000 0.9000]
}

// A linear warm-up over 3 epochs followed by cosine annealing over 4.
func ExampleNewSequentialLR() {
	opt := optim.NewSGD([]*autograd.Tensor{autograd.Zeros(1)}, 1)
	warm := optim.NewLinearLR(opt, 0.25, 1, 3)
	cos := optim.NewCosineAnnealingLR(opt, 4, 0)
	sched := optim.NewSequentialLR(opt, []optim.Scheduler{warm, cos}, []int{3})
	for epoch := range 8 {
		fmt.Printf("epoch %d: lr %.4f\n", epoch, opt.LR())
		opt.Step()
		sched.Step()
	}
	// Output:
	// epoch 0: lr 0.2500
	// epoch 1: lr 0.5000
	// epoch 2: lr 0.7500
	// epoch 3: lr 1.0000
	// epoch 4: lr 0.8536
	// epoch 5: lr 0.5000
	// epoch 6: lr 0.1464
	// epoch 7: lr 0.0000
}

// Gradients of total norm 5 clipped to norm 1.
func ExampleClipGradNorm() {
	a := autograd.Zeros(1).SetRequiresGrad(true)
	b := autograd.Zeros(1).SetRequiresGrad(true)
	a.MulScalar(3).Add(b.MulScalar(4)).Sum().Backward()
	norm := optim.ClipGradNorm([]*autograd.Tensor{a, b}, 1)
	fmt.Printf("norm %.1f, gradients %.4f %.4f\n", norm, a.Grad().Item(), b.Grad().Item())
	// Output: norm 5.0, gradients 0.6000 0.8000
}
