package nninit_test

import (
	"os"
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
)

// TestMain runs the tests with recycled storage filled with NaNs, as the
// other packages' tests do.
func TestMain(m *testing.M) { os.Exit(testutil.RunPoisoned(m)) }
