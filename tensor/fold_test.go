package tensor_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

// unfoldRef is Unfold written from its definition, one element at a time.
func unfoldRef(x *tensor.Tensor, w tensor.Window) []float64 {
	n, c, h, wd := x.Size(0), x.Size(1), x.Size(2), x.Size(3)
	for d := range 2 {
		w.Dilation[d], w.Stride[d] = max(w.Dilation[d], 1), max(w.Stride[d], 1)
	}
	oh := (h+2*w.Padding[0]-w.Dilation[0]*(w.Kernel[0]-1)-1)/w.Stride[0] + 1
	ow := (wd+2*w.Padding[1]-w.Dilation[1]*(w.Kernel[1]-1)-1)/w.Stride[1] + 1
	var out []float64
	for b := range n {
		for ch := range c {
			for i := range w.Kernel[0] {
				for j := range w.Kernel[1] {
					for y := range oh {
						for xo := range ow {
							iy := y*w.Stride[0] - w.Padding[0] + i*w.Dilation[0]
							ix := xo*w.Stride[1] - w.Padding[1] + j*w.Dilation[1]
							v := 0.0
							if iy >= 0 && iy < h && ix >= 0 && ix < wd {
								v = x.At(b, ch, iy, ix)
							}
							out = append(out, v)
						}
					}
				}
			}
		}
	}
	return out
}

var windows = []struct {
	name string
	w    tensor.Window
}{
	{"a 3×3 kernel", tensor.Window{Kernel: [2]int{3, 3}}},
	{"padding 1", tensor.Window{Kernel: [2]int{3, 3}, Padding: [2]int{1, 1}}},
	{"stride 2 and padding", tensor.Window{Kernel: [2]int{3, 2}, Padding: [2]int{1, 0}, Stride: [2]int{2, 1}}},
	{"dilation 2", tensor.Window{Kernel: [2]int{2, 2}, Dilation: [2]int{2, 2}, Padding: [2]int{1, 2}}},
	{"a 1×1 kernel", tensor.Window{Kernel: [2]int{1, 1}, Stride: [2]int{2, 3}}},
	{"stride 2 across and padding", tensor.Window{Kernel: [2]int{3, 3}, Padding: [2]int{2, 2}, Stride: [2]int{1, 2}}},
	{"rows and columns all padding", tensor.Window{Kernel: [2]int{2, 2}, Padding: [2]int{3, 4}}},
	{"a kernel as wide as the input", tensor.Window{Kernel: [2]int{2, 6}}},
}

func TestUnfoldMatchesItsDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, c := range windows {
		for _, strided := range []bool{false, true} {
			t.Run(c.name, func(t *testing.T) {
				x := tensor.Randn(rng, 2, 3, 7, 6)
				if strided {
					x = tensor.Randn(rng, 2, 3, 6, 7).Transpose(2, 3)
				}
				got := tensor.Unfold(x, c.w)
				want := unfoldRef(x, c.w)
				if got.Dim() != 3 || got.Size(0) != 2 || got.Size(1) != 3*c.w.Kernel[0]*c.w.Kernel[1] {
					t.Fatalf("shape %v", got.Shape())
				}
				testutil.AllSame(t, "Unfold", got.Data(), want)
			})
		}
	}
}

// Fold is Unfold's adjoint: <Unfold(x), y> = <x, Fold(y)> for every x, y.
func TestFoldIsTheAdjointOfUnfold(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	dot := func(a, b *tensor.Tensor) float64 {
		s := 0.0
		for i, v := range a.Data() {
			s += v * b.Data()[i]
		}
		return s
	}
	for _, c := range windows {
		t.Run(c.name, func(t *testing.T) {
			x := tensor.Randn(rng, 2, 3, 7, 6)
			u := tensor.Unfold(x, c.w)
			y := tensor.Randn(rng, u.Shape()...)
			f := tensor.Fold(y, [2]int{7, 6}, c.w)
			if !slices.Equal(f.Shape(), x.Shape()) {
				t.Fatalf("Fold shape %v, want %v", f.Shape(), x.Shape())
			}
			if a, b := dot(u, y), dot(x, f); math.Abs(a-b) > 1e-12*math.Max(1, math.Abs(a)) {
				t.Fatalf("<Unfold x, y> = %v, <x, Fold y> = %v", a, b)
			}
		})
	}
	// Non-overlapping windows: Fold undoes Unfold exactly.
	x := tensor.Randn(rng, 1, 2, 4, 6)
	w := tensor.Window{Kernel: [2]int{2, 3}, Stride: [2]int{2, 3}}
	testutil.AllSame(t, "Fold(Unfold(x))", tensor.Fold(tensor.Unfold(x, w), [2]int{4, 6}, w).Data(), x.Data())
}

func TestUnfoldFoldBadInput(t *testing.T) {
	x := tensor.Zeros(1, 2, 4, 4)
	k3 := tensor.Window{Kernel: [2]int{3, 3}}
	cases := []struct {
		op, want string
		f        func()
	}{
		{"Unfold", "not a batch [N C H W]", func() { tensor.Unfold(tensor.Zeros(2, 4, 4), k3) }},
		{"Unfold", "does not fit", func() { tensor.Unfold(x, tensor.Window{Kernel: [2]int{5, 5}}) }},
		{"Unfold", "must be positive", func() { tensor.Unfold(x, tensor.Window{}) }},
		{"Unfold", "padding not negative", func() { tensor.Unfold(x, tensor.Window{Kernel: [2]int{1, 1}, Padding: [2]int{-1, 0}}) }},
		{"Unfold", "input x is a nil", func() { tensor.Unfold(nil, k3) }},
		{"Fold", "does not fit output size", func() { tensor.Fold(tensor.Zeros(1, 18, 5), [2]int{4, 4}, k3) }},
		{"Fold", "does not fit output size", func() { tensor.Fold(tensor.Zeros(1, 17, 4), [2]int{4, 4}, k3) }},
		{"Fold", "want [N, C·kh·kw, L]", func() { tensor.Fold(x, [2]int{4, 4}, k3) }},
		{"Fold", "input x is a nil", func() { tensor.Fold(nil, [2]int{4, 4}, k3) }},
	}
	for _, c := range cases {
		e := testutil.Panics[*tensor.Error](t, c.f)
		if e.Op != c.op || !strings.Contains(e.Msg, c.want) {
			t.Errorf("panic %q, want %s saying %q", e, c.op, c.want)
		}
	}
	// Empty batches work.
	if got := tensor.Unfold(tensor.Zeros(0, 2, 4, 4), k3).Shape(); !slices.Equal(got, []int{0, 18, 4}) {
		t.Errorf("Unfold of an empty batch: shape %v", got)
	}
}
