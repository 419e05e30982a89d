package tensor_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

// FuzzBinary draws two operand shapes that broadcast (up to 4 dimensions,
// with size-1 and occasionally empty dimensions), lays each out as a
// contiguous, transposed, sliced, expanded or selected view, and checks
// Add, Sub, Mul and Div against the index-arithmetic reference bit for bit.
//
//	go test -fuzz=FuzzBinary ./tensor
func FuzzBinary(f *testing.F) {
	for i := range uint64(24) {
		f.Add(i, uint8(i*7), uint8(i*13))
	}
	f.Fuzz(func(t *testing.T, seed uint64, layoutA, layoutB uint8) {
		rng := newRNG(seed)
		out := make([]int, rng.IntN(5))
		for i := range out {
			out[i] = 1 + rng.IntN(4)
			if rng.IntN(12) == 0 {
				out[i] = 0
			}
		}
		a := fuzzOperand(rng, operandShape(rng, out), layoutA)
		b := fuzzOperand(rng, operandShape(rng, out), layoutB)
		aData, bData := a.Data(), b.Data()
		for _, op := range binaryOps {
			got := op.op(a, b)
			wantShape, want := refBinary(a, b, op.ref)
			if !slices.Equal(got.Shape(), wantShape) || !slices.Equal(got.Strides(), rowMajor(wantShape)) || !got.IsContiguous() {
				t.Fatalf("%s of %v (strides %v) and %v (strides %v): result shape %v strides %v, want %v %v",
					op.name, a.Shape(), a.Strides(), b.Shape(), b.Strides(), got.Shape(), got.Strides(), wantShape, rowMajor(wantShape))
			}
			g := got.Data()
			for i := range want {
				if !testutil.Same(g[i], want[i]) {
					t.Fatalf("%s of %v (strides %v, offset %d) and %v (strides %v, offset %d): element %d = %v, want %v",
						op.name, a.Shape(), a.Strides(), a.Offset(), b.Shape(), b.Strides(), b.Offset(), i, g[i], want[i])
				}
			}
		}
		if !slices.Equal(a.Data(), aData) || !slices.Equal(b.Data(), bData) {
			t.Fatalf("an input changed")
		}
	})
}

// operandShape returns a shape that broadcasts to out: a suffix of it with
// some dimensions set to 1.
func operandShape(rng *rand.Rand, out []int) []int {
	sh := slices.Clone(out[rng.IntN(len(out)+1):])
	for i := range sh {
		if rng.IntN(3) == 0 {
			sh[i] = 1
		}
	}
	return sh
}

// fuzzOperand returns a tensor of shape sh laid out as layout selects (the
// low 3 bits pick the view; bit 3 adds a transpose round trip on top).
func fuzzOperand(rng *rand.Rand, sh []int, layout uint8) *tensor.Tensor {
	var x *tensor.Tensor
	switch n := len(sh); {
	case layout&7 == 1 && n >= 2: // transposed
		i, j := rng.IntN(n), rng.IntN(n)
		bs := slices.Clone(sh)
		bs[i], bs[j] = bs[j], bs[i]
		x = randT(rng, bs...).Transpose(i, j)
	case layout&7 == 2 && n >= 1: // a slice of a longer dimension
		d, extra := rng.IntN(n), 1+rng.IntN(3)
		start := rng.IntN(extra + 1)
		bs := slices.Clone(sh)
		bs[d] += extra
		x = randT(rng, bs...).Slice(d, start, start+sh[d])
	case layout&7 == 3: // expanded from size-1 and missing leading dimensions
		bs := slices.Clone(sh)
		for i := range bs {
			if rng.IntN(2) == 0 {
				bs[i] = 1
			}
		}
		x = randT(rng, bs[rng.IntN(len(bs)+1):]...).Expand(sh...)
	case layout&7 == 4: // a Select out of a tensor with one more dimension
		d := rng.IntN(n + 1)
		bs := slices.Insert(slices.Clone(sh), d, 2+rng.IntN(2))
		x = randT(rng, bs...).Select(d, rng.IntN(bs[d]))
	case layout&7 == 5 && n >= 2: // permuted
		p := rng.Perm(n)
		bs := make([]int, n)
		inv := make([]int, n)
		for i, q := range p {
			inv[q] = i
		}
		for i := range bs {
			bs[i] = sh[inv[i]]
		}
		x = randT(rng, bs...).Permute(p...)
	default:
		x = randT(rng, sh...)
	}
	if layout&8 != 0 && len(sh) >= 2 {
		// Make a copy laid out transposed and view it back: same
		// values and shape, column-major strides.
		x = x.Transpose(0, len(sh)-1).Contiguous().Transpose(0, len(sh)-1)
	}
	if !slices.Equal(x.Shape(), sh) {
		panic("fuzzOperand: built the wrong shape")
	}
	return x
}
