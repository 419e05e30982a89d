package data

import (
	"github.com/adjoint-go/adjoint/tensor"
)

// Dataset is a set of N examples: inputs X of shape [N, ...] and targets Y
// of shape [N] or [N, ...], both contiguous. Example i is X's and Y's row
// i.
type Dataset struct {
	X, Y *tensor.Tensor
}

// NewDataset returns the dataset of inputs x and targets y, which must have
// at least one dimension and the same first dimension (it panics with a
// *tensor.Error otherwise). Contiguous tensors are used as they are, others
// are copied.
func NewDataset(x, y *tensor.Tensor) *Dataset {
	if x.Dim() == 0 || y.Dim() == 0 || x.Size(0) != y.Size(0) {
		tensor.Panicf("data", "NewDataset", [][]int{x.Shape(), y.Shape()},
			"inputs of shape %v and targets of shape %v do not have the same first dimension", x.Shape(), y.Shape())
	}
	return &Dataset{X: x.Contiguous(), Y: y.Contiguous()}
}

// FromSlices returns the dataset whose example i has the features x[i] and
// the target y[i]: X is [N, D], Y is [N]. It panics with a *tensor.Error if
// len(x) != len(y) or the rows of x differ in length.
func FromSlices(x [][]float64, y []float64) *Dataset {
	d := 0
	if len(x) > 0 {
		d = len(x[0])
	}
	if len(x) != len(y) {
		tensor.Panicf("data", "FromSlices", [][]int{{len(x), d}, {len(y)}}, "%d rows of features and %d targets", len(x), len(y))
	}
	flat := make([]float64, 0, len(x)*d)
	for i, row := range x {
		if len(row) != d {
			tensor.Panicf("data", "FromSlices", [][]int{{len(x), d}}, "row %d has %d features, row 0 has %d", i, len(row), d)
		}
		flat = append(flat, row...)
	}
	return &Dataset{X: tensor.FromData(flat, len(x), d), Y: tensor.New(y, len(y))}
}

// Len returns the number of examples.
func (d *Dataset) Len() int { return d.X.Size(0) }

// Standardize replaces every input value v by (v - mean) / std, in place,
// as torchvision's Normalize does; for MNIST pass mnist.Mean and
// mnist.Std (package data/mnist).
func (d *Dataset) Standardize(mean, std float64) {
	x := d.X.Raw()
	for i, v := range x {
		x[i] = (v - mean) / std
	}
	d.X.MarkModified()
}
