package kernels_test

import (
	"fmt"

	"github.com/adjoint-go/adjoint/kernels"
)

// Axpy and Dot work on flat slices: y += a·x, then x·y.
func ExampleAxpy() {
	x := []float64{1, 2, 3}
	y := []float64{10, 20, 30}
	kernels.Axpy(2, x, y)
	fmt.Println(y, kernels.Dot(x, y))
	// Output: [12 24 36] 168
}

// Gemm multiplies row-major matrices: here C = A·Bᵀ for A and B both
// 2×3, B read transposed where it is, each leading dimension the length
// of a stored row.
func ExampleGemm() {
	a := []float64{1, 2, 3, 4, 5, 6} // 2×3
	b := []float64{1, 0, 1, 0, 1, 0} // 2×3, used transposed
	c := make([]float64, 4)          // 2×2
	kernels.Gemm(false, true, 2, 2, 3, 1, a, 3, b, 3, 0, c, 2)
	fmt.Println(c)
	// Output: [4 2 10 5]
}

// GemmBias is a layer's output: x·Wᵀ + b, the bias added to every row.
func ExampleGemmBias() {
	x := []float64{1, 2, 3, 4}       // 2 samples × 2 inputs
	w := []float64{1, 1, 0, 1, 2, 0} // 3 outputs × 2 inputs
	b := []float64{0.5, -1, 10}
	out := make([]float64, 6) // 2×3; what it held is never read
	kernels.GemmBias(false, true, 2, 3, 2, 1, x, 2, w, 2, b, out, 3)
	fmt.Println(out)
	// Output: [3.5 1 12 7.5 3 16]
}

// Reduce sums fixed blocks and adds the block sums in order, so the
// result is the same at any GOMAXPROCS.
func ExampleReduce() {
	x := make([]float64, 100000)
	for i := range x {
		x[i] = 0.5
	}
	s := kernels.Reduce(len(x), func(lo, hi int) float64 { return kernels.Sum(x[lo:hi]) }, func(acc, v float64) float64 { return acc + v })
	fmt.Println(s)
	// Output: 50000
}

// GemmRows multiplies by a matrix whose rows lie anywhere in one slice:
// here the three shifted windows of a signal, so that the product is the
// signal's cross-correlation with two filters, with no matrix of windows
// ever made.
func ExampleGemmRows() {
	signal := []float64{1, 2, 4, 8, 16, 32}
	filters := []float64{ // 2 filters × 3 taps
		1, 0, -1,
		0, 1, 0,
	}
	off := []int{0, 1, 2} // tap l reads the signal from l on
	out := make([]float64, 2*4)
	kernels.GemmRows(2, 4, 3, 1, filters, 3, signal, off, 0, out, 4)
	fmt.Println(out[:4])
	fmt.Println(out[4:])
	// Output:
	// [-3 -6 -12 -24]
	// [2 4 8 16]
}
