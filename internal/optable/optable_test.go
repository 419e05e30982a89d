package optable

import (
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
)

// notOperations are the exported names of package autograd that are not
// differentiable operations: constructors, accessors, the graph's controls
// and the checking tools.
var notOperations = []string{
	// constructors
	"From", "New", "Scalar", "Zeros", "Ones", "Full", "Arange", "Eye", "Rand", "Randn",
	// accessors and graph controls
	"Value", "Shape", "Dim", "Numel", "Item", "At", "Data", "RequiresGrad", "IsLeaf",
	"SetRequiresGrad", "Grad", "ZeroGrad", "RetainGrad", "Transient", "Detach", "NoGrad",
	"IsNoGrad", "String", "Backward", "BackwardWith", "GradCheck",
}

// TestEveryOperationHasARow fails when an exported operation of package
// autograd has no row in Ops (so it would escape GradCheck, the fused-path
// check, parity coverage and the benchmarks), or a row names no operation.
func TestEveryOperationHasARow(t *testing.T) {
	ops := testutil.ExportedFuncs(t, "../../autograd", "Tensor")
	if len(ops) < 50 {
		t.Fatalf("found only %d exported names in autograd: the parse is broken", len(ops))
	}
	rows := map[string]bool{}
	for _, o := range Ops {
		rows[o.Name] = true
	}
	for _, name := range ops {
		if !rows[name] && !slices.Contains(notOperations, name) {
			t.Errorf("autograd.%s has no row in optable.Ops (or add it to notOperations if it is not an operation)", name)
		}
	}
	for name := range rows {
		if !slices.Contains(ops, name) {
			t.Errorf("optable.Ops has a row for %s, which autograd does not export", name)
		}
	}
}

// TestRowsAreComplete checks what every row must say: its inputs and
// function, and its parity programs or why it has none.
func TestRowsAreComplete(t *testing.T) {
	for _, o := range Ops {
		if o.F == nil || len(o.Inputs) == 0 {
			t.Errorf("%s: no function or no inputs", o)
		}
		if len(o.Parity) == 0 && o.NoParity == "" {
			t.Errorf("%s: no parity programs and no reason for none", o)
		}
		if o.NoGrad && o.Fused {
			t.Errorf("%s: a fused gradient for an operation without one", o)
		}
	}
}
