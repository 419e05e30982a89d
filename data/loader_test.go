package data_test

import (
	"errors"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/adjoint-go/adjoint/data"
	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

// rowsDataset has n examples of 3 features: example i is (10i, 10i+1,
// 10i+2) with target i.
func rowsDataset(n int) *data.Dataset {
	x := make([][]float64, n)
	y := make([]float64, n)
	for i := range x {
		x[i] = []float64{float64(10 * i), float64(10*i + 1), float64(10*i + 2)}
		y[i] = float64(i)
	}
	return data.FromSlices(x, y)
}

// epoch runs one epoch and returns the batches' indices, checking that
// every batch holds the rows its indices name.
func epoch(t *testing.T, l *data.Loader) [][]int {
	t.Helper()
	var out [][]int
	for b := range l.Epoch() {
		x, y := b.X.Data(), b.Y.Data()
		if b.X.Size(0) != len(b.Indices) || b.Y.Size(0) != len(b.Indices) {
			t.Fatalf("batch shapes %v %v for %d indices", b.X.Shape(), b.Y.Shape(), len(b.Indices))
		}
		for j, i := range b.Indices {
			if y[j] != float64(i) || x[3*j] != float64(10*i) || x[3*j+2] != float64(10*i+2) {
				t.Fatalf("row %d of the batch holds %v, %v; want example %d", j, x[3*j:3*j+3], y[j], i)
			}
		}
		out = append(out, slices.Clone(b.Indices))
	}
	return out
}

func sizes(batches [][]int) []int {
	var s []int
	for _, b := range batches {
		s = append(s, len(b))
	}
	return s
}

func TestLoaderBatches(t *testing.T) {
	ds := rowsDataset(10)
	tests := []struct {
		name  string
		opts  []data.Option
		sizes []int
	}{
		{"in order, the last batch partial", nil, []int{3, 3, 3, 1}},
		{"in order, the last batch dropped", []data.Option{data.DropLast()}, []int{3, 3, 3}},
		{"shuffled, the last batch partial", []data.Option{data.Shuffle(rand.New(rand.NewPCG(1, 2)))}, []int{3, 3, 3, 1}},
		{"prefetched and shuffled", []data.Option{data.Prefetch(2), data.Shuffle(rand.New(rand.NewPCG(1, 2)))}, []int{3, 3, 3, 1}},
		{"prefetched with the last batch dropped", []data.Option{data.Prefetch(1), data.DropLast()}, []int{3, 3, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name+", every example at most once per epoch", func(t *testing.T) {
			l := data.NewLoader(ds, 3, tt.opts...)
			if l.Len() != len(tt.sizes) {
				t.Errorf("Len() = %d, want %d", l.Len(), len(tt.sizes))
			}
			for range 3 {
				got := epoch(t, l)
				if !slices.Equal(sizes(got), tt.sizes) {
					t.Fatalf("batch sizes %v, want %v", sizes(got), tt.sizes)
				}
				all := slices.Concat(got...)
				slices.Sort(all)
				if len(slices.Compact(all)) != len(all) {
					t.Fatalf("an example repeats: %v", got)
				}
				if len(all) == ds.Len() && (all[0] != 0 || all[len(all)-1] != ds.Len()-1) {
					t.Fatalf("examples %v", all)
				}
			}
		})
	}
	t.Run("without shuffling every epoch is in order", func(t *testing.T) {
		l := data.NewLoader(ds, 4)
		want := [][]int{{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9}}
		for range 2 {
			if got := epoch(t, l); !slices.EqualFunc(got, want, slices.Equal) {
				t.Errorf("batches %v, want %v", got, want)
			}
		}
	})
	t.Run("a batch larger than the dataset gives one partial batch", func(t *testing.T) {
		if got := epoch(t, data.NewLoader(ds, 64)); !slices.Equal(sizes(got), []int{10}) {
			t.Errorf("sizes %v", sizes(got))
		}
		if got := data.NewLoader(ds, 64, data.DropLast()).Len(); got != 0 {
			t.Errorf("with DropLast, Len() = %d", got)
		}
	})
	t.Run("an empty dataset gives no batch", func(t *testing.T) {
		if got := epoch(t, data.NewLoader(rowsDataset(0), 4, data.Prefetch(1))); len(got) != 0 {
			t.Errorf("batches %v", got)
		}
	})
}

func TestLoaderShuffling(t *testing.T) {
	ds := rowsDataset(50)
	epochs := func(seed uint64, prefetch, n int) [][]int {
		l := data.NewLoader(ds, 8, data.Shuffle(rand.New(rand.NewPCG(seed, 0))), data.Prefetch(prefetch))
		var out [][]int
		for range n {
			out = append(out, slices.Concat(epoch(t, l)...))
		}
		return out
	}
	a, b := epochs(7, 0, 3), epochs(7, 2, 3)
	t.Run("each epoch is a permutation of all examples", func(t *testing.T) {
		for _, e := range a {
			s := slices.Sorted(slices.Values(e))
			for i, v := range s {
				if v != i {
					t.Fatalf("epoch %v is not a permutation", e)
				}
			}
		}
	})
	t.Run("epochs differ from each other and from the identity", func(t *testing.T) {
		if slices.Equal(a[0], a[1]) || slices.Equal(a[1], a[2]) || slices.IsSorted(a[0]) {
			t.Errorf("orders %v", a)
		}
	})
	t.Run("the same seed gives the same orders, with or without prefetch", func(t *testing.T) {
		if !slices.EqualFunc(a, b, slices.Equal) {
			t.Errorf("%v\n%v", a, b)
		}
	})
	t.Run("another seed gives other orders", func(t *testing.T) {
		if c := epochs(8, 0, 1); slices.Equal(c[0], a[0]) {
			t.Error("same order")
		}
	})
}

func TestLoaderShapesAndBuffers(t *testing.T) {
	x := tensor.Arange(0, 5*2*3, 1).Reshape(5, 2, 3)
	y := tensor.Arange(0, 10, 1).Reshape(5, 2)
	l := data.NewLoader(data.NewDataset(x, y), 2)
	var shapes [][]int
	var versions []uint64
	for b := range l.Epoch() {
		shapes = append(shapes, b.X.Shape(), b.Y.Shape())
		versions = append(versions, b.X.Version())
		if b.X.At(0, 1, 2) != x.At(b.Indices[0], 1, 2) || b.Y.At(0, 1) != y.At(b.Indices[0], 1) {
			t.Errorf("batch %v holds %v", b.Indices, b.X)
		}
	}
	t.Run("batches keep the trailing dimensions of X and Y", func(t *testing.T) {
		want := [][]int{{2, 2, 3}, {2, 2}, {2, 2, 3}, {2, 2}, {1, 2, 3}, {1, 2}}
		if !slices.EqualFunc(shapes, want, slices.Equal) {
			t.Errorf("shapes %v, want %v", shapes, want)
		}
	})
	t.Run("each refill of a buffer bumps its version", func(t *testing.T) {
		if !slices.IsSorted(versions) || versions[0] == versions[1] {
			t.Errorf("versions %v", versions)
		}
	})
}

func TestLoaderPrefetchNeverOverwritesTheHeldBatch(t *testing.T) {
	ds := rowsDataset(200)
	l := data.NewLoader(ds, 4, data.Prefetch(3), data.Shuffle(rand.New(rand.NewPCG(3, 4))))
	for b := range l.Epoch() {
		snap := b.X.Data()
		for range 20 {
			runtime.Gosched() // let the producer run ahead
		}
		if !slices.Equal(snap, b.X.Data()) {
			t.Fatalf("batch %v changed while held", b.Indices)
		}
	}
}

// settledGoroutines counts goroutines once those that are exiting have
// gone: a subtest's goroutine, or the loader's after it has signalled done,
// may still be counted for a moment. A leaked goroutine blocks for good, so
// it is still counted after the count settles.
func settledGoroutines() int {
	n := runtime.NumGoroutine()
	for still := 0; still < 20; {
		time.Sleep(time.Millisecond)
		if m := runtime.NumGoroutine(); m < n {
			n, still = m, 0
		} else {
			still++
		}
	}
	return n
}

func TestLoaderStopsItsGoroutine(t *testing.T) {
	ds := rowsDataset(100)
	l := data.NewLoader(ds, 2, data.Prefetch(4))
	t.Run("after a complete epoch", func(t *testing.T) {
		base := settledGoroutines()
		epoch(t, l)
		if n := settledGoroutines(); n > base {
			t.Errorf("%d goroutines, %d before", n, base)
		}
	})
	t.Run("after a break in the first batch", func(t *testing.T) {
		base := settledGoroutines()
		for range l.Epoch() {
			break
		}
		if n := settledGoroutines(); n > base {
			t.Errorf("%d goroutines, %d before", n, base)
		}
	})
	t.Run("after a panic in the loop, and the loader still works", func(t *testing.T) {
		base := settledGoroutines()
		boom := errors.New("boom")
		if r := testutil.Panics[error](t, func() {
			for range l.Epoch() {
				panic(boom)
			}
		}); r != boom {
			t.Errorf("recovered %v", r)
		}
		if n := settledGoroutines(); n > base {
			t.Errorf("%d goroutines, %d before", n, base)
		}
		if got := len(epoch(t, l)); got != 50 {
			t.Errorf("%d batches after the panic", got)
		}
	})
}

func TestLoaderAllocatesNothingPerBatch(t *testing.T) {
	ds := rowsDataset(1000)
	for _, prefetch := range []int{0, 2} {
		l := data.NewLoader(ds, 10, data.Shuffle(rand.New(rand.NewPCG(1, 1))), data.Prefetch(prefetch))
		run := func() {
			for range l.Epoch() {
			}
		}
		run()
		// 100 batches an epoch: a constant number of allocations per epoch
		// (closures, and with prefetch the channels and goroutine) means
		// none per batch.
		if a := testing.AllocsPerRun(5, run); a > 12 {
			t.Errorf("prefetch %d: %v allocations per epoch of 100 batches", prefetch, a)
		}
	}
}

func TestProgrammerErrorsPanic(t *testing.T) {
	ds := rowsDataset(4)
	tests := []struct {
		name string
		op   string
		f    func()
	}{
		{"a zero batch size", "NewLoader", func() { data.NewLoader(ds, 0) }},
		{"a negative prefetch", "NewLoader", func() { data.NewLoader(ds, 1, data.Prefetch(-1)) }},
		{"a dataset literal of mismatched tensors", "NewLoader", func() { data.NewLoader(&data.Dataset{X: tensor.Zeros(3, 2), Y: tensor.Zeros(2)}, 1) }},
		{"a second epoch inside the first", "Loader.Epoch", func() {
			l := data.NewLoader(ds, 1)
			for range l.Epoch() {
				for range l.Epoch() {
				}
			}
		}},
		{"inputs and targets of different lengths", "NewDataset", func() { data.NewDataset(tensor.Zeros(3, 2), tensor.Zeros(4)) }},
		{"0-d targets", "NewDataset", func() { data.NewDataset(tensor.Zeros(3, 2), tensor.Scalar(1)) }},
		{"fewer targets than rows", "FromSlices", func() { data.FromSlices([][]float64{{1}, {2}}, []float64{1}) }},
		{"ragged rows", "FromSlices", func() { data.FromSlices([][]float64{{1, 2}, {3}}, []float64{1, 2}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name+" panics", func(t *testing.T) {
			e := testutil.Panics[*tensor.Error](t, tt.f)
			if e.Pkg != "data" || e.Op != tt.op {
				t.Errorf("error %v from %s.%s, want data.%s", e, e.Pkg, e.Op, tt.op)
			}
		})
	}
	t.Run("the epoch guard is released after the panic", func(t *testing.T) {
		l := data.NewLoader(ds, 1)
		testutil.Panics[*tensor.Error](t, func() {
			for range l.Epoch() {
				for range l.Epoch() {
				}
			}
		})
		if got := len(epoch(t, l)); got != 4 {
			t.Errorf("%d batches", got)
		}
	})
}

func TestDataset(t *testing.T) {
	t.Run("FromSlices makes [N, D] inputs and [N] targets", func(t *testing.T) {
		ds := data.FromSlices([][]float64{{1, 2}, {3, 4}, {5, 6}}, []float64{0, 1, 0})
		if ds.Len() != 3 || !slices.Equal(ds.X.Shape(), []int{3, 2}) || !slices.Equal(ds.Y.Data(), []float64{0, 1, 0}) {
			t.Errorf("X %v, Y %v", ds.X, ds.Y)
		}
	})
	t.Run("NewDataset copies a non-contiguous input", func(t *testing.T) {
		x := tensor.Arange(0, 6, 1).Reshape(2, 3).Transpose(0, 1) // [3 2]
		ds := data.NewDataset(x, tensor.Zeros(3))
		if !ds.X.IsContiguous() || !slices.Equal(ds.X.Data(), []float64{0, 3, 1, 4, 2, 5}) {
			t.Errorf("X %v", ds.X)
		}
	})
	t.Run("Standardize computes (v - mean) / std in place", func(t *testing.T) {
		ds := data.FromSlices([][]float64{{0, 1}}, []float64{0})
		v := ds.X.Version()
		ds.Standardize(0.1307, 0.3081)
		mean, std := 0.1307, 0.3081 // variables: constants would fold exactly
		want := []float64{(0 - mean) / std, (1 - mean) / std}
		if !slices.Equal(ds.X.Data(), want) || ds.X.Version() == v {
			t.Errorf("X %v (version %d → %d), want %v", ds.X.Data(), v, ds.X.Version(), want)
		}
	})
}
