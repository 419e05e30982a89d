// Command seed is the smallest adjoint program: the gradient of
// z = x·x + x·y at x = 3, y = 10, which is dz/dx = 2x + y = 16 and
// dz/dy = x = 3.
package main

import (
	"fmt"

	"github.com/adjoint-go/adjoint/autograd"
)

func main() {
	x := autograd.Scalar(3).SetRequiresGrad(true)
	y := autograd.Scalar(10).SetRequiresGrad(true)
	z := x.Mul(x).Add(x.Mul(y))
	z.Backward()
	fmt.Println(x.Grad().Item(), y.Grad().Item())
}
