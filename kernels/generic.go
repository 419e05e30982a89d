package kernels

import "math"

//go:generate go run gen_generic.go

func checkStrided(op string, n int, dst []float64, incDst int, x []float64, incX int, y []float64, incY int) {
	if incDst < 0 || incX < 0 || incY < 0 {
		lengthPanic(op, "negative increment (%d, %d, %d)", incDst, incX, incY)
	}
	last := n - 1
	if last*incDst >= len(dst) || last*incX >= len(x) || last*incY >= len(y) {
		lengthPanic(op, "n = %d with increments (%d, %d, %d) runs past lengths (%d, %d, %d)",
			n, incDst, incX, incY, len(dst), len(x), len(y))
	}
}

func negGeneric(dst, x []float64) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = -x[i]
	}
}

func sqrtGeneric(dst, x []float64) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] = math.Sqrt(x[i])
	}
}

// maskAboveGeneric is MaskAbove's loop, through a bit mask rather than a
// branch: on data whose signs are random, as a ReLU's input is, a branch
// per element is mispredicted half the time.
func maskAboveGeneric(dst, g, x []float64, t float64) {
	g, x = g[:len(dst)], x[:len(dst)]
	for i, v := range x {
		m := uint64(0)
		if !(v <= t) {
			m = ^uint64(0)
		}
		dst[i] = math.Float64frombits(math.Float64bits(g[i]) & m)
	}
}

func copyRowsGeneric(dst []float64, ds int, src []float64, ss int, rows, n int) {
	for r := range rows {
		copy(dst[r*ds:r*ds+n], src[r*ss:r*ss+n])
	}
}

func addRowsGeneric(dst []float64, ds int, src []float64, ss int, rows, n int) {
	for r := range rows {
		d, s := dst[r*ds:r*ds+n], src[r*ss:r*ss+n]
		for t, v := range s {
			d[t] += v
		}
	}
}

func axpyGeneric(a float64, x, y []float64) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += float64(a * v) // rounded: no fused multiply-add (arm64 would fuse)
	}
}

func scalGeneric(a float64, x []float64) {
	for i := range x {
		x[i] *= a
	}
}

// sgdMomentumGeneric is the momentum step of SGDStep in one pass: per
// element, what scalGeneric(mom, buf), axpyGeneric(damp, g, buf) and
// axpyGeneric(negLR, buf, p) compute in three (a NaN's payload may differ:
// the compiler orders the operands of each multiply and add).
func sgdMomentumGeneric(p, g, buf []float64, mom, damp, negLR float64) {
	g, buf = g[:len(p)], buf[:len(p)]
	for i := range p {
		b := float64(buf[i] * mom)
		b += float64(damp * g[i])
		buf[i] = b
		p[i] += float64(negLR * b)
	}
}

// dotGeneric and sumGeneric keep four partial sums so that the loop is not
// bound by the latency of one chain of additions. dotGeneric rounds each
// product before adding it (the explicit conversions forbid the fused
// multiply-add that the arm64 compiler would otherwise emit), so the
// Generic level gives the same bits on every architecture.
func dotGeneric(x, y []float64) float64 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += float64(x[i] * y[i])
		s1 += float64(x[i+1] * y[i+1])
		s2 += float64(x[i+2] * y[i+2])
		s3 += float64(x[i+3] * y[i+3])
	}
	for ; i < len(x); i++ {
		s0 += float64(x[i] * y[i])
	}
	return (s0 + s1) + (s2 + s3)
}

func sumGeneric(x []float64) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i]
		s1 += x[i+1]
		s2 += x[i+2]
		s3 += x[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i]
	}
	return (s0 + s1) + (s2 + s3)
}

func maxGeneric(x []float64) float64 {
	m := math.Inf(-1)
	for _, v := range x {
		if v > m {
			m = v
		} else if v != v {
			return v
		}
	}
	return m
}

func minGeneric(x []float64) float64 {
	m := math.Inf(1)
	for _, v := range x {
		if v < m {
			m = v
		} else if v != v {
			return v
		}
	}
	return m
}
