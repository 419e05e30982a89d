package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// Every assembly level is compared with the generic kernels in this one test
// binary (like math/big's TestFunVV), on guarded buffers (like gonum's
// asm tests).

// ewKernel is an elementwise kernel seen uniformly: run applies it to dst
// (written; also read by Axpy, where it is y, and Scal, where it is x), the
// inputs x and y (whichever it uses) and the scalar a.
//
// Results must be bit-identical to generic's, NaN payloads included, with
// one exception: when an IEEE operation has two NaN operands, which payload
// survives is the implementation's choice (IEEE 754 §6.2.3), and on x86 it is
// the first operand's, so it depends on the operand order the Go compiler
// picks for a commutative operation. It does not pick the same order in
// every build (axpyGeneric's y[i] += a*v adds in one order normally and in
// the other under -race). twoNaN reports, from the element's inputs (x[i],
// y[i], dst[i] before, a), whether that case arises; there any NaN passes.
type ewKernel struct {
	name   string
	alias  bool // dst may alias x exactly (Axpy: x aliases y)
	run    func(t *table, dst, x, y []float64, a float64)
	twoNaN func(x, y, d, a float64) bool
}

func nan2(u, v float64) bool { return math.IsNaN(u) && math.IsNaN(v) }

func binaryTwoNaN(x, y, _, _ float64) bool { return nan2(x, y) }
func scalarTwoNaN(x, _, _, a float64) bool { return nan2(x, a) }

var ewKernels = []ewKernel{
	{"add", true, func(t *table, d, x, y []float64, _ float64) { t.add(d, x, y) }, binaryTwoNaN},
	{"sub", true, func(t *table, d, x, y []float64, _ float64) { t.sub(d, x, y) }, binaryTwoNaN},
	{"mul", true, func(t *table, d, x, y []float64, _ float64) { t.mul(d, x, y) }, binaryTwoNaN},
	{"div", true, func(t *table, d, x, y []float64, _ float64) { t.div(d, x, y) }, binaryTwoNaN},
	{"addScalar", true, func(t *table, d, x, _ []float64, a float64) { t.addS(d, x, a) }, scalarTwoNaN},
	{"subScalar", true, func(t *table, d, x, _ []float64, a float64) { t.subS(d, x, a) }, scalarTwoNaN},
	{"mulScalar", true, func(t *table, d, x, _ []float64, a float64) { t.mulS(d, x, a) }, scalarTwoNaN},
	{"divScalar", true, func(t *table, d, x, _ []float64, a float64) { t.divS(d, x, a) }, scalarTwoNaN},
	{"neg", true, func(t *table, d, x, _ []float64, _ float64) { t.neg(d, x) },
		func(_, _, _, _ float64) bool { return false }},
	{"sqrt", true, func(t *table, d, x, _ []float64, _ float64) { t.sqrt(d, x) },
		func(_, _, _, _ float64) bool { return false }},
	{"maskAbove", true, func(t *table, d, x, y []float64, a float64) { t.maskAbove(d, x, y, a) },
		func(_, _, _, _ float64) bool { return false }},
	{"axpy", true, func(t *table, d, x, _ []float64, a float64) { t.axpy(a, x, d) },
		func(x, _, d, a float64) bool { return nan2(a, x) || nan2(a*x, d) }},
	{"scal", false, func(t *table, d, _, _ []float64, a float64) { t.scal(a, d) },
		func(_, _, d, a float64) bool { return nan2(d, a) }},
}

// ewRun is one elementwise comparison: kernel k at level lt against generic,
// on n elements, with dst, x and y at element offsets offs inside guarded
// buffers, and dst aliasing x if alias.
type ewRun struct {
	k     ewKernel
	lt    *table
	n     int
	offs  [3]int
	a     float64
	alias bool
}

func (c ewRun) String() string {
	s := fmt.Sprintf("%s/%s/n=%d/offsets=%v/a=%v", c.lt.level, c.k.name, c.n, c.offs, c.a)
	if c.alias {
		s += "/dst=x"
	}
	return s
}

// check runs c on the values dst0, x0, y0 (each of length n) and compares
// bits, inputs and guards.
func (c ewRun) check(t testing.TB, dst0, x0, y0 []float64) {
	t.Helper()
	type world struct {
		dst, x, y          []float64
		dstBuf, xBuf, yBuf []float64
	}
	mk := func() world {
		var w world
		w.dst, w.dstBuf = guarded(c.n, c.offs[0])
		w.x, w.xBuf = guarded(c.n, c.offs[1])
		w.y, w.yBuf = guarded(c.n, c.offs[2])
		copy(w.dst, dst0)
		copy(w.x, x0)
		copy(w.y, y0)
		if c.alias {
			copy(w.dst, x0)
			w.x = w.dst
		}
		return w
	}
	want, got := mk(), mk()
	c.k.run(&genericTable, want.dst, want.x, want.y, c.a)
	c.k.run(c.lt, got.dst, got.x, got.y, c.a)

	for i := range got.dst {
		g, w := got.dst[i], want.dst[i]
		if math.Float64bits(g) == math.Float64bits(w) {
			continue
		}
		d := dst0[i]
		if c.alias {
			d = x0[i]
		}
		if math.IsNaN(g) && math.IsNaN(w) && c.k.twoNaN(x0[i], y0[i], d, c.a) {
			continue
		}
		t.Fatalf("%v: dst[%d] = %v (%#x), generic gives %v (%#x) (x[i] = %v %#x, y[i] = %v %#x, dst before = %v %#x)",
			c, i, g, math.Float64bits(g), w, math.Float64bits(w),
			x0[i], math.Float64bits(x0[i]), y0[i], math.Float64bits(y0[i]), d, math.Float64bits(d))
	}
	if !c.alias {
		if i := sameBits(got.x, x0); i >= 0 {
			t.Fatalf("%v: input x[%d] changed from %v to %v", c, i, x0[i], got.x[i])
		}
	}
	if i := sameBits(got.y, y0); i >= 0 {
		t.Fatalf("%v: input y[%d] changed from %v to %v", c, i, y0[i], got.y[i])
	}
	checkGuards(t, c.String()+": dst", got.dstBuf, guardLen+c.offs[0], c.n)
	checkGuards(t, c.String()+": x", got.xBuf, guardLen+c.offs[1], c.n)
	checkGuards(t, c.String()+": y", got.yBuf, guardLen+c.offs[2], c.n)
}

// offsetSets are the (dst, x, y) start offsets tried: the same offset for
// all three, and three different ones, each 0..3.
func offsetSets() [][3]int {
	var os [][3]int
	for off := 0; off < 4; off++ {
		os = append(os, [3]int{off, off, off}, [3]int{off, (off + 1) % 4, (off + 3) % 4})
	}
	return os
}

// checkElementwise compares every elementwise kernel of the assembly levels
// with generic at every test length and offset set.
//
// Under the race detector it takes the first and last offset sets only,
// for the reason testLengths gives.
func checkElementwise(t *testing.T, lengths []int, offs [][3]int) {
	lts := needAsm(t)
	if raceEnabled && len(offs) > 2 {
		offs = [][3]int{offs[0], offs[len(offs)-1]}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, lt := range lts {
		for _, k := range ewKernels {
			t.Run(fmt.Sprintf("level=%s/kernel=%s", lt.level, k.name), func(t *testing.T) {
				for _, n := range lengths {
					dst0, x0, y0 := make([]float64, n), make([]float64, n), make([]float64, n)
					for j, off := range offs {
						fillMixed(r, dst0)
						fillMixed(r, x0)
						fillMixed(r, y0)
						a := finite(r)
						if j%2 == 1 {
							a = specials[(n+j)%len(specials)]
						}
						c := ewRun{k: k, lt: lt, n: n, offs: off, a: a}
						c.check(t, dst0, x0, y0)
						if k.alias {
							c.alias = true
							c.check(t, dst0, x0, y0)
						}
					}
				}
			})
		}
	}
}

func TestElementwiseMatchesGeneric(t *testing.T) {
	checkElementwise(t, testLengths(), offsetSets())
}

// TestElementwiseSpecialPairs runs every pair of special values through
// every elementwise kernel, as x and y and as x and a, so that each NaN
// payload meets each other one in both operand positions.
func TestElementwiseSpecialPairs(t *testing.T) {
	lts := needAsm(t)
	m := len(specials)
	x0, y0, dst0 := make([]float64, m*m), make([]float64, m*m), make([]float64, m*m)
	for i, u := range specials {
		for j, v := range specials {
			x0[i*m+j], y0[i*m+j], dst0[i*m+j] = u, v, specials[(i+j)%m]
		}
	}
	for _, lt := range lts {
		for _, k := range ewKernels {
			for _, a := range specials {
				c := ewRun{k: k, lt: lt, n: m * m, offs: [3]int{1, 2, 3}, a: a}
				c.check(t, dst0, x0, y0)
			}
		}
	}
}

// reduction tolerance: n·2⁻⁵² of the sum of absolute values of the terms,
// plus n units of the smallest subnormal for products that underflow
// (FMA rounds once where generic rounds twice).
func reduceTol(n int, absSum float64) float64 {
	m := float64(max(n, 1))
	return m*0x1p-52*absSum + m*0x1p-1074
}

type reduceKernel struct {
	name string
	run  func(t *table, x, y []float64) float64
	// exact: max and min must equal generic under == (both NaN counts as
	// equal); sum and dot are within reduceTol.
	exact bool
	terms func(x, y []float64) []float64 // the terms whose sum the kernel forms
}

var reduceKernels = []reduceKernel{
	{"sum", func(t *table, x, _ []float64) float64 { return t.sum(x) }, false,
		func(x, _ []float64) []float64 { return x }},
	{"dot", func(t *table, x, y []float64) float64 { return t.dot(x, y) }, false,
		func(x, y []float64) []float64 {
			p := make([]float64, len(x))
			for i := range x {
				p[i] = x[i] * y[i]
			}
			return p
		}},
	{"max", func(t *table, x, _ []float64) float64 { return t.max(x) }, true, nil},
	{"min", func(t *table, x, _ []float64) float64 { return t.min(x) }, true, nil},
}

// checkReduce runs k at level lt and generic on x0 and y0, placed at offsets
// off in guarded buffers, and compares.
func checkReduce(t testing.TB, k reduceKernel, lt *table, x0, y0 []float64, off int) {
	t.Helper()
	n := len(x0)
	x, xBuf := guarded(n, off)
	y, yBuf := guarded(n, (off+1)%4)
	copy(x, x0)
	copy(y, y0)
	want := k.run(&genericTable, x0, y0)
	got := k.run(lt, x, y)
	what := fmt.Sprintf("%s/%s/n=%d/offset=%d", lt.level, k.name, n, off)
	if k.exact {
		if !(got == want || math.IsNaN(got) && math.IsNaN(want)) {
			t.Fatalf("%s: got %v, generic gives %v", what, got, want)
		}
	} else {
		var abs float64
		for _, v := range k.terms(x0, y0) {
			abs += math.Abs(v)
		}
		tol := reduceTol(n, abs)
		switch {
		case math.IsNaN(want) || math.IsInf(want, 0):
			if !(got == want || math.IsNaN(got) && math.IsNaN(want)) {
				t.Fatalf("%s: got %v, generic gives %v", what, got, want)
			}
		case !(math.Abs(got-want) <= tol):
			t.Fatalf("%s: got %v, generic gives %v: differ by %g > tolerance %g", what, got, want, math.Abs(got-want), tol)
		}
	}
	if i := sameBits(x, x0); i >= 0 {
		t.Fatalf("%s: input x[%d] changed", what, i)
	}
	if i := sameBits(y, y0); i >= 0 {
		t.Fatalf("%s: input y[%d] changed", what, i)
	}
	checkGuards(t, what+": x", xBuf, guardLen+off, n)
	checkGuards(t, what+": y", yBuf, guardLen+(off+1)%4, n)
}

func TestReductionsMatchGeneric(t *testing.T) {
	lts := needAsm(t)
	r := rand.New(rand.NewPCG(3, 4))
	// Values for reductions: finite, both signs, magnitudes 1e-3..1e3, with
	// zeros of both signs, subnormals and (for max and min only) infinities.
	value := func(mode int, extremes bool) float64 {
		v := r.NormFloat64() * math.Pow(10, float64(r.IntN(7)-3))
		switch r.IntN(16) {
		case 0:
			v = 0
		case 1:
			v = math.Copysign(0, -1)
		case 2:
			v = 5e-324 * float64(r.IntN(1000))
		case 3:
			if extremes {
				v = math.Inf(1 - 2*r.IntN(2))
			}
		}
		switch mode {
		case 1: // all negative (max must not see a zero from a masked lane)
			v = -math.Abs(v) - 1
		case 2: // all positive
			v = math.Abs(v) + 1
		}
		return v
	}
	for _, lt := range lts {
		for _, k := range reduceKernels {
			t.Run(fmt.Sprintf("level=%s/kernel=%s", lt.level, k.name), func(t *testing.T) {
				for _, n := range testLengths() {
					x0, y0 := make([]float64, n), make([]float64, n)
					for off := 0; off < 4; off++ {
						for mode := 0; mode < 3; mode++ {
							for i := range x0 {
								x0[i], y0[i] = value(mode, k.exact), value(0, false)
							}
							checkReduce(t, k, lt, x0, y0, off)
						}
					}
				}
			})
		}
	}
}

// TestReductionsNaNInf puts a NaN (of several kinds) or an infinity at
// every position of slices up to 100 long, and in long slices at the ends
// and the middle.
func TestReductionsNaNInf(t *testing.T) {
	lts := needAsm(t)
	r := rand.New(rand.NewPCG(5, 6))
	nans := []float64{nanQuiet, nanNeg, nanSignal, nanPayload, nanSignalNg}
	check := func(t *testing.T, lt *table, n, pos int, v float64) {
		x0, y0 := make([]float64, n), make([]float64, n)
		for i := range x0 {
			x0[i], y0[i] = r.NormFloat64(), r.NormFloat64()
		}
		x0[pos] = v
		for _, k := range reduceKernels {
			checkReduce(t, k, lt, x0, y0, pos%4)
			got := k.run(lt, x0, y0)
			if math.IsNaN(v) && !math.IsNaN(got) {
				t.Fatalf("%s/%s: n=%d, NaN at %d: got %v, want NaN", lt.level, k.name, n, pos, got)
			}
			if k.name == "sum" && math.IsInf(v, 0) && got != v {
				t.Fatalf("%s/sum: n=%d, %v at %d: got %v", lt.level, n, v, pos, got)
			}
			if (k.name == "max" && v == math.Inf(1) || k.name == "min" && v == math.Inf(-1)) && got != v {
				t.Fatalf("%s/%s: n=%d, %v at %d: got %v", lt.level, k.name, n, v, pos, got)
			}
		}
	}
	for _, lt := range lts {
		t.Run("level="+lt.level.String(), func(t *testing.T) {
			for n := 1; n <= 100; n++ {
				for pos := 0; pos < n; pos++ {
					check(t, lt, n, pos, nans[(n+pos)%len(nans)])
					check(t, lt, n, pos, math.Inf(1-2*(pos%2)))
				}
			}
			for _, n := range []int{255, 256, 257, 1000, 4097} {
				for _, pos := range []int{0, 1, n / 2, n - 2, n - 1} {
					for _, v := range nans {
						check(t, lt, n, pos, v)
					}
				}
			}
		})
	}
}

func TestReductionsEmpty(t *testing.T) {
	for _, lt := range append([]*table{&genericTable}, asmLevels()...) {
		if got := lt.sum(nil); got != 0 {
			t.Errorf("%s: sum(nil) = %v, want 0", lt.level, got)
		}
		if got := lt.dot(nil, nil); got != 0 {
			t.Errorf("%s: dot(nil, nil) = %v, want 0", lt.level, got)
		}
		if got := lt.max([]float64{}); got != math.Inf(-1) {
			t.Errorf("%s: max of nothing = %v, want -Inf", lt.level, got)
		}
		if got := lt.min(nil); got != math.Inf(1) {
			t.Errorf("%s: min of nothing = %v, want +Inf", lt.level, got)
		}
		if got := lt.max([]float64{math.Inf(-1), math.Inf(-1)}); got != math.Inf(-1) {
			t.Errorf("%s: max(-Inf, -Inf) = %v", lt.level, got)
		}
	}
}

// TestSumExact checks values whose sum is exact in any order, so every
// level must give it exactly.
func TestSumExact(t *testing.T) {
	for _, lt := range append([]*table{&genericTable}, asmLevels()...) {
		for _, n := range testLengths() {
			x := make([]float64, n)
			var want float64
			for i := range x {
				x[i] = float64(i%7 - 3)
				want += x[i]
			}
			if got := lt.sum(x); got != want {
				t.Fatalf("%s: sum of %d small integers = %v, want %v", lt.level, n, got, want)
			}
			if got := lt.dot(x, x); got != lt.sum(squares(x)) {
				t.Fatalf("%s: dot of %d small integers = %v, want %v", lt.level, n, got, lt.sum(squares(x)))
			}
		}
	}
}

func squares(x []float64) []float64 {
	s := make([]float64, len(x))
	for i, v := range x {
		s[i] = v * v
	}
	return s
}

// TestVectorMathIsTheSameAtAnyPosition checks, at every level, that the
// vector math kernels give an element the same bits whatever the length of
// the call and the element's place in it (a vector body, an unrolled
// block, a tail): callers such as cross-entropy exponentiate many short
// rows in one call and rely on getting each row's bits from a call of its
// own.
func TestVectorMathIsTheSameAtAnyPosition(t *testing.T) {
	kerns := []struct {
		name string
		f    func(dst, x []float64)
	}{{"Exp", Exp}, {"Log", Log}, {"Tanh", Tanh}, {"Sigmoid", Sigmoid}, {"Sqrt", Sqrt}}
	forEachLevel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(21, 22))
		x := make([]float64, 300)
		for i := range x {
			x[i] = rng.NormFloat64() * 4
		}
		for _, k := range kerns {
			in := x
			if k.name == "Log" || k.name == "Sqrt" {
				in = make([]float64, len(x))
				for i, v := range x {
					in[i] = math.Abs(v)
				}
			}
			whole := make([]float64, len(in))
			k.f(whole, in)
			for n := 1; n <= 70; n++ {
				for off := 0; off+n <= len(in); off += 13 {
					part := make([]float64, n)
					k.f(part, in[off:off+n])
					if i := sameBits(part, whole[off:off+n]); i >= 0 {
						t.Fatalf("%s of %v: %v in a call of %d at offset %d, %v in a call of %d", k.name, in[off+i], part[i], n, off, whole[off+i], len(in))
					}
				}
			}
		}
	})
}

// TestRowsMatchGeneric runs copyRows and addRows at every level against
// generic's loops on guarded buffers: row lengths across the vector width
// and its tail, row counts from 0, strides equal to, longer than and (for
// src) shorter than the row, src repeating one row (ss = 0), and inputs
// with NaNs. Gaps between the rows of dst must keep their values.
func TestRowsMatchGeneric(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	specials := []float64{nanQuiet, nanNeg, math.Inf(1), math.Copysign(0, -1)}
	for _, lt := range asmLevels() {
		for _, add := range []bool{false, true} {
			for _, n := range []int{0, 1, 3, 4, 7, 8, 9, 10, 15, 16, 17, 33} {
				for _, rows := range []int{0, 1, 2, 5} {
					for _, st := range [][2]int{{n, n}, {n + 3, n + 1}, {2*n + 1, 0}, {n + 1, max(n-2, 0)}} {
						ds, ss := st[0], st[1]
						name := fmt.Sprintf("%s/add=%v/n=%d/rows=%d/ds=%d/ss=%d", lt.level, add, n, rows, ds, ss)
						dl, sl := 0, 0
						if rows > 0 && n > 0 {
							dl, sl = (rows-1)*ds+n, (rows-1)*ss+n
						}
						d0, s0 := make([]float64, dl), make([]float64, sl)
						for i := range d0 {
							d0[i] = rng.NormFloat64()
						}
						for i := range s0 {
							s0[i] = rng.NormFloat64()
							if rng.IntN(8) == 0 {
								s0[i] = specials[rng.IntN(len(specials))]
							}
						}
						run := func(tb *table) ([]float64, []float64) {
							dst, dbuf := guarded(dl, 1)
							src, sbuf := guarded(sl, 2)
							copy(dst, d0)
							copy(src, s0)
							f := tb.copyRows
							if add {
								f = tb.addRows
							}
							if rows > 0 && n > 0 { // as CopyRows and AddRows call them
								f(dst, ds, src, ss, rows, n)
							}
							checkGuards(t, name+": dst", dbuf, guardLen+1, dl)
							checkGuards(t, name+": src", sbuf, guardLen+2, sl)
							if i := sameBits(src, s0); i >= 0 {
								t.Fatalf("%s: src[%d] changed", name, i)
							}
							return dst, dbuf
						}
						want, _ := run(&genericTable)
						got, _ := run(lt)
						if i := sameBits(got, want); i >= 0 {
							t.Fatalf("%s: dst[%d] = %v (%#x), generic gives %v (%#x)", name, i,
								got[i], math.Float64bits(got[i]), want[i], math.Float64bits(want[i]))
						}
					}
				}
			}
		}
	}
}
