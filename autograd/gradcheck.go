package autograd

import (
	"fmt"
	"math"

	"github.com/adjoint-go/adjoint/tensor"
)

// CheckOptions sets the step and tolerances of GradCheck. The zero value
// means the defaults, those of PyTorch's gradcheck: Eps 1e-6, Atol 1e-5,
// Rtol 1e-3.
type CheckOptions struct {
	Eps  float64 // finite-difference step
	Atol float64 // absolute tolerance
	Rtol float64 // relative tolerance, against the numerical value
}

func (o *CheckOptions) defaults() CheckOptions {
	c := CheckOptions{Eps: 1e-6, Atol: 1e-5, Rtol: 1e-3}
	if o != nil {
		if o.Eps > 0 {
			c.Eps = o.Eps
		}
		if o.Atol > 0 {
			c.Atol = o.Atol
		}
		if o.Rtol > 0 {
			c.Rtol = o.Rtol
		}
	}
	return c
}

// GradCheckError reports the first Jacobian entry where the gradient from
// autograd and the central difference disagree.
type GradCheckError struct {
	Input      int     // which input (position in the inputs slice)
	Index      []int   // element of that input
	Output     []int   // element of the output
	Analytical float64 // from Backward
	Numerical  float64 // from central differences
}

func (e *GradCheckError) Error() string {
	return fmt.Sprintf("autograd: GradCheck: d out%v / d input %d%v: analytical %.10g, numerical %.10g",
		e.Output, e.Input, e.Index, e.Analytical, e.Numerical)
}

// GradCheck compares the gradients autograd computes for f at inputs with
// central differences (f(x+eps) - f(x-eps)) / 2eps, for every element of
// every input that requires a gradient and every element of f's output (the
// whole Jacobian). It returns nil when every entry agrees within
// Atol + Rtol·|numerical|, else a *GradCheckError naming the input, the
// element and both values.
//
// f must be deterministic. Inputs are perturbed in place and restored; an
// input whose elements overlap in memory (an expanded view) cannot be
// checked and is an error.
func GradCheck(f func(in []*Tensor) *Tensor, inputs []*Tensor, opts *CheckOptions) error {
	o := opts.defaults()
	var checked []int
	for i, in := range inputs {
		if !in.requiresGrad {
			continue
		}
		if !in.IsLeaf() {
			return fmt.Errorf("autograd: GradCheck: input %d is not a leaf", i)
		}
		if overlaps(in.v) {
			return fmt.Errorf("autograd: GradCheck: input %d (shape %v, strides %v) has overlapping elements", i, in.v.Shape(), in.v.Strides())
		}
		checked = append(checked, i)
	}
	if len(checked) == 0 {
		return fmt.Errorf("autograd: GradCheck: no input requires a gradient")
	}
	out := f(inputs)
	outShape := out.v.Shape()
	m := out.v.Numel()

	// Analytical Jacobian, one backward per output element.
	ins := make([]*Tensor, len(checked))
	for k, i := range checked {
		ins[k] = inputs[i]
	}
	analytic := make([][][]float64, m) // [output][checked input][element]
	for j := 0; j < m; j++ {
		seed := tensor.Zeros(outShape...)
		seed.Set(1, unravel(j, outShape)...)
		analytic[j] = make([][]float64, len(ins))
		if !out.requiresGrad {
			for k, in := range ins {
				analytic[j][k] = make([]float64, in.v.Numel())
			}
			continue
		}
		got := run([]*Tensor{out}, []*Tensor{From(seed)}, true, false, false, ins)
		for k, in := range ins {
			if got[k] == nil {
				analytic[j][k] = make([]float64, in.v.Numel())
			} else {
				analytic[j][k] = got[k].v.Data()
			}
		}
	}

	// Numerical Jacobian, column by column.
	for k, i := range checked {
		v := inputs[i].v
		shape := v.Shape()
		for e := 0; e < v.Numel(); e++ {
			idx := unravel(e, shape)
			x := v.At(idx...)
			v.Set(x+o.Eps, idx...)
			plus := f(inputs).v.Data()
			v.Set(x-o.Eps, idx...)
			minus := f(inputs).v.Data()
			v.Set(x, idx...)
			for j := 0; j < m; j++ {
				num := (plus[j] - minus[j]) / (2 * o.Eps)
				ana := analytic[j][k][e]
				if !(math.Abs(ana-num) <= o.Atol+o.Rtol*math.Abs(num)) {
					return &GradCheckError{Input: i, Index: idx, Output: unravel(j, outShape), Analytical: ana, Numerical: num}
				}
			}
		}
	}
	return nil
}

// unravel turns a row-major position into a multi-index.
func unravel(p int, shape []int) []int {
	idx := make([]int, len(shape))
	for d := len(shape) - 1; d >= 0; d-- {
		idx[d] = p % shape[d]
		p /= shape[d]
	}
	return idx
}

// overlaps reports whether two elements of v share memory (a stride of 0
// along a dimension longer than 1).
func overlaps(v *tensor.Tensor) bool {
	sh, st := v.Shape(), v.Strides()
	for i := range sh {
		if sh[i] > 1 && st[i] == 0 {
			return true
		}
	}
	return false
}
