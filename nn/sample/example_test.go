package sample_test

import (
	"fmt"

	"github.com/adjoint-go/adjoint/nn/sample"
	"github.com/adjoint-go/adjoint/tensor"
)

// Greedy decoding picks the token of largest logit in each row of a batch;
// Probs shows the distribution a random draw would use.
func ExampleNext() {
	logits := tensor.New([]float64{
		0.1, 2.5, -1, // sequence 0: token 1 is likeliest
		0.3, 0.9, 1.2, // sequence 1: token 2
	}, 2, 3)
	fmt.Println(sample.Next(logits, nil, sample.Options{Greedy: true}))

	p := sample.Probs(logits, sample.Options{Temperature: 0.5, TopK: 2})
	fmt.Printf("%.4f\n", p.Data())
	// Output:
	// [1 2]
	// [0.0082 0.9918 0.0000 0.0000 0.3543 0.6457]
}
