package testutil_test

import (
	"flag"
	"os"
	"testing"

	"github.com/adjoint-go/adjoint/internal/pooldebug"
	"github.com/adjoint-go/adjoint/internal/testutil"
)

func TestMain(m *testing.M) { os.Exit(testutil.RunPoisoned(m)) }

// TestRunPoisonedTurnsPoisonOn checks that the tests of a package whose
// TestMain is RunPoisoned run with recycled storage poisoned (unless the
// run also has benchmarks, which turn it off for the whole run).
func TestRunPoisonedTurnsPoisonOn(t *testing.T) {
	if flag.Lookup("test.bench").Value.String() != "" {
		t.Skip("a run with -test.bench keeps Poison off throughout")
	}
	if !pooldebug.Poison.Load() {
		t.Fatal("pooldebug.Poison is off under RunPoisoned; want it on for tests")
	}
}

// BenchmarkRunPoisonedTurnsPoisonOff checks that benchmarks run without
// poisoning, as users' programs do.
func BenchmarkRunPoisonedTurnsPoisonOff(b *testing.B) {
	if pooldebug.Poison.Load() {
		b.Fatal("pooldebug.Poison is on under -test.bench; want it off")
	}
	for b.Loop() {
	}
}
