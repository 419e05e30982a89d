package tensor_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/adjoint-go/adjoint/tensor"
)

// The naive loops are what a user would write by hand: one accumulator,
// one element at a time. They are the baseline of the reduction
// benchmarks.

//go:noinline
func naiveSum(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v
	}
	return s
}

//go:noinline
func naiveMax(x []float64) float64 {
	m := math.Inf(-1)
	for _, v := range x {
		if v > m {
			m = v
		}
	}
	return m
}

//go:noinline
func naiveVar(x []float64) float64 {
	m := naiveSum(x) / float64(len(x))
	var s float64
	for _, v := range x {
		s += (v - m) * (v - m)
	}
	return s / float64(len(x)-1)
}

//go:noinline
func naiveLogSumExp(x []float64) float64 {
	m := naiveMax(x)
	var s float64
	for _, v := range x {
		s += math.Exp(v - m)
	}
	return math.Log(s) + m
}

var sinkF float64

// BenchmarkReduce measures the reductions over every element of a vector
// and over the last dimension of a matrix, next to the naive loop (applied
// row by row for the matrix). SetBytes counts the 8 bytes of each element
// read once.
func BenchmarkReduce(b *testing.B) {
	ops := []struct {
		name  string
		all   func(*tensor.Tensor) *tensor.Tensor
		last  func(*tensor.Tensor) *tensor.Tensor
		naive func([]float64) float64
	}{
		{"Sum", (*tensor.Tensor).Sum, func(x *tensor.Tensor) *tensor.Tensor { return x.SumDims(false, -1) }, naiveSum},
		{"Mean", (*tensor.Tensor).Mean, func(x *tensor.Tensor) *tensor.Tensor { return x.MeanDims(false, -1) },
			func(x []float64) float64 { return naiveSum(x) / float64(len(x)) }},
		{"Max", (*tensor.Tensor).Max, func(x *tensor.Tensor) *tensor.Tensor { return x.MaxDims(false, -1) }, naiveMax},
		{"Var", func(x *tensor.Tensor) *tensor.Tensor { return x.Var(1) }, func(x *tensor.Tensor) *tensor.Tensor { return x.VarDims(1, false, -1) }, naiveVar},
		{"LogSumExp", (*tensor.Tensor).LogSumExp, func(x *tensor.Tensor) *tensor.Tensor { return x.LogSumExpDims(false, -1) }, naiveLogSumExp},
	}
	shapes := []struct {
		name string
		rows int
		cols int
	}{
		{"all/n=1024", 1, 1024},
		{"all/n=1048576", 1, 1 << 20},
		{"lastdim/shape=32x32", 32, 32},
		{"lastdim/shape=1000x1000", 1000, 1000},
	}
	for _, op := range ops {
		for _, s := range shapes {
			n := s.rows * s.cols
			x := randT(newRNG(uint64(n)), n)
			data := x.Data()
			f := op.all
			if s.rows > 1 {
				x = x.Reshape(s.rows, s.cols)
				f = op.last
			}
			b.Run(fmt.Sprintf("op=%s/%s/impl=adjoint", op.name, s.name), func(b *testing.B) {
				b.SetBytes(int64(8 * n))
				b.ReportAllocs()
				for b.Loop() {
					sink = f(x)
				}
			})
			b.Run(fmt.Sprintf("op=%s/%s/impl=naive", op.name, s.name), func(b *testing.B) {
				b.SetBytes(int64(8 * n))
				b.ReportAllocs()
				for b.Loop() {
					for r := 0; r < s.rows; r++ {
						sinkF = op.naive(data[r*s.cols : (r+1)*s.cols])
					}
				}
			})
		}
	}
}

// BenchmarkReduceDims measures the other layouts: reducing the first
// dimension (rows accumulated with vector adds), a middle dimension, and
// the last dimension of a transposed view.
func BenchmarkReduceDims(b *testing.B) {
	x := randT(newRNG(3), 1000, 1000)
	cases := []struct {
		name string
		f    func() *tensor.Tensor
	}{
		{"op=SumDims/shape=1000x1000/dim=0", func() *tensor.Tensor { return x.SumDims(false, 0) }},
		{"op=MaxDims/shape=1000x1000/dim=0", func() *tensor.Tensor { return x.MaxDims(false, 0) }},
		{"op=VarDims/shape=1000x1000/dim=0", func() *tensor.Tensor { return x.VarDims(1, false, 0) }},
		{"op=LogSumExpDims/shape=1000x1000/dim=0", func() *tensor.Tensor { return x.LogSumExpDims(false, 0) }},
		{"op=SumDims/shape=1000x1000T/dim=1", func() *tensor.Tensor { return x.Transpose(0, 1).SumDims(false, 1) }},
		{"op=SumDims/shape=100x100x100/dim=1", func() *tensor.Tensor { return x.View(100, 100, 100).SumDims(false, 1) }},
		{"op=MaxDim/shape=1000x1000/dim=1", func() *tensor.Tensor { v, _ := x.MaxDim(1, false); return v }},
		{"op=MaxDim/shape=1000x1000/dim=0", func() *tensor.Tensor { v, _ := x.MaxDim(0, false); return v }},
		{"op=ArgmaxAll/n=1048576", func() *tensor.Tensor { return x.ArgmaxAll() }},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(8 * 1000 * 1000)
			b.ReportAllocs()
			for b.Loop() {
				sink = c.f()
			}
		})
	}
}
