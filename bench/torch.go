package main

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
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
var torchSuites = []string{"kernels", "gemm", "autograd", "mlp"}

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
	if device.CPU().AVX512F {
		if _, set := os.LookupEnv("OPENBLAS_CORETYPE"); !set {
			env = append(env, "OPENBLAS_CORETYPE=SkylakeX")
		}
	}
	return env
}

// torchConfig is the script's argument: the same workloads as the Go
// suites that ran.
func (b *bench) torchConfig() map[string]any {
	cfg := map[string]any{
		"runs":     b.cfg.timing.runs,
		"target_s": b.cfg.timing.target.Seconds(),
		"threads":  b.cfg.torchThreads,
	}
	if slices.Contains(b.cfg.suites, "kernels") {
		var ops []map[string]any
		for _, op := range kernelOps {
			ops = append(ops, map[string]any{"name": op.name, "arrays": op.arrays})
		}
		cfg["kernels"] = map[string]any{"sizes": kernelSizes(b.cfg.quick), "ops": ops}
	}
	if slices.Contains(b.cfg.suites, "gemm") {
		var shapes []map[string]any
		for _, s := range gemmShapes(b.cfg.quick) {
			shapes = append(shapes, map[string]any{"name": s.name, "m": s.m, "n": s.n, "k": s.k,
				"transA": s.transA, "transB": s.transB, "size": s.size, "shape": s.String()})
		}
		cfg["gemm"] = shapes
	}
	if slices.Contains(b.cfg.suites, "autograd") {
		var gs []map[string]any
		for _, g := range scalarGraphs {
			gs = append(gs, map[string]any{"name": g.name, "ops": g.ops})
		}
		cfg["autograd"] = gs
	}
	if slices.Contains(b.cfg.suites, "mlp") {
		var ws []map[string]any
		for _, w := range mlpWorkloads {
			ws = append(ws, map[string]any{"name": w.name, "train": w.train, "flops": w.flops()})
		}
		cfg["mlp"] = map[string]any{"batch": mlpBatch, "in": mlpIn, "hidden": mlpHidden, "out": mlpOut,
			"batches": mlpBatches, "density": mlpDensity, "lr": mlpLR, "momentum": mlpMomentum, "seed": mlpSeed,
			"workloads": ws}
	}
	return cfg
}

// torch runs the selected suites' workloads through PyTorch and shows its
// figures next to ours. Without python3 and torch it says so in one line
// and returns nil, as it does when the script fails.
func (b *bench) torch(stderr io.Writer) error {
	msg := b.out
	if b.cfg.json {
		msg = stderr // keep stdout JSON only
	}
	selected := false
	for _, s := range torchSuites {
		selected = selected || slices.Contains(b.cfg.suites, s)
	}
	if !selected {
		fmt.Fprintf(msg, "\ntorch: none of the suites PyTorch runs (%s) was selected\n", strings.Join(torchSuites, ", "))
		return nil
	}
	b.progress.set("torch: looking for python3 with PyTorch")
	python, version, tried := findTorch(b.pythons())
	b.progress.clear()
	if python == "" {
		fmt.Fprintf(msg, "\ntorch: no python3 with PyTorch found (tried %s); skipping the comparison\n", strings.Join(tried, ", "))
		return nil
	}
	arg, err := json.Marshal(b.torchConfig())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, "-", string(arg))
	cmd.Stdin = bytes.NewReader(torchScript)
	cmd.Env = torchEnv(b.cfg.torchThreads)
	var errBuf bytes.Buffer
	cmd.Stderr = &errBuf
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(msg, "\ntorch: cannot run %s: %v; skipping the comparison\n", python, err)
		return nil
	}
	var rows []Result
	var info map[string]any
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Bytes()
		var r Result
		if err := json.Unmarshal(line, &r); err != nil {
			continue // not ours: a warning printed to stdout
		}
		if r.Suite == "machine" {
			json.Unmarshal(line, &info)
			continue
		}
		b.progress.set("torch: %s %s %s", r.Suite, r.Name, sizeOrShape(r))
		rows = append(rows, r)
		if b.cfg.json {
			if err := writeJSON(b.out, r); err != nil {
				return err
			}
		}
	}
	if err := cmd.Wait(); err != nil {
		b.progress.clear()
		last := strings.TrimSpace(errBuf.String())
		if i := strings.LastIndexByte(last, '\n'); i >= 0 {
			last = last[i+1:]
		}
		fmt.Fprintf(msg, "\ntorch: %s failed (%v): %s\n", python, err, last)
		if len(rows) == 0 {
			return nil
		}
	}
	b.results = append(b.results, rows...)
	if !b.cfg.json {
		b.progress.clear()
		b.torchTable(rows, python, version, info).print(b.out)
	}
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

func (b *bench) torchTable(rows []Result, python, version string, info map[string]any) *table {
	capability, _ := info["capability"].(string)
	env := fmt.Sprintf("OMP_NUM_THREADS=%d", b.cfg.torchThreads)
	for _, kv := range torchEnv(b.cfg.torchThreads) {
		if strings.HasPrefix(kv, "OPENBLAS_CORETYPE=") {
			env += " " + kv
		}
	}
	t := &table{
		title: fmt.Sprintf("PyTorch %s (%s, kernels %s, %s): same workloads, float64", version, python, orDash(capability), env),
		notes: []string{
			"ratio: PyTorch's time / ours (above 1: ours is faster); figures: kernels GB/s, gemm GFLOP/s, mlp steps/s, autograd ns per op",
		},
		head: []string{"suite", "name", "size", "threads", "ours", "impl", "PyTorch", "ratio"},
		left: 2,
	}
	if slices.ContainsFunc(rows, func(r Result) bool { return r.Suite == "mlp" }) {
		t.notes = append(t.notes,
			"mlp: torch.nn.Sequential(Linear, ReLU, Linear) in float64, F.cross_entropy, torch.optim.SGD(momentum=0.9),",
			"zero_grad(set_to_none=True) (PyTorch 2's default), on synthetic batches drawn as ours are")
	}
	figure := func(r Result) string {
		switch {
		case r.Suite == "mlp":
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
