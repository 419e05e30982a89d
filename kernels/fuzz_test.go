package kernels

import (
	bin "encoding/binary"
	"math"
	"testing"
)

// Differential fuzz targets: every assembly level against generic on
// arbitrary bit patterns (go test -fuzz FuzzBinary ./kernels).

// decodeFloats decodes data as little-endian float64s (a trailing partial value
// is dropped).
func decodeFloats(data []byte) []float64 {
	v := make([]float64, len(data)/8)
	for i := range v {
		v[i] = math.Float64frombits(bin.LittleEndian.Uint64(data[8*i:]))
	}
	return v
}

func bitsOf(vs ...float64) []byte {
	var b []byte
	for _, v := range vs {
		b = bin.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return b
}

// FuzzBinary covers the elementwise family: kernel picks one of ewKernels,
// data holds dst, x and y (a third each), off the start offsets.
func FuzzBinary(f *testing.F) {
	f.Add(bitsOf(1, 2, 3, 4, 5, 6), uint8(0), uint8(0), 2.5)
	f.Add(bitsOf(nanQuiet, nanNeg, math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1), 5e-324, 1,
		nanSignal, nanPayload, 3, math.MaxFloat64), uint8(3), uint8(5), 0.0)
	f.Add(make([]byte, 8*3*37), uint8(9), uint8(2), math.NaN())
	f.Fuzz(func(t *testing.T, data []byte, kernel, off uint8, a float64) {
		v := decodeFloats(data)
		n := len(v) / 3
		dst0, x0, y0 := v[:n], v[n:2*n], v[2*n:3*n]
		k := ewKernels[int(kernel)%len(ewKernels)]
		offs := [3]int{int(off) % 4, int(off/4) % 4, int(off/16) % 4}
		for _, lt := range asmLevels() {
			c := ewRun{k: k, lt: lt, n: n, offs: offs, a: a}
			c.check(t, dst0, x0, y0)
			if k.alias && off >= 128 {
				c.alias = true
				c.check(t, dst0, x0, y0)
			}
		}
	})
}

// FuzzReduce covers Sum, Dot, Max and Min: data holds x and y (half each).
func FuzzReduce(f *testing.F) {
	f.Add(bitsOf(1, 2, 3, 4), uint8(0))
	f.Add(bitsOf(-1, -2, nanQuiet, -4, math.Inf(1), 0, 1e-300, 1e300), uint8(1))
	f.Add(make([]byte, 8*2*70), uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, off uint8) {
		v := decodeFloats(data)
		n := len(v) / 2
		x0, y0 := v[:n], v[n:2*n]
		for _, lt := range asmLevels() {
			for _, k := range reduceKernels {
				if !k.exact && !sumComparable(k.terms(x0, y0)) {
					// Overflow, or infinities from a cancellation, depend on
					// the order of the additions; only NaN-ness is fixed.
					want, got := k.run(&genericTable, x0, y0), k.run(lt, x0, y0)
					if hasNaN(x0) || k.name == "dot" && hasNaN(y0) {
						if !math.IsNaN(want) || !math.IsNaN(got) {
							t.Fatalf("%s/%s: NaN input gave %v (generic %v)", lt.level, k.name, got, want)
						}
					}
					continue
				}
				checkReduce(t, k, lt, x0, y0, int(off)%4)
			}
		}
	})
}

// sumComparable reports whether the terms' sum is the same up to rounding
// in any order: all finite, with a finite sum of absolute values far from
// overflow, and no product (for Dot, FMA skips the rounding of each product)
// near overflow either.
func sumComparable(terms []float64) bool {
	var abs float64
	for _, v := range terms {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
		abs += math.Abs(v)
	}
	return abs < math.MaxFloat64/4
}

func hasNaN(x []float64) bool {
	for _, v := range x {
		if v != v {
			return true
		}
	}
	return false
}
