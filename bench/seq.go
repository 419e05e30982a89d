package main

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/nn"
	"github.com/adjoint-go/adjoint/nn/functional"
	"github.com/adjoint-go/adjoint/optim"
	"github.com/adjoint-go/adjoint/tensor"
)

func init() {
	register(&suite{
		name:  "seq",
		order: 6,
		about: "sequence models: a byte-level GPT's training step (2 blocks, C=64, T=64, batch 32), causal scaled-dot-product attention forward and backward, an LSTM's training step, one thread and all",
		run:   runSeq,
		table: seqTable,
	})
}

// The charlm of the seq suite: the reference model of examples/charlm
// (issue 14), built here from the public API so that the suite stands on
// its own. Token and position embeddings (C=64, T=64), 2 pre-LayerNorm
// blocks (Linear(C,3C) for q, k and v, 4 heads of causal attention,
// Linear(C,C); MLP Linear(C,4C)-GELU-Linear(4C,C); residual adds), a
// final LayerNorm and Linear(C,V), trained with AdamW (lr 3e-3, betas 0.9
// and 0.99, weight decay 0.1 on every parameter, constant rate) and
// gradient clipping at norm 1.0, on batches of 32 random windows of a
// synthetic byte corpus: a first-order Markov chain over V=96 symbols in
// which each symbol is followed by one of charSucc successors, drawn from
// a fixed seed, so that there is something to learn and no file to read.
const (
	charVocab   = 96
	charEmbed   = 64 // C
	charContext = 64 // T
	charHeads   = 4
	charLayers  = 2
	charBatch   = 32
	charCorpus  = 1 << 15 // bytes of synthetic text
	charSucc    = 4       // successors of each symbol in the Markov chain
	charLR      = 3e-3
	charBeta1   = 0.9
	charBeta2   = 0.99
	charDecay   = 0.1
	charClip    = 1.0
	charSeed    = 14
)

// charBlock is one pre-LayerNorm transformer block, with PyTorch-style
// names (ln1, qkv, proj, ln2, mlp.0, mlp.2).
type charBlock struct {
	nn.Base
	LN1  *nn.LayerNorm
	QKV  *nn.Linear
	Proj *nn.Linear
	LN2  *nn.LayerNorm
	MLP  *nn.Sequential
}

func newCharBlock(rng *rand.Rand) *charBlock {
	const c = charEmbed
	return nn.Init(&charBlock{
		LN1:  nn.NewLayerNorm(c),
		QKV:  nn.NewLinear(c, 3*c, rng),
		Proj: nn.NewLinear(c, c, rng),
		LN2:  nn.NewLayerNorm(c),
		MLP:  nn.NewSequential(nn.NewLinear(c, 4*c, rng), &nn.GELU{}, nn.NewLinear(4*c, c, rng)),
	})
}

// Forward maps x [B T C] to x + attention(ln1(x)), then adds mlp(ln2(·)).
func (b *charBlock) Forward(x *autograd.Tensor) *autograd.Tensor {
	s := x.Shape()
	n, t, c := s[0], s[1], s[2]
	heads := func(z *autograd.Tensor) *autograd.Tensor { // [B T C] → [B H T d]
		return z.Reshape(n, t, charHeads, c/charHeads).Transpose(1, 2)
	}
	qkv := b.QKV.Forward(b.LN1.Forward(x)).Split(c, 2)
	a := functional.ScaledDotProductAttention(heads(qkv[0]), heads(qkv[1]), heads(qkv[2]),
		functional.AttentionOptions{IsCausal: true})
	x = x.Add(b.Proj.Forward(a.Transpose(1, 2).Reshape(n, t, c)))
	return x.Add(b.MLP.Forward(b.LN2.Forward(x)))
}

// charLM is the model; its parameters are named as the PyTorch model's
// (tok.weight, pos.weight, blocks.0.ln1.weight, ..., ln.*, head.*).
type charLM struct {
	nn.Base
	Tok    *nn.Embedding
	Pos    *nn.Embedding
	Blocks nn.ModuleList
	LN     *nn.LayerNorm
	Head   *nn.Linear
}

func newCharLM(rng *rand.Rand) *charLM {
	m := &charLM{
		Tok:  nn.NewEmbedding(charVocab, charEmbed, rng),
		Pos:  nn.NewEmbedding(charContext, charEmbed, rng),
		LN:   nn.NewLayerNorm(charEmbed),
		Head: nn.NewLinear(charEmbed, charVocab, rng),
	}
	for range charLayers {
		m.Blocks = append(m.Blocks, newCharBlock(rng))
	}
	return nn.Init(m)
}

// charPositions are the position indices 0..T-1.
var charPositions = autograd.Arange(0, charContext, 1)

// Forward maps byte indices [B T] to logits [B T V].
func (m *charLM) Forward(idx *autograd.Tensor) *autograd.Tensor {
	t := idx.Shape()[1]
	x := m.Tok.Forward(idx).Add(m.Pos.Forward(charPositions.Slice(0, 0, t)))
	for _, b := range m.Blocks {
		x = b.Forward(x)
	}
	return m.Head.Forward(m.LN.Forward(x))
}

// syntheticText returns the synthetic corpus: n symbols of a Markov chain
// over vocab symbols starting at 0, each symbol followed by one of its
// succ successors (drawn uniformly, with repeats, at the start), picked
// uniformly.
func syntheticText(rng *rand.Rand, n, vocab, succ int) []float64 {
	next := make([][]int, vocab)
	for i := range next {
		for range succ {
			next[i] = append(next[i], rng.IntN(vocab))
		}
	}
	text := make([]float64, n)
	s := 0
	for i := range text {
		text[i] = float64(s)
		s = next[s][rng.IntN(succ)]
	}
	return text
}

// charTrainer is the charlm, its optimizer, the corpus and the rng that
// draws the windows of each batch.
type charTrainer struct {
	model  *charLM
	params []*autograd.Tensor
	opt    optim.Optimizer
	text   []float64
	rng    *rand.Rand
}

// newCharTrainer returns a freshly initialised charlm, from a fixed seed,
// with its AdamW and the corpus.
func newCharTrainer() *charTrainer {
	rng := rand.New(rand.NewPCG(charSeed, 1))
	m := &charTrainer{model: newCharLM(rng), rng: rng}
	m.params = m.model.Parameters()
	m.opt = optim.NewAdamW(m.params, charLR, optim.Betas(charBeta1, charBeta2), optim.WeightDecay(charDecay))
	m.text = syntheticText(rng, charCorpus, charVocab, charSucc)
	return m
}

// batch draws charBatch random windows: inputs [B T] and their next bytes
// [B·T].
func (m *charTrainer) batch() (x, y *autograd.Tensor) {
	xs, ys := tensor.Zeros(charBatch, charContext), tensor.Zeros(charBatch*charContext)
	xr, yr := xs.Raw(), ys.Raw()
	for b := range charBatch {
		s := m.rng.IntN(len(m.text) - charContext)
		copy(xr[b*charContext:], m.text[s:s+charContext])
		copy(yr[b*charContext:], m.text[s+1:s+1+charContext])
	}
	return autograd.From(xs), autograd.From(ys)
}

// step is one training step: a batch, forward, loss, ZeroGrad, Backward,
// ClipGradNorm, Step. It returns the loss before the update.
func (m *charTrainer) step() *autograd.Tensor {
	x, y := m.batch()
	loss := functional.CrossEntropy(m.model.Forward(x).Reshape(-1, charVocab), y)
	m.opt.ZeroGrad()
	loss.Backward()
	optim.ClipGradNorm(m.params, charClip)
	m.opt.Step()
	return loss
}

// charShape describes a charlm batch, in the rows.
var charShape = fmt.Sprintf("%d×%d V%d", charBatch, charContext, charVocab)

// attentionFlops returns the forward flops of the two products of
// attention, q·kᵀ and P·v: 4·B·H·T·T·d. A causal mask is counted as full:
// both sides compute the whole products and mask the scores.
func attentionFlops(b, h, t, d int) float64 { return 4 * float64(b*h*t*t*d) }

// charFlops returns the flops of a charlm training step's matrix products
// and attention products: the forward's (per block 2·N·C·(3C + C + 4C +
// 4C) for N = B·T tokens, plus attention; the head 2·N·C·V) three times
// over, for the inputs' and the weights' gradients (every product's input
// needs one; the embeddings are lookups). LayerNorm, GELU, softmax, the
// loss and AdamW are not counted.
func charFlops() float64 {
	const n, c = charBatch * charContext, charEmbed
	block := 2.0*n*c*12*c + attentionFlops(charBatch, charHeads, charContext, c/charHeads)
	return 3 * (charLayers*block + 2.0*n*c*charVocab)
}

// theCharLMConfig is the charlm and its training, for the script.
func theCharLMConfig() *charLMConfig {
	return &charLMConfig{Vocab: charVocab, Embed: charEmbed, Context: charContext, Heads: charHeads, Layers: charLayers,
		Batch: charBatch, Corpus: charCorpus, Succ: charSucc, LR: charLR, Beta1: charBeta1, Beta2: charBeta2,
		WeightDecay: charDecay, Clip: charClip, Seed: charSeed}
}

// sdpaShape is an attention workload of the suite: q, k and v [B H T d],
// causal.
type sdpaShape struct{ b, h, t, d int }

// sdpaShapes are the charlm's attention and a longer sequence with wider
// heads.
var sdpaShapes = []sdpaShape{{b: 32, h: 4, t: 64, d: 16}, {b: 8, h: 8, t: 256, d: 64}}

func (s sdpaShape) String() string { return fmt.Sprintf("%d×%d×%d×%d causal", s.b, s.h, s.t, s.d) }

// flops returns a forward and backward pass's: the forward's two products
// and the backward's four of the same size (dP = g·vᵀ, dv = Pᵀ·g, dq =
// dS·k, dk = dSᵀ·q), causal counted as full.
func (s sdpaShape) flops() float64 { return 3 * attentionFlops(s.b, s.h, s.t, s.d) }

// config is s for the script.
func (s sdpaShape) config() *sdpaConfig {
	return &sdpaConfig{B: s.b, H: s.h, T: s.t, D: s.d, Causal: true}
}

// sdpaRunner holds one attention workload's operands, from a fixed seed:
// q, k and v requiring gradients and the output's gradient.
type sdpaRunner struct {
	q, k, v, dy *autograd.Tensor
}

func newSDPARunner(s sdpaShape) *sdpaRunner {
	rng := rand.New(rand.NewPCG(charSeed, 2))
	r := &sdpaRunner{}
	r.q = autograd.Randn(rng, s.b, s.h, s.t, s.d).SetRequiresGrad(true)
	r.k = autograd.Randn(rng, s.b, s.h, s.t, s.d).SetRequiresGrad(true)
	r.v = autograd.Randn(rng, s.b, s.h, s.t, s.d).SetRequiresGrad(true)
	r.dy = autograd.Randn(rng, s.b, s.h, s.t, s.d)
	return r
}

// forwardBackward is causal attention forward, then the gradients of q, k
// and v for the fixed output gradient.
func (r *sdpaRunner) forwardBackward() {
	y := functional.ScaledDotProductAttention(r.q, r.k, r.v, functional.AttentionOptions{IsCausal: true})
	r.q.ZeroGrad()
	r.k.ZeroGrad()
	r.v.ZeroGrad()
	y.BackwardWith(r.dy)
	keep = y
}

// The LSTM of the seq suite, as nn's BenchmarkLSTMTrainStep: one layer,
// 64 inputs, 128 hidden, 32 time steps of a batch of 32 (time-major), a
// Linear(128, 1) on the last step's output, MSE against fixed targets,
// Adam.
const (
	lstmIn     = 64
	lstmHidden = 128
	lstmSteps  = 32
	lstmBatch  = 32
	lstmLR     = 1e-3
	lstmSeed   = 15
)

// lstmTrainer is the LSTM, its head and optimizer, and a fixed batch.
type lstmTrainer struct {
	lstm *nn.LSTM
	head *nn.Linear
	opt  optim.Optimizer
	x, y *autograd.Tensor // [T B in], [B 1]
}

func newLSTMTrainer() *lstmTrainer {
	rng := rand.New(rand.NewPCG(lstmSeed, 1))
	m := &lstmTrainer{lstm: nn.NewLSTM(lstmIn, lstmHidden, nn.RNNOptions{}, rng), head: nn.NewLinear(lstmHidden, 1, rng)}
	m.opt = optim.NewAdam(append(m.lstm.Parameters(), m.head.Parameters()...), lstmLR)
	m.x = autograd.Randn(rng, lstmSteps, lstmBatch, lstmIn)
	m.y = autograd.Randn(rng, lstmBatch, 1)
	return m
}

// step is one training step: forward, loss, ZeroGrad, Backward, Step. It
// returns the loss before the update.
func (m *lstmTrainer) step() *autograd.Tensor {
	out, _, _ := m.lstm.ForwardState(m.x, nil, nil)
	loss := functional.MSELoss(m.head.Forward(out.Select(0, -1)), m.y)
	m.opt.ZeroGrad()
	loss.Backward()
	m.opt.Step()
	return loss
}

// lstmFlops returns a training step's flops in the gate products: the
// forward's 2·T·B·4H·(in + H), the weights' gradients as many again, and
// the hidden state's gradient 2·T·B·4H·H (the input needs none). The head,
// the gates' nonlinearities, the loss and Adam are not counted.
func lstmFlops() float64 {
	const tb, g = lstmSteps * lstmBatch, 4 * lstmHidden
	return 2*2.0*tb*g*(lstmIn+lstmHidden) + 2.0*tb*g*lstmHidden
}

var lstmShape = fmt.Sprintf("%d×%d×%d →%d", lstmSteps, lstmBatch, lstmIn, lstmHidden)

// theLSTMConfig is the LSTM and its training, for the script.
func theLSTMConfig() *lstmConfig {
	return &lstmConfig{In: lstmIn, Hidden: lstmHidden, Steps: lstmSteps, Batch: lstmBatch, LR: lstmLR, Seed: lstmSeed}
}

// seqRow is one workload of the suite on one thread count.
type seqRow struct {
	name, shape string
	tokens      int     // tokens (batch × time) an operation processes
	flops       float64 // per operation
	allocRuns   int     // operations runtime.MemStats averages allocations over
	op          func()  // one operation, on a fresh model or operands
	req         torchRequest
}

// seqRows returns the suite's workloads, each with fresh state: the
// charlm, then attention at each shape, then the LSTM.
func seqRows() []func() seqRow {
	rows := []func() seqRow{func() seqRow {
		m := newCharTrainer()
		return seqRow{name: "charlm/train/step", shape: charShape, tokens: charBatch * charContext, flops: charFlops(),
			allocRuns: 2, op: func() { keep = m.step() },
			req: torchRequest{Suite: "seq", Name: "charlm/train/step", Train: true, CharLM: theCharLMConfig()}}
	}}
	for _, s := range sdpaShapes {
		rows = append(rows, func() seqRow {
			r := newSDPARunner(s)
			return seqRow{name: "sdpa/fwd+bwd", shape: s.String(), tokens: s.b * s.t, flops: s.flops(),
				allocRuns: 4, op: r.forwardBackward,
				req: torchRequest{Suite: "seq", Name: "sdpa/fwd+bwd", Train: true, SDPA: s.config()}}
		})
	}
	return append(rows, func() seqRow {
		m := newLSTMTrainer()
		return seqRow{name: "lstm/train/step", shape: lstmShape, tokens: lstmSteps * lstmBatch, flops: lstmFlops(),
			allocRuns: 4, op: func() { keep = m.step() },
			req: torchRequest{Suite: "seq", Name: "lstm/train/step", Train: true, LSTM: theLSTMConfig()}}
	})
}

func runSeq(b *bench) error {
	threads := b.threadCounts()
	torchP := b.torchThreadsRow(threads)
	for _, fresh := range seqRows() {
		if err := b.measureSeq(fresh, threads, torchP); err != nil {
			return err
		}
	}
	return nil
}

// measureSeq measures one workload on every thread count in one window,
// each count with fresh state (the same steps each time), alternating with
// PyTorch's same workload on the thread count torchP, and emits the rows
// (and PyTorch's).
func (b *bench) measureSeq(fresh func() seqRow, threads []int, torchP int) error {
	ws := make([]seqRow, len(threads))
	ops := make([]func(), len(threads))
	for i := range threads {
		ws[i] = fresh()
		ops[i] = ws[i].op
	}
	w := ws[0]
	b.progress.set("seq: %s %s threads=%v", w.name, w.shape, threads)
	var torch *torchSide
	if slices.Contains(threads, torchP) {
		torch = b.torchFor(w.req)
	}
	ours, theirs, err := b.measureThreads(threads, ops, torchP, torch)
	if err != nil {
		return err
	}
	for i, p := range threads {
		res := Result{Suite: "seq", Name: w.name, Impl: "adjoint", Size: w.tokens, Threads: p, Shape: w.shape}
		res.setStats(summarize(ours[i]))
		var allocs, bytes float64
		withThreads(p, func() { allocs, bytes = allocsPer(w.allocRuns, ws[i].op) })
		res = res.withFlops(w.flops)
		res.AllocsPerOp, res.BytesPerOp = &allocs, &bytes
		if err := b.emit(res); err != nil {
			return err
		}
	}
	if theirs != nil {
		tr := Result{Suite: "seq", Name: w.name, Impl: "torch", Size: w.tokens, Threads: b.cfg.torchThreads, Shape: w.shape}
		tr.setStats(summarize(theirs))
		b.addTorch(tr.withFlops(w.flops))
	}
	return nil
}

func seqTable(b *bench, rs []Result) *table {
	t := &table{
		title: fmt.Sprintf("seq: a byte-level GPT's training step (V=%d, C=%d, T=%d, %d blocks, %d heads, batch %d), causal attention, an LSTM",
			charVocab, charEmbed, charContext, charLayers, charHeads, charBatch),
		notes: []string{
			fmt.Sprintf("charlm/train/step: %d random windows of a synthetic Markov-chain corpus, forward, cross-entropy, ZeroGrad, Backward,", charBatch),
			fmt.Sprintf("ClipGradNorm(%g), AdamW(lr %g, betas %g/%g, weight decay %g); pre-LayerNorm blocks: Linear(C,3C), causal", charClip, charLR, charBeta1, charBeta2, charDecay),
			"functional.ScaledDotProductAttention, Linear(C,C), MLP Linear(C,4C)-GELU-Linear(4C,C); final LayerNorm, Linear(C,V)",
			"sdpa/fwd+bwd: functional.ScaledDotProductAttention(IsCausal) on q, k, v [B×H×T×d] requiring gradients, then BackwardWith",
			fmt.Sprintf("lstm/train/step: nn.LSTM(%d, %d) over T×B×in, Linear(%d,1) on the last step, MSE, Adam(lr %g)", lstmIn, lstmHidden, lstmHidden, lstmLR),
			fmt.Sprintf("GFLOP/s: matrix products' flops over the whole time (charlm %.0f M a step, LSTM %.0f M a step; attention 4·B·H·T·T·d", charFlops()/1e6, lstmFlops()/1e6),
			"a forward, 12·B·H·T·T·d forward and backward, a causal mask counted as the full products both sides compute)",
			speedUpNote,
			"tokens/s: batch × time per second; allocs, KiB: heap allocations and bytes allocated per operation (runtime.MemStats)",
		},
		head: []string{"workload", "shape", "threads", "time/op", "±", "ops/s", "speed-up", "tokens/s", "GFLOP/s", "allocs/op", "KiB/op"},
		left: 2,
	}
	for i, r := range rs {
		if i > 0 && (rs[i-1].Name != r.Name || rs[i-1].Shape != r.Shape) {
			t.sep()
		}
		allocs, kib := allocCells(r)
		t.add(r.Name, r.Shape, fmt.Sprint(r.Threads), fmtTime(r.NsPerOp), fmtSpread(r.stats()), fmtNum(1e9/r.NsPerOp),
			speedUp(rs, r), fmtNum(1e9*float64(r.Size)/r.NsPerOp), fmtNum(r.GFlops), allocs, kib)
	}
	return t
}
