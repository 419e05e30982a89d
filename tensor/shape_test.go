package tensor_test

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

// shapeCase is an operation on fixed inputs with its hand-computed result.
type shapeCase struct {
	name  string
	f     func() *tensor.Tensor
	shape []int
	want  []float64
}

func runShapeCases(t *testing.T, cases []shapeCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.f()
			checkFresh(t, got, c.shape)
			testutil.AllSame(t, "values", got.Data(), c.want)
		})
	}
}

// panicCase is a call that must panic with an *Error for op whose message
// contains every string in want (the shapes, usually).
type panicCase struct {
	name string
	op   string
	want []string
	f    func()
}

func runPanicCases(t *testing.T, cases []panicCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantPanic(t, c.op, c.want, c.f) })
	}
}

func idx(v ...float64) *tensor.Tensor { return tensor.New(v, len(v)) }

func TestCat(t *testing.T) {
	a := seq(2, 3)                               // [[0 1 2] [3 4 5]]
	b := tensor.New([]float64{10, 11, 12}, 1, 3) // [[10 11 12]]
	c := tensor.New([]float64{20, 21, 22, 23}, 2, 2)
	runShapeCases(t, []shapeCase{
		{"joins rows along dimension 0", func() *tensor.Tensor { return tensor.Cat([]*tensor.Tensor{a, b}, 0) },
			[]int{3, 3}, []float64{0, 1, 2, 3, 4, 5, 10, 11, 12}},
		{"joins columns along dimension -1", func() *tensor.Tensor { return tensor.Cat([]*tensor.Tensor{a, c, a}, -1) },
			[]int{2, 8}, []float64{0, 1, 2, 20, 21, 0, 1, 2, 3, 4, 5, 22, 23, 3, 4, 5}},
		{"copies a transposed input element by element", func() *tensor.Tensor {
			return tensor.Cat([]*tensor.Tensor{seq(3, 2).Transpose(0, 1), c}, 1)
		}, []int{2, 5}, []float64{0, 2, 4, 20, 21, 1, 3, 5, 22, 23}},
		{"skips nothing for an input empty along the dimension", func() *tensor.Tensor {
			return tensor.Cat([]*tensor.Tensor{tensor.Zeros(0, 3), a, tensor.Zeros(0, 3)}, 0)
		}, []int{2, 3}, []float64{0, 1, 2, 3, 4, 5}},
		{"joins empty tensors into an empty one", func() *tensor.Tensor {
			return tensor.Cat([]*tensor.Tensor{tensor.Zeros(2, 0), tensor.Zeros(2, 0)}, 1)
		}, []int{2, 0}, nil},
		{"joins tensors empty in another dimension", func() *tensor.Tensor {
			return tensor.Cat([]*tensor.Tensor{tensor.Zeros(0, 2), tensor.Zeros(0, 3)}, 1)
		}, []int{0, 5}, nil},
		{"copies a single tensor", func() *tensor.Tensor { return tensor.Cat([]*tensor.Tensor{a}, 1) },
			[]int{2, 3}, []float64{0, 1, 2, 3, 4, 5}},
		{"joins size-1 dimensions", func() *tensor.Tensor {
			return tensor.Cat([]*tensor.Tensor{tensor.New([]float64{1}, 1, 1), tensor.New([]float64{2}, 1, 1)}, 1)
		}, []int{1, 2}, []float64{1, 2}},
	})

	t.Run("matches a reference on strided 3-D inputs along every dimension", func(t *testing.T) {
		rng := newRNG(7)
		for dim := -3; dim < 3; dim++ {
			a := randT(rng, 4, 3, 2).Permute(2, 1, 0) // [2 3 4], strided
			shapeB := slices.Clone(a.Shape())
			d := (dim + 3) % 3
			shapeB[d] = 1
			b := randT(rng, shapeB[2], shapeB[1], shapeB[0]).Permute(2, 1, 0) // shapeB, strided
			got := tensor.Cat([]*tensor.Tensor{a, b, a}, dim)
			want := []float64{}
			shape := slices.Clone(a.Shape())
			shape[d] = 2*a.Shape()[d] + 1
			for _, ix := range indices(shape) {
				j := slices.Clone(ix)
				switch n := a.Shape()[d]; {
				case j[d] < n:
					want = append(want, a.At(j...))
				case j[d] == n:
					j[d] = 0
					want = append(want, b.At(j...))
				default:
					j[d] -= n + 1
					want = append(want, a.At(j...))
				}
			}
			checkFresh(t, got, shape)
			testutil.AllSame(t, fmt.Sprintf("Cat along %d", dim), got.Data(), want)
		}
	})

	t.Run("does not share storage with its inputs", func(t *testing.T) {
		got := tensor.Cat([]*tensor.Tensor{a}, 0)
		if got.SameStorage(a) {
			t.Fatal("Cat of one tensor returned a view")
		}
	})

	runPanicCases(t, []panicCase{
		{"an empty list", "Cat", []string{"non-empty"}, func() { tensor.Cat(nil, 0) }},
		{"a 0-d tensor", "Cat", []string{"zero-dimensional", "position 1", "[2 3], []"},
			func() { tensor.Cat([]*tensor.Tensor{a, tensor.Scalar(1)}, 0) }},
		{"different numbers of dimensions", "Cat", []string{"[2 3], [3]"},
			func() { tensor.Cat([]*tensor.Tensor{a, idx(1, 2, 3)}, 0) }},
		{"a legacy empty [0] tensor with a matrix", "Cat", []string{"[0], [2 3]"},
			func() { tensor.Cat([]*tensor.Tensor{tensor.Zeros(0), a}, 0) }},
		{"sizes that differ outside the dimension, naming every shape", "Cat", []string{"dimension 1", "[2 3], [1 3], [2 2]"},
			func() { tensor.Cat([]*tensor.Tensor{a, b, c}, 0) }},
		{"a dimension out of range", "Cat", []string{"dimension 2", "[2 3], [1 3]"},
			func() { tensor.Cat([]*tensor.Tensor{a, b}, 2) }},
	})
}

func TestStack(t *testing.T) {
	a := seq(2, 3)
	b := tensor.New([]float64{10, 11, 12, 13, 14, 15}, 2, 3)
	runShapeCases(t, []shapeCase{
		{"stacks along a new first dimension", func() *tensor.Tensor { return tensor.Stack([]*tensor.Tensor{a, b}, 0) },
			[]int{2, 2, 3}, []float64{0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15}},
		{"stacks along a new middle dimension", func() *tensor.Tensor { return tensor.Stack([]*tensor.Tensor{a, b}, 1) },
			[]int{2, 2, 3}, []float64{0, 1, 2, 10, 11, 12, 3, 4, 5, 13, 14, 15}},
		{"stacks along a new last dimension with -1", func() *tensor.Tensor { return tensor.Stack([]*tensor.Tensor{a, b}, -1) },
			[]int{2, 3, 2}, []float64{0, 10, 1, 11, 2, 12, 3, 13, 4, 14, 5, 15}},
		{"stacks a transposed input", func() *tensor.Tensor {
			return tensor.Stack([]*tensor.Tensor{seq(3, 2).Transpose(0, 1), b}, -3)
		}, []int{2, 2, 3}, []float64{0, 2, 4, 1, 3, 5, 10, 11, 12, 13, 14, 15}},
		{"stacks 0-d tensors into a vector", func() *tensor.Tensor {
			return tensor.Stack([]*tensor.Tensor{tensor.Scalar(1), tensor.Scalar(2), tensor.Scalar(3)}, 0)
		}, []int{3}, []float64{1, 2, 3}},
		{"stacks empty tensors", func() *tensor.Tensor {
			return tensor.Stack([]*tensor.Tensor{tensor.Zeros(0, 2), tensor.Zeros(0, 2)}, 1)
		}, []int{0, 2, 2}, nil},
	})
	runPanicCases(t, []panicCase{
		{"an empty list", "Stack", []string{"non-empty"}, func() { tensor.Stack(nil, 0) }},
		{"different shapes, naming every shape", "Stack", []string{"[2 3], [2 3], [3 2]"},
			func() { tensor.Stack([]*tensor.Tensor{a, b, a.Transpose(0, 1)}, 0) }},
		{"a dimension out of range", "Stack", []string{"dimension 3", "[-3, 2]", "[2 3]"},
			func() { tensor.Stack([]*tensor.Tensor{a, b}, 3) }},
	})
}

func TestSplitAndChunk(t *testing.T) {
	x := seq(5, 2)
	cases := []struct {
		name   string
		pieces []*tensor.Tensor
		sizes  []int
		dim    int
	}{
		{"Split in twos leaves a smaller last piece", x.Split(2, 0), []int{2, 2, 1}, 0},
		{"Split by a size larger than the dimension gives one piece", x.Split(7, 0), []int{5}, 0},
		{"Split along -1", x.Split(1, -1), []int{1, 1}, 1},
		{"Split of an empty dimension gives one empty piece", tensor.Zeros(0, 2).Split(3, 0), []int{0}, 0},
		{"Chunk of 5 in 4 gives sizes 2, 2, 1", x.Chunk(4, 0), []int{2, 2, 1}, 0},
		{"Chunk of 6 in 4 gives only 3 pieces", seq(6).Chunk(4, 0), []int{2, 2, 2}, 0},
		{"Chunk in more pieces than elements gives one each", x.Chunk(9, 0), []int{1, 1, 1, 1, 1}, 0},
		{"Chunk of an empty dimension gives n empty pieces", tensor.Zeros(2, 0).Chunk(3, 1), []int{0, 0, 0}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []int
			for _, p := range c.pieces {
				got = append(got, p.Shape()[c.dim])
			}
			if !slices.Equal(got, c.sizes) {
				t.Fatalf("piece sizes %v, want %v", got, c.sizes)
			}
		})
	}
	t.Run("pieces are views with the right values", func(t *testing.T) {
		p := x.Split(2, 0)
		if !p[1].SameStorage(x) {
			t.Fatal("piece is not a view")
		}
		testutil.AllSame(t, "piece 1", p[1].Data(), []float64{4, 5, 6, 7})
		testutil.AllSame(t, "piece 2", p[2].Data(), []float64{8, 9})
		q := x.Chunk(2, 1)
		testutil.AllSame(t, "column 1", q[1].Data(), []float64{1, 3, 5, 7, 9})
	})
	runPanicCases(t, []panicCase{
		{"Split by zero", "Split", []string{"split size 0", "[5 2]"}, func() { x.Split(0, 0) }},
		{"Split by a negative size", "Split", []string{"split size -1", "[5 2]"}, func() { x.Split(-1, 0) }},
		{"Split along a dimension out of range", "Split", []string{"[5 2]"}, func() { x.Split(1, 2) }},
		{"Chunk in zero pieces", "Chunk", []string{"0", "[5 2]"}, func() { x.Chunk(0, 0) }},
		{"Chunk of a 0-d tensor", "Chunk", []string{"[]"}, func() { tensor.Scalar(1).Chunk(1, 0) }},
	})
}

func TestIndexSelect(t *testing.T) {
	x := seq(3, 4) // [[0 1 2 3] [4 5 6 7] [8 9 10 11]]
	runShapeCases(t, []shapeCase{
		{"picks rows, repeating one", func() *tensor.Tensor { return x.IndexSelect(0, idx(2, 0, 2)) },
			[]int{3, 4}, []float64{8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11}},
		{"picks columns with dimension -1", func() *tensor.Tensor { return x.IndexSelect(-1, idx(3, 1)) },
			[]int{3, 2}, []float64{3, 1, 7, 5, 11, 9}},
		{"takes a 0-d index as one position", func() *tensor.Tensor { return x.IndexSelect(0, tensor.Scalar(1)) },
			[]int{1, 4}, []float64{4, 5, 6, 7}},
		{"reads a transposed input", func() *tensor.Tensor { return x.Transpose(0, 1).IndexSelect(0, idx(1, 3)) },
			[]int{2, 3}, []float64{1, 5, 9, 3, 7, 11}},
		{"reads a strided index", func() *tensor.Tensor { return x.IndexSelect(1, seq(2, 2).Select(1, 1).AddScalar(-1)) },
			[]int{3, 2}, []float64{0, 2, 4, 6, 8, 10}},
		{"gives an empty result for an empty index", func() *tensor.Tensor { return x.IndexSelect(0, tensor.Zeros(0)) },
			[]int{0, 4}, nil},
		{"selects from a size-1 dimension", func() *tensor.Tensor { return seq(1, 3).IndexSelect(0, idx(0, 0)) },
			[]int{2, 3}, []float64{0, 1, 2, 0, 1, 2}},
	})
	t.Run("matches a reference on a strided 3-D input along every dimension", func(t *testing.T) {
		rng := newRNG(3)
		in := randT(rng, 4, 2, 3).Permute(1, 2, 0) // [2 3 4]
		for dim := -3; dim < 3; dim++ {
			d := (dim + 3) % 3
			ix := []float64{1, 0, 1}
			got := in.IndexSelect(dim, idx(ix...))
			shape := in.Shape()
			shape[d] = len(ix)
			var want []float64
			for _, j := range indices(shape) {
				j[d] = int(ix[j[d]])
				want = append(want, in.At(j...))
			}
			checkFresh(t, got, shape)
			testutil.AllSame(t, fmt.Sprintf("dim %d", dim), got.Data(), want)
		}
	})
	runPanicCases(t, []panicCase{
		{"a fractional index", "IndexSelect", []string{"1.5", "not an integer", "[3 4], [2]"}, func() { x.IndexSelect(0, idx(0, 1.5)) }},
		{"a negative index", "IndexSelect", []string{"-1", "out of range [0, 3)", "[3 4], [1]"}, func() { x.IndexSelect(0, idx(-1)) }},
		{"an index past the end", "IndexSelect", []string{"index 4", "[0, 4)", "[3 4], [1]"}, func() { x.IndexSelect(1, idx(4)) }},
		{"a NaN index", "IndexSelect", []string{"NaN", "[3 4], [1]"}, func() { x.IndexSelect(1, idx(math.NaN())) }},
		{"a 2-D index", "IndexSelect", []string{"1-D", "[3 4], [1 1]"}, func() { x.IndexSelect(1, tensor.Zeros(1, 1)) }},
		{"a dimension out of range", "IndexSelect", []string{"dimension 2", "[3 4], [1]"}, func() { x.IndexSelect(2, idx(0)) }},
		{"a 0-d input", "IndexSelect", []string{"0-d", "[], [1]"}, func() { tensor.Scalar(1).IndexSelect(0, idx(0)) }},
	})
}

func TestIndexAdd(t *testing.T) {
	x := seq(3, 2) // [[0 1] [2 3] [4 5]]
	src := tensor.New([]float64{10, 20, 30, 40, 50, 60}, 3, 2)
	runShapeCases(t, []shapeCase{
		{"adds rows, accumulating a repeated position", func() *tensor.Tensor { return x.IndexAdd(0, idx(2, 0, 2), src) },
			[]int{3, 2}, []float64{30, 41, 2, 3, 4 + 10 + 50, 5 + 20 + 60}},
		{"adds columns with dimension -1", func() *tensor.Tensor {
			return x.IndexAdd(-1, idx(1), tensor.New([]float64{1, 2, 3}, 3, 1))
		}, []int{3, 2}, []float64{0, 2, 2, 5, 4, 8}},
		{"adds a transposed source", func() *tensor.Tensor {
			return tensor.Zeros(2, 3).IndexAdd(0, idx(1, 0), seq(3, 2).Transpose(0, 1))
		}, []int{2, 3}, []float64{1, 3, 5, 0, 2, 4}},
		{"adds long rows with the vector kernel", func() *tensor.Tensor {
			return tensor.Zeros(2, 20).IndexAdd(0, idx(1, 1), tensor.Ones(2, 20))
		}, []int{2, 20}, append(make([]float64, 20), slices.Repeat([]float64{2}, 20)...)},
		{"copies the input for an empty index", func() *tensor.Tensor { return x.IndexAdd(0, tensor.Zeros(0), tensor.Zeros(0, 2)) },
			[]int{3, 2}, []float64{0, 1, 2, 3, 4, 5}},
		{"fills from a broadcast base", func() *tensor.Tensor {
			return tensor.Scalar(-1).Expand(2, 2).IndexAdd(0, idx(1), tensor.Ones(1, 2))
		}, []int{2, 2}, []float64{-1, -1, 0, 0}},
	})
	runPanicCases(t, []panicCase{
		{"a source of the wrong length", "IndexAdd", []string{"source of shape [3 2]", "index of shape [2]", "3 slices", "2 entries"}, func() { x.IndexAdd(0, idx(0, 1), src) }},
		{"a source of the wrong width", "IndexAdd", []string{"source of shape [1 3]", "input of shape [3 2]", "dimension 1"}, func() { x.IndexAdd(0, idx(0), tensor.Zeros(1, 3)) }},
		{"a source with other dimensions", "IndexAdd", []string{"source of shape [2]", "input of shape [3 2]"}, func() { x.IndexAdd(0, idx(0), tensor.Zeros(2)) }},
		{"an index out of range", "IndexAdd", []string{"index 3", "[3 2], [1], [1 2]"}, func() { x.IndexAdd(0, idx(3), tensor.Zeros(1, 2)) }},
		{"a 2-D index", "IndexAdd", []string{"1-D", "[3 2], [1 1], [1 2]"}, func() { x.IndexAdd(0, tensor.Zeros(1, 1), tensor.Zeros(1, 2)) }},
	})
}

// refGather is torch.gather written out with At.
func refGather(in *tensor.Tensor, dim int, index *tensor.Tensor) []float64 {
	var out []float64
	for _, j := range indices(index.Shape()) {
		v := index.At(j...)
		k := slices.Clone(j)
		k[dim] = int(v)
		out = append(out, in.At(k...))
	}
	return out
}

// refScatterAdd is torch.scatter_add written out with At.
func refScatterAdd(in *tensor.Tensor, dim int, index, src *tensor.Tensor) []float64 {
	out := in.Clone()
	for _, j := range indices(index.Shape()) {
		k := slices.Clone(j)
		k[dim] = int(index.At(j...))
		out.Set(out.At(k...)+src.At(j...), k...)
	}
	return out.Data()
}

func TestGather(t *testing.T) {
	x := seq(2, 3) // [[0 1 2] [3 4 5]]
	runShapeCases(t, []shapeCase{
		{"picks one column per row (the cross-entropy pick)", func() *tensor.Tensor {
			return x.Gather(1, tensor.New([]float64{2, 0}, 2, 1))
		}, []int{2, 1}, []float64{2, 3}},
		{"picks along dimension 0", func() *tensor.Tensor {
			return x.Gather(0, tensor.New([]float64{1, 0, 1, 0, 0, 1}, 2, 3))
		}, []int{2, 3}, []float64{3, 1, 5, 0, 1, 5}},
		{"picks repeatedly along dimension -1 with an index longer than the input", func() *tensor.Tensor {
			return x.Gather(-1, tensor.New([]float64{0, 0, 2, 2, 1, 1, 1, 0}, 2, 4))
		}, []int{2, 4}, []float64{0, 0, 2, 2, 4, 4, 4, 3}},
		{"uses an index smaller than the input in other dimensions", func() *tensor.Tensor {
			return x.Gather(0, tensor.New([]float64{1, 1}, 1, 2))
		}, []int{1, 2}, []float64{3, 4}},
		{"gives an empty result for an empty index", func() *tensor.Tensor { return x.Gather(1, tensor.Zeros(2, 0)) },
			[]int{2, 0}, nil},
	})
	t.Run("matches a reference on strided inputs and indices along every dimension", func(t *testing.T) {
		rng := newRNG(11)
		in := randT(rng, 4, 3, 5).Permute(2, 0, 1) // [5 4 3]
		for dim := -3; dim < 3; dim++ {
			d := (dim + 3) % 3
			ishape := []int{4, 3, 2}
			ishape[d] = 6
			ix := tensor.Zeros(ishape[2], ishape[1], ishape[0])
			for _, j := range indices(ix.Shape()) {
				ix.Set(float64(rng.IntN(in.Shape()[d])), j...)
			}
			index := ix.Permute(2, 1, 0) // strided
			got := in.Gather(dim, index)
			checkFresh(t, got, ishape)
			testutil.AllSame(t, fmt.Sprintf("dim %d", dim), got.Data(), refGather(in, d, index))
		}
	})
	t.Run("matches a reference on contiguous inputs along every dimension", func(t *testing.T) {
		rng := newRNG(13)
		in := randT(rng, 5, 4, 3)
		for dim := -3; dim < 3; dim++ {
			d := (dim + 3) % 3
			ishape := in.Shape()
			ishape[d] = 6
			index := tensor.Zeros(ishape...)
			for _, j := range indices(ishape) {
				index.Set(float64(rng.IntN(in.Shape()[d])), j...)
			}
			got := in.Gather(dim, index)
			checkFresh(t, got, ishape)
			testutil.AllSame(t, fmt.Sprintf("dim %d", dim), got.Data(), refGather(in, d, index))
		}
	})
	runPanicCases(t, []panicCase{
		{"an index with fewer dimensions", "Gather", []string{"index of shape [2]", "input of shape [2 3]"}, func() { x.Gather(1, idx(0, 1)) }},
		{"an index larger in another dimension", "Gather", []string{"dimension 0", "index of shape [3 1]", "input of shape [2 3]"}, func() { x.Gather(1, tensor.Zeros(3, 1)) }},
		{"a negative index", "Gather", []string{"index -1", "[0, 3)", "[2 3], [2 1]"}, func() { x.Gather(1, tensor.New([]float64{0, -1}, 2, 1)) }},
		{"an index past the end", "Gather", []string{"index 2", "[0, 2)", "[2 3], [1 1]"}, func() { x.Gather(0, tensor.New([]float64{2}, 1, 1)) }},
		{"a fractional index", "Gather", []string{"0.5", "not an integer", "[2 3], [1 1]"}, func() { x.Gather(0, tensor.New([]float64{0.5}, 1, 1)) }},
		{"an infinite index", "Gather", []string{"+Inf", "[2 3], [1 1]"}, func() { x.Gather(0, tensor.New([]float64{math.Inf(1)}, 1, 1)) }},
		{"a dimension out of range", "Gather", []string{"dimension -3", "[2 3], [2 3]"}, func() { x.Gather(-3, x) }},
		{"0-d tensors", "Gather", []string{"0-d", "[], []"}, func() { tensor.Scalar(1).Gather(0, tensor.Scalar(0)) }},
	})
}

func TestScatterAdd(t *testing.T) {
	x := seq(2, 3) // [[0 1 2] [3 4 5]]
	src := tensor.New([]float64{10, 20, 30, 40, 50, 60}, 2, 3)
	runShapeCases(t, []shapeCase{
		{"adds into one column per row", func() *tensor.Tensor {
			return x.ScatterAdd(1, tensor.New([]float64{2, 0}, 2, 1), src)
		}, []int{2, 3}, []float64{0, 1, 12, 43, 4, 5}},
		{"accumulates repeated positions along dimension -1", func() *tensor.Tensor {
			return x.ScatterAdd(-1, tensor.New([]float64{0, 0, 0, 1, 2, 1}, 2, 3), src)
		}, []int{2, 3}, []float64{60, 1, 2, 3, 4 + 40 + 60, 5 + 50}},
		{"adds along dimension 0", func() *tensor.Tensor {
			return x.ScatterAdd(0, tensor.New([]float64{1, 1, 0}, 1, 3), src)
		}, []int{2, 3}, []float64{0, 1, 32, 13, 24, 5}},
		{"uses only the part of src the index covers", func() *tensor.Tensor {
			return tensor.Zeros(2, 2).ScatterAdd(1, tensor.New([]float64{1}, 1, 1), src)
		}, []int{2, 2}, []float64{0, 10, 0, 0}},
		{"copies the input for an empty index", func() *tensor.Tensor { return x.ScatterAdd(0, tensor.Zeros(0, 3), src) },
			[]int{2, 3}, []float64{0, 1, 2, 3, 4, 5}},
		{"copies a transposed input", func() *tensor.Tensor {
			return seq(3, 2).Transpose(0, 1).ScatterAdd(0, tensor.New([]float64{1}, 1, 1), src)
		}, []int{2, 3}, []float64{0, 2, 4, 11, 3, 5}},
		{"fills a broadcast zero base", func() *tensor.Tensor {
			return tensor.Scalar(0).Expand(2, 2).ScatterAdd(0, tensor.New([]float64{1, 0}, 1, 2), src)
		}, []int{2, 2}, []float64{0, 20, 10, 0}},
		{"fills a broadcast base with -0", func() *tensor.Tensor {
			return tensor.Scalar(math.Copysign(0, -1)).Expand(1, 2).ScatterAdd(1, tensor.New([]float64{1}, 1, 1), src)
		}, []int{1, 2}, []float64{math.Copysign(0, -1), 10}},
	})
	t.Run("matches a reference on strided inputs along every dimension", func(t *testing.T) {
		rng := newRNG(12)
		in := randT(rng, 4, 3, 5).Permute(2, 0, 1) // [5 4 3]
		s := randT(rng, 6, 5, 7).Permute(1, 2, 0)  // [5 7 6], strided
		for dim := -3; dim < 3; dim++ {
			d := (dim + 3) % 3
			ishape := []int{4, 3, 2}
			ishape[d] = 5
			ix := tensor.Zeros(ishape[2], ishape[1], ishape[0])
			for _, j := range indices(ix.Shape()) {
				ix.Set(float64(rng.IntN(in.Shape()[d])), j...)
			}
			index := ix.Permute(2, 1, 0)
			got := in.ScatterAdd(dim, index, s)
			checkFresh(t, got, in.Shape())
			testutil.AllSame(t, fmt.Sprintf("dim %d", dim), got.Data(), refScatterAdd(in, d, index, s))
		}
	})
	t.Run("matches a reference on contiguous inputs along every dimension", func(t *testing.T) {
		rng := newRNG(14)
		in := randT(rng, 5, 4, 3)
		for dim := -3; dim < 3; dim++ {
			d := (dim + 3) % 3
			ishape := in.Shape()
			ishape[d] = 6
			index := tensor.Zeros(ishape...)
			for _, j := range indices(ishape) {
				index.Set(float64(rng.IntN(in.Shape()[d])), j...)
			}
			s := randT(rng, ishape...)
			got := in.ScatterAdd(dim, index, s)
			checkFresh(t, got, in.Shape())
			testutil.AllSame(t, fmt.Sprintf("dim %d", dim), got.Data(), refScatterAdd(in, d, index, s))
		}
	})
	runPanicCases(t, []panicCase{
		{"a negative index in a dense index", "ScatterAdd", []string{"index -2", "[2 3], [2 1], [2 1]"},
			func() { x.ScatterAdd(1, tensor.New([]float64{0, -2}, 2, 1), tensor.Zeros(2, 1)) }},
		{"a fractional index in a dense index", "ScatterAdd", []string{"0.25", "not an integer"},
			func() { x.ScatterAdd(0, tensor.New([]float64{0, 0.25, 1}, 1, 3), tensor.Zeros(1, 3)) }},
		{"a source with other dimensions", "ScatterAdd", []string{"source of shape [6]", "input of shape [2 3]"}, func() { x.ScatterAdd(1, tensor.Zeros(2, 1), tensor.Zeros(6)) }},
		{"an index larger than the source", "ScatterAdd", []string{"index of shape [2 2]", "source of shape [2 1]"}, func() { x.ScatterAdd(1, tensor.Zeros(2, 2), tensor.Zeros(2, 1)) }},
		{"an index larger than the input in another dimension", "ScatterAdd", []string{"index of shape [3 1]", "input of shape [2 3]"}, func() { x.ScatterAdd(1, tensor.Zeros(3, 1), tensor.Zeros(3, 3)) }},
		{"a negative index", "ScatterAdd", []string{"index -2", "[2 3], [1 1], [2 3]"}, func() { x.ScatterAdd(1, tensor.New([]float64{-2}, 1, 1), src) }},
		{"an index past the end", "ScatterAdd", []string{"index 3", "[0, 3)", "[2 3], [1 1], [2 3]"}, func() { x.ScatterAdd(1, tensor.New([]float64{3}, 1, 1), src) }},
		{"a dimension out of range", "ScatterAdd", []string{"dimension 2", "[2 3], [1 1], [2 3]"}, func() { x.ScatterAdd(2, tensor.Zeros(1, 1), src) }},
	})
}

func TestMaskedFill(t *testing.T) {
	x := seq(2, 3)
	runShapeCases(t, []shapeCase{
		{"fills where the mask is nonzero", func() *tensor.Tensor {
			return x.MaskedFill(tensor.New([]float64{1, 0, 0, 0, -2, math.NaN()}, 2, 3), -1)
		}, []int{2, 3}, []float64{-1, 1, 2, 3, -1, -1}},
		{"broadcasts a row mask", func() *tensor.Tensor { return x.MaskedFill(idx(0, 1, 0), math.Inf(-1)) },
			[]int{2, 3}, []float64{0, math.Inf(-1), 2, 3, math.Inf(-1), 5}},
		{"broadcasts a 0-d mask that fills everything", func() *tensor.Tensor { return x.MaskedFill(tensor.Scalar(1), 7) },
			[]int{2, 3}, []float64{7, 7, 7, 7, 7, 7}},
		{"broadcasts a 0-d mask that fills nothing", func() *tensor.Tensor { return x.MaskedFill(tensor.Scalar(0), 7) },
			[]int{2, 3}, []float64{0, 1, 2, 3, 4, 5}},
		{"broadcasts the input to a larger mask", func() *tensor.Tensor {
			return idx(1, 2).MaskedFill(tensor.New([]float64{1, 0, 0, 1}, 2, 2), 0)
		}, []int{2, 2}, []float64{0, 2, 1, 0}},
		{"reads a transposed input", func() *tensor.Tensor {
			return seq(3, 2).Transpose(0, 1).MaskedFill(idx(1, 0, 0), math.NaN())
		}, []int{2, 3}, []float64{math.NaN(), 2, 4, math.NaN(), 3, 5}},
		{"fills a 0-d tensor", func() *tensor.Tensor { return tensor.Scalar(3).MaskedFill(tensor.Scalar(1), 4) },
			[]int{}, []float64{4}},
		{"keeps an empty tensor empty", func() *tensor.Tensor { return tensor.Zeros(0, 3).MaskedFill(idx(1, 1, 1), 4) },
			[]int{0, 3}, nil},
	})
	runPanicCases(t, []panicCase{
		{"a mask that does not broadcast", "MaskedFill", []string{"[2 3]", "[2]"}, func() { x.MaskedFill(idx(1, 0), 0) }},
	})
}

func TestPad(t *testing.T) {
	x := seq(2, 3) // [[0 1 2] [3 4 5]]
	nan := math.NaN()
	runShapeCases(t, []shapeCase{
		{"pads the last dimension", func() *tensor.Tensor { return x.Pad([]int{1, 2}, 9) },
			[]int{2, 6}, []float64{9, 0, 1, 2, 9, 9, 9, 3, 4, 5, 9, 9}},
		{"pads two dimensions, last first", func() *tensor.Tensor { return x.Pad([]int{0, 1, 1, 0}, 0) },
			[]int{3, 4}, []float64{0, 0, 0, 0, 0, 1, 2, 0, 3, 4, 5, 0}},
		{"crops with negative padding", func() *tensor.Tensor { return x.Pad([]int{-1, 0, 0, -1}, 0) },
			[]int{1, 2}, []float64{1, 2}},
		{"crops one side and pads the other", func() *tensor.Tensor { return x.Pad([]int{-2, 1}, nan) },
			[]int{2, 2}, []float64{2, nan, 5, nan}},
		{"crops a dimension to nothing", func() *tensor.Tensor { return x.Pad([]int{-2, -1}, 1) },
			[]int{2, 0}, nil},
		{"crops past the input, leaving only padding", func() *tensor.Tensor { return x.Pad([]int{-4, 2}, 1) },
			[]int{2, 1}, []float64{1, 1}},
		{"pads past a crop, leaving only padding", func() *tensor.Tensor { return x.Pad([]int{2, -4}, 1) },
			[]int{2, 1}, []float64{1, 1}},
		{"pads a transposed input", func() *tensor.Tensor { return seq(3, 2).Transpose(0, 1).Pad([]int{1, 0}, -1) },
			[]int{2, 4}, []float64{-1, 0, 2, 4, -1, 1, 3, 5}},
		{"pads an empty tensor with the value", func() *tensor.Tensor { return tensor.Zeros(0, 2).Pad([]int{0, 0, 1, 1}, 3) },
			[]int{2, 2}, []float64{3, 3, 3, 3}},
		{"copies for empty padding", func() *tensor.Tensor { return x.Pad(nil, 1) },
			[]int{2, 3}, []float64{0, 1, 2, 3, 4, 5}},
		{"copies a 0-d tensor for empty padding", func() *tensor.Tensor { return tensor.Scalar(2).Pad(nil, 1) },
			[]int{}, []float64{2}},
	})
	runPanicCases(t, []panicCase{
		{"an odd number of pads", "Pad", []string{"[1 2 3]", "even", "[2 3]"}, func() { x.Pad([]int{1, 2, 3}, 0) }},
		{"more pairs than dimensions", "Pad", []string{"3 dimensions", "[2 3]"}, func() { x.Pad([]int{0, 0, 0, 0, 0, 0}, 0) }},
		{"a crop past zero size", "Pad", []string{"(-2, -2)", "negative size -1", "[2 3]"}, func() { x.Pad([]int{-2, -2}, 0) }},
	})
}
