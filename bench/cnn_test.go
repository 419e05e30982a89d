package main

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
)

// TestCNNSuite runs `bench -suite cnn -json` with one short run per figure
// and checks its rows: every workload on every thread count, in order,
// with GFLOP/s and allocations, each convolution with its percentage of
// the GEMM at the same flops; then lays them out as the table.
func TestCNNSuite(t *testing.T) {
	rs, counts := runSuite(t, "cnn")
	var want []string
	for _, w := range []string{"lenet/train/step", "lenet/eval/forward"} {
		for _, p := range counts {
			want = append(want, w+" "+fmt.Sprint(p))
		}
	}
	for _, c := range []string{"lenet2", "resnet"} {
		for _, p := range counts {
			for _, w := range []string{"forward", "forward+backward", "gemm"} {
				want = append(want, "conv/"+c+"/"+w+" "+fmt.Sprint(p))
			}
		}
	}
	var got []string
	for _, r := range rs {
		got = append(got, r.Name+" "+fmt.Sprint(r.Threads))
		if r.Suite != "cnn" || r.Impl != "adjoint" || !(r.NsPerOp > 0) || !(r.GFlops > 0) || r.Runs != 1 ||
			r.AllocsPerOp == nil || r.BytesPerOp == nil || !(*r.BytesPerOp > 0) || r.Shape == "" {
			t.Errorf("row %+v: want time, GFLOP/s, allocations and a shape", r)
		}
		if s := speedUp(rs, r); (s == "") != (r.Threads == 1) {
			t.Errorf("row %s on %d threads: speed-up %q, want one on the all-thread rows only", r.Name, r.Threads, s)
		}
		isConv := strings.HasPrefix(r.Name, "conv/") && !strings.HasSuffix(r.Name, "/gemm")
		if isConv != (r.Roof > 0) {
			t.Errorf("row %s: %% of the GEMM %v; want one on the convolutions only", r.Name, r.Roof)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("rows\n%q\nwant\n%q", got, want)
	}
	// The forward's flops: LeNet's second convolution is 2·64·16·6·5·5·10·10.
	fwd, gemm := rs[2*len(counts)], rs[2*len(counts)+2]
	if f := fwd.GFlops * fwd.NsPerOp; f < 30.71e6 || f > 30.73e6 {
		t.Errorf("%s: %.0f flops, want 30720000", fwd.Name, f)
	}
	if f := gemm.GFlops * gemm.NsPerOp; f < 30.71e6 || f > 30.73e6 || gemm.Shape != "16×6400×150" {
		t.Errorf("%s %s: %.0f flops, want 16×6400×150 and the convolution's 30720000", gemm.Name, gemm.Shape, f)
	}

	var tb bytes.Buffer
	cnnTable(&bench{}, rs).print(&tb)
	for _, w := range []string{"== cnn: LeNet-5", "% GEMM", "speed-up", "lenet/train/step", "conv/resnet/forward+backward", "64×8192×576", "8×64×32×32 k3 p1 →64"} {
		if !strings.Contains(tb.String(), w) {
			t.Errorf("table lacks %q:\n%s", w, tb.String())
		}
	}
}

// TestConvRowWithFakeTorch measures LeNet's second convolution on one
// thread and two with a fake PyTorch: the rows come per thread count,
// PyTorch is asked for the same convolution, forward then forward and
// backward, and its rows carry the shape ours do, so that the report pairs
// them with our one-thread rows.
func TestConvRowWithFakeTorch(t *testing.T) {
	log := &callLog{}
	fake := &fakeTorch{log: log, runs: [][]float64{{3e6}, {1e6}, {2e6}}}
	b := testBench(io.Discard, 3)
	b.torchS = fake.start(t)
	if err := b.convRows(convShapes[0], []int{1, 2}, 1); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range b.results {
		names = append(names, fmt.Sprint(r.Name, " ", r.Threads))
	}
	want := []string{"conv/lenet2/forward 1", "conv/lenet2/forward+backward 1", "conv/lenet2/gemm 1",
		"conv/lenet2/forward 2", "conv/lenet2/forward+backward 2", "conv/lenet2/gemm 2"}
	if !slices.Equal(names, want) {
		t.Fatalf("rows %q, want %q", names, want)
	}
	for _, r := range b.results {
		if !(r.NsPerOp > 0) || r.AllocsPerOp == nil || (r.Roof > 0) == strings.HasSuffix(r.Name, "/gemm") {
			t.Errorf("row %+v: want a time, allocations and a %% of the GEMM on the convolutions only", r)
		}
		if s := speedUp(b.results, r); (s == "") != (r.Threads == 1) {
			t.Errorf("row %s on %d threads: speed-up %q, want one on the two-thread rows only", r.Name, r.Threads, s)
		}
	}
	if len(b.torchRows) != 2 || len(fake.reqs) < 2 {
		t.Fatalf("%d PyTorch rows, %d requests: want 2 rows", len(b.torchRows), len(fake.reqs))
	}
	var prep []torchRequest
	for _, r := range fake.reqs {
		if r.Cmd == "prepare" {
			prep = append(prep, r)
		}
	}
	wantConv := convConfig{N: 64, Cin: 6, Cout: 16, K: 5, Pad: 0, H: 14}
	for i, r := range prep {
		if r.Suite != "cnn" || r.Conv == nil || *r.Conv != wantConv || r.Train != (i == 1) || r.CNN != nil {
			t.Errorf("prepare %d: %+v (conv %+v), want the convolution %+v, train %v", i, r, r.Conv, wantConv, i == 1)
		}
	}
	for i, tr := range b.torchRows {
		o, ok := b.ours(tr)
		if !ok || o.Name != b.results[i].Name || o.Threads != 1 || tr.NsPerOp != 2e6 {
			t.Errorf("PyTorch row %+v: want the median 2 ms and our one-thread row %s beside it", tr, b.results[i].Name)
		}
	}
	if got := b.torchRows[1].GFlops; got != 3*30.72e6/2e6 {
		t.Errorf("PyTorch's forward and backward: %v GFLOP/s, want 3× the forward's flops over 2 ms", got)
	}
}

// TestCNNTrains checks that the cnn suite times a LeNet that learns: the
// loss on the fixed batches falls within 120 steps of Adam.
func TestCNNTrains(t *testing.T) {
	if testing.Short() {
		t.Skip("120 LeNet training steps")
	}
	m := newCNNTrainer()
	first := 0.0
	for range cnnBatches {
		first += m.step().Item()
	}
	for range 120 - 2*cnnBatches {
		m.step()
	}
	last := 0.0
	for range cnnBatches {
		last += m.step().Item()
	}
	if !(last < 0.93*first) {
		t.Errorf("loss over the %d batches went from %.3f to %.3f in 120 steps: want a fall of 7%% at least", cnnBatches, first, last)
	}
	if s := m.forward().Value().Shape(); !slices.Equal(s, []int{cnnBatch, cnnClasses}) {
		t.Errorf("forward gives shape %v, want [%d %d]", s, cnnBatch, cnnClasses)
	}
}
