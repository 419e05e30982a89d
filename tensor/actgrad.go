package tensor

import (
	"math"

	"github.com/adjoint-go/adjoint/kernels"
)

// Fused activation gradients: the backward of an elementwise activation in
// one pass over the incoming gradient and the saved input or output, with
// no temporaries, like PyTorch's tanh_backward, sigmoid_backward,
// gelu_backward and silu_backward. Package autograd uses them when the
// backward pass records no graph; each gives the same values as the
// composite formula (the same operations in the same order, each product
// rounded: the explicit float64 conversions stop the arm64 compiler from
// fusing a multiply and an add, which the formula's separate operations
// cannot do).

// tanhGrad returns g·(1 - y²) for y = tanh(x), the gradient of Tanh. g and
// y must have the same shape; otherwise it panics with an *Error naming
// TanhGrad and the shapes.
func tanhGrad(g, y *Tensor) *Tensor {
	return actGrad("TanhGrad", g, y, grainCheap, func(dst, g, y []float64) {
		y = y[:len(dst)]
		for i, v := range y {
			dst[i] = g[i] * (-float64(v*v) + 1) // rounded product, as the formula's Mul gives
		}
	})
}

// sigmoidGrad returns g·(1 - y)·y for y = sigmoid(x), the gradient of
// Sigmoid. g and y must have the same shape; otherwise it panics with an
// *Error naming SigmoidGrad and the shapes.
func sigmoidGrad(g, y *Tensor) *Tensor {
	return actGrad("SigmoidGrad", g, y, grainCheap, func(dst, g, y []float64) {
		y = y[:len(dst)]
		for i, v := range y {
			dst[i] = g[i] * (-v + 1) * v
		}
	})
}

// GELUGrad returns g·(Φ(x) + x·φ(x)), the gradient of GELU (the erf form)
// at x, where Φ and φ are the standard normal CDF and density, from x and
// the forward pass's y = GELU(x) = x·Φ(x): Φ(x) is y/x (within two ulps;
// an erf per element cost more than half the time of a transformer's MLP
// backward), 1/2 where |x| is below 1e-150 (Φ is 1/2 to the last bit there
// and y/x would lose bits to subnormals), and erf itself at infinities and
// NaN; φ comes from the vector kernels.Exp. g, x and y must have the same
// shape; otherwise it panics with an *Error naming GELUGrad and the shapes.
func geluGrad(g, x, y *Tensor) *Tensor {
	const op = "GELUGrad"
	mustTensor(op, "gradient g", g)
	mustTensor(op, "second argument", x)
	mustTensor(op, "output y", y)
	if !sameShape(g.shape, x.shape) || !sameShape(y.shape, x.shape) {
		fail(op, [][]int{g.shape, x.shape, y.shape}, "gradient of shape %v and output of shape %v for a tensor of shape %v", g.shape, y.shape, x.shape)
	}
	out := uninit(op, g.shape)
	od := out.st.data
	if len(g.shape) == 0 {
		od = od[:1]
	}
	gd, xd, yd := g.contiguousData(), x.contiguousData(), y.contiguousData()
	kernels.Parallel(len(od), grainCheap, func(lo, hi int) { geluGradRange(od[lo:hi], gd[lo:hi], xd[lo:hi], yd[lo:hi]) })
	return out
}

func geluGradRange(dst, g, x, y []float64) {
	g, x, y = g[:len(dst)], x[:len(dst)], y[:len(dst)]
	for i, v := range x {
		dst[i] = v * v * -0.5
	}
	kernels.Exp(dst, dst)
	for i, v := range x {
		pdf := dst[i] * geluPDF
		var cdf float64
		switch a := math.Abs(v); {
		case a < 1e-150:
			cdf = 0.5
		case a <= math.MaxFloat64:
			cdf = y[i] / v
		default: // ±Inf or NaN
			cdf = (math.Erf(v*sqrt1_2) + 1) * 0.5
		}
		dst[i] = g[i] * (cdf + float64(v*pdf))
	}
}

// geluTanhGrad returns the gradient of GELUTanh at x,
// g·((1 + th)/2 + x/2·(1 - th²)·β·(1 + 3κx²)) with th = tanh(β·(x + κx³)),
// in one pass of vector kernels taking the formula's steps in its order,
// each rounded. g and x must have the same shape; otherwise it panics with
// an *Error naming GELUTanhGrad and the shapes.
func geluTanhGrad(g, x *Tensor) *Tensor {
	return actGrad("GELUTanhGrad", g, x, vmathGrain(), func(dst, g, x []float64) {
		var bufs [3]*[scratchLen]float64
		for i := range bufs {
			bufs[i] = scratchPool.Get().(*[scratchLen]float64)
			defer scratchPool.Put(bufs[i])
		}
		for lo := 0; lo < len(dst); lo += scratchLen {
			hi := min(lo+scratchLen, len(dst))
			d, gb, xb := dst[lo:hi], g[lo:hi], x[lo:hi]
			xsq, th, r := bufs[0][:hi-lo], bufs[1][:hi-lo], bufs[2][:hi-lo]
			kernels.Mul(xsq, xb, xb)
			geluTanhInner(th, xb, xsq)
			kernels.AddScalar(d, th, 1) // left: (1 + th)/2
			kernels.MulScalar(d, d, 0.5)
			kernels.Mul(r, th, th) // right: x/2·(1 - th²)·β·(1 + 3κx²)
			kernels.Neg(r, r)
			kernels.AddScalar(r, r, 1)
			kernels.MulScalar(th, xb, 0.5)
			kernels.Mul(r, th, r)
			kernels.MulScalar(xsq, xsq, 3*geluKappa)
			kernels.AddScalar(xsq, xsq, 1)
			kernels.MulScalar(xsq, xsq, geluBeta)
			kernels.Mul(r, r, xsq)
			kernels.Add(d, d, r)
			kernels.Mul(d, gb, d)
		}
	})
}

// SiLUGrad returns g·s·(1 + x·(1 - s)) with s = sigmoid(x), the gradient of
// SiLU at x. g and x must have the same shape; otherwise it panics with an
// *Error naming SiLUGrad and the shapes.
func siluGrad(g, x *Tensor) *Tensor {
	return actGrad("SiLUGrad", g, x, vmathGrain(), func(dst, g, x []float64) {
		kernels.Sigmoid(dst, x[:len(dst)])
		x = x[:len(dst)]
		for i, v := range x {
			s := dst[i]
			dst[i] = g[i] * s * (float64(v*(-s+1)) + 1) // rounded product, as the formula's Mul gives
		}
	})
}

// softplusGrad returns the gradient of Softplus (beta 1, threshold 20) at
// x: g where x > 20 (where Softplus is x itself) and g·sigmoid(x)
// elsewhere. g and x must have the same shape; otherwise it panics with an
// *Error naming SoftplusGrad and the shapes.
func softplusGrad(g, x *Tensor) *Tensor {
	return actGrad("SoftplusGrad", g, x, vmathGrain(), func(dst, g, x []float64) {
		kernels.Sigmoid(dst, x[:len(dst)])
		x = x[:len(dst)]
		for i, v := range x {
			if v > 20 {
				dst[i] = g[i]
			} else {
				dst[i] = g[i] * dst[i]
			}
		}
	})
}

// actGrad runs f(dst, g, x) over the elements of g and x (same shape) into
// a new tensor, across goroutines above grain elements.
func actGrad(op string, g, x *Tensor, grain int, f func(dst, g, x []float64)) *Tensor {
	mustTensor(op, "gradient g", g)
	mustTensor(op, "second argument", x)
	if !sameShape(g.shape, x.shape) {
		fail(op, [][]int{g.shape, x.shape}, "gradient of shape %v for a tensor of shape %v", g.shape, x.shape)
	}
	out := uninit(op, g.shape)
	od := out.st.data
	if len(g.shape) == 0 {
		od = out.st.data[:1]
	}
	gd, xd := g.contiguousData(), x.contiguousData()
	if len(od) <= grain {
		f(od, gd, xd)
	} else {
		kernels.Parallel(len(od), grain, func(lo, hi int) { f(od[lo:hi], gd[lo:hi], xd[lo:hi]) })
	}
	return out
}

// thresholdGrad returns the gradient of ReLU-like operations: 0 where x <=
// threshold and g elsewhere (NaNs in x pass g), in one pass, like PyTorch's
// threshold_backward. g and x must have the same shape; otherwise
// it panics with an *Error naming ThresholdGrad and the shapes.
func thresholdGrad(g, x *Tensor, threshold float64) *Tensor {
	mustTensor("ThresholdGrad", "gradient g", g)
	mustTensor("ThresholdGrad", "input x", x)
	if !sameShape(g.shape, x.shape) {
		fail("ThresholdGrad", [][]int{g.shape, x.shape}, "gradient of shape %v for a tensor of shape %v", g.shape, x.shape)
	}
	if len(g.shape) == 0 {
		if x.Item() <= threshold {
			return newScalar(0)
		}
		return newScalar(g.Item())
	}
	out := uninit("ThresholdGrad", g.shape)
	od := out.st.data
	gd, xd := g.contiguousData(), x.contiguousData()
	if len(od) <= grainCheap {
		thresholdGradRange(od, gd, xd, threshold) // no closure to allocate
	} else {
		kernels.Parallel(len(od), grainCheap, func(lo, hi int) { thresholdGradRange(od[lo:hi], gd[lo:hi], xd[lo:hi], threshold) })
	}
	return out
}

// thresholdGradRange writes g where x > threshold (or x is NaN) and +0
// elsewhere: kernels.MaskAbove, a compare and a mask per vector rather
// than a branch per element (on data whose signs are random, as a ReLU's
// input is, a branch is mispredicted half the time).
func thresholdGradRange(o, g, x []float64, threshold float64) { kernels.MaskAbove(o, g, x, threshold) }
