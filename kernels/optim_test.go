package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/device"
	"github.com/adjoint-go/adjoint/internal/testutil"
)

// The reference loops of the optimizer kernels' doc comments, with every
// product rounded.

func sgdRef(p, g, buf []float64, h SGDParams) {
	for i := range p {
		d := g[i]
		if h.WeightDecay != 0 {
			d = d + float64(h.WeightDecay*p[i])
		}
		if h.Momentum != 0 {
			if h.First {
				buf[i] = d
			} else {
				buf[i] = float64(buf[i]*h.Momentum) + float64((1-h.Dampening)*d)
			}
			if h.Nesterov {
				d = d + float64(h.Momentum*buf[i])
			} else {
				d = buf[i]
			}
		}
		p[i] = p[i] + float64((-h.LR)*d)
	}
}

func adamRef(p, g, m, v, vmax []float64, h AdamParams) {
	stepSize := h.LR / h.BiasCorrection1
	bc2Sqrt := math.Sqrt(h.BiasCorrection2)
	for i := range p {
		d := g[i]
		if h.Decoupled {
			p[i] = p[i] * (1 - float64(h.LR*h.WeightDecay))
		} else if h.WeightDecay != 0 {
			d = d + float64(h.WeightDecay*p[i])
		}
		m[i] = float64(m[i]*h.Beta1) + float64((1-h.Beta1)*d)
		v[i] = float64(v[i]*h.Beta2) + float64(float64((1-h.Beta2)*d)*d)
		s := v[i]
		if h.Amsgrad {
			vmax[i] = max(vmax[i], v[i])
			s = vmax[i]
		}
		denom := math.Sqrt(s)/bc2Sqrt + h.Eps
		p[i] = p[i] + float64((-stepSize)*m[i])/denom
	}
}

func rmspropRef(p, g, sq, avg, buf []float64, h RMSpropParams) {
	for i := range p {
		d := g[i]
		if h.WeightDecay != 0 {
			d = d + float64(h.WeightDecay*p[i])
		}
		sq[i] = float64(sq[i]*h.Alpha) + float64(float64((1-h.Alpha)*d)*d)
		var r float64
		if h.Centered {
			avg[i] = float64(avg[i]*h.Alpha) + float64((1-h.Alpha)*d)
			r = math.Sqrt(sq[i] + float64(float64((-1)*avg[i])*avg[i]))
		} else {
			r = math.Sqrt(sq[i])
		}
		r = r + h.Eps
		if h.Momentum > 0 {
			buf[i] = float64(buf[i]*h.Momentum) + d/r
			p[i] = p[i] + float64((-h.LR)*buf[i])
		} else {
			p[i] = p[i] + float64((-h.LR)*d)/r
		}
	}
}

// optimState is one set of random slices of n elements, in guarded
// buffers, and copies of them for the reference loop.
type optimState struct {
	got, want [5][]float64
	bufs      [5][]float64
}

func newOptimState(r *rand.Rand, n int) *optimState {
	s := &optimState{}
	for k := range 5 {
		s.got[k], s.bufs[k] = guarded(n, k%4)
		for i := range s.got[k] {
			s.got[k][i] = finite(r)
			if k >= 2 && k <= 3 && r.IntN(2) == 0 { // running averages of squares are >= 0 (mostly)
				s.got[k][i] = math.Abs(s.got[k][i])
			}
		}
		if n > 0 && r.IntN(3) == 0 {
			s.got[k][r.IntN(n)] = specials[r.IntN(len(specials))]
		}
		s.want[k] = append([]float64(nil), s.got[k]...)
	}
	return s
}

func (s *optimState) check(t *testing.T, what string, n int) {
	t.Helper()
	for k := range 5 {
		if !testutil.AllSame(t, fmt.Sprintf("%s: slice %d (want: the reference's)", what, k), s.got[k], s.want[k]) {
			t.FailNow()
		}
		checkGuards(t, fmt.Sprintf("%s slice %d", what, k), s.bufs[k], guardLen+k%4, n)
	}
}

func optimLengths() []int {
	ns := []int{}
	for n := 0; n <= 70; n++ {
		ns = append(ns, n)
	}
	return append(ns, 255, 256, 257, 1025)
}

func TestSGDStepMatchesReferenceLoop(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(1, 2))
		for _, n := range optimLengths() {
			for _, h := range []SGDParams{
				{LR: 0.1},
				{LR: 0.1, WeightDecay: 0.01},
				{LR: 0.1, Momentum: 0.9, First: true},
				{LR: 0.1, Momentum: 0.9},
				{LR: 0.1, Momentum: 0.9, Dampening: 0.3},
				{LR: 0.1, Momentum: 0.9, Nesterov: true},
				{LR: 0.1, Momentum: 0.9, Nesterov: true, First: true, WeightDecay: 0.1},
				{LR: 0.3, Momentum: 0.5, Dampening: 0.1, WeightDecay: 1e-4},
			} {
				s := newOptimState(r, n)
				SGDStep(s.got[0], s.got[1], s.got[2], h)
				sgdRef(s.want[0], s.want[1], s.want[2], h)
				s.check(t, fmt.Sprintf("n=%d %+v", n, h), n)
			}
		}
	})
}

func TestAdamStepMatchesReferenceLoop(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(3, 4))
		for _, n := range append(optimLengths(), 511, 512, 513, 4099) {
			for _, h := range []AdamParams{
				{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8},
				{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.1},
				{LR: 3e-3, Beta1: 0.9, Beta2: 0.99, Eps: 1e-8, WeightDecay: 0.1, Decoupled: true},
				{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01, Decoupled: true, Amsgrad: true},
				{LR: 0.1, Beta1: 0, Beta2: 0.5, Eps: 0, Amsgrad: true},
			} {
				h.BiasCorrection1, h.BiasCorrection2 = 1-math.Pow(h.Beta1, 3), 1-math.Pow(h.Beta2, 3)
				s := newOptimState(r, n)
				AdamStep(s.got[0], s.got[1], s.got[4], s.got[2], s.got[3], h)
				adamRef(s.want[0], s.want[1], s.want[4], s.want[2], s.want[3], h)
				s.check(t, fmt.Sprintf("n=%d %+v", n, h), n)
			}
		}
	})
}

func TestRMSpropStepMatchesReferenceLoop(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, n := range optimLengths() {
		for _, h := range []RMSpropParams{
			{LR: 0.01, Alpha: 0.99, Eps: 1e-8},
			{LR: 0.01, Alpha: 0.99, Eps: 1e-8, Centered: true},
			{LR: 0.01, Alpha: 0.9, Eps: 1e-8, Momentum: 0.9, WeightDecay: 0.1},
			{LR: 0.01, Alpha: 0.9, Eps: 1e-4, Momentum: 0.5, Centered: true},
		} {
			s := newOptimState(r, n)
			RMSpropStep(s.got[0], s.got[1], s.got[2], s.got[3], s.got[4], h)
			rmspropRef(s.want[0], s.want[1], s.want[2], s.want[3], s.want[4], h)
			s.check(t, fmt.Sprintf("n=%d %+v", n, h), n)
		}
	}
}

func TestOptimizerKernelsUnusedBuffersMayBeNil(t *testing.T) {
	p, g := []float64{1, 2}, []float64{1, 1}
	SGDStep(p, g, nil, SGDParams{LR: 0.5, WeightDecay: 0.1})
	AdamStep(p, g, make([]float64, 2), make([]float64, 2), nil,
		AdamParams{LR: 0.5, Beta1: 0.9, Beta2: 0.999, BiasCorrection1: 0.1, BiasCorrection2: 0.001})
	RMSpropStep(p, g, make([]float64, 2), nil, nil, RMSpropParams{LR: 0.5, Alpha: 0.9})
	for i, v := range p {
		if math.IsNaN(v) || v >= []float64{1, 2}[i] {
			t.Errorf("p[%d] = %v: the steps should have decreased it", i, v)
		}
	}
}

func TestOptimizerKernelLengthPanics(t *testing.T) {
	short, ok := make([]float64, 2), make([]float64, 3)
	cases := []struct {
		name string
		op   string
		f    func()
	}{
		{"SGDStep with a short gradient", "SGDStep", func() { SGDStep(ok, short, ok, SGDParams{}) }},
		{"SGDStep with a short momentum buffer", "SGDStep", func() { SGDStep(ok, ok, short, SGDParams{Momentum: 0.9}) }},
		{"AdamStep with a short second moment", "AdamStep", func() { AdamStep(ok, ok, ok, short, nil, AdamParams{}) }},
		{"AdamStep with no maximum for AMSGrad", "AdamStep", func() { AdamStep(ok, ok, ok, ok, nil, AdamParams{Amsgrad: true}) }},
		{"RMSpropStep with a short square average", "RMSpropStep", func() { RMSpropStep(ok, ok, short, nil, nil, RMSpropParams{}) }},
		{"RMSpropStep centered with no average", "RMSpropStep", func() { RMSpropStep(ok, ok, ok, nil, nil, RMSpropParams{Centered: true}) }},
		{"RMSpropStep with momentum and no buffer", "RMSpropStep", func() { RMSpropStep(ok, ok, ok, nil, short, RMSpropParams{Momentum: 0.5}) }},
	}
	for _, c := range cases {
		t.Run(c.name+" panics", func(t *testing.T) {
			if e := testutil.Panics[*Error](t, c.f); e.Op != c.op {
				t.Fatalf("panic %v, want a *kernels.Error from %s", e, c.op)
			}
		})
	}
}

// TestSGDMomentumKernelMatchesThreePasses checks the level's one-pass
// momentum kernel against the three passes it replaces (Scal, Axpy, Axpy)
// at the same level, bit for bit, on inputs with special values at random
// places: the assembly kernels with their NaN payloads too, since they
// run the same instructions; the generic loop with any NaN for a NaN, as
// the Go compiler picks the operand order of its multiplies and adds.
func TestSGDMomentumKernelMatchesThreePasses(t *testing.T) {
	forEachLevel(t, func(t *testing.T) {
		k := cur.Load().sgdMomentum
		if k == nil {
			return // this level runs the three passes themselves
		}
		same := func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) }
		if Level() == device.Generic {
			same = testutil.Same
		}
		r := rand.New(rand.NewPCG(7, 8))
		for _, n := range testLengths() {
			var got, want [3][]float64
			for s := range got {
				got[s] = make([]float64, n)
				for i := range got[s] {
					got[s][i] = finite(r)
					if r.IntN(8) == 0 {
						got[s][i] = specials[r.IntN(len(specials))]
					}
				}
				want[s] = append([]float64(nil), got[s]...)
			}
			const mom, damp, negLR = 0.9, 0.7, -0.1
			k(got[0], got[1], got[2], mom, damp, negLR)
			Scal(mom, want[2])
			Axpy(damp, want[1], want[2])
			Axpy(negLR, want[2], want[0])
			for s, name := range []string{"p", "g", "buf"} {
				for i := range got[s] {
					if !same(got[s][i], want[s][i]) {
						t.Fatalf("n=%d: %s[%d] = %v (%#x), want %v (%#x)", n, name, i, got[s][i], math.Float64bits(got[s][i]), want[s][i], math.Float64bits(want[s][i]))
					}
				}
			}
		}
	})
}
