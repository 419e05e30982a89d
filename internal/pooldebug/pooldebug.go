// Package pooldebug holds a switch for the project's own tests: with Poison
// on, package tensor fills every storage it recycles with NaNs, so that a
// value read after its storage went back to the pool shows up as NaN in a
// test's results instead of as a plausible stale number.
package pooldebug

import "sync/atomic"

// Poison turns NaN-filling of recycled storage on and off.
var Poison atomic.Bool
