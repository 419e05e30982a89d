package tensor_test

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

func TestConstructors(t *testing.T) {
	tests := []struct {
		name  string
		make  func() *tensor.Tensor
		shape []int
		data  []float64
	}{
		{"New with no shape makes a vector of the data", func() *tensor.Tensor { return tensor.New([]float64{1, 2, 3}) }, []int{3}, []float64{1, 2, 3}},
		{"New with a shape lays the data out row-major", func() *tensor.Tensor { return tensor.New([]float64{1, 2, 3, 4, 5, 6}, 2, 3) }, []int{2, 3}, []float64{1, 2, 3, 4, 5, 6}},
		{"New with three dimensions", func() *tensor.Tensor { return tensor.New([]float64{1, 2, 3, 4, 5, 6, 7, 8}, 2, 2, 2) }, []int{2, 2, 2}, []float64{1, 2, 3, 4, 5, 6, 7, 8}},
		{"New with size-1 dimensions", func() *tensor.Tensor { return tensor.New([]float64{7, 8}, 1, 2, 1) }, []int{1, 2, 1}, []float64{7, 8}},
		{"New of nil data is an empty vector", func() *tensor.Tensor { return tensor.New(nil) }, []int{0}, []float64{}},
		{"New of no data with a zero dimension", func() *tensor.Tensor { return tensor.New(nil, 0, 3) }, []int{0, 3}, []float64{}},
		{"FromData with a shape", func() *tensor.Tensor { return tensor.FromData([]float64{1, 2, 3, 4}, 2, 2) }, []int{2, 2}, []float64{1, 2, 3, 4}},
		{"FromData with no shape makes a vector", func() *tensor.Tensor { return tensor.FromData([]float64{5, 6}) }, []int{2}, []float64{5, 6}},
		{"Scalar is 0-d", func() *tensor.Tensor { return tensor.Scalar(2.5) }, []int{}, []float64{2.5}},
		{"Zeros with no shape is a 0-d zero", func() *tensor.Tensor { return tensor.Zeros() }, []int{}, []float64{0}},
		{"Zeros of a matrix", func() *tensor.Tensor { return tensor.Zeros(2, 3) }, []int{2, 3}, []float64{0, 0, 0, 0, 0, 0}},
		{"Zeros with a zero dimension is empty", func() *tensor.Tensor { return tensor.Zeros(3, 0) }, []int{3, 0}, []float64{}},
		{"Ones of a matrix", func() *tensor.Tensor { return tensor.Ones(3, 1) }, []int{3, 1}, []float64{1, 1, 1}},
		{"Ones with no shape is a 0-d one", func() *tensor.Tensor { return tensor.Ones() }, []int{}, []float64{1}},
		{"Full repeats the value", func() *tensor.Tensor { return tensor.Full(-1.5, 2, 2) }, []int{2, 2}, []float64{-1.5, -1.5, -1.5, -1.5}},
		{"Full can hold NaN", func() *tensor.Tensor { return tensor.Full(math.NaN(), 2) }, []int{2}, []float64{math.NaN(), math.NaN()}},
		{"Eye(3) is the identity", func() *tensor.Tensor { return tensor.Eye(3) }, []int{3, 3}, []float64{1, 0, 0, 0, 1, 0, 0, 0, 1}},
		{"Eye(1) is [[1]]", func() *tensor.Tensor { return tensor.Eye(1) }, []int{1, 1}, []float64{1}},
		{"Eye(0) is an empty 0x0 matrix", func() *tensor.Tensor { return tensor.Eye(0) }, []int{0, 0}, []float64{}},
		{"ZerosLike takes the shape of a transposed view", func() *tensor.Tensor { return tensor.ZerosLike(seq(2, 3).Transpose(0, 1)) }, []int{3, 2}, []float64{0, 0, 0, 0, 0, 0}},
		{"OnesLike takes the shape of a 0-d tensor", func() *tensor.Tensor { return tensor.OnesLike(tensor.Scalar(9)) }, []int{}, []float64{1}},
		{"OnesLike takes the shape of a slice", func() *tensor.Tensor { return tensor.OnesLike(seq(4, 3).Slice(0, 1, 3)) }, []int{2, 3}, []float64{1, 1, 1, 1, 1, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := tc.make()
			checkFresh(t, x, tc.shape)
			if x.Dim() != len(tc.shape) {
				t.Errorf("Dim() = %d, want %d", x.Dim(), len(tc.shape))
			}
			if x.Numel() != len(tc.data) {
				t.Errorf("Numel() = %d, want %d", x.Numel(), len(tc.data))
			}
			testutil.AllSame(t, "Data()", x.Data(), tc.data)
			testutil.AllSame(t, "values via At", valuesAt(x), tc.data)
			if x.Version() != 0 {
				t.Errorf("Version() = %d, want 0 for a new tensor", x.Version())
			}
		})
	}
}

func TestNewCopiesAndFromDataShares(t *testing.T) {
	t.Run("New copies its data so later writes to the slice are not seen", func(t *testing.T) {
		d := []float64{1, 2, 3, 4}
		x := tensor.New(d, 2, 2)
		d[0] = 100
		if got := x.At(0, 0); got != 1 {
			t.Errorf("At(0, 0) = %v after writing the source slice, want 1", got)
		}
		x.Set(-1, 1, 1)
		if d[3] != 4 {
			t.Errorf("source slice changed to %v by Set", d)
		}
	})
	t.Run("FromData shares its data in both directions", func(t *testing.T) {
		d := []float64{1, 2, 3, 4}
		x := tensor.FromData(d, 2, 2)
		d[1] = 20
		if got := x.At(0, 1); got != 20 {
			t.Errorf("At(0, 1) = %v after writing the slice, want 20", got)
		}
		x.Set(40, 1, 1)
		if d[3] != 40 {
			t.Errorf("slice = %v after Set(40, 1, 1), want d[3] = 40", d)
		}
		if r := x.Raw(); &r[0] != &d[0] {
			t.Errorf("Raw() does not alias the slice given to FromData")
		}
	})
	t.Run("ZerosLike and OnesLike get storage of their own", func(t *testing.T) {
		x := seq(2, 2)
		for _, y := range []*tensor.Tensor{tensor.ZerosLike(x), tensor.OnesLike(x)} {
			if y.SameStorage(x) {
				t.Errorf("result shares storage with its argument")
			}
		}
	})
}

func TestConstructorPanics(t *testing.T) {
	tests := []struct {
		name string
		op   string
		want []string
		f    func()
	}{
		{"New with too few values names the shape", "New", []string{"[2 3]", "5 values", "6 elements"}, func() { tensor.New(make([]float64, 5), 2, 3) }},
		{"New with too many values names the shape", "New", []string{"[2 2]", "5 values"}, func() { tensor.New(make([]float64, 5), 2, 2) }},
		{"New with values for an empty shape", "New", []string{"[0 3]"}, func() { tensor.New([]float64{1}, 0, 3) }},
		{"New with a negative dimension", "New", []string{"[-2 3]", "negative"}, func() { tensor.New(make([]float64, 6), -2, 3) }},
		{"FromData with the wrong length names the shape", "FromData", []string{"[3 3]", "4 values"}, func() { tensor.FromData(make([]float64, 4), 3, 3) }},
		{"Zeros with a negative dimension", "Zeros", []string{"[2 -1]"}, func() { tensor.Zeros(2, -1) }},
		{"Full with a negative dimension", "Full", []string{"[-3]"}, func() { tensor.Full(1, -3) }},
		{"Ones with a negative dimension", "Full", []string{"[-3]"}, func() { tensor.Ones(-3) }},
		{"Eye with a negative size", "Eye", []string{"[-1 -1]"}, func() { tensor.Eye(-1) }},
		{"Rand with a negative dimension", "Rand", []string{"[-1]"}, func() { tensor.Rand(newRNG(1), -1) }},
		{"Randn with a negative dimension", "Randn", []string{"[4 -2]"}, func() { tensor.Randn(newRNG(1), 4, -2) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { wantPanic(t, tc.op, tc.want, tc.f) })
	}
}

func TestArange(t *testing.T) {
	tests := []struct {
		name             string
		start, end, step float64
		want             []float64
	}{
		{"counts up by one below end", 0, 5, 1, []float64{0, 1, 2, 3, 4}},
		{"starts at a non-zero value", 2, 5, 1, []float64{2, 3, 4}},
		{"takes fractional steps", 1, 2.5, 0.5, []float64{1, 1.5, 2}},
		{"includes the last value below end when the step does not divide the range", 1, 2, 0.3, steps(1, 0.3, 4)},
		{"rounds the count up like torch.arange(0, 0.3, 0.1)", 0, 0.3, 0.1, []float64{0, 0.1, 0.2}},
		{"gives exactly ten values for (0, 1, 0.1)", 0, 1, 0.1, steps(0, 0.1, 10)},
		{"counts down with a negative step", 5, 0, -1.5, []float64{5, 3.5, 2, 0.5}},
		{"counts down to just above end", 3, -1, -1, []float64{3, 2, 1, 0}},
		{"runs over negative numbers", -3, 0, 1, []float64{-3, -2, -1}},
		{"is empty when start equals end", 3, 3, 1, []float64{}},
		{"is empty when start equals end for a negative step", 3, 3, -1, []float64{}},
		{"has one element when the step overshoots", 0, 1, 10, []float64{0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := tensor.Arange(tc.start, tc.end, tc.step)
			checkFresh(t, x, []int{len(tc.want)})
			testutil.AllSame(t, "Data()", x.Data(), tc.want)
		})
	}
}

// steps returns start + i*step for i < n, computed in float64 at run time
// (torch.arange's formula; Go constant arithmetic would be exact instead).
func steps(start, step float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = start + float64(i)*step
	}
	return out
}

func TestArangePanics(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name             string
		start, end, step float64
	}{
		{"a zero step", 0, 5, 0},
		{"a NaN step", 0, 5, nan},
		{"an infinite step", 0, 5, inf},
		{"a negative infinite step", 5, 0, -inf},
		{"a NaN start", nan, 5, 1},
		{"a NaN end", 0, nan, 1},
		// torch.arange(0, inf) fails with "unsupported range"; an infinite
		// bound has no finite count of elements.
		{"an infinite end", 0, inf, 1},
		{"an infinite start", -inf, 0, 1},
		// 1e20 elements is far past the 1<<40 limit that Arange documents
		// by panicking with "too many elements".
		{"a range with 1e20 elements", 0, 1e20, 1},
	}
	for _, tc := range tests {
		t.Run("rejects "+tc.name, func(t *testing.T) {
			wantPanic(t, "Arange", nil, func() { tensor.Arange(tc.start, tc.end, tc.step) })
		})
	}
	// torch.arange(0, 5, -1) raises "upper bound and larger bound
	// inconsistent with step sign", and so does a positive step with end
	// behind start; torch.arange(0, 5, 0) raises "step must be nonzero".
	signs := []struct {
		name             string
		start, end, step float64
		want             string
	}{
		{"a negative step with end ahead of start", 0, 5, -1, "inconsistent with step sign"},
		{"a positive step with end behind start", 5, 0, 1, "inconsistent with step sign"},
		{"a tiny positive step with end behind start", 0, -1e-300, 1e-300, "inconsistent with step sign"},
		{"a zero step", 0, 5, 0, "step must be nonzero"},
		{"a negative zero step", 0, 0, math.Copysign(0, -1), "step must be nonzero"},
	}
	for _, tc := range signs {
		t.Run("rejects "+tc.name+" like torch.arange", func(t *testing.T) {
			wantPanic(t, "Arange", []string{tc.want, fmt.Sprint(tc.start), fmt.Sprint(tc.end)}, func() { tensor.Arange(tc.start, tc.end, tc.step) })
		})
	}
}

func TestRand(t *testing.T) {
	t.Run("Rand is deterministic for a seed and draws Float64 in order", func(t *testing.T) {
		a := tensor.Rand(newRNG(7), 3, 4)
		b := tensor.Rand(newRNG(7), 3, 4)
		checkFresh(t, a, []int{3, 4})
		testutil.AllSame(t, "second Rand with the same seed", b.Data(), a.Data())
		rng := newRNG(7)
		want := make([]float64, 12)
		for i := range want {
			want[i] = rng.Float64()
		}
		testutil.AllSame(t, "Rand", a.Data(), want)
		for i, v := range a.Data() {
			if v < 0 || v >= 1 {
				t.Errorf("Rand value %d = %v, outside [0, 1)", i, v)
			}
		}
	})
	t.Run("Randn is deterministic for a seed and draws NormFloat64 in order", func(t *testing.T) {
		a := tensor.Randn(newRNG(11), 2, 5)
		b := tensor.Randn(newRNG(11), 2, 5)
		checkFresh(t, a, []int{2, 5})
		testutil.AllSame(t, "second Randn with the same seed", b.Data(), a.Data())
		rng := newRNG(11)
		want := make([]float64, 10)
		for i := range want {
			want[i] = rng.NormFloat64()
		}
		testutil.AllSame(t, "Randn", a.Data(), want)
	})
	t.Run("different seeds give different values", func(t *testing.T) {
		a := tensor.Rand(newRNG(1), 8).Data()
		b := tensor.Rand(newRNG(2), 8).Data()
		if slices.Equal(a, b) {
			t.Errorf("Rand with seeds 1 and 2 gave the same values %v", a)
		}
	})
	t.Run("Rand with no shape draws one value into a 0-d tensor", func(t *testing.T) {
		rng := newRNG(3)
		x := tensor.Rand(rng)
		checkFresh(t, x, []int{})
		if want := newRNG(3).Float64(); x.Item() != want {
			t.Errorf("Item() = %v, want %v", x.Item(), want)
		}
	})
	t.Run("Randn of an empty shape draws nothing", func(t *testing.T) {
		rng := newRNG(5)
		x := tensor.Randn(rng, 0, 4)
		checkFresh(t, x, []int{0, 4})
		if got, want := rng.Uint64(), newRNG(5).Uint64(); got != want {
			t.Errorf("the generator advanced while making an empty tensor")
		}
	})
	t.Run("Randn values have mean near 0 and variance near 1", func(t *testing.T) {
		d := tensor.Randn(newRNG(99), 10000).Data()
		var s, s2 float64
		for _, v := range d {
			s += v
			s2 += v * v
		}
		mean := s / float64(len(d))
		variance := s2/float64(len(d)) - mean*mean
		if math.Abs(mean) > 0.05 || math.Abs(variance-1) > 0.05 {
			t.Errorf("mean %v, variance %v; want about 0 and 1", mean, variance)
		}
	})
}

// A ScalarCell's tensor is an ordinary 0-d tensor, made with the cell's
// Extra in one allocation.
func TestScalarCell(t *testing.T) {
	type rec struct{ name string }
	var c *tensor.ScalarCell[rec]
	var s *tensor.Tensor
	if n := testing.AllocsPerRun(100, func() {
		c = new(tensor.ScalarCell[rec])
		s = c.Init(2.5)
	}); n != 1 {
		t.Errorf("new cell and Init: %v allocations, want 1", n)
	}
	c.Extra.name = "node"
	if s.Dim() != 0 || s.Item() != 2.5 || !s.IsContiguous() {
		t.Fatalf("Init(2.5) gave shape %v, value %v", s.Shape(), s.Item())
	}
	s.AddInPlace(tensor.Scalar(1))
	if got := s.Add(tensor.Scalar(1)).Item(); got != 4.5 || c.Extra.name != "node" {
		t.Errorf("after AddInPlace(1), t+1 = %v, want 4.5; Extra %q", got, c.Extra.name)
	}
	if v := s.Version(); v != 1 {
		t.Errorf("version %d after one in-place write, want 1", v)
	}
}
