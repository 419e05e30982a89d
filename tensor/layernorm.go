package tensor

import (
	"math"

	"github.com/adjoint-go/adjoint/kernels"
)

// Layer normalisation in one pass per row, like PyTorch's native_layer_norm
// and its backward: package autograd's LayerNorm records it as one
// operation instead of the eight (mean, variance, subtraction, ...) that
// the formula takes, each of which read and wrote the whole input. A row
// is the d elements of the normalised trailing dimensions.
//
// The rows are cut into chunks fixed by the shapes alone; goroutines claim
// chunks (kernels.ForEach). The backward's weight and bias gradients are
// summed per chunk and the chunks' sums added in chunk order, so the
// results are the same for every GOMAXPROCS.

const (
	// lnChunkWork is the elements a chunk of rows holds at least.
	lnChunkWork = 1 << 15
	// lnMaxChunks bounds the chunks, and so the backward's partial sums.
	lnMaxChunks = 16
)

// lnSplit is the elements from which the chunks run on several
// goroutines; below it, one goroutine runs them in order. A row costs a
// dozen short kernel calls (about 2.5 ns an element in the backward), so
// the rows split from grainMath, as the transcendental ops do: on the
// 2-vCPU KVM guest with its vCPUs far apart, the charlm step's five layer
// norms of [2048 64] took 1.54-1.60 ms in backward on two threads split
// against 1.83-1.95 ms unsplit (one thread: 1.94-2.18 ms). (A variable so
// that tests can lower it.)
var lnSplit = grainMath

// lnPlan is a layer norm's rows and chunks.
type lnPlan struct {
	rows, d, per, chunks int
}

func planLayerNorm(rows, d int) lnPlan {
	p := lnPlan{rows: rows, d: d}
	if rows == 0 || d == 0 {
		return p
	}
	p.per = max((lnChunkWork+d-1)/d, (rows+lnMaxChunks-1)/lnMaxChunks, 1)
	p.chunks = (rows + p.per - 1) / p.per
	return p
}

// each calls fn for every chunk of rows [r0, r1).
func (p lnPlan) each(fn func(chunk, r0, r1 int)) {
	run := func(c int) { fn(c, c*p.per, min(p.rows, (c+1)*p.per)) }
	if p.chunks > 1 && p.rows*p.d > lnSplit {
		kernels.ForEach(p.chunks, run)
		return
	}
	for c := range p.chunks {
		run(c)
	}
}

// affineShapes checks that x (not nil) and the optional weight w and bias
// b (nil for none) of a normalisation are live, and returns the shapes of
// those given, for its errors.
func affineShapes(op string, x, w, b *Tensor) [][]int {
	mustTensor(op, "input x", x)
	x.live(op)
	shapes := [][]int{x.shape}
	for _, p := range []*Tensor{w, b} {
		if p != nil {
			p.live(op)
			shapes = append(shapes, p.shape)
		}
	}
	return shapes
}

// layerNormShapes checks x, w and b for a layer norm over x's last k
// dimensions and returns the rows and the row length d.
func layerNormShapes(op string, x, w, b *Tensor, k int) (rows, d int) {
	shapes := affineShapes(op, x, w, b)
	if k < 1 || k > len(x.shape) {
		fail(op, shapes, "cannot normalise the last %d dimensions of an input of shape %v", k, x.shape)
	}
	norm := x.shape[len(x.shape)-k:]
	for _, p := range []*Tensor{w, b} {
		if p != nil && !sameShape(p.shape, norm) {
			fail(op, shapes, "affine parameter of shape %v for the normalised shape %v", p.shape, norm)
		}
	}
	d = 1
	for _, s := range norm {
		d *= s
	}
	if d == 0 {
		return 0, 0
	}
	return x.Numel() / d, d
}

// layerNorm returns (x - mean)·rstd·w + b over x's last k dimensions, with
// mean and rstd = 1/√(var + eps) (the population variance) of each row,
// and those means and rstds as [rows] tensors for the gradient. w and b
// may be nil. Each row takes the steps of the formula in its order, each
// rounded: the mean and the variance as MeanDims and VarDims take them.
func layerNorm(x, w, b *Tensor, k int, eps float64) (y, mean, rstd *Tensor) {
	const op = "LayerNorm"
	rows, d := layerNormShapes(op, x, w, b, k)
	y = uninit(op, x.shape)
	mean, rstd = uninit(op, []int{rows}), uninit(op, []int{rows})
	p := planLayerNorm(rows, d)
	if p.chunks == 0 {
		return y, mean, rstd
	}
	xd, yd, md, rd := x.contiguousData(), y.st.data, mean.st.data, rstd.st.data
	var wd, bd []float64
	if w != nil {
		wd = w.contiguousData()
	}
	if b != nil {
		bd = b.contiguousData()
	}
	n := float64(d)
	p.each(func(_, r0, r1 int) {
		for r := r0; r < r1; r++ {
			xr, yr := xd[r*d:(r+1)*d], yd[r*d:(r+1)*d]
			m := sumRun(xr) / n
			kernels.SubScalar(yr, xr, m)
			rs := 1 / math.Sqrt(rowSqDev(yr)/n+eps)
			kernels.MulScalar(yr, yr, rs)
			if wd != nil {
				kernels.Mul(yr, yr, wd)
			}
			if bd != nil {
				kernels.Add(yr, yr, bd)
			}
			md[r], rd[r] = m, rs
		}
	})
	return y, mean, rstd
}

// rowSqDev is sqDevRun for one row, on the calling goroutine, from the
// row's deviations from its mean, dev: the same squares summed in the same
// blocks and order as sqDevRun's (sqDev sums a block's squares with one
// Dot per scratchLen elements).
func rowSqDev(dev []float64) float64 {
	var s float64
	for blk := 0; blk < len(dev); blk += kernels.ReduceChunk {
		b, t := dev[blk:min(blk+kernels.ReduceChunk, len(dev))], 0.0
		for lo := 0; lo < len(b); lo += scratchLen {
			c := b[lo:min(lo+scratchLen, len(b))]
			t += kernels.Dot(c, c)
		}
		if blk == 0 {
			s = t // kernels.Reduce starts from the first block's sum
		} else {
			s += t
		}
	}
	return s
}

// layerNormGrad returns the gradients of layerNorm's input, weight and
// bias (those asked for; nil otherwise) from its result's gradient g, the
// input x, the rows' mean and rstd that layerNorm returned and the weight w
// (nil for none). With x̂ = (x - mean)·rstd and ĝ = g·w, each row's
//
//	dx = rstd·(ĝ - mean(ĝ) - x̂·mean(ĝ·x̂))
//
// and dw = Σ g·x̂, db = Σ g over the rows.
func layerNormGrad(g, x, mean, rstd, w *Tensor, k int, needX, needW, needB bool) (dx, dw, db *Tensor) {
	const op = "LayerNormGrad"
	mustTensor(op, "gradient g", g)
	mustTensor(op, "mean", mean)
	mustTensor(op, "rstd", rstd)
	rows, d := layerNormShapes(op, x, w, nil, k)
	g.live(op)
	if !sameShape(g.shape, x.shape) || mean.Numel() != rows || rstd.Numel() != rows {
		fail(op, [][]int{g.shape, x.shape, mean.shape, rstd.shape}, "gradient of shape %v, means of shape %v and rstds of shape %v for an input of shape %v normalised over %d dimensions", g.shape, mean.shape, rstd.shape, x.shape, k)
	}
	norm := x.shape[len(x.shape)-k:]
	if needX {
		dx = uninit(op, x.shape)
	}
	p := planLayerNorm(rows, d)
	var parts *storage // the chunks' weight and bias sums, [chunks][2][d]
	if (needW || needB) && p.chunks > 0 {
		parts = newStorage(p.chunks*2*d, true)
		defer putStorage(parts)
	}
	if p.chunks > 0 {
		gd, xd, md, rd := g.contiguousData(), x.contiguousData(), mean.contiguousData(), rstd.contiguousData()
		var wd, dxd []float64
		if w != nil {
			wd = w.contiguousData()
		}
		if dx != nil {
			dxd = dx.st.data
		}
		n := float64(d)
		p.each(func(c, r0, r1 int) {
			tmp := newStorage(2*d, false)
			defer putStorage(tmp)
			xh, gh := tmp.data[:d], tmp.data[d:]
			var pw, pb []float64
			if parts != nil {
				pw, pb = parts.data[2*c*d:(2*c+1)*d], parts.data[(2*c+1)*d:(2*c+2)*d]
			}
			for r := r0; r < r1; r++ {
				xr, gr := xd[r*d:(r+1)*d], gd[r*d:(r+1)*d]
				rs := rd[r]
				kernels.SubScalar(xh, xr, md[r])
				kernels.MulScalar(xh, xh, rs)
				if needB {
					kernels.Add(pb, pb, gr)
				}
				if needW {
					kernels.Mul(gh, gr, xh)
					kernels.Add(pw, pw, gh)
				}
				if dxd == nil {
					continue
				}
				ghat := gr
				if wd != nil {
					kernels.Mul(gh, gr, wd)
					ghat = gh
				}
				s1 := sumRun(ghat) / n
				s2 := kernels.Dot(ghat, xh) / n
				dr := dxd[r*d : (r+1)*d]
				kernels.SubScalar(dr, ghat, s1)
				kernels.Axpy(-s2, xh, dr)
				kernels.MulScalar(dr, dr, rs)
			}
		})
	}
	sumParts := func(off int) *Tensor {
		out := empty(op, norm)
		for c := range p.chunks {
			kernels.Add(out.st.data, out.st.data, parts.data[(2*c+off)*d:(2*c+off+1)*d])
		}
		return out
	}
	if needW {
		dw = sumParts(0)
	}
	if needB {
		db = sumParts(1)
	}
	return dx, dw, db
}
