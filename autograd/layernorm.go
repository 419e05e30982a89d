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
	inputs := []*Tensor{x}
	wi, bi := -1, -1
	var wv, bv *tensor.Tensor
	for i, p := range []*Tensor{weight, bias} {
		if p == nil {
			continue
		}
		if !slices.Equal(p.v.Shape(), shape) {
			tensor.Panicf("autograd", op, [][]int{shape, p.v.Shape()}, "%s of shape %v, want the normalized shape %v", [2]string{"weight", "bias"}[i], p.v.Shape(), shape)
		}
		if i == 0 {
			wi, wv = len(inputs), p.v
		} else {
			bi, bv = len(inputs), p.v
		}
		inputs = append(inputs, p)
	}
	y, mean, rstd := tops.LayerNorm(xv, wv, bv, k, eps)
	record, noGrad := false, false
	for _, in := range inputs {
		record = record || in.requiresGrad
		noGrad = noGrad || in.noGrad
	}
	if !record || noGrad {
		tops.Recycle(mean)
		tops.Recycle(rstd)
		return wrapN(y, op, nil, inputs)
	}
	meanE, rstdE := save(From(mean)), save(From(rstd))
	return wrapN(y, op, func(c call, g *Tensor, grads []*Tensor) {
		x := c.input(0)
		var w *Tensor
		if wi >= 0 {
			w = c.input(wi)
		}
		needW, needB := wi >= 0 && c.needs(wi), bi >= 0 && c.needs(bi)
		if g.noGrad {
			var wv *tensor.Tensor
			if w != nil {
				wv = w.v
			}
			m, r := c.saved(meanE).v, c.saved(rstdE).v
			dx, dw, db := tops.LayerNormGrad(g.v, x.v, m, r, wv, k, c.needs(0), needW, needB)
			if c.final {
				tops.Recycle(m) // no other backward will run through this node
				tops.Recycle(r)
			}
			if dx != nil {
				grads[0] = gradOf(dx)
			}
			if dw != nil {
				grads[wi] = gradOf(dw)
			}
			if db != nil {
				grads[bi] = gradOf(db)
			}
			return
		}
		// create-graph mode: the formula, on the row statistics recomputed
		// differentiably from x.
		dims := make([]int, k)
		for i := range dims {
			dims[i] = -1 - i
		}
		rs := x.VarDims(0, true, dims...).AddScalar(eps).Rsqrt()
		xh := x.Sub(x.MeanDims(true, dims...)).Mul(rs)
		if c.needs(0) {
			gh := g
			if w != nil {
				gh = g.Mul(w)
			}
			grads[0] = gh.Sub(gh.MeanDims(true, dims...)).Sub(xh.Mul(gh.Mul(xh).MeanDims(true, dims...))).Mul(rs)
		}
		if needW {
			grads[wi] = g.Mul(xh).sumTo(c.meta(wi))
		}
		if needB {
			grads[bi] = g.sumTo(c.meta(bi))
		}
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
	inputs := []*Tensor{x}
	wi, bi := -1, -1
	var wv, bv *tensor.Tensor
	if weight != nil {
		wi, wv = len(inputs), weight.v
		inputs = append(inputs, weight)
	}
	if bias != nil {
		bi, bv = len(inputs), bias.v
		inputs = append(inputs, bias)
	}
	yv, m, rstd, v := tops.BatchNorm(xv, wv, bv, eps)
	mean, variance = &Tensor{v: m, noGrad: true}, &Tensor{v: v, noGrad: true}
	record, noGrad := false, false
	for _, in := range inputs {
		record = record || in.requiresGrad
		noGrad = noGrad || in.noGrad
	}
	if !record || noGrad {
		tops.Recycle(rstd)
		return wrapN(yv, op, nil, inputs), mean, variance
	}
	meanE, rstdE := save(From(m.Clone())), save(From(rstd))
	return wrapN(yv, op, func(c call, g *Tensor, grads []*Tensor) {
		x := c.input(0)
		var w *Tensor
		if wi >= 0 {
			w = c.input(wi)
		}
		needW, needB := wi >= 0 && c.needs(wi), bi >= 0 && c.needs(bi)
		if g.noGrad {
			var wv *tensor.Tensor
			if w != nil {
				wv = w.v
			}
			m, r := c.saved(meanE).v, c.saved(rstdE).v
			dx, dw, db := tops.BatchNormGrad(g.v, x.v, m, r, wv, c.needs(0), needW, needB)
			if c.final {
				tops.Recycle(m) // no other backward will run through this node
				tops.Recycle(r)
			}
			if dx != nil {
				grads[0] = gradOf(dx)
			}
			if dw != nil {
				grads[wi] = gradOf(dw)
			}
			if db != nil {
				grads[bi] = gradOf(db)
			}
			return
		}
		// create-graph mode: the formula, on the channel statistics
		// recomputed differentiably from x.
		xs := x.v.Shape()
		dims, bshape := []int{0}, make([]int, len(xs))
		for i := range bshape {
			bshape[i] = 1
		}
		bshape[1] = xs[1]
		for d := 2; d < len(xs); d++ {
			dims = append(dims, d)
		}
		rs := x.VarDims(0, true, dims...).AddScalar(eps).Rsqrt()
		xh := x.Sub(x.MeanDims(true, dims...)).Mul(rs)
		if c.needs(0) {
			gh := g
			if w != nil {
				gh = g.Mul(w.Reshape(bshape...))
			}
			grads[0] = gh.Sub(gh.MeanDims(true, dims...)).Sub(xh.Mul(gh.Mul(xh).MeanDims(true, dims...))).Mul(rs)
		}
		if needW {
			grads[wi] = g.Mul(xh).SumDims(false, dims...)
		}
		if needB {
			grads[bi] = g.SumDims(false, dims...)
		}
	}, inputs), mean, variance
}
