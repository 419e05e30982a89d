package tensor

import (
	"math"

	"github.com/adjoint-go/adjoint/kernels"
)

// crossEntropyGrain is the number of logits below which CrossEntropyRows
// and CrossEntropyRowsGrad run on one goroutine.
const crossEntropyGrain = 1 << 14

// crossEntropyTargets checks that target holds one class index in [0, c)
// or ignoreIndex per row of logits and returns target's values; see
// classAt.
func crossEntropyTargets(op string, logits, target *Tensor, ignoreIndex int) []float64 {
	mustTensor(op, "logits", logits)
	mustTensor(op, "target", target)
	shapes := [][]int{logits.shape, target.shape}
	if len(logits.shape) != 2 || len(target.shape) != 1 || target.shape[0] != logits.shape[0] {
		fail(op, shapes, "logits of shape %v and target of shape %v do not fit: want [N C] and [N]", logits.shape, target.shape)
	}
	c := logits.shape[1]
	td := target.contiguousData()
	for i, v := range td {
		if v != float64(ignoreIndex) && (v != math.Trunc(v) || v < 0 || v >= float64(c)) {
			fail(op, shapes, "target %v at %d is not a class index in [0, %d)", v, i, c)
		}
	}
	return td
}

// classAt returns the class index of a checked target value, -1 for an
// ignored row.
func classAt(v float64, ignoreIndex int) int {
	if v == float64(ignoreIndex) {
		return -1
	}
	return int(v)
}

// crossEntropyRows returns, for logits of shape [N C] and class indices
// target of shape [N], the cross-entropy of every row, loss[i] =
// logsumexp(logits[i]) - logits[i, target[i]], computed in one pass per row
// on the logits minus the row's maximum (so finite for logits of ±1000),
// together with lse[i] = logsumexp(logits[i]), from which the softmax of
// the row is exp(logits[i] - lse[i]). Rows whose target is ignoreIndex have
// loss 0 (their lse is still computed). As in PyTorch's log_softmax, a row
// holding +Inf or NaN, or only -Inf, has a NaN loss. target must hold
// integral values in [0, C) or ignoreIndex; otherwise, or if the shapes do
// not fit, it panics with an *Error naming CrossEntropyRows and the shapes.
func crossEntropyRows(logits, target *Tensor, ignoreIndex int) (loss, lse *Tensor) {
	td := crossEntropyTargets("CrossEntropyRows", logits, target, ignoreIndex)
	n, c := logits.shape[0], logits.shape[1]
	loss, lse = uninit("CrossEntropyRows", []int{n}), uninit("CrossEntropyRows", []int{n})
	if n == 0 {
		return loss, lse
	}
	x := logits.contiguousData()
	ld, ls := loss.st.data, lse.st.data
	if grain := max(1, crossEntropyGrain/max(1, c)); n <= grain {
		crossEntropyRowsRange(x, td, ld, ls, c, ignoreIndex, 0, n) // no closure to allocate
	} else {
		kernels.Parallel(n, grain, func(lo, hi int) { crossEntropyRowsRange(x, td, ld, ls, c, ignoreIndex, lo, hi) })
	}
	return loss, lse
}

// crossEntropyBlock is the most logits crossEntropyRowsRange exponentiates
// in one call: rows are taken a block at a time, so that the one
// kernels.Exp over the block (rather than one call per row, whose set-up
// cost a row of 10 classes does not repay: 29 ns for 10 elements) works
// on 4 KiB that stay in L1.
const crossEntropyBlock = 512

// crossEntropyRowsRange computes rows lo..hi of CrossEntropyRows, a block
// of rows at a time: each row's maximum, the block's shifted logits
// exponentiated in one kernels.Exp (whose result for an element does not
// depend on where it lies in the slice, so this gives the bits of one
// call per row), then each row's sum and logarithm.
func crossEntropyRowsRange(x, td, ld, ls []float64, c, ignoreIndex, lo, hi int) {
	if c == 0 {
		for i := lo; i < hi; i++ {
			ls[i], ld[i] = math.Inf(-1), 0
			if classAt(td[i], ignoreIndex) >= 0 {
				ld[i] = math.NaN()
			}
		}
		return
	}
	rows := max(1, crossEntropyBlock/c)
	buf := newStorage(min(rows, hi-lo)*c, false)
	for b0 := lo; b0 < hi; b0 += rows {
		b1 := min(hi, b0+rows)
		b := buf.data[:(b1-b0)*c]
		for i := b0; i < b1; i++ {
			row, br := x[i*c:(i+1)*c], b[(i-b0)*c:(i-b0+1)*c]
			m := kernels.Max(row)
			ls[i] = m // the row's maximum until its sum is known
			for j, v := range row {
				br[j] = v - m
			}
		}
		kernels.Exp(b, b)
		for i := b0; i < b1; i++ {
			m, l := ls[i], math.Log(kernels.Sum(b[(i-b0)*c:(i-b0+1)*c]))
			ls[i], ld[i] = m+l, 0
			if t := classAt(td[i], ignoreIndex); t >= 0 {
				ld[i] = l - (x[i*c+t] - m)
			}
		}
	}
	putStorage(buf)
}

// crossEntropyRowsGrad returns the gradient of CrossEntropyRows' loss with
// respect to logits: scale[i]·(softmax(logits[i]) - onehot(target[i])), the
// softmax computed as exp(logits[i] - lse[i]) from CrossEntropyRows' lse,
// and a row of zeros where target is ignoreIndex. scale, the incoming
// gradient of each row's loss, has shape [N] (or broadcasts to it, as an
// expanded 0-d gradient does); nil means 1 for every row. It panics with an
// *Error naming CrossEntropyRowsGrad and the shapes if they do not fit.
func crossEntropyRowsGrad(logits, target, lse, scale *Tensor, ignoreIndex int) *Tensor {
	td := crossEntropyTargets("CrossEntropyRowsGrad", logits, target, ignoreIndex)
	mustTensor("CrossEntropyRowsGrad", "lse", lse)
	n, c := logits.shape[0], logits.shape[1]
	if len(lse.shape) != 1 || lse.shape[0] != n {
		fail("CrossEntropyRowsGrad", [][]int{logits.shape, target.shape, lse.shape}, "lse of shape %v does not fit logits of shape %v", lse.shape, logits.shape)
	}
	var sd []float64
	sst := 0
	if scale != nil {
		if len(scale.shape) > 1 || (len(scale.shape) == 1 && scale.shape[0] != n && scale.shape[0] != 1) {
			fail("CrossEntropyRowsGrad", [][]int{logits.shape, scale.shape}, "scale of shape %v does not fit logits of shape %v", scale.shape, logits.shape)
		}
		scale.live("CrossEntropyRowsGrad")
		sd = scale.st.data[scale.off:]
		if len(scale.shape) == 1 && scale.shape[0] > 1 {
			sst = scale.strides[0]
		}
	}
	out := uninit("CrossEntropyRowsGrad", []int{n, c})
	if n == 0 || c == 0 {
		return out
	}
	x, ls, d := logits.contiguousData(), lse.contiguousData(), out.st.data
	if grain := max(1, crossEntropyGrain/c); n <= grain {
		crossEntropyGradRows(x, td, ls, sd, d, sst, c, ignoreIndex, 0, n) // no closure to allocate
	} else {
		kernels.Parallel(n, grain, func(lo, hi int) { crossEntropyGradRows(x, td, ls, sd, d, sst, c, ignoreIndex, lo, hi) })
	}
	return out
}

// crossEntropyGradRows computes rows lo..hi of CrossEntropyRowsGrad: the
// shifted logits of every row, one kernels.Exp over them all (the same
// bits as one call per row, see crossEntropyRowsRange), then each row's
// target and scale.
func crossEntropyGradRows(x, td, ls, sd, d []float64, sst, c, ignoreIndex, lo, hi int) {
	if c == 0 {
		return
	}
	for i := lo; i < hi; i++ {
		row, dr, l := x[i*c:(i+1)*c], d[i*c:(i+1)*c], ls[i]
		for j, v := range row {
			dr[j] = v - l
		}
	}
	kernels.Exp(d[lo*c:hi*c], d[lo*c:hi*c])
	for i := lo; i < hi; i++ {
		dr := d[i*c : (i+1)*c]
		t := classAt(td[i], ignoreIndex)
		if t < 0 {
			clear(dr)
			continue
		}
		dr[t]--
		if sd != nil {
			if s := sd[i*sst]; s != 1 {
				kernels.Scal(s, dr)
			}
		}
	}
}
