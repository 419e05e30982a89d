package functional

import (
	"os"
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
)

// TestMain runs the tests with recycled storage filled with NaNs, so that
// a value read after backward recycled it shows up in the results.
func TestMain(m *testing.M) { os.Exit(testutil.RunPoisoned(m)) }
