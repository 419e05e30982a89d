package tensor

// layout describes up to three operands walked together over one shape: the
// output of an operation and its inputs, each with its own strides (0 along
// broadcast dimensions). Dimensions of size 1 are dropped and neighbouring
// dimensions that are contiguous in every operand are merged, so that the
// innermost row is as long as possible and kernels see long runs.
type layout struct {
	shape []int
	st    [3][]int
	k     int
}

func newLayout(shape []int, strides ...[]int) layout {
	l := layout{k: len(strides)}
	nd := 0
	for _, d := range shape {
		if d != 1 {
			nd++
		}
	}
	buf := make([]int, nd*(1+l.k))
	l.shape = buf[:0:nd]
	for j := 0; j < l.k; j++ {
		l.st[j] = buf[nd*(j+1) : nd*(j+1) : nd*(j+2)]
	}
	for i, d := range shape {
		if d == 1 {
			continue
		}
		last := len(l.shape) - 1
		merge := last >= 0
		for j := 0; merge && j < l.k; j++ {
			if l.st[j][last] != strides[j][i]*d {
				merge = false
			}
		}
		if merge {
			l.shape[last] *= d
			for j := 0; j < l.k; j++ {
				l.st[j][last] = strides[j][i]
			}
			continue
		}
		l.shape = append(l.shape, d)
		for j := 0; j < l.k; j++ {
			l.st[j] = append(l.st[j], strides[j][i])
		}
	}
	return l
}

// inner returns the length of the innermost row and each operand's
// increment along it.
func (l *layout) inner() (n int, inc [3]int) {
	if len(l.shape) == 0 {
		return 1, inc
	}
	last := len(l.shape) - 1
	for j := 0; j < l.k; j++ {
		inc[j] = l.st[j][last]
	}
	return l.shape[last], inc
}

// rows calls fn with each operand's offset at the start of every innermost
// row, in row-major order. It does nothing if any dimension is 0.
func (l *layout) rows(off [3]int, fn func(off [3]int)) {
	nd := len(l.shape)
	for _, d := range l.shape {
		if d == 0 {
			return
		}
	}
	if nd <= 1 {
		fn(off)
		return
	}
	outer := nd - 1
	idx := make([]int, outer)
	for {
		fn(off)
		// Advance the odometer over the outer dimensions.
		i := outer - 1
		for ; i >= 0; i-- {
			idx[i]++
			for j := 0; j < l.k; j++ {
				off[j] += l.st[j][i]
			}
			if idx[i] < l.shape[i] {
				break
			}
			for j := 0; j < l.k; j++ {
				off[j] -= l.st[j][i] * l.shape[i]
			}
			idx[i] = 0
		}
		if i < 0 {
			return
		}
	}
}

// copyStrided writes t's elements in row-major order into dst, which must
// hold t.Numel() elements.
func copyStrided(dst []float64, t *Tensor) {
	t.live("copy")
	cs := make([]int, len(t.shape))
	contiguousStrides(t.shape, cs)
	l := newLayout(t.shape, cs, t.strides)
	n, inc := l.inner()
	src := t.st.data
	l.rows([3]int{0, t.off}, func(off [3]int) {
		d := dst[off[0] : off[0]+n]
		if inc[1] == 1 {
			copy(d, src[off[1]:off[1]+n])
			return
		}
		for i, p := 0, off[1]; i < n; i, p = i+1, p+inc[1] {
			d[i] = src[p]
		}
	})
}

// assign copies src's elements into dst element by element (same shape;
// dst may be any view). It does not bump the version.
func assign(dst, src *Tensor) {
	dst.live("copy")
	src.live("copy")
	l := newLayout(dst.shape, dst.strides, src.strides)
	n, inc := l.inner()
	dd, sd := dst.st.data, src.st.data
	l.rows([3]int{dst.off, src.off}, func(off [3]int) {
		if inc[0] == 1 && inc[1] == 1 {
			copy(dd[off[0]:off[0]+n], sd[off[1]:off[1]+n])
			return
		}
		for i, p, q := 0, off[0], off[1]; i < n; i, p, q = i+1, p+inc[0], q+inc[1] {
			dd[p] = sd[q]
		}
	})
}
