package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestMLPSuite runs `bench -suite mlp -json` with one short run per figure
// and checks its rows: every workload of every model on every thread
// count, in order, with its model's batch and shape, its flops,
// allocations, and a speed-up on the all-thread rows; then lays them out
// as the table.
func TestMLPSuite(t *testing.T) {
	rs, counts := runSuite(t, "mlp")
	var want []string
	for _, w := range []string{"train/step 64×784-128-10", "eval/forward 64×784-128-10", "train/step 256×784-512-10", "train/step 128×784-1024-10"} {
		for _, p := range counts {
			want = append(want, fmt.Sprint(w, " ", p))
		}
	}
	// The matrix products' flops (2·m·n·k each) of a step: two forward,
	// three backward (the input needs no gradient).
	flops := map[string]float64{
		"train/step 64×784-128-10":   2 * 64 * (2*784*128 + 3*128*10),
		"eval/forward 64×784-128-10": 2 * 64 * (784*128 + 128*10),
		"train/step 256×784-512-10":  2 * 256 * (2*784*512 + 3*512*10),
		"train/step 128×784-1024-10": 2 * 128 * (2*784*1024 + 3*1024*10),
	}
	var got []string
	for _, r := range rs {
		w := r.Name + " " + r.Shape
		got = append(got, fmt.Sprint(w, " ", r.Threads))
		if r.Suite != "mlp" || r.Impl != "adjoint" || !(r.NsPerOp > 0) || r.Runs != 1 ||
			r.AllocsPerOp == nil || !(*r.AllocsPerOp > 0) || r.BytesPerOp == nil || !(*r.BytesPerOp > 0) {
			t.Errorf("row %+v: want time, allocations and bytes", r)
		}
		if !strings.HasPrefix(r.Shape, fmt.Sprint(r.Size, "×")) {
			t.Errorf("row %s: batch %d, want the shape's", w, r.Size)
		}
		if f := r.GFlops * r.NsPerOp; math.Abs(f-flops[w]) > 1e-6*flops[w] {
			t.Errorf("row %s: %.0f flops, want %.0f", w, f, flops[w])
		}
		if s := speedUp(rs, r); (s == "") != (r.Threads == 1) {
			t.Errorf("row %s on %d threads: speed-up %q, want one on the all-thread rows only", w, r.Threads, s)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("rows\n%q\nwant\n%q", got, want)
	}

	var tb bytes.Buffer
	mlpTable(&bench{}, rs).print(&tb)
	for _, w := range []string{"== mlp: 784-H-10 MLPs", "speed-up", "samples/s", "128×784-1024-10", "418.9 (128×784-1024-10 train/step)"} {
		if !strings.Contains(tb.String(), w) {
			t.Errorf("table lacks %q:\n%s", w, tb.String())
		}
	}
}

// TestMeasureThreads measures two fake operations, each logging the
// GOMAXPROCS it ran under, on one thread and two with a fake PyTorch: the
// thread counts and PyTorch take turns in one window, PyTorch right after
// the count it is compared with, and each count keeps its own samples.
func TestMeasureThreads(t *testing.T) {
	for _, torchP := range []int{1, 2} {
		t.Run(fmt.Sprintf("PyTorch beside %d threads", torchP), func(t *testing.T) {
			log := &callLog{}
			fake := &fakeTorch{log: log, runs: [][]float64{{300}, {100}, {200}}}
			b := testBench(io.Discard, 3)
			b.torchS = fake.start(t)
			op := func() {
				log.add("op on %d", runtime.GOMAXPROCS(0))
				time.Sleep(30 * time.Microsecond) // one operation fills a 20µs run
			}
			torch := b.torchFor(torchRequest{Suite: "mlp", Name: "train/step", Train: true, MLP: mlpModels[1].config()})
			ours, theirs, err := b.measureThreads([]int{1, 2}, []func(){op, op}, torchP, torch)
			if err != nil {
				t.Fatal(err)
			}
			order := []string{"op on 1", "op on 2"}
			order = slices.Insert(order, torchP, "torch run")
			want := slices.Clone(order)
			want[torchP] = "torch prepare mlp train/step"
			for range 3 {
				want = append(want, order...)
			}
			// Each run of a count, and its calibration, follows one
			// untimed operation (threadsWarmAround).
			for i := 0; i < len(want); i++ {
				if strings.HasPrefix(want[i], "op on") {
					want = slices.Insert(want, i, want[i])
					i++
				}
			}
			// Before all that, each count's op runs until the heap settles
			// (settle): one call at least.
			got := log.get()
			settled := len(got) - len(want)
			ones := slices.IndexFunc(got, func(s string) bool { return s != "op on 1" })
			if settled < 2 || ones < 1 || ones >= settled || slices.ContainsFunc(got[ones:settled], func(s string) bool { return s != "op on 2" }) ||
				!slices.Equal(got[settled:], want) {
				t.Fatalf("calls\n%q\nwant calls on 1 then on 2, then\n%q", got, want)
			}
			if len(ours) != 2 || len(ours[0]) != 3 || len(ours[1]) != 3 || !slices.Equal(theirs, []float64{300, 100, 200}) {
				t.Fatalf("samples %v and PyTorch's %v: want 3 runs of each count and PyTorch's canned times", ours, theirs)
			}
			for _, x := range slices.Concat(ours...) {
				if x < 30e3 {
					t.Errorf("a run of %v ns per operation: want at least the 30µs sleep", x)
				}
			}
			if prep := fake.reqs[0]; prep.MLP == nil || prep.MLP.Hidden != 512 || prep.MLP.Batch != 256 || prep.MLP.In != 784 {
				t.Errorf("PyTorch prepared %+v (mlp %+v): want the 784-512-10 model on batches of 256", prep, prep.MLP)
			}
		})
	}
	t.Run("an op per thread count", func(t *testing.T) {
		b := testBench(io.Discard, 1)
		if _, _, err := b.measureThreads([]int{1, 2}, []func(){func() {}}, 1, nil); err == nil {
			t.Fatal("one op for two thread counts: no error")
		}
	})
}

func TestSpeedUp(t *testing.T) {
	row := func(name, shape string, threads int, ns float64) Result {
		return Result{Suite: "mlp", Name: name, Impl: "adjoint", Size: 64, Shape: shape, Threads: threads, NsPerOp: ns}
	}
	rs := []Result{
		row("train/step", "64×784-128-10", 1, 400),
		row("train/step", "64×784-128-10", 2, 250),
		row("train/step", "128×784-1024-10", 1, 3000),
		row("train/step", "128×784-1024-10", 2, 4000),
		row("eval/forward", "64×784-128-10", 2, 100),
	}
	tests := []struct {
		name string
		r    Result
		want string
	}{
		{"is the one-thread time over this row's", rs[1], "1.60×"},
		{"pairs rows of the same shape only", rs[3], "0.75×"},
		{"is empty on a one-thread row", rs[0], ""},
		{"is empty without a one-thread row of the workload", rs[4], ""},
		{"is empty for another implementation", func() Result { r := rs[1]; r.Impl = "torch"; return r }(), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := speedUp(rs, tc.r); got != tc.want {
				t.Fatalf("speedUp(%s %s on %d) = %q, want %q", tc.r.Name, tc.r.Shape, tc.r.Threads, got, tc.want)
			}
		})
	}
}

// TestWiderMLPsTrain checks that the wider MLPs the suite times learn
// too: the loss on their fixed batches halves within 60 steps and their
// hidden layers stay alive.
func TestWiderMLPsTrain(t *testing.T) {
	if testing.Short() {
		t.Skip("120 training steps of the wider MLPs")
	}
	for _, s := range mlpModels[1:] {
		t.Run(s.shape(), func(t *testing.T) {
			m := s.trainer()
			first := 0.0
			for range mlpBatches {
				first += m.step().Item()
			}
			for range 60 - 2*mlpBatches {
				m.step()
			}
			last := 0.0
			for range mlpBatches {
				last += m.step().Item()
			}
			if !(last < first/2) {
				t.Errorf("loss over the %d batches went from %.3f to %.3f in 60 steps: want it halved", mlpBatches, first, last)
			}
			h := m.model.Modules[1].Forward(m.model.Modules[0].Forward(m.xs[0])).Value()
			alive := 0
			for _, v := range h.Raw() {
				if v > 0 {
					alive++
				}
			}
			if n := h.Numel(); alive < n/4 {
				t.Errorf("%d of %d hidden activations positive after 60 steps: the ReLUs are dying", alive, n)
			}
			if n := m.forward().Value().Shape(); !slices.Equal(n, []int{s.batch, mlpOut}) {
				t.Errorf("forward gives shape %v, want [%d %d]", n, s.batch, mlpOut)
			}
		})
	}
}

// runSuite runs `bench -suite name -json` with one short run per figure
// and returns the suite's rows (the machine line left out) and the thread
// counts they are measured on: 1, and all usable CPUs when there are more.
func runSuite(t *testing.T, name string) (rs []Result, counts []int) {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := run([]string{"-suite", name, "-json", "-runs", "1", "-runtime", "100us"}, &out, &errOut); err != nil {
		t.Fatalf("bench -suite %s: %v\nstderr:\n%s", name, err, errOut.String())
	}
	threads := 0
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var r Result
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("not a Result: %v\n%s", err, sc.Text())
		}
		if r.Suite == "machine" {
			threads = r.Threads
			continue
		}
		rs = append(rs, r)
	}
	counts = []int{1}
	if threads > 1 {
		counts = append(counts, threads)
	}
	return rs, counts
}
