package nn

import (
	"fmt"
	"strings"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/internal/bridge"
	"github.com/adjoint-go/adjoint/tensor"
)

// Module is a layer or a model: a function of one tensor with parameters.
//
// NamedParameters lists the parameters, own and children's, in a stable
// order with PyTorch's names ("weight", "0.bias", "encoder.2.weight"), so
// that checkpoints line up with PyTorch's state_dict. SetTraining switches
// between training and evaluation behaviour (Dropout), recursively.
type Module interface {
	Forward(x *autograd.Tensor) *autograd.Tensor
	Parameters() []*autograd.Tensor
	NamedParameters() []NamedParameter
	SetTraining(training bool)
	Training() bool
}

// NamedParameter is a parameter with its dotted name.
type NamedParameter struct {
	Name string
	*autograd.Tensor
}

// Prefixed returns params with prefix and a dot in front of every name, as
// a container does for its children.
func Prefixed(prefix string, params []NamedParameter) []NamedParameter {
	out := make([]NamedParameter, len(params))
	for i, p := range params {
		out[i] = NamedParameter{Name: prefix + "." + p.Name, Tensor: p.Tensor}
	}
	return out
}

func tensorsOf(params []NamedParameter) []*autograd.Tensor {
	out := make([]*autograd.Tensor, len(params))
	for i, p := range params {
		out[i] = p.Tensor
	}
	return out
}

// NumParameters returns the number of scalar parameters of m.
func NumParameters(m Module) int {
	n := 0
	for _, p := range m.Parameters() {
		n += p.Numel()
	}
	return n
}

// Summary returns a one-line description of m with its parameter count,
// e.g. "Sequential(Linear(784→128), ReLU, Linear(128→10)): 101,770 parameters".
func Summary(m Module) string {
	return fmt.Sprintf("%v: %s parameters", m, thousands(NumParameters(m)))
}

func thousands(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// mode is embedded by modules to hold the training flag.
type mode struct{ eval bool }

// Training reports whether the module is in training mode (the default).
func (m *mode) Training() bool { return !m.eval }

// leaf is embedded by modules without children.
type leaf struct{ mode }

// SetTraining sets training (true) or evaluation (false) mode.
func (l *leaf) SetTraining(training bool) { l.eval = !training }

// stateless is embedded by modules without parameters.
type stateless struct{ leaf }

// Parameters returns no parameters.
func (stateless) Parameters() []*autograd.Tensor { return nil }

// NamedParameters returns no parameters.
func (stateless) NamedParameters() []NamedParameter { return nil }

// tops gives Sequential the tensor package's storage recycling (see
// internal/bridge), for the intermediates of no-grad evaluation.
var tops = bridge.Get[*tensor.Tensor]()

// Sequential applies its modules in order.
type Sequential struct {
	mode
	Modules []Module
}

// NewSequential returns the modules chained: the output of each is the
// input of the next. Parameters are named by position, "0.weight", as in
// torch.nn.Sequential.
func NewSequential(modules ...Module) *Sequential {
	return &Sequential{Modules: modules}
}

// Forward applies the modules in order.
//
// A value that one module makes and the next one reads and does not pass
// on is an intermediate only those two modules see, so Forward marks it
// Transient: the backward pass that frees the graph hands its storage back
// to the tensor pool, and the next step reuses it instead of allocating.
// In no-grad evaluation, where no graph will read it, Forward recycles it
// as soon as the next module has returned. A module used in a Sequential
// must therefore not keep its input or its output to read later (Clone
// what it must keep), nor a view of either. What Forward returns is never
// marked, nor is the caller's input, or a value a module passes on (its
// own input, or a view or alias of it, such as Flatten's); a value that
// the next module passes on as a view is marked once the module after
// has read the view. In no-grad evaluation a value with views is left to
// the garbage collector.
func (s *Sequential) Forward(x *autograd.Tensor) *autograd.Tensor {
	var inner *autograd.Tensor // a value made by a module and seen by no one but the next
	for _, m := range s.Modules {
		y := m.Forward(x)
		if inner != nil && y != inner && !y.Value().SameStorage(inner.Value()) {
			// The module that made y has read inner and did not pass it on.
			if inner.IsNoGrad() {
				tops.Recycle(inner.Value())
			} else {
				inner.Transient()
			}
			inner = nil
		}
		if y != x && !y.Value().SameStorage(x.Value()) {
			inner = y // a new value, not the module's input or a view of it
		}
		x = y
	}
	return traced(s, x)
}

// NamedParameters lists the children's parameters prefixed by position.
func (s *Sequential) NamedParameters() []NamedParameter {
	var out []NamedParameter
	for i, m := range s.Modules {
		out = append(out, Prefixed(fmt.Sprint(i), m.NamedParameters())...)
	}
	return out
}

// Parameters lists the children's parameters in order.
func (s *Sequential) Parameters() []*autograd.Tensor { return tensorsOf(s.NamedParameters()) }

// NamedBuffers lists the children's buffers (see BuffersOf) prefixed by
// position.
func (s *Sequential) NamedBuffers() []NamedParameter {
	var out []NamedParameter
	for i, m := range s.Modules {
		out = append(out, Prefixed(fmt.Sprint(i), BuffersOf(m))...)
	}
	return out
}

// SetTraining sets the mode of the container and every child.
func (s *Sequential) SetTraining(training bool) {
	s.eval = !training
	for _, m := range s.Modules {
		m.SetTraining(training)
	}
}

// String lists the children: Sequential(Linear(2→16), ReLU, Linear(16→1)).
func (s *Sequential) String() string {
	parts := make([]string, len(s.Modules))
	for i, m := range s.Modules {
		parts[i] = fmt.Sprint(m)
	}
	return "Sequential(" + strings.Join(parts, ", ") + ")"
}
