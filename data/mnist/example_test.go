package mnist_test

import (
	"fmt"

	"github.com/adjoint-go/adjoint/data/mnist"
)

func ExampleLoad() {
	dir, err := mnist.DefaultDir() // a program would also take -data DIR
	if err != nil {
		fmt.Println(err)
		return
	}
	train, test, err := mnist.Load(dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	train.Standardize(mnist.Mean, mnist.Std)
	fmt.Println(train.X.Shape(), train.Y.Shape(), test.Len())
	fmt.Println("first labels:", train.Y.At(0), test.Y.At(0))
}
