package tensor

import (
	"math"

	"github.com/adjoint-go/adjoint/kernels"
)

// Batch normalisation with the batch's statistics in two passes per
// channel, like PyTorch's native_batch_norm and its backward: package
// autograd's BatchNorm records it as one operation instead of the
// formula's eight. A channel's elements of x [N C S...] are N runs of S
// (the product of the trailing sizes) contiguous elements; each goroutine
// takes whole channels, so every sum runs in one fixed order and the
// results are the same for every GOMAXPROCS.

// bnPlan is x's layout as [N C S].
type bnPlan struct{ n, c, s int }

// count is the elements of one channel.
func (p bnPlan) count() int { return p.n * p.s }

// channels calls fn(c) for every channel, on goroutines that claim them
// when the input is large enough to pay for it.
func (p bnPlan) channels(fn func(c int)) {
	if p.c > 1 && p.n*p.c*p.s > grainMath {
		kernels.ForEach(p.c, fn)
		return
	}
	for c := range p.c {
		fn(c)
	}
}

// runs calls fn(off) with the offset of each of channel c's runs.
func (p bnPlan) runs(c int, fn func(off int)) {
	for i := range p.n {
		fn((i*p.c + c) * p.s)
	}
}

// batchNormShapes checks x [N C ...] and the per-channel w and b (nil for
// none) and returns x's layout.
func batchNormShapes(op string, x, w, b *Tensor) bnPlan {
	shapes := affineShapes(op, x, w, b)
	if len(x.shape) < 2 {
		fail(op, shapes, "input of shape %v: want [N C ...]", x.shape)
	}
	p := bnPlan{n: x.shape[0], c: x.shape[1], s: 1}
	for _, d := range x.shape[2:] {
		p.s *= d
	}
	for _, t := range []*Tensor{w, b} {
		if t != nil && (len(t.shape) != 1 || t.shape[0] != p.c) {
			fail(op, shapes, "per-channel tensor of shape %v for %d channels", t.shape, p.c)
		}
	}
	return p
}

// batchNorm returns (x - mean)·rstd·w + b with each channel's batch mean
// and rstd = 1/√(var + eps), var the population variance, and those means,
// rstds and variances as [C] tensors (the gradient needs the first two,
// the running statistics the first and the last). w and b may be nil. It
// panics with an *Error naming BatchNorm if a channel has fewer than two
// values (PyTorch refuses too: the variance is undefined).
func batchNorm(x, w, b *Tensor, eps float64) (y, mean, rstd, variance *Tensor) {
	const op = "BatchNorm"
	p := batchNormShapes(op, x, w, b)
	if p.count() <= 1 {
		fail(op, [][]int{x.shape}, "expected more than 1 value per channel when training, got input of shape %v", x.shape)
	}
	y = uninit(op, x.shape)
	mean, rstd, variance = uninit(op, []int{p.c}), uninit(op, []int{p.c}), uninit(op, []int{p.c})
	xd, yd := x.contiguousData(), y.st.data
	var wd, bd []float64
	if w != nil {
		wd = w.contiguousData()
	}
	if b != nil {
		bd = b.contiguousData()
	}
	n := float64(p.count())
	p.channels(func(c int) {
		s := 0.0
		p.runs(c, func(off int) { s += sumRun(xd[off : off+p.s]) })
		m := s / n
		ss := 0.0
		p.runs(c, func(off int) {
			yr := yd[off : off+p.s]
			kernels.SubScalar(yr, xd[off:off+p.s], m)
			ss += kernels.Dot(yr, yr)
		})
		v := ss / n
		rs := 1 / math.Sqrt(v+eps)
		p.runs(c, func(off int) {
			yr := yd[off : off+p.s]
			kernels.MulScalar(yr, yr, rs)
			if wd != nil {
				kernels.MulScalar(yr, yr, wd[c])
			}
			if bd != nil {
				kernels.AddScalar(yr, yr, bd[c])
			}
		})
		mean.st.data[c], rstd.st.data[c], variance.st.data[c] = m, rs, v
	})
	return y, mean, rstd, variance
}

// batchNormGrad returns the gradients of batchNorm's input, weight and
// bias (those asked for; nil otherwise) from its result's gradient g, the
// input x, the channels' mean and rstd that batchNorm returned and the
// weight w (nil for none). With x̂ = (x - mean)·rstd and ĝ = g·w, each
// channel's
//
//	dx = rstd·(ĝ - mean(ĝ) - x̂·mean(ĝ·x̂))
//
// and dw = Σ g·x̂, db = Σ g over the channel.
func batchNormGrad(g, x, mean, rstd, w *Tensor, needX, needW, needB bool) (dx, dw, db *Tensor) {
	const op = "BatchNormGrad"
	mustTensor(op, "gradient g", g)
	mustTensor(op, "mean", mean)
	mustTensor(op, "rstd", rstd)
	p := batchNormShapes(op, x, w, nil)
	g.live(op)
	if !sameShape(g.shape, x.shape) || mean.Numel() != p.c || rstd.Numel() != p.c {
		fail(op, [][]int{g.shape, x.shape, mean.shape, rstd.shape}, "gradient of shape %v, means of shape %v and rstds of shape %v for an input of shape %v", g.shape, mean.shape, rstd.shape, x.shape)
	}
	if needX {
		dx = uninit(op, x.shape)
	}
	if needW {
		dw = uninit(op, []int{p.c})
	}
	if needB {
		db = uninit(op, []int{p.c})
	}
	gd, xd, md, rd := g.contiguousData(), x.contiguousData(), mean.contiguousData(), rstd.contiguousData()
	var wd []float64
	if w != nil {
		wd = w.contiguousData()
	}
	n := float64(p.count())
	p.channels(func(c int) {
		buf := scratchPool.Get().(*[scratchLen]float64)
		defer scratchPool.Put(buf)
		m, rs, wc := md[c], rd[c], 1.0
		if wd != nil {
			wc = wd[c]
		}
		// x̂ of a run, a block at a time, into buf.
		xhat := func(off, lo, hi int) []float64 {
			h := buf[:hi-lo]
			kernels.SubScalar(h, xd[off+lo:off+hi], m)
			kernels.MulScalar(h, h, rs)
			return h
		}
		sg, sgx := 0.0, 0.0 // Σ g and Σ g·x̂
		p.runs(c, func(off int) {
			for lo := 0; lo < p.s; lo += scratchLen {
				hi := min(lo+scratchLen, p.s)
				gr := gd[off+lo : off+hi]
				sg += sumRun(gr)
				sgx += kernels.Dot(gr, xhat(off, lo, hi))
			}
		})
		if dw != nil {
			dw.st.data[c] = sgx
		}
		if db != nil {
			db.st.data[c] = sg
		}
		if dx == nil {
			return
		}
		// With ĝ = g·w: mean(ĝ) = w·Σg/n, mean(ĝ·x̂) = w·Σg·x̂/n.
		s1, s2 := wc*sg/n, wc*sgx/n
		p.runs(c, func(off int) {
			for lo := 0; lo < p.s; lo += scratchLen {
				hi := min(lo+scratchLen, p.s)
				d := dx.st.data[off+lo : off+hi]
				kernels.MulScalar(d, gd[off+lo:off+hi], wc)
				kernels.SubScalar(d, d, s1)
				kernels.Axpy(-s2, xhat(off, lo, hi), d)
				kernels.MulScalar(d, d, rs)
			}
		})
	})
	return dx, dw, db
}
