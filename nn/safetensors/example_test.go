package safetensors_test

import (
	"bytes"
	"fmt"

	"github.com/adjoint-go/adjoint/nn/safetensors"
	"github.com/adjoint-go/adjoint/tensor"
)

func ExampleWrite() {
	var buf bytes.Buffer
	err := safetensors.Write(&buf, []safetensors.Named{
		{Name: "0.weight", T: tensor.New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)},
		{Name: "0.bias", T: tensor.New([]float64{0.5, -0.5}, 2)},
	}, map[string]string{"format": "pt"})
	if err != nil {
		panic(err)
	}
	fmt.Println(buf.Len(), "bytes")

	tensors, meta, err := safetensors.Decode(buf.Bytes())
	if err != nil {
		panic(err)
	}
	for _, nt := range tensors {
		fmt.Println(nt.Name, nt.T.Shape(), nt.T.Data())
	}
	fmt.Println(meta)
	// Output:
	// 232 bytes
	// 0.weight [2 3] [1 2 3 4 5 6]
	// 0.bias [2] [0.5 -0.5]
	// map[format:pt]
}

func ExampleDecode_truncated() {
	var buf bytes.Buffer
	safetensors.Write(&buf, []safetensors.Named{{Name: "w", T: tensor.Ones(4)}}, nil)
	_, _, err := safetensors.Decode(buf.Bytes()[:buf.Len()-1])
	fmt.Println(err)
	// Output:
	// safetensors: invalid file: tensor "w" at [0, 32) is past the end of the 31-byte data buffer
}
