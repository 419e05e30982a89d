package tensor

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/adjoint-go/adjoint/kernels"
)

// convCase is a convolution to check against naive loops.
type convCase struct {
	n, cin, h, w, cout, kh, kw, groups int
	win                                Window
	bias                               bool
}

// naiveConv returns Conv2d's result and, for the result's gradient gy,
// the gradients of x, w and b, from the definition.
func naiveConv(cc convCase, x, w, b, gy []float64) (y, gx, gw, gb []float64) {
	win := cc.win
	win.Kernel = [2]int{cc.kh, cc.kw}
	win = win.resolved("test", nil)
	oh, ow := win.outSize(0, cc.h), win.outSize(1, cc.w)
	cig, cog := cc.cin/cc.groups, cc.cout/cc.groups
	y = make([]float64, cc.n*cc.cout*oh*ow)
	gx, gw, gb = make([]float64, len(x)), make([]float64, len(w)), make([]float64, cc.cout)
	for n := range cc.n {
		for co := range cc.cout {
			g := co / cog
			for oy := range oh {
				for ox := range ow {
					o := ((n*cc.cout+co)*oh+oy)*ow + ox
					s := 0.0
					if b != nil {
						s = b[co]
					}
					gb[co] += gy[o]
					for c := range cig {
						ci := g*cig + c
						for i := range cc.kh {
							iy := oy*win.Stride[0] - win.Padding[0] + i*win.Dilation[0]
							for j := range cc.kw {
								ix := ox*win.Stride[1] - win.Padding[1] + j*win.Dilation[1]
								if iy < 0 || iy >= cc.h || ix < 0 || ix >= cc.w {
									continue
								}
								xi := ((n*cc.cin+ci)*cc.h+iy)*cc.w + ix
								wi := ((co*cig+c)*cc.kh+i)*cc.kw + j
								s += w[wi] * x[xi]
								gx[xi] += w[wi] * gy[o]
								gw[wi] += x[xi] * gy[o]
							}
						}
					}
					y[o] = s
				}
			}
		}
	}
	return y, gx, gw, gb
}

func randData(rng *rand.Rand, n int) []float64 {
	d := make([]float64, n)
	for i := range d {
		d[i] = rng.NormFloat64()
	}
	return d
}

// caseInput returns a tensor of shape (two dimensions when tran) filled by
// randData: contiguous, or with tran the transpose of a contiguous
// [shape[1] shape[0]], so that a test case covers a strided input too.
func caseInput(rng *rand.Rand, shape []int, tran bool) *Tensor {
	n := 1
	for _, d := range shape {
		n *= d
	}
	if tran {
		return FromData(randData(rng, n), shape[1], shape[0]).Transpose(0, 1)
	}
	return FromData(randData(rng, n), shape...)
}

func closeAll(t *testing.T, what string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Abs(got[i]-want[i]) > 1e-9*(1+math.Abs(want[i])) {
			t.Fatalf("%s[%d] = %v, want %v", what, i, got[i], want[i])
		}
	}
}

// TestConv2dImageByImage checks Conv2d and its fused backward against the
// definition on shapes that take every path: one chunk and several (whose
// weight and bias gradients are summed at the end), the 1×1 kernel read in
// place, groups, padding, stride and dilation, and images run one after
// another with each product split among goroutines; and that the results
// are bit-identical at one and four goroutines.
func TestConv2dImageByImage(t *testing.T) {
	defer func(v int) { convGemmParallel = v }(convGemmParallel)
	cases := []convCase{
		{n: 2, cin: 3, h: 6, w: 5, cout: 4, kh: 3, kw: 2, groups: 1, win: Window{Padding: [2]int{1, 0}, Stride: [2]int{2, 1}}, bias: true},
		{n: 40, cin: 4, h: 12, w: 12, cout: 8, kh: 5, kw: 5, groups: 1, bias: true},
		{n: 33, cin: 4, h: 9, w: 8, cout: 6, kh: 3, kw: 3, groups: 2, win: Window{Padding: [2]int{1, 2}, Dilation: [2]int{2, 1}}},
		{n: 21, cin: 6, h: 7, w: 7, cout: 6, kh: 3, kw: 3, groups: 6, win: Window{Padding: [2]int{1, 1}}, bias: true},
		{n: 30, cin: 5, h: 8, w: 9, cout: 7, kh: 1, kw: 1, groups: 1, bias: true},
		{n: 3, cin: 4, h: 5, w: 5, cout: 4, kh: 1, kw: 1, groups: 2, win: Window{Stride: [2]int{2, 2}}},
		{n: 0, cin: 2, h: 4, w: 4, cout: 2, kh: 3, kw: 3, groups: 1, bias: true},
		{n: 1, cin: 6, h: 9, w: 10, cout: 4, kh: 3, kw: 3, groups: 2, win: Window{Padding: [2]int{1, 1}}, bias: true},
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for ci, cc := range cases {
		for _, serial := range []bool{false, true} {
			convGemmParallel = 1 << 24
			if serial {
				convGemmParallel = 1
			}
			x := FromData(randData(rng, cc.n*cc.cin*cc.h*cc.w), cc.n, cc.cin, cc.h, cc.w)
			w := FromData(randData(rng, cc.cout*cc.cin/cc.groups*cc.kh*cc.kw), cc.cout, cc.cin/cc.groups, cc.kh, cc.kw)
			var b *Tensor
			var bd []float64
			if cc.bias {
				bd = randData(rng, cc.cout)
				b = FromData(bd, cc.cout)
			}
			var results [2][4][]float64
			for pi, procs := range []int{1, 4} {
				prev := runtime.GOMAXPROCS(procs)
				y := Conv2d(x, w, b, cc.win, cc.groups)
				gy := FromData(randData(rand.New(rand.NewPCG(uint64(ci), 1)), y.Numel()), y.Shape()...)
				gx, gw, gb := conv2dBackward(x, w, gy, cc.win, cc.groups, true, true, cc.bias, nil)
				into := Ones(w.Shape()...)
				_, none, _ := conv2dBackward(x, w, gy, cc.win, cc.groups, false, true, false, into)
				runtime.GOMAXPROCS(prev)
				if none != nil {
					t.Fatalf("case %d: a weight gradient added into a buffer was also returned", ci)
				}
				wy, wgx, wgw, wgb := naiveConv(cc, x.Raw(), w.Raw(), bd, gy.Raw())
				closeAll(t, "y", y.Raw(), wy)
				closeAll(t, "gx", gx.Raw(), wgx)
				closeAll(t, "gw", gw.Raw(), wgw)
				plus := make([]float64, len(wgw))
				for i, v := range wgw {
					plus[i] = v + 1
				}
				closeAll(t, "gw added into ones", into.Raw(), plus)
				results[pi] = [4][]float64{y.Raw(), gx.Raw(), gw.Raw(), nil}
				if cc.bias {
					closeAll(t, "gb", gb.Raw(), wgb)
					results[pi][3] = gb.Raw()
				} else if gb != nil {
					t.Fatalf("case %d: a bias gradient without a bias", ci)
				}
			}
			for k := range results[0] {
				for i := range results[0][k] {
					if math.Float64bits(results[0][k][i]) != math.Float64bits(results[1][k][i]) {
						t.Fatalf("case %d serial=%v: result %d differs between 1 and 4 goroutines at %d", ci, serial, k, i)
					}
				}
			}
		}
	}
}

// TestConv2dImplicit checks the forward that reads the windows in place
// (stride 1, one group), and the input gradient taken as wide, against the
// definition, with padding, dilation, a bias and without, a partial panel
// of output channels; where Conv2d takes them (a level with a gathering
// micro-kernel), that it does, and that the forward gives the unfolded
// forward's bits.
func TestConv2dImplicit(t *testing.T) {
	defer func(v bool) { convImplicit = v }(convImplicit)
	cases := []convCase{
		{n: 40, cin: 4, h: 12, w: 12, cout: 8, kh: 5, kw: 5, groups: 1, bias: true},
		{n: 9, cin: 3, h: 7, w: 8, cout: 5, kh: 3, kw: 3, groups: 1, win: Window{Padding: [2]int{1, 2}, Dilation: [2]int{2, 1}}, bias: true},
		{n: 5, cin: 2, h: 6, w: 6, cout: 9, kh: 2, kw: 4, groups: 1, win: Window{Padding: [2]int{0, 1}}},
		{n: 3, cin: 6, h: 14, w: 14, cout: 16, kh: 5, kw: 5, groups: 1, bias: true},
		{n: 2, cin: 1, h: 5, w: 3, cout: 3, kh: 5, kw: 3, groups: 1, bias: true}, // one output pixel
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for ci, cc := range cases {
		x := FromData(randData(rng, cc.n*cc.cin*cc.h*cc.w), cc.n, cc.cin, cc.h, cc.w)
		w := FromData(randData(rng, cc.cout*cc.cin*cc.kh*cc.kw), cc.cout, cc.cin, cc.kh, cc.kw)
		var b *Tensor
		var bd []float64
		if cc.bias {
			bd = randData(rng, cc.cout)
			b = FromData(bd, cc.cout)
		}
		win := cc.win
		win.Kernel = [2]int{cc.kh, cc.kw}
		p := planConv("Conv2d", x, w, b, win, 1)
		if p.serial || p.win.Stride != [2]int{1, 1} {
			t.Fatalf("case %d: not a case for the implicit forward", ci)
		}
		// The implicit forward itself, at any level (GemmRows gathers the
		// rows where the level cannot read them in place).
		y := Zeros(cc.n, cc.cout, p.oh, p.ow)
		p.implicitForward(x.Raw(), w.Raw(), bd, y.Raw())
		gy := randData(rng, y.Numel())
		wy, wgx, _, _ := naiveConv(cc, x.Raw(), w.Raw(), bd, gy)
		closeAll(t, "implicit y", y.Raw(), wy)
		gx := make([]float64, x.Numel())
		var ig implicitGrad
		ig.init(p, p.implicitGradOffsets())
		for i := range cc.n {
			plane, out := cc.cin*cc.h*cc.w, cc.cout*p.l
			ig.inputGrad(w.Raw(), gy[i*out:(i+1)*out], gx[i*plane:(i+1)*plane])
		}
		ig.release()
		closeAll(t, "implicit gx", gx, wgx)
		gxc, _, _ := conv2dBackward(x, w, FromData(gy, y.Shape()...), win, 1, true, false, false, nil)
		closeAll(t, "gx", gxc.Raw(), wgx)

		convImplicit = false
		unfolded := Conv2d(x, w, b, win, 1)
		convImplicit = true
		got := Conv2d(x, w, b, win, 1)
		closeAll(t, "y", got.Raw(), wy)
		if !kernels.GemmRowsInPlace(p.cout, p.wide, p.k+1) {
			continue
		}
		if !p.implicit {
			t.Fatalf("case %d: Conv2d does not read the windows in place (wide %d, H'·W' %d)", ci, p.wide, p.l)
		}
		for i, v := range got.Raw() {
			if math.Float64bits(v) != math.Float64bits(unfolded.Raw()[i]) {
				t.Fatalf("case %d: y[%d] = %v in place, %v unfolded", ci, i, v, unfolded.Raw()[i])
			}
		}
	}
}

// TestValidRange checks validRange against its definition, the output
// positions xo in [0, n) whose input xo·stride + shift lies in [0, size),
// which are one run [x0, x1) (empty with x0 == x1), for strides 1 (its
// fast path) to 3.
func TestValidRange(t *testing.T) {
	for stride := 1; stride <= 3; stride++ {
		for n := 0; n <= 6; n++ {
			for size := 0; size <= 6; size++ {
				for shift := -8; shift <= 8; shift++ {
					x0, x1 := validRange(n, size, shift, stride)
					first, count := -1, 0
					for xo := range n {
						if i := xo*stride + shift; i >= 0 && i < size {
							if first < 0 {
								first = xo
							}
							count++
						}
					}
					if x0 < 0 || x1 < x0 || x1 > max(n, 0) || x1-x0 != count || count > 0 && x0 != first {
						t.Errorf("validRange(n %d, size %d, shift %d, stride %d) = [%d, %d); want %d positions from %d", n, size, shift, stride, x0, x1, count, first)
					}
				}
			}
		}
	}
}
