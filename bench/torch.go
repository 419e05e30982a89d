package main

import (
	"bufio"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/adjoint-go/adjoint/device"
	"github.com/adjoint-go/adjoint/kernels"
)

// torchScript is bench/torch_bench.py, embedded so that the command finds
// it wherever it runs from.
//
//go:embed torch_bench.py
var torchScript []byte

// torchSuites are the suites the script knows how to run.
var torchSuites = []string{"kernels", "gemm", "autograd", "mlp", "cnn", "seq"}

// pythonCandidates are the interpreters tried, in order: python3 on PATH
// (which may be a pyenv or virtualenv one), then the system's.
func pythonCandidates() []string {
	var cs []string
	seen := map[string]bool{}
	add := func(p string) {
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			return
		}
		if !seen[real] {
			seen[real] = true
			cs = append(cs, p)
		}
	}
	if p, err := exec.LookPath("python3"); err == nil {
		add(p)
	}
	add("/usr/bin/python3")
	return cs
}

// findTorch returns the first of candidates that can import torch, and the
// version it reports.
func findTorch(candidates []string) (python, version string, tried []string) {
	for _, p := range candidates {
		tried = append(tried, p)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		out, err := exec.CommandContext(ctx, p, "-c", "import torch; print(torch.__version__)").Output()
		cancel()
		if err == nil {
			return p, strings.TrimSpace(string(out)), tried
		}
	}
	return "", "", tried
}

// torchEnv is the environment of the script: the thread count for OpenMP
// and MKL, and OpenBLAS told the core type on AVX-512 machines (it detects
// some of them as "Prescott" and runs four times slower) unless the user
// set it.
func torchEnv(threads int) []string {
	env := os.Environ()
	t := fmt.Sprint(threads)
	env = append(env, "OMP_NUM_THREADS="+t, "MKL_NUM_THREADS="+t, "OPENBLAS_NUM_THREADS="+t)
	if _, set := os.LookupEnv("OMP_WAIT_POLICY"); !set {
		// OpenMP threads that spin after their work would take a core from
		// our side of the row, which runs next.
		env = append(env, "OMP_WAIT_POLICY=PASSIVE")
	}
	if device.CPU().AVX512F {
		if _, set := os.LookupEnv("OPENBLAS_CORETYPE"); !set {
			env = append(env, "OPENBLAS_CORETYPE=SkylakeX")
		}
	}
	return env
}

// torchRequest is a request to the script: prepare one row's workload
// (the fields after Cmd describe it; see torch_bench.py), or run it once.
type torchRequest struct {
	Cmd     string  `json:"cmd"` // "prepare" or "run"
	Suite   string  `json:"suite,omitempty"`
	Name    string  `json:"name,omitempty"`
	TargetS float64 `json:"target_s,omitempty"` // length of one timed run, seconds

	Size   int           `json:"size,omitempty"` // kernels: elements per slice
	M      int           `json:"m,omitempty"`    // gemm: op(A) is m×k, op(B) k×n
	N      int           `json:"n,omitempty"`
	K      int           `json:"k,omitempty"`
	TransA bool          `json:"transA,omitempty"`
	TransB bool          `json:"transB,omitempty"`
	Train  bool          `json:"train,omitempty"` // mlp, cnn, seq: a training step (or a forward and backward pass), or the forward pass alone
	MLP    *mlpConfig    `json:"mlp,omitempty"`
	CNN    *cnnConfig    `json:"cnn,omitempty"`    // cnn: the LeNet rows
	Conv   *convConfig   `json:"conv,omitempty"`   // cnn: a convolution row
	CharLM *charLMConfig `json:"charlm,omitempty"` // seq: the charlm's training step
	SDPA   *sdpaConfig   `json:"sdpa,omitempty"`   // seq: attention's forward and backward
	LSTM   *lstmConfig   `json:"lstm,omitempty"`   // seq: the LSTM's training step
}

// charLMConfig is the seq suite's charlm and its training, for the script.
type charLMConfig struct {
	Vocab       int     `json:"vocab"`
	Embed       int     `json:"embed"`   // C
	Context     int     `json:"context"` // T
	Heads       int     `json:"heads"`
	Layers      int     `json:"layers"`
	Batch       int     `json:"batch"`
	Corpus      int     `json:"corpus"` // bytes of synthetic text
	Succ        int     `json:"succ"`   // successors of a symbol in the Markov chain
	LR          float64 `json:"lr"`
	Beta1       float64 `json:"beta1"`
	Beta2       float64 `json:"beta2"`
	WeightDecay float64 `json:"weight_decay"`
	Clip        float64 `json:"clip"`
	Seed        int     `json:"seed"`
}

// sdpaConfig is an attention row of the seq suite: q, k and v [b h t d].
type sdpaConfig struct {
	B      int  `json:"b"`
	H      int  `json:"h"`
	T      int  `json:"t"`
	D      int  `json:"d"`
	Causal bool `json:"causal"`
}

// lstmConfig is the seq suite's LSTM training, for the script.
type lstmConfig struct {
	In     int     `json:"in"`
	Hidden int     `json:"hidden"`
	Steps  int     `json:"steps"` // time steps
	Batch  int     `json:"batch"`
	LR     float64 `json:"lr"`
	Seed   int     `json:"seed"`
}

// cnnConfig is the cnn suite's LeNet training, for the script.
type cnnConfig struct {
	Batch   int     `json:"batch"`
	Side    int     `json:"side"` // images are 1×side×side
	Classes int     `json:"classes"`
	Batches int     `json:"batches"`
	Density float64 `json:"density"`
	LR      float64 `json:"lr"`
	Seed    int     `json:"seed"`
}

func theCNNConfig() *cnnConfig {
	return &cnnConfig{Batch: cnnBatch, Side: cnnSide, Classes: cnnClasses, Batches: cnnBatches,
		Density: cnnDensity, LR: cnnLR, Seed: cnnSeed}
}

// convConfig is one of the cnn suite's convolutions: n images cin×h×h,
// cout filters cin×k×k, stride 1, padding pad, no bias.
type convConfig struct {
	N    int `json:"n"`
	Cin  int `json:"cin"`
	Cout int `json:"cout"`
	K    int `json:"k"`
	Pad  int `json:"pad"`
	H    int `json:"h"`
}

// mlpConfig is the mlp suite's model and data, for the script.
type mlpConfig struct {
	Batch    int     `json:"batch"`
	In       int     `json:"in"`
	Hidden   int     `json:"hidden"`
	Out      int     `json:"out"`
	Batches  int     `json:"batches"`
	Density  float64 `json:"density"`
	LR       float64 `json:"lr"`
	Momentum float64 `json:"momentum"`
	Seed     int     `json:"seed"`
}

func theMLPConfig() *mlpConfig {
	return &mlpConfig{Batch: mlpBatch, In: mlpIn, Hidden: mlpHidden, Out: mlpOut, Batches: mlpBatches,
		Density: mlpDensity, LR: mlpLR, Momentum: mlpMomentum, Seed: mlpSeed}
}

// torchReply is one line the script writes: its greeting, or the answer to
// a request.
type torchReply struct {
	Hello      string    `json:"hello"` // "torch" on the first line
	Version    string    `json:"version"`
	Python     string    `json:"python"`
	Capability string    `json:"capability"` // PyTorch's own vector level
	OK         bool      `json:"ok"`
	Error      string    `json:"error"`
	N          int       `json:"n"`  // prepare: operations per timed run
	NS         []float64 `json:"ns"` // run: nanoseconds per operation of each phase
}

// torchSession is the PyTorch side of -torch: one python process running
// torch_bench.py for the whole command, which prepares and times one row
// at a time on request so that its runs can alternate with ours.
type torchSession struct {
	python     string // the interpreter, for the report
	version    string // torch.__version__
	capability string

	w      io.WriteCloser // requests
	r      *bufio.Reader  // replies
	stderr *tail          // the script's stderr, for error messages
	done   func() error   // ends the process (nil: nothing to end)
	cpu    int            // the CPU the process keeps to, or -1
}

// launchTorch starts the script under python with threads threads and
// reads its greeting. With cpu >= 0 the process runs on that CPU alone,
// if it can be pinned (the session's cpu says; -1 if not).
func launchTorch(python string, threads, cpu int) (*torchSession, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Hour)
	arg, _ := json.Marshal(map[string]int{"threads": threads})
	cmd := exec.CommandContext(ctx, python, "-c", string(torchScript), string(arg))
	cmd.Env = torchEnv(threads)
	cmd.WaitDelay = 10 * time.Second
	stderr := &tail{}
	cmd.Stderr = stderr
	w, err := cmd.StdinPipe()
	if err != nil {
		cancel()
		return nil, err
	}
	r, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		cancel()
		return nil, err
	}
	// Pinned before python imports torch, so that every thread it starts
	// keeps to cpu too.
	if cpu >= 0 && pinProcess(cmd.Process.Pid, cpu) != nil {
		cpu = -1
	}
	s, err := newTorchSession(python, w, r, stderr, func() error {
		defer cancel()
		return cmd.Wait()
	})
	if err != nil {
		return nil, err
	}
	s.cpu = cpu
	return s, nil
}

// newTorchSession reads the greeting from r. done, if not nil, is called
// by close after w is closed.
func newTorchSession(python string, w io.WriteCloser, r io.Reader, stderr *tail, done func() error) (*torchSession, error) {
	if stderr == nil {
		stderr = &tail{}
	}
	s := &torchSession{python: python, w: w, r: bufio.NewReader(r), stderr: stderr, done: done, cpu: -1}
	hello, err := s.read()
	if err == nil && hello.Hello != "torch" {
		err = fmt.Errorf("no greeting from the script")
	}
	if err != nil {
		s.close()
		return nil, err
	}
	s.version, s.capability = hello.Version, hello.Capability
	return s, nil
}

// call sends req and returns the reply; a reply with an error is an error.
//
// PyTorch's work keeps a core busy while ours waits for the reply, and the
// kernels' load sample would count it as another process's: splitting
// would stop for the runs of ours that follow (our two-thread rows ran
// unsplit, at 0.97-1.00 times the one-thread speed, where they run 1.2
// times as fast alone). So the sample restarts once the reply is in.
func (s *torchSession) call(req torchRequest) (torchReply, error) {
	line, err := json.Marshal(req)
	if err != nil {
		return torchReply{}, err
	}
	if _, err := s.w.Write(append(line, '\n')); err != nil {
		return torchReply{}, s.died(err)
	}
	defer kernels.ResetLoad()
	return s.read()
}

// read returns the next reply, skipping lines that are not one.
func (s *torchSession) read() (torchReply, error) {
	for {
		line, err := s.r.ReadBytes('\n')
		var rep torchReply
		if json.Unmarshal(line, &rep) == nil && (rep.OK || rep.Error != "" || rep.Hello != "") {
			if rep.Error != "" {
				return rep, errors.New(rep.Error)
			}
			return rep, nil
		}
		if err != nil {
			return torchReply{}, s.died(err)
		}
	}
}

// died describes the end of the process: err, and the last line the
// script wrote to stderr (a Python traceback ends with the exception).
func (s *torchSession) died(err error) error {
	if last := s.stderr.lastLine(); last != "" {
		return fmt.Errorf("%v: %s", err, last)
	}
	return err
}

// close ends the session: the script exits when its stdin closes.
func (s *torchSession) close() error {
	err := s.w.Close()
	if s.done != nil {
		if e := s.done(); e != nil {
			err = e
		}
		s.done = nil
	}
	return err
}

// tail keeps the last few KiB written to it.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	const keep = 8 << 10
	t.buf = append(t.buf, p...)
	if len(t.buf) > keep {
		t.buf = t.buf[len(t.buf)-keep:]
	}
	return len(p), nil
}

// lastLine returns the last non-empty line written.
func (t *tail) lastLine() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := strings.TrimSpace(string(t.buf))
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return strings.TrimSpace(s)
}

// torchSide is the PyTorch side of one row, a contender that the script
// prepares and runs.
type torchSide struct {
	s   *torchSession
	req torchRequest
}

func (t *torchSide) label() string {
	what := t.req.Name
	if t.req.Size > 0 {
		what += " " + fmtSize(t.req.Size)
	}
	if t.req.M > 0 {
		what += fmt.Sprintf(" %d×%d×%d", t.req.M, t.req.N, t.req.K)
	}
	return fmt.Sprintf("torch %s %s", t.req.Suite, what)
}

func (t *torchSide) calibrate() error {
	req := t.req
	req.Cmd = "prepare"
	rep, err := t.s.call(req)
	if err == nil && rep.N < 1 {
		err = fmt.Errorf("prepare: %d operations per run", rep.N)
	}
	return err
}

func (t *torchSide) run() ([]float64, error) {
	rep, err := t.s.call(torchRequest{Cmd: "run"})
	if err == nil && len(rep.NS) == 0 {
		err = fmt.Errorf("run: no times in the reply")
	}
	return rep.NS, err
}

// startTorch starts the PyTorch side of -torch, before the suites run, or
// records in b.torchNote why there is none.
func (b *bench) startTorch() {
	if !slices.ContainsFunc(torchSuites, func(s string) bool { return slices.Contains(b.cfg.suites, s) }) {
		b.torchNote = fmt.Sprintf("torch: none of the suites PyTorch runs (%s) was selected", strings.Join(torchSuites, ", "))
		return
	}
	b.progress.set("torch: looking for python3 with PyTorch")
	python, _, tried := findTorch(b.pythons())
	b.progress.clear()
	if python == "" {
		b.torchNote = fmt.Sprintf("torch: no python3 with PyTorch found (tried %s); skipping the comparison", strings.Join(tried, ", "))
		return
	}
	cpu, pin := pinCPU()
	pin = pin && b.cfg.torchThreads == 1
	if !pin {
		cpu = -1
	}
	s, err := launchTorch(python, b.cfg.torchThreads, cpu)
	if err != nil {
		b.torchNote = fmt.Sprintf("torch: cannot run %s: %v; skipping the comparison", python, err)
		return
	}
	b.torchS, b.torchPython, b.torchVersion, b.torchCapability = s, python, s.version, s.capability
	sharedCPU, b.torchPinned, b.torchCPU = s.cpu, s.cpu >= 0, s.cpu
}

// stopTorch ends the PyTorch process, if one runs.
func (b *bench) stopTorch() {
	if b.torchS != nil {
		b.torchS.close()
		b.torchS = nil
	}
	sharedCPU = -1
}

// torchFor returns the PyTorch side of a row with the workload req, or
// nil when no PyTorch session runs.
func (b *bench) torchFor(req torchRequest) *torchSide {
	if b.torchS == nil {
		return nil
	}
	req.TargetS = b.cfg.timing.target.Seconds()
	return &torchSide{s: b.torchS, req: req}
}

// torchThreadsRow returns which of a suite's thread counts the PyTorch
// side joins: the largest that PyTorch's own count reaches (1 by default).
func (b *bench) torchThreadsRow(threads []int) int {
	p := threads[0]
	for _, t := range threads {
		if t <= b.cfg.torchThreads {
			p = max(p, t)
		}
	}
	return p
}

// measureRow measures the contenders of one row in alternation, with the
// PyTorch side t (nil: none) taking its turn right after cs[pair], the
// figure it is compared with. It returns the samples of cs and, when
// PyTorch took part, PyTorch's. If the PyTorch side fails, the session
// ends (the report says where and why) and the row is measured again
// without it.
func (b *bench) measureRow(cs []contender, t *torchSide, pair int) (ours [][][]float64, theirs [][]float64, err error) {
	rounds := b.cfg.timing.runs
	if t != nil {
		all := slices.Insert(slices.Clone(cs), pair+1, contender(t))
		s, err := interleave(rounds, all)
		if err == nil {
			theirs := s[pair+1]
			return slices.Delete(s, pair+1, pair+2), theirs, nil
		}
		var se *sideError
		if !errors.As(err, &se) || se.index != pair+1 {
			return nil, nil, err
		}
		b.torchNote = fmt.Sprintf("torch: %s failed on %s (%v); the rows after it have no PyTorch figure",
			b.torchPython, t.label(), se.err)
		b.stopTorch()
	}
	s, err := interleave(rounds, cs)
	return s, nil, err
}

// addTorch records a PyTorch row, shown by torchReport.
func (b *bench) addTorch(r Result) { b.torchRows = append(b.torchRows, r) }

// torchReport shows PyTorch's figures next to ours, after the suites: a
// table (or JSON lines), and a line saying why there are none or where
// they stop.
func (b *bench) torchReport(stderr io.Writer) error {
	msg := b.out
	if b.cfg.json {
		msg = stderr // keep stdout JSON only
	}
	if b.torchNote != "" {
		fmt.Fprintf(msg, "\n%s\n", b.torchNote)
	}
	if len(b.torchRows) == 0 {
		return nil
	}
	b.results = append(b.results, b.torchRows...)
	if b.cfg.json {
		for _, r := range b.torchRows {
			if err := writeJSON(b.out, r); err != nil {
				return err
			}
		}
		return nil
	}
	b.torchTable(b.torchRows).print(b.out)
	return nil
}

func sizeOrShape(r Result) string {
	if r.Shape != "" {
		return r.Shape
	}
	return fmtSize(r.Size)
}

// ours returns our result that corresponds to the PyTorch result r: the
// kernel level in use for kernels, adjoint (or else gonum) for gemm,
// adjoint for autograd and mlp.
func (b *bench) ours(r Result) (Result, bool) {
	prefer := []string{"adjoint"}
	switch r.Suite {
	case "kernels":
		prefer = []string{kernels.Level().String()}
	case "gemm":
		prefer = []string{"adjoint", "gonum"}
	}
	for _, impl := range prefer {
		for _, o := range b.results {
			if o.Suite == r.Suite && o.Name == r.Name && o.Size == r.Size && o.Shape == r.Shape &&
				o.Threads == r.Threads && o.Impl == impl {
				return o, true
			}
		}
	}
	return Result{}, false
}

// pinNote says where the two sides ran.
func (b *bench) pinNote() string {
	if !b.torchPinned {
		return "the two sides ran where the operating system put them"
	}
	return fmt.Sprintf("PyTorch's process and our one-thread runs kept to CPU %d, so that both sides ran on the same core", b.torchCPU)
}

func (b *bench) torchTable(rows []Result) *table {
	env := fmt.Sprintf("OMP_NUM_THREADS=%d", b.cfg.torchThreads)
	for _, kv := range torchEnv(b.cfg.torchThreads) {
		if strings.HasPrefix(kv, "OPENBLAS_CORETYPE=") {
			env += " " + kv
		}
	}
	t := &table{
		title: fmt.Sprintf("PyTorch %s (%s, kernels %s, %s): same workloads, float64", b.torchVersion, b.torchPython, orDash(b.torchCapability), env),
		notes: []string{
			b.pinNote(),
			"ratio: PyTorch's time / ours (above 1: ours is faster); figures: kernels GB/s, gemm, conv and sdpa GFLOP/s, mlp, lenet, charlm and lstm steps/s, autograd ns per op",
			fmt.Sprintf("each row alternates the two sides, one timed run each in turn (%d rounds, one python process throughout); each figure is its side's median",
				b.cfg.timing.runs),
		},
		head: []string{"suite", "name", "size", "threads", "ours", "impl", "PyTorch", "ratio"},
		left: 2,
	}
	if slices.ContainsFunc(rows, func(r Result) bool { return r.Suite == "mlp" }) {
		t.notes = append(t.notes,
			"mlp: torch.nn.Sequential(Linear, ReLU, Linear) in float64, F.cross_entropy, torch.optim.SGD(momentum=0.9),",
			"zero_grad(set_to_none=True) (PyTorch 2's default), on synthetic batches drawn as ours are")
	}
	if slices.ContainsFunc(rows, func(r Result) bool { return r.Suite == "cnn" }) {
		t.notes = append(t.notes,
			"cnn: LeNet-5 as the same torch.nn.Sequential in float64, F.cross_entropy, torch.optim.Adam, zero_grad(set_to_none=True);",
			"conv/*: F.conv2d without bias, under no_grad or with .backward() into the input's and the weight's gradients")
	}
	if slices.ContainsFunc(rows, func(r Result) bool { return r.Suite == "seq" }) {
		t.notes = append(t.notes,
			"seq: the same charlm as a torch.nn.Module in float64, attention written out as PyTorch 1.13 has no public",
			"scaled_dot_product_attention (q@kᵀ·scale, masked_fill of a causal mask with -inf, softmax, @v), F.cross_entropy,",
			"clip_grad_norm_, torch.optim.AdamW, zero_grad(set_to_none=True); sdpa/*: that attention with .backward() into q, k, v;",
			"lstm: torch.nn.LSTM and Linear, F.mse_loss, torch.optim.Adam")
	}
	figure := func(r Result) string {
		switch {
		case r.Suite == "mlp" || r.Suite == "cnn" && strings.HasPrefix(r.Name, "lenet/") ||
			r.Suite == "seq" && strings.HasSuffix(r.Name, "/train/step"):
			return fmtNum(1e9/r.NsPerOp) + " " + fmtSpread(r.stats())
		case r.GBps > 0:
			return fmtNum(r.GBps) + " " + fmtSpread(r.stats())
		case r.GFlops > 0:
			return fmtNum(r.GFlops) + " " + fmtSpread(r.stats())
		}
		return fmtNum(r.NsPerOp) + " " + fmtSpread(r.stats())
	}
	last := ""
	for _, r := range rows {
		group := r.Suite
		if r.Suite == "kernels" {
			group += r.Name
		}
		if last != "" && group != last {
			t.sep()
		}
		last = group
		o, ok := b.ours(r)
		oursFig, impl, ratio := "–", "", ""
		if ok {
			oursFig, impl = figure(o), o.Impl
			ratio = fmt.Sprintf("%.2f", r.NsPerOp/o.NsPerOp)
		}
		t.add(r.Suite, r.Name, sizeOrShape(r), fmt.Sprint(r.Threads), oursFig, impl, figure(r), ratio)
	}
	return t
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}
