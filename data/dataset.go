package data

import (
	"fmt"
	"strings"

	"github.com/adjoint-go/adjoint/tensor"
)

// A Source is a dataset a Loader can batch, Subset can select from and
// RandomSplit can split: a *Dataset, or a *TensorDataset (among them the
// subsets those two return). Its examples are rows of aligned tensors.
// Only this package's types implement it.
type Source interface {
	// Len returns the number of examples.
	Len() int
	// rows returns the tensors and the rows of them that make the
	// examples: example i is row index[i] of each tensor, or row i when
	// index is nil. The tensors are not checked.
	rows() (ts []*tensor.Tensor, index []int)
}

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

func (d *Dataset) rows() ([]*tensor.Tensor, []int) {
	if d == nil {
		return nil, nil
	}
	return []*tensor.Tensor{d.X, d.Y}, nil
}

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

// TensorDataset is a dataset of several aligned tensors, like PyTorch's
// TensorDataset: example i is row i of each tensor. Subset and RandomSplit
// return TensorDatasets that select rows of another dataset's tensors
// without copying them. A Loader batches all the tensors (Batch.Tensors).
type TensorDataset struct {
	tensors []*tensor.Tensor // contiguous, with the same first dimension
	index   []int            // the rows that make the examples; nil: all, in order
}

// NewTensorDataset returns the dataset whose example i is row i of each
// of ts, in the order given. The tensors must be at least one and have at
// least one dimension, all the same first one (it panics with a
// *tensor.Error naming their shapes otherwise). Contiguous tensors are
// used as they are, others are copied.
func NewTensorDataset(ts ...*tensor.Tensor) *TensorDataset {
	ts = aligned("NewTensorDataset", ts)
	return &TensorDataset{tensors: ts}
}

// Len returns the number of examples.
func (d *TensorDataset) Len() int {
	switch {
	case d.index != nil:
		return len(d.index)
	case len(d.tensors) == 0:
		return 0
	}
	return d.tensors[0].Size(0)
}

func (d *TensorDataset) rows() ([]*tensor.Tensor, []int) {
	if d == nil {
		return nil, nil
	}
	return d.tensors, d.index
}

// Tensors returns the dataset's tensors, in the order given to
// NewTensorDataset, each of shape [Len, ...]. For a dataset made by
// NewTensorDataset they are its own tensors, not copies; for a subset
// (from Subset or RandomSplit) they are new tensors holding the selected
// rows, in the subset's order.
func (d *TensorDataset) Tensors() []*tensor.Tensor {
	out := make([]*tensor.Tensor, len(d.tensors))
	for k, t := range d.tensors {
		if d.index == nil {
			out[k] = t
			continue
		}
		row := rowSize(t)
		src := t.Raw()
		dst := make([]float64, len(d.index)*row)
		for j, i := range d.index {
			copy(dst[j*row:(j+1)*row], src[i*row:(i+1)*row])
		}
		shape := t.Shape()
		shape[0] = len(d.index)
		out[k] = tensor.FromData(dst, shape...)
	}
	return out
}

// aligned returns ts made contiguous, panicking with a *tensor.Error of
// operation op unless they are at least one, none nil or 0-d, all with the
// same first dimension.
func aligned(op string, ts []*tensor.Tensor) []*tensor.Tensor {
	if len(ts) == 0 {
		tensor.Panicf("data", op, nil, "no tensors")
	}
	shapes := make([][]int, len(ts))
	for k, t := range ts {
		if t == nil {
			tensor.Panicf("data", op, nil, "tensor %d is a nil *Tensor", k)
		}
		shapes[k] = t.Shape()
	}
	for k, s := range shapes {
		if len(s) == 0 {
			tensor.Panicf("data", op, shapes, "tensor %d of the tensors of shapes %s has no dimensions", k, shapeList(shapes))
		}
	}
	for _, s := range shapes {
		if s[0] != shapes[0][0] {
			tensor.Panicf("data", op, shapes, "tensors of shapes %s do not have the same first dimension", shapeList(shapes))
		}
	}
	out := make([]*tensor.Tensor, len(ts))
	for k, t := range ts {
		out[k] = t.Contiguous()
	}
	return out
}

// shapeList writes shapes as "[3 2], [4]".
func shapeList(shapes [][]int) string {
	parts := make([]string, len(shapes))
	for k, s := range shapes {
		parts[k] = fmt.Sprint(s)
	}
	return strings.Join(parts, ", ")
}
