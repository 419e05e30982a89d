// Package testutil is the shared test-utility package of this module: code
// that the tests of several packages have in common. Only _test.go files
// may import it, since it imports package testing, which no production
// binary should link (package tensor's TestTensorDoesNotLinkTesting checks
// that for tensor's dependencies).
package testutil

import (
	"flag"
	"testing"

	"github.com/adjoint-go/adjoint/internal/pooldebug"
)

// RunPoisoned is a TestMain body: it runs the package's tests with
// pooldebug.Poison on, so that a value read after its storage was recycled
// shows up as NaN, and its benchmarks (-test.bench) with Poison off, as
// users' programs run. It returns m.Run's exit code.
//
//	func TestMain(m *testing.M) { os.Exit(testutil.RunPoisoned(m)) }
func RunPoisoned(m *testing.M) int {
	flag.Parse()
	pooldebug.Poison.Store(flag.Lookup("test.bench").Value.String() == "")
	return m.Run()
}
