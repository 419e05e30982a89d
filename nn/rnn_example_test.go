package nn_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/nn"
	"github.com/adjoint-go/adjoint/nn/functional"
	"github.com/adjoint-go/adjoint/tensor"
)

// An LSTM over a batch of sequences: PyTorch's parameter names (so a
// PyTorch state_dict loads with nn.Load), the output sequence and final
// states, a classifier on the last step, and a second call that carries
// the states on.
func ExampleLSTM() {
	rng := rand.New(rand.NewPCG(1, 2))
	lstm := nn.NewLSTM(8, 16, nn.RNNOptions{NumLayers: 2, BatchFirst: true}, rng)
	for _, p := range lstm.NamedParameters()[:4] {
		fmt.Println(p.Name, p.Shape())
	}
	fmt.Println(lstm, nn.NumParameters(lstm), "parameters")

	x := autograd.From(tensor.Randn(rng, 4, 10, 8)) // batch 4, 10 steps, 8 features
	out, h, c := lstm.ForwardState(x, nil, nil)
	fmt.Println("out", out.Shape(), "h", h.Shape(), "c", c.Shape())

	head := nn.NewLinear(16, 3, rng)
	logits := head.Forward(out.Select(1, -1)) // the last step
	loss := functional.CrossEntropy(logits, autograd.New([]float64{0, 2, 1, 0}, 4))
	loss.Backward()
	fmt.Println("weight_hh_l1 gradient", lstm.Weights[1].WeightHH.Grad().Shape())

	// The next 5 steps, from where the first 10 ended.
	more := autograd.From(tensor.Randn(rng, 4, 5, 8))
	out2, _, _ := lstm.ForwardState(more, h.Detach(), c.Detach())
	fmt.Println("out2", out2.Shape())
	// Output:
	// weight_ih_l0 [64 8]
	// weight_hh_l0 [64 16]
	// bias_ih_l0 [64]
	// bias_hh_l0 [64]
	// LSTM(8, 16, num_layers=2, batch_first=True) 3840 parameters
	// out [4 10 16] h [2 4 16] c [2 4 16]
	// weight_hh_l1 gradient [64 16]
	// out2 [4 5 16]
}
