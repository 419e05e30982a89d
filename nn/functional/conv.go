package functional

import "github.com/adjoint-go/adjoint/autograd"

// ConvOptions are the arguments of Conv2d besides its tensors; see
// autograd.ConvOptions.
type ConvOptions = autograd.ConvOptions

// Conv2d is torch.nn.functional.conv2d: the cross-correlation of x [N Cin H
// W] with the weight w [Cout, Cin/groups, kh, kw], plus the bias b [Cout]
// (nil for none), giving [N Cout H' W']; see autograd.Conv2d.
func Conv2d(x, w, b *autograd.Tensor, o ConvOptions) *autograd.Tensor {
	return autograd.Conv2d(x, w, b, o)
}

// Conv1d is torch.nn.functional.conv1d of x [N Cin L] with w [Cout,
// Cin/groups, k]; see autograd.Conv1d (it reads the length entry, index 1,
// of o's pairs).
func Conv1d(x, w, b *autograd.Tensor, o ConvOptions) *autograd.Tensor {
	return autograd.Conv1d(x, w, b, o)
}

// ConvTranspose2d is torch.nn.functional.conv_transpose2d; see
// autograd.ConvTranspose2d.
func ConvTranspose2d(x, w, b *autograd.Tensor, o ConvOptions, outputPadding [2]int) *autograd.Tensor {
	return autograd.ConvTranspose2d(x, w, b, o, outputPadding)
}
