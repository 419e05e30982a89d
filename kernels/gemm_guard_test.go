//go:build linux && amd64 && !noasm

package kernels

import (
	"math/rand/v2"
	"syscall"
	"testing"
	"unsafe"

	"github.com/adjoint-go/adjoint/device"
)

// beforeGuardPage returns a slice of n float64 whose last element is the last
// before an inaccessible page, so that reading one element too far faults,
// and a function that unmaps it.
func beforeGuardPage(t *testing.T, n int) ([]float64, func()) {
	t.Helper()
	page := syscall.Getpagesize()
	size := (n*8+page-1)/page*page + page
	mem, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mprotect(mem[size-page:], syscall.PROT_NONE); err != nil {
		t.Fatal(err)
	}
	end := size - page
	s := unsafe.Slice((*float64)(unsafe.Pointer(&mem[end-8*n])), n)
	return s, func() { syscall.Munmap(mem) }
}

// TestGemmAssemblyReadsNoFurther runs the AVX512 level's assembly that
// reads matrices in place with masks (the in-place micro-kernel, the
// packing kernels) and Gemm's in-place path on matrices that end where an
// inaccessible page begins: a read past the last element would crash the
// test.
func TestGemmAssemblyReadsNoFurther(t *testing.T) {
	if !device.CPU().Supports(device.AVX512) {
		t.Skip("no AVX-512 here")
	}
	kern := tables[device.AVX512].gemm
	rng := rand.New(rand.NewPCG(15, 16))
	fill := func(s []float64) {
		for i := range s {
			s[i] = rng.Float64()
		}
	}
	t.Run("the in-place micro-kernel", func(t *testing.T) {
		c := make([]float64, 8*24)
		for _, k := range []int{1, 5, 17} {
			for nr := 1; nr <= 24; nr++ {
				b, free := beforeGuardPage(t, (k-1)*(nr+1)+nr) // rows of nr, stride nr+1
				fill(b)
				a, freeA := beforeGuardPage(t, 7*(k+2)+k) // 8 rows of k, stride k+2
				fill(a)
				kern.strided(k, a, b, c, 24, 1, 0, 8, nr, k+2, 1, nr+1)
				at, freeAt := beforeGuardPage(t, (k-1)*9+8) // by columns: k columns of 8, stride 9
				fill(at)
				kern.strided(k, at, b, c, 24, 1, 0, 8, nr, 1, 9, nr+1)
				free()
				freeA()
				freeAt()
			}
		}
	})
	t.Run("the packing kernels", func(t *testing.T) {
		dst := make([]float64, 24*20)
		for kb := 1; kb <= 20; kb++ {
			for cnt := 1; cnt <= 24; cnt++ {
				src, free := beforeGuardPage(t, (kb-1)*(cnt+3)+cnt)
				fill(src)
				packCopyAVX512(dst, src, cnt+3, kb, cnt, 24)
				free()
			}
			src, free := beforeGuardPage(t, 7*(kb+1)+kb)
			fill(src)
			packGather8AVX512(dst, src, kb+1, kb, 24)
			free()
		}
	})
	t.Run("Gemm's in-place path", func(t *testing.T) {
		defer gemmVariant{device.AVX512, true}.set(t)()
		for _, d := range [][3]int{{8, 24, 7}, {9, 25, 3}, {16, 5, 30}, {13, 47, 11}} {
			for _, tA := range []bool{false, true} {
				for _, tB := range []bool{false, true} {
					m, n, k := d[0], d[1], d[2]
					ra, ca, rb, cb := m, k, k, n
					if tA {
						ra, ca = k, m
					}
					if tB {
						rb, cb = n, k
					}
					a, freeA := beforeGuardPage(t, ra*ca)
					b, freeB := beforeGuardPage(t, rb*cb)
					fill(a)
					fill(b)
					c := make([]float64, m*n)
					want := make([]float64, m*n)
					Gemm(tA, tB, m, n, k, 1, a, ca, b, cb, 0, c, n)
					gemmNaive(tA, tB, m, n, k, 1, a, ca, b, cb, 0, want, n)
					for i := range c {
						if d := c[i] - want[i]; d > 1e-12 || d < -1e-12 {
							t.Fatalf("%dx%dx%d tA=%v tB=%v: c[%d] = %v, want %v", m, n, k, tA, tB, i, c[i], want[i])
						}
					}
					freeA()
					freeB()
				}
			}
		}
	})
}
