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

// Panicf panics with an *Error of package pkg for operation op. It is
// exported for package autograd, which reports its errors the same way.
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
