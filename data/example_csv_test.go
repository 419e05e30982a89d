package data_test

import (
	"fmt"
	"strings"

	"github.com/adjoint-go/adjoint/data"
)

func ExampleReadCSV() {
	const iris = `sepal_length,sepal_width,petal_length,species
5.1,3.5,1.4,0
7.0,3.2,4.7,1
6.3,3.3,6.0,2
`
	// The features, then the target as the last column.
	t, err := data.ReadCSV(strings.NewReader(iris), data.Columns("sepal_length", "petal_length", "species"))
	if err != nil {
		fmt.Println(err)
		return
	}
	ds := data.NewDataset(t.Slice(1, 0, 2), t.Select(1, 2)) // X [3 2], Y [3]
	fmt.Println(ds.X.Shape(), ds.X.Data(), ds.Y.Data())

	// Bad input is an error naming the line and the column.
	_, err = data.ReadCSV(strings.NewReader("a,b\n1,2\n3,n/a\n"), data.Header())
	fmt.Println(err)
	_, err = data.ReadCSV(strings.NewReader("a,b\n1,2\n"), data.Columns("c"))
	fmt.Println(err)
	// Output:
	// [3 2] [5.1 1.4 7 4.7 6.3 6] [0 1 2]
	// data: invalid CSV: line 3, column "b" (index 1): "n/a" is not a number
	// data: invalid CSV: column "c" is not in the header on line 1 ("a", "b")
}
