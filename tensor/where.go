package tensor

import "github.com/adjoint-go/adjoint/kernels"

// broadcast3 is BroadcastShapes for three shapes.
func broadcast3(op string, a, b, c []int) []int {
	n := max(len(a), len(b), len(c))
	out := make([]int, n)
	for i := 1; i <= n; i++ {
		d := 1
		for _, s := range [3][]int{a, b, c} {
			if i > len(s) {
				continue
			}
			switch x := s[len(s)-i]; {
			case x == d || x == 1:
			case d == 1:
				d = x
			default:
				fail(op, [][]int{a, b, c}, "cannot broadcast %v, %v and %v together", a, b, c)
			}
		}
		out[n-i] = d
	}
	return out
}

// Where returns a tensor whose elements come from a where cond is nonzero
// and from b where it is zero, broadcasting all three, as torch.where
// (cond holds 0 for false; any other value, NaN included, is true).
func Where(cond, a, b *Tensor) *Tensor {
	mustTensor("Where", "condition cond", cond)
	mustTensor("Where", "argument a", a)
	mustTensor("Where", "argument b", b)
	cond.live("Where")
	a.live("Where")
	b.live("Where")
	shape := broadcast3("Where", cond.shape, a.shape, b.shape)
	if len(shape) == 0 {
		if cond.st.data[cond.off] != 0 {
			return newScalar(a.st.data[a.off])
		}
		return newScalar(b.st.data[b.off])
	}
	out := uninit("Where", shape)
	od := out.st.data
	if cond.contig && a.contig && b.contig && sameShape(cond.shape, shape) && sameShape(a.shape, shape) && sameShape(b.shape, shape) {
		cd, ad, bd := cond.flat(), a.flat(), b.flat()
		if len(od) <= grainCheap {
			whereFlat(od, cd, ad, bd)
		} else {
			kernels.Parallel(len(od), grainCheap, func(lo, hi int) { whereFlat(od[lo:hi], cd[lo:hi], ad[lo:hi], bd[lo:hi]) })
		}
		return out
	}
	switch {
	case b.Numel() == 1: // Where(mask, x, 0), as in gradients: one pass
		whereScalar(out, cond, a, b.st.data[b.off], false)
		return out
	case a.Numel() == 1:
		whereScalar(out, cond, b, a.st.data[a.off], true)
		return out
	}
	// Two passes over the output: a everywhere, then b where cond is 0.
	assign(out, a.view(a.off, shape, a.broadcastStrides(shape)))
	l := newLayout(shape, out.strides, cond.broadcastStrides(shape), b.broadcastStrides(shape))
	n, inc := l.inner()
	cd, bd := cond.st.data, b.st.data
	l.rows([3]int{0, cond.off, b.off}, func(off [3]int) {
		for i, d, p, q := 0, off[0], off[1], off[2]; i < n; i, d, p, q = i+1, d+inc[0], p+inc[1], q+inc[2] {
			if cd[p] == 0 {
				od[d] = bd[q]
			}
		}
	})
	return out
}

// whereScalar writes into out the elements of x where cond is nonzero and
// s elsewhere, or, with swap, s where cond is nonzero and x elsewhere; cond
// and x broadcast to out's shape.
func whereScalar(out, cond, x *Tensor, s float64, swap bool) {
	shape := out.shape
	l := newLayout(shape, out.strides, cond.broadcastStrides(shape), x.broadcastStrides(shape))
	n, inc := l.inner()
	od, cd, xd := out.st.data, cond.st.data, x.st.data
	l.rows([3]int{0, cond.off, x.off}, func(off [3]int) {
		for i, d, p, q := 0, off[0], off[1], off[2]; i < n; i, d, p, q = i+1, d+inc[0], p+inc[1], q+inc[2] {
			v := xd[q]
			if (cd[p] != 0) == swap {
				v = s
			}
			od[d] = v
		}
	})
}

func whereFlat(dst, cond, a, b []float64) {
	cond, a, b = cond[:len(dst)], a[:len(dst)], b[:len(dst)]
	for i, c := range cond {
		v := a[i]
		if c == 0 {
			v = b[i]
		}
		dst[i] = v
	}
}
