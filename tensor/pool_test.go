package tensor_test

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

func TestRecycleHandsStorageBackOnlyWhenAlone(t *testing.T) {
	cases := map[string]struct {
		make func() *tensor.Tensor
		want bool
	}{
		"the result of an operation":   {func() *tensor.Tensor { return seq(3, 4).Exp() }, true},
		"a constructor's tensor":       {func() *tensor.Tensor { return tensor.Zeros(5) }, true},
		"storage from FromData":        {func() *tensor.Tensor { return tensor.FromData(make([]float64, 6), 2, 3) }, false},
		"a 0-d tensor":                 {func() *tensor.Tensor { return tensor.Scalar(1) }, false},
		"an empty tensor":              {func() *tensor.Tensor { return tensor.Zeros(0, 3) }, false},
		"a tensor a view was taken of": {func() *tensor.Tensor { x := seq(3, 4).Exp(); x.Transpose(0, 1); return x }, false},
		"a view":                       {func() *tensor.Tensor { return seq(3, 4).Exp().Reshape(12) }, false},
		"a tensor whose Raw was taken": {func() *tensor.Tensor { x := seq(3, 4).Exp(); x.Raw(); return x }, false},
		"a Clone of a view":            {func() *tensor.Tensor { return seq(3, 4).Transpose(0, 1).Clone() }, true},
		"a squeezed matrix-vector product": {func() *tensor.Tensor {
			return seq(3, 4).MatMul(seq(4))
		}, true},
		"a Cat of views": {func() *tensor.Tensor {
			return tensor.Cat([]*tensor.Tensor{seq(2, 3).Transpose(0, 1), seq(3, 2)}, 1)
		}, true},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			x := c.make()
			if got := tops.IsRecyclable(x); got != c.want {
				t.Fatalf("IsRecyclable = %v, want %v", got, c.want)
			}
			if got := tops.Recycle(x); got != c.want {
				t.Fatalf("Recycle = %v, want %v", got, c.want)
			}
			if tops.IsRecycled(x) != c.want {
				t.Fatalf("IsRecycled = %v after Recycle returned %v", tops.IsRecycled(x), c.want)
			}
		})
	}
}

func TestRecycledTensorPanicsOnUse(t *testing.T) {
	uses := map[string]func(x *tensor.Tensor){
		"At":       func(x *tensor.Tensor) { x.At(0, 0) },
		"Data":     func(x *tensor.Tensor) { x.Data() },
		"Add":      func(x *tensor.Tensor) { x.Add(x) },
		"Exp":      func(x *tensor.Tensor) { x.Exp() },
		"MatMul":   func(x *tensor.Tensor) { x.MatMul(seq(4, 2)) },
		"Raw":      func(x *tensor.Tensor) { x.Raw() },
		"Set":      func(x *tensor.Tensor) { x.Set(1, 0, 0) },
		"SumDims":  func(x *tensor.Tensor) { x.SumDims(false, 0) },
		"CopyFrom": func(x *tensor.Tensor) { seq(3, 4).CopyFrom(x) },
	}
	for name, use := range uses {
		t.Run(name, func(t *testing.T) {
			x := seq(3, 4).Exp()
			if !tops.Recycle(x) {
				t.Fatalf("not recycled")
			}
			e := testutil.Panics[*tensor.Error](t, func() { use(x) })
			if msg := e.Error(); !strings.Contains(msg, "recycled") || !strings.Contains(msg, "[3 4]") {
				t.Fatalf("panic %q does not say that the [3 4] tensor was recycled", msg)
			}
		})
	}
}

func TestPooledStorageIsReusedAndZeroedWhereZerosArePromised(t *testing.T) {
	for _, n := range []int{1, 7, 8, 9, 100, 1000, 4097} {
		x := tensor.Full(math.NaN(), n)
		tops.Recycle(x)
		z := tensor.Zeros(n)
		for i, v := range z.Data() {
			if v != 0 {
				t.Fatalf("Zeros(%d) after a recycle holds %v at %d", n, v, i)
			}
		}
		// Operations that write every element may get the NaNs back, and
		// must overwrite them all.
		tops.Recycle(tensor.Full(math.NaN(), n))
		y := tensor.Ones(n).MulScalar(3)
		for i, v := range y.Data() {
			if v != 3 {
				t.Fatalf("Ones(%d)·3 after a recycle holds %v at %d", n, v, i)
			}
		}
		tops.Recycle(tensor.Full(math.NaN(), 2*n))
		p := tensor.Ones(n, 2).MatMul(tensor.Ones(2, 2))
		tops.Recycle(tensor.Full(math.NaN(), 2*n))
		q := tensor.Zeros(n, 0).MatMul(tensor.Zeros(0, 2)) // an inner dimension of 0 gives zeros
		// Data returns a copy: take it once, not twice per element (at
		// 4,097 rows that was quadratic, 40 s under the race detector).
		pd, qd := p.Data(), q.Data()
		for i := range pd {
			if pd[i] != 2 || qd[i] != 0 {
				t.Fatalf("products after a recycle: %v and %v at %d, want 2 and 0", pd[i], qd[i], i)
			}
		}
	}
}

func TestMatMulT(t *testing.T) {
	rng := newRNG(21)
	shapes := []struct{ a, b []int }{
		{[]int{3, 4}, []int{4, 5}},
		{[]int{1, 7}, []int{7, 1}},
		{[]int{2, 3, 4}, []int{4, 5}},
		{[]int{2, 1, 3, 4}, []int{3, 4, 2}},
		{[]int{3, 0}, []int{0, 2}},
	}
	for _, s := range shapes {
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				a, b := randT(rng, s.a...), randT(rng, s.b...)
				// Store the operands transposed when the flag asks to read them so.
				if ta {
					a = a.Transpose(-2, -1).Contiguous()
				}
				if tb {
					b = b.Transpose(-2, -1).Contiguous()
				}
				ra, rb := tops.IsRecyclable(a), tops.IsRecyclable(b)
				got := tensor.MatMulT(a, b, ta, tb)
				if ra != tops.IsRecyclable(a) || rb != tops.IsRecyclable(b) {
					t.Errorf("MatMulT marked an operand shared: it must take no views")
				}
				oa, ob := a, b
				if ta {
					oa = a.Transpose(-2, -1)
				}
				if tb {
					ob = b.Transpose(-2, -1)
				}
				shape, want := refMatMul(oa, ob)
				checkShape(t, "MatMulT", got.Shape(), shape)
				testutil.AllClose(t, "MatMulT", got.Data(), want, 1e-13)
				if !tops.IsRecyclable(got) && got.Numel() > 0 {
					t.Errorf("MatMulT's result is not recyclable")
				}
			}
		}
	}
	wantPanic(t, "MatMulT", []string{"[3]", "[3 4]"}, func() { tensor.MatMulT(seq(3), seq(3, 4), false, false) })
	wantPanic(t, "MatMulT", []string{"[3 4]", "[3 4]"}, func() { tensor.MatMulT(seq(3, 4), seq(3, 4), false, false) })
}

// TestAddMatMulInPlace checks both products into a buffer: AddMatMulInPlace
// adds into it, MatMulInto overwrites it (NaNs there included, and with
// zeros for an empty inner dimension).
func TestAddMatMulInPlace(t *testing.T) {
	rng := newRNG(22)
	for _, add := range []bool{true, false} {
		name, into := "AddMatMulInPlace", tops.AddMatMulInPlace
		if !add {
			name, into = "MatMulInto", tops.MatMulInto
		}
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				for _, d := range [][3]int{{3, 4, 5}, {1, 1, 1}, {17, 9, 33}, {2, 0, 3}} {
					n, k, m := d[0], d[1], d[2]
					a, b := randT(rng, n, k), randT(rng, k, m)
					sa, sb := a, b
					if ta {
						sa = a.Transpose(0, 1).Contiguous()
					}
					if tb {
						sb = b.Transpose(0, 1).Contiguous()
					}
					dst := randT(rng, n, m)
					_, prod := refMatMul(a, b)
					want := dst.Data()
					for i := range want {
						if add {
							want[i] += prod[i]
						} else {
							want[i] = prod[i]
						}
					}
					if !add {
						dst.Fill(math.NaN())
					}
					v := dst.Version()
					into(dst, sa, sb, ta, tb)
					testutil.AllClose(t, name, dst.Data(), want, 1e-13)
					if dst.Version() == v {
						t.Errorf("%s did not bump the version", name)
					}
				}
			}
		}
		x := seq(3, 4)
		wantPanic(t, name, []string{"[3 3]", "[3 4]"}, func() { into(seq(3, 3), x, x, false, false) })
		wantPanic(t, name, []string{"[4 3]"}, func() { into(seq(3, 4).Transpose(0, 1), x, x, true, false) })
		wantPanic(t, name, []string{"[2 3 4]"}, func() { into(seq(3, 4), seq(2, 3, 4), x, false, false) })
		sq := seq(3, 3)
		wantPanic(t, name, []string{"share storage"}, func() { into(sq, sq, seq(3, 3), false, false) })
	}
}

func TestThresholdGrad(t *testing.T) {
	nan := math.NaN()
	g := tensor.New([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	x := tensor.New([]float64{-1, 0, 0.5, nan, 2, 1e-300}, 2, 3)
	got := tops.ThresholdGrad(g, x, 0)
	testutil.AllSame(t, "ThresholdGrad", got.Data(), []float64{0, 0, 3, 4, 5, 6})
	got = tops.ThresholdGrad(g, x.Transpose(0, 1).Contiguous().Transpose(0, 1), 0.5)
	testutil.AllSame(t, "ThresholdGrad of a strided x", got.Data(), []float64{0, 0, 0, 4, 5, 0})
	testutil.AllSame(t, "0-d", tops.ThresholdGrad(tensor.Scalar(7), tensor.Scalar(1), 0).Data(), []float64{7})
	testutil.AllSame(t, "0-d below", tops.ThresholdGrad(tensor.Scalar(7), tensor.Scalar(-1), 0).Data(), []float64{0})
	big := tensor.Ones(1 << 19)
	if s := tops.ThresholdGrad(big, big, 0).Sum().Item(); s != 1<<19 {
		t.Fatalf("ThresholdGrad over goroutines sums to %v", s)
	}
	wantPanic(t, "ThresholdGrad", []string{"[2 3]", "[3 2]"}, func() { tops.ThresholdGrad(g, seq(3, 2), 0) })
}

func TestCrossEntropyRowsGradScale(t *testing.T) {
	rng := newRNG(23)
	x := randT(rng, 4, 3)
	target := tensor.New([]float64{0, 2, -100, 1}, 4)
	_, lse := tops.CrossEntropyRows(x, target, -100)
	unit := tops.CrossEntropyRowsGrad(x, target, lse, nil, -100).Data()
	scale := tensor.New([]float64{2, -1, 5, 0.5}, 4)
	got := tops.CrossEntropyRowsGrad(x, target, lse, scale, -100).Data()
	for i := range got {
		if want := unit[i] * scale.At(i/3); math.Abs(got[i]-want) > 1e-15 {
			t.Fatalf("scaled gradient %v, want each row of %v times %v", got, unit, scale.Data())
		}
	}
	// An expanded 0-d gradient, as Sum's backward gives.
	half := tensor.Scalar(0.5).Expand(4)
	got = tops.CrossEntropyRowsGrad(x, target, lse, half, -100).Data()
	for i := range got {
		if got[i] != unit[i]*0.5 {
			t.Fatalf("gradient scaled by an expanded 0.5: %v, want %v / 2", got, unit)
		}
	}
	wantPanic(t, "CrossEntropyRowsGrad", []string{"[3]", "[4 3]"}, func() {
		tops.CrossEntropyRowsGrad(x, target, lse, seq(3), -100)
	})
	if !slices.Equal(target.Data(), []float64{0, 2, -100, 1}) {
		t.Fatalf("target changed")
	}
}
