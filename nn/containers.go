package nn

import (
	"fmt"
	"slices"
	"strings"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// ModuleList holds modules by position, like torch.nn.ModuleList: as a
// field of a module built on Base its modules are children named
// "field.0", "field.1", .... Like PyTorch's, it has no Forward of its own;
// the owning module's Forward calls its modules.
type ModuleList []Module

// NamedParameters lists the modules' parameters, prefixed by position.
func (l ModuleList) NamedParameters() []NamedParameter {
	var out []NamedParameter
	for i, m := range l {
		out = append(out, Prefixed(fmt.Sprint(i), m.NamedParameters())...)
	}
	return out
}

// Parameters lists the modules' parameters in order.
func (l ModuleList) Parameters() []*autograd.Tensor { return tensorsOf(l.NamedParameters()) }

// NamedBuffers lists the modules' buffers, prefixed by position.
func (l ModuleList) NamedBuffers() []NamedParameter {
	var out []NamedParameter
	for i, m := range l {
		out = append(out, Prefixed(fmt.Sprint(i), BuffersOf(m))...)
	}
	return out
}

// SetTraining sets the mode of every module.
func (l ModuleList) SetTraining(training bool) {
	for _, m := range l {
		m.SetTraining(training)
	}
}

// ModuleDict holds modules by name, like torch.nn.ModuleDict: as a field of
// a module built on Base its modules are children named "field.key", in
// sorted key order (PyTorch keeps insertion order; Go maps have none).
type ModuleDict map[string]Module

// Keys returns the names in sorted order.
func (d ModuleDict) Keys() []string {
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// NamedParameters lists the modules' parameters, prefixed by name.
func (d ModuleDict) NamedParameters() []NamedParameter {
	var out []NamedParameter
	for _, k := range d.Keys() {
		out = append(out, Prefixed(k, d[k].NamedParameters())...)
	}
	return out
}

// Parameters lists the modules' parameters in key order.
func (d ModuleDict) Parameters() []*autograd.Tensor { return tensorsOf(d.NamedParameters()) }

// NamedBuffers lists the modules' buffers, prefixed by name.
func (d ModuleDict) NamedBuffers() []NamedParameter {
	var out []NamedParameter
	for _, k := range d.Keys() {
		out = append(out, Prefixed(k, BuffersOf(d[k]))...)
	}
	return out
}

// SetTraining sets the mode of every module.
func (d ModuleDict) SetTraining(training bool) {
	for _, m := range d {
		m.SetTraining(training)
	}
}

// Identity returns its input, like torch.nn.Identity: a placeholder where
// a layer is optional.
type Identity struct{ stateless }

// NewIdentity returns an Identity.
func NewIdentity() *Identity { return &Identity{} }

// Forward returns x.
func (i *Identity) Forward(x *autograd.Tensor) *autograd.Tensor { return traced(i, x) }

func (*Identity) String() string { return "Identity()" }

// Func is a module made of a function without parameters, for a step of a
// Sequential that no layer names (a reshape, a scaling):
//
//	nn.NewSequential(nn.NewFunc("Half", func(x *autograd.Tensor) *autograd.Tensor { return x.MulScalar(0.5) }), ...)
type Func struct {
	stateless
	Name string
	F    func(x *autograd.Tensor) *autograd.Tensor
}

// NewFunc returns the module that applies f; name is what String prints.
// It panics with a *tensor.Error if f is nil.
func NewFunc(name string, f func(x *autograd.Tensor) *autograd.Tensor) *Func {
	if f == nil {
		tensor.Panicf("nn", "NewFunc", nil, "function %q is nil", name)
	}
	return &Func{Name: name, F: f}
}

// Forward returns F(x).
func (f *Func) Forward(x *autograd.Tensor) *autograd.Tensor { return traced(f, f.F(x)) }

func (f *Func) String() string { return f.Name + "()" }

// Flatten flattens dimensions StartDim..EndDim (inclusive; negative values
// count from the end) into one, like torch.nn.Flatten, whose defaults are
// StartDim 1 and EndDim -1 (keep the batch dimension).
type Flatten struct {
	stateless
	StartDim, EndDim int
}

// NewFlatten returns a Flatten of dimensions startDim..endDim.
func NewFlatten(startDim, endDim int) *Flatten { return &Flatten{StartDim: startDim, EndDim: endDim} }

// Forward reshapes x (a view where the layout allows). It panics with a
// *tensor.Error naming Flatten if the dimensions are out of range or
// StartDim comes after EndDim.
func (f *Flatten) Forward(x *autograd.Tensor) *autograd.Tensor {
	shape := x.Shape()
	nd := max(len(shape), 1)
	s, e := f.StartDim, f.EndDim
	if s < 0 {
		s += nd
	}
	if e < 0 {
		e += nd
	}
	if s < 0 || e >= nd || s > e {
		tensor.Panicf("nn", "Flatten", [][]int{shape}, "dimensions %d..%d do not fit a tensor of shape %v", f.StartDim, f.EndDim, shape)
	}
	if len(shape) == 0 {
		return traced(f, x.Reshape(1))
	}
	n := 1
	for _, d := range shape[s : e+1] {
		n *= d
	}
	out := append(append(append([]int(nil), shape[:s]...), n), shape[e+1:]...)
	return traced(f, x.Reshape(out...))
}

func (f *Flatten) String() string {
	return fmt.Sprintf("Flatten(start_dim=%d, end_dim=%d)", f.StartDim, f.EndDim)
}

// Unflatten expands dimension Dim into Sizes, like torch.nn.Unflatten (one
// size may be -1).
type Unflatten struct {
	stateless
	Dim   int
	Sizes []int
}

// NewUnflatten returns an Unflatten of dimension dim into sizes.
func NewUnflatten(dim int, sizes ...int) *Unflatten {
	return &Unflatten{Dim: dim, Sizes: append([]int(nil), sizes...)}
}

// Forward reshapes x. It panics with a *tensor.Error naming Unflatten if
// Dim is out of range or the sizes do not multiply to its size.
func (u *Unflatten) Forward(x *autograd.Tensor) *autograd.Tensor {
	shape := x.Shape()
	d := u.Dim
	if d < 0 {
		d += len(shape)
	}
	if d < 0 || d >= len(shape) {
		tensor.Panicf("nn", "Unflatten", [][]int{shape}, "dimension %d is out of range for shape %v", u.Dim, shape)
	}
	known, free := 1, -1
	for i, s := range u.Sizes {
		switch {
		case s == -1 && free < 0:
			free = i
		case s <= 0:
			tensor.Panicf("nn", "Unflatten", [][]int{shape, u.Sizes}, "sizes %v: each must be positive, with at most one -1", u.Sizes)
		default:
			known *= s
		}
	}
	sizes := append([]int(nil), u.Sizes...)
	switch {
	case free >= 0 && known > 0 && shape[d]%known == 0:
		sizes[free] = shape[d] / known
	case free >= 0 || known != shape[d]:
		tensor.Panicf("nn", "Unflatten", [][]int{shape, u.Sizes}, "sizes %v do not multiply to %d, the size of dimension %d of %v", u.Sizes, shape[d], u.Dim, shape)
	}
	out := append(append(append([]int(nil), shape[:d]...), sizes...), shape[d+1:]...)
	return traced(u, x.Reshape(out...))
}

func (u *Unflatten) String() string {
	return fmt.Sprintf("Unflatten(dim=%d, unflattened_size=(%s))", u.Dim, strings.Trim(fmt.Sprint(u.Sizes), "[]"))
}

// NewParameter returns v as a parameter: a leaf that requires a gradient
// and shares v's storage, like torch.nn.Parameter. It panics with a
// *tensor.Error if v is nil.
func NewParameter(v *tensor.Tensor) *autograd.Tensor {
	if v == nil {
		tensor.Panicf("nn", "NewParameter", nil, "value is nil")
	}
	return autograd.From(v).SetRequiresGrad(true)
}

// NewBuffer returns v as a buffer: a leaf without a gradient, sharing v's
// storage. Tag the field that holds it `nn:",buffer"` so that Save and Load
// keep it with the parameters.
func NewBuffer(v *tensor.Tensor) *autograd.Tensor {
	if v == nil {
		tensor.Panicf("nn", "NewBuffer", nil, "value is nil")
	}
	return autograd.From(v)
}
