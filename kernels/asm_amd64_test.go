//go:build amd64 && !noasm

package kernels

import (
	"fmt"
	"math"
	"testing"
	"unsafe"

	"github.com/adjoint-go/adjoint/device"
)

// withNT sets the non-temporal thresholds for the duration of the test.
func withNT(t *testing.T, three, two int) {
	old3, old2 := ntMin3, ntMin2
	ntMin3, ntMin2 = three, two
	t.Cleanup(func() { ntMin3, ntMin2 = old3, old2 })
}

// TestNonTemporalEveryLength runs every length and offset through the
// non-temporal path (thresholds 0), so the peel to an aligned dst, the
// streaming loops and the fenced tail all meet every alignment and count.
func TestNonTemporalEveryLength(t *testing.T) {
	withNT(t, 0, 0)
	checkElementwise(t, testLengths(), offsetSets())
}

// TestNonTemporalThreshold crosses realistic-looking thresholds with dst at
// every offset modulo a 64-byte line.
func TestNonTemporalThreshold(t *testing.T) {
	withNT(t, 3000, 2000)
	var offs [][3]int
	for off := 0; off < 8; off++ {
		offs = append(offs, [3]int{off, (off + 3) % 8, (off + 5) % 8})
	}
	checkElementwise(t, []int{1999, 2000, 2001, 2999, 3000, 3001, 3003, 10007}, offs)
}

// TestNonTemporalMisaligned gives the non-temporal path a dst that is not
// 8-byte aligned, which can never reach vector alignment: the kernels must
// take the ordinary path instead of faulting.
func TestNonTemporalMisaligned(t *testing.T) {
	if raceEnabled {
		t.Skip("checkptr (on with -race) rejects the misaligned slice this test builds")
	}
	withNT(t, 0, 0)
	const n = 100
	raw := make([]byte, 8*n+16)
	dst := unsafe.Slice((*float64)(unsafe.Pointer(&raw[4])), n)
	x, y := make([]float64, n), make([]float64, n)
	for i := range x {
		x[i], y[i] = float64(i), 0.5
	}
	for _, lt := range needAsm(t) {
		clear(raw)
		lt.add(dst, x, y)
		lt.neg(dst[:n-1], dst[1:])
		for i := 0; i < n-1; i++ {
			if want := -(float64(i+1) + 0.5); dst[i] != want {
				t.Fatalf("%s: misaligned dst[%d] = %v, want %v", lt.level, i, dst[i], want)
			}
		}
	}
}

func TestNTThresholds(t *testing.T) {
	for _, c := range []struct {
		l2, l3     int
		three, two int
	}{
		{2 << 20, 480 << 20, (120 << 20) / 24, (120 << 20) / 16},
		{2 << 20, 0, (2 << 20) / 24, (2 << 20) / 16},         // no L3: 8 MiB/4, at least the L2
		{0, 0, (2 << 20) / 24, (2 << 20) / 16},               // nothing known
		{256 << 10, 2 << 20, (1 << 20) / 24, (1 << 20) / 16}, // at least 1 MiB
		{4 << 20, 8 << 20, (4 << 20) / 24, (4 << 20) / 16},   // at least the L2
	} {
		three, two := ntThresholds(device.Info{L2: c.l2, L3: c.l3})
		if three != c.three || two != c.two {
			t.Errorf("L2 %d, L3 %d: thresholds %d, %d, want %d, %d", c.l2, c.l3, three, two, c.three, c.two)
		}
	}
	t.Logf("non-temporal stores from %d elements (binary), %d (scalar, neg)", ntMin3, ntMin2)
	if math.MaxInt/24 < ntMin3 {
		t.Fatal("threshold overflows")
	}
}

// BenchmarkNonTemporal compares ordinary and non-temporal stores for the
// kernels that have both, at sizes around the thresholds, by forcing the
// thresholds: stores=plain never streams, stores=nt always does.
func BenchmarkNonTemporal(b *testing.B) {
	sizes := []int{1 << 20, 4 << 20}
	if !testing.Short() {
		sizes = append(sizes, 8<<20, 16<<20)
	}
	for _, lt := range asmLevels() {
		for _, op := range []string{"Add", "AddScalar", "Neg"} {
			for _, n := range sizes {
				for _, nt := range []bool{false, true} {
					stores := map[bool]string{false: "plain", true: "nt"}[nt]
					b.Run(fmt.Sprintf("impl=%s/op=%s/n=%d/stores=%s", lt.level, op, n, stores), func(b *testing.B) {
						limit := math.MaxInt
						if nt {
							limit = 0
						}
						o3, o2 := ntMin3, ntMin2
						ntMin3, ntMin2 = limit, limit
						defer func() { ntMin3, ntMin2 = o3, o2 }()
						dst, x, y := bufs(n)
						switch op {
						case "Add":
							b.SetBytes(int64(3 * 8 * n))
							for b.Loop() {
								lt.add(dst, x, y)
							}
						case "AddScalar":
							b.SetBytes(int64(2 * 8 * n))
							for b.Loop() {
								lt.addS(dst, x, 1)
							}
						case "Neg":
							b.SetBytes(int64(2 * 8 * n))
							for b.Loop() {
								lt.neg(dst, x)
							}
						}
					})
				}
			}
		}
	}
}
