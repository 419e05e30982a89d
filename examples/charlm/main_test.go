package main

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/nn"
	"github.com/adjoint-go/adjoint/tensor"
)

// fakeRoot writes a Go tree holding, for each of the six packages, the
// files given (name → content) plus a test file, a non-Go file and a
// subdirectory that the corpus must leave out, and returns its root.
func fakeRoot(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for _, p := range packages {
		dir := filepath.Join(root, "src", p)
		if err := os.MkdirAll(filepath.Join(dir, "internal"), 0o755); err != nil {
			t.Fatal(err)
		}
		extra := map[string]string{
			"z_test.go":         "package " + p + "_test // not text\n",
			"README":            "not text\n",
			"internal/inner.go": "package internal // not text\n",
		}
		for name, body := range extra {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(root, "src", name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestReadCorpusTakesTheNonTestGoFilesSortedByPath(t *testing.T) {
	root := fakeRoot(t, map[string]string{
		"strings/a.go": "S",
		"bufio/b.go":   "B2",
		"bufio/a.go":   "B1",
		"fmt/print.go": "F",
		"sort/x.go":    "O",
	})
	text, files, err := readCorpus(root)
	if err != nil {
		t.Fatal(err)
	}
	if string(text) != "B1B2FOS" || files != 5 {
		t.Errorf("readCorpus = %q from %d files, want %q from 5", text, files, "B1B2FOS")
	}
	if err := os.RemoveAll(filepath.Join(root, "src", "strconv")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := readCorpus(root); err == nil {
		t.Error("readCorpus succeeded without src/strconv")
	}
}

func TestCorpusRanksBytesAndHoldsOutTheLastTenth(t *testing.T) {
	text := []byte("hello, world!\n" + "ab")          // 16 bytes: 1 held out
	c := newCorpus(append(text, "cdefghijklmnop"...)) // 30 bytes: 3 held out
	if want := "\n !,abcdefghijklmnoprw"; string(c.vocab) != want {
		t.Errorf("vocab = %q, want %q", c.vocab, want)
	}
	if len(c.train) != 27 || len(c.val) != 3 {
		t.Fatalf("split %d + %d, want 27 + 3", len(c.train), len(c.val))
	}
	for i, b := range []byte("hello") {
		if got := c.vocab[int(c.train[i])]; got != b {
			t.Errorf("token %d decodes to %q, want %q", i, got, b)
		}
	}
	if got := []float64{c.val[0], c.val[1], c.val[2]}; !slices.Equal(got, []float64{17, 18, 19}) { // n o p
		t.Errorf("held-out tokens %v, want [17 18 19]", got)
	}
	if _, err := c.encode("hello"); err != nil {
		t.Error(err)
	}
	if _, err := c.encode("hello\t"); err == nil || !strings.Contains(err.Error(), `'\t'`) {
		t.Errorf("encode of a byte outside the vocabulary: %v", err)
	}
}

func TestValWindowsAreDisjointAndLeaveRoomForTheNextByte(t *testing.T) {
	for _, c := range []struct {
		n, t int
		want []int
	}{
		{10, 3, []int{0, 3, 6}}, // the last window 6..8 predicts byte 9
		{9, 3, []int{0, 3}},     // 6..8 would need byte 9
		{4, 3, []int{0}},
		{3, 3, nil},
	} {
		if got := valWindows(c.n, c.t); !slices.Equal(got, c.want) {
			t.Errorf("valWindows(%d, %d) = %v, want %v", c.n, c.t, got, c.want)
		}
	}
}

// The validation loss is the mean over every position of every window of
// -log softmax(logits)[next byte], computed here one window at a time.
func TestValLossIsTheMeanCrossEntropyOverEveryWindowPosition(t *testing.T) {
	s := shape{vocab: 5, width: 8, context: 4, heads: 2, layers: 1}
	rng := rand.New(rand.NewPCG(3, 4))
	model := newGPT(s, rng)
	val := make([]float64, 70*s.context+3) // 70 windows: two forward passes
	for i := range val {
		val[i] = float64(rng.IntN(s.vocab))
	}
	sum, n := 0.0, 0
	for start := 0; start+s.context < len(val); start += s.context {
		x := tensor.New(val[start:start+s.context], 1, s.context)
		logits := model.Forward(autograd.NoGrad(autograd.From(x))).Value().Data() // [1 T V]
		for p := range s.context {
			row := logits[p*s.vocab : (p+1)*s.vocab]
			lse := 0.0
			for _, z := range row {
				lse += math.Exp(z)
			}
			sum += math.Log(lse) - row[int(val[start+p+1])]
			n++
		}
	}
	if n != 70*s.context {
		t.Fatalf("%d positions, want %d", n, 70*s.context)
	}
	if got, want := valLoss(model, val), sum/float64(n); math.Abs(got-want) > 1e-12*want {
		t.Errorf("valLoss = %.15g, want %.15g", got, want)
	}
}

func TestParameterNamesArePyTorchs(t *testing.T) {
	model := newGPT(reference(114), rand.New(rand.NewPCG(1, 2)))
	var got []string
	for _, p := range model.NamedParameters() {
		got = append(got, fmt.Sprintf("%s%v", p.Name, p.Shape()))
	}
	want := []string{"tok.weight[114 64]", "pos.weight[64 64]"}
	for b := range 2 {
		for _, n := range []string{"ln1.weight[64]", "ln1.bias[64]", "qkv.weight[192 64]", "qkv.bias[192]",
			"proj.weight[64 64]", "proj.bias[64]", "ln2.weight[64]", "ln2.bias[64]",
			"mlp.0.weight[256 64]", "mlp.0.bias[256]", "mlp.2.weight[64 256]", "mlp.2.bias[64]"} {
			want = append(want, fmt.Sprintf("blocks.%d.%s", b, n))
		}
	}
	want = append(want, "ln.weight[64]", "ln.bias[64]", "head.weight[114 64]", "head.bias[114]")
	if !slices.Equal(got, want) {
		t.Errorf("parameters\n%v\nwant\n%v", got, want)
	}
	if n := nn.NumParameters(model); n != 118898 {
		t.Errorf("%d parameters, want 118898 (torch_charlm.py's count)", n)
	}
}

// smallText returns a text of Go-like lines, enough for both splits.
func smallText() map[string]string {
	var b strings.Builder
	for i := range 60 {
		fmt.Fprintf(&b, "func f%d(x int) int { return x + %d }\n", i, i%7)
	}
	return map[string]string{"bytes/f.go": b.String()}
}

func runOut(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := run(args, &out, &errOut); err != nil {
		t.Fatalf("run(%q): %v (stderr %q)", args, err, errOut.String())
	}
	return out.String()
}

var stepRE = regexp.MustCompile(`^step=(\d+) train_loss=(\d+\.\d{4}) val_loss=(\d+\.\d{4}) ms_per_step=\d+\.\d$`)

// A few steps on a small text print a step line and a sample; the saved
// model evaluates with -steps 0 -load to the validation loss printed, which
// is below the untrained model's.
func TestShortRunSaveAndLoad(t *testing.T) {
	root := fakeRoot(t, smallText())
	path := filepath.Join(t.TempDir(), "charlm.safetensors")
	out := runOut(t, "-goroot", root, "-steps", "8", "-seed", "2", "-sample", "40", "-prompt", "func f", "-save", path)
	head, text, ok := strings.Cut(out, "sample:\n")
	lines := strings.Split(head, "\n")
	if !ok || len(lines) != 3 || lines[2] != "" {
		t.Fatalf("want a header, a step line and a sample:\n%s", out)
	}
	if want := "text: 2210 bytes in 1 files, a vocabulary of 26 bytes, 1989 for training and 221 held out; 107546 parameters"; lines[0] != want {
		t.Errorf("header %q, want %q", lines[0], want)
	}
	g := stepRE.FindStringSubmatch(lines[1])
	if g == nil || g[1] != "8" {
		t.Fatalf("%q is not the line of step 8", lines[1])
	}
	if len(text) != len("func f")+40+1 || !strings.HasPrefix(text, "func f") || !strings.HasSuffix(text, "\n") {
		t.Errorf("sample %q, want the prompt, 40 bytes and a newline", text)
	}
	if got := runOut(t, "-goroot", root, "-steps", "0", "-load", path); got != "val_loss="+g[3]+"\n" {
		t.Errorf("-steps 0 -load printed %q, want val_loss=%s", got, g[3])
	}
	c := newCorpus([]byte(smallText()["bytes/f.go"]))
	untrained := valLoss(newGPT(reference(len(c.vocab)), rand.New(rand.NewPCG(2, 0xc4a))), c.val)
	if trained := valLoss(loadModel(t, path, len(c.vocab)), c.val); !(trained < untrained-0.2) {
		t.Errorf("val_loss %.4f after 8 steps, untrained %.4f: want it lower", trained, untrained)
	}
	// -steps 0 samples only when asked to.
	got := runOut(t, "-goroot", root, "-steps", "0", "-load", path, "-sample", "5", "-temperature", "0")
	if !strings.HasPrefix(got, "val_loss="+g[3]+"\nsample:\nfunc ") || len(got) != len("val_loss=1.2345\nsample:\nfunc \n")+5 {
		t.Errorf("-steps 0 -sample 5 printed %q", got)
	}
}

func loadModel(t *testing.T, path string, vocab int) *gpt {
	t.Helper()
	m := newGPT(reference(vocab), rand.New(rand.NewPCG(9, 9)))
	if err := nn.Load(path, m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestBadFlagsAndData(t *testing.T) {
	root := fakeRoot(t, smallText())
	tiny := fakeRoot(t, map[string]string{"fmt/a.go": strings.Repeat("x", 200)})
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-steps", "-1"}, "negative"},
		{[]string{"-sample", "-1"}, "negative"},
		{[]string{"-topk", "-1"}, "negative"},
		{[]string{"-steps", "0"}, "-load"},
		{[]string{"-temperature", "-1"}, "-temperature"},
		{[]string{"-temperature", "NaN"}, "-temperature"},
		{[]string{"-sample", "3", "-prompt", ""}, "-prompt"},
		{[]string{"extra"}, "unexpected"},
		{[]string{"-steps", "x"}, "invalid value"},
		{[]string{"-goroot", filepath.Join(root, "nowhere")}, "no such file"},
		{[]string{"-goroot", tiny}, "too few"},
		{[]string{"-goroot", root, "-prompt", "fünc"}, "not in the text's vocabulary"},
		{[]string{"-goroot", root, "-steps", "0", "-load", filepath.Join(root, "none.safetensors")}, "no such file"},
	} {
		var out, errOut bytes.Buffer
		err := run(c.args, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("run(%q) = %v, want an error containing %q", c.args, err, c.want)
		}
	}
}

// BenchmarkStep times one training step of the reference model (the
// ms_per_step that the program prints), on the real text.
func BenchmarkStep(b *testing.B) {
	root, err := goroot()
	if err != nil {
		b.Skip(err)
	}
	text, _, err := readCorpus(root)
	if err != nil {
		b.Skip(err)
	}
	c := newCorpus(text)
	rng := rand.New(rand.NewPCG(1, 2))
	tr := newTrainer(newGPT(reference(len(c.vocab)), rng), c.train, b.N+100, rng)
	b.ReportAllocs()
	for b.Loop() {
		tr.step()
	}
}
