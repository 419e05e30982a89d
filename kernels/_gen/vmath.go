//go:build generate

// This file writes vmath_amd64.s and vmath_amd64.go: the AVX2 and AVX-512
// transcendental kernels exp, log, tanh, sigmoid and erf, func(dst, x []float64)
// each, dst[i] = f(x[i]) for i < len(dst).
//
// # Shape of the kernels
//
// A main loop of two vectors per iteration, then one vector, then one
// masked vector for the last 1..width-1 elements: VMASKMOVPD with a mask
// loaded from a table at the AVX2 level, BZHI + KMOVW into K1 at the AVX512
// level. Masked-off lanes load as zero and are never stored, so every
// element goes through the same instructions whatever its position and the
// results do not depend on the length or the offset. Constants live in
// RODATA, each repeated four times (32 bytes): AVX2 instructions take them
// as 256-bit memory operands, AVX-512 ones as 64-bit broadcasts (.BCST).
// Only AVX-512F instructions are used at the AVX512 level (VPANDQ/VPORQ, not
// the AVX512DQ VANDPD/VORPD on ZMM; no VFPCLASSPD, no VCVTPD2QQ).
//
// At the AVX2 level, exp, sigmoid and log test each vector first (compare,
// VMOVMSKPD, one branch): when no lane is special (a NaN, |x| > 708 for
// exp and sigmoid; anything but a positive normal number for log), a fast
// path skips the clamps, the two-step scaling, the subnormal scaling and
// the special-value blends; otherwise an out-of-line general path, after
// the RET, computes the vector. Both give the same bits on ordinary lanes.
// erf tests each vector the same way at both levels (KORTESTW on the
// compare's mask at AVX512): when every lane is below 1.25 (most of a
// GELU's inputs), the fast path skips the range that takes the two
// exponentials and two of the three divisions: 2.4 against 4.4 µs per
// 1024 unit-normal values at AVX512, 3.6 against 9.3 at AVX2 (math.Erf's
// loop: 7.5).
//
// # Algorithms
//
// exp: Cody–Waite reduction x = k·ln2 + r with k = round(x·log2e) (the
// 1.5·2⁵² trick, which also leaves k in the low bits), ln2 in two
// constants (ln2 rounded, and the rest), so that the first FMA is exact.
// e^r - 1 = r + r²·Q(r), Q the Taylor polynomial of degree 11 (degree 13 in
// all: truncation error below 0.05 ulp on |r| ≤ ln2/2) by Horner with FMA;
// 1 + (e^r - 1) is added as hi + lo (Fast2Sum) so that one rounding is left.
// 2^k: AVX2 builds two powers 2^(k>>1) and 2^(k-(k>>1)) from exponent bits
// and multiplies by both (the first product is exact, the second rounds
// once, into the subnormals where needed); AVX512 uses VSCALEFPD, which
// rounds once. x is first clamped into [-746, 710], so overflow to +Inf
// (x > 709.782712893384) and underflow to 0 (x < -745.1332191019411)
// happen in that last rounding exactly where math.Exp's thresholds put
// them; NaN lanes are replaced by x itself, as math.Exp returns it.
//
// log: fdlibm's algorithm, as math.Log: x = 2^k·f1 with f1 in
// [√2/2, √2), f = f1 - 1, s = f/(2+f), R(s²) the same degree-14 minimax
// polynomial (Estrin's split into odd and even halves, with FMA), and
// log x = k·ln2hi - ((f²/2 - (s·(f²/2 + R) + k·ln2lo)) - f). AVX2 takes k
// and f1 from the exponent and mantissa bits, after scaling subnormal
// inputs by 2⁵²; AVX512 uses VGETEXPPD and VGETMANTPD. Special inputs get
// math.Log's amd64 results bit for bit: -Inf at ±0, x itself at +Inf and at
// NaNs with the sign bit clear, NaN (0x7ff8000000000001) at anything else
// with the sign bit set.
//
// tanh: on |x| < 0.625, math.Tanh's rational function x + x·s·P(s)/Q(s)
// with s = x² (Cephes); above, em/(em + 2) with em = e^(2|x|) - 1 computed
// as 2^k·(e^r - 1) + (2^k - 1) in one FMA from the exp reduction (2|x|
// clamped to 40, where tanh is 1 in float64). Both branches are computed
// for every lane and share one division; the sign is x's. NaN lanes give x
// quieted, as math.Tanh does.
//
// sigmoid: e = e^-|x| by the exp code, then 1/(1 + e) where x ≥ 0 and
// e/(1 + e) elsewhere: the kernels package's Go formula, which overflows
// nowhere. NaN lanes give x quieted, as the Go formula does.
//
// erf: math.Erf's own algorithm (fdlibm's s_erf.c) with its coefficients:
// x + x·P(x²)/Q(x²) below 0.84375, erx + P(s)/Q(s) with s = |x| - 1 below
// 1.25, 1 - e^(-z²-0.5625)·e^((z-x)(z+x) + R(s)/S(s))/|x| with s = 1/x²
// and z = |x| cut to 21 bits below 6 (two sets of R and S, cut at 1/0.35),
// 1 above; x + efx·x and 0.125·(8x + efx8·x) for tiny |x|. Every range is
// computed for every lane and the lane's own kept, the rational functions
// sharing one division; products and sums are rounded one by one (no FMA)
// in math.Erf's order, so that below 1.25 the results are math.Erf's bits
// (as compiled without fused multiply-adds). The exponentials are the exp
// code's. NaN lanes give math.NaN(), as math.Erf does.
package main

import (
	"fmt"
	"log"
	"math"
	"math/big"
	"os"
	"path/filepath"

	"github.com/mmcloughlin/avo/attr"
	"github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/buildtags"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/pass"
	"github.com/mmcloughlin/avo/printer"
	. "github.com/mmcloughlin/avo/reg"
)

// vconst is one RODATA constant: 8 bytes repeated four times.
type vconst struct {
	name string
	bits uint64
}

func f64(name string, v float64) vconst { return vconst{name, math.Float64bits(v)} }

// invFactorial returns 1/n! rounded to float64.
func invFactorial(n int64) float64 {
	d := big.NewInt(1)
	for i := int64(2); i <= n; i++ {
		d.Mul(d, big.NewInt(i))
	}
	v, _ := new(big.Rat).SetFrac(big.NewInt(1), d).Float64()
	return v
}

// Polynomial and algorithm constants.
const (
	expQDegree = 11 // Q(r) = sum_{i=0}^{11} r^i/(i+2)!
)

var vconsts = func() []vconst {
	cs := []vconst{
		f64("Log2e", 1.4426950408889634),            // 1/ln 2
		f64("Magic", 0x1.8p52),                      // round-to-integer constant; k in the low bits
		f64("Ln2Hi", 0.6931471805599453),            // ln 2 rounded (0x3fe62e42fefa39ef)
		f64("Ln2Lo", 2.3190468138462996e-17),        // ln 2 - Ln2Hi
		f64("ExpHi", 710),                           // exp clamps x into [ExpLo, ExpHi]
		f64("ExpLo", -746),                          //
		f64("One", 1),                               //
		f64("Two", 2),                               //
		f64("Half", 0.5),                            //
		f64("Zero", 0),                              //
		{"Bias", 1023},                              // exponent bias, added to k as an integer
		{"Sign", 1 << 63},                           // sign bit
		{"Abs", 1<<63 - 1},                          // everything but the sign bit
		{"Quiet", 1 << 51},                          // quiet bit of a NaN
		f64("TanhBig", 20),                          // |x| clamp of tanh
		f64("TanhCut", 0.625),                       // rational function below, exp above
		f64("TanhP0", -9.64399179425052238628e-1),   // Cephes tanh P (as math.Tanh)
		f64("TanhP1", -9.92877231001918586564e1),    //
		f64("TanhP2", -1.61468768441708447952e3),    //
		f64("TanhQ0", 1.12811678491632931402e2),     // Cephes tanh Q
		f64("TanhQ1", 2.23548839060100448583e3),     //
		f64("TanhQ2", 4.84406305325125486048e3),     //
		f64("LogTiny", 0x1p-1022),                   // smallest normal: below, scale by 2^52
		f64("Two52", 0x1p52),                        //
		f64("Fifty2", 52),                           //
		{"Mant", 1<<52 - 1},                         // mantissa bits
		{"HalfBits", 0x3fe0000000000000},            // exponent bits of 0.5
		{"ExpBits", 0x4330000000000000},             // 2^52 with the biased exponent ORed into its low bits
		f64("ExpOff", 0x1p52+1022),                  // 2^52 + 1022: subtracted from that, leaves frexp's exponent
		f64("HSqrt2", 7.07106781186547524401e-01),   // √2/2 (math.Log's HSqrt2)
		f64("Sqrt2", 2*7.07106781186547524401e-01),  // 2·HSqrt2, exactly
		f64("LogLn2Hi", 6.93147180369123816490e-01), // fdlibm ln2_hi (0x3fe62e42fee00000)
		f64("LogLn2Lo", 1.90821492927058770002e-10), // fdlibm ln2_lo
		f64("L1", 6.666666666666735130e-01),         // fdlibm Lg1..Lg7
		f64("L2", 3.999999999940941908e-01),         //
		f64("L3", 2.857142874366239149e-01),         //
		f64("L4", 2.222219843214978396e-01),         //
		f64("L5", 1.818357216161805012e-01),         //
		f64("L6", 1.531383769920937332e-01),         //
		f64("L7", 1.479819860511658591e-01),         //
		{"NaN", 0x7ff8000000000001},                 // math.NaN()
		{"MaxBits", 0x7fefffffffffffff},             // bits of MaxFloat64: above (as int64), +Inf or a NaN
		{"NegInf", 0xfff0000000000000},              //
		f64("Fast", vmathFast),                      // exp's fast path (AVX2): every |x| ≤ Fast
		f64("MaxFloat", math.MaxFloat64),            // log's fast path (AVX2): every x in [LogTiny, MaxFloat]
	}
	for i := 0; i <= expQDegree; i++ {
		cs = append(cs, f64(fmt.Sprintf("Q%d", i), invFactorial(int64(i+2))))
	}
	for _, name := range []string{"PP", "QQ", "PA", "QA", "RA", "SA", "RB", "SB"} {
		for i, v := range erfCoefs[name] {
			if i > 0 || v != 0 {
				cs = append(cs, f64(fmt.Sprintf("Erf%s%d", name, i), v))
			}
		}
	}
	cs = append(cs,
		f64("ErfErx", 8.45062911510467529297e-01),  // erf(1) rounded to 20 bits (math.Erf's erx)
		f64("ErfEfx", 1.28379167095512586316e-01),  // 2/√π - 1
		f64("ErfEfx8", 1.02703333676410069053e+00), // 8·efx
		f64("ErfVeryTiny", 2.848094538889218e-306), // below: 0.125·(8x + efx8·x), as math.Erf
		f64("ErfSmall", 0x1p-28),                   // below: x + efx·x
		f64("ErfCutA", 0.84375),                    // the ranges of math.Erf
		f64("ErfCutB", 1.25),                       //
		f64("ErfCutC", 1/0.35),                     //
		f64("ErfBig", 6),                           // at and above, ±1
		f64("ErfNegC", -0.5625),                    //
		f64("Eight", 8),                            //
		f64("Eighth", 0.125),                       //
		vconst{"Hi32", 0xffffffff00000000},         // the high word: z = x to 21 bits
	)
	return cs
}()

// erfCoefs are math.Erf's polynomial coefficients (fdlibm's s_erf.c), by
// name, from degree 0: P and Q on [0, 0.84375) (in x²), on [0.84375, 1.25)
// (in |x| - 1), and R and S on [1.25, 1/0.35) and [1/0.35, 6) (in 1/x²).
// The Q and S polynomials' constant term, 1, is listed as 0 (see horner).
var erfCoefs = map[string][]float64{
	"PP": {1.28379167095512558561e-01, -3.25042107247001499370e-01, -2.84817495755985104766e-02, -5.77027029648944159157e-03, -2.37630166566501626084e-05},
	"QQ": {0, 3.97917223959155352819e-01, 6.50222499887672944485e-02, 5.08130628187576562776e-03, 1.32494738004321644526e-04, -3.96022827877536812320e-06},
	"PA": {-2.36211856075265944077e-03, 4.14856118683748331666e-01, -3.72207876035701323847e-01, 3.18346619901161753674e-01, -1.10894694282396677476e-01, 3.54783043256182359371e-02, -2.16637559486879084300e-03},
	"QA": {0, 1.06420880400844228286e-01, 5.40397917702171048937e-01, 7.18286544141962662868e-02, 1.26171219808761642112e-01, 1.36370839120290507362e-02, 1.19844998467991074170e-02},
	"RA": {-9.86494403484714822705e-03, -6.93858572707181764372e-01, -1.05586262253232909814e+01, -6.23753324503260060396e+01, -1.62396669462573470355e+02, -1.84605092906711035994e+02, -8.12874355063065934246e+01, -9.81432934416914548592e+00},
	"SA": {0, 1.96512716674392571292e+01, 1.37657754143519042600e+02, 4.34565877475229228821e+02, 6.45387271733267880336e+02, 4.29008140027567833386e+02, 1.08635005541779435134e+02, 6.57024977031928170135e+00, -6.04244152148580987438e-02},
	"RB": {-9.86494292470009928597e-03, -7.99283237680523006574e-01, -1.77579549177547519889e+01, -1.60636384855821916062e+02, -6.37566443368389627722e+02, -1.02509513161107724954e+03, -4.83519191608651397019e+02},
	"SB": {0, 3.03380607434824582924e+01, 3.25792512996573918826e+02, 1.53672958608443695994e+03, 3.19985821950859553908e+03, 2.55305040643316442583e+03, 4.74528541206955367215e+02, -2.24409524465858183362e+01},
}

func vc(name string) Mem {
	for _, k := range vconsts {
		if k.name == name {
			return Mem{Symbol: Symbol{Name: "vmath" + name, Static: true}, Base: StaticBase}
		}
	}
	log.Fatalf("vmath: no constant %s", name)
	return Mem{}
}

// The AVX2 tail mask table: four all-ones qwords, then four zeros. Loading
// 32 bytes from vmathMask+32-8n sets the low n lanes.
func vmathData() {
	for _, k := range vconsts {
		c.StaticGlobal("vmath" + k.name)
		c.DataAttributes(attr.RODATA | attr.NOPTR)
		for i := 0; i < 4; i++ {
			c.AddDatum(8*i, U64(k.bits))
		}
	}
	c.StaticGlobal("vmathMask")
	c.DataAttributes(attr.RODATA | attr.NOPTR)
	for i := 0; i < 8; i++ {
		v := uint64(0)
		if i < 4 {
			v = ^uint64(0)
		}
		c.AddDatum(8*i, U64(v))
	}
}

// vgen emits one kernel at one level. Vector registers come from a pool
// (Y0..Y14 or Z0..Z14, Z16..Z31: register 15 is left alone, as in gen.go);
// at the AVX512 level, comparisons go to K2..K7.
type vgen struct {
	l     level
	wide  bool // AVX512
	used  map[int]bool
	kused map[int]bool
}

func newVgen(l level) *vgen {
	return &vgen{l: l, wide: l.masked, used: map[int]bool{}, kused: map[int]bool{}}
}

func (g *vgen) alloc() VecPhysical {
	for i, r := range g.l.vec {
		if i == 15 || g.used[i] {
			continue
		}
		g.used[i] = true
		return r
	}
	log.Fatalf("vmath: out of vector registers at %s", g.l.name)
	return nil
}

func (g *vgen) free(rs ...Register) {
	for _, r := range rs {
		i := int(r.(Physical).PhysicalIndex())
		if r.Kind() == KindOpmask {
			g.kused[i] = false
		} else {
			g.used[i] = false
		}
	}
}

var kregs = []OpmaskPhysical{K0, K1, K2, K3, K4, K5, K6, K7}

func (g *vgen) allocK() Register {
	for i := 2; i < 8; i++ {
		if !g.kused[i] {
			g.kused[i] = true
			return kregs[i]
		}
	}
	log.Fatal("vmath: out of mask registers")
	return nil
}

// op emits an instruction whose first operand may be a constant in memory:
// AVX512 then needs the broadcast form.
func (g *vgen) op(plain, bcst func(...Op), ops ...Op) {
	if _, mem := ops[0].(Mem); mem && g.wide {
		bcst(ops...)
		return
	}
	plain(ops...)
}

// Arithmetic, in Go assembler operand order (d = a op b is op(b, a, d)).
func (g *vgen) add(b, a, d Op)  { g.op(c.VADDPD, c.VADDPD_BCST, b, a, d) }
func (g *vgen) sub(b, a, d Op)  { g.op(c.VSUBPD, c.VSUBPD_BCST, b, a, d) }
func (g *vgen) mul(b, a, d Op)  { g.op(c.VMULPD, c.VMULPD_BCST, b, a, d) }
func (g *vgen) div(b, a, d Op)  { g.op(c.VDIVPD, c.VDIVPD_BCST, b, a, d) }
func (g *vgen) vmin(b, a, d Op) { g.op(c.VMINPD, c.VMINPD_BCST, b, a, d) }
func (g *vgen) vmax(b, a, d Op) { g.op(c.VMAXPD, c.VMAXPD_BCST, b, a, d) }

// fma213: d = a*d + b. fnma231: d = d - a*b. fms231: d = a*b - d.
func (g *vgen) fma213(b, a, d Op)  { g.op(c.VFMADD213PD, c.VFMADD213PD_BCST, b, a, d) }
func (g *vgen) fnma231(b, a, d Op) { g.op(c.VFNMADD231PD, c.VFNMADD231PD_BCST, b, a, d) }
func (g *vgen) fms231(b, a, d Op)  { g.op(c.VFMSUB231PD, c.VFMSUB231PD_BCST, b, a, d) }

// Bitwise operations on the 64-bit lanes.
func (g *vgen) and(b, a, d Op) {
	if g.wide {
		g.op(c.VPANDQ, c.VPANDQ_BCST, b, a, d)
	} else {
		c.VANDPD(b, a, d)
	}
}

func (g *vgen) or(b, a, d Op) {
	if g.wide {
		g.op(c.VPORQ, c.VPORQ_BCST, b, a, d)
	} else {
		c.VORPD(b, a, d)
	}
}

// bcast loads constant name into every lane of r.
func (g *vgen) bcast(name string, r Register) { c.VBROADCASTSD(vc(name), r) }

// Comparison predicates (VCMPPD immediates).
const (
	cmpEQ    = 0x00 // EQ_OQ
	cmpLT    = 0x11 // LT_OQ
	cmpUnord = 0x03 // UNORD_Q
	cmpGE    = 0x1d // GE_OQ
	cmpNLTUQ = 0x05 // NLT_UQ: not less than, or unordered
)

// cmp returns a mask of the lanes where a pred b: a vector register of
// all-ones lanes (AVX2) or an opmask register (AVX512).
func (g *vgen) cmp(pred uint8, b, a Op) Register {
	if g.wide {
		k := g.allocK()
		g.op(func(ops ...Op) { c.VCMPPD(append([]Op{U8(pred)}, ops...)...) },
			func(ops ...Op) { c.VCMPPD_BCST(append([]Op{U8(pred)}, ops...)...) }, b, a, k)
		return k
	}
	m := g.alloc()
	c.VCMPPD(U8(pred), b, a, m)
	return m
}

// sel sets d = src in the lanes of mask m (src a register or a constant).
// At the AVX2 level, only the sign bit of each lane of m counts.
func (g *vgen) sel(m Register, src Op, d Register) {
	if g.wide {
		if mem, ok := src.(Mem); ok {
			c.VBROADCASTSD(mem, m, d)
		} else {
			c.VMOVAPD(src, m, d)
		}
		return
	}
	c.VBLENDVPD(m, src, d, d)
}

// quietNaNs sets d to x with the quiet bit set in the lanes where x is a
// NaN (x+x would do the same, but this says it).
func (g *vgen) quietNaNs(x, d Register) {
	m := g.cmp(cmpUnord, x, x)
	q := g.alloc()
	g.or(vc("Quiet"), x, q)
	g.sel(m, q, d)
	g.free(m, q)
}

// expReduce computes, from y (which it clamps in place to [lo, hi] first
// when clamp is set), k = round(y·log2e) and r = y - k·ln2 into y. It
// returns t, whose low 32 bits hold k as an integer, and kd, k as a float64.
func (g *vgen) expReduce(y Register) (t, kd Register) {
	t, kd = g.alloc(), g.alloc()
	c.Comment("k = round(y·log2e) (t holds it in its low bits, kd as a float64); r = y - k·ln2.")
	g.bcast("Log2e", t)
	g.fma213(vc("Magic"), y, t)
	g.sub(vc("Magic"), t, kd)
	g.fnma231(vc("Ln2Hi"), kd, y)
	g.fnma231(vc("Ln2Lo"), kd, y)
	return t, kd
}

// expm1Poly returns q = e^r - 1 - r·... no: it returns Q(r) (Horner), and
// r2 = r².
func (g *vgen) expQ(r Register) (q, r2 Register) {
	q, r2 = g.alloc(), g.alloc()
	c.Comment(fmt.Sprintf("Q(r) = sum of r^i/(i+2)! for i ≤ %d, by Horner; r2 = r².", expQDegree))
	g.bcast(fmt.Sprintf("Q%d", expQDegree), q)
	for i := expQDegree - 1; i >= 0; i-- {
		g.fma213(vc(fmt.Sprintf("Q%d", i)), r, q)
	}
	g.mul(r, r, r2)
	return q, r2
}

// exp returns a new register holding e^x for the lanes of x (x itself is
// left alone). With upper false the caller promises x ≤ 0 and the clamp
// from above is skipped. NaN lanes hold garbage. With fast set (AVX2 only)
// the caller promises |x| ≤ vmathFast in every lane: no clamp, and 2^k
// goes straight into p's exponent bits.
func (g *vgen) exp(x Register, upper, fast bool) Register {
	y := g.alloc()
	switch {
	case fast:
		c.VMOVAPD(x, y)
	case upper:
		c.Comment("Clamp x into [-746, 710]: the last rounding then overflows or underflows as math.Exp does.")
		g.vmin(vc("ExpHi"), x, y)
		g.vmax(vc("ExpLo"), y, y)
	default:
		c.Comment("Clamp x to -746 and above: the last rounding then underflows as math.Exp does.")
		g.vmax(vc("ExpLo"), x, y)
	}
	t, kd := g.expReduce(y)
	q, r2 := g.expQ(y)
	c.Comment("p = 1 + (r + r2·Q) with one rounding left: hi = 1 + r, lo = r - (hi - 1) (exact), p = hi + (r2·Q + lo).")
	hi, lo := g.alloc(), g.alloc()
	g.add(vc("One"), y, hi)
	g.sub(vc("One"), hi, lo)
	g.sub(lo, y, lo)
	g.fma213(lo, r2, q)
	g.add(hi, q, q)
	g.free(y, r2, hi, lo)
	switch {
	case fast:
		c.Comment("p·2^k: k added to p's exponent bits (the result is normal).")
		c.VPSLLQ(U8(52), t, t)
		c.VPADDQ(t, q, q)
	case g.wide:
		c.Comment("p·2^k, rounded once (VSCALEFPD).")
		c.VSCALEFPD(kd, q, q)
	default:
		c.Comment("p·2^(k>>1)·2^(k-(k>>1)): both powers are normal, the first product exact, the second rounds once.")
		k1 := kd // kd is not needed as a float64 any more
		c.VPSRAD(U8(1), t, k1)
		c.VPSUBD(k1, t, t)
		c.VPADDD(vc("Bias"), k1, k1)
		c.VPSLLQ(U8(52), k1, k1)
		c.VPADDD(vc("Bias"), t, t)
		c.VPSLLQ(U8(52), t, t)
		g.mul(k1, q, q)
		g.mul(t, q, q)
	}
	g.free(t, kd)
	return q
}

func (g *vgen) expBody(x Register, fast bool) Register {
	r := g.exp(x, true, fast)
	if !fast {
		c.Comment("NaN lanes: x itself.")
		m := g.cmp(cmpUnord, x, x)
		g.sel(m, x, r)
		g.free(m)
	}
	return r
}

func (g *vgen) sigmoidBody(x Register, fast bool) Register {
	nx := g.alloc()
	c.Comment("e = e^-|x|.")
	g.or(vc("Sign"), x, nx)
	e := g.exp(nx, false, fast)
	g.free(nx)
	c.Comment("1/(1+e) where x ≥ 0, e/(1+e) elsewhere.")
	d := g.alloc()
	g.add(vc("One"), e, d)
	ge := g.cmp(cmpGE, vc("Zero"), x)
	g.sel(ge, vc("One"), e)
	g.div(d, e, e)
	g.free(d, ge)
	if !fast {
		c.Comment("NaN lanes: x quieted.")
		g.quietNaNs(x, e)
	}
	return e
}

func (g *vgen) tanhBody(x Register, _ bool) Register {
	ax := g.alloc()
	g.and(vc("Abs"), x, ax)

	c.Comment("Above the cut: em = e^(2|x|) - 1 = 2^k·(e^r - 1) + (2^k - 1), with 2|x| ≤ 40.")
	y := g.alloc()
	g.vmin(vc("TanhBig"), ax, y)
	g.add(y, y, y)
	t, kd := g.expReduce(y)
	g.free(kd)
	q, r2 := g.expQ(y)
	g.fma213(y, r2, q) // e^r - 1 = r2·Q + r
	g.free(y, r2)
	s := t // 2^k from k's bits (0 ≤ k ≤ 58)
	g.op(c.VPADDQ, c.VPADDQ_BCST, vc("Bias"), t, s)
	c.VPSLLQ(U8(52), s, s)
	sm1 := g.alloc()
	g.sub(vc("One"), s, sm1)
	g.fma213(sm1, s, q) // em
	g.free(s, sm1)
	den := g.alloc()
	g.add(vc("Two"), q, den)

	c.Comment("Below the cut: |x| + (|x|·s·P(s))/Q(s) with s = x² (math.Tanh's rational function).")
	ss, p, qd := g.alloc(), g.alloc(), g.alloc()
	g.mul(ax, ax, ss)
	g.bcast("TanhP0", p)
	g.fma213(vc("TanhP1"), ss, p)
	g.fma213(vc("TanhP2"), ss, p)
	g.add(vc("TanhQ0"), ss, qd)
	g.fma213(vc("TanhQ1"), ss, qd)
	g.fma213(vc("TanhQ2"), ss, qd)
	g.mul(ss, ax, ss) // |x|·s
	g.mul(p, ss, ss)  // ·P(s)

	c.Comment("One division for both: num/den, plus |x| below the cut; then x's sign.")
	small := g.cmp(cmpLT, vc("TanhCut"), ax)
	g.sel(small, ss, q)
	g.sel(small, qd, den)
	g.div(den, q, q)
	if g.wide {
		c.VADDPD(ax, q, small, q)
	} else {
		g.and(small, ax, ax)
		g.add(ax, q, q)
	}
	g.free(ss, p, qd, small, den, ax)
	sg := g.alloc()
	g.and(vc("Sign"), x, sg)
	g.or(sg, q, q)
	g.free(sg)
	c.Comment("NaN lanes: x quieted.")
	g.quietNaNs(x, q)
	return q
}

// horner sets d to the polynomial name (erfCoefs) at t, with its constant
// term 1 when the name's first coefficient is listed as 0, by Horner's
// rule with a rounded product and a rounded sum at each step, as math.Erf
// computes it in Go (no fused multiply-add).
func (g *vgen) horner(name string, t, d Register) {
	cs := erfCoefs[name]
	n := len(cs) - 1
	g.bcast(fmt.Sprintf("Erf%s%d", name, n), d)
	for i := n - 1; i >= 0; i-- {
		g.mul(t, d, d)
		if i == 0 && cs[0] == 0 {
			g.add(vc("One"), d, d)
		} else {
			g.add(vc(fmt.Sprintf("Erf%s%d", name, i)), d, d)
		}
	}
}

// ratioWhere sets num and den, in the lanes of mask m (which it frees), to
// the polynomials p and q at t, with u as scratch.
func (g *vgen) ratioWhere(m Register, p, q string, t, u, num, den Register) {
	g.horner(p, t, u)
	g.sel(m, u, num)
	g.horner(q, t, u)
	g.sel(m, u, den)
	g.free(m)
}

// erfBody is math.Erf's algorithm on every lane: each of its ranges is
// computed for the whole vector and the lane's own kept, the three
// rational functions sharing one division. Products and sums are rounded
// one by one, in math.Erf's order, so that below |x| = 1.25 the result is
// math.Erf's to the bit; above, its two exponentials are the vector exp's.
func (g *vgen) erfBody(x Register, fast bool) Register {
	ax := g.alloc()
	g.and(vc("Abs"), x, ax)
	num, den, t, u := g.alloc(), g.alloc(), g.alloc(), g.alloc()
	if fast {
		c.Comment("Every lane below 1.25 (erfCheck): P/Q in s = |x| - 1, then r/s below 0.84375.")
		g.sub(vc("One"), ax, t)
		g.horner("PA", t, num)
		g.horner("QA", t, den)
	} else {
		c.Comment("[1.25, 6): R/S in s = 1/x², set a below 1/0.35, set b above.")
		g.mul(ax, ax, t)
		g.bcast("One", den)
		g.div(t, den, t) // s = 1/x²
		g.horner("RA", t, num)
		g.horner("SA", t, den)
		g.ratioWhere(g.cmp(cmpGE, vc("ErfCutC"), ax), "RB", "SB", t, u, num, den)

		c.Comment("[0.84375, 1.25): P/Q in s = |x| - 1.")
		g.sub(vc("One"), ax, t)
		g.ratioWhere(g.cmp(cmpLT, vc("ErfCutB"), ax), "PA", "QA", t, u, num, den)

		c.Comment("[0, 0.84375): r/s in z = x².")
	}
	g.mul(ax, ax, t)
	g.ratioWhere(g.cmp(cmpLT, vc("ErfCutA"), ax), "PP", "QQ", t, u, num, den)
	g.div(den, num, num) // q: y, P/Q or R/S by lane
	g.free(den)

	res := g.alloc()
	if fast {
		g.add(vc("ErfErx"), num, res)
	} else {
		c.Comment("[1.25, 6): 1 - e^(-z²-0.5625)·e^((z-x)(z+x) + R/S)/x, z = x to 21 bits.")
		z := res // res's register holds z until the result is due (AVX2 has 15)
		g.and(vc("Hi32"), ax, z)
		g.sub(ax, z, t) // z - x
		g.add(ax, z, u) // z + x
		g.mul(u, t, t)
		g.add(num, t, t) // (z-x)(z+x) + R/S
		g.mul(z, z, u)
		g.bcast("ErfNegC", z)
		g.sub(u, z, u) // -0.5625 - z², rounded as -z²-0.5625
		g.free(z)
		e1 := g.exp(u, true, false)
		e2 := g.exp(t, true, false)
		g.mul(e2, e1, e1)
		g.free(e2)
		g.div(ax, e1, e1) // r/x
		res = u           // the first exponential's argument is spent
		g.bcast("One", res)
		g.sub(e1, res, res)
		g.free(e1)
		c.Comment("Below 1.25: erx + P/Q.")
		g.add(vc("ErfErx"), num, t)
		m := g.cmp(cmpLT, vc("ErfCutB"), ax)
		g.sel(m, t, res)
		g.free(m)
		u = g.alloc()
	}
	c.Comment("Below 0.84375: x + x·y.")
	g.mul(ax, num, u)
	g.add(ax, u, u)
	m := g.cmp(cmpLT, vc("ErfCutA"), ax)
	g.sel(m, u, res)
	g.free(m, num)

	c.Comment("Below 2^-28: x + efx·x; below 2.8e-306: 0.125·(8x + efx8·x).")
	g.mul(vc("ErfEfx"), ax, u)
	g.add(ax, u, u)
	m = g.cmp(cmpLT, vc("ErfSmall"), ax)
	g.sel(m, u, res)
	g.free(m)
	g.mul(vc("ErfEfx8"), ax, u)
	g.mul(vc("Eight"), ax, t)
	g.add(t, u, u)
	g.mul(vc("Eighth"), u, u)
	m = g.cmp(cmpLT, vc("ErfVeryTiny"), ax)
	g.sel(m, u, res)
	g.free(m, t, u)

	if !fast {
		c.Comment("At and above 6 (+Inf too): 1.")
		m = g.cmp(cmpGE, vc("ErfBig"), ax)
		g.sel(m, vc("One"), res)
		g.free(m)
	}
	g.free(ax)
	c.Comment("x's sign.")
	sg := g.alloc()
	g.and(vc("Sign"), x, sg)
	g.or(sg, res, res)
	g.free(sg)
	if !fast {
		c.Comment("NaN lanes: math.NaN().")
		m = g.cmp(cmpUnord, x, x)
		g.sel(m, vc("NaN"), res)
		g.free(m)
	}
	return res
}

func (g *vgen) logBody(x Register, fast bool) Register {
	k, f := g.alloc(), g.alloc()
	if g.wide {
		c.Comment("x = 2^k·m, m in [1, 2) (subnormals too); then m/2 and k+1 where m ≥ √2.")
		c.VGETEXPPD(x, k)
		c.VGETMANTPD(U8(0), x, f)
		big := g.cmp(cmpGE, vc("Sqrt2"), f)
		c.VMULPD_BCST(vc("Half"), f, big, f)
		c.VADDPD_BCST(vc("One"), k, big, k)
		g.free(big)
	} else {
		y := x
		var e0 Register
		if !fast {
			c.Comment("Subnormal x: scale by 2^52 first (and take 52 from k).")
			sub := g.cmp(cmpLT, vc("LogTiny"), x)
			y, e0 = g.alloc(), g.alloc()
			g.mul(vc("Two52"), x, y)
			c.VBLENDVPD(sub, y, x, y)
			g.and(vc("Fifty2"), sub, e0)
			g.free(sub)
		}
		c.Comment("frexp: k from the exponent bits, f1 in [0.5, 1) from the mantissa bits.")
		c.VPSRLQ(U8(52), y, k)
		g.or(vc("ExpBits"), k, k)
		g.sub(vc("ExpOff"), k, k)
		g.and(vc("Mant"), y, f)
		g.or(vc("HalfBits"), f, f)
		if !fast {
			g.sub(e0, k, k)
			g.free(y, e0)
		}
		c.Comment("f1 < √2/2: f1 doubles, k drops by one.")
		lt := g.cmp(cmpLT, vc("HSqrt2"), f)
		one := g.alloc()
		g.and(vc("One"), lt, one)
		g.and(f, lt, lt)
		g.add(lt, f, f)
		g.sub(one, k, k)
		g.free(lt, one)
	}
	c.Comment("f = f1 - 1, s = f/(2+f).")
	g.sub(vc("One"), f, f)
	s := g.alloc()
	g.add(vc("Two"), f, s)
	g.div(s, f, s)
	s2, s4, a, b := g.alloc(), g.alloc(), g.alloc(), g.alloc()
	g.mul(s, s, s2)
	g.mul(s2, s2, s4)
	c.Comment("R = s2·(L1 + s4·(L3 + s4·(L5 + s4·L7))) + s4·(L2 + s4·(L4 + s4·L6)).")
	g.bcast("L7", a)
	g.fma213(vc("L5"), s4, a)
	g.fma213(vc("L3"), s4, a)
	g.fma213(vc("L1"), s4, a)
	g.bcast("L6", b)
	g.fma213(vc("L4"), s4, b)
	g.fma213(vc("L2"), s4, b)
	g.mul(s4, b, b)
	g.fma213(b, s2, a)
	g.free(s2, s4)
	c.Comment("log x = k·ln2hi - ((hfsq - (s·(hfsq + R) + k·ln2lo)) - f), hfsq = 0.5·f·f.")
	hf := b
	g.mul(vc("Half"), f, hf)
	g.mul(f, hf, hf)
	g.add(hf, a, a)
	kl := g.alloc()
	g.mul(vc("LogLn2Lo"), k, kl)
	g.fma213(kl, s, a)
	g.sub(a, hf, hf)
	g.sub(f, hf, hf)
	g.fms231(vc("LogLn2Hi"), k, hf)
	g.free(k, f, s, a, kl)
	r := hf
	if fast {
		return r
	}

	c.Comment("Special inputs, as math.Log: sign bit set → NaN; +Inf and NaNs → x; ±0 → -Inf.")
	if g.wide {
		neg := g.allocK()
		c.VPTESTMQ_BCST(vc("Sign"), x, neg)
		g.sel(neg, vc("NaN"), r)
		inf := g.allocK()
		c.VPCMPGTQ_BCST(vc("MaxBits"), x, inf)
		g.sel(inf, x, r)
		g.free(neg, inf)
	} else {
		g.sel(x, vc("NaN"), r) // the sign bit of each lane of x is the mask
		inf := g.alloc()
		c.VPCMPGTQ(vc("MaxBits"), x, inf)
		g.sel(inf, x, r)
		g.free(inf)
	}
	z := g.cmp(cmpEQ, vc("Zero"), x)
	g.sel(z, vc("NegInf"), r)
	g.free(z)
	return r
}

// vmathFast is the |x| up to which exp's fast path (AVX2) holds: k =
// round(x·log2e) is within ±1021, so p·2^k, p in [√2/2, √2], is normal.
const vmathFast = 708

// expCheck and logCheck return a register whose lanes have the sign bit
// set where the general path is needed: for exp (and sigmoid), a NaN or
// |x| > vmathFast; for log, anything but a positive normal number.
func expCheck(g *vgen, x Register) Register {
	a := g.alloc()
	g.and(vc("Abs"), x, a)
	c.VCMPPD(U8(0x06), vc("Fast"), a, a) // NLE_UQ: not |x| ≤ vmathFast
	return a
}

// erfCheck: any lane at or above 1.25 (±Inf too) or NaN.
func erfCheck(g *vgen, x Register) Register {
	a := g.alloc()
	g.and(vc("Abs"), x, a)
	m := g.cmp(cmpNLTUQ, vc("ErfCutB"), a)
	g.free(a)
	return m
}

func logCheck(g *vgen, x Register) Register {
	a, b := g.alloc(), g.alloc()
	c.VCMPPD(U8(0x09), vc("LogTiny"), x, a)  // NGE_UQ: not x ≥ 2^-1022
	c.VCMPPD(U8(0x06), vc("MaxFloat"), x, b) // NLE_UQ: not x ≤ MaxFloat64
	g.or(b, a, a)
	g.free(b)
	return a
}

// vmathKernel is one function: its name and the code of one vector. With
// check set, the AVX2 kernel (and the AVX512 one too with wideCheck)
// checks each vector: if no lane needs the general path, body runs with
// fast true (no clamps, no special lanes); otherwise an out-of-line copy
// with fast false handles the vector.
type vmathKernel struct {
	name      string
	doc       string
	body      func(g *vgen, x Register, fast bool) Register
	check     func(g *vgen, x Register) Register
	wideCheck bool
	errs      map[string]string // measured max errors by level name, for the doc
}

func genVMathKernel(k vmathKernel, l level) {
	fn := k.name + l.name
	textFunc(fn, "func(dst, x []float64)", fmt.Sprintf("%s sets dst[i] = %s for i < len(dst) with %s instructions%s.", fn, k.doc, l.name, k.errs[l.name]))
	rDst, rX, rN := RDI, RSI, RCX
	c.Load(c.Param("dst").Base(), rDst)
	c.Load(c.Param("dst").Len(), rN)
	c.Load(c.Param("x").Base(), rX)
	g := newVgen(l)
	vsz := 8 * l.width
	fast := k.check != nil && (!g.wide || k.wideCheck)
	var slow []func() // out-of-line general paths, emitted after RET
	// compute emits the body for x, loaded, and store(r) for its result r;
	// held are registers live around it (x, and the tail's mask).
	compute := func(x Register, store func(r Register), held ...Register) {
		if !fast {
			r := k.body(g, x, false)
			store(r)
			g.free(r)
			return
		}
		n := len(slow)
		c.Comment("Any lane special: the general path.")
		a := k.check(g, x)
		if g.wide {
			c.KORTESTW(a, a)
		} else {
			c.VMOVMSKPD(a, rTmp.As32())
			c.TESTL(rTmp.As32(), rTmp.As32())
		}
		g.free(a)
		c.JNZ(LabelRef(fmt.Sprintf("slow%d", n)))
		r := k.body(g, x, true)
		store(r)
		g.free(r)
		c.Label(fmt.Sprintf("back%d", n))
		slow = append(slow, func() {
			c.Label(fmt.Sprintf("slow%d", n))
			g.used[int(x.(Physical).PhysicalIndex())] = true
			for _, h := range held {
				g.used[int(h.(Physical).PhysicalIndex())] = true
			}
			r := k.body(g, x, false)
			store(r)
			g.free(r, x)
			g.free(held...)
			c.JMP(LabelRef(fmt.Sprintf("back%d", n)))
		})
	}
	step := func(off int) {
		x := g.alloc()
		c.VMOVUPD(Mem{Base: rX, Disp: off}, x)
		compute(x, func(r Register) { c.VMOVUPD(r, Mem{Base: rDst, Disp: off}) })
		g.free(x)
	}
	c.Comment("Two vectors per iteration.")
	c.Label("loop")
	c.CMPQ(rN, U32(2*l.width))
	c.JB(LabelRef("one"))
	step(0)
	step(vsz)
	c.ADDQ(imm(2*vsz), rX)
	c.ADDQ(imm(2*vsz), rDst)
	c.SUBQ(U32(2*l.width), rN)
	c.JMP(LabelRef("loop"))
	c.Label("one")
	c.CMPQ(rN, U32(l.width))
	c.JB(LabelRef("tail"))
	step(0)
	c.ADDQ(imm(vsz), rX)
	c.ADDQ(imm(vsz), rDst)
	c.SUBQ(U32(l.width), rN)
	c.Label("tail")
	c.Comment(fmt.Sprintf("Tail: 1..%d elements as one masked vector (the other lanes load as 0).", l.width-1))
	c.TESTQ(rN, rN)
	c.JZ(LabelRef("done"))
	x := g.alloc()
	if g.wide {
		mask(rN, K1)
		c.VMOVUPD_Z(Mem{Base: rX}, K1, x)
		compute(x, func(r Register) { c.VMOVUPD(r, K1, Mem{Base: rDst}) })
	} else {
		m := g.alloc()
		c.Comment("Mask: the 32 bytes at vmathMask+32-8n, n lanes of ones.")
		c.LEAQ(Mem{Symbol: Symbol{Name: "vmathMask", Static: true}, Base: StaticBase, Disp: 32}, rTmp)
		c.SHLQ(U8(3), rN)
		c.SUBQ(rN, rTmp)
		c.VMOVDQU(Mem{Base: rTmp}, m)
		c.VMASKMOVPD(Mem{Base: rX}, m, x)
		compute(x, func(r Register) { c.VMASKMOVPD(r, m, Mem{Base: rDst}) }, m)
		g.free(m)
	}
	g.free(x)
	c.Label("done")
	c.VZEROUPPER()
	c.RET()
	for _, f := range slow {
		f()
	}
	for i, u := range g.used {
		if u {
			log.Fatalf("vmath: %s leaks vector register %d", fn, i)
		}
	}
}

// vmathKernels are the kernels, with the maximum errors that
// kernels/vmath_test.go (TestVMathSweep) measures, quoted in the doc
// comments.
var vmathKernels = []vmathKernel{
	{"exp", "e^x[i]", (*vgen).expBody, expCheck, false, sameAtBoth(", within 2 ulps of math.Exp and 1 of the correctly rounded result (measured); NaN gives x")},
	{"log", "ln x[i]", (*vgen).logBody, logCheck, false, sameAtBoth(", within 1 ulp of math.Log and of the correctly rounded result (measured), subnormal x included")},
	{"tanh", "tanh x[i]", (*vgen).tanhBody, nil, false, sameAtBoth(", within 2 ulps of math.Tanh and 1 of the correctly rounded result (measured)")},
	{"sigmoid", "1/(1+e^-x[i])", (*vgen).sigmoidBody, expCheck, false, sameAtBoth(", within 2 ulps of the Go formula on math.Exp and of the correctly rounded result (measured)")},
	{"erf", "erf x[i]", (*vgen).erfBody, erfCheck, true, sameAtBoth(", math.Erf's results below |x| = 1.25 and within 1 ulp of them above (measured)")},
}

func sameAtBoth(s string) map[string]string { return map[string]string{"AVX2": s, "AVX512": s} }

// genVMath writes vmath_amd64.s and vmath_amd64.go into dir, with a context
// of its own (the package variable c is switched to it).
func genVMath(dir string) {
	c = build.NewContext()
	constraint, err := buildtags.ParseConstraint("amd64,!noasm")
	if err != nil {
		log.Fatal(err)
	}
	c.Constraint(constraint)
	vmathData()
	for _, l := range []level{avx2, avx512} {
		for _, k := range vmathKernels {
			genVMathKernel(k, l)
		}
	}
	f, err := c.Result()
	if err != nil {
		log.Fatal(err)
	}
	if err := pass.Compile.Execute(f); err != nil {
		log.Fatal(err)
	}
	cfg := printer.Config{Name: "kernels/_gen/vmath.go (go generate ./kernels)", Pkg: "kernels"}
	for _, o := range []struct {
		file string
		p    printer.Builder
	}{{"vmath_amd64.s", printer.NewGoAsm}, {"vmath_amd64.go", printer.NewStubs}} {
		b, err := o.p(cfg).Print(f)
		if err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, o.file), b, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
