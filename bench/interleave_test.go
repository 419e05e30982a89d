package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/adjoint-go/adjoint/device"
)

// callLog records, in order, the calls the contenders of a row receive.
type callLog struct {
	mu    sync.Mutex
	calls []string
}

func (l *callLog) add(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, fmt.Sprintf(format, args...))
}

func (l *callLog) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.calls)
}

// fakeSide is a contender that logs its calls and returns canned times:
// runs[i] on its i-th run; failRun (1-based) fails instead.
type fakeSide struct {
	name    string
	log     *callLog
	runs    [][]float64
	failRun int
	done    int
}

func (f *fakeSide) label() string { return f.name }

func (f *fakeSide) calibrate() error {
	f.log.add("calibrate %s", f.name)
	f.done = 0
	return nil
}

func (f *fakeSide) run() ([]float64, error) {
	f.log.add("run %s", f.name)
	f.done++
	if f.done == f.failRun {
		return nil, errors.New("lost")
	}
	return f.runs[(f.done-1)%len(f.runs)], nil
}

// rounds returns the calls of n rounds over the named sides.
func rounds(n int, names ...string) []string {
	var calls []string
	for range n {
		for _, s := range names {
			calls = append(calls, "run "+s)
		}
	}
	return calls
}

func TestInterleaveTakesTurns(t *testing.T) {
	log := &callLog{}
	ours := &fakeSide{name: "adjoint", log: log, runs: [][]float64{{5}, {1}, {3}}}
	theirs := &fakeSide{name: "torch", log: log, runs: [][]float64{{10, 100}, {30, 300}, {20, 250}}}
	roof := &fakeSide{name: "roof", log: log, runs: [][]float64{{7}, {9}, {8}}}
	s, err := interleave(3, []contender{ours, theirs, roof})
	if err != nil {
		t.Fatal(err)
	}
	want := append([]string{"calibrate adjoint", "calibrate torch", "calibrate roof"}, rounds(3, "adjoint", "torch", "roof")...)
	if got := log.get(); !slices.Equal(got, want) {
		t.Fatalf("calls\n%q\nwant\n%q", got, want)
	}
	t.Run("each side keeps its own runs, in order, phase by phase", func(t *testing.T) {
		wantSamples := [][][]float64{{{5, 1, 3}}, {{10, 30, 20}, {100, 300, 250}}, {{7, 9, 8}}}
		for i := range wantSamples {
			for p := range wantSamples[i] {
				if !slices.Equal(s[i][p], wantSamples[i][p]) {
					t.Errorf("side %d phase %d: %v, want %v", i, p, s[i][p], wantSamples[i][p])
				}
			}
		}
	})
	t.Run("the medians are per side", func(t *testing.T) {
		for _, c := range []struct {
			side, phase int
			median      float64
		}{{0, 0, 3}, {1, 0, 20}, {1, 1, 250}, {2, 0, 8}} {
			if got := summarize(s[c.side][c.phase]).Median; got != c.median {
				t.Errorf("side %d phase %d: median %v, want %v", c.side, c.phase, got, c.median)
			}
		}
	})
}

func TestInterleaveNamesTheSideThatFailed(t *testing.T) {
	log := &callLog{}
	cs := []contender{
		&fakeSide{name: "a", log: log, runs: [][]float64{{1}}},
		&fakeSide{name: "b", log: log, runs: [][]float64{{1}}, failRun: 2},
		&fakeSide{name: "c", log: log, runs: [][]float64{{1}}},
	}
	_, err := interleave(5, cs)
	var se *sideError
	if !errors.As(err, &se) || se.index != 1 || se.side != "b" || !strings.Contains(err.Error(), "lost") {
		t.Fatalf("error %v, want side 1 (b) lost", err)
	}
	want := []string{"calibrate a", "calibrate b", "calibrate c", "run a", "run b", "run c", "run a", "run b"}
	if got := log.get(); !slices.Equal(got, want) {
		t.Fatalf("calls %q, want %q", got, want)
	}
}

// fakeTorch plays torch_bench.py over pipes: it greets, logs every request
// and answers prepare with n = 10 and the i-th run with runs[i] (cycled),
// or with an error on run failRun (1-based, counted over the session).
type fakeTorch struct {
	log     *callLog
	runs    [][]float64
	failRun int
	reqs    []torchRequest
}

// start returns a session talking to f.
func (f *fakeTorch) start(t *testing.T) *torchSession {
	t.Helper()
	toServer, fromGo := io.Pipe()
	fromServer, toGo := io.Pipe()
	go func() {
		defer toGo.Close()
		enc := json.NewEncoder(toGo)
		enc.Encode(torchReply{Hello: "torch", Version: "0.0-fake", Capability: "NONE"})
		sc := bufio.NewScanner(toServer)
		done := 0
		for sc.Scan() {
			var req torchRequest
			if err := json.Unmarshal(sc.Bytes(), &req); err != nil {
				enc.Encode(torchReply{Error: err.Error()})
				continue
			}
			f.reqs = append(f.reqs, req)
			switch req.Cmd {
			case "prepare":
				f.log.add("torch prepare %s %s", req.Suite, req.Name)
				fmt.Fprintln(toGo, "a warning that is not a reply")
				enc.Encode(torchReply{OK: true, N: 10})
			case "run":
				f.log.add("torch run")
				done++
				if done == f.failRun {
					enc.Encode(torchReply{Error: "RuntimeError: out of memory"})
					continue
				}
				enc.Encode(torchReply{OK: true, NS: f.runs[(done-1)%len(f.runs)]})
			}
		}
	}()
	s, err := newTorchSession("fake-python", fromGo, fromServer, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.close() })
	return s
}

func testBench(out io.Writer, runs int) *bench {
	return &bench{
		cfg:      config{suites: []string{"kernels"}, timing: timing{runs: runs, target: 20 * time.Microsecond}, torchThreads: 1},
		out:      out,
		progress: newProgress(io.Discard),
		cpu:      device.CPU(),
		threads:  1,
	}
}

func TestMeasureRowAlternatesWithTorch(t *testing.T) {
	log := &callLog{}
	fake := &fakeTorch{log: log, runs: [][]float64{{300}, {100}, {200}}}
	b := testBench(io.Discard, 3)
	b.torchS = fake.start(t)
	ours := &fakeSide{name: "adjoint", log: log, runs: [][]float64{{40}, {60}, {50}}}
	gonum := &fakeSide{name: "gonum", log: log, runs: [][]float64{{90}}}
	peak := &fakeSide{name: "peak", log: log, runs: [][]float64{{2}}}
	torch := b.torchFor(torchRequest{Suite: "gemm", Name: "square", M: 64, N: 64, K: 64})
	s, theirs, err := b.measureRow([]contender{ours, gonum, peak}, torch, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"calibrate adjoint", "torch prepare gemm square", "calibrate gonum", "calibrate peak"}
	for range 3 {
		want = append(want, "run adjoint", "torch run", "run gonum", "run peak")
	}
	if got := log.get(); !slices.Equal(got, want) {
		t.Fatalf("calls\n%q\nwant\n%q", got, want)
	}
	if len(s) != 3 || !slices.Equal(s[0][0], []float64{40, 60, 50}) || !slices.Equal(s[2][0], []float64{2, 2, 2}) {
		t.Fatalf("our samples %v: want adjoint, gonum and peak without PyTorch's", s)
	}
	if got := summarize(theirs[0]).Median; got != 200 {
		t.Fatalf("PyTorch's median %v, want 200 (of 300, 100, 200)", got)
	}
	if got := summarize(s[0][0]).Median; got != 50 {
		t.Fatalf("our median %v, want 50 (of 40, 60, 50)", got)
	}
	prep := fake.reqs[0]
	if prep.Cmd != "prepare" || prep.M != 64 || prep.K != 64 || prep.TargetS != 20e-6 {
		t.Fatalf("prepare request %+v: want the gemm's shape and the run length", prep)
	}
}

func TestMeasureRowCarriesOnWithoutTorchAfterAFailure(t *testing.T) {
	log := &callLog{}
	fake := &fakeTorch{log: log, runs: [][]float64{{300}}, failRun: 2}
	var out bytes.Buffer
	b := testBench(&out, 2)
	b.torchS = fake.start(t)
	b.torchPython = "fake-python"
	ours := &fakeSide{name: "adjoint", log: log, runs: [][]float64{{40}, {60}}}
	torch := b.torchFor(torchRequest{Suite: "kernels", Name: "dot", Size: 4 << 20})
	s, theirs, err := b.measureRow([]contender{ours}, torch, 0)
	if err != nil {
		t.Fatalf("a PyTorch failure is an error of the row: %v", err)
	}
	want := []string{"calibrate adjoint", "torch prepare kernels dot", "run adjoint", "torch run", "run adjoint", "torch run",
		"calibrate adjoint", "run adjoint", "run adjoint"}
	if got := log.get(); !slices.Equal(got, want) {
		t.Fatalf("calls\n%q\nwant\n%q", got, want)
	}
	if theirs != nil || !slices.Equal(s[0][0], []float64{40, 60}) {
		t.Fatalf("samples %v, PyTorch's %v: want ours, measured again, and none of PyTorch's", s, theirs)
	}
	if b.torchS != nil || b.torchFor(torchRequest{Suite: "kernels", Name: "sum", Size: 1024}) != nil {
		t.Fatal("the session is still used after it failed")
	}
	if err := b.torchReport(io.Discard); err != nil {
		t.Fatal(err)
	}
	got := strings.TrimSpace(out.String())
	for _, w := range []string{"fake-python failed on torch kernels dot 4M", "out of memory", "the rows after it have no PyTorch figure"} {
		if !strings.Contains(got, w) {
			t.Errorf("report %q lacks %q", got, w)
		}
	}
}

// TestKernelRowWithFakeTorch measures one row of the kernels table with a
// fake PyTorch: every implementation gets a figure and a percentage of
// the roofline measured with the row, and PyTorch's figure is the median
// of its runs, in GB/s of the same bytes.
func TestKernelRowWithFakeTorch(t *testing.T) {
	log := &callLog{}
	fake := &fakeTorch{log: log, runs: [][]float64{{300}, {100}, {200}}}
	b := testBench(io.Discard, 3)
	b.torchS = fake.start(t)
	op := kernelOps[0] // add
	if err := b.kernelRow(op, 1024); err != nil {
		t.Fatal(err)
	}
	var impls []string
	for _, r := range b.results {
		impls = append(impls, r.Impl)
		if r.Suite != "kernels" || r.Name != "add" || r.Size != 1024 || r.Runs != 3 || !(r.GBps > 0) || !(r.Roof > 0) {
			t.Errorf("row %+v: want add 1K, 3 runs, GB/s and a percentage of the roofline", r)
		}
	}
	var wantImpls []string
	for _, im := range kernelImpls(op) {
		wantImpls = append(wantImpls, im.impl)
	}
	if !slices.Equal(impls, wantImpls) {
		t.Errorf("implementations %v, want %v in table order", impls, wantImpls)
	}
	if len(b.torchRows) != 1 {
		t.Fatalf("%d PyTorch rows, want 1", len(b.torchRows))
	}
	tr := b.torchRows[0]
	if tr.Impl != "torch" || tr.NsPerOp != 200 || tr.NsMin != 100 || tr.NsMax != 300 || tr.GBps != 3*8*1024/200.0 || tr.Threads != 1 {
		t.Fatalf("PyTorch row %+v: want the median 200 ns and %v GB/s", tr, 3*8*1024/200.0)
	}
	// PyTorch takes its turn right after the level in use, every round.
	calls := log.get()
	var runs []string
	for _, c := range calls {
		if c == "torch run" || c == "torch prepare kernels add" {
			runs = append(runs, c)
		}
	}
	if want := []string{"torch prepare kernels add", "torch run", "torch run", "torch run"}; !slices.Equal(runs, want) {
		t.Fatalf("PyTorch calls %q, want %q", runs, want)
	}
	if fake.reqs[0].Size != 1024 || fake.reqs[0].Name != "add" {
		t.Fatalf("prepare %+v: want add of 1024 elements", fake.reqs[0])
	}
}

// TestHeaderShowsUsableCPUs is the machine: a KVM guest with 2
// vCPUs whose cpuid reports the host's 254 cores and no L2 or L3. The
// header leads with 2, the suites run on 1 and 2 threads, and the JSON
// header says 2 as well.
func TestHeaderShowsUsableCPUs(t *testing.T) {
	guest := device.Info{Vendor: "AuthenticAMD", Brand: "AMD EPYC Turin", Arch: "amd64",
		UsableCPUs: 2, PhysicalCores: 254, LogicalCores: 254, L1D: 48 << 10}
	newBench := func(out io.Writer, json bool) *bench {
		return &bench{cfg: config{json: json, timing: timing{runs: 3, target: time.Millisecond}}, out: out,
			cpu: guest, threads: allThreads(guest, 8)}
	}
	var out bytes.Buffer
	b := newBench(&out, false)
	if b.threads != 2 {
		t.Fatalf("all threads = %d on 2 usable CPUs with GOMAXPROCS 8, want 2", b.threads)
	}
	if err := b.header(); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, w := range []string{
		"cpus:     2 usable (cpuid reports 254 physical, 254 logical)\n",
		"caches:   L1d 48 KiB, L2 unknown, L3 unknown\n",
		"threads:  1 and 2 (all: the 2 usable CPUs)\n",
	} {
		if !strings.Contains(s, w) {
			t.Errorf("header lacks %q:\n%s", w, s)
		}
	}
	if strings.Contains(s, "cores:") || strings.Contains(s, "?") {
		t.Errorf("header has a cores line or a question mark:\n%s", s)
	}
	out.Reset()
	if err := newBench(&out, true).header(); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(out.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	if m["usable_cpus"] != 2.0 || m["threads"] != 2.0 || m["physical_cores"] != 254.0 {
		t.Fatalf("JSON header %s: want usable_cpus 2, threads 2, physical_cores 254", out.String())
	}
}

func TestAllThreads(t *testing.T) {
	for _, c := range []struct {
		name               string
		usable, gomaxprocs int
		want               int
	}{
		{"cpuid's count does not enter: the usable CPUs do", 2, 2, 2},
		{"a GOMAXPROCS above the usable CPUs does not add threads", 2, 8, 2},
		{"a GOMAXPROCS below them (a user's, or a CPU quota's) lowers the count", 4, 2, 2},
		{"without a usable count, GOMAXPROCS", 0, 3, 3},
		{"never below one", 1, 1, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			info := device.Info{UsableCPUs: c.usable, PhysicalCores: 254, LogicalCores: 254}
			if got := allThreads(info, c.gomaxprocs); got != c.want {
				t.Fatalf("allThreads(usable %d, GOMAXPROCS %d) = %d, want %d", c.usable, c.gomaxprocs, got, c.want)
			}
		})
	}
}

func TestTorchThreadsRow(t *testing.T) {
	b := &bench{}
	for _, c := range []struct{ torch, want int }{{1, 1}, {2, 2}, {3, 2}, {8, 2}} {
		b.cfg.torchThreads = c.torch
		if got := b.torchThreadsRow([]int{1, 2}); got != c.want {
			t.Errorf("PyTorch on %d threads joins the %d-thread row, want %d", c.torch, got, c.want)
		}
	}
}

func TestOfCeiling(t *testing.T) {
	t.Run("the ceiling is the best run of copy or triad in the window", func(t *testing.T) {
		// The figure: 100 bytes in 10, 20, 10 ns, a median of 10 GB/s.
		// Copy reached 20, 10, 25 GB/s; triad 10, 30, 3: the best is 30.
		copies := ceiling{work: 100, ns: []float64{5, 10, 4}}
		triads := ceiling{work: 300, ns: []float64{30, 10, 100}}
		pct, ceil := ofCeiling(100, []float64{10, 20, 10}, copies, triads)
		if math.Abs(pct-100.0/3) > 1e-9 || ceil != 30 {
			t.Fatalf("got %v%% of %v, want 33.3%% of 30", pct, ceil)
		}
	})
	t.Run("runs of the ceiling slowed by other processes do not lower it", func(t *testing.T) {
		// The FMA loop ran at 100 GFLOP/s once and was slowed to 50 in
		// the other rounds; the product ran at 90 throughout: 90%, where
		// the medians alone would say 180%.
		pct, ceil := ofCeiling(900, []float64{10, 10, 10}, ceiling{work: 1000, ns: []float64{20, 10, 20}})
		if pct != 90 || ceil != 100 {
			t.Fatalf("got %v%% of %v, want 90%% of 100", pct, ceil)
		}
	})
	t.Run("no ceiling gives no percentage", func(t *testing.T) {
		if pct, ceil := ofCeiling(100, []float64{10, 20}); pct != 0 || ceil != 0 {
			t.Fatalf("got %v%% of %v, want 0 and 0", pct, ceil)
		}
	})
}
