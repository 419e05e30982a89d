package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestQuickJSON runs the whole command in quick mode with -json, as the
// README's `go run ./bench -quick -json` does, and checks that every line
// is a JSON object with the schema's fields and that every suite reported.
func TestQuickJSON(t *testing.T) {
	var out, errOut bytes.Buffer
	start := time.Now()
	if err := run([]string{"-quick", "-json"}, &out, &errOut); err != nil {
		t.Fatalf("bench -quick -json: %v\nstderr:\n%s", err, errOut.String())
	}
	t.Logf("bench -quick -json took %v", time.Since(start).Round(time.Millisecond))

	required := []string{"suite", "name", "impl", "size", "threads", "ns_per_op"}
	seen := map[string]int{}
	sc := bufio.NewScanner(&out)
	line := 0
	for sc.Scan() {
		line++
		var obj map[string]any
		if err := json.Unmarshal(sc.Bytes(), &obj); err != nil {
			t.Fatalf("line %d is not JSON: %v\n%s", line, err, sc.Text())
		}
		for _, f := range required {
			if _, ok := obj[f]; !ok {
				t.Fatalf("line %d has no %q: %s", line, f, sc.Text())
			}
		}
		var r Result
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %d does not decode as a Result: %v", line, err)
		}
		seen[r.Suite]++
		if line == 1 {
			if r.Suite != "machine" || obj["cpu"] == nil || obj["kernels"] == nil {
				t.Fatalf("line 1 is not the machine header: %s", sc.Text())
			}
			if rt, ok := obj["core_round_trip_ns"]; ok {
				if v, _ := rt.(float64); !(v > 0) {
					t.Errorf("line 1: core_round_trip_ns %v", rt)
				}
			}
			continue
		}
		if r.Runs == 0 && r.Note != "" {
			continue // a row that says why it could not be measured
		}
		if !(r.NsPerOp > 0) || r.NsMin > r.NsPerOp || r.NsPerOp > r.NsMax || r.Runs < 1 {
			t.Errorf("line %d: bad time figures: %s", line, sc.Text())
		}
		switch {
		case r.Suite == "kernels" || r.Name == "copy" || r.Name == "triad":
			if !(r.GBps > 0) {
				t.Errorf("line %d: no gbps: %s", line, sc.Text())
			}
		case r.Suite == "gemm" || r.Name == "fma":
			if !(r.GFlops > 0) {
				t.Errorf("line %d: no gflops: %s", line, sc.Text())
			}
		case r.Suite == "cnn":
			if !(r.GFlops > 0) || r.AllocsPerOp == nil || r.BytesPerOp == nil || !(*r.BytesPerOp > 0) || r.Shape == "" {
				t.Errorf("line %d: want gflops, allocs_per_op, bytes_per_op and a shape: %s", line, sc.Text())
			}
		case r.Suite == "seq":
			if !(r.GFlops > 0) || r.AllocsPerOp == nil || r.BytesPerOp == nil || !(*r.BytesPerOp > 0) || r.Shape == "" || !(r.Size > 0) {
				t.Errorf("line %d: want gflops, allocs_per_op, bytes_per_op, a shape and tokens: %s", line, sc.Text())
			}
		case r.Suite == "mlp":
			if !(r.GFlops > 0) || r.AllocsPerOp == nil || !(*r.AllocsPerOp > 0) || r.BytesPerOp == nil || !(*r.BytesPerOp > 0) ||
				!slices.ContainsFunc(mlpModels, func(m mlpModel) bool { return m.batch == r.Size && m.shape() == r.Shape }) {
				t.Errorf("line %d: want gflops, allocs_per_op, bytes_per_op, a model's batch size and shape: %s", line, sc.Text())
			}
		}
	}
	for _, s := range append([]string{"machine"}, suiteNames()...) {
		if seen[s] == 0 {
			t.Errorf("no line from suite %q (lines per suite: %v)", s, seen)
		}
	}
}

func TestQuickTables(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"-quick", "-suite", "autograd,roofline", "-runtime", "200us", "-runs", "3"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{"cpu:", "go:", "GOMAXPROCS", "latency:", "== roofline", "== autograd", "allocs/op", "total "} {
		if !strings.Contains(s, want) {
			t.Errorf("output has no %q:\n%s", want, s)
		}
	}
	if strings.Index(s, "== roofline") > strings.Index(s, "== autograd") {
		t.Errorf("suites not in registry order:\n%s", s)
	}
}

func TestFlags(t *testing.T) {
	t.Run("an unknown suite is an error that lists the suites", func(t *testing.T) {
		err := run([]string{"-suite", "kernels,nope"}, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), `"nope"`) || !strings.Contains(err.Error(), "roofline") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("suites run in registry order, each once", func(t *testing.T) {
		cfg, _, err := parseFlags([]string{"-suite", "autograd,kernels,autograd"}, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"kernels", "autograd"}; !slices.Equal(cfg.suites, want) {
			t.Fatalf("suites = %v, want %v", cfg.suites, want)
		}
	})
	t.Run("quick mode times fewer and shorter runs", func(t *testing.T) {
		full, _, _ := parseFlags(nil, io.Discard)
		quick, _, _ := parseFlags([]string{"-quick"}, io.Discard)
		if quick.timing.runs >= full.timing.runs || quick.timing.target >= full.timing.target {
			t.Fatalf("quick %+v, full %+v", quick.timing, full.timing)
		}
		if !slices.Equal(full.suites, suiteNames()) {
			t.Fatalf("default suites %v, want all %v", full.suites, suiteNames())
		}
	})
	t.Run("-list names every suite", func(t *testing.T) {
		var e bytes.Buffer
		if err := run([]string{"-list"}, io.Discard, &e); err != nil {
			t.Fatal(err)
		}
		for _, s := range suiteNames() {
			if !strings.Contains(e.String(), s) {
				t.Errorf("-list does not name %s:\n%s", s, e.String())
			}
		}
	})
}

func TestSummarize(t *testing.T) {
	tests := []struct {
		name string
		in   []float64
		want Stats
	}{
		{"one run is its own median", []float64{7}, Stats{Median: 7, Min: 7, Max: 7, Q1: 7, Q3: 7, Runs: 1}},
		{"an odd count takes the middle value", []float64{5, 1, 4, 2, 3}, Stats{Median: 3, Min: 1, Max: 5, Q1: 2, Q3: 4, Runs: 5}},
		{"an even count averages the middle two", []float64{4, 1, 3, 2}, Stats{Median: 2.5, Min: 1, Max: 4, Q1: 1.75, Q3: 3.25, Runs: 4}},
		{"one outlier moves the extremes, not the median", []float64{10, 10, 11, 10, 1000}, Stats{Median: 10, Min: 10, Max: 1000, Q1: 10, Q3: 11, Runs: 5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := slices.Clone(tc.in)
			if got := summarize(in); got != tc.want {
				t.Fatalf("summarize(%v) = %+v, want %+v", tc.in, got, tc.want)
			}
			if !slices.Equal(in, tc.in) {
				t.Fatalf("summarize changed its input to %v", in)
			}
		})
	}
	t.Run("no runs give NaN", func(t *testing.T) {
		if s := summarize(nil); !math.IsNaN(s.Median) || s.Runs != 0 {
			t.Fatalf("summarize(nil) = %+v", s)
		}
	})
	t.Run("the spread is half the interquartile range over the median", func(t *testing.T) {
		s := summarize([]float64{90, 95, 100, 105, 110})
		if got := s.Spread(); math.Abs(got-0.05) > 1e-12 {
			t.Fatalf("Spread = %v, want 0.05", got)
		}
		if got := fmtSpread(s); got != "±5%" {
			t.Fatalf("fmtSpread = %q, want ±5%%", got)
		}
	})
}

func TestMeasure(t *testing.T) {
	calls := 0
	tm := timing{runs: 4, target: 100 * time.Microsecond}
	s := tm.measure(func(n int) {
		calls++
		time.Sleep(time.Duration(n) * 10 * time.Microsecond)
	})
	if s.Runs != 4 {
		t.Fatalf("Runs = %d, want 4", s.Runs)
	}
	// Each operation sleeps at least 10µs.
	if s.Min < 10e3 || s.Median < s.Min || s.Max < s.Median {
		t.Fatalf("stats %+v: want ordered figures of at least 10µs", s)
	}
	if calls < 5 {
		t.Fatalf("op called %d times: want a calibration or warm-up call before 4 timed runs", calls)
	}
}

func TestJSONEncoding(t *testing.T) {
	zero := 0.0
	r := Result{Suite: "autograd", Name: "graph/forward", Impl: "adjoint", Size: 3, Threads: 1, AllocsPerOp: &zero}
	r.setStats(Stats{Median: 2, Min: 1, Max: 4, Q1: 1.5, Q3: 3, Runs: 5})
	r = r.withBytes(8)
	var b bytes.Buffer
	if err := writeJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	line := b.String()
	if !strings.HasSuffix(line, "}\n") || strings.Count(line, "\n") != 1 {
		t.Fatalf("want one line of JSON, got %q", line)
	}
	var obj map[string]any
	if err := json.Unmarshal(b.Bytes(), &obj); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"suite": "autograd", "name": "graph/forward", "impl": "adjoint", "size": 3.0, "threads": 1.0,
		"ns_per_op": 2.0, "ns_min": 1.0, "ns_max": 4.0, "ns_q1": 1.5, "ns_q3": 3.0, "runs": 5.0, "gbps": 4.0, "allocs_per_op": 0.0}
	for k, v := range want {
		if obj[k] != v {
			t.Errorf("%s = %v, want %v", k, obj[k], v)
		}
	}
	for _, k := range []string{"gflops", "pct_roofline", "shape", "note"} {
		if _, ok := obj[k]; ok {
			t.Errorf("%s present though it does not apply: %s", k, line)
		}
	}
	var back Result
	if err := json.Unmarshal(b.Bytes(), &back); err != nil || back.stats() != r.stats() || *back.AllocsPerOp != 0 {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
}

func TestTableAlignment(t *testing.T) {
	tb := &table{title: "t", head: []string{"name", "n", "GB/s"}, left: 1}
	tb.add("add", "1K", "12.5")
	tb.sep()
	tb.add("exp", "16M", "3.25")
	var b bytes.Buffer
	tb.print(&b)
	want := `
== t

name    n  GB/s
---------------
add    1K  12.5

exp   16M  3.25
`
	if b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestTorchMissing(t *testing.T) {
	var out bytes.Buffer
	b := &bench{
		cfg:      config{suites: []string{"kernels"}, timing: timing{runs: 1, target: time.Microsecond}, torchThreads: 1},
		out:      &out,
		progress: newProgress(io.Discard),
		pythons:  func() []string { return []string{"/nonexistent/python3"} },
	}
	b.startTorch()
	if err := b.torchReport(io.Discard); err != nil {
		t.Fatalf("torch without python: %v, want nil (carry on)", err)
	}
	got := strings.TrimSpace(out.String())
	if strings.Count(got, "\n") != 0 || !strings.Contains(got, "no python3 with PyTorch") || !strings.Contains(got, "/nonexistent/python3") {
		t.Fatalf("want one line naming what was tried, got %q", got)
	}
}

// TestTorchScript starts bench/torch_bench.py where PyTorch is installed,
// prepares and runs one row of every suite it knows, and checks the
// replies: operations per run, and one time per phase.
func TestTorchScript(t *testing.T) {
	if testing.Short() {
		t.Skip("starts python and imports torch")
	}
	python, version, _ := findTorch(pythonCandidates())
	if python == "" {
		t.Skip("no python3 with PyTorch here")
	}
	cpu, pin := pinCPU()
	if !pin {
		cpu = -1
	}
	s, err := launchTorch(python, 1, cpu)
	if err != nil {
		t.Fatalf("launch %s: %v", python, err)
	}
	defer s.close()
	if s.cpu != cpu {
		t.Errorf("the session kept to CPU %d, want %d", s.cpu, cpu)
	}
	if s.version != version {
		t.Errorf("greeting says torch %q, %s says %q", s.version, python, version)
	}
	rows := []struct {
		req    torchRequest
		phases int
	}{
		{torchRequest{Suite: "kernels", Name: "axpy", Size: 1024}, 1},
		{torchRequest{Suite: "gemm", Name: "mlp/fc2.grad_weight", M: 10, N: 128, K: 64, TransA: true}, 1},
		{torchRequest{Suite: "autograd", Name: "chain"}, 2},
		{torchRequest{Suite: "mlp", Name: "train/step", Train: true, MLP: theMLPConfig()}, 1},
		{torchRequest{Suite: "mlp", Name: "eval/forward", MLP: theMLPConfig()}, 1},
		{torchRequest{Suite: "mlp", Name: "train/step", Train: true, MLP: mlpModels[2].config()}, 1},
		{torchRequest{Suite: "cnn", Name: "lenet/train/step", Train: true, CNN: theCNNConfig()}, 1},
		{torchRequest{Suite: "cnn", Name: "lenet/eval/forward", CNN: theCNNConfig()}, 1},
		{torchRequest{Suite: "cnn", Name: "conv/lenet2/forward", Conv: convShapes[0].config()}, 1},
		{torchRequest{Suite: "cnn", Name: "conv/lenet2/forward+backward", Train: true, Conv: convShapes[0].config()}, 1},
		{torchRequest{Suite: "seq", Name: "charlm/train/step", Train: true, CharLM: theCharLMConfig()}, 1},
		{torchRequest{Suite: "seq", Name: "sdpa/fwd+bwd", Train: true, SDPA: sdpaShapes[0].config()}, 1},
		{torchRequest{Suite: "seq", Name: "lstm/train/step", Train: true, LSTM: theLSTMConfig()}, 1},
	}
	for _, row := range rows {
		side := &torchSide{s: s, req: row.req}
		side.req.TargetS = 1e-4
		if err := side.calibrate(); err != nil {
			t.Fatalf("%s: prepare: %v", side.label(), err)
		}
		for range 2 {
			ns, err := side.run()
			if err != nil {
				t.Fatalf("%s: run: %v", side.label(), err)
			}
			if len(ns) != row.phases || slices.ContainsFunc(ns, func(x float64) bool { return !(x > 0) }) {
				t.Fatalf("%s: run gave %v, want %d positive times", side.label(), ns, row.phases)
			}
		}
	}
	_, err = s.call(torchRequest{Cmd: "prepare", Suite: "fft", TargetS: 1e-4})
	if err == nil || !strings.Contains(err.Error(), "fft") {
		t.Fatalf("an unknown suite: error %v, want one that names it", err)
	}
	if _, err := s.call(torchRequest{Cmd: "run"}); err == nil {
		t.Fatal("run after a failed prepare: no error")
	}
}

// TestMLPTrains checks that the mlp suite times a network that learns:
// the loss on the fixed batches falls, and the hidden layer stays alive
// (a dead ReLU layer would have gonum skip the first layer's gradient).
func TestMLPTrains(t *testing.T) {
	m := newMLPTrainer()
	first := 0.0
	for range mlpBatches {
		first += m.step().Item()
	}
	for range 100 {
		m.step()
	}
	last := 0.0
	for range mlpBatches {
		last += m.step().Item()
	}
	if !(last < first/2) {
		t.Errorf("loss over the %d batches went from %.3f to %.3f after 100 steps: want it halved", mlpBatches, first, last)
	}
	fc1 := m.model.Modules[0].Forward(m.xs[0])
	h := m.model.Modules[1].Forward(fc1).Value().Raw()
	alive := 0
	for _, v := range h {
		if v > 0 {
			alive++
		}
	}
	if alive < len(h)/4 {
		t.Errorf("%d of %d hidden activations positive after 100 steps: the ReLUs are dying", alive, len(h))
	}
	if n := m.forward().Value().Shape(); len(n) != 2 || n[0] != mlpBatch || n[1] != mlpOut {
		t.Errorf("forward gives shape %v, want [%d %d]", n, mlpBatch, mlpOut)
	}
}
