package testutil

import (
	"fmt"
	"math"
	"testing"
)

// The module's tests compare float64 results in one of two ways.
//
// Close is the one meaning of "close enough": an absolute tolerance below
// magnitude 1 and a relative one above it, that is
//
//	|got - want| <= tol·max(1, |want|)
//
// where want is the trusted value (a reference loop, a formula, a fixture).
// Values that are not finite must match exactly: NaN is close only to NaN
// (any payload, any sign) and an infinity only to the same infinity. With
// tol 0, Close is == with NaN equal to NaN (so 0 and -0 are close).
//
// Same is exactness: bit for bit, except that any two NaNs are the same.
// Unlike == it tells 0 from -0.
//
// A test that used to compare purely relatively (|got-want| <= tol·|want|)
// keeps its strictness by passing tol·min|want| over its expected values,
// or by using Same where the results are exact.

// Close reports whether got is within tol of want as described above:
// |got-want| <= tol·max(1, |want|), NaN close only to NaN, an infinity
// only to itself. It panics if tol is negative or NaN.
func Close(got, want, tol float64) bool {
	if !(tol >= 0) {
		panic(fmt.Sprintf("testutil.Close: tolerance %v, want >= 0", tol))
	}
	if math.IsNaN(got) || math.IsNaN(want) {
		return math.IsNaN(got) && math.IsNaN(want)
	}
	if math.IsInf(got, 0) || math.IsInf(want, 0) {
		return got == want
	}
	return math.Abs(got-want) <= tol*math.Max(1, math.Abs(want))
}

// Same reports whether x and y are the same float64: the same bits, or
// both NaN (whatever their payloads and signs). +0 and -0 differ.
func Same(x, y float64) bool {
	return math.Float64bits(x) == math.Float64bits(y) || math.IsNaN(x) && math.IsNaN(y)
}

// AllClose checks that got and want have the same length and that every
// got[i] is Close to want[i] within tol. On a mismatch it reports, with
// t.Errorf and naming the values what, the first index that differs and
// how many do (and both slices, when short), and returns false; the test
// goes on.
func AllClose(t testing.TB, what string, got, want []float64, tol float64) bool {
	t.Helper()
	return all(t, what, got, want, func(g, w float64) bool { return Close(g, w, tol) },
		fmt.Sprintf("within %g·max(1, |want|)", tol))
}

// AllSame checks that got and want have the same length and that every
// got[i] is Same as want[i]. On a mismatch it reports, with t.Errorf, the
// first index that differs and how many do, and returns false.
func AllSame(t testing.TB, what string, got, want []float64) bool {
	t.Helper()
	return all(t, what, got, want, Same, "exactly")
}

func all(t testing.TB, what string, got, want []float64, eq func(g, w float64) bool, how string) bool {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s has %d values, want %d: got %v, want %v", what, len(got), len(want), got, want)
		return false
	}
	first, bad := -1, 0
	for i := range got {
		if !eq(got[i], want[i]) {
			if first < 0 {
				first = i
			}
			bad++
		}
	}
	if bad == 0 {
		return true
	}
	msg := fmt.Sprintf("%s[%d] = %v, want %v %s (%d of %d values differ)", what, first, got[first], want[first], how, bad, len(got))
	if len(got) <= 16 {
		msg += fmt.Sprintf("\ngot  %v\nwant %v", got, want)
	}
	t.Errorf("%s", msg)
	return false
}
