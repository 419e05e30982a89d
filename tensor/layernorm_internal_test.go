package tensor

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/kernels"
)

// naiveLayerNormGrad returns layerNorm's gradients from the definition, row
// by row in plain loops: dx = rstd·(ĝ - mean(ĝ) - x̂·mean(ĝ·x̂)), dw = Σ g·x̂,
// db = Σ g.
func naiveLayerNormGrad(x, g, w []float64, d int, eps float64) (dx, dw, db []float64) {
	dx, dw, db = make([]float64, len(x)), make([]float64, d), make([]float64, d)
	for r := 0; r < len(x)/d; r++ {
		xr, gr := x[r*d:(r+1)*d], g[r*d:(r+1)*d]
		m, v := 0.0, 0.0
		for _, e := range xr {
			m += e
		}
		m /= float64(d)
		for _, e := range xr {
			v += (e - m) * (e - m)
		}
		rs := 1 / math.Sqrt(v/float64(d)+eps)
		xh, gh := make([]float64, d), make([]float64, d)
		s1, s2 := 0.0, 0.0
		for i := range xr {
			xh[i] = (xr[i] - m) * rs
			gh[i] = gr[i]
			if w != nil {
				gh[i] *= w[i]
			}
			s1 += gh[i]
			s2 += gh[i] * xh[i]
			dw[i] += gr[i] * xh[i]
			db[i] += gr[i]
		}
		for i := range xr {
			dx[r*d+i] = rs * (gh[i] - s1/float64(d) - xh[i]*s2/float64(d))
		}
	}
	return dx, dw, db
}

// TestLayerNormRows checks the fused layer norm on shapes that take every
// path (one chunk and several, rows longer than a reduction block, a
// transposed input, no affine parameters): the result bit for bit against
// the formula's tensor operations (MeanDims, VarDims, Sub, Rsqrt, Mul,
// Add; on a contiguous copy of a transposed input), the gradients against plain loops, and both bit-identical at one
// and four goroutines with the chunks split among them.
func TestLayerNormRows(t *testing.T) {
	defer func(v int) { lnSplit = v }(lnSplit)
	lnSplit = 1
	cases := []struct {
		shape        []int
		k            int
		affine, tran bool
	}{
		{[]int{3, 4}, 1, true, false},
		{[]int{2, 3, 5}, 2, false, false},
		{[]int{700, 64}, 1, true, false},                    // two chunks
		{[]int{2, 40, 300}, 1, true, false},                 // 80 rows of 300: several chunks
		{[]int{3, kernels.ReduceChunk + 5}, 1, true, false}, // rows longer than a reduction block
		{[]int{9, 7}, 1, true, true},                        // a transposed input
		{[]int{1, 1}, 1, true, false},                       // a row of one: var 0
	}
	rng := rand.New(rand.NewPCG(3, 4))
	const eps = 1e-5
	for ci, c := range cases {
		d := 1
		for _, s := range c.shape[len(c.shape)-c.k:] {
			d *= s
		}
		x := caseInput(rng, c.shape, c.tran)
		n := x.Numel()
		norm := c.shape[len(c.shape)-c.k:]
		var w, b *Tensor
		var wd []float64
		if c.affine {
			wd = randData(rng, d)
			w, b = FromData(wd, norm...), FromData(randData(rng, d), norm...)
		}
		g := FromData(randData(rng, n), c.shape...)
		dims := make([]int, c.k)
		for i := range dims {
			dims[i] = -1 - i
		}
		xc := x.Contiguous() // the reductions of a strided input sum in another order
		want := xc.Sub(xc.MeanDims(true, dims...)).Mul(xc.VarDims(0, true, dims...).AddScalar(eps).Rsqrt())
		if c.affine {
			want = want.Mul(w).Add(b)
		}
		wdx, wdw, wdb := naiveLayerNormGrad(x.Data(), g.Raw(), wd, d, eps)
		var runs [2][4][]float64
		for pi, procs := range []int{1, 4} {
			prev := runtime.GOMAXPROCS(procs)
			y, mean, rstd := layerNorm(x, w, b, c.k, eps)
			dx, dw, db := layerNormGrad(g, x, mean, rstd, w, c.k, true, c.affine, c.affine)
			runtime.GOMAXPROCS(prev)
			if !slices.Equal(y.Shape(), c.shape) || !slices.Equal(dx.Shape(), c.shape) {
				t.Fatalf("case %d: shapes %v and %v, want %v", ci, y.Shape(), dx.Shape(), c.shape)
			}
			if got := y.Raw(); !slices.Equal(got, want.Data()) {
				t.Errorf("case %d: the result differs from the formula's operations", ci)
			}
			closeAll(t, "dx", dx.Raw(), wdx)
			runs[pi][0], runs[pi][1] = y.Raw(), dx.Raw()
			if c.affine {
				if !slices.Equal(dw.Shape(), norm) || !slices.Equal(db.Shape(), norm) {
					t.Fatalf("case %d: weight and bias gradients of shapes %v and %v, want %v", ci, dw.Shape(), db.Shape(), norm)
				}
				closeAll(t, "dw", dw.Raw(), wdw)
				closeAll(t, "db", db.Raw(), wdb)
				runs[pi][2], runs[pi][3] = dw.Raw(), db.Raw()
			} else if dw != nil || db != nil {
				t.Fatalf("case %d: gradients of absent affine parameters", ci)
			}
		}
		for i := range runs[0] {
			if !slices.Equal(runs[0][i], runs[1][i]) {
				t.Errorf("case %d: output %d differs between one and four goroutines", ci, i)
			}
		}
	}
}

// TestLayerNormEmptyAndBadInput checks that empty inputs give empty results
// and gradients (zero for the affine parameters), and that bad shapes and
// nil arguments panic naming the operation.
func TestLayerNormEmptyAndBadInput(t *testing.T) {
	for _, shape := range [][]int{{0, 4}, {3, 0}} {
		x := Zeros(shape...)
		norm := shape[1:]
		w, b := Ones(norm...), Zeros(norm...)
		y, mean, rstd := layerNorm(x, w, b, 1, 1e-5)
		if !slices.Equal(y.Shape(), shape) {
			t.Fatalf("%v: result of shape %v", shape, y.Shape())
		}
		dx, dw, db := layerNormGrad(Zeros(shape...), x, mean, rstd, w, 1, true, true, true)
		if !slices.Equal(dx.Shape(), shape) || !slices.Equal(dw.Shape(), norm) || !slices.Equal(db.Shape(), norm) {
			t.Fatalf("%v: gradients of shapes %v, %v, %v", shape, dx.Shape(), dw.Shape(), db.Shape())
		}
		for _, v := range append(dw.Raw(), db.Raw()...) {
			if v != 0 {
				t.Fatalf("%v: nonzero affine gradient %v of an empty input", shape, v)
			}
		}
	}
	x := Zeros(2, 3)
	for name, f := range map[string]func(){
		"nil input":                  func() { layerNorm(nil, nil, nil, 1, 1e-5) },
		"k of 0":                     func() { layerNorm(x, nil, nil, 0, 1e-5) },
		"k beyond the input":         func() { layerNorm(x, nil, nil, 3, 1e-5) },
		"a weight that does not fit": func() { layerNorm(x, Ones(2), nil, 1, 1e-5) },
		"a bias that does not fit":   func() { layerNorm(x, nil, Ones(3, 1), 1, 1e-5) },
		"a gradient that does not fit": func() {
			_, m, r := layerNorm(x, nil, nil, 1, 1e-5)
			layerNormGrad(Zeros(3, 2), x, m, r, nil, 1, true, false, false)
		},
		"nil means": func() { layerNormGrad(x, x, nil, Zeros(2), nil, 1, true, false, false) },
	} {
		e := catchError(f)
		if e == nil || (e.Op != "LayerNorm" && e.Op != "LayerNormGrad") {
			t.Errorf("%s: got %v, want a *Error naming LayerNorm", name, e)
		}
	}
}

// catchError runs f and returns the *Error it panics with, or nil.
func catchError(f func()) (e *Error) {
	defer func() {
		if r := recover(); r != nil {
			e, _ = r.(*Error)
		}
	}()
	f()
	return nil
}
