// Package testutil is the shared test-utility package of this module: code
// that the tests of several packages have in common, written once here
// instead of again in each package:
//
//   - RunPoisoned, a TestMain body;
//   - Panics, which captures the typed value a function panics with;
//   - Close and AllClose (the one meaning of "close enough"), Same and
//     AllSame (exactness) for float64 results.
//
// It imports none of the module's array packages (kernels, tensor,
// autograd), so that their internal tests can use it without an import
// cycle. Only _test.go files may import it, since it imports package
// testing, which no production binary should link (package tensor's
// TestTensorDoesNotLinkTesting checks that for tensor's dependencies).
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
