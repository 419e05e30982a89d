package data_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/data"
	"github.com/adjoint-go/adjoint/tensor"
)

func ExampleRandomSplit() {
	// Ten examples of two features, a target and a weight each.
	x := tensor.Arange(0, 20, 1).Reshape(10, 2)
	y := tensor.Arange(0, 10, 1)
	w := tensor.Ones(10)
	ds := data.NewTensorDataset(x, y, w)

	rng := rand.New(rand.NewPCG(1, 2))
	parts := data.RandomSplit(ds, []float64{0.8, 0.2}, rng) // or []int{8, 2}
	train, val := parts[0], parts[1]
	fmt.Println(train.Len(), val.Len(), "validation targets:", val.Tensors()[1].Data())

	loader := data.NewLoader(train, 3, data.Shuffle(rng))
	for b := range loader.Epoch() {
		fmt.Println(b.Indices, len(b.Tensors), b.X.Shape(), b.Y.Data())
	}
	// Output:
	// 8 2 validation targets: [5 7]
	// [7 5 3] 3 [3 2] [0 1 6]
	// [1 6 2] 3 [3 2] [2 8 3]
	// [4 0] 3 [2 2] [9 4]
}

func ExampleSubset() {
	ds := data.FromSlices([][]float64{{0, 0}, {1, 1}, {2, 2}, {3, 3}}, []float64{0, 1, 2, 3})
	odd := data.Subset(ds, []int{1, 3})
	for b := range data.NewLoader(odd, 2).Epoch() {
		fmt.Println(b.Indices, b.X.Data(), b.Y.Data())
	}
	// Output:
	// [0 1] [1 1 3 3] [1 3]
}
