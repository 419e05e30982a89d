package main

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/nn/functional"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestSeqSuite runs `bench -suite seq -json` with one short run per figure
// and checks its rows: every workload on every thread count, in order,
// with its shape, tokens, GFLOP/s from the stated flops, and allocations;
// then lays them out as the table.
func TestSeqSuite(t *testing.T) {
	if testing.Short() {
		t.Skip("charlm training steps and attention at 8×8×256×64")
	}
	rs, counts := runSuite(t, "seq")
	// Each workload: name, shape, tokens per operation, flops per
	// operation (written out: see charFlops, sdpaShape.flops, lstmFlops).
	workloads := []struct {
		name, shape string
		tokens      int
		flops       float64
	}{
		// 3·(2·(2·2048·64·768 + 4·32·4·64·64·16) + 2·2048·64·96)
		{"charlm/train/step", "32×64 V96", 2048, 1484783616},
		// 12·B·H·T·T·d
		{"sdpa/fwd+bwd", "32×4×64×16 causal", 32 * 64, 100663296},
		{"sdpa/fwd+bwd", "8×8×256×64 causal", 8 * 256, 3221225472},
		// 2·2·1024·512·192 + 2·1024·512·128
		{"lstm/train/step", "32×32×64 →128", 32 * 32, 536870912},
	}
	var want, got []string
	for _, w := range workloads {
		for _, p := range counts {
			want = append(want, fmt.Sprintf("%s %s %d", w.name, w.shape, p))
		}
	}
	for i, r := range rs {
		got = append(got, fmt.Sprintf("%s %s %d", r.Name, r.Shape, r.Threads))
		if r.Suite != "seq" || r.Impl != "adjoint" || !(r.NsPerOp > 0) || r.Runs != 1 ||
			r.AllocsPerOp == nil || !(*r.AllocsPerOp > 0) || r.BytesPerOp == nil || !(*r.BytesPerOp > 0) {
			t.Errorf("row %+v: want a time, allocations and bytes", r)
		}
		if s := speedUp(rs, r); (s == "") != (r.Threads == 1) {
			t.Errorf("row %s on %d threads: speed-up %q, want one on the all-thread rows only", r.Name, r.Threads, s)
		}
		if i/len(counts) >= len(workloads) {
			continue
		}
		w := workloads[i/len(counts)]
		if f := r.GFlops * r.NsPerOp; math.Abs(f-w.flops) > 1e-9*w.flops || r.Size != w.tokens {
			t.Errorf("row %s %s: %.0f flops and %d tokens an operation, want %.0f and %d", r.Name, r.Shape, f, r.Size, w.flops, w.tokens)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("rows\n%q\nwant\n%q", got, want)
	}

	var tb bytes.Buffer
	seqTable(&bench{}, rs).print(&tb)
	for _, w := range []string{"== seq: a byte-level GPT", "tokens/s", "speed-up", "charlm/train/step", "8×8×256×64 causal",
		"lstm/train/step", "32×32×64 →128", "AdamW", "counted as the full products"} {
		if !strings.Contains(tb.String(), w) {
			t.Errorf("table lacks %q:\n%s", w, tb.String())
		}
	}
}

// TestSeqRowsWithFakeTorch measures the attention and LSTM rows on one
// thread with a fake PyTorch: PyTorch is asked for the same workload, the
// configuration of its kind and no other, and its rows carry our shapes so
// that the report pairs them; the report shows steps per second for the
// LSTM and GFLOP/s for attention.
func TestSeqRowsWithFakeTorch(t *testing.T) {
	log := &callLog{}
	fake := &fakeTorch{log: log, runs: [][]float64{{3e6}, {1e6}, {2e6}}}
	var out bytes.Buffer
	b := testBench(&out, 3)
	b.torchS = fake.start(t)
	b.torchVersion = "0.0-fake"
	rows := seqRows()
	if len(rows) != 4 {
		t.Fatalf("%d workloads, want charlm, attention at two shapes and the LSTM", len(rows))
	}
	charlm := rows[0]()
	if r := charlm.req; r.CharLM == nil || *r.CharLM != *theCharLMConfig() || r.SDPA != nil || r.LSTM != nil ||
		r.CharLM.Vocab != 96 || r.CharLM.Embed != 64 || r.CharLM.Context != 64 || r.CharLM.Heads != 4 || r.CharLM.Layers != 2 ||
		r.CharLM.Batch != 32 || r.CharLM.LR != 3e-3 || r.CharLM.Beta2 != 0.99 || r.CharLM.WeightDecay != 0.1 || r.CharLM.Clip != 1 {
		t.Errorf("charlm request %+v (charlm %+v): want the reference model and recipe", r, r.CharLM)
	}
	for _, w := range []func() seqRow{rows[1], rows[3]} { // attention at the charlm's shape, the LSTM
		if err := b.measureSeq(w, []int{1}, 1); err != nil {
			t.Fatal(err)
		}
	}
	var prep []torchRequest
	for _, r := range fake.reqs {
		if r.Cmd == "prepare" {
			prep = append(prep, r)
		}
	}
	if len(prep) != 2 || len(b.torchRows) != 2 || len(b.results) != 2 {
		t.Fatalf("%d prepares, %d PyTorch rows, %d of ours: want 2 of each", len(prep), len(b.torchRows), len(b.results))
	}
	if r := prep[0]; r.Suite != "seq" || r.Name != "sdpa/fwd+bwd" || !r.Train || r.SDPA == nil ||
		*r.SDPA != (sdpaConfig{B: 32, H: 4, T: 64, D: 16, Causal: true}) || r.CharLM != nil || r.LSTM != nil {
		t.Errorf("attention's prepare %+v (sdpa %+v): want causal 32×4×64×16", r, r.SDPA)
	}
	if r := prep[1]; r.Suite != "seq" || r.Name != "lstm/train/step" || r.LSTM == nil ||
		*r.LSTM != (lstmConfig{In: 64, Hidden: 128, Steps: 32, Batch: 32, LR: 1e-3, Seed: lstmSeed}) || r.SDPA != nil {
		t.Errorf("the LSTM's prepare %+v (lstm %+v): want 64→128 over 32 steps of 32, Adam 1e-3", r, r.LSTM)
	}
	for i, tr := range b.torchRows {
		o, ok := b.ours(tr)
		if !ok || o.Name != b.results[i].Name || o.Shape != b.results[i].Shape || tr.NsPerOp != 2e6 {
			t.Errorf("PyTorch row %+v: want the median 2 ms and our row %s beside it", tr, b.results[i].Name)
		}
	}
	if got := b.torchRows[0].GFlops; got != 100663296/2e6 {
		t.Errorf("PyTorch's attention: %v GFLOP/s, want 12·32·4·64·64·16 flops over 2 ms", got)
	}
	if err := b.torchReport(io.Discard); err != nil {
		t.Fatal(err)
	}
	report := out.String()
	for _, w := range []string{"seq", "sdpa/fwd+bwd", "32×4×64×16 causal", "50.3", "lstm/train/step", "500 ",
		"masked_fill of a causal mask"} {
		if !strings.Contains(report, w) {
			t.Errorf("report lacks %q:\n%s", w, report)
		}
	}
}

// TestCharLMTrains checks that the seq suite times the reference model:
// PyTorch's parameter names and count, logits [B T V], and a loss that
// starts near ln V and falls within 30 steps on the synthetic corpus.
func TestCharLMTrains(t *testing.T) {
	if testing.Short() {
		t.Skip("30 charlm training steps")
	}
	m := newCharTrainer()
	n := 0
	var names []string
	for _, p := range m.model.NamedParameters() {
		n += p.Numel()
		names = append(names, p.Name)
	}
	// tok 96·64, pos 64·64, per block 2·(2·64) LayerNorm + 64·192+192 +
	// 64·64+64 + 64·256+256 + 256·64+64, ln 2·64, head 64·96+96: what
	// PyTorch's model in torch_bench.py counts.
	if n != 116576 {
		t.Errorf("%d parameters, want 116576", n)
	}
	for _, w := range []string{"tok.weight", "pos.weight", "blocks.0.ln1.weight", "blocks.0.qkv.weight", "blocks.0.proj.bias",
		"blocks.0.mlp.0.weight", "blocks.1.mlp.2.bias", "ln.bias", "head.weight"} {
		if !slices.Contains(names, w) {
			t.Errorf("no parameter %q in %q", w, names)
		}
	}
	x, _ := m.batch()
	if s := m.model.Forward(x).Shape(); !slices.Equal(s, []int{charBatch, charContext, charVocab}) {
		t.Errorf("logits of shape %v, want [%d %d %d]", s, charBatch, charContext, charVocab)
	}
	first := m.step().Item()
	if math.Abs(first-math.Log(charVocab)) > 0.5 {
		t.Errorf("first loss %.3f, want about ln %d = %.3f", first, charVocab, math.Log(charVocab))
	}
	var last float64
	for range 30 {
		last = m.step().Item()
	}
	if !(last < first-1) {
		t.Errorf("loss went from %.3f to %.3f in 30 steps: want a fall of 1 nat at least", first, last)
	}
}

// TestSyntheticText checks the corpus: symbols in range, each followed by
// one of at most charSucc successors.
func TestSyntheticText(t *testing.T) {
	text := newCharTrainer().text
	if len(text) != charCorpus {
		t.Fatalf("%d bytes, want %d", len(text), charCorpus)
	}
	next := map[float64]map[float64]bool{}
	for i, c := range text {
		if c != math.Trunc(c) || c < 0 || c >= charVocab {
			t.Fatalf("symbol %v at %d", c, i)
		}
		if i > 0 {
			p := text[i-1]
			if next[p] == nil {
				next[p] = map[float64]bool{}
			}
			next[p][c] = true
		}
	}
	for p, s := range next {
		if len(s) > charSucc {
			t.Errorf("symbol %v has %d successors, want at most %d", p, len(s), charSucc)
		}
	}
	if len(next) < charVocab/2 {
		t.Errorf("only %d symbols are visited", len(next))
	}
}

// TestLSTMTrains checks the LSTM row trains: the MSE on its fixed batch
// falls by a third in 10 steps of Adam.
func TestLSTMTrains(t *testing.T) {
	m := newLSTMTrainer()
	first := m.step().Item()
	var last float64
	for range 10 {
		last = m.step().Item()
	}
	if !(last < first*2/3) {
		t.Errorf("loss went from %.3f to %.3f in 10 steps: want a fall of a third", first, last)
	}
}

// TestSDPARunner checks the attention row's operation: its gradients are
// those of the same attention written out with composite operations.
func TestSDPARunner(t *testing.T) {
	r := newSDPARunner(sdpaShape{b: 2, h: 3, t: 5, d: 4})
	r.forwardBackward()
	r.forwardBackward() // gradients are zeroed, not accumulated
	got := [][]float64{r.q.Grad().Data(), r.k.Grad().Data(), r.v.Grad().Data()}
	q, k, v := r.q.Detach().SetRequiresGrad(true), r.k.Detach().SetRequiresGrad(true), r.v.Detach().SetRequiresGrad(true)
	s := q.MatMul(k.Transpose(-2, -1)).MulScalar(0.5)
	mask := autograd.From(tensor.Ones(5, 5).Triu(1))
	y := functional.Softmax(s.MaskedFill(mask, math.Inf(-1)), -1).MatMul(v)
	y.BackwardWith(r.dy)
	for i, g := range []*autograd.Tensor{q, k, v} {
		for j, w := range g.Grad().Data() {
			if math.Abs(got[i][j]-w) > 1e-12 {
				t.Fatalf("gradient %d element %d: %v, composite %v", i, j, got[i][j], w)
			}
		}
	}
}
