package data_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/data"
	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

// threeTensors returns n examples of three aligned tensors: example i is
// a = (100i, 100i+1) of shape [n, 2], b = i of shape [n], and
// c = (-i, -i-0.5, -i-0.25) of shape [n, 1, 3].
func threeTensors(n int) (a, b, c *tensor.Tensor) {
	var av, bv, cv []float64
	for i := range n {
		f := float64(i)
		av = append(av, 100*f, 100*f+1)
		bv = append(bv, f)
		cv = append(cv, -f, -f-0.5, -f-0.25)
	}
	return tensor.New(av, n, 2), tensor.New(bv, n), tensor.New(cv, n, 1, 3)
}

// rowsOf returns the example numbers held by the rows of b, the second
// tensor of threeTensors, as a loader batch or a subset gathers it.
func rowsOf(t *tensor.Tensor) []int {
	var out []int
	for _, v := range t.Data() {
		out = append(out, int(v))
	}
	return out
}

// checkBatch fails unless every row j of the batch's three tensors holds
// example rows[j] of threeTensors.
func checkBatch(t *testing.T, b data.Batch, rows []int) {
	t.Helper()
	if len(b.Tensors) != 3 || b.X != b.Tensors[0] || b.Y != b.Tensors[1] {
		t.Fatalf("batch of %d tensors, X %p, Y %p", len(b.Tensors), b.X, b.Y)
	}
	n := len(rows)
	for k, want := range [][]int{{n, 2}, {n}, {n, 1, 3}} {
		if got := b.Tensors[k].Shape(); !slices.Equal(got, want) {
			t.Fatalf("tensor %d of the batch has shape %v, want %v", k, got, want)
		}
	}
	for j, i := range rows {
		f := float64(i)
		if b.Tensors[0].At(j, 1) != 100*f+1 || b.Tensors[1].At(j) != f || b.Tensors[2].At(j, 0, 2) != -f-0.25 {
			t.Fatalf("row %d of the batch holds %v, %v, %v; want example %d", j, b.Tensors[0].Data(), b.Tensors[1].Data(), b.Tensors[2].Data(), i)
		}
	}
}

func TestTensorDataset(t *testing.T) {
	a, b, c := threeTensors(5)
	ds := data.NewTensorDataset(a, b, c)
	t.Run("Len is the first dimension and Tensors are the tensors themselves", func(t *testing.T) {
		ts := ds.Tensors()
		if ds.Len() != 5 || len(ts) != 3 || ts[0] != a || ts[1] != b || ts[2] != c {
			t.Errorf("Len %d, Tensors %p %p %p", ds.Len(), ts[0], ts[1], ts[2])
		}
	})
	t.Run("a non-contiguous tensor is copied", func(t *testing.T) {
		x := tensor.Arange(0, 6, 1).Reshape(2, 3).Transpose(0, 1) // [3 2]
		ts := data.NewTensorDataset(x, tensor.Zeros(3)).Tensors()
		if !ts[0].IsContiguous() || !slices.Equal(ts[0].Data(), []float64{0, 3, 1, 4, 2, 5}) {
			t.Errorf("tensor %v", ts[0])
		}
	})
	for _, prefetch := range []int{0, 2} {
		t.Run(fmt.Sprintf("a loader batches all three tensors, row by row, with prefetch %d", prefetch), func(t *testing.T) {
			l := data.NewLoader(ds, 2, data.Prefetch(prefetch), data.Shuffle(rand.New(rand.NewPCG(1, 2))))
			var seen []int
			for bt := range l.Epoch() {
				checkBatch(t, bt, bt.Indices)
				seen = append(seen, bt.Indices...)
			}
			if slices.Sort(seen); !slices.Equal(seen, []int{0, 1, 2, 3, 4}) {
				t.Errorf("examples %v", seen)
			}
		})
	}
	t.Run("a dataset of one tensor has batches with X and no Y", func(t *testing.T) {
		for bt := range data.NewLoader(data.NewTensorDataset(a), 5).Epoch() {
			if len(bt.Tensors) != 1 || bt.X != bt.Tensors[0] || bt.Y != nil || !slices.Equal(bt.X.Data(), a.Data()) {
				t.Errorf("batch %+v", bt)
			}
		}
	})
	t.Run("a Dataset's batches have Tensors X and Y", func(t *testing.T) {
		for bt := range data.NewLoader(data.NewDataset(a, b), 5).Epoch() {
			if len(bt.Tensors) != 2 || bt.X != bt.Tensors[0] || bt.Y != bt.Tensors[1] || !slices.Equal(bt.Y.Data(), b.Data()) {
				t.Errorf("batch %+v", bt)
			}
		}
	})
}

func TestSubset(t *testing.T) {
	a, b, c := threeTensors(6)
	ds := data.NewTensorDataset(a, b, c)
	t.Run("selects the examples in the order given, repeats included", func(t *testing.T) {
		sub := data.Subset(ds, []int{4, 0, 4, 2})
		ts := sub.Tensors()
		if sub.Len() != 4 || !slices.Equal(rowsOf(ts[1]), []int{4, 0, 4, 2}) {
			t.Fatalf("Len %d, rows %v", sub.Len(), rowsOf(ts[1]))
		}
		if !slices.Equal(ts[0].Shape(), []int{4, 2}) || !slices.Equal(ts[2].Shape(), []int{4, 1, 3}) || ts[2].At(0, 0, 1) != -4.5 {
			t.Errorf("tensors %v %v", ts[0], ts[2])
		}
	})
	t.Run("the indices are copied", func(t *testing.T) {
		idx := []int{1, 2}
		sub := data.Subset(ds, idx)
		idx[0] = 5
		if got := rowsOf(sub.Tensors()[1]); !slices.Equal(got, []int{1, 2}) {
			t.Errorf("rows %v", got)
		}
	})
	t.Run("shares the tensors it selects from", func(t *testing.T) {
		x := tensor.Arange(0, 3, 1)
		sub := data.Subset(data.NewTensorDataset(x), []int{2})
		x.Raw()[2] = 42
		if got := sub.Tensors()[0].Data(); !slices.Equal(got, []float64{42}) {
			t.Errorf("subset holds %v after its source changed", got)
		}
	})
	t.Run("a subset of a subset selects from the original rows", func(t *testing.T) {
		sub := data.Subset(data.Subset(ds, []int{5, 3, 1}), []int{2, 0})
		if got := rowsOf(sub.Tensors()[1]); !slices.Equal(got, []int{1, 5}) {
			t.Errorf("rows %v, want [1 5]", got)
		}
	})
	t.Run("a loader numbers a subset's examples from 0 and copies the selected rows", func(t *testing.T) {
		rows := []int{5, 3, 1, 0, 2}
		l := data.NewLoader(data.Subset(ds, rows), 2, data.Prefetch(1))
		var got [][]int
		for bt := range l.Epoch() {
			want := make([]int, len(bt.Indices))
			for j, i := range bt.Indices {
				want[j] = rows[i]
			}
			checkBatch(t, bt, want)
			got = append(got, slices.Clone(bt.Indices))
		}
		if !slices.EqualFunc(got, [][]int{{0, 1}, {2, 3}, {4}}, slices.Equal) {
			t.Errorf("batches of indices %v", got)
		}
	})
	t.Run("a subset of a Dataset keeps X and Y", func(t *testing.T) {
		sub := data.Subset(data.NewDataset(a, b), []int{3, 1})
		for bt := range data.NewLoader(sub, 2).Epoch() {
			if !slices.Equal(rowsOf(bt.Y), []int{3, 1}) || !slices.Equal(bt.X.Data(), []float64{300, 301, 100, 101}) {
				t.Errorf("X %v, Y %v", bt.X.Data(), bt.Y.Data())
			}
		}
	})
	t.Run("no indices make an empty dataset with no batch", func(t *testing.T) {
		sub := data.Subset(ds, nil)
		if sub.Len() != 0 || data.NewLoader(sub, 2).Len() != 0 || !slices.Equal(sub.Tensors()[2].Shape(), []int{0, 1, 3}) {
			t.Errorf("Len %d", sub.Len())
		}
	})
	t.Run("a loader of a subset allocates nothing per batch", func(t *testing.T) {
		a, b, c := threeTensors(400)
		rows := rand.New(rand.NewPCG(5, 6)).Perm(400)
		l := data.NewLoader(data.Subset(data.NewTensorDataset(a, b, c), rows), 4, data.Shuffle(rand.New(rand.NewPCG(1, 2))))
		run := func() {
			for range l.Epoch() {
			}
		}
		run()
		if allocs := testing.AllocsPerRun(5, run); allocs > 4 {
			t.Errorf("%v allocations per epoch of 100 batches", allocs)
		}
	})
}

func TestRandomSplit(t *testing.T) {
	a, b, c := threeTensors(10)
	ds := data.NewTensorDataset(a, b, c)
	split := func(seed uint64, lengths []int) [][]int {
		var out [][]int
		for _, sub := range data.RandomSplit(ds, lengths, rand.New(rand.NewPCG(seed, 0))) {
			out = append(out, rowsOf(sub.Tensors()[1]))
		}
		return out
	}
	t.Run("the pieces are consecutive runs of rng.Perm", func(t *testing.T) {
		got := split(7, []int{3, 0, 5, 2})
		perm := rand.New(rand.NewPCG(7, 0)).Perm(10)
		want := [][]int{perm[:3], {}, perm[3:8], perm[8:]}
		if !slices.EqualFunc(got, want, slices.Equal) {
			t.Errorf("split %v, want %v", got, want)
		}
	})
	t.Run("the pieces partition the dataset", func(t *testing.T) {
		all := slices.Concat(split(3, []int{6, 4})...)
		if slices.Sort(all); !slices.Equal(all, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
			t.Errorf("examples %v", all)
		}
	})
	t.Run("the same seed gives the same split, another seed another", func(t *testing.T) {
		s1, s2, s3 := split(3, []int{6, 4}), split(3, []int{6, 4}), split(4, []int{6, 4})
		if !slices.EqualFunc(s1, s2, slices.Equal) || slices.Equal(s1[0], s3[0]) {
			t.Errorf("%v, %v, %v", s1, s2, s3)
		}
	})
	t.Run("a split of a subset selects from the original rows", func(t *testing.T) {
		sub := data.Subset(ds, []int{9, 8, 7})
		parts := data.RandomSplit(sub, []int{1, 2}, rand.New(rand.NewPCG(1, 1)))
		all := slices.Concat(rowsOf(parts[0].Tensors()[1]), rowsOf(parts[1].Tensors()[1]))
		if slices.Sort(all); !slices.Equal(all, []int{7, 8, 9}) {
			t.Errorf("rows %v", all)
		}
	})
	fractions := []struct {
		name      string
		n         int
		fractions []float64
		want      []int
	}{
		{"halves of an even count", 10, []float64{0.5, 0.5}, []int{5, 5}},
		{"halves of an odd count give the extra example to the first", 11, []float64{0.5, 0.5}, []int{6, 5}},
		{"thirds give the remainder round-robin", 10, []float64{0.33, 0.33, 0.34}, []int{4, 3, 3}},
		{"floors of 4.9, 1.4 and 0.7 get the remaining two from the first", 7, []float64{0.7, 0.2, 0.1}, []int{5, 2, 0}},
		{"a float sum just above 1 is accepted", 10, []float64{0.1, 0.2, 0.7}, []int{1, 2, 7}},
		{"one fraction of 1 keeps all", 3, []float64{1}, []int{3}},
		{"fractions of an empty dataset are empty", 0, []float64{0.5, 0.5}, []int{0, 0}},
	}
	for _, tt := range fractions {
		t.Run("fractions: "+tt.name, func(t *testing.T) {
			x := tensor.Zeros(tt.n, 1)
			var got []int
			for _, sub := range data.RandomSplit(data.NewTensorDataset(x), tt.fractions, rand.New(rand.NewPCG(1, 2))) {
				got = append(got, sub.Len())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("lengths %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDatasetProgrammerErrorsPanic(t *testing.T) {
	a, b, _ := threeTensors(4)
	ds := data.NewTensorDataset(a, b)
	rng := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name string
		op   string
		f    func()
		want string
	}{
		{"no tensors", "NewTensorDataset", func() { data.NewTensorDataset() }, "no tensors"},
		{"a nil tensor", "NewTensorDataset", func() { data.NewTensorDataset(a, nil) }, "tensor 1 is a nil"},
		{"a 0-d tensor", "NewTensorDataset", func() { data.NewTensorDataset(a, tensor.Scalar(1)) }, "tensor 1 of the tensors of shapes [4 2], [] has no dimensions"},
		{"tensors of different lengths", "NewTensorDataset", func() { data.NewTensorDataset(a, b, tensor.Zeros(3, 2)) }, "shapes [4 2], [4], [3 2] do not have the same first dimension"},
		{"a nil dataset", "NewLoader", func() { data.NewLoader(nil, 2) }, "nil"},
		{"a zero TensorDataset", "NewLoader", func() { data.NewLoader(&data.TensorDataset{}, 2) }, "no tensors"},
		{"an index of -1", "Subset", func() { data.Subset(ds, []int{0, -1}) }, "index -1 (at position 1) is out of range for a dataset of 4 examples"},
		{"an index equal to the length", "Subset", func() { data.Subset(ds, []int{4}) }, "index 4 (at position 0) is out of range"},
		{"a Dataset literal of mismatched tensors", "Subset", func() { data.Subset(&data.Dataset{X: tensor.Zeros(3, 2), Y: tensor.Zeros(2)}, nil) }, "[3 2], [2]"},
		{"a nil rng", "RandomSplit", func() { data.RandomSplit(ds, []int{2, 2}, nil) }, "random number generator is nil"},
		{"a nil dataset to split", "RandomSplit", func() { data.RandomSplit(nil, []int{2, 2}, rng) }, "nil"},
		{"lengths summing to less", "RandomSplit", func() { data.RandomSplit(ds, []int{2, 1}, rng) }, "lengths [2 1] sum to 3, not to the 4 examples"},
		{"lengths summing to more", "RandomSplit", func() { data.RandomSplit(ds, []int{2, 3}, rng) }, "sum to more than the 4 examples"},
		{"a huge length", "RandomSplit", func() { data.RandomSplit(ds, []int{4, math.MaxInt}, rng) }, "sum to more"},
		{"a negative length", "RandomSplit", func() { data.RandomSplit(ds, []int{6, -2}, rng) }, "length -2 (at position 1) is negative"},
		{"no lengths", "RandomSplit", func() { data.RandomSplit(ds, []int{}, rng) }, "sum to 0"},
		{"a fraction above 1", "RandomSplit", func() { data.RandomSplit(ds, []float64{1.5, -0.5}, rng) }, "fraction 1.5 (at position 0) is not in [0, 1]"},
		{"a NaN fraction", "RandomSplit", func() { data.RandomSplit(ds, []float64{math.NaN(), 1}, rng) }, "fraction NaN"},
		{"fractions summing to 0.9", "RandomSplit", func() { data.RandomSplit(ds, []float64{0.5, 0.4}, rng) }, "sum to 0.9, not to 1"},
		{"no fractions", "RandomSplit", func() { data.RandomSplit(ds, []float64{}, rng) }, "sum to 0, not to 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" panics naming "+tt.op, func(t *testing.T) {
			e := testutil.Panics[*tensor.Error](t, tt.f)
			if e.Pkg != "data" || e.Op != tt.op || !strings.Contains(e.Error(), tt.want) {
				t.Errorf("panic %q from %s.%s; want data.%s mentioning %q", e, e.Pkg, e.Op, tt.op, tt.want)
			}
		})
	}
}
