package kernels

import "math"

// The exported kernels check their arguments, tell the race detector what
// assembly will touch, and call the current level's implementation.

func check2(op string, dst, x []float64) {
	if len(x) < len(dst) {
		lengthPanic(op, "len(x) = %d < len(dst) = %d", len(x), len(dst))
	}
}

func check3(op string, dst, x, y []float64) {
	if len(x) < len(dst) || len(y) < len(dst) {
		lengthPanic(op, "len(dst) = %d, len(x) = %d, len(y) = %d", len(dst), len(x), len(y))
	}
}

func binary(op string, f func(dst, x, y []float64), dst, x, y []float64) {
	check3(op, dst, x, y)
	n := len(dst)
	x, y = x[:n], y[:n]
	if raceEnabled {
		raceRead(x)
		raceRead(y)
		raceWrite(dst)
	}
	f(dst, x, y)
}

func scalar(op string, f func(dst, x []float64, a float64), dst, x []float64, a float64) {
	check2(op, dst, x)
	x = x[:len(dst)]
	if raceEnabled {
		raceRead(x)
		raceWrite(dst)
	}
	f(dst, x, a)
}

// Add sets dst[i] = x[i] + y[i] for i < len(dst).
//
//	for i := range dst {
//		dst[i] = x[i] + y[i]
//	}
func Add(dst, x, y []float64) { binary("Add", cur.Load().add, dst, x, y) }

// Sub sets dst[i] = x[i] - y[i] for i < len(dst).
func Sub(dst, x, y []float64) { binary("Sub", cur.Load().sub, dst, x, y) }

// Mul sets dst[i] = x[i] * y[i] for i < len(dst).
func Mul(dst, x, y []float64) { binary("Mul", cur.Load().mul, dst, x, y) }

// Div sets dst[i] = x[i] / y[i] for i < len(dst), with IEEE semantics (x/0
// is ±Inf, 0/0 is NaN).
func Div(dst, x, y []float64) { binary("Div", cur.Load().div, dst, x, y) }

// AddScalar sets dst[i] = x[i] + a for i < len(dst).
//
//	for i := range dst {
//		dst[i] = x[i] + a
//	}
func AddScalar(dst, x []float64, a float64) { scalar("AddScalar", cur.Load().addS, dst, x, a) }

// SubScalar sets dst[i] = x[i] - a for i < len(dst).
func SubScalar(dst, x []float64, a float64) { scalar("SubScalar", cur.Load().subS, dst, x, a) }

// MulScalar sets dst[i] = x[i] * a for i < len(dst).
func MulScalar(dst, x []float64, a float64) { scalar("MulScalar", cur.Load().mulS, dst, x, a) }

// DivScalar sets dst[i] = x[i] / a for i < len(dst).
func DivScalar(dst, x []float64, a float64) { scalar("DivScalar", cur.Load().divS, dst, x, a) }

// Neg sets dst[i] = -x[i] for i < len(dst) (the sign bit flips, NaNs
// included).
func Neg(dst, x []float64) {
	check2("Neg", dst, x)
	x = x[:len(dst)]
	if raceEnabled {
		raceRead(x)
		raceWrite(dst)
	}
	cur.Load().neg(dst, x)
}

// MaskAbove sets dst[i] = g[i] where x[i] > t or x[i] is NaN, and +0
// elsewhere (g[i]'s bits, -0 and NaN payloads included, or zero bits),
// for i < len(dst): a ReLU is MaskAbove(dst, x, x, 0), its gradient
// MaskAbove(dst, g, x, 0). Every level gives the same bits.
//
//	for i := range dst {
//		if x[i] <= t {
//			dst[i] = 0
//		} else {
//			dst[i] = g[i]
//		}
//	}
func MaskAbove(dst, g, x []float64, t float64) {
	if len(g) < len(dst) || len(x) < len(dst) {
		lengthPanic("MaskAbove", "len(dst) = %d, len(g) = %d, len(x) = %d", len(dst), len(g), len(x))
	}
	n := len(dst)
	g, x = g[:n], x[:n]
	if raceEnabled {
		raceRead(g)
		raceRead(x)
		raceWrite(dst)
	}
	cur.Load().maskAbove(dst, g, x, t)
}

// CopyRows copies rows rows of n elements, row r of src starting at
// src[r*ss] and of dst at dst[r*ds] (strides in elements; ss may be 0, to
// copy one row to every row of dst). The rows of dst must not overlap each
// other (ds >= n) nor src. It is the copy of im2col, whose rows are short
// (10 elements for a 5×5 window over a 14×14 image): one call per window
// offset instead of one copy per row.
//
//	for r := 0; r < rows; r++ {
//		copy(dst[r*ds:r*ds+n], src[r*ss:r*ss+n])
//	}
func CopyRows(dst []float64, ds int, src []float64, ss int, rows, n int) {
	if checkRows("CopyRows", dst, ds, src, ss, rows, n) {
		cur.Load().copyRows(dst, ds, src, ss, rows, n)
	}
}

// AddRows adds rows rows of n elements of src into dst, laid out as
// CopyRows's: dst[r*ds+t] += src[r*ss+t], each one rounded addition, so
// every level agrees bit for bit. The rows of dst must not overlap each
// other (ds >= n) nor src. It is col2im's sum.
func AddRows(dst []float64, ds int, src []float64, ss int, rows, n int) {
	if checkRows("AddRows", dst, ds, src, ss, rows, n) {
		cur.Load().addRows(dst, ds, src, ss, rows, n)
	}
}

// checkRows panics unless the rows fit: counts and strides non-negative,
// ds >= n, and the last row inside dst and src. It reports whether there is
// anything to do, after telling the race detector about each row.
func checkRows(op string, dst []float64, ds int, src []float64, ss int, rows, n int) bool {
	if rows < 0 || n < 0 || ds < 0 || ss < 0 {
		lengthPanic(op, "negative count or stride (rows %d, n %d, ds %d, ss %d)", rows, n, ds, ss)
	}
	if rows == 0 || n == 0 {
		return false
	}
	if rows > 1 && ds < n {
		lengthPanic(op, "dst stride %d is less than the row length %d: rows would overlap", ds, n)
	}
	// (rows-1)*stride + n <= len, written so that it cannot overflow.
	last := rows - 1
	if n > len(dst) || n > len(src) || last > 0 && ((len(dst)-n)/last < ds || (len(src)-n)/last < ss) {
		lengthPanic(op, "%d rows of %d with strides (%d, %d) run past lengths (%d, %d)", rows, n, ds, ss, len(dst), len(src))
	}
	if raceEnabled {
		raceRows(dst, ds, src, ss, rows, n)
	}
	return true
}

// raceRows tells the race detector about each row read and written.
func raceRows(dst []float64, ds int, src []float64, ss int, rows, n int) {
	for r := range rows {
		raceRead(src[r*ss : r*ss+n])
		raceWrite(dst[r*ds : r*ds+n])
	}
}

// Axpy sets y[i] += a * x[i] for i < len(x): a multiply, then an add, each
// rounded (no fused multiply-add, so every level agrees bit for bit).
//
//	for i, v := range x {
//		y[i] += a * v
//	}
func Axpy(a float64, x, y []float64) {
	if len(y) < len(x) {
		lengthPanic("Axpy", "len(y) = %d < len(x) = %d", len(y), len(x))
	}
	y = y[:len(x)]
	if raceEnabled {
		raceRead(x)
		raceWrite(y)
	}
	cur.Load().axpy(a, x, y)
}

// Scal sets x[i] *= a for every i.
func Scal(a float64, x []float64) {
	if raceEnabled {
		raceWrite(x)
	}
	cur.Load().scal(a, x)
}

// Dot returns the sum of x[i] * y[i] for i < len(x).
//
//	var s float64
//	for i, v := range x {
//		s += v * y[i]
//	}
func Dot(x, y []float64) float64 {
	if len(y) < len(x) {
		lengthPanic("Dot", "len(y) = %d < len(x) = %d", len(y), len(x))
	}
	y = y[:len(x)]
	if raceEnabled {
		raceRead(x)
		raceRead(y)
	}
	return cur.Load().dot(x, y)
}

// Sum returns the sum of the elements of x (0 for an empty slice).
func Sum(x []float64) float64 {
	if raceEnabled {
		raceRead(x)
	}
	return cur.Load().sum(x)
}

// Max returns the largest element of x, NaN if any element is NaN, and -Inf
// for an empty slice.
func Max(x []float64) float64 {
	if raceEnabled {
		raceRead(x)
	}
	return cur.Load().max(x)
}

// Min returns the smallest element of x, NaN if any element is NaN, and +Inf
// for an empty slice.
func Min(x []float64) float64 {
	if raceEnabled {
		raceRead(x)
	}
	return cur.Load().min(x)
}

// Fill sets every element of dst to a.
//
// It runs at the speed of the machine's block copies instead of one
// 8-byte store a cycle: +0 through clear (the runtime's vector memclr),
// any other value by filling a first run element by element and copying
// it on (a 100K-element gradient cleared in about 5 µs instead of 28).
func Fill(dst []float64, a float64) {
	if math.Float64bits(a) == 0 {
		clear(dst)
		return
	}
	n := min(len(dst), fillRun)
	for i := range dst[:n] {
		dst[i] = a
	}
	for i := n; i < len(dst); i += n {
		copy(dst[i:], dst[:n])
	}
}

// fillRun is the elements Fill writes one by one before copying them on:
// 4 KiB, which stays in L1 while it is the source of the copies.
const fillRun = 512
