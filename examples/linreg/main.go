// Command linreg fits a straight line to noisy points with autograd and
// SGD, the smallest training loop adjoint has:
//
//	$ go run ./examples/linreg -every 0
//	true:          slope=2.5000 intercept=-1.0000
//	least squares: slope=2.4685 intercept=-0.9750
//	learned:       slope=2.4685 intercept=-0.9750 loss=0.1002
//
// It draws -n points x uniform in [-1, 1) and y = 2.5x - 1 plus Gaussian
// noise of standard deviation -noise, all from -seed, then minimises the
// mean squared error of w·x + b by full-batch gradient descent for -epochs
// steps of rate -lr, printing the loss every -every epochs. The
// closed-form least-squares line of the same points is printed too: it is
// what the descent should converge to, and it differs from the true line
// only by the noise. A loss that overflows (too large a -lr) is an error.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/nn/functional"
	"github.com/adjoint-go/adjoint/optim"
)

// The line the points are drawn around.
const (
	trueSlope     = 2.5
	trueIntercept = -1.0
)

func main() {
	err := run(os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp): // -h: the usage is printed
	case err != nil:
		fmt.Fprintln(os.Stderr, "linreg:", err)
		os.Exit(1)
	}
}

type config struct {
	n, epochs, every int
	noise, lr        float64
	seed             uint64
}

func parse(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("linreg", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&c.n, "n", 200, "number of points")
	fs.Float64Var(&c.noise, "noise", 0.3, "standard deviation of the noise added to y")
	fs.IntVar(&c.epochs, "epochs", 200, "gradient steps over all the points")
	fs.Float64Var(&c.lr, "lr", 0.1, "learning rate")
	fs.Uint64Var(&c.seed, "seed", 1, "random seed (points, noise and initial w, b)")
	fs.IntVar(&c.every, "every", 50, "print the loss every this many epochs (0: only the result)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	switch {
	case fs.NArg() > 0:
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	case c.n < 2:
		return c, errors.New("-n must be at least 2")
	case c.epochs < 1:
		return c, errors.New("-epochs must be positive")
	case c.every < 0:
		return c, errors.New("-every must not be negative")
	case !(c.noise >= 0):
		return c, errors.New("-noise must not be negative")
	case !(c.lr > 0):
		return c, errors.New("-lr must be positive")
	}
	return c, nil
}

func run(args []string, stdout, stderr io.Writer) error {
	c, err := parse(args, stderr)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(c.seed, 0x11e))
	xs, ys := make([]float64, c.n), make([]float64, c.n)
	for i := range xs {
		xs[i] = 2*rng.Float64() - 1
		ys[i] = trueSlope*xs[i] + trueIntercept + c.noise*rng.NormFloat64()
	}
	x, y := autograd.New(xs, c.n), autograd.New(ys, c.n)

	// The parameters: leaves that require gradients, started at random.
	w := autograd.Randn(rng, 1).SetRequiresGrad(true)
	b := autograd.Randn(rng, 1).SetRequiresGrad(true)
	opt := optim.NewSGD([]*autograd.Tensor{w, b}, c.lr)
	for epoch := 1; epoch <= c.epochs; epoch++ {
		loss := functional.MSELoss(x.Mul(w).Add(b), y)
		opt.ZeroGrad()
		loss.Backward()
		opt.Step()
		if l := loss.Item(); math.IsNaN(l) || math.IsInf(l, 0) {
			return fmt.Errorf("the loss is %v at epoch %d: training diverged, lower -lr", l, epoch)
		}
		if c.every > 0 && epoch%c.every == 0 {
			fmt.Fprintf(stdout, "epoch=%d loss=%.4f slope=%.4f intercept=%.4f\n", epoch, loss.Item(), w.Item(), b.Item())
		}
	}
	// The loss printed per epoch is the one before that epoch's step;
	// this is the loss of the line that was learned.
	final := functional.MSELoss(autograd.NoGrad(x).Mul(w).Add(b), y).Item()

	lsSlope, lsIntercept := leastSquares(xs, ys)
	fmt.Fprintf(stdout, "true:          slope=%.4f intercept=%.4f\n", trueSlope, trueIntercept)
	fmt.Fprintf(stdout, "least squares: slope=%.4f intercept=%.4f\n", lsSlope, lsIntercept)
	fmt.Fprintf(stdout, "learned:       slope=%.4f intercept=%.4f loss=%.4f\n", w.Item(), b.Item(), final)
	return nil
}

// leastSquares returns the slope and intercept of the line that minimises
// the squared error over the points, in closed form.
func leastSquares(xs, ys []float64) (slope, intercept float64) {
	n := float64(len(xs))
	var mx, my float64
	for i := range xs {
		mx += xs[i]
		my += ys[i]
	}
	mx, my = mx/n, my/n
	var sxy, sxx float64
	for i := range xs {
		sxy += (xs[i] - mx) * (ys[i] - my)
		sxx += (xs[i] - mx) * (xs[i] - mx)
	}
	slope = sxy / sxx
	return slope, my - slope*mx
}
