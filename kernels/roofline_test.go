package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/device"
	"github.com/adjoint-go/adjoint/internal/testutil"
)

func TestFMAPeak(t *testing.T) {
	perIter := map[device.Level]int{device.AVX2: 96, device.AVX512: 192, device.NEON: 48}
	for _, l := range device.Levels() {
		usable := l != device.Generic && device.Compiled(l) && device.CPU().Supports(l)
		t.Run(l.String()+" counts its operations or refuses", func(t *testing.T) {
			flops, err := FMAPeak(l, 1000)
			if !usable {
				if err == nil || flops != 0 {
					t.Fatalf("FMAPeak(%s) = %d, %v; want 0 and an error", l, flops, err)
				}
				return
			}
			if err != nil || flops != 1000*perIter[l] {
				t.Fatalf("FMAPeak(%s, 1000) = %d, %v; want %d", l, flops, err, 1000*perIter[l])
			}
			if flops, err := FMAPeak(l, 0); flops != 0 || err != nil {
				t.Fatalf("FMAPeak(%s, 0) = %d, %v; want 0, nil", l, flops, err)
			}
		})
	}
}

func BenchmarkFMAPeak(b *testing.B) {
	for _, l := range device.Available() {
		if l == device.Generic {
			continue
		}
		b.Run("impl="+l.String(), func(b *testing.B) {
			const iters = 1 << 16
			var flops int
			for b.Loop() {
				f, _ := FMAPeak(l, iters)
				flops += f
			}
			b.ReportMetric(float64(flops)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// TestTriad compares Triad at every level, bit for bit, with the Go loop
// (generic) or with math.FMA (assembly), at every test length and start
// offset, with NaN guards around dst.
func TestTriad(t *testing.T) {
	checkTriad(t)
}

func checkTriad(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, l := range device.Available() {
		t.Run("level="+l.String()+" matches the Go loop", func(t *testing.T) {
			for _, n := range testLengths() {
				for off := range 4 {
					x, y := make([]float64, n), make([]float64, n)
					for i := range x {
						x[i], y[i] = finite(r), finite(r)
					}
					want := make([]float64, n)
					triadGeneric(want, x, y, 0.75)
					if l != device.Generic {
						for i := range want {
							want[i] = math.FMA(0.75, y[i], x[i])
						}
					}
					dst, buf := guarded(n, off)
					if err := Triad(l, dst, x, y, 0.75); err != nil {
						t.Fatal(err)
					}
					if i := sameBits(dst, want); i >= 0 {
						t.Fatalf("n=%d off=%d: dst[%d] = %v, want %v", n, off, i, dst[i], want[i])
					}
					checkGuards(t, fmt.Sprintf("n=%d off=%d", n, off), buf, guardLen+off, n)
				}
			}
		})
	}
}

func TestTriadRefuses(t *testing.T) {
	t.Run("a level this build or CPU cannot run", func(t *testing.T) {
		for _, l := range append(device.Levels()[1:], device.Level(7)) {
			if slices.Contains(device.Available(), l) {
				continue
			}
			if err := Triad(l, make([]float64, 2), make([]float64, 2), make([]float64, 2), 1); err == nil {
				t.Errorf("Triad(%s) returned no error", l)
			}
		}
	})
	t.Run("short inputs panic with an *Error", func(t *testing.T) {
		e := testutil.Panics[*Error](t, func() {
			Triad(device.Generic, make([]float64, 3), make([]float64, 2), make([]float64, 3), 1)
		})
		if e.Op != "Triad" {
			t.Fatalf("panic %v, want a Triad *Error", e)
		}
	})
}
