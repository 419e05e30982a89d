package tensor_test

import (
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
)

// Package tensor reads as an n-d array library: what only autograd's
// backward pass needs (recycling storage, fused gradient kernels, adding a
// product into a gradient buffer) is not exported, but reaches autograd
// through internal/bridge.
func TestPublicAPIHasNoAutogradPlumbing(t *testing.T) {
	exported := testutil.ExportedFuncs(t, ".", "")
	if len(exported) < 50 {
		t.Fatalf("found only %d exported functions: the parse is broken", len(exported))
	}
	for _, name := range exported {
		if strings.HasSuffix(name, "Grad") || strings.Contains(name, "Recycl") ||
			strings.HasPrefix(name, "CrossEntropy") || name == "AddMatMulInPlace" || name == "MatMulInto" {
			t.Errorf("tensor exports %s, which only autograd needs: reach it through internal/bridge", name)
		}
	}
}
