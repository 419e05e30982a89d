package tensor

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
)

// naiveBatchNorm returns batchNorm's result and gradients from the
// definition in plain loops over x [N C S].
func naiveBatchNorm(x, g, w, b []float64, n, c, s int, eps float64) (y, dx, dw, db []float64) {
	y, dx, dw, db = make([]float64, len(x)), make([]float64, len(x)), make([]float64, c), make([]float64, c)
	cnt := float64(n * s)
	at := func(i, ch, j int) int { return (i*c+ch)*s + j }
	for ch := range c {
		m, v := 0.0, 0.0
		for i := range n {
			for j := range s {
				m += x[at(i, ch, j)]
			}
		}
		m /= cnt
		for i := range n {
			for j := range s {
				d := x[at(i, ch, j)] - m
				v += d * d
			}
		}
		rs := 1 / math.Sqrt(v/cnt+eps)
		wc, bc := 1.0, 0.0
		if w != nil {
			wc, bc = w[ch], b[ch]
		}
		s1, s2 := 0.0, 0.0
		for i := range n {
			for j := range s {
				k := at(i, ch, j)
				xh := (x[k] - m) * rs
				y[k] = xh*wc + bc
				s1 += g[k] * wc
				s2 += g[k] * wc * xh
				dw[ch] += g[k] * xh
				db[ch] += g[k]
			}
		}
		for i := range n {
			for j := range s {
				k := at(i, ch, j)
				xh := (x[k] - m) * rs
				dx[k] = rs * (g[k]*wc - s1/cnt - xh*s2/cnt)
			}
		}
	}
	return y, dx, dw, db
}

// TestBatchNormChannels checks the fused batch norm against plain loops on
// [N C], [N C L] and [N C H W] inputs (channels split among goroutines,
// runs longer than a scratch block, a transposed input), and its results
// bit-identical at one and four goroutines.
func TestBatchNormChannels(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	cases := []struct {
		shape  []int
		affine bool
		tran   bool
	}{
		{[]int{4, 3}, true, false},
		{[]int{5, 2, 7}, false, false},
		{[]int{16, 8, 20, 20}, true, false}, // split among goroutines
		{[]int{2, 3, 700}, true, false},     // runs longer than a scratch block
		{[]int{6, 5}, true, true},           // a transposed input
	}
	const eps = 1e-5
	for ci, cc := range cases {
		x := caseInput(rng, cc.shape, cc.tran)
		n := x.Numel()
		c := cc.shape[1]
		var w, b *Tensor
		var wd, bd []float64
		if cc.affine {
			wd, bd = randData(rng, c), randData(rng, c)
			w, b = FromData(wd, c), FromData(bd, c)
		}
		g := FromData(randData(rng, n), cc.shape...)
		s := n / (cc.shape[0] * c)
		wy, wdx, wdw, wdb := naiveBatchNorm(x.Data(), g.Raw(), wd, bd, cc.shape[0], c, s, eps)
		var runs [2][4][]float64
		for pi, procs := range []int{1, 4} {
			prev := runtime.GOMAXPROCS(procs)
			y, mean, rstd, _ := batchNorm(x, w, b, eps)
			dx, dw, db := batchNormGrad(g, x, mean, rstd, w, true, true, true)
			runtime.GOMAXPROCS(prev)
			closeAll(t, "y", y.Raw(), wy)
			closeAll(t, "dx", dx.Raw(), wdx)
			closeAll(t, "dw", dw.Raw(), wdw)
			closeAll(t, "db", db.Raw(), wdb)
			runs[pi] = [4][]float64{y.Raw(), dx.Raw(), dw.Raw(), db.Raw()}
		}
		for i := range runs[0] {
			if !slices.Equal(runs[0][i], runs[1][i]) {
				t.Errorf("case %d: output %d differs between one and four goroutines", ci, i)
			}
		}
	}
}

// TestBatchNormBadInput checks that bad shapes, a channel of one value and
// nil arguments panic naming the operation.
func TestBatchNormBadInput(t *testing.T) {
	x := Zeros(3, 2)
	for name, f := range map[string]func(){
		"nil input":                  func() { batchNorm(nil, nil, nil, 1e-5) },
		"a 1-D input":                func() { batchNorm(Zeros(3), nil, nil, 1e-5) },
		"a weight of the wrong size": func() { batchNorm(x, Ones(3), nil, 1e-5) },
		"a bias of two dimensions":   func() { batchNorm(x, nil, Ones(1, 2), 1e-5) },
		"one value per channel":      func() { batchNorm(Zeros(1, 2), nil, nil, 1e-5) },
		"a gradient of another shape": func() {
			_, m, r, _ := batchNorm(x, nil, nil, 1e-5)
			batchNormGrad(Zeros(2, 3), x, m, r, nil, true, false, false)
		},
		"nil rstds": func() { batchNormGrad(x, x, Zeros(2), nil, nil, true, false, false) },
	} {
		e := catchError(f)
		if e == nil || (e.Op != "BatchNorm" && e.Op != "BatchNormGrad") {
			t.Errorf("%s: got %v, want a *Error naming BatchNorm", name, e)
		}
	}
}
