package tensor_test

import (
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
)

// TestTensorDoesNotLinkTesting checks that package tensor, which every
// program built on adjoint links, does not depend on package testing (as it
// once did through internal/pooldebug's TestMain helper, now in the
// test-only internal/testutil): a user's binary should not carry the test
// framework and its command-line flags.
func TestTensorDoesNotLinkTesting(t *testing.T) {
	testutil.NoDependency(t, "github.com/adjoint-go/adjoint/tensor", "testing")
}
