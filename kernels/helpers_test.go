package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/adjoint-go/adjoint/device"
)

func TestMain(m *testing.M) {
	// Like klauspost/reedsolomon: say what the tests (and benchmarks) run on.
	fmt.Printf("kernels: level %s, levels in this build and CPU: %v, asm tables: %d\n%s\n",
		Level(), device.Available(), len(tables)-1, device.CPU())
	os.Exit(m.Run())
}

// asmLevels returns the tables of the assembly levels that this build and
// this CPU can run, lowest first.
func asmLevels() []*table {
	var ts []*table
	for _, l := range device.Available() {
		if t, ok := tables[l]; ok && l != device.Generic {
			ts = append(ts, t)
		}
	}
	return ts
}

func needAsm(t testing.TB) []*table {
	t.Helper()
	ts := asmLevels()
	if len(ts) == 0 {
		t.Skipf("no assembly level here (build tags or CPU: available %v)", device.Available())
	}
	return ts
}

// forEachLevel runs f with every level this build and CPU can run switched
// on, and restores the level in use.
func forEachLevel(t *testing.T, f func(t *testing.T)) {
	for _, l := range device.Available() {
		t.Run("level="+l.String(), func(t *testing.T) {
			old, err := SetLevel(l)
			if err != nil {
				t.Fatal(err)
			}
			defer SetLevel(old)
			f(t)
		})
	}
}

// testLengths are 0..257 (every unroll threshold of every kernel: vectors of
// 4 and 8, blocks of 16, 32 and 64, and their multiples, ±1) plus a few
// larger lengths around powers of two.
//
// Under the race detector they are 0..33 and each power of two from 64
// ±1: the race run checks the kernels' race annotations and the
// goroutines around them, and the plain run has checked the arithmetic at
// every length (the full sweeps took about 90 s of the package's 132 s
// under -race).
func testLengths() []int {
	last, pows := 257, []int{512, 1024, 4096}
	if raceEnabled {
		last, pows = 33, []int{64, 128, 256, 512, 1024, 4096}
	}
	var ns []int
	for n := 0; n <= last; n++ {
		ns = append(ns, n)
	}
	for _, p := range pows {
		ns = append(ns, p-1, p, p+1)
	}
	return ns
}

// guardBits is the NaN written around every slice under test.
const guardBits = 0x7ff8bad0bad0bad0

const guardLen = 4

// guarded returns a slice of n elements starting off elements into a buffer
// with NaN guards on both sides, and the buffer.
func guarded(n, off int) (s, buf []float64) {
	buf = make([]float64, guardLen+off+n+guardLen)
	for i := range buf {
		buf[i] = math.Float64frombits(guardBits)
	}
	return buf[guardLen+off : guardLen+off+n], buf
}

// checkGuards fails if anything outside [lo, lo+n) of buf is not the guard.
func checkGuards(t testing.TB, what string, buf []float64, lo, n int) {
	t.Helper()
	for i, v := range buf {
		if (i < lo || i >= lo+n) && math.Float64bits(v) != guardBits {
			t.Fatalf("%s: guard at buffer index %d (slice %d..%d) overwritten: %v (%#x)",
				what, i, lo, lo+n, v, math.Float64bits(v))
		}
	}
}

var (
	nanQuiet    = math.NaN()                               // 0x7ff8000000000001
	nanNeg      = math.Float64frombits(0xfff8000000000000) // the "default NaN" x86 produces
	nanSignal   = math.Float64frombits(0x7ff0000000000001)
	nanPayload  = math.Float64frombits(0x7ff8000000000abc)
	nanSignalNg = math.Float64frombits(0xfff4000000000123)
)

// specials are the values that elementwise kernels must treat exactly as Go
// does: NaNs with several signs and payloads (quiet and signalling),
// infinities, signed zeros, subnormals and the extremes.
var specials = []float64{
	nanQuiet, nanNeg, nanSignal, nanPayload, nanSignalNg,
	math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1),
	5e-324, -5e-324, 1e-310, -2.5e-309, 2.2250738585072014e-308,
	math.MaxFloat64, -math.MaxFloat64, 1, -1, 0.5,
}

// finite returns a random finite value: mixed signs, magnitudes over 20
// decades.
func finite(r *rand.Rand) float64 {
	return r.NormFloat64() * math.Pow(10, float64(r.IntN(21)-10))
}

// fillMixed fills s with random values, about a quarter of them special.
func fillMixed(r *rand.Rand, s []float64) {
	for i := range s {
		if r.IntN(4) == 0 {
			s[i] = specials[r.IntN(len(specials))]
		} else {
			s[i] = finite(r)
		}
	}
}

// sameBits returns the first index where a and b differ in their bits, or
// -1. Unlike testutil.Same it tells NaN payloads apart: it checks that
// inputs and guards are left untouched and that a level's kernel gives the
// very bits of another.
func sameBits(a, b []float64) int {
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return i
		}
	}
	return -1
}

// fewLong reports whether the longest sweeps (the GEMM's) run a sample of
// their cases: under the race detector, and under -short, which CI's
// emulated arm64 run uses. The plain run has checked every case.
func fewLong() bool { return raceEnabled || testing.Short() }
