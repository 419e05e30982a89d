package nn

import (
	"fmt"
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/nn/functional"
	"github.com/adjoint-go/adjoint/tensor"
)

// Embedding is a lookup table of Num vectors of size Dim:
// torch.nn.Embedding.
type Embedding struct {
	leaf
	Weight *autograd.Tensor // [Num, Dim]
}

// NewEmbedding returns an embedding of num vectors of size dim, initialised
// from the standard normal distribution with rng, as PyTorch does.
func NewEmbedding(num, dim int, rng *rand.Rand) *Embedding {
	return &Embedding{Weight: autograd.From(tensor.Randn(rng, num, dim)).SetRequiresGrad(true)}
}

// Forward returns the vectors of the integral indices in x, shaped
// x.Shape() + [Dim].
func (e *Embedding) Forward(x *autograd.Tensor) *autograd.Tensor {
	return functional.Embedding(x, e.Weight)
}

// NamedParameters returns "weight".
func (e *Embedding) NamedParameters() []NamedParameter {
	return []NamedParameter{{"weight", e.Weight}}
}

// Parameters returns the weight.
func (e *Embedding) Parameters() []*autograd.Tensor { return tensorsOf(e.NamedParameters()) }

func (e *Embedding) String() string {
	s := e.Weight.Shape()
	return fmt.Sprintf("Embedding(%d, %d)", s[0], s[1])
}

// Dropout zeroes elements with probability P during training and scales
// the rest by 1/(1-P); in evaluation mode it is the identity.
type Dropout struct {
	stateless
	P   float64
	rng *rand.Rand
}

// NewDropout returns a dropout layer drawing its masks from rng.
func NewDropout(p float64, rng *rand.Rand) *Dropout {
	if !(p >= 0 && p <= 1) {
		tensor.Panicf("nn", "NewDropout", nil, "probability %v is not in [0, 1]", p)
	}
	return &Dropout{P: p, rng: rng}
}

// Forward applies dropout in training mode.
func (d *Dropout) Forward(x *autograd.Tensor) *autograd.Tensor {
	return functional.Dropout(x, d.P, d.Training(), d.rng)
}

func (d *Dropout) String() string { return fmt.Sprintf("Dropout(p=%g)", d.P) }
