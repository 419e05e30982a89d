package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/device"
	"github.com/adjoint-go/adjoint/internal/testutil"
)

// The exported kernels, at every level this build and CPU can run, against
// loops written out here.

type binaryFunc struct {
	name    string
	f       func(dst, x, y []float64)
	scalar  func(dst, x []float64, a float64)
	strided func(n int, dst []float64, incDst int, x []float64, incX int, y []float64, incY int)
	ref     func(a, b float64) float64
}

var binaryFuncs = []binaryFunc{
	{"Add", Add, AddScalar, AddStrided, func(a, b float64) float64 { return a + b }},
	{"Sub", Sub, SubScalar, SubStrided, func(a, b float64) float64 { return a - b }},
	{"Mul", Mul, MulScalar, MulStrided, func(a, b float64) float64 { return a * b }},
	{"Div", Div, DivScalar, DivStrided, func(a, b float64) float64 { return a / b }},
}

// sameValue reports whether got has want's bits, or, where the operation
// had two NaN operands (twoNaN; see ewKernel), whether both are NaN.
func sameValue(got, want float64, twoNaN bool) bool {
	return math.Float64bits(got) == math.Float64bits(want) || twoNaN && math.IsNaN(got) && math.IsNaN(want)
}

func TestExportedMatchLoops(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	forEachLevel(t, func(t *testing.T) {
		for _, n := range []int{0, 1, 3, 8, 33, 100, 1000} {
			// x and y are longer than dst: the kernels use their first n.
			x, y, d0 := make([]float64, n+5), make([]float64, n+3), make([]float64, n)
			fillMixed(r, x)
			fillMixed(r, y)
			fillMixed(r, d0)
			a := finite(r)
			for _, bf := range binaryFuncs {
				dst := make([]float64, n)
				bf.f(dst, x, y)
				for i := range dst {
					if want := bf.ref(x[i], y[i]); !sameValue(dst[i], want, nan2(x[i], y[i])) {
						t.Fatalf("%s: n=%d: dst[%d] = %v, want %v", bf.name, n, i, dst[i], want)
					}
				}
				bf.scalar(dst, x, a)
				for i := range dst {
					if want := bf.ref(x[i], a); !sameValue(dst[i], want, nan2(x[i], a)) {
						t.Fatalf("%sScalar: n=%d: dst[%d] = %v, want %v", bf.name, n, i, dst[i], want)
					}
				}
			}
			dst := make([]float64, n)
			Neg(dst, x)
			for i := range dst {
				if want := -x[i]; !sameValue(dst[i], want, false) {
					t.Fatalf("Neg: n=%d: dst[%d] = %v, want %v", n, i, dst[i], want)
				}
			}
			Sqrt(dst, x)
			for i := range dst {
				if want := math.Sqrt(x[i]); !sameValue(dst[i], want, false) {
					t.Fatalf("Sqrt: n=%d: dst[%d] = %v, want %v", n, i, dst[i], want)
				}
			}
			for _, thr := range []float64{0, a} {
				MaskAbove(dst, d0, x, thr)
				for i := range dst {
					want := d0[i]
					if x[i] <= thr {
						want = 0
					}
					if math.Float64bits(dst[i]) != math.Float64bits(want) {
						t.Fatalf("MaskAbove: n=%d t=%v: dst[%d] = %v (x %v, g %v), want %v", n, thr, i, dst[i], x[i], d0[i], want)
					}
				}
			}
			yy := append([]float64(nil), d0...)
			Axpy(a, x[:n], yy)
			for i := range yy {
				if want := d0[i] + float64(a*x[i]); !sameValue(yy[i], want, nan2(a, x[i]) || nan2(a*x[i], d0[i])) {
					t.Fatalf("Axpy: n=%d: y[%d] = %v, want %v", n, i, yy[i], want)
				}
			}
			xx := append([]float64(nil), d0...)
			Scal(a, xx)
			for i := range xx {
				if want := d0[i] * a; !sameValue(xx[i], want, nan2(d0[i], a)) {
					t.Fatalf("Scal: n=%d: x[%d] = %v, want %v", n, i, xx[i], want)
				}
			}

			// Reductions on finite values.
			fx, fy := make([]float64, n), make([]float64, n+2)
			var sum, dot, abs, dabs float64
			mx, mn := math.Inf(-1), math.Inf(1)
			for i := range fx {
				fx[i], fy[i] = r.NormFloat64(), r.NormFloat64()
				sum += fx[i]
				dot += fx[i] * fy[i]
				abs += math.Abs(fx[i])
				dabs += math.Abs(fx[i] * fy[i])
				mx, mn = math.Max(mx, fx[i]), math.Min(mn, fx[i])
			}
			if got := Sum(fx); math.Abs(got-sum) > reduceTol(n, abs) {
				t.Fatalf("Sum: n=%d: %v, want %v", n, got, sum)
			}
			if got := Dot(fx, fy); math.Abs(got-dot) > reduceTol(n, dabs) {
				t.Fatalf("Dot: n=%d: %v, want %v", n, got, dot)
			}
			if got := Max(fx); got != mx {
				t.Fatalf("Max: n=%d: %v, want %v", n, got, mx)
			}
			if got := Min(fx); got != mn {
				t.Fatalf("Min: n=%d: %v, want %v", n, got, mn)
			}
			if n > 0 {
				fx[n/2] = math.NaN()
				if got := Max(fx); !math.IsNaN(got) {
					t.Fatalf("Max with a NaN: %v", got)
				}
				if got := Min(fx); !math.IsNaN(got) {
					t.Fatalf("Min with a NaN: %v", got)
				}
			}
		}
	})
}

// TestStridedMatchesLoop runs the strided kernels with every increment
// 0..3 for dst, x and y against the loop in their doc comments.
func TestStridedMatchesLoop(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	forEachLevel(t, func(t *testing.T) {
		for _, bf := range binaryFuncs {
			for _, n := range []int{0, 1, 2, 5, 17, 40} {
				for incD := 0; incD <= 3; incD++ {
					for incX := 0; incX <= 3; incX++ {
						for incY := 0; incY <= 3; incY++ {
							size := func(inc int) int { return max(n-1, 0)*inc + 1 }
							x, y := make([]float64, size(incX)), make([]float64, size(incY))
							d0 := make([]float64, size(incD))
							fillMixed(r, x)
							fillMixed(r, y)
							fillMixed(r, d0)
							want := append([]float64(nil), d0...)
							for i := 0; i < n; i++ {
								want[i*incD] = bf.ref(x[i*incX], y[i*incY])
							}
							got := append([]float64(nil), d0...)
							bf.strided(n, got, incD, x, incX, y, incY)
							if i := sameBits(got, want); i >= 0 && !bothNaNOperands(n, i, incD, x, incX, y, incY, got[i]) {
								t.Fatalf("%sStrided(n=%d, inc %d %d %d): dst[%d] = %v, want %v",
									bf.name, n, incD, incX, incY, i, got[i], want[i])
							}
						}
					}
				}
			}
		}
	})
}

// bothNaNOperands reports whether dst[i] is a NaN computed from two NaN
// operands, whose payload the implementation may pick (see ewKernel). Here
// it really varies: AddStrided and MulStrided with a repeated x (incX 0)
// compute y[i] op x[0] through the Scalar kernels, so they keep y's payload
// where the loop keeps x's.
func bothNaNOperands(n, i, incD int, x []float64, incX int, y []float64, incY int, got float64) bool {
	k := n - 1 // with incD 0 the last element's result stays
	if incD > 0 {
		if i%incD != 0 {
			return false
		}
		k = i / incD
	}
	return k < n && math.IsNaN(got) && nan2(x[k*incX], y[k*incY])
}

func TestLengthPanics(t *testing.T) {
	s2, s3, s4 := make([]float64, 2), make([]float64, 3), make([]float64, 4)
	cases := []struct {
		op, msg string
		f       func()
	}{
		{"Add", "len(dst) = 3, len(x) = 2, len(y) = 3", func() { Add(s3, s2, s3) }},
		{"Sub", "len(dst) = 3, len(x) = 3, len(y) = 2", func() { Sub(s3, s3, s2) }},
		{"Mul", "len(dst) = 4", func() { Mul(s4, s3, s3) }},
		{"Div", "len(dst) = 3", func() { Div(s3, s2, s2) }},
		{"AddScalar", "len(x) = 2 < len(dst) = 3", func() { AddScalar(s3, s2, 1) }},
		{"SubScalar", "len(x) = 2", func() { SubScalar(s3, s2, 1) }},
		{"MulScalar", "len(x) = 3 < len(dst) = 4", func() { MulScalar(s4, s3, 1) }},
		{"DivScalar", "len(x) = 2", func() { DivScalar(s4, s2, 1) }},
		{"Neg", "len(x) = 2 < len(dst) = 3", func() { Neg(s3, s2) }},
		{"Sqrt", "len(x) = 2 < len(dst) = 3", func() { Sqrt(s3, s2) }},
		{"MaskAbove", "len(dst) = 3, len(g) = 3, len(x) = 2", func() { MaskAbove(s3, s3, s2, 0) }},
		{"Axpy", "len(y) = 2 < len(x) = 3", func() { Axpy(1, s3, s2) }},
		{"Dot", "len(y) = 3 < len(x) = 4", func() { Dot(s4, s3) }},
		{"AddStrided", "negative increment", func() { AddStrided(2, s4, 1, s4, -1, s4, 1) }},
		{"SubStrided", "runs past", func() { SubStrided(3, s4, 2, s4, 1, s4, 1) }},
		{"MulStrided", "runs past", func() { MulStrided(5, s4, 1, s4, 0, s4, 1) }},
		{"DivStrided", "runs past", func() { DivStrided(2, s4, 0, s4, 0, s2, 2) }},
		{"CopyRows", "negative count or stride", func() { CopyRows(s4, 2, s4, -1, 2, 2) }},
		{"CopyRows", "rows would overlap", func() { CopyRows(s4, 1, s4, 2, 2, 2) }},
		{"CopyRows", "run past lengths (4, 3)", func() { CopyRows(s4, 2, s3, 2, 2, 2) }},
		{"AddRows", "run past lengths (3, 4)", func() { AddRows(s3, 2, s4, 2, 2, 2) }},
		{"AddRows", "run past", func() { AddRows(s4, math.MaxInt/2, s4, 0, 3, 1) }},
		{"CopyRows", "run past", func() { CopyRows(s4, 1, s4, math.MaxInt, 4, 1) }}, // 3·MaxInt overflows 64 bits
		{"CopyRows", "run past", func() { CopyRows(s4, math.MaxInt/3+1, s4, 1, 4, 1) }},
		{"AddRows", "negative count", func() { AddRows(s4, 1, s4, 1, -1, 1) }},
	}
	for _, c := range cases {
		t.Run(c.op, func(t *testing.T) {
			e := testutil.Panics[*Error](t, c.f)
			if e.Op != c.op || !strings.Contains(e.Msg, c.msg) {
				t.Errorf("%s: panic %q (Op %q), want Op %q and a message containing %q", c.op, e, e.Op, c.op, c.msg)
			}
			if !strings.HasPrefix(e.Error(), "kernels: "+c.op+": ") {
				t.Errorf("%s: message %q does not start with the package and op", c.op, e)
			}
		})
	}
	// What does fit does not panic, and n <= 0 touches nothing.
	AddStrided(0, nil, -1, nil, -1, nil, -1)
	AddStrided(2, s4, 3, s2, 1, s2, 1)
	Axpy(1, s2, s3)
}

func TestSetLevel(t *testing.T) {
	for _, l := range device.Available() {
		old, err := SetLevel(l)
		if err != nil {
			t.Fatalf("SetLevel(%s): %v", l, err)
		}
		if Level() != l {
			t.Fatalf("after SetLevel(%s), Level() = %s", l, Level())
		}
		SetLevel(old)
	}
	before := Level()
	if _, err := SetLevel(device.Level(42)); err == nil {
		t.Fatal("SetLevel(42) succeeded")
	}
	if Level() != before {
		t.Fatalf("a failed SetLevel changed the level from %s to %s", before, Level())
	}
	if device.Compiled(device.AVX512) && device.CPU().Supports(device.AVX512) {
		if _, ok := tables[device.AVX512]; !ok {
			t.Fatal("this build and CPU support avx512 but kernels has no avx512 table")
		}
	}
}

// Fill writes every element with the value's exact bits (-0 and NaN
// payloads included) at lengths around its run of element-by-element
// stores, and nothing past the slice.
func TestFillSetsEveryElement(t *testing.T) {
	vals := []float64{0, math.Copysign(0, -1), 1.5, math.Inf(-1), math.Float64frombits(0x7ff8000000000123), 5e-324}
	for _, n := range []int{0, 1, 7, fillRun - 1, fillRun, fillRun + 1, 2*fillRun + 3, 5 * fillRun} {
		for _, v := range vals {
			buf := make([]float64, n+1)
			for i := range buf {
				buf[i] = 42
			}
			Fill(buf[:n], v)
			for i := range n {
				if math.Float64bits(buf[i]) != math.Float64bits(v) {
					t.Fatalf("n=%d v=%v: element %d is %v (bits %#x)", n, v, i, buf[i], math.Float64bits(buf[i]))
				}
			}
			if buf[n] != 42 {
				t.Fatalf("n=%d v=%v: wrote past the slice", n, v)
			}
		}
	}
}

func BenchmarkFill(b *testing.B) {
	buf := make([]float64, 100352)
	for _, v := range []float64{0, 1} {
		b.Run(fmt.Sprint(v), func(b *testing.B) {
			b.SetBytes(int64(8 * len(buf)))
			for b.Loop() {
				Fill(buf, v)
			}
		})
	}
}
