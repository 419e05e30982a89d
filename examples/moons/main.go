// Command moons trains a small multilayer perceptron to separate two
// interleaved half-moons, the two-class toy problem of scikit-learn's
// make_moons:
//
//	$ go run ./examples/moons -every 20 -plot moons.png
//	Sequential(Linear(2→16), Tanh, Linear(16→16), Tanh, Linear(16→1)): 337 parameters
//	epoch=20 loss=0.0274 train_acc=0.9975
//	epoch=40 loss=0.0124 train_acc=1.0000
//	epoch=60 loss=0.0038 train_acc=1.0000
//	epoch=80 loss=0.0106 train_acc=0.9975
//	epoch=100 loss=0.0040 train_acc=1.0000
//	train_acc=1.0000 test_acc=1.0000
//
// The -n training points are half on the upper moon (class 0), half on the
// lower one (class 1), with Gaussian noise of standard deviation -noise on
// both coordinates; the test points are -n more drawn the same way. The
// model is 2-H-H-1 (H = -hidden) with Tanh, trained with binary
// cross-entropy on its logit and Adam (rate -lr) in mini-batches of -batch
// shuffled points for -epochs epochs. The loss averaged over an epoch and
// the training accuracy after it are printed every -every epochs.
//
// With -plot FILE.png it draws one PNG with two panels: on the left the
// decision boundary (the predicted probability of class 1 over a grid as a
// heat map, the 0.5 contour in black, and the training points coloured by
// class), on the right the loss per epoch.
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
	"github.com/adjoint-go/adjoint/data"
	"github.com/adjoint-go/adjoint/nn"
	"github.com/adjoint-go/adjoint/nn/functional"
	"github.com/adjoint-go/adjoint/optim"
	"github.com/adjoint-go/adjoint/train"
)

func main() {
	err := run(os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp): // -h: the usage is printed
	case err != nil:
		fmt.Fprintln(os.Stderr, "moons:", err)
		os.Exit(1)
	}
}

type config struct {
	n, epochs, batch, hidden, every int
	noise, lr                       float64
	seed                            uint64
	plot                            string
}

func parse(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("moons", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&c.n, "n", 400, "number of training points (and of test points)")
	fs.Float64Var(&c.noise, "noise", 0.1, "standard deviation of the noise added to the points")
	fs.IntVar(&c.epochs, "epochs", 100, "training epochs")
	fs.IntVar(&c.batch, "batch", 32, "batch size")
	fs.IntVar(&c.hidden, "hidden", 16, "units in each of the two hidden layers")
	fs.Float64Var(&c.lr, "lr", 0.01, "Adam learning rate")
	fs.Uint64Var(&c.seed, "seed", 1, "random seed (points, initialisation and shuffling)")
	fs.IntVar(&c.every, "every", 10, "print the loss every this many epochs (0: only the result)")
	fs.StringVar(&c.plot, "plot", "", "draw the decision boundary and the loss curve to this PNG file")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	switch {
	case fs.NArg() > 0:
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	case c.n < 2:
		return c, errors.New("-n must be at least 2")
	case c.epochs < 1 || c.batch < 1 || c.hidden < 1:
		return c, errors.New("-epochs, -batch and -hidden must be positive")
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
	rng := rand.New(rand.NewPCG(c.seed, 0x300))
	trainSet := makeMoons(c.n, c.noise, rng)
	testSet := makeMoons(c.n, c.noise, rng)

	model := newClassifier(c.hidden, rng)
	fmt.Fprint(stdout, nn.SummaryTable(model, c.batch, 2))
	opt := optim.NewAdam(model.Parameters(), c.lr)
	loader := data.NewLoader(trainSet, c.batch, data.Shuffle(rng))

	var history train.History
	for epoch := 1; epoch <= c.epochs; epoch++ {
		total, n := 0.0, 0
		for b := range loader.Epoch() {
			logits := model.Forward(autograd.From(b.X)).Squeeze(1)
			loss := functional.BCEWithLogits(logits, autograd.From(b.Y))
			opt.ZeroGrad()
			loss.Backward()
			opt.Step()
			total += loss.Item() * float64(len(b.Indices))
			n += len(b.Indices)
		}
		loss := total / float64(n)
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return fmt.Errorf("the loss is %v at epoch %d: training diverged, lower -lr", loss, epoch)
		}
		history.Add(epoch, "loss", loss)
		if c.every > 0 && epoch%c.every == 0 {
			history.Add(epoch, "train_acc", accuracy(model, trainSet))
			fmt.Fprintf(stdout, "epoch=%d %s\n", epoch, history.Line(epoch))
		}
	}
	fmt.Fprintf(stdout, "train_acc=%.4f test_acc=%.4f\n", accuracy(model, trainSet), accuracy(model, testSet))
	if c.plot != "" {
		return plotResult(c.plot, model, trainSet, &history)
	}
	return nil
}

// classifier is the model, a custom module: two hidden Tanh layers and a
// logit. nn.Base finds its layers from the fields (parameters "fc1.weight",
// ..., "out.bias").
type classifier struct {
	nn.Base
	FC1, FC2, Out *nn.Linear
}

func newClassifier(hidden int, rng *rand.Rand) *classifier {
	return nn.Init(&classifier{
		FC1: nn.NewLinear(2, hidden, rng),
		FC2: nn.NewLinear(hidden, hidden, rng),
		Out: nn.NewLinear(hidden, 1, rng),
	})
}

// Forward returns the logit of class 1 for each row of x [N 2], as [N 1].
func (m *classifier) Forward(x *autograd.Tensor) *autograd.Tensor {
	return m.Out.Forward(m.FC2.Forward(m.FC1.Forward(x).Tanh()).Tanh())
}

// makeMoons returns n points on two interleaved half circles, as
// sklearn.datasets.make_moons: ⌊n/2⌋ of class 0 at (cos t, sin t) and the
// rest of class 1 at (1 - cos t, 1/2 - sin t), t evenly spaced in [0, π],
// each coordinate plus Gaussian noise of standard deviation noise drawn
// from rng.
func makeMoons(n int, noise float64, rng *rand.Rand) *data.Dataset {
	x, y := make([][]float64, 0, n), make([]float64, 0, n)
	half := func(m int, class float64) {
		for i := range m {
			t := 0.0
			if m > 1 {
				t = math.Pi * float64(i) / float64(m-1)
			}
			px, py := math.Cos(t), math.Sin(t)
			if class == 1 {
				px, py = 1-px, 0.5-py
			}
			x = append(x, []float64{px + noise*rng.NormFloat64(), py + noise*rng.NormFloat64()})
			y = append(y, class)
		}
	}
	half(n/2, 0)
	half(n-n/2, 1)
	return data.FromSlices(x, y)
}

// predict returns the model's probability of class 1 for each row of x,
// evaluated without a graph.
func predict(model nn.Module, x *autograd.Tensor) []float64 {
	model.SetTraining(false)
	defer model.SetTraining(true)
	return model.Forward(autograd.NoGrad(x)).Sigmoid().Data()
}

// accuracy is the fraction of ds the model classifies right, class 1 being
// a probability above 1/2.
func accuracy(model nn.Module, ds *data.Dataset) float64 {
	p := predict(model, autograd.From(ds.X))
	right := 0
	for i, y := range ds.Y.Data() {
		if (p[i] > 0.5) == (y == 1) {
			right++
		}
	}
	return float64(right) / float64(len(p))
}
