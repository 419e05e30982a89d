package data_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/data"
)

func ExampleNewLoader() {
	ds := data.FromSlices(
		[][]float64{{0, 0}, {0, 1}, {1, 0}, {1, 1}, {2, 2}},
		[]float64{0, 1, 1, 0, 1},
	)
	loader := data.NewLoader(ds, 2, data.Shuffle(rand.New(rand.NewPCG(1, 2))))
	for epoch := range 2 {
		for b := range loader.Epoch() {
			fmt.Println(epoch, b.Indices, b.X.Shape(), b.Y.Data())
		}
	}
	// Output:
	// 0 [1 4] [2 2] [1 1]
	// 0 [2 0] [2 2] [1 0]
	// 0 [3] [1 2] [0]
	// 1 [2 3] [2 2] [1 0]
	// 1 [4 0] [2 2] [1 0]
	// 1 [1] [1 2] [1]
}

func ExampleReadIDX() {
	// Two 2×2 images: magic 0x00000803, then the dimensions, then pixels.
	file := []byte{0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 255, 255, 0, 1, 2, 3, 4}
	img, err := data.ReadIDX(bytes.NewReader(file))
	fmt.Println(img.Dims, img.Data, err)

	_, err = data.ReadIDX(bytes.NewReader(file[:20]))
	fmt.Println(err)
	// Output:
	// [2 2 2] [0 255 255 0 1 2 3 4] <nil>
	// data: invalid IDX file: truncated: 4 of 8 data bytes
}
