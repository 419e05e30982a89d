package autograd

import (
	"slices"

	"github.com/adjoint-go/adjoint/tensor"
)

// LayerNorm normalises x over its last len(shape) dimensions, which must
// equal shape, to zero mean and unit population variance, then scales by
// weight and adds bias (each of that shape, or nil):
// torch.nn.functional.layer_norm, as one operation. With mean and var of
// each row (the normalised elements of one position),
//
//	y = (x - mean)·rstd·weight + bias    rstd = 1/√(var + eps)
//
// computed in one pass per row; the rows' means and rstds are kept for the
// gradient. With x̂ = (x - mean)·rstd and ĝ = g·weight, the gradient is
//
//	dx = rstd·(ĝ - mean(ĝ) - x̂·mean(ĝ·x̂))    dweight = Σ g·x̂    dbias = Σ g
//
// (means over each row, sums over the rows), in one pass per row outside
// create-graph mode and written with differentiable operations in it, so
// that second derivatives work. It panics with a *tensor.Error naming
// LayerNorm and the shapes if they do not fit.
func LayerNorm(x *Tensor, shape []int, weight, bias *Tensor, eps float64) *Tensor {
	const op = "LayerNorm"
	xv := arg(op, "the input", x)
	xs, k := xv.Shape(), len(shape)
	if k == 0 || k > len(xs) || !slices.Equal(xs[len(xs)-k:], shape) {
		tensor.Panicf("autograd", op, [][]int{xs, shape}, "normalized shape %v does not end the input shape %v", shape, xs)
	}
	for i, p := range []*Tensor{weight, bias} {
		if p != nil && !slices.Equal(p.v.Shape(), shape) {
			tensor.Panicf("autograd", op, [][]int{shape, p.v.Shape()}, "%s of shape %v, want the normalized shape %v", [2]string{"weight", "bias"}[i], p.v.Shape(), shape)
		}
	}
	inputs, wi, bi := affineInputs(x, weight, bias)
	y, mean, rstd := tops.LayerNorm(xv, valueOf(weight), valueOf(bias), k, eps)
	if !records(inputs) {
		tops.Recycle(mean)
		tops.Recycle(rstd)
		return wrapN(y, op, nil, inputs)
	}
	meanE, rstdE := save(From(mean)), save(From(rstd))
	return wrapN(y, op, func(c call, g *Tensor, grads []*Tensor) {
		if g.noGrad {
			normGrad(c, g, grads, wi, bi, meanE, rstdE, func(g, x, m, r, w *tensor.Tensor, needX, needW, needB bool) (dx, dw, db *tensor.Tensor) {
				return tops.LayerNormGrad(g, x, m, r, w, k, needX, needW, needB)
			})
			return
		}
		// create-graph mode: the formula, on the row statistics recomputed
		// differentiably from x.
		dims := make([]int, k)
		for i := range dims {
			dims[i] = -1 - i
		}
		normFormula(c, g, grads, wi, bi, dims, eps, func(w *Tensor) *Tensor { return w },
			func(t *Tensor, i int) *Tensor { return t.sumTo(c.meta(i)) })
	}, inputs)
}

// BatchNorm normalises each channel of x [N C ...] by the batch's mean and
// population variance over every dimension but the channel's, then scales
// by weight and adds bias ([C] each, or nil): torch.nn.functional.batch_norm
// in training mode, as one operation (functional.BatchNorm adds the running
// statistics and the evaluation mode). It returns the result and, as
// constants, the channels' batch means and population variances [C] (for
// running statistics). With x̂ = (x - mean)·rstd and ĝ = g·weight, the
// gradient is
//
//	dx = rstd·(ĝ - mean(ĝ) - x̂·mean(ĝ·x̂))    dweight = Σ g·x̂    dbias = Σ g
//
// (means and sums over each channel), in two passes per channel outside
// create-graph mode and written with differentiable operations in it, so
// that second derivatives work. It panics with a *tensor.Error naming
// BatchNorm if the shapes do not fit or a channel has one value.
func BatchNorm(x, weight, bias *Tensor, eps float64) (y, mean, variance *Tensor) {
	const op = "BatchNorm"
	xv := arg(op, "the input", x)
	inputs, wi, bi := affineInputs(x, weight, bias)
	yv, m, rstd, v := tops.BatchNorm(xv, valueOf(weight), valueOf(bias), eps)
	mean, variance = &Tensor{v: m, noGrad: true}, &Tensor{v: v, noGrad: true}
	if !records(inputs) {
		tops.Recycle(rstd)
		return wrapN(yv, op, nil, inputs), mean, variance
	}
	meanE, rstdE := save(From(m.Clone())), save(From(rstd))
	return wrapN(yv, op, func(c call, g *Tensor, grads []*Tensor) {
		if g.noGrad {
			normGrad(c, g, grads, wi, bi, meanE, rstdE, tops.BatchNormGrad)
			return
		}
		// create-graph mode: the formula, on the channel statistics
		// recomputed differentiably from x.
		xs := c.meta(0).shape()
		dims, bshape := []int{0}, make([]int, len(xs))
		for i := range bshape {
			bshape[i] = 1
		}
		bshape[1] = xs[1]
		for d := 2; d < len(xs); d++ {
			dims = append(dims, d)
		}
		normFormula(c, g, grads, wi, bi, dims, eps, func(w *Tensor) *Tensor { return w.Reshape(bshape...) },
			func(t *Tensor, _ int) *Tensor { return t.SumDims(false, dims...) })
	}, inputs), mean, variance
}

// affineInputs returns x, weight and bias (those not nil) as an
// operation's inputs, and the positions of weight and bias among them (-1
// for nil).
func affineInputs(x, weight, bias *Tensor) (inputs []*Tensor, wi, bi int) {
	inputs, wi, bi = []*Tensor{x}, -1, -1
	if weight != nil {
		wi, inputs = len(inputs), append(inputs, weight)
	}
	if bias != nil {
		bi, inputs = len(inputs), append(inputs, bias)
	}
	return inputs, wi, bi
}

// valueOf returns t's value, or nil for a nil t.
func valueOf(t *Tensor) *tensor.Tensor {
	if t == nil {
		return nil
	}
	return t.v
}

// normGrad is a normalisation's fused gradient outside create-graph mode:
// grad computes the gradients of x, the weight and the bias (at positions
// 0, wi and bi; -1 for none) from g, x, the saved statistics and the
// weight, and the statistics go back to the pool when the graph is freed.
func normGrad(c call, g *Tensor, grads []*Tensor, wi, bi int, meanE, rstdE edge,
	grad func(g, x, mean, rstd, w *tensor.Tensor, needX, needW, needB bool) (dx, dw, db *tensor.Tensor)) {
	var wv *tensor.Tensor
	if wi >= 0 {
		wv = c.input(wi).v
	}
	m, r := c.saved(meanE).v, c.saved(rstdE).v
	dx, dw, db := grad(g.v, c.input(0).v, m, r, wv, c.needs(0), wi >= 0 && c.needs(wi), bi >= 0 && c.needs(bi))
	if c.final {
		tops.Recycle(m) // no other backward will run through this node
		tops.Recycle(r)
	}
	for i, d := range []*tensor.Tensor{dx, dw, db} {
		if d != nil {
			grads[[3]int{0, wi, bi}[i]] = gradOf(d)
		}
	}
}

// normFormula is a normalisation's gradient in create-graph mode: with the
// statistics over dims recomputed differentiably from x, x̂ = (x -
// mean)·rstd and ĝ = g·expand(weight),
//
//	dx = rstd·(ĝ - mean(ĝ) - x̂·mean(ĝ·x̂))    dweight = Σ g·x̂    dbias = Σ g
//
// where reduce(t, i) sums t, of x's shape, to the shape of input i.
func normFormula(c call, g *Tensor, grads []*Tensor, wi, bi int, dims []int, eps float64,
	expand func(w *Tensor) *Tensor, reduce func(t *Tensor, i int) *Tensor) {
	x := c.input(0)
	rs := x.VarDims(0, true, dims...).AddScalar(eps).Rsqrt()
	xh := x.Sub(x.MeanDims(true, dims...)).Mul(rs)
	if c.needs(0) {
		gh := g
		if wi >= 0 {
			gh = g.Mul(expand(c.input(wi)))
		}
		grads[0] = gh.Sub(gh.MeanDims(true, dims...)).Sub(xh.Mul(gh.Mul(xh).MeanDims(true, dims...))).Mul(rs)
	}
	if wi >= 0 && c.needs(wi) {
		grads[wi] = reduce(g.Mul(xh), wi)
	}
	if bi >= 0 && c.needs(bi) {
		grads[bi] = reduce(g, bi)
	}
}
