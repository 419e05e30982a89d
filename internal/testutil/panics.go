package testutil

import (
	"reflect"
	"testing"
)

// Panics runs f and returns the value it panics with, which must be an E
// (by type assertion: an error that merely wraps an E does not count). It
// fails the test with t.Fatalf, saying what happened, if f returns
// normally or panics with a value of another type.
//
//	e := testutil.Panics[*tensor.Error](t, func() { a.Add(b) })
//	if e.Op != "Add" { ... }
//
// Panics[any] accepts any panic. testutil imports none of the module's
// array packages, so that the internal tests of every package (kernels
// included) can use it.
func Panics[E any](t testing.TB, f func()) E {
	t.Helper()
	var (
		r        any
		returned bool
	)
	func() {
		defer func() { r = recover() }()
		f()
		returned = true
	}()
	if returned {
		t.Fatalf("no panic; want a panic with a %v", reflect.TypeFor[E]())
	}
	e, ok := r.(E)
	if !ok {
		t.Fatalf("panic with %T (%v); want a %v", r, r, reflect.TypeFor[E]())
	}
	return e
}
