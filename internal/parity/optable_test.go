package parity

import (
	"testing"

	"github.com/adjoint-go/adjoint/internal/optable"
)

// TestOpTableHasParityCases checks that every row of the op table names
// PyTorch parity programs that exist here (so each operation is compared
// with PyTorch), or says why it has none.
func TestOpTableHasParityCases(t *testing.T) {
	for _, op := range optable.Ops {
		if len(op.Parity) == 0 {
			if op.NoParity == "" {
				t.Errorf("%s: no parity program", op)
			}
			continue
		}
		for _, name := range op.Parity {
			if _, ok := programs[name]; !ok {
				t.Errorf("%s: parity program %q does not exist", op, name)
			}
		}
	}
}
