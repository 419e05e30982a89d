package nn

import (
	"fmt"

	"github.com/adjoint-go/adjoint/autograd"
)

// ReLU is max(x, 0) elementwise.
type ReLU struct{ stateless }

// Forward applies ReLU.
func (a *ReLU) Forward(x *autograd.Tensor) *autograd.Tensor { return traced(a, x.ReLU()) }
func (*ReLU) String() string                                { return "ReLU" }

// LeakyReLU is x for x > 0 and Slope·x otherwise.
type LeakyReLU struct {
	stateless
	Slope float64
}

// Forward applies LeakyReLU.
func (l *LeakyReLU) Forward(x *autograd.Tensor) *autograd.Tensor {
	return traced(l, x.LeakyReLU(l.Slope))
}
func (l *LeakyReLU) String() string { return fmt.Sprintf("LeakyReLU(%g)", l.Slope) }

// Tanh is the hyperbolic tangent elementwise.
type Tanh struct{ stateless }

// Forward applies Tanh.
func (a *Tanh) Forward(x *autograd.Tensor) *autograd.Tensor { return traced(a, x.Tanh()) }
func (*Tanh) String() string                                { return "Tanh" }

// Sigmoid is 1/(1+e^-x) elementwise.
type Sigmoid struct{ stateless }

// Forward applies Sigmoid.
func (a *Sigmoid) Forward(x *autograd.Tensor) *autograd.Tensor { return traced(a, x.Sigmoid()) }
func (*Sigmoid) String() string                                { return "Sigmoid" }

// GELU is x·Φ(x) elementwise (the exact, erf form).
type GELU struct{ stateless }

// Forward applies GELU.
func (a *GELU) Forward(x *autograd.Tensor) *autograd.Tensor { return traced(a, x.GELU()) }
func (*GELU) String() string                                { return "GELU" }

// SiLU is x·sigmoid(x) elementwise.
type SiLU struct{ stateless }

// Forward applies SiLU.
func (a *SiLU) Forward(x *autograd.Tensor) *autograd.Tensor { return traced(a, x.SiLU()) }
func (*SiLU) String() string                                { return "SiLU" }
