package nn_test

import (
	"flag"
	"os"
	"testing"

	"github.com/adjoint-go/adjoint/internal/pooldebug"
)

// TestMain runs the tests with recycled storage filled with NaNs, so that
// a value read after backward recycled it shows up in the results.
// Benchmarks (-bench) run without, as users' programs do.
func TestMain(m *testing.M) {
	flag.Parse()
	pooldebug.Poison.Store(flag.Lookup("test.bench").Value.String() == "")
	os.Exit(m.Run())
}
