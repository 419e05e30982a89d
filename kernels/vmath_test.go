package kernels

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/internal/testutil"
)

// The transcendental kernels (Exp, Log, Tanh, Sigmoid, Erf) are not bit-identical
// across levels: the vector levels are compared with the math package in
// units in the last place (ulps), the distance between two float64s counted
// in representable values, over a sweep (TestVMathSweep), on the special
// inputs bit for bit (TestVMathSpecials), at every length and offset
// (TestVMathLengths) and by fuzzing (FuzzVMath).

// mathKernel is one transcendental kernel and its reference.
type mathKernel struct {
	name string
	run  func(t *table, dst, x []float64)
	ref  func(float64) float64
	// spec is the bound the vector levels must meet (the task's: 2 ulps for
	// Exp and Log, 4 for Tanh and Sigmoid); measured is the maximum
	// TestVMathSweep measured, which the doc comments quote, and vsExact
	// the maximum it measured from the correctly rounded result.
	spec, measured, vsExact float64
}

var mathKernels = []mathKernel{
	{"exp", func(t *table, d, x []float64) { t.exp(d, x) }, refExp, 2, 2, 1},
	{"log", func(t *table, d, x []float64) { t.log(d, x) }, refLog, 2, 1, 1},
	{"tanh", func(t *table, d, x []float64) { t.tanh(d, x) }, math.Tanh, 4, 2, 1},
	{"sigmoid", func(t *table, d, x []float64) { t.sig(d, x) }, refSigmoid, 4, 2, 2},
	{"erf", func(t *table, d, x []float64) { t.erf(d, x) }, math.Erf, 2, 1, 1},
}

// expOverflow is math's Overflow: e^x is finite up to it.
const expOverflow = 7.09782712893383973096e+02

// expUnderflow is math's Underflow: below it, e^x rounds to 0.
const expUnderflow = -7.45133219101941108420e+02

// refExp is math.Exp, except where the math package's assembly is wrong:
// on amd64 it returns +Inf for a finite e^x (x in (709.436, expOverflow]),
// on arm64 0 for the least subnormal (e^-745 is 5e-324); there it is the
// correctly rounded value.
func refExp(x float64) float64 {
	e := math.Exp(x)
	if math.IsInf(e, 1) && x <= expOverflow || e == 0 && x >= expUnderflow {
		return mpExp(x)
	}
	return e
}

// refSigmoid is the kernels' Go formula (sigmoid) on refExp.
func refSigmoid(v float64) float64 {
	if v >= 0 {
		return 1 / (1 + refExp(-v))
	}
	e := refExp(v)
	return e / (1 + e)
}

// refLog is math.Log, except for subnormal x, where math.Log's amd64
// assembly is wrong: there it is the correctly rounded value.
func refLog(x float64) float64 {
	if x > 0 && x < 0x1p-1022 {
		return mpLog(x)
	}
	return math.Log(x)
}

// ord maps float64s onto the integers in order, ±0 both to 0, so that the
// distance between two values is the number of float64s between them.
func ord(v float64) int64 {
	b := int64(math.Float64bits(v))
	if b < 0 {
		return math.MinInt64 - b
	}
	return b
}

// ulpDist returns how many float64s apart got and want are: 0 for two NaNs,
// +Inf for a NaN and a number.
func ulpDist(got, want float64) float64 {
	gn, wn := math.IsNaN(got), math.IsNaN(want)
	switch {
	case gn && wn:
		return 0
	case gn || wn:
		return math.Inf(1)
	}
	d := ord(got) - ord(want)
	if d < 0 {
		d = -d
	}
	return float64(d)
}

// High-precision references (math/big, 160 bits), correctly rounded to
// float64 by big.Float.Float64.

const mpPrec = 160

var mpLn2, _, _ = big.ParseFloat("0.6931471805599453094172321214581765680755001343602552541206800094933936219696947156058633269964186875", 10, mpPrec, big.ToNearestEven)

func mpf(v float64) *big.Float { return new(big.Float).SetPrec(mpPrec).SetFloat64(v) }

// mpExpBig returns e^x·2^-k and k, with k = round(x/ln 2).
func mpExpBig(x float64) (*big.Float, int) {
	k := math.Round(x / math.Ln2)
	r := new(big.Float).SetPrec(mpPrec).Mul(mpLn2, mpf(k))
	r.Sub(mpf(x), r)
	sum, term := mpf(1), mpf(1)
	for i := 1; i < 40; i++ {
		term.Mul(term, r)
		term.Quo(term, mpf(float64(i)))
		sum.Add(sum, term)
	}
	return sum, int(k)
}

// mpExp returns e^x correctly rounded (x finite, not far beyond the
// overflow and underflow thresholds).
func mpExp(x float64) float64 {
	s, k := mpExpBig(x)
	f, _ := s.SetMantExp(s, k).Float64()
	return f
}

// mpTanh returns tanh x correctly rounded (x finite): (e^2x - 1)/(e^2x + 1).
func mpTanh(x float64) float64 {
	if math.Abs(x) > 40 {
		return math.Copysign(1, x)
	}
	if math.Abs(x) < 0x1p-30 { // x - x³/3 + 2x⁵/15, where e^2x - 1 would cancel
		bx := mpf(x)
		x2 := new(big.Float).SetPrec(mpPrec).Mul(bx, bx)
		t := new(big.Float).SetPrec(mpPrec).Mul(x2, mpf(2.0/15))
		t.Sub(t, new(big.Float).SetPrec(mpPrec).Quo(mpf(1), mpf(3)))
		t.Mul(t, x2)
		t.Add(t, mpf(1))
		f, _ := t.Mul(t, bx).Float64()
		return f
	}
	s, k := mpExpBig(2 * x)
	s.SetMantExp(s, k)
	n := new(big.Float).SetPrec(mpPrec).Sub(s, mpf(1))
	n.Quo(n, s.Add(s, mpf(1)))
	f, _ := n.Float64()
	return f
}

// mpErf returns erf x correctly rounded (x finite): by its Taylor series,
// 2/√π · Σ (-1)ⁿ x²ⁿ⁺¹/(n!(2n+1)), summed at 320 bits (at |x| = 6 the
// largest term is about 10¹⁵ times the sum); ±1 from |x| = 6 on, where
// erfc x is below half an ulp of 1.
func mpErf(x float64) float64 {
	if math.Abs(x) >= 6 {
		return math.Copysign(1, x)
	}
	const prec = 320
	bx := new(big.Float).SetPrec(prec).SetFloat64(x)
	x2 := new(big.Float).SetPrec(prec).Mul(bx, bx)
	sum := new(big.Float).SetPrec(prec)
	term := new(big.Float).SetPrec(prec).Set(bx) // (-1)ⁿ x²ⁿ⁺¹/n!
	for n := 0; n < 400; n++ {
		t := new(big.Float).SetPrec(prec).Quo(term, new(big.Float).SetPrec(prec).SetInt64(int64(2*n+1)))
		sum.Add(sum, t)
		term.Mul(term, x2)
		term.Quo(term, new(big.Float).SetPrec(prec).SetInt64(int64(-(n + 1))))
	}
	pi, _, _ := big.ParseFloat("3.14159265358979323846264338327950288419716939937510582097494459230781640628620899862803482534211706798214808651", 10, prec, big.ToNearestEven)
	sum.Mul(sum, mpf(2)) // exact, at sum's precision
	sum.Quo(sum, new(big.Float).SetPrec(prec).Sqrt(pi))
	f, _ := sum.Float64()
	return f
}

// mpSigmoid returns 1/(1 + e^-x) correctly rounded (x finite, above about
// -745).
func mpSigmoid(x float64) float64 {
	if x > 40 {
		return 1
	}
	s, k := mpExpBig(-x)
	s.SetMantExp(s, k)
	f, _ := s.Quo(mpf(1), s.Add(s, mpf(1))).Float64()
	return f
}

// mpLog returns ln x correctly rounded (x > 0 finite): k·ln 2 +
// 2·atanh((m-1)/(m+1)) with x = 2^k·m, m in [√2/2, √2).
func mpLog(x float64) float64 {
	m, k := math.Frexp(x)
	if m < math.Sqrt2/2 {
		m, k = 2*m, k-1
	}
	z := new(big.Float).SetPrec(mpPrec).Quo(mpf(m-1), mpf(m+1)) // m±1 exact
	z2 := new(big.Float).SetPrec(mpPrec).Mul(z, z)
	sum, term := mpf(0), new(big.Float).SetPrec(mpPrec).Set(z)
	for i := 1; i < 80; i += 2 {
		sum.Add(sum, new(big.Float).SetPrec(mpPrec).Quo(term, mpf(float64(i))))
		term.Mul(term, z2)
	}
	sum.Mul(sum, mpf(2))
	sum.Add(sum, new(big.Float).SetPrec(mpPrec).Mul(mpLn2, mpf(float64(k))))
	f, _ := sum.Float64()
	return f
}

func TestMPReferences(t *testing.T) {
	for _, x := range []float64{-745.1332191019411, -700.5, -1, -1e-10, 0, 1e-300, 0.5, 1, 10, 700.25, 709.5} {
		if got, want := mpExp(x), math.Exp(x); x < 709 && ulpDist(got, want) > 2 {
			t.Errorf("mpExp(%v) = %v, math.Exp gives %v", x, got, want)
		}
	}
	if got := mpExp(1); got != math.E {
		t.Errorf("mpExp(1) = %v, want %v", got, math.E)
	}
	for _, x := range []float64{0x1p-1022, 1e-300, 0.3, 0.75, 1, 2, math.E, 1e10, math.MaxFloat64} {
		if got, want := mpLog(x), math.Log(x); ulpDist(got, want) > 1 {
			t.Errorf("mpLog(%v) = %v, math.Log gives %v", x, got, want)
		}
	}
	if got := mpLog(2); got != math.Ln2 {
		t.Errorf("mpLog(2) = %v, want %v", got, math.Ln2)
	}
	// 5e-324 = 2^-1074: its logarithm is -1074·ln 2.
	if got, want := mpLog(5e-324), -744.4400719213812; got != want {
		t.Errorf("mpLog(5e-324) = %v, want %v", got, want)
	}
}

// randBits returns a float64 with uniformly random bits: every exponent
// equally likely, NaNs and infinities (rarely) included.
func randBits(r *rand.Rand) float64 { return math.Float64frombits(r.Uint64()) }

// around returns a value within rel·|v| of v.
func around(r *rand.Rand, v, rel float64) float64 { return v + v*rel*(2*r.Float64()-1) }

// logScale returns ±2^e·(1..2) with e uniform in [lo, hi).
func logScale(r *rand.Rand, lo, hi int) float64 {
	v := math.Ldexp(1+r.Float64(), lo+r.IntN(hi-lo))
	if r.IntN(2) == 0 {
		v = -v
	}
	return v
}

// sweepInputs returns the sweep of kernel name: n values, a mix of dense
// uniform ones over the whole interesting range and the hard places
// (thresholds, near 0, near 1 for log, subnormals, random bit patterns).
func sweepInputs(name string, n int) []float64 {
	r := rand.New(rand.NewPCG(uint64(len(name)), 0x5eed))
	x := make([]float64, n)
	for i := range x {
		var v float64
		switch name {
		case "exp":
			switch i % 8 {
			case 0, 1, 2:
				v = -746 + 1456*r.Float64()
			case 3:
				v = logScale(r, -60, 4)
			case 4:
				v = 709.3 + 0.5*r.Float64() // the overflow end
				if i%64 != 4 {
					v = 700 + 9.5*r.Float64()
				}
			case 5:
				v = -745.2 + 38*r.Float64() // subnormal results and the underflow end
			case 6:
				v = -2 + 4*r.Float64()
			default:
				v = randBits(r)
			}
		case "log":
			switch i % 8 {
			case 0, 1:
				v = math.Abs(randBits(r))
			case 2:
				v = 1 + logScale(r, -53, -1) // near 1
			case 3:
				v = 4 * r.Float64()
			case 4:
				v = math.Float64frombits(r.Uint64() >> 12) // subnormal
				if i%64 != 4 {
					v = math.Abs(logScale(r, -1022, -1000))
				}
			case 5:
				v = around(r, math.Sqrt2/2, 1e-3) // the reduction's boundary
			case 6:
				v = math.Abs(logScale(r, -1022, 1024))
			default:
				v = randBits(r)
			}
		case "tanh":
			switch i % 8 {
			case 0, 1, 2:
				v = -22 + 44*r.Float64()
			case 3:
				v = logScale(r, -60, 1)
			case 4:
				v = around(r, 0.625, 0.05) // the cut
			case 5:
				v = -2 + 4*r.Float64()
			case 6:
				v = logScale(r, -1074, 6)
			default:
				v = randBits(r)
			}
		case "erf":
			switch i % 8 {
			case 0, 1, 2:
				v = -7 + 14*r.Float64()
			case 3:
				v = logScale(r, -60, 1)
			case 4:
				v = around(r, []float64{0.84375, 1.25, 1 / 0.35, 6}[i/8%4], 0.02) // the ranges' cuts
			case 5:
				v = -2 + 4*r.Float64()
			case 6:
				v = logScale(r, -1074, 3) // the tiny cuts too
			default:
				v = randBits(r)
			}
		case "sigmoid":
			switch i % 8 {
			case 0, 1:
				v = -750 + 790*r.Float64()
			case 2, 3:
				v = -40 + 80*r.Float64()
			case 4:
				v = logScale(r, -60, 4)
			case 5:
				v = -745.2 + 38*r.Float64() // subnormal results
			case 6:
				v = logScale(r, -1074, 10)
			default:
				v = randBits(r)
			}
		}
		x[i] = v
	}
	return x
}

// TestVMathSweep measures each vector level's largest distance from the
// reference over the sweep, asserts the measured maxima the doc comments
// quote (never above the task's bounds), and logs them (go test -v -run
// VMathSweep). On a sample it also measures and asserts the distance from
// the correctly rounded result.
func TestVMathSweep(t *testing.T) {
	lts := needAsm(t)
	n, every := 1<<20, 61
	if testing.Short() || raceEnabled {
		n, every = 1<<16, 0
	}
	mps := map[string]func(float64) float64{"exp": mpExp, "log": mpLog, "tanh": mpTanh, "sigmoid": mpSigmoid, "erf": mpErf}
	for _, k := range mathKernels {
		if k.measured > k.spec {
			t.Fatalf("%s: documented maximum %v above the bound %v", k.name, k.measured, k.spec)
		}
		x := sweepInputs(k.name, n)
		want := make([]float64, n)
		for i, v := range x {
			want[i] = k.ref(v)
		}
		// The correctly rounded results of every every-th finite value
		// whose result is finite, nonzero and not subnormal.
		var sample []int
		var exact []float64
		for i := 0; every > 0 && i < n; i += every {
			if w := want[i]; !math.IsNaN(w) && !math.IsInf(w, 0) && math.Abs(w) >= 0x1p-1022 {
				sample = append(sample, i)
				exact = append(exact, mps[k.name](x[i]))
			}
		}
		got := make([]float64, n)
		for _, lt := range lts {
			t.Run(fmt.Sprintf("level=%s/kernel=%s", lt.level, k.name), func(t *testing.T) {
				k.run(lt, got, x)
				worst, at := 0.0, 0
				hist := [4]int{}
				for i := range got {
					d := ulpDist(got[i], want[i])
					hist[min(int(d), 3)]++
					if d > worst {
						worst, at = d, i
					}
				}
				t.Logf("max %v ulps from the reference (at x = %v: got %v, want %v) over %d values; 0/1/2/more ulps: %v",
					worst, x[at], got[at], want[at], n, hist)
				if worst > k.measured {
					t.Errorf("%v ulps at x = %v (%#x): got %v, want %v; documented maximum %v",
						worst, x[at], math.Float64bits(x[at]), got[at], want[at], k.measured)
				}
				if len(sample) == 0 {
					return
				}
				worst, at = 0, 0
				var refWorst float64
				for j, i := range sample {
					if d := ulpDist(got[i], exact[j]); d > worst {
						worst, at = d, i
					}
					refWorst = max(refWorst, ulpDist(want[i], exact[j]))
				}
				t.Logf("max %v ulps from the correctly rounded result (at x = %v) over %d values; the reference's own: %v ulps",
					worst, x[at], len(sample), refWorst)
				if worst > k.vsExact {
					t.Errorf("%v ulps from the correctly rounded result at x = %v; documented maximum %v", worst, x[at], k.vsExact)
				}
			})
		}
	}
}

// vmathSpecials are the edge inputs: zeros, infinities, NaNs, subnormals,
// the extremes, exp's overflow and underflow thresholds and the subnormal
// results between, tanh's cut and saturation. Where the reference's result
// is itself special (NaN, ±Inf, ±0, ±1, ½, subnormal, x itself) or x is one
// of exp's thresholds, every level must give exactly its bits; elsewhere
// (e^19, say) the sweep's bound applies.
var vmathSpecials = []float64{
	0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1),
	nanQuiet, nanNeg, nanSignal, nanPayload, nanSignalNg,
	5e-324, -5e-324, 1e-310, -1e-310, 2.2250738585072009e-308, 0x1p-1022, -0x1p-1022,
	1e-300, -1e-300, 1e-20, -1e-20,
	math.MaxFloat64, -math.MaxFloat64, 1, -1, 2, 0.5, -0.5,
	expOverflow, math.Nextafter(expOverflow, 1000), 709.78, 709.5, 709.43, 710, 711, 1000, 1e300,
	-745.1332191019411, math.Nextafter(-745.1332191019411, 0), math.Nextafter(-745.1332191019411, -1000),
	-745, -744.5, -740, -730, -720, -709, -708.4, -708.39, -746, -1000, -1e300,
	0.625, math.Nextafter(0.625, 0), -0.625, 19, 20, 22, 44, 45, -20, -45, 36, 37, -36, -37,
}

// expThresholds are the inputs around exp's overflow and underflow bounds.
var expThresholds = []float64{
	expOverflow, math.Nextafter(expOverflow, 1000),
	-745.1332191019411, math.Nextafter(-745.1332191019411, 0), math.Nextafter(-745.1332191019411, -1000),
}

// exactClass reports whether f(x) = want must be matched bit for bit.
func exactClass(name string, x, want float64) bool {
	a := math.Abs(want)
	if math.IsNaN(want) || math.IsInf(want, 0) || a == 0 || a == 1 || a == 0.5 || a < 0x1p-1022 || want == x {
		return true
	}
	for _, v := range expThresholds {
		if name == "exp" && x == v {
			return true
		}
	}
	return false
}

func TestVMathSpecials(t *testing.T) {
	for _, lt := range append([]*table{&genericTable}, asmLevels()...) {
		for _, k := range mathKernels {
			x := vmathSpecials
			got := make([]float64, len(x))
			k.run(lt, got, x)
			exact := 0
			for i, v := range x {
				want := k.ref(v)
				if lt == &genericTable {
					// Generic is the math package, Go bugs included.
					want = map[string]func(float64) float64{"exp": math.Exp, "log": math.Log, "tanh": math.Tanh, "sigmoid": sigmoid, "erf": math.Erf}[k.name](v)
				}
				if !exactClass(k.name, v, want) {
					if d := ulpDist(got[i], want); d > k.measured {
						t.Errorf("%s/%s(%v) = %v, want %v within %v ulps", lt.level, k.name, v, got[i], want, k.measured)
					}
					continue
				}
				exact++
				if math.Float64bits(got[i]) != math.Float64bits(want) {
					t.Errorf("%s/%s(%v (%#x)) = %v (%#x), want %v (%#x)", lt.level, k.name,
						v, math.Float64bits(v), got[i], math.Float64bits(got[i]), want, math.Float64bits(want))
				}
			}
			if exact < 20 {
				t.Errorf("%s/%s: only %d of the special inputs have special results", lt.level, k.name, exact)
			}
		}
	}
}

// TestVMathGoBugs pins the two places where the vector kernels depart from
// the math package on amd64 on purpose, with the correct values.
func TestVMathGoBugs(t *testing.T) {
	for _, lt := range asmLevels() {
		x := []float64{709.5, expOverflow}
		got := make([]float64, 2)
		lt.exp(got, x)
		for i, want := range []float64{1.3549863193146328e+308, 1.7976931348622732e+308} {
			if got[i] != want {
				t.Errorf("%s: exp(%v) = %v, want %v", lt.level, x[i], got[i], want)
			}
		}
		x = []float64{5e-324, 1e-310}
		lt.log(got, x)
		for i, want := range []float64{-744.4400719213812, -713.8013788281542} {
			if got[i] != want {
				t.Errorf("%s: log(%v) = %v, want %v", lt.level, x[i], got[i], want)
			}
		}
	}
}

// vmathInputs fills s with values each kernel finds interesting, a few of
// them special.
func vmathInputs(r *rand.Rand, s []float64) {
	for i := range s {
		switch r.IntN(6) {
		case 0:
			s[i] = vmathSpecials[r.IntN(len(vmathSpecials))]
		case 1:
			s[i] = randBits(r)
		case 2:
			s[i] = -750 + 1460*r.Float64()
		default:
			s[i] = 8 * r.NormFloat64()
		}
	}
}

// checkVMath runs kernel k at level lt on x0 placed at offsets offs (dst,
// x) in guarded buffers, dst aliasing x if alias, and checks each result
// against the same level on that element alone (bit for bit: the main
// loops, the one-vector step and the masked tail compute alike), and
// against the reference within the bound; inputs and guards must be
// unchanged.
func checkVMath(t testing.TB, k mathKernel, lt *table, x0 []float64, offs [2]int, alias bool) {
	t.Helper()
	n := len(x0)
	what := fmt.Sprintf("%s/%s/n=%d/offsets=%v", lt.level, k.name, n, offs)
	if alias {
		what += "/dst=x"
	}
	dst, dstBuf := guarded(n, offs[0])
	x, xBuf := guarded(n, offs[1])
	copy(x, x0)
	if alias {
		copy(dst, x0)
		x = dst
	}
	k.run(lt, dst, x)
	one := make([]float64, 1)
	for i, v := range x0 {
		k.run(lt, one, []float64{v})
		if math.Float64bits(dst[i]) != math.Float64bits(one[0]) {
			t.Fatalf("%s: dst[%d] = %v (%#x), but the kernel on x[%d] = %v alone gives %v (%#x)",
				what, i, dst[i], math.Float64bits(dst[i]), i, v, one[0], math.Float64bits(one[0]))
		}
		if d := ulpDist(dst[i], k.ref(v)); lt != &genericTable && d > k.spec {
			t.Fatalf("%s: f(%v (%#x)) = %v, reference %v: %v ulps > %v", what, v, math.Float64bits(v), dst[i], k.ref(v), d, k.spec)
		}
	}
	if !alias {
		if i := sameBits(x, x0); i >= 0 {
			t.Fatalf("%s: input x[%d] changed from %v to %v", what, i, x0[i], x[i])
		}
		checkGuards(t, what+": x", xBuf, guardLen+offs[1], n)
	}
	checkGuards(t, what+": dst", dstBuf, guardLen+offs[0], n)
}

func TestVMathLengths(t *testing.T) {
	lts := append([]*table{&genericTable}, asmLevels()...)
	r := rand.New(rand.NewPCG(7, 8))
	var lengths []int
	for n := 0; n <= 67; n++ {
		lengths = append(lengths, n)
	}
	lengths = append(lengths, 255, 256, 257, 1000, 4099)
	for _, lt := range lts {
		for _, k := range mathKernels {
			t.Run(fmt.Sprintf("level=%s/kernel=%s", lt.level, k.name), func(t *testing.T) {
				for _, n := range lengths {
					x0 := make([]float64, n)
					for off := 0; off < 4; off++ {
						vmathInputs(r, x0)
						checkVMath(t, k, lt, x0, [2]int{off, (off + 1) % 4}, false)
						checkVMath(t, k, lt, x0, [2]int{off, off}, true)
					}
				}
			})
		}
	}
}

// TestVMathExported checks the exported kernels at every level: the level's
// table entry, and the length panic.
func TestVMathExported(t *testing.T) {
	fns := map[string]func(dst, x []float64){"exp": Exp, "log": Log, "tanh": Tanh, "sigmoid": Sigmoid, "erf": Erf}
	forEachLevel(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(9, 10))
		x := make([]float64, 37)
		vmathInputs(r, x)
		for _, k := range mathKernels {
			f := fns[k.name]
			want := make([]float64, 30)
			k.run(cur.Load(), want, x[:30])
			got := make([]float64, 30)
			f(got, x) // x longer than dst: only len(dst) elements
			if i := sameBits(got, want); i >= 0 {
				t.Errorf("%s: element %d = %v, the level's kernel gives %v", k.name, i, got[i], want[i])
			}
			testutil.Panics[*Error](t, func() { f(make([]float64, 3), make([]float64, 2)) })
		}
	})
}

// FuzzVMath compares every vector level with the reference on arbitrary
// bit patterns: within the bound, NaN exactly where the reference is NaN,
// and element for element the same as the level on that element alone.
func FuzzVMath(f *testing.F) {
	f.Add(bitsOf(1, 2, 3, 4), uint8(0), uint8(0))
	f.Add(bitsOf(nanQuiet, nanNeg, math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1), 5e-324, 1,
		nanSignal, nanPayload, 709.78, -745.13), uint8(1), uint8(5))
	f.Add(bitsOf(0.5, -0.625, 0.625, 20, -1e-300, 37), uint8(2), uint8(2))
	f.Add(bitsOf(-800, -745.5, 1e-310, 40, 0.25, -3, 2, 7, 9), uint8(3), uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, kernel, off uint8) {
		x0 := decodeFloats(data)
		k := mathKernels[int(kernel)%len(mathKernels)]
		for _, lt := range asmLevels() {
			checkVMath(t, k, lt, x0, [2]int{int(off) % 4, int(off/4) % 4}, off >= 128)
		}
	})
}

// TestErfBelowCutIsMathErf checks that the vector levels give math.Erf's
// bits wherever math.Erf takes no exponential (|x| < 1.25), as Erf's doc
// says: there they run its operations in its order. That holds where the
// compiler rounds math.Erf's products before its sums (amd64 at the
// default GOAMD64 level); where it fuses them (arm64), within 1 ulp.
func TestErfBelowCutIsMathErf(t *testing.T) {
	bound := 0.0
	if goFusesMulAdd(1+0x1p-30, 1-0x1p-30, -1) {
		bound = 1
	}
	r := rand.New(rand.NewPCG(11, 12))
	x := make([]float64, 1<<16)
	for i := range x {
		switch i % 4 {
		case 0:
			x[i] = -1.25 + 2.5*r.Float64()
		case 1:
			x[i] = around(r, []float64{0.84375, 1.2499999}[i/4%2], 0.01)
		case 2:
			x[i] = logScale(r, -1074, 0)
		default:
			x[i] = -logScale(r, -40, 0)
		}
	}
	got := make([]float64, len(x))
	for _, lt := range asmLevels() {
		lt.erf(got, x)
		for i, v := range x {
			if math.Abs(v) >= 1.25 {
				continue
			}
			if want := math.Erf(v); ulpDist(got[i], want) > bound {
				t.Fatalf("%s: erf(%v (%#x)) = %v, math.Erf gives %v (bound %v ulps)", lt.level, v, math.Float64bits(v), got[i], want, bound)
			}
		}
	}
}

// goFusesMulAdd reports whether Go code compiled here computes a·b + c
// with one rounding: (1+2⁻³⁰)(1-2⁻³⁰) - 1 is 0 rounded twice, -2⁻⁶⁰ fused.
//
//go:noinline
func goFusesMulAdd(a, b, c float64) bool { return a*b+c != 0 }
