// Package pooldebug holds a switch for the project's own tests: with Poison
// on, package tensor fills every storage it recycles with NaNs, so that a
// value read after its storage went back to the pool shows up as NaN in a
// test's results instead of as a plausible stale number.
//
// Production code imports it (package tensor reads the switch), so it
// imports nothing but sync/atomic; the TestMain that turns it on lives in
// the test-only package internal/testutil.
package pooldebug

import "sync/atomic"

// Poison turns NaN-filling of recycled storage on and off.
var Poison atomic.Bool
