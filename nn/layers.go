package nn

import (
	"fmt"
	"math"
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
	return traced(e, functional.Embedding(x, e.Weight))
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
	return traced(d, functional.Dropout(x, d.P, d.Training(), d.rng))
}

func (d *Dropout) String() string { return fmt.Sprintf("Dropout(p=%g)", d.P) }

// Linear is the affine map y = x·Wᵀ + b: torch.nn.Linear.
type Linear struct {
	leaf
	Weight *autograd.Tensor // [Out, In]
	Bias   *autograd.Tensor // [Out], nil without bias
}

// NewLinear returns a linear layer from in to out features with bias,
// initialised as PyTorch does from rng: weights uniform in ±1/√in (Kaiming
// uniform with a = √5) and biases uniform in ±1/√in.
func NewLinear(in, out int, rng *rand.Rand) *Linear {
	l := NewLinearNoBias(in, out, rng)
	l.Bias = uniform(rng, boundOf(in), out)
	return l
}

// NewLinearNoBias is NewLinear without the bias term.
func NewLinearNoBias(in, out int, rng *rand.Rand) *Linear {
	if in <= 0 || out <= 0 {
		tensor.Panicf("nn", "NewLinear", nil, "sizes in=%d out=%d must be positive", in, out)
	}
	return &Linear{Weight: uniform(rng, boundOf(in), out, in)}
}

func boundOf(fanIn int) float64 { return 1 / math.Sqrt(float64(fanIn)) }

// uniform returns a parameter with values uniform in [-bound, bound).
func uniform(rng *rand.Rand, bound float64, shape ...int) *autograd.Tensor {
	t := tensor.Rand(rng, shape...)
	v := t.Raw()
	for i := range v {
		v[i] = (2*v[i] - 1) * bound
	}
	return autograd.From(t).SetRequiresGrad(true)
}

// Forward returns x·Wᵀ + b for x of shape [..., In].
func (l *Linear) Forward(x *autograd.Tensor) *autograd.Tensor {
	return traced(l, autograd.Linear(x, l.Weight, l.Bias))
}

// NamedParameters returns "weight" and, with bias, "bias".
func (l *Linear) NamedParameters() []NamedParameter {
	ps := []NamedParameter{{"weight", l.Weight}}
	if l.Bias != nil {
		ps = append(ps, NamedParameter{"bias", l.Bias})
	}
	return ps
}

// Parameters returns the weight and the bias.
func (l *Linear) Parameters() []*autograd.Tensor { return tensorsOf(l.NamedParameters()) }

func (l *Linear) String() string {
	s := l.Weight.Shape()
	if l.Bias == nil {
		return fmt.Sprintf("Linear(%d→%d, no bias)", s[1], s[0])
	}
	return fmt.Sprintf("Linear(%d→%d)", s[1], s[0])
}

// LayerNorm normalises over the trailing Shape dimensions, with a learned
// elementwise scale and shift: torch.nn.LayerNorm.
type LayerNorm struct {
	leaf
	Shape  []int
	Eps    float64
	Weight *autograd.Tensor // ones at first
	Bias   *autograd.Tensor // zeros at first
}

// NewLayerNorm returns a layer norm over the trailing dimensions shape,
// with eps 1e-5 and an affine transform, as PyTorch's defaults.
func NewLayerNorm(shape ...int) *LayerNorm {
	return &LayerNorm{
		Shape:  append([]int(nil), shape...),
		Eps:    1e-5,
		Weight: autograd.Ones(shape...).SetRequiresGrad(true),
		Bias:   autograd.Zeros(shape...).SetRequiresGrad(true),
	}
}

// Forward normalises x.
func (l *LayerNorm) Forward(x *autograd.Tensor) *autograd.Tensor {
	return traced(l, functional.LayerNorm(x, l.Shape, l.Weight, l.Bias, l.Eps))
}

// NamedParameters returns "weight" and "bias".
func (l *LayerNorm) NamedParameters() []NamedParameter {
	return []NamedParameter{{"weight", l.Weight}, {"bias", l.Bias}}
}

// Parameters returns the weight and the bias.
func (l *LayerNorm) Parameters() []*autograd.Tensor { return tensorsOf(l.NamedParameters()) }

func (l *LayerNorm) String() string { return fmt.Sprintf("LayerNorm(%v)", l.Shape) }
