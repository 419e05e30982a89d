package nn_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/nn"
	"github.com/adjoint-go/adjoint/nn/functional"
	"github.com/adjoint-go/adjoint/nn/safetensors"
	"github.com/adjoint-go/adjoint/optim"
	"github.com/adjoint-go/adjoint/tensor"
)

// Residual is a custom module: its fields are its layers, and Base gives it
// Parameters, NamedParameters, SetTraining and String.
type Residual struct {
	nn.Base
	Norm *nn.LayerNorm
	FC   *nn.Linear
	Drop *nn.Dropout
}

func NewResidual(dim int, rng *rand.Rand) *Residual {
	return nn.Init(&Residual{Norm: nn.NewLayerNorm(dim), FC: nn.NewLinear(dim, dim, rng), Drop: nn.NewDropout(0.1, rng)})
}

func (r *Residual) Forward(x *autograd.Tensor) *autograd.Tensor {
	return x.Add(r.Drop.Forward(r.FC.Forward(r.Norm.Forward(x)).GELU()))
}

// A custom module with no code besides its fields and Forward.
func Example_customModule() {
	rng := rand.New(rand.NewPCG(1, 2))
	block := NewResidual(4, rng)
	for _, p := range block.NamedParameters() {
		fmt.Println(p.Name, p.Shape())
	}
	block.SetTraining(false) // reaches the Dropout
	fmt.Println(block.Drop.Training())
	fmt.Println(block.Forward(autograd.Ones(2, 4)).Shape())
	// Output:
	// norm.weight [4]
	// norm.bias [4]
	// fc.weight [4 4]
	// fc.bias [4]
	// false
	// [2 4]
}

// A training loop: forward, loss, backward, step.
func Example_trainingLoop() {
	rng := rand.New(rand.NewPCG(3, 4))
	model := nn.NewSequential(nn.NewLinear(2, 16, rng), &nn.Tanh{}, nn.NewLinear(16, 1, rng))
	opt := optim.NewAdam(model.Parameters(), 0.05)
	x := autograd.New([]float64{0, 0, 0, 1, 1, 0, 1, 1}, 4, 2)
	y := autograd.New([]float64{0, 1, 1, 0}, 4, 1) // XOR
	var loss float64
	for range 300 {
		opt.ZeroGrad()
		l := functional.MSELoss(model.Forward(x), y)
		l.Backward()
		opt.Step()
		loss = l.Item()
	}
	fmt.Println(loss < 1e-3)
	// Output: true
}

// Loading a checkpoint whose names differ from the Go model's field names
// (as a PyTorch model's may): a tag gives the field the checkpoint's name,
// and a non-strict load lists what it left out.
func Example_loadPyTorchCheckpoint() {
	// A file as PyTorch's state_dict of {encoder: Linear(3, 2), head:
	// Linear(2, 1)} would give it, plus a tensor the Go model lacks.
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "torch.safetensors")
	state := []safetensors.Named{
		{Name: "encoder.weight", T: tensor.Full(0.5, 2, 3)}, {Name: "encoder.bias", T: tensor.Zeros(2)},
		{Name: "head.weight", T: tensor.Ones(1, 2)}, {Name: "head.bias", T: tensor.Zeros(1)},
		{Name: "step", T: tensor.Scalar(100)},
	}
	if err := safetensors.WriteFile(path, state, nil); err != nil {
		panic(err)
	}

	rng := rand.New(rand.NewPCG(5, 6))
	model := nn.Init(&TwoLayer{Enc: nn.NewLinear(3, 2, rng), Head: nn.NewLinear(2, 1, rng)})
	res, err := nn.LoadFile(path, model, false)
	fmt.Println(err, res.Unexpected, res.Missing)
	fmt.Println(model.Forward(autograd.Ones(1, 3)).Item())
	// Output:
	// <nil> ["step" []] []
	// 3
}

// TwoLayer names its fields in Go and its parameters as the checkpoint.
type TwoLayer struct {
	nn.Base
	Enc  *nn.Linear `nn:"encoder"`
	Head *nn.Linear
}

func (m *TwoLayer) Forward(x *autograd.Tensor) *autograd.Tensor {
	return m.Head.Forward(m.Enc.Forward(x))
}

// SummaryTable shows each layer's output shape and parameter count.
func ExampleSummaryTable() {
	rng := rand.New(rand.NewPCG(7, 8))
	model := nn.NewSequential(nn.NewLinear(784, 128, rng), &nn.ReLU{}, nn.NewLinear(128, 10, rng))
	fmt.Print(nn.SummaryTable(model, 64, 784))
	// Output:
	// Layer (type)  Output shape  Param #
	// ===================================
	// Sequential    [64 10]             -
	// ├─0 Linear    [64 128]      100,480
	// ├─1 ReLU      [64 128]            -
	// └─2 Linear    [64 10]         1,290
	// ===================================
	// Total parameters: 101,770 (trainable 101,770)
}

// Causal self-attention with two heads over a batch of one sequence of
// three positions, asking for the attention weights (averaged over the
// heads): each position attends only to itself and the positions before.
func ExampleMultiheadAttention() {
	rng := rand.New(rand.NewPCG(1, 2))
	mha := nn.NewMultiheadAttention(4, 2, 0, true, true, rng) // embed_dim 4, 2 heads, batch_first
	x := autograd.Randn(rng, 1, 3, 4)                         // [N L E]
	y, w := mha.ForwardQKV(x, x, x, nn.MultiheadAttentionOptions{IsCausal: true, NeedWeights: true})
	fmt.Println(y.Shape(), w.Shape())
	fmt.Printf("%.2f\n", w.Data())
	// Output:
	// [1 3 4] [1 3 3]
	// [1.00 0.00 0.00 0.39 0.61 0.00 0.25 0.32 0.43]
}
