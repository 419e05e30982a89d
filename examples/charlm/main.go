// Command charlm trains a byte-level GPT on Go's own source: the non-test
// .go files of the standard library's bufio, bytes, fmt, sort, strconv and
// strings packages in the Go tree that `go env GOROOT` names, sorted by path
// and concatenated, so that every machine with Go has the data. The
// vocabulary is the distinct bytes of that text in ascending order (a
// byte's index is its rank), and its last tenth is held out.
//
// The model is a small GPT in float64: token and position embeddings of
// width 64 over a context of 64 bytes, two pre-LayerNorm transformer blocks
// (causal self-attention with 4 heads, its queries, keys and values from one
// Linear(64, 192), an output Linear(64, 64), and an MLP Linear(64, 256),
// GELU, Linear(256, 64), each added back to its input), a final LayerNorm
// and a Linear head to the vocabulary. It is trained on batches of 32
// windows drawn at random from the training text, with AdamW (lr 3e-3,
// betas 0.9 and 0.99, weight decay 0.1), the rate warmed up linearly over
// 50 steps and then annealed along a cosine to a tenth of itself, and
// gradients clipped to norm 1. Every 100 steps it prints
//
//	step=1000 train_loss=1.5761 val_loss=1.6401 ms_per_step=61.4
//
// (train_loss is the mean batch loss since the previous line), and at the end
// a sample of generated text. The validation loss is the mean cross-entropy
// in nats over every position of the non-overlapping 64-byte windows of the
// held-out bytes (starting at 0, 64, 128, ... while a window and the byte
// after it fit), each position predicting the next byte from the start of its
// window.
//
// The parameters are named as those of the PyTorch model in torch_charlm.py
// beside this file ("tok.weight", "pos.weight", "blocks.0.ln1.weight",
// "blocks.0.qkv.weight", "blocks.0.mlp.0.weight", ..., "head.bias"), so
// -load reads a checkpoint written by -save or by that script, and -steps 0
// only evaluates it and prints val_loss=....
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"time"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/nn"
	"github.com/adjoint-go/adjoint/nn/functional"
	"github.com/adjoint-go/adjoint/nn/sample"
	"github.com/adjoint-go/adjoint/optim"
	"github.com/adjoint-go/adjoint/tensor"
)

func main() {
	err := run(os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp): // -h: the usage is printed
	case err != nil:
		fmt.Fprintln(os.Stderr, "charlm:", err)
		os.Exit(1)
	}
}

// The training recipe.
const (
	batchSize   = 32
	lr          = 3e-3
	warmup      = 50  // steps of linear warm-up, from lr/warmup to lr
	finalFactor = 0.1 // the cosine ends at finalFactor·lr
	clip        = 1.0 // the largest gradient norm
	every       = 100 // steps between progress lines
	evalWindows = 64  // validation windows per forward pass
)

type config struct {
	steps, sample      int
	seed               uint64
	temperature        float64
	topK               int
	save, load, prompt string
	root               string
}

func parse(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("charlm", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&c.steps, "steps", 2000, "training steps (0: only evaluate the model given by -load)")
	fs.Uint64Var(&c.seed, "seed", 1, "random seed (initialisation, batches and the sample)")
	fs.StringVar(&c.save, "save", "", "write the trained model to this safetensors file")
	fs.StringVar(&c.load, "load", "", "start from the model in this safetensors file (written by -save or torch_charlm.py)")
	fs.IntVar(&c.sample, "sample", 300, "generate this many bytes after training (default 0 with -steps 0)")
	fs.StringVar(&c.prompt, "prompt", "func ", "the text the sample continues")
	fs.Float64Var(&c.temperature, "temperature", 0.8, "sampling temperature (0: always the likeliest byte)")
	fs.IntVar(&c.topK, "topk", 0, "sample from the topk likeliest bytes only (0: all)")
	fs.StringVar(&c.root, "goroot", "", "the Go tree whose source is the text (default: go env GOROOT)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	sampleSet := false
	fs.Visit(func(f *flag.Flag) { sampleSet = sampleSet || f.Name == "sample" })
	if c.steps == 0 && !sampleSet {
		c.sample = 0
	}
	switch {
	case fs.NArg() > 0:
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	case c.steps < 0 || c.sample < 0 || c.topK < 0:
		return c, errors.New("-steps, -sample and -topk must not be negative")
	case c.steps == 0 && c.load == "":
		return c, errors.New("-steps 0 evaluates a model: give it with -load")
	case c.sample > 0 && c.prompt == "":
		return c, errors.New("-sample needs a -prompt of at least one byte")
	case !(c.temperature >= 0) || math.IsInf(c.temperature, 0):
		return c, errors.New("-temperature must be finite and not negative")
	}
	return c, nil
}

func run(args []string, stdout, stderr io.Writer) error {
	c, err := parse(args, stderr)
	if err != nil {
		return err
	}
	if c.root == "" {
		if c.root, err = goroot(); err != nil {
			return err
		}
	}
	text, files, err := readCorpus(c.root)
	if err != nil {
		return err
	}
	data := newCorpus(text)
	s := reference(len(data.vocab))
	if len(data.train) < s.context+1 || len(data.val) < s.context+1 {
		return fmt.Errorf("%d bytes of text are too few for windows of %d bytes", len(text), s.context)
	}
	prompt, err := data.encode(c.prompt)
	if c.sample > 0 && err != nil {
		return err
	}

	rng := rand.New(rand.NewPCG(c.seed, 0xc4a))
	model := newGPT(s, rng)
	if c.load != "" {
		if err := nn.Load(c.load, model); err != nil {
			return err
		}
	}
	if c.steps == 0 {
		fmt.Fprintf(stdout, "val_loss=%.4f\n", valLoss(model, data.val))
	} else {
		fmt.Fprintf(stdout, "text: %d bytes in %d files, a vocabulary of %d bytes, %d for training and %d held out; %d parameters\n",
			len(text), files, len(data.vocab), len(data.train), len(data.val), nn.NumParameters(model))
		if err := train(model, data, c.steps, rng, stdout); err != nil {
			return err
		}
	}
	if c.save != "" {
		if err := nn.Save(c.save, model); err != nil {
			return err
		}
	}
	if c.sample > 0 {
		out := generate(model, prompt, c.sample, sample.Options{Temperature: c.temperature, TopK: c.topK, Greedy: c.temperature == 0}, rng)
		fmt.Fprintf(stdout, "sample:\n%s", c.prompt)
		for _, k := range out {
			stdout.Write([]byte{data.vocab[k]})
		}
		fmt.Fprintln(stdout)
	}
	return nil
}

// schedule returns the learning-rate schedule of steps steps: a linear
// warm-up from lr/warmup to lr over the first warmup steps, then a cosine
// from lr down to finalFactor·lr at the last step.
func schedule(opt optim.Optimizer, steps int) optim.Scheduler {
	warm := optim.NewLinearLR(opt, 1.0/warmup, 1, warmup)
	if steps <= warmup {
		return warm
	}
	cos := optim.NewCosineAnnealingLR(opt, steps-warmup, finalFactor*lr)
	return optim.NewSequentialLR(opt, []optim.Scheduler{warm, cos}, []int{warmup})
}

// trainer takes training steps on random windows of a text.
type trainer struct {
	model  *gpt
	params []*autograd.Tensor
	opt    optim.Optimizer
	sched  optim.Scheduler
	text   []float64
	x, y   []float64 // a batch's windows and their next bytes
	rng    *rand.Rand
}

func newTrainer(model *gpt, text []float64, steps int, rng *rand.Rand) *trainer {
	params := model.Parameters()
	opt := optim.NewAdamW(params, lr, optim.Betas(0.9, 0.99), optim.WeightDecay(0.1))
	n := batchSize * model.s.context
	return &trainer{model: model, params: params, opt: opt, sched: schedule(opt, steps), text: text,
		x: make([]float64, n), y: make([]float64, n), rng: rng}
}

// step takes one training step and returns the batch's loss.
func (tr *trainer) step() float64 {
	t, v := tr.model.s.context, tr.model.s.vocab
	for b := range batchSize {
		i := tr.rng.IntN(len(tr.text) - t)
		copy(tr.x[b*t:(b+1)*t], tr.text[i:i+t])
		copy(tr.y[b*t:(b+1)*t], tr.text[i+1:i+t+1])
	}
	logits := tr.model.Forward(autograd.From(tensor.New(tr.x, batchSize, t)))
	loss := functional.CrossEntropy(logits.Reshape(batchSize*t, v), autograd.From(tensor.New(tr.y, batchSize*t)))
	tr.opt.ZeroGrad()
	loss.Backward()
	optim.ClipGradNorm(tr.params, clip)
	tr.opt.Step()
	tr.sched.Step()
	return loss.Item()
}

// train runs steps training steps on random windows of data.train, printing
// a progress line every 100 steps and after the last.
func train(model *gpt, data *corpus, steps int, rng *rand.Rand, stdout io.Writer) error {
	tr := newTrainer(model, data.train, steps, rng)
	total, n, elapsed := 0.0, 0, time.Duration(0)
	for step := 1; step <= steps; step++ {
		start := time.Now()
		l := tr.step()
		elapsed += time.Since(start)
		if math.IsNaN(l) || math.IsInf(l, 0) {
			return fmt.Errorf("the loss is %v at step %d: training diverged", l, step)
		}
		total += l
		n++
		if step%every == 0 || step == steps {
			fmt.Fprintf(stdout, "step=%d train_loss=%.4f val_loss=%.4f ms_per_step=%.1f\n",
				step, total/float64(n), valLoss(model, data.val), float64(elapsed.Microseconds())/1e3/float64(n))
			total, n, elapsed = 0, 0, 0
		}
	}
	return nil
}

// valLoss returns the mean cross-entropy of the model's predictions over
// every position of the windows of val that valWindows lists.
func valLoss(model *gpt, val []float64) float64 {
	t, v := model.s.context, model.s.vocab
	starts := valWindows(len(val), t)
	sum := 0.0
	for lo := 0; lo < len(starts); lo += evalWindows {
		chunk := starts[lo:min(lo+evalWindows, len(starts))]
		x := make([]float64, 0, len(chunk)*t)
		y := make([]float64, 0, len(chunk)*t)
		for _, s := range chunk {
			x = append(x, val[s:s+t]...)
			y = append(y, val[s+1:s+t+1]...)
		}
		logits := model.Forward(autograd.NoGrad(autograd.From(tensor.New(x, len(chunk), t))))
		loss := functional.CrossEntropy(logits.Reshape(len(chunk)*t, v), autograd.From(tensor.New(y, len(y))),
			functional.Reduce(functional.ReduceSum))
		sum += loss.Item()
	}
	return sum / float64(len(starts)*t)
}

// generate returns n tokens that continue prompt, each drawn from the
// model's prediction given the last (at most context) tokens before it.
func generate(model *gpt, prompt []float64, n int, o sample.Options, rng *rand.Rand) []int {
	ctx := append([]float64(nil), prompt...)
	out := make([]int, 0, n)
	for range n {
		window := ctx[max(0, len(ctx)-model.s.context):]
		logits := model.Forward(autograd.NoGrad(autograd.From(tensor.New(window, 1, len(window)))))
		next := sample.Next(logits.Value().Select(1, -1), rng, o)[0]
		out = append(out, next)
		ctx = append(ctx, float64(next))
	}
	return out
}
