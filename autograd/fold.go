package autograd

import "github.com/adjoint-go/adjoint/tensor"

// Unfold extracts the sliding windows of x [N C H W] as the columns of
// [N, C·kh·kw, L], like torch.nn.functional.unfold; see tensor.Unfold. Its
// gradient is Fold of the output's gradient, and Fold's is Unfold, so each
// is the other's backward and second derivatives work.
func Unfold(x *Tensor, w tensor.Window) *Tensor {
	v := tensor.Unfold(arg("Unfold", "the input", x), w)
	size := [2]int{x.v.Size(2), x.v.Size(3)}
	return wrap1(v, "Unfold", func(_ call, g *Tensor, grads []*Tensor) {
		grads[0] = Fold(g, size, w)
	}, x)
}

// Fold sums the columns of x [N, C·kh·kw, L] back into images [N C H W] of
// outputSize, like torch.nn.functional.fold; see tensor.Fold. Its gradient
// is Unfold of the output's gradient.
func Fold(x *Tensor, outputSize [2]int, w tensor.Window) *Tensor {
	v := tensor.Fold(arg("Fold", "the input", x), outputSize, w)
	return wrap1(v, "Fold", func(_ call, g *Tensor, grads []*Tensor) {
		grads[0] = Unfold(g, w)
	}, x)
}
