package tensor

import "fmt"

// Error is the panic value of a tensor operation called with arguments that
// cannot work: shapes that do not broadcast, a dimension out of range, data
// of the wrong length. Its message names the package, the operation and the
// shapes involved, e.g.
//
//	tensor: Add: cannot broadcast [2 3] with [4]
//
// Programmer errors panic (as in gonum's mat); recover the value and assert
// *Error to inspect it.
type Error struct {
	Pkg    string  // "tensor" or "autograd"
	Op     string  // the operation, e.g. "Add"
	Shapes [][]int // the shapes involved, in argument order
	Msg    string  // what is wrong, with the shapes written out
}

func (e *Error) Error() string {
	pkg := e.Pkg
	if pkg == "" {
		pkg = "tensor"
	}
	return pkg + ": " + e.Op + ": " + e.Msg
}

// Panicf panics with an *Error of package pkg for operation op, so that
// packages built on tensor (adjoint's autograd, nn and optim, or a user's
// own) report programmer errors the same way, recoverable as *Error.
func Panicf(pkg, op string, shapes [][]int, format string, args ...any) {
	cp := make([][]int, len(shapes))
	for i, s := range shapes {
		cp[i] = append([]int(nil), s...)
	}
	panic(&Error{Pkg: pkg, Op: op, Shapes: cp, Msg: fmt.Sprintf(format, args...)})
}

func fail(op string, shapes [][]int, format string, args ...any) {
	Panicf("tensor", op, shapes, format, args...)
}

// mustTensor panics with an *Error naming op if t, the argument that name
// describes ("receiver t", "weight w", ...), is nil: a nil *Tensor fails
// by name instead of with a nil pointer dereference inside the operation.
func mustTensor(op, name string, t *Tensor) {
	if t == nil {
		nilTensor(op, name)
	}
}

// nilTensor is the cold path of mustTensor, kept out of line so that the
// checks inline into every operation at the cost of a compare.
//
//go:noinline
func nilTensor(op, name string) {
	fail(op, nil, "%s is a nil *Tensor", name)
}

// mustTensors is mustTensor for the receiver t and the argument u of a
// method taking one other tensor.
func mustTensors(op string, t, u *Tensor) {
	if t == nil || u == nil {
		nilTensors(op, t == nil)
	}
}

// nilTensors is the cold path of mustTensors.
//
//go:noinline
func nilTensors(op string, receiver bool) {
	if receiver {
		nilTensor(op, "receiver t")
	}
	nilTensor(op, "argument u")
}

// mustTensorList is mustTensor for each tensor of a list argument.
func mustTensorList(op string, ts []*Tensor) {
	for i, t := range ts {
		if t == nil {
			fail(op, nil, "tensor at position %d of the list is a nil *Tensor", i)
		}
	}
}
