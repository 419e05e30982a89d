package tensor_test

import (
	"fmt"

	"github.com/adjoint-go/adjoint/tensor"
)

func ExampleNew() {
	x := tensor.New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	fmt.Println(x)
	fmt.Println(x.Shape(), x.Strides(), x.At(1, 2))
	// Output:
	// tensor([[1., 2., 3.],
	//         [4., 5., 6.]])
	// [2 3] [3 1] 6
}

func ExampleTensor_Reshape() {
	x := tensor.Arange(0, 6, 1)
	m := x.Reshape(2, -1) // -1 is inferred as 3
	fmt.Println(m)
	fmt.Println("view of x:", m.SameStorage(x))
	// Output:
	// tensor([[0., 1., 2.],
	//         [3., 4., 5.]])
	// view of x: true
}

func ExampleTensor_Transpose() {
	m := tensor.Arange(0, 6, 1).Reshape(2, 3)
	tr := m.Transpose(0, 1)
	fmt.Println(tr)
	fmt.Println(tr.Strides(), tr.IsContiguous())

	// A transpose cannot be flattened without copying: View panics,
	// Reshape copies.
	flat := tr.Reshape(-1)
	fmt.Println(flat, flat.SameStorage(m))
	// Output:
	// tensor([[0., 3.],
	//         [1., 4.],
	//         [2., 5.]])
	// [1 3] false
	// tensor([0., 3., 1., 4., 2., 5.]) false
}

func ExampleTensor_Add() {
	col := tensor.New([]float64{0, 10, 20}, 3, 1)
	row := tensor.New([]float64{1, 2, 3, 4})
	fmt.Println(col.Add(row)) // [3 1] + [4] broadcasts to [3 4]
	// Output:
	// tensor([[ 1.,  2.,  3.,  4.],
	//         [11., 12., 13., 14.],
	//         [21., 22., 23., 24.]])
}

func ExampleTensor_Add_shapeMismatch() {
	defer func() {
		e := recover().(*tensor.Error)
		fmt.Println(e)
		fmt.Println(e.Op, e.Shapes)
	}()
	tensor.Zeros(2, 3).Add(tensor.Zeros(4))
	// Output:
	// tensor: Add: cannot broadcast [2 3] with [4]
	// Add [[2 3] [4]]
}

func ExampleTensor_SumDims() {
	x := tensor.Arange(0, 6, 1).Reshape(2, 3)
	fmt.Println(x.SumDims(false, 0))
	fmt.Println(x.SumDims(true, -1))
	fmt.Println(x.SumDims(false, 0, 1))
	// Output:
	// tensor([3., 5., 7.])
	// tensor([[ 3.],
	//         [12.]])
	// tensor(15.)
}

func ExampleTensor_SumTo() {
	// The gradient of a [3 4] result flows back to a [4] operand summed
	// over the broadcast rows.
	g := tensor.Ones(3, 4)
	fmt.Println(g.SumTo(4))
	fmt.Println(g.SumTo(3, 1))
	// Output:
	// tensor([3., 3., 3., 3.])
	// tensor([[4.],
	//         [4.],
	//         [4.]])
}
