// Package pooldebug holds a switch for the project's own tests: with Poison
// on, package tensor fills every storage it recycles with NaNs, so that a
// value read after its storage went back to the pool shows up as NaN in a
// test's results instead of as a plausible stale number.
package pooldebug

import (
	"flag"
	"sync/atomic"
	"testing"
)

// Poison turns NaN-filling of recycled storage on and off.
var Poison atomic.Bool

// Run is a TestMain body: it runs the package's tests with Poison on, and
// its benchmarks (-test.bench) with Poison off, as users' programs run.
// It returns m.Run's exit code.
func Run(m *testing.M) int {
	flag.Parse()
	Poison.Store(flag.Lookup("test.bench").Value.String() == "")
	return m.Run()
}
