package tensor

import (
	"fmt"
	"math"

	"github.com/adjoint-go/adjoint/kernels"
)

// crossEntropyGrain is the number of logits below which CrossEntropyRows
// and CrossEntropyRowsGrad run on one goroutine.
const crossEntropyGrain = 1 << 14

// crossEntropyTargets checks that target holds one class index in [0, c)
// or ignoreIndex per row of logits and returns the indices, -1 for ignored
// rows.
func crossEntropyTargets(op string, logits, target *Tensor, ignoreIndex int) []int {
	shapes := [][]int{logits.shape, target.shape}
	if len(logits.shape) != 2 || len(target.shape) != 1 || target.shape[0] != logits.shape[0] {
		fail(op, shapes, "logits of shape %v and target of shape %v do not fit: want [N C] and [N]", logits.shape, target.shape)
	}
	n, c := logits.shape[0], logits.shape[1]
	idx := make([]int, n)
	td := target.contiguousData()
	for i, v := range td {
		if v == float64(ignoreIndex) {
			idx[i] = -1
			continue
		}
		if v != math.Trunc(v) || v < 0 || v >= float64(c) {
			fail(op, shapes, "target %v at %d is not a class index in [0, %d)", v, i, c)
		}
		idx[i] = int(v)
	}
	return idx
}

// CrossEntropyRows returns, for logits of shape [N C] and class indices
// target of shape [N], the cross-entropy of every row, loss[i] =
// logsumexp(logits[i]) - logits[i, target[i]], computed in one pass per row
// on the logits minus the row's maximum (so finite for logits of ±1000),
// together with lse[i] = logsumexp(logits[i]), from which the softmax of
// the row is exp(logits[i] - lse[i]). Rows whose target is ignoreIndex have
// loss 0 (their lse is still computed). As in PyTorch's log_softmax, a row
// holding +Inf or NaN, or only -Inf, has a NaN loss. target must hold
// integral values in [0, C) or ignoreIndex; otherwise, or if the shapes do
// not fit, it panics with an *Error naming CrossEntropyRows and the shapes.
func CrossEntropyRows(logits, target *Tensor, ignoreIndex int) (loss, lse *Tensor) {
	idx := crossEntropyTargets("CrossEntropyRows", logits, target, ignoreIndex)
	n, c := logits.shape[0], logits.shape[1]
	loss, lse = empty("CrossEntropyRows", []int{n}), empty("CrossEntropyRows", []int{n})
	if n == 0 {
		return loss, lse
	}
	x := logits.contiguousData()
	ld, ls := loss.st.data, lse.st.data
	kernels.Parallel(n, max(1, crossEntropyGrain/max(1, c)), func(lo, hi int) {
		buf := make([]float64, c)
		for i := lo; i < hi; i++ {
			row := x[i*c : (i+1)*c]
			if c == 0 {
				ls[i] = math.Inf(-1)
				if idx[i] >= 0 {
					ld[i] = math.NaN()
				}
				continue
			}
			m := kernels.Max(row)
			for j, v := range row {
				buf[j] = v - m
			}
			kernels.Exp(buf, buf)
			l := math.Log(kernels.Sum(buf))
			ls[i] = m + l
			if t := idx[i]; t >= 0 {
				ld[i] = l - (row[t] - m)
			}
		}
	})
	return loss, lse
}

// CrossEntropyRowsGrad returns the gradient of CrossEntropyRows' loss with
// respect to logits for a unit incoming gradient on every row:
// softmax(logits[i]) - onehot(target[i]), the softmax computed as
// exp(logits[i] - lse[i]) from CrossEntropyRows' lse, and a row of zeros
// where target is ignoreIndex. It panics with an *Error naming
// CrossEntropyRowsGrad and the shapes if they do not fit.
func CrossEntropyRowsGrad(logits, target, lse *Tensor, ignoreIndex int) *Tensor {
	idx := crossEntropyTargets("CrossEntropyRowsGrad", logits, target, ignoreIndex)
	n, c := logits.shape[0], logits.shape[1]
	if len(lse.shape) != 1 || lse.shape[0] != n {
		fail("CrossEntropyRowsGrad", [][]int{logits.shape, target.shape, lse.shape}, "lse of shape %v does not fit logits of shape %v", lse.shape, logits.shape)
	}
	out := empty("CrossEntropyRowsGrad", []int{n, c})
	if n == 0 || c == 0 {
		return out
	}
	x, ls, d := logits.contiguousData(), lse.contiguousData(), out.st.data
	kernels.Parallel(n, max(1, crossEntropyGrain/c), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			t := idx[i]
			if t < 0 {
				continue
			}
			row, dr, l := x[i*c:(i+1)*c], d[i*c:(i+1)*c], ls[i]
			for j, v := range row {
				dr[j] = v - l
			}
			kernels.Exp(dr, dr)
			dr[t]--
		}
	})
	return out
}

// Linear returns x·wᵀ + b for a matrix x [N in], a weight w [out in] and a
// bias b [out] (nil for none), like torch.nn.functional.linear on
// matrices: the output rows are first filled with b and the product is
// added to them in the GEMM's output pass (beta = 1), so no transposed
// copy of w and no separate [N out] temporary for the sum is made. It
// panics with an *Error naming Linear and the shapes if they do not fit.
func Linear(x, w, b *Tensor) *Tensor {
	shapes := [][]int{x.shape, w.shape}
	if b != nil {
		shapes = append(shapes, b.shape)
	}
	if len(x.shape) != 2 || len(w.shape) != 2 || x.shape[1] != w.shape[1] || (b != nil && (len(b.shape) != 1 || b.shape[0] != w.shape[0])) {
		bias := "no bias"
		if b != nil {
			bias = fmt.Sprintf("bias %v", b.shape)
		}
		fail("Linear", shapes, "input %v, weight %v and %s do not fit: want input [N in], weight [out in], bias [out] or nil", x.shape, w.shape, bias)
	}
	n, k, m := x.shape[0], x.shape[1], w.shape[0]
	out := empty("Linear", []int{n, m})
	if n == 0 || m == 0 {
		return out
	}
	c := out.st.data
	beta := 0.0
	if b != nil {
		bd := b.contiguousData()
		for i := 0; i < n; i++ {
			copy(c[i*m:(i+1)*m], bd)
		}
		beta = 1
	}
	if k == 0 {
		return out
	}
	oa, ob := gemmOperandOf(x, nil), gemmOperandOf(w.Transpose(0, 1), nil)
	kernels.Gemm(oa.trans, ob.trans, n, m, k, 1, oa.data[oa.off:], oa.ld, ob.data[ob.off:], ob.ld, beta, c, m)
	return out
}
