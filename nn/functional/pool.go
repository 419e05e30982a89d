package functional

import (
	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// PoolOptions are the arguments of the pooling functions besides the
// input, PyTorch's for (height, width): the Kernel size, the Stride (zero:
// the kernel size, PyTorch's default), Padding, Dilation (zero: 1; max
// pooling only), CeilMode (round the output size up; max pooling only) and
// CountIncludePad (average pooling: divide by the whole window, padding
// included, PyTorch's default true; set ExcludePad to divide by the input
// elements only).
type PoolOptions struct {
	Kernel, Stride, Padding, Dilation [2]int
	CeilMode                          bool
	ExcludePad                        bool
}

func (o PoolOptions) window() tensor.Window {
	s := o.Stride
	if s == [2]int{} {
		s = o.Kernel
	}
	return tensor.Window{Kernel: o.Kernel, Stride: s, Padding: o.Padding, Dilation: o.Dilation}
}

// MaxPool2d is torch.nn.functional.max_pool2d of x [N C H W]: each window's
// maximum (see tensor.MaxPool2d for ties, NaN and padding). The gradient
// goes to the element each maximum came from, as PyTorch's (see
// autograd.MaxPool2d); second derivatives work. It panics with a
// *tensor.Error naming MaxPool2d if the shapes or options do not fit.
func MaxPool2d(x *autograd.Tensor, o PoolOptions) *autograd.Tensor {
	if x == nil {
		tensor.Panicf("functional", "MaxPool2d", nil, "input is nil")
	}
	return autograd.MaxPool2dValues(x, o.window(), o.CeilMode)
}

// MaxPool2dWithIndices is MaxPool2d that also returns the indices (the
// maximum's position h·W + w in its plane, as float64 integral values,
// like return_indices=True).
func MaxPool2dWithIndices(x *autograd.Tensor, o PoolOptions) (values, indices *autograd.Tensor) {
	if x == nil {
		tensor.Panicf("functional", "MaxPool2d", nil, "input is nil")
	}
	return autograd.MaxPool2d(x, o.window(), o.CeilMode)
}

// AvgPool2d is torch.nn.functional.avg_pool2d of x [N C H W] (ceil_mode
// false): each window's mean, over the whole window padding included
// (PyTorch's count_include_pad=True), or with ExcludePad over the input
// elements it covers, in one pass (see autograd.AvgPool2d), differentiable
// to any order. It panics with a *tensor.Error naming AvgPool2d if the shapes or
// options do not fit (CeilMode and Dilation are not supported, as in
// PyTorch's avg_pool2d, which has no dilation).
func AvgPool2d(x *autograd.Tensor, o PoolOptions) *autograd.Tensor {
	const op = "AvgPool2d"
	if x == nil {
		tensor.Panicf("functional", op, nil, "input is nil")
	}
	xs := x.Shape()
	if len(xs) != 4 || o.CeilMode || (o.Dilation != [2]int{} && o.Dilation != [2]int{1, 1}) ||
		2*o.Padding[0] > o.Kernel[0] || 2*o.Padding[1] > o.Kernel[1] {
		tensor.Panicf("functional", op, [][]int{xs},
			"input %v with options %+v: want [N C H W], no ceil mode or dilation, padding at most half the kernel", xs, o)
	}
	return autograd.AvgPool2d(x, o.window(), o.ExcludePad)
}

// AdaptiveAvgPool2d is torch.nn.functional.adaptive_avg_pool2d of x
// [N C H W] to output size [oh ow]: output (i, j) is the mean of rows
// ⌊i·H/oh⌋ to ⌈(i+1)·H/oh⌉ and the same columns. It is two products with
// fixed averaging matrices, differentiable to any order. It panics with a
// *tensor.Error naming AdaptiveAvgPool2d if x is not 4-D or a size is not
// positive.
func AdaptiveAvgPool2d(x *autograd.Tensor, size [2]int) *autograd.Tensor {
	const op = "AdaptiveAvgPool2d"
	if x == nil {
		tensor.Panicf("functional", op, nil, "input is nil")
	}
	xs := x.Shape()
	if len(xs) != 4 || size[0] < 1 || size[1] < 1 || xs[2] < 1 || xs[3] < 1 {
		tensor.Panicf("functional", op, [][]int{xs}, "input %v to size %v: want [N C H W] with H, W and the size positive", xs, size)
	}
	rows := autograd.From(averaging(size[0], xs[2]))     // [oh H]
	cols := autograd.From(averaging(size[1], xs[3]).T()) // [W ow]
	return rows.MatMul(x.MatMul(cols))                   // [oh H]·[N C H ow]
}

// averaging returns the [out in] matrix whose row i averages inputs
// ⌊i·in/out⌋ to ⌈(i+1)·in/out⌉ (exclusive).
func averaging(out, in int) *tensor.Tensor {
	m := tensor.Zeros(out, in)
	for i := range out {
		lo := i * in / out
		hi := ((i+1)*in + out - 1) / out
		for j := lo; j < hi; j++ {
			m.Set(1/float64(hi-lo), i, j)
		}
	}
	return m
}

// MaxPool1d is torch.nn.functional.max_pool1d of x [N C L]: MaxPool2d on
// rows of height 1, reading the length entry (index 1) of o's pairs.
func MaxPool1d(x *autograd.Tensor, o PoolOptions) *autograd.Tensor {
	if x == nil || x.Dim() != 3 {
		var shape []int
		if x != nil {
			shape = x.Shape()
		}
		tensor.Panicf("functional", "MaxPool1d", [][]int{shape}, "input of shape %v: want [N C L]", shape)
	}
	stride := o.Stride[1]
	if stride == 0 {
		stride = o.Kernel[1]
	}
	o2 := PoolOptions{Kernel: [2]int{1, o.Kernel[1]}, Stride: [2]int{1, stride}, Padding: [2]int{0, o.Padding[1]},
		Dilation: [2]int{1, max(o.Dilation[1], 1)}, CeilMode: o.CeilMode}
	return MaxPool2d(x.Unsqueeze(2), o2).Squeeze(2)
}
