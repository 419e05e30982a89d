package kernels

import (
	"testing"

	"github.com/adjoint-go/adjoint/device"
)

func TestFMAPeak(t *testing.T) {
	perIter := map[device.Level]int{device.AVX2: 96, device.AVX512: 192}
	for _, l := range []device.Level{device.Generic, device.AVX2, device.AVX512} {
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
