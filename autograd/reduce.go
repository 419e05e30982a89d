package autograd

import "github.com/adjoint-go/adjoint/tensor"

// Reductions are named as in package tensor: X() over every element (Sum,
// Mean, Max, Min, Prod, LogSumExp, Var, Std, ArgmaxAll, ArgminAll),
// XDims(keepdim, dims...) over several dimensions (SumDims, MeanDims,
// MaxDims, MinDims, ProdDims, LogSumExpDims, VarDims, StdDims), and
// XDim(dim, keepdim) over one dimension with indices (MaxDim, MinDim; Argmax
// and Argmin give the indices alone). Each backward formula brings g back to
// the input's shape: g reshaped to the keepdim shape, then broadcast.

// reduced describes a reduction for its backward formula. It is built after
// the forward value, which has already checked the dimensions.
type reduced struct {
	in      []int // the input's shape
	keep    []int // the input's shape with the reduced dimensions set to 1
	dims    []int // the dimensions as given
	n       int   // elements reduced into each result
	keepdim bool
}

func reducedOf(t *Tensor, keepdim bool, dims []int) *reduced {
	in := t.v.Shape()
	r := &reduced{in: in, keep: append([]int(nil), in...), dims: dims, n: 1, keepdim: keepdim}
	for _, d := range dims {
		if len(in) == 0 {
			continue // a 0-d tensor's dimension 0 has size 1
		}
		if d < 0 {
			d += len(in)
		}
		r.n *= in[d]
		r.keep[d] = 1
	}
	return r
}

func allDims(t *Tensor) []int {
	dims := make([]int, t.v.Dim())
	for i := range dims {
		dims[i] = i
	}
	return dims
}

// kept returns g (of the result's shape) in the keepdim shape, so that it
// broadcasts against the input.
func (r *reduced) kept(g *Tensor) *Tensor {
	if r.keepdim {
		return g
	}
	return g.Reshape(r.keep...)
}

// Sum returns the sum of all elements as a 0-d tensor (0 for an empty
// tensor).
func (t *Tensor) Sum() *Tensor { return wrap1(t.v.Sum(), "Sum", expandBackward, t) }

// expandBackward sends a gradient back to an input it was broadcast from.
func expandBackward(c call, g *Tensor, grads []*Tensor) {
	grads[0] = g.Expand(c.meta(0).shape()...)
}

// Mean returns the mean of all elements as a 0-d tensor (NaN for an empty
// tensor); each element's gradient is g/N.
func (t *Tensor) Mean() *Tensor { return wrap1(t.v.Mean(), "Mean", meanBackward, t) }

func meanBackward(c call, g *Tensor, grads []*Tensor) {
	in := c.meta(0)
	grads[0] = g.MulScalar(1 / float64(in.numel())).Expand(in.shape()...)
}

// SumDims returns the sums over the given dimensions, with keepdim and dims
// as in tensor.SumDims (negative dims count from the end; no dims reduces
// over none; a 0-d tensor takes dim 0 or -1). The gradient of each input
// element is the gradient of its sum.
func (t *Tensor) SumDims(keepdim bool, dims ...int) *Tensor {
	v := t.v.SumDims(keepdim, dims...)
	r := reducedOf(t, keepdim, dims)
	return wrap1(v, "SumDims", func(_ call, g *Tensor, grads []*Tensor) {
		grads[0] = r.kept(g).Expand(r.in...)
	}, t)
}

// MeanDims returns the means over the given dimensions (NaN over a
// dimension of size 0), with keepdim and dims as in SumDims. Each input
// element's gradient is g/N, N the number of elements in its mean.
func (t *Tensor) MeanDims(keepdim bool, dims ...int) *Tensor {
	v := t.v.MeanDims(keepdim, dims...)
	r := reducedOf(t, keepdim, dims)
	return wrap1(v, "MeanDims", func(_ call, g *Tensor, grads []*Tensor) {
		grads[0] = r.kept(g).MulScalar(1 / float64(r.n)).Expand(r.in...)
	}, t)
}

// Max returns the largest element as a 0-d tensor (NaN if any is NaN), like
// torch.max(input). The gradient is shared evenly among the elements equal
// to the maximum (among the NaNs if it is NaN), as in PyTorch. It panics on
// an empty tensor.
func (t *Tensor) Max() *Tensor { return t.extremeDims("Max", t.v.Max(), false, allDims(t)) }

// Min returns the smallest element as a 0-d tensor; see Max.
func (t *Tensor) Min() *Tensor { return t.extremeDims("Min", t.v.Min(), false, allDims(t)) }

// MaxDims returns the largest values over the given dimensions, like
// torch.amax, with keepdim and dims as in SumDims. Each result's gradient
// is shared evenly among the elements equal to it (ties split it). As in
// torch.amax, a group whose result is NaN gets a NaN gradient for every
// element (no element equals NaN; unlike Max, which sends it to the NaNs).
// It panics if a reduced dimension has size 0.
func (t *Tensor) MaxDims(keepdim bool, dims ...int) *Tensor {
	return t.extremeDims("MaxDims", t.v.MaxDims(keepdim, dims...), keepdim, dims)
}

// MinDims returns the smallest values over the given dimensions, like
// torch.amin; see MaxDims.
func (t *Tensor) MinDims(keepdim bool, dims ...int) *Tensor {
	return t.extremeDims("MinDims", t.v.MinDims(keepdim, dims...), keepdim, dims)
}

func (t *Tensor) extremeDims(op string, v *tensor.Tensor, keepdim bool, dims []int) *Tensor {
	r := reducedOf(t, keepdim, dims)
	return wrap1(v, op, func(c call, g *Tensor, grads []*Tensor) {
		x, m := c.input(0).v, c.output().v.Reshape(r.keep...)
		mask := x.Eq(m)
		// Max and Min send a NaN result's gradient to the NaNs, as PyTorch's
		// evenly_distribute_backward. MaxDims and MinDims use torch.amax's
		// formula as it stands: no element equals a NaN result, so its
		// group's count is 0 and every gradient in it is g/0·0 = NaN.
		if (op == "Max" || op == "Min") && m.Ne(m).Sum().Item() > 0 {
			mask = mask.Add(x.Ne(x).Mul(m.Ne(m)))
		}
		count := mask.SumDims(true, r.dims...)
		grads[0] = r.kept(g).Div(From(count)).Mul(From(mask))
	}, t)
}

// MaxDim returns the largest values along dimension dim and their indices
// (float64 tensors of integral values; the first occurrence among ties),
// like torch.max(input, dim, keepdim). Each value's gradient goes to the
// element at its index only; the indices have no gradient. It panics if the
// dimension has size 0 or is out of range.
func (t *Tensor) MaxDim(dim int, keepdim bool) (values, indices *Tensor) {
	v, i := t.v.MaxDim(dim, keepdim)
	return t.indexedDim("MaxDim", v, i, dim, keepdim), From(i)
}

// MinDim returns the smallest values along dimension dim and their
// indices, like torch.min(input, dim, keepdim); see MaxDim.
func (t *Tensor) MinDim(dim int, keepdim bool) (values, indices *Tensor) {
	v, i := t.v.MinDim(dim, keepdim)
	return t.indexedDim("MinDim", v, i, dim, keepdim), From(i)
}

func (t *Tensor) indexedDim(op string, v, idx *tensor.Tensor, dim int, keepdim bool) *Tensor {
	r := reducedOf(t, keepdim, []int{dim})
	var saved edge
	if t.requiresGrad && !t.noGrad {
		saved = save(From(idx.Clone())) // the caller may change the returned indices in place
	}
	return wrap1(v, op, func(c call, g *Tensor, grads []*Tensor) {
		if len(r.in) == 0 {
			grads[0] = g
			return
		}
		d := dim
		if d < 0 {
			d += len(r.in)
		}
		// onehot[..., k, ...] = 1 where k is the index of the result.
		pos := make([]int, len(r.in))
		for i := range pos {
			pos[i] = 1
		}
		pos[d] = r.in[d]
		onehot := tensor.Arange(0, float64(r.in[d]), 1).Reshape(pos...).Eq(c.saved(saved).v.Reshape(r.keep...))
		grads[0] = r.kept(g).Mul(From(onehot))
	}, t)
}

// Argmax returns the index of the largest value along dimension dim, like
// torch.argmax(input, dim, keepdim), as a float64 tensor of integral values
// with no gradient; see tensor.Argmax.
func (t *Tensor) Argmax(dim int, keepdim bool) *Tensor { return From(t.v.Argmax(dim, keepdim)) }

// Argmin returns the index of the smallest value along dimension dim; see
// Argmax.
func (t *Tensor) Argmin(dim int, keepdim bool) *Tensor { return From(t.v.Argmin(dim, keepdim)) }

// ArgmaxAll returns the position of the largest element of the flattened
// tensor as a 0-d tensor with no gradient; see tensor.ArgmaxAll.
func (t *Tensor) ArgmaxAll() *Tensor { return From(t.v.ArgmaxAll()) }

// ArgminAll returns the position of the smallest element of the flattened
// tensor; see ArgmaxAll.
func (t *Tensor) ArgminAll() *Tensor { return From(t.v.ArgminAll()) }

// Prod returns the product of all elements as a 0-d tensor (1 for an empty
// tensor); see ProdDims for its gradient.
func (t *Tensor) Prod() *Tensor { return t.prodDims("Prod", t.v.Prod(), false, allDims(t)) }

// ProdDims returns the products over the given dimensions (1 over a
// dimension of size 0), with keepdim and dims as in SumDims.
//
// The gradient of each element is the product of the others in its group,
// exact when the input has zeros: with one zero in a group only that
// element gets a gradient (the product of the rest), with two or more none
// does. Without zeros it is computed as g·prod/x with differentiable
// operations, so second derivatives are right; when the input has a zero,
// the products of the others are computed directly and held constant, so
// first derivatives are exact but second derivatives through ProdDims of
// an input with zeros are not.
func (t *Tensor) ProdDims(keepdim bool, dims ...int) *Tensor {
	return t.prodDims("ProdDims", t.v.ProdDims(keepdim, dims...), keepdim, dims)
}

func (t *Tensor) prodDims(op string, v *tensor.Tensor, keepdim bool, dims []int) *Tensor {
	r := reducedOf(t, keepdim, dims)
	return wrap1(v, op, func(c call, g *Tensor, grads []*Tensor) {
		x := c.input(0)
		if x.v.Eq(tensor.Scalar(0)).Sum().Item() == 0 {
			grads[0] = r.kept(g.Mul(c.output())).Div(x)
			return
		}
		grads[0] = r.kept(g).Mul(From(tops.ProdOthers(x.v, r.dims)))
	}, t)
}

// LogSumExp returns log(Σ e^x) over all elements as a 0-d tensor, computed
// stably; see LogSumExpDims.
func (t *Tensor) LogSumExp() *Tensor {
	return t.logSumExpDims("LogSumExp", t.v.LogSumExp(), false, allDims(t))
}

// LogSumExpDims returns log(Σ e^x) over the given dimensions, with keepdim
// and dims as in SumDims, computed stably (shifted by the maximum: inputs
// of ±1000 give finite results; a group of all -Inf gives -Inf). The
// gradient is g·e^(x - result), the softmax of the group; as in PyTorch it
// is NaN for a group of all -Inf.
func (t *Tensor) LogSumExpDims(keepdim bool, dims ...int) *Tensor {
	return t.logSumExpDims("LogSumExpDims", t.v.LogSumExpDims(keepdim, dims...), keepdim, dims)
}

func (t *Tensor) logSumExpDims(op string, v *tensor.Tensor, keepdim bool, dims []int) *Tensor {
	r := reducedOf(t, keepdim, dims)
	return wrap1(v, op, func(c call, g *Tensor, grads []*Tensor) {
		x, o := g.asFactor(c.input(0)), g.asFactor(c.output())
		grads[0] = r.kept(g).Mul(x.Sub(r.kept(o)).Exp())
	}, t)
}

// Var returns the variance of all elements as a 0-d tensor, dividing by
// N - correction; see VarDims.
func (t *Tensor) Var(correction int) *Tensor {
	return t.varDims("Var", t.v.Var(correction), correction, false, allDims(t))
}

// VarDims returns the variance over the given dimensions, Σ(x - mean)² /
// (N - correction), with keepdim and dims as in SumDims (correction 1 is
// PyTorch's unbiased default). N <= correction gives +Inf or NaN, as in
// PyTorch. The gradient is g·2(x - mean)/(N - correction).
func (t *Tensor) VarDims(correction int, keepdim bool, dims ...int) *Tensor {
	return t.varDims("VarDims", t.v.VarDims(correction, keepdim, dims...), correction, keepdim, dims)
}

func (t *Tensor) varDims(op string, v *tensor.Tensor, correction int, keepdim bool, dims []int) *Tensor {
	r := reducedOf(t, keepdim, dims)
	div := float64(r.n - correction) // negative above N, as PyTorch's var_backward
	return wrap1(v, op, func(c call, g *Tensor, grads []*Tensor) {
		x := g.asFactor(c.input(0))
		dev := x.Sub(x.MeanDims(true, r.dims...))
		grads[0] = r.kept(g).MulScalar(2 / div).Mul(dev)
	}, t)
}

// Std returns the standard deviation of all elements as a 0-d tensor; see
// StdDims.
func (t *Tensor) Std(correction int) *Tensor {
	return t.stdDims("Std", t.v.Std(correction), correction, false, allDims(t))
}

// StdDims returns the standard deviation over the given dimensions, the
// square root of VarDims(correction, keepdim, dims...). The gradient is
// g·(x - mean)/((N - correction)·std), and 0 where std is 0 (all values of
// the group equal), as in PyTorch.
func (t *Tensor) StdDims(correction int, keepdim bool, dims ...int) *Tensor {
	return t.stdDims("StdDims", t.v.StdDims(correction, keepdim, dims...), correction, keepdim, dims)
}

func (t *Tensor) stdDims(op string, v *tensor.Tensor, correction int, keepdim bool, dims []int) *Tensor {
	r := reducedOf(t, keepdim, dims)
	div := float64(r.n - correction) // negative above N, as PyTorch's
	return wrap1(v, op, func(c call, g *Tensor, grads []*Tensor) {
		x, o := g.asFactor(c.input(0)), g.asFactor(c.output())
		dev := x.Sub(x.MeanDims(true, r.dims...))
		s := o.v.Reshape(r.keep...)
		zero := tensor.Scalar(0)
		// Where std is 0 the denominator is 1 and the numerator 0.
		den := r.kept(o).MulScalar(div).Add(From(s.Eq(zero)))
		grads[0] = r.kept(g).Mul(From(s.Ne(zero))).Div(den).Mul(dev)
	}, t)
}

// Softmax returns e^x / Σ e^x along dim, computed stably (shifted by each
// row's maximum: logits of ±1000 give finite results; a row holding +Inf or
// NaN, or only -Inf, is all NaN), as torch.softmax: one operation, one pass
// per row. With y the result, the gradient is y·(g - Σ g·y) along dim, one
// pass per row outside create-graph mode and written with differentiable
// operations on y in it, so that second derivatives work.
func (t *Tensor) Softmax(dim int) *Tensor {
	return wrap1(tops.Softmax(t.v, dim), "Softmax", func(c call, g *Tensor, grads []*Tensor) {
		if g.noGrad {
			grads[0] = gradOf(tops.SoftmaxGrad(g.v, c.output().v, dim))
			return
		}
		y := c.output()
		gy := g.Mul(y)
		if y.v.Dim() > 0 {
			gy = gy.SumDims(true, dim)
		}
		grads[0] = y.Mul(g.Sub(gy))
	}, t)
}

// LogSoftmax returns x - log Σ e^x along dim, computed stably (x minus each
// row's maximum first: finite for logits of ±1000; a row holding +Inf or
// NaN, or only -Inf, is all NaN), as torch.log_softmax: one operation, one
// pass per row. With y the result, the gradient is g - e^y·Σ g along dim,
// one pass per row outside create-graph mode and written with
// differentiable operations on y in it, so that second derivatives work.
func (t *Tensor) LogSoftmax(dim int) *Tensor {
	return wrap1(tops.LogSoftmax(t.v, dim), "LogSoftmax", func(c call, g *Tensor, grads []*Tensor) {
		if g.noGrad {
			grads[0] = gradOf(tops.LogSoftmaxGrad(g.v, c.output().v, dim))
			return
		}
		y := c.output()
		s := g
		if y.v.Dim() > 0 {
			s = g.SumDims(true, dim)
		}
		grads[0] = g.Sub(y.Exp().Mul(s))
	}, t)
}
