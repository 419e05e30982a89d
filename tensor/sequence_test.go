package tensor_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/tensor"
)

// The operations of sequence models: Tril, Triu, Cumsum, Cumprod, Sort,
// Argsort, TopK, Flip, Roll, RepeatInterleave, OneHot and Multinomial.

func TestTrilTriu(t *testing.T) {
	nan := math.NaN()
	runShapeCases(t, []shapeCase{
		{"Tril keeps the lower triangle with the diagonal", func() *tensor.Tensor { return seq(3, 3).Tril(0) },
			[]int{3, 3}, []float64{0, 0, 0, 3, 4, 0, 6, 7, 8}},
		{"Tril with diagonal 1 keeps one diagonal above", func() *tensor.Tensor { return seq(2, 4).Tril(1) },
			[]int{2, 4}, []float64{0, 1, 0, 0, 4, 5, 6, 0}},
		{"Tril with diagonal -1 drops the diagonal", func() *tensor.Tensor { return seq(3, 2).Tril(-1) },
			[]int{3, 2}, []float64{0, 0, 2, 0, 4, 5}},
		{"Triu keeps the upper triangle with the diagonal", func() *tensor.Tensor { return seq(3, 3).Triu(0) },
			[]int{3, 3}, []float64{0, 1, 2, 0, 4, 5, 0, 0, 8}},
		{"Triu with diagonal -1 keeps one diagonal below", func() *tensor.Tensor { return seq(3, 2).Triu(-1) },
			[]int{3, 2}, []float64{0, 1, 2, 3, 0, 5}},
		{"Triu with a diagonal past the last column zeroes everything", func() *tensor.Tensor { return seq(2, 3).Triu(3) },
			[]int{2, 3}, []float64{0, 0, 0, 0, 0, 0}},
		{"Tril with a diagonal below the last row zeroes everything", func() *tensor.Tensor { return seq(2, 3).Tril(-2) },
			[]int{2, 3}, []float64{0, 0, 0, 0, 0, 0}},
		{"Tril works on each matrix of a batch", func() *tensor.Tensor { return seq(2, 2, 2).Tril(0) },
			[]int{2, 2, 2}, []float64{0, 0, 2, 3, 4, 0, 6, 7}},
		{"Triu of a transposed view reads it element by element", func() *tensor.Tensor { return seq(3, 2).Transpose(0, 1).Triu(1) },
			[]int{2, 3}, []float64{0, 2, 4, 0, 0, 5}},
		{"Tril zeroes NaN above the diagonal and keeps it below", func() *tensor.Tensor {
			return tensor.New([]float64{nan, nan, nan, nan}, 2, 2).Tril(0)
		}, []int{2, 2}, []float64{nan, 0, nan, nan}},
		{"Tril of an empty batch is empty", func() *tensor.Tensor { return tensor.Zeros(0, 2, 2).Tril(0) }, []int{0, 2, 2}, []float64{}},
	})
	runPanicCases(t, []panicCase{
		{"Tril of a vector", "Tril", []string{"[3]", "at least 2 dimensions"}, func() { seq(3).Tril(0) }},
		{"Triu of a 0-d tensor", "Triu", []string{"[]", "at least 2 dimensions"}, func() { tensor.Scalar(1).Triu(0) }},
		{"Tril of nil", "Tril", []string{"nil"}, func() { (*tensor.Tensor)(nil).Tril(0) }},
	})
}

func TestCumsumCumprod(t *testing.T) {
	runShapeCases(t, []shapeCase{
		{"Cumsum along the last dimension", func() *tensor.Tensor { return seq(2, 3).Cumsum(-1) },
			[]int{2, 3}, []float64{0, 1, 3, 3, 7, 12}},
		{"Cumsum along dimension 0", func() *tensor.Tensor { return seq(2, 3).Cumsum(0) },
			[]int{2, 3}, []float64{0, 1, 2, 3, 5, 7}},
		{"Cumsum of a transposed view", func() *tensor.Tensor { return seq(3, 2).Transpose(0, 1).Cumsum(1) },
			[]int{2, 3}, []float64{0, 2, 6, 1, 4, 9}},
		{"Cumsum of a 0-d tensor is a copy", func() *tensor.Tensor { return tensor.Scalar(2.5).Cumsum(-1) }, []int{}, []float64{2.5}},
		{"Cumprod along dimension 1", func() *tensor.Tensor { return tensor.New([]float64{1, 2, 3, 2, 0, 4}, 2, 3).Cumprod(1) },
			[]int{2, 3}, []float64{1, 2, 6, 2, 0, 0}},
		{"Cumprod of a 0-d tensor is a copy", func() *tensor.Tensor { return tensor.Scalar(-3).Cumprod(0) }, []int{}, []float64{-3}},
		{"Cumsum of an empty dimension is empty", func() *tensor.Tensor { return tensor.Zeros(2, 0).Cumsum(1) }, []int{2, 0}, []float64{}},
	})
	runPanicCases(t, []panicCase{
		{"Cumsum along a dimension out of range", "Cumsum", []string{"dimension 2", "[2 3]"}, func() { seq(2, 3).Cumsum(2) }},
		{"Cumprod of a 0-d tensor along dimension 1", "Cumprod", []string{"dimension 1", "0-d"}, func() { tensor.Scalar(1).Cumprod(1) }},
		{"Cumsum of nil", "Cumsum", []string{"nil"}, func() { (*tensor.Tensor)(nil).Cumsum(0) }},
	})
}

func TestSortArgsortTopK(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	x := tensor.New([]float64{3, 1, 2, 1, 5, 0}, 2, 3)
	ties := tensor.New([]float64{2, 1, 2, 1, 2}, 5)
	withNaN := tensor.New([]float64{1, nan, -inf, 0}, 4)
	first := func(v, _ *tensor.Tensor) *tensor.Tensor { return v }
	second := func(_, i *tensor.Tensor) *tensor.Tensor { return i }
	runShapeCases(t, []shapeCase{
		{"Sort values ascending along the last dimension", func() *tensor.Tensor { return first(x.Sort(-1, false)) },
			[]int{2, 3}, []float64{1, 2, 3, 0, 1, 5}},
		{"Sort indices ascending along the last dimension", func() *tensor.Tensor { return second(x.Sort(-1, false)) },
			[]int{2, 3}, []float64{1, 2, 0, 2, 0, 1}},
		{"Sort descending along dimension 0", func() *tensor.Tensor { return first(x.Sort(0, true)) },
			[]int{2, 3}, []float64{3, 5, 2, 1, 1, 0}},
		{"Sort is stable ascending", func() *tensor.Tensor { return second(ties.Sort(0, false)) },
			[]int{5}, []float64{1, 3, 0, 2, 4}},
		{"Sort is stable descending", func() *tensor.Tensor { return second(ties.Sort(0, true)) },
			[]int{5}, []float64{0, 2, 4, 1, 3}},
		{"Sort puts NaN last ascending", func() *tensor.Tensor { return first(withNaN.Sort(0, false)) },
			[]int{4}, []float64{-inf, 0, 1, nan}},
		{"Sort puts NaN first descending", func() *tensor.Tensor { return second(withNaN.Sort(0, true)) },
			[]int{4}, []float64{1, 0, 3, 2}},
		{"Sort of a 0-d tensor", func() *tensor.Tensor { return second(tensor.Scalar(4).Sort(0, false)) }, []int{}, []float64{0}},
		{"Sort of a transposed view", func() *tensor.Tensor { return first(x.Transpose(0, 1).Sort(1, false)) },
			[]int{3, 2}, []float64{1, 3, 1, 5, 0, 2}},
		{"Argsort descending", func() *tensor.Tensor { return x.Argsort(1, true) },
			[]int{2, 3}, []float64{0, 2, 1, 1, 0, 2}},
		{"TopK largest sorted", func() *tensor.Tensor { return first(x.TopK(2, 1, true, true)) },
			[]int{2, 2}, []float64{3, 2, 5, 1}},
		{"TopK smallest sorted", func() *tensor.Tensor { return second(x.TopK(2, 1, false, true)) },
			[]int{2, 2}, []float64{1, 2, 2, 0}},
		{"TopK unsorted keeps the order along the dimension", func() *tensor.Tensor { return second(x.TopK(2, 1, true, false)) },
			[]int{2, 2}, []float64{0, 2, 0, 1}},
		{"TopK takes the earlier of equal values", func() *tensor.Tensor { return second(ties.TopK(2, 0, true, true)) },
			[]int{2}, []float64{0, 2}},
		{"TopK counts NaN as the largest", func() *tensor.Tensor { return second(withNaN.TopK(1, 0, true, true)) },
			[]int{1}, []float64{1}},
		{"TopK with k 0 is empty", func() *tensor.Tensor { return first(x.TopK(0, 1, true, true)) }, []int{2, 0}, []float64{}},
		{"TopK of a 0-d tensor", func() *tensor.Tensor { return first(tensor.Scalar(7).TopK(1, -1, true, true)) }, []int{}, []float64{7}},
	})
	runPanicCases(t, []panicCase{
		{"Sort along a dimension out of range", "Sort", []string{"dimension -3", "[2 3]"}, func() { x.Sort(-3, false) }},
		{"Argsort of nil", "Argsort", []string{"nil"}, func() { (*tensor.Tensor)(nil).Argsort(0, false) }},
		{"TopK with k above the size", "TopK", []string{"k = 4", "size 3", "[2 3]"}, func() { x.TopK(4, 1, true, true) }},
		{"TopK with a negative k", "TopK", []string{"k = -1", "[2 3]"}, func() { x.TopK(-1, 1, true, true) }},
		{"TopK of a 0-d tensor with k 2", "TopK", []string{"k = 2"}, func() { tensor.Scalar(1).TopK(2, 0, true, true) }},
		{"TopK of nil", "TopK", []string{"nil"}, func() { (*tensor.Tensor)(nil).TopK(1, 0, true, true) }},
	})
}

func TestFlipRollRepeat(t *testing.T) {
	runShapeCases(t, []shapeCase{
		{"Flip along the last dimension", func() *tensor.Tensor { return seq(2, 3).Flip(-1) },
			[]int{2, 3}, []float64{2, 1, 0, 5, 4, 3}},
		{"Flip along both dimensions", func() *tensor.Tensor { return seq(2, 3).Flip(0, 1) },
			[]int{2, 3}, []float64{5, 4, 3, 2, 1, 0}},
		{"Flip with no dimensions copies", func() *tensor.Tensor { return seq(2, 2).Flip() }, []int{2, 2}, []float64{0, 1, 2, 3}},
		{"Flip of a transposed view", func() *tensor.Tensor { return seq(3, 2).Transpose(0, 1).Flip(1) },
			[]int{2, 3}, []float64{4, 2, 0, 5, 3, 1}},
		{"Flip of an empty tensor", func() *tensor.Tensor { return tensor.Zeros(0, 2).Flip(0) }, []int{0, 2}, []float64{}},
		{"Roll along the last dimension", func() *tensor.Tensor { return seq(2, 3).Roll([]int{1}, []int{-1}) },
			[]int{2, 3}, []float64{2, 0, 1, 5, 3, 4}},
		{"Roll by a negative shift larger than the size", func() *tensor.Tensor { return seq(2, 3).Roll([]int{-4}, []int{1}) },
			[]int{2, 3}, []float64{1, 2, 0, 4, 5, 3}},
		{"Roll along two dimensions", func() *tensor.Tensor { return seq(2, 3).Roll([]int{1, 1}, []int{0, 1}) },
			[]int{2, 3}, []float64{5, 3, 4, 2, 0, 1}},
		{"Roll with no dimensions rolls the flattened tensor", func() *tensor.Tensor { return seq(2, 3).Roll([]int{2}, nil) },
			[]int{2, 3}, []float64{4, 5, 0, 1, 2, 3}},
		{"Roll of a transposed view", func() *tensor.Tensor { return seq(3, 2).Transpose(0, 1).Roll([]int{1}, []int{1}) },
			[]int{2, 3}, []float64{4, 0, 2, 5, 1, 3}},
		{"RepeatInterleave along dimension 1", func() *tensor.Tensor { return seq(2, 2).RepeatInterleave(2, 1) },
			[]int{2, 4}, []float64{0, 0, 1, 1, 2, 2, 3, 3}},
		{"RepeatInterleave along dimension 0", func() *tensor.Tensor { return seq(2, 2).RepeatInterleave(3, 0) },
			[]int{6, 2}, []float64{0, 1, 0, 1, 0, 1, 2, 3, 2, 3, 2, 3}},
		{"RepeatInterleave 0 times is empty", func() *tensor.Tensor { return seq(2, 2).RepeatInterleave(0, 1) }, []int{2, 0}, []float64{}},
		{"RepeatInterleaveEach with a count per slice", func() *tensor.Tensor { return seq(3).RepeatInterleaveEach([]int{1, 0, 3}, 0) },
			[]int{4}, []float64{0, 2, 2, 2}},
	})
	runPanicCases(t, []panicCase{
		{"Flip along a repeated dimension", "Flip", []string{"twice", "[2 3]"}, func() { seq(2, 3).Flip(1, -1) }},
		{"Flip along a dimension out of range", "Flip", []string{"dimension 2", "[2 3]"}, func() { seq(2, 3).Flip(2) }},
		{"Roll with more shifts than dims", "Roll", []string{"2 shifts for 1 dims", "[2 3]"}, func() { seq(2, 3).Roll([]int{1, 2}, []int{0}) }},
		{"Roll with no dims and two shifts", "Roll", []string{"one shift", "[2 3]"}, func() { seq(2, 3).Roll([]int{1, 2}, nil) }},
		{"Roll along a repeated dimension", "Roll", []string{"twice"}, func() { seq(2, 3).Roll([]int{1, 1}, []int{0, -2}) }},
		{"Roll of nil", "Roll", []string{"nil"}, func() { (*tensor.Tensor)(nil).Roll([]int{1}, nil) }},
		{"RepeatInterleave a negative number of times", "RepeatInterleave", []string{"-1", "[2 3]"}, func() { seq(2, 3).RepeatInterleave(-1, 0) }},
		{"RepeatInterleave along a dimension out of range", "RepeatInterleave", []string{"dimension 2"}, func() { seq(2, 3).RepeatInterleave(2, 2) }},
		{"RepeatInterleaveEach with too few repeats", "RepeatInterleaveEach", []string{"2 repeats", "size 3"}, func() { seq(2, 3).RepeatInterleaveEach([]int{1, 2}, 1) }},
		{"RepeatInterleaveEach with a negative repeat", "RepeatInterleaveEach", []string{"repeats[1] = -2"}, func() { seq(2, 3).RepeatInterleaveEach([]int{1, -2, 0}, 1) }},
		{"RepeatInterleaveEach with repeats overflowing", "RepeatInterleaveEach", []string{"more than an int holds"}, func() {
			seq(2, 3).RepeatInterleaveEach([]int{math.MaxInt, math.MaxInt, 0}, 1)
		}},
		{"RepeatInterleave with too many elements", "RepeatInterleave", []string{"too many elements"}, func() { seq(2, 3).RepeatInterleave(math.MaxInt/4, 1) }},
	})
}

func TestOneHot(t *testing.T) {
	y := tensor.New([]float64{0, 2, 1, 2}, 2, 2)
	runShapeCases(t, []shapeCase{
		{"OneHot with a given number of classes", func() *tensor.Tensor { return y.OneHot(3) },
			[]int{2, 2, 3}, []float64{1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1}},
		{"OneHot infers one more class than the largest index", func() *tensor.Tensor { return idx(1, 0).OneHot(-1) },
			[]int{2, 2}, []float64{0, 1, 1, 0}},
		{"OneHot of a 0-d index", func() *tensor.Tensor { return tensor.Scalar(1).OneHot(2) }, []int{2}, []float64{0, 1}},
		{"OneHot of no indices", func() *tensor.Tensor { return tensor.Zeros(0).OneHot(3) }, []int{0, 3}, []float64{}},
	})
	runPanicCases(t, []panicCase{
		{"OneHot of a negative index", "OneHot", []string{"-1", "non-negative integer"}, func() { idx(0, -1).OneHot(3) }},
		{"OneHot of a fractional index", "OneHot", []string{"0.5"}, func() { idx(0.5).OneHot(3) }},
		{"OneHot of NaN", "OneHot", []string{"NaN"}, func() { idx(math.NaN()).OneHot(3) }},
		{"OneHot of an index not below numClasses", "OneHot", []string{"index 3", "numClasses = 3"}, func() { idx(3).OneHot(3) }},
		{"OneHot with numClasses -2", "OneHot", []string{"numClasses = -2"}, func() { idx(0).OneHot(-2) }},
		{"OneHot inferring from no indices", "OneHot", []string{"empty"}, func() { tensor.Zeros(0).OneHot(-1) }},
		{"OneHot inferring from a huge index", "OneHot", []string{"too large"}, func() { idx(1e300).OneHot(-1) }},
		{"OneHot of nil", "OneHot", []string{"nil"}, func() { (*tensor.Tensor)(nil).OneHot(2) }},
	})
}

// counts tallies the integral values of x in [0, n).
func counts(t *testing.T, x []float64, n int) []int {
	t.Helper()
	c := make([]int, n)
	for _, v := range x {
		k := int(v)
		if float64(k) != v || k < 0 || k >= n {
			t.Fatalf("drew %v, not a category in [0, %d)", v, n)
		}
		c[k]++
	}
	return c
}

// TestMultinomialFrequencies draws many samples with a fixed seed and
// compares the frequencies with the weights. The tolerance, 0.01, is over
// 8 standard deviations of a frequency estimated from 100,000 draws (at
// most 0.0016), and the seed is fixed: the test cannot flake.
func TestMultinomialFrequencies(t *testing.T) {
	const draws = 100_000
	w := []float64{1, 0, 2, 3, 4} // sums to 10; category 1 is never drawn
	p := []float64{0.1, 0, 0.2, 0.3, 0.4}
	check := func(t *testing.T, what string, c []int, want []float64, total int) {
		t.Helper()
		for j := range want {
			got := float64(c[j]) / float64(total)
			if math.Abs(got-want[j]) > 0.01 {
				t.Errorf("%s: category %d drawn with frequency %.4f, want %.4f", what, j, got, want[j])
			}
			if want[j] == 0 && c[j] != 0 {
				t.Errorf("%s: category %d of weight 0 drawn %d times", what, j, c[j])
			}
		}
	}
	t.Run("with replacement from one distribution", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		s := tensor.New(w, 5).Multinomial(draws, true, rng)
		checkShape(t, "Shape()", s.Shape(), []int{draws})
		check(t, "draws", counts(t, s.Data(), 5), p, draws)
	})
	t.Run("with replacement from each row", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		rows := tensor.New(append(slices.Clone(w), 0, 0, 5, 0, 5), 2, 5) // the second row: categories 2 and 4, even
		s := rows.Multinomial(draws, true, rng)
		checkShape(t, "Shape()", s.Shape(), []int{2, draws})
		check(t, "row 0", counts(t, s.Data()[:draws], 5), p, draws)
		check(t, "row 1", counts(t, s.Data()[draws:], 5), []float64{0, 0, 0.5, 0, 0.5}, draws)
	})
	t.Run("without replacement, first and second draws", func(t *testing.T) {
		// Each row draws two distinct categories: the first with
		// probability p_j, the second with sum over i != j of
		// p_i·p_j/(1 - p_i).
		rng := rand.New(rand.NewPCG(5, 6))
		rows := tensor.New(w, 1, 5).Expand(draws, 5)
		s := rows.Multinomial(2, false, rng)
		checkShape(t, "Shape()", s.Shape(), []int{draws, 2})
		d := s.Data()
		firsts, seconds := make([]float64, draws), make([]float64, draws)
		for r := range draws {
			firsts[r], seconds[r] = d[2*r], d[2*r+1]
			if firsts[r] == seconds[r] {
				t.Fatalf("row %d drew category %v twice without replacement", r, firsts[r])
			}
		}
		second := make([]float64, 5)
		for j := range p {
			for i := range p {
				if i != j {
					second[j] += p[i] * p[j] / (1 - p[i])
				}
			}
		}
		check(t, "first draws", counts(t, firsts, 5), p, draws)
		check(t, "second draws", counts(t, seconds, 5), second, draws)
	})
	t.Run("without replacement, every category of nonzero weight", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(7, 8))
		s := tensor.New([]float64{0, 1e-300, 3, 0, 7, 1}, 6).Multinomial(4, false, rng)
		got := s.Data()
		slices.Sort(got)
		if !slices.Equal(got, []float64{1, 2, 4, 5}) {
			t.Fatalf("drew %v, want each of categories 1, 2, 4 and 5 once", s.Data())
		}
	})
	t.Run("a seeded rng gives the same draws", func(t *testing.T) {
		a := tensor.New(w, 5).Multinomial(20, true, rand.New(rand.NewPCG(9, 9)))
		b := tensor.New(w, 5).Multinomial(20, true, rand.New(rand.NewPCG(9, 9)))
		if !slices.Equal(a.Data(), b.Data()) {
			t.Fatalf("%v and %v from the same seed", a.Data(), b.Data())
		}
	})
}

func TestMultinomialBadInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	w := tensor.New([]float64{1, 0, 2}, 3)
	runPanicCases(t, []panicCase{
		{"a 0-d tensor", "Multinomial", []string{"1-D or 2-D", "[]"}, func() { tensor.Scalar(1).Multinomial(1, true, rng) }},
		{"a 3-D tensor", "Multinomial", []string{"1-D or 2-D", "[1 1 3]"}, func() { tensor.Ones(1, 1, 3).Multinomial(1, true, rng) }},
		{"a negative weight", "Multinomial", []string{"-0.5", "category 1 of row 0"}, func() { idx(1, -0.5).Multinomial(1, true, rng) }},
		{"a NaN weight", "Multinomial", []string{"NaN"}, func() { idx(math.NaN(), 1).Multinomial(1, true, rng) }},
		{"an infinite weight", "Multinomial", []string{"+Inf"}, func() { idx(math.Inf(1), 1).Multinomial(1, true, rng) }},
		{"weights summing to infinity", "Multinomial", []string{"infinity"}, func() { idx(math.MaxFloat64, math.MaxFloat64).Multinomial(1, true, rng) }},
		{"a row of zeros", "Multinomial", []string{"row 1", "all zero", "[2 2]"}, func() { tensor.New([]float64{1, 1, 0, 0}, 2, 2).Multinomial(1, true, rng) }},
		{"no categories", "Multinomial", []string{"all zero"}, func() { tensor.Zeros(1, 0).Multinomial(1, true, rng) }},
		{"no samples", "Multinomial", []string{"numSamples = 0"}, func() { w.Multinomial(0, true, rng) }},
		{"more samples than categories without replacement", "Multinomial", []string{"4 samples", "3 categories"}, func() { w.Multinomial(4, false, rng) }},
		{"more samples than nonzero weights without replacement", "Multinomial", []string{"3 samples", "2 categories of nonzero weight"}, func() { w.Multinomial(3, false, rng) }},
		{"a nil rng", "Multinomial", []string{"rng", "nil"}, func() { w.Multinomial(1, true, nil) }},
		{"a nil receiver", "Multinomial", []string{"receiver", "nil"}, func() { (*tensor.Tensor)(nil).Multinomial(1, true, rng) }},
	})
	// More samples than categories is fine with replacement.
	if s := w.Multinomial(10, true, rng); s.Numel() != 10 {
		t.Fatalf("drew %d samples, want 10", s.Numel())
	}
}
