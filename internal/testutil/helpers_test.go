package testutil_test

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
)

// fakeTB records what a helper reports instead of failing the real test.
// Fatalf ends the goroutine, as testing's does; run runs a body on its own
// goroutine and says whether the body got to its end.
type fakeTB struct {
	testing.TB // nil: a helper calling anything else panics the test
	errors     []string
	fatal      string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Errorf(format string, args ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (f *fakeTB) run(body func()) (completed bool) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		body()
		completed = true
	}()
	<-done
	return completed
}

type myErr struct{ op string }

func (e *myErr) Error() string { return "myErr: " + e.op }

func TestPanicsReturnsThePanicValue(t *testing.T) {
	want := &myErr{"Add"}
	if got := testutil.Panics[*myErr](t, func() { panic(want) }); got != want {
		t.Errorf("Panics[*myErr] returned %v, want the value panicked with", got)
	}
	if got := testutil.Panics[error](t, func() { panic(want) }); got != want {
		t.Errorf("Panics[error] returned %v, want the value panicked with", got)
	}
	if got := testutil.Panics[string](t, func() { panic("boom") }); got != "boom" {
		t.Errorf("Panics[string] returned %q, want boom", got)
	}
	if got := testutil.Panics[any](t, func() { panic(3) }); got != 3 {
		t.Errorf("Panics[any] returned %v, want 3", got)
	}
	// panic(nil) is a panic (with a *runtime.PanicNilError), not a return.
	if _, ok := testutil.Panics[any](t, func() { panic(nil) }).(*runtime.PanicNilError); !ok {
		t.Error("Panics[any] of panic(nil): want a *runtime.PanicNilError")
	}
}

func TestPanicsFailsTheTest(t *testing.T) {
	cases := []struct {
		name string
		f    func()
		want []string // in the t.Fatalf message
	}{
		{"when f returns", func() {}, []string{"no panic", "*testutil_test.myErr"}},
		{"when f panics with another type", func() { panic("boom") }, []string{"panic with string (boom)", "want a *testutil_test.myErr"}},
		{"when f panics with an error that wraps the type", func() { panic(fmt.Errorf("wrapped: %w", &myErr{"Add"})) },
			[]string{"*fmt.wrapError", "want a *testutil_test.myErr"}},
		{"when f panics with another error", func() { panic(errors.New("other")) }, []string{"*errors.errorString (other)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var f fakeTB
			completed := f.run(func() { testutil.Panics[*myErr](&f, c.f) })
			if completed {
				t.Fatal("Panics returned; want it to end the test with Fatalf")
			}
			if f.fatal == "" {
				t.Fatal("Panics did not call Fatalf")
			}
			for _, w := range c.want {
				if !strings.Contains(f.fatal, w) {
					t.Errorf("Fatalf message %q does not contain %q", f.fatal, w)
				}
			}
			if len(f.errors) != 0 {
				t.Errorf("Errorf calls %q, want none", f.errors)
			}
		})
	}
}

func TestClose(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	negNaN := math.Float64frombits(0xfff8000000000abc)
	next := math.Nextafter(1, 2)
	cases := []struct {
		name      string
		got, want float64
		tol       float64
		close     bool
	}{
		{"equal values are close with tolerance 0", 1.5, 1.5, 0, true},
		{"one ulp apart is not close with tolerance 0", next, 1, 0, false},
		{"0 and -0 are close with tolerance 0", math.Copysign(0, -1), 0, 0, true},
		{"below magnitude 1 the tolerance is absolute: within", 1e-3, 0.5e-3, 1e-3, true},
		{"below magnitude 1 the tolerance is absolute: beyond", 2.1e-3, 1e-3, 1e-3, false},
		{"zero is compared absolutely", 1e-13, 0, 1e-12, true},
		{"zero is compared absolutely: beyond", -2e-12, 0, 1e-12, false},
		{"above magnitude 1 the tolerance is relative: within", 1000.9, 1000, 1e-3, true},
		{"above magnitude 1 the tolerance is relative: beyond", 1001.1, 1000, 1e-3, false},
		{"the difference may equal the bound", 1.5, 1, 0.5, true},
		{"the bound scales with want, not got", 1000, 1, 0.5, false},
		{"a negative want scales by its magnitude", -1000.9, -1000, 1e-3, true},
		{"NaN is close to NaN", nan, nan, 0, true},
		{"NaN is close to NaN of another payload and sign", negNaN, nan, 0, true},
		{"NaN is not close to a number", nan, 1, 1e300, false},
		{"a number is not close to NaN", 1, nan, 1e300, false},
		{"NaN is not close to infinity", nan, inf, 1, false},
		{"infinity is close to itself", inf, inf, 0, true},
		{"-infinity is close to itself", -inf, -inf, 0, true},
		{"infinity is not close to -infinity", inf, -inf, 1e300, false},
		{"a huge number is not close to infinity", math.MaxFloat64, inf, 1e300, false},
		{"infinity is not close to a huge number", inf, math.MaxFloat64, 1e300, false},
		{"a difference that overflows is not close", math.MaxFloat64, -math.MaxFloat64, 1, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := testutil.Close(c.got, c.want, c.tol); got != c.close {
				t.Errorf("Close(%v, %v, %v) = %v, want %v", c.got, c.want, c.tol, got, c.close)
			}
		})
	}
}

func TestCloseRejectsABadTolerance(t *testing.T) {
	for _, tol := range []float64{-1e-12, math.NaN()} {
		msg := testutil.Panics[string](t, func() { testutil.Close(1, 1, tol) })
		if !strings.Contains(msg, "tolerance") {
			t.Errorf("Close with tolerance %v panicked with %q, want it to name the tolerance", tol, msg)
		}
	}
}

func TestSame(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	cases := []struct {
		name string
		x, y float64
		same bool
	}{
		{"equal values are the same", 2.5, 2.5, true},
		{"one ulp apart is not the same", math.Nextafter(1, 2), 1, false},
		{"0 and -0 are not the same", 0, math.Copysign(0, -1), false},
		{"-0 is the same as -0", math.Copysign(0, -1), math.Copysign(0, -1), true},
		{"NaNs of different payloads and signs are the same", math.Float64frombits(0xfff8000000000abc), nan, true},
		{"NaN is not the same as a number", nan, 0, false},
		{"a number is not the same as NaN", 0, nan, false},
		{"infinity is the same as itself", inf, inf, true},
		{"infinity is not the same as -infinity", inf, -inf, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := testutil.Same(c.x, c.y); got != c.same {
				t.Errorf("Same(%v, %v) = %v, want %v", c.x, c.y, got, c.same)
			}
		})
	}
}

func TestAllCloseAndAllSame(t *testing.T) {
	nan := math.NaN()
	cases := []struct {
		name      string
		all       func(tb testing.TB) bool
		ok        bool
		wantError []string // in the one Errorf message
	}{
		{"AllClose of close slices passes",
			func(tb testing.TB) bool {
				return testutil.AllClose(tb, "x", []float64{1, 2 + 1e-13, nan}, []float64{1, 2, nan}, 1e-12)
			}, true, nil},
		{"AllClose of empty slices passes",
			func(tb testing.TB) bool { return testutil.AllClose(tb, "x", nil, []float64{}, 0) }, true, nil},
		{"AllClose reports the first index that differs and how many do",
			func(tb testing.TB) bool {
				return testutil.AllClose(tb, "grad", []float64{1, 2, 3.5, 4, 5.5}, []float64{1, 2, 3, 4, 5}, 1e-12)
			}, false, []string{"grad[2] = 3.5, want 3", "2 of 5 values differ", "1e-12"}},
		{"AllClose fails a NaN where a number is wanted",
			func(tb testing.TB) bool { return testutil.AllClose(tb, "y", []float64{nan}, []float64{0}, 1) },
			false, []string{"y[0] = NaN, want 0"}},
		{"AllClose fails slices of different lengths",
			func(tb testing.TB) bool { return testutil.AllClose(tb, "z", []float64{1}, []float64{1, 2}, 1) },
			false, []string{"z has 1 values, want 2"}},
		{"AllSame of the same values passes",
			func(tb testing.TB) bool {
				return testutil.AllSame(tb, "x", []float64{math.Copysign(0, -1), nan}, []float64{math.Copysign(0, -1), nan})
			}, true, nil},
		{"AllSame tells -0 from 0",
			func(tb testing.TB) bool {
				return testutil.AllSame(tb, "s", []float64{1, math.Copysign(0, -1)}, []float64{1, 0})
			},
			false, []string{"s[1] = -0, want 0 exactly", "1 of 2 values differ"}},
		{"AllSame fails a difference of one ulp",
			func(tb testing.TB) bool {
				return testutil.AllSame(tb, "s", []float64{math.Nextafter(1, 2)}, []float64{1})
			},
			false, []string{"s[0] = 1.0000000000000002, want 1 exactly"}},
		{"AllSame fails slices of different lengths",
			func(tb testing.TB) bool { return testutil.AllSame(tb, "s", []float64{1, 2}, []float64{1}) },
			false, []string{"s has 2 values, want 1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var f fakeTB
			var ok bool
			if !f.run(func() { ok = c.all(&f) }) {
				t.Fatalf("the check ended the test (Fatalf %q); want it to report with Errorf and return", f.fatal)
			}
			if ok != c.ok {
				t.Errorf("returned %v, want %v (errors %q)", ok, c.ok, f.errors)
			}
			switch {
			case c.ok && len(f.errors) != 0:
				t.Errorf("Errorf calls %q, want none", f.errors)
			case !c.ok && len(f.errors) != 1:
				t.Errorf("Errorf calls %q, want one", f.errors)
			case !c.ok:
				for _, w := range c.wantError {
					if !strings.Contains(f.errors[0], w) {
						t.Errorf("message %q does not contain %q", f.errors[0], w)
					}
				}
			}
		})
	}
}
