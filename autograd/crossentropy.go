package autograd

import "github.com/adjoint-go/adjoint/tensor"

// CrossEntropyRows returns the cross-entropy of every row of logits [N C]
// against class indices target [N] (a constant; it gets no gradient):
// loss[i] = logsumexp(logits[i]) - logits[i, target[i]], and 0 for rows
// whose target is ignoreIndex, computed in one pass per row by
// tensor.CrossEntropyRows. The gradient is g[i]·(softmax(logits[i]) -
// onehot(target[i])), zero on ignored rows, recorded as one product with g
// so that second derivatives work: outside create-graph mode the softmax
// comes from the forward pass's saved log-sum-exp, and in create-graph mode
// from a differentiable softmax of the logits. It panics with a
// *tensor.Error naming CrossEntropyRows and the shapes if they do not fit
// or a target is not a class index.
func CrossEntropyRows(logits, target *Tensor, ignoreIndex int) *Tensor {
	loss, lse := tops.CrossEntropyRows(arg("CrossEntropyRows", "the logits", logits), arg("CrossEntropyRows", "the target", target), ignoreIndex)
	tgt, lseSaved := save(target), save(From(lse))
	return wrap1(loss, "CrossEntropyRows", func(c call, g *Tensor, grads []*Tensor) {
		x, tv := c.input(0), c.saved(tgt).v
		if g.noGrad {
			lse := c.saved(lseSaved).v
			grads[0] = gradOf(tops.CrossEntropyRowsGrad(x.v, tv, lse, g.v, ignoreIndex))
			if c.final {
				tops.Recycle(lse) // no other backward will run through this node
			}
			return
		}
		// create-graph mode: softmax(x) - onehot(t), masked, differentiable in x.
		n, k := x.v.Size(0), x.v.Size(1)
		col := tv.Reshape(n, 1)
		onehot := tensor.Arange(0, float64(k), 1).Reshape(1, k).Eq(col) // [n k]
		mask := col.Ne(tensor.Scalar(float64(ignoreIndex)))             // [n 1]: 0 on ignored rows
		z := x
		if x.Numel() > 0 {
			z = x.Sub(x.MaxDims(true, 1).Detach())
		}
		e := z.Exp()
		soft := e.Div(e.SumDims(true, 1))
		grads[0] = g.Unsqueeze(1).Mul(soft.Sub(From(onehot)).Mul(From(mask)))
	}, logits)
}
