//go:build generate

// The NEON transcendental kernels, vmath_arm64.s and vmath_arm64.go: exp,
// log, tanh, sigmoid and erf with the algorithms of the AVX2 level (see
// vmath.go), instruction for instruction where NEON has the instruction:
// the same constants, the same FMAs (FMLA, FMLS) in the same order, 2^k
// built as two powers from exponent bits, subnormal log inputs scaled by
// 2⁵², the same special-value selections (BIT and BIF with compare masks).
// So the results are the AVX2 level's, bit for bit, and the error bounds
// that TestVMathSweep asserts are the same.
//
// One departure: math.Log returns a NaN input itself on arm64 whatever its
// sign (pure Go), where its amd64 assembly returns math.NaN() for a NaN with
// the sign bit set; the NEON log follows the math package of its own
// architecture, returning x.
//
// One vector (two elements) per iteration, then at most one element, loaded
// alone into lane 0 (lane 1 is zero, which every kernel takes without a
// fault). Constants are 16-byte pairs in RODATA, loaded with FMOVQ.

package main

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
)

// More vector encodings (2×64-bit lanes), checked by neon_test.go.
var (
	fmls  = op3{"fmls", 0x4ee0cc00} // Vd -= Vn * Vm, one rounding
	fcmge = op3{"fcmge", 0x6e60e400}
	fcmgt = op3{"fcmgt", 0x6ee0e400}
	vand  = op3{"and", 0x4e201c00}
	vorr  = op3{"orr", 0x4ea01c00}
	vbit  = op3{"bit", 0x6ea01c00} // Vd = Vn where Vm is set, else Vd
	vbif  = op3{"bif", 0x6ee01c00} // Vd = Vn where Vm is clear, else Vd
	iadd  = op3{"add", 0x4ee08400}
	isub  = op3{"sub", 0x6ee08400}
	icmgt = op3{"cmgt", 0x4ee03400} // signed 64-bit Vn > Vm
	// two-register forms (m unused)
	fcvtzs = op3{"fcvtzs", 0x4ee1b800}
)

// byteOps are the logical instructions, written with .16b arrangements.
func (o op3) textFor(d, n, m int) string {
	switch o {
	case vand, vorr, vbit, vbif, vbic:
		return fmt.Sprintf("%s v%d.16b, v%d.16b, v%d.16b", o.name, d, n, m)
	case fcvtzs:
		return fmt.Sprintf("%s v%d.2d, v%d.2d", o.name, d, n)
	}
	return o.text(d, n, m)
}

// shiftEnc encodes sshr, ushr (right, 1..64) and shl (left, 0..63) by an
// immediate on 64-bit lanes.
func shiftEnc(kind string, d, n, sh int) uint32 {
	switch kind {
	case "sshr":
		return vec3(0x4f400400, d, n, 0) | uint32(64-sh)<<16
	case "ushr":
		return vec3(0x6f400400, d, n, 0) | uint32(64-sh)<<16
	case "shl":
		return vec3(0x4f405400, d, n, 0) | uint32(sh)<<16
	}
	log.Fatalf("shift %s", kind)
	return 0
}

// nvgen generates one kernel's vector code with registers V0–V30 handed
// out and taken back.
type nvgen struct {
	*neonAsm
	used   [31]bool
	consts map[string]int // constant name → offset in the table
}

func (g *nvgen) alloc() int {
	for i, u := range g.used {
		if !u {
			g.used[i] = true
			return i
		}
	}
	log.Fatal("neon vmath: out of vector registers")
	return 0
}

func (g *nvgen) free(rs ...int) {
	for _, r := range rs {
		if !g.used[r] {
			log.Fatalf("neon vmath: V%d freed twice", r)
		}
		g.used[r] = false
	}
}

// c loads constant name into a new register.
func (g *nvgen) c(name string) int {
	off, ok := g.consts[name]
	if !ok {
		log.Fatalf("neon vmath: no constant %s", name)
	}
	r := g.alloc()
	g.ins(fmt.Sprintf("FMOVQ %d(R5), F%d", off, r), name)
	return r
}

// op writes Vd = Vn op Vm.
func (g *nvgen) op(o op3, d, n, m int, comment string) {
	g.word(o.enc(d, n, m), o.textFor(d, n, m), comment)
}

// opc writes Vd = Vn op (constant name).
func (g *nvgen) opc(o op3, d, n int, name, comment string) {
	k := g.c(name)
	g.op(o, d, n, k, comment)
	g.free(k)
}

// hornerc returns (a·b + constant name) in a new register, freeing a: the
// constant loaded, then FMLA (one rounding, as VFMADD213PD).
func (g *nvgen) hornerc(a, b int, name string) int {
	t := g.c(name)
	g.op(fmla, t, a, b, "")
	g.free(a)
	return t
}

func (g *nvgen) shift(kind string, d, n, sh int, comment string) {
	g.word(shiftEnc(kind, d, n, sh), fmt.Sprintf("%s v%d.2d, v%d.2d, #%d", kind, d, n, sh), comment)
}

func (g *nvgen) mov(d, n int) { g.op(vorr, d, n, n, "") }

// expReduce clamps nothing; from y it computes t (bits of k + Magic) and
// kd = k as a float64, and leaves r = y - k·ln2 in y.
func (g *nvgen) expReduce(y int) (t, kd int) {
	g.f("\t// k = round(y·log2e) (t holds it in its low bits, kd as a float64); r = y - k·ln2.")
	t = g.c("Magic")
	l2e := g.c("Log2e")
	g.op(fmla, t, y, l2e, "t = y·log2e + Magic")
	g.free(l2e)
	kd = g.alloc()
	g.opc(fsub, kd, t, "Magic", "kd = t - Magic")
	h := g.c("Ln2Hi")
	g.op(fmls, y, kd, h, "y -= kd·Ln2Hi")
	g.free(h)
	lo := g.c("Ln2Lo")
	g.op(fmls, y, kd, lo, "y -= kd·Ln2Lo")
	g.free(lo)
	return t, kd
}

// expQ returns Q(r) by Horner and r2 = r².
func (g *nvgen) expQ(r int) (q, r2 int) {
	g.f("\t// Q(r) = sum of r^i/(i+2)! for i ≤ %d, by Horner; r2 = r².", expQDegree)
	q = g.c(fmt.Sprintf("Q%d", expQDegree))
	for i := expQDegree - 1; i >= 0; i-- {
		q = g.hornerc(q, r, fmt.Sprintf("Q%d", i))
	}
	r2 = g.alloc()
	g.op(fmul, r2, r, r, "")
	return q, r2
}

// exp returns e^x in a new register (x is kept); with upper false the
// caller promises x ≤ 0. NaN lanes hold garbage.
func (g *nvgen) exp(x int, upper bool) int {
	y := g.alloc()
	if upper {
		g.f("\t// Clamp x into [-746, 710]: the last rounding then overflows or underflows as math.Exp does.")
		g.opc(fmin, y, x, "ExpHi", "")
		g.opc(fmax, y, y, "ExpLo", "")
	} else {
		g.f("\t// Clamp x to -746 and above: the last rounding then underflows as math.Exp does.")
		g.opc(fmax, y, x, "ExpLo", "")
	}
	t, kd := g.expReduce(y)
	q, r2 := g.expQ(y)
	g.f("\t// p = 1 + (r + r2·Q) with one rounding left: hi = 1 + r, lo = r - (hi - 1) (exact), p = hi + (r2·Q + lo).")
	hi, lo := g.alloc(), g.alloc()
	g.opc(fadd, hi, y, "One", "hi = r + 1")
	g.opc(fsub, lo, hi, "One", "hi - 1")
	g.op(fsub, lo, y, lo, "lo = r - (hi - 1)")
	g.op(fmla, lo, r2, q, "r2·Q + lo")
	g.op(fadd, q, lo, hi, "p = (r2·Q + lo) + hi")
	g.free(y, r2, hi, lo, t)
	g.f("\t// p·2^(k>>1)·2^(k-(k>>1)): both powers are normal, the first product exact, the second rounds once.")
	k := kd
	g.word(vec3(fcvtzs.base, k, kd, 0), fcvtzs.textFor(k, kd, 0), "k as an integer (exact)")
	k1 := g.alloc()
	g.shift("sshr", k1, k, 1, "k1 = k>>1")
	g.op(isub, k, k, k1, "k2 = k - k1")
	b := g.c("Bias")
	g.op(iadd, k1, k1, b, "")
	g.op(iadd, k, k, b, "")
	g.free(b)
	g.shift("shl", k1, k1, 52, "2^k1")
	g.shift("shl", k, k, 52, "2^k2")
	g.op(fmul, q, q, k1, "")
	g.op(fmul, q, q, k, "")
	g.free(k, k1)
	return q
}

// nanToX sets the NaN lanes of r to x (quieted if quiet).
func (g *nvgen) nanToX(x, r int, quiet bool) {
	m := g.alloc()
	g.op(fcmeq, m, x, x, "ordered lanes")
	src := x
	if quiet {
		src = g.alloc()
		g.opc(vorr, src, x, "Quiet", "x quieted")
	}
	g.op(vbif, r, src, m, "NaN lanes")
	if quiet {
		g.free(src)
	}
	g.free(m)
}

func (g *nvgen) expBody(x int) int {
	r := g.exp(x, true)
	g.f("\t// NaN lanes: x itself.")
	g.nanToX(x, r, false)
	return r
}

func (g *nvgen) sigmoidBody(x int) int {
	nx := g.alloc()
	g.f("\t// e = e^-|x|.")
	g.opc(vorr, nx, x, "Sign", "-|x|")
	e := g.exp(nx, false)
	g.free(nx)
	g.f("\t// 1/(1+e) where x ≥ 0, e/(1+e) elsewhere.")
	d := g.alloc()
	g.opc(fadd, d, e, "One", "1 + e")
	ge := g.alloc()
	g.opc(fcmge, ge, x, "Zero", "x ≥ 0")
	one := g.c("One")
	g.op(vbit, e, one, ge, "")
	g.free(one, ge)
	g.op(fdiv, e, e, d, "")
	g.free(d)
	g.f("\t// NaN lanes: x quieted.")
	g.nanToX(x, e, true)
	return e
}

func (g *nvgen) tanhBody(x int) int {
	ax := g.alloc()
	g.opc(vand, ax, x, "Abs", "|x|")
	g.f("\t// Above the cut: em = e^(2|x|) - 1 = 2^k·(e^r - 1) + (2^k - 1), with 2|x| ≤ 40.")
	y := g.alloc()
	g.opc(fmin, y, ax, "TanhBig", "")
	g.op(fadd, y, y, y, "")
	t, kd := g.expReduce(y)
	g.free(kd)
	q, r2 := g.expQ(y)
	g.op(fmla, y, r2, q, "e^r - 1 = r2·Q + r")
	g.free(q, r2)
	q = y
	s := t
	g.opc(iadd, s, t, "Bias", "")
	g.shift("shl", s, s, 52, "s = 2^k (0 ≤ k ≤ 58)")
	sm1 := g.alloc()
	g.opc(fsub, sm1, s, "One", "s - 1")
	g.op(fmla, sm1, s, q, "em = s·(e^r - 1) + (s - 1)")
	g.free(s, q)
	q = sm1
	den := g.alloc()
	g.opc(fadd, den, q, "Two", "em + 2")

	g.f("\t// Below the cut: |x| + (|x|·s·P(s))/Q(s) with s = x² (math.Tanh's rational function).")
	ss := g.alloc()
	g.op(fmul, ss, ax, ax, "")
	p := g.c("TanhP0")
	p = g.hornerc(p, ss, "TanhP1")
	p = g.hornerc(p, ss, "TanhP2")
	qd := g.alloc()
	g.opc(fadd, qd, ss, "TanhQ0", "")
	qd = g.hornerc(qd, ss, "TanhQ1")
	qd = g.hornerc(qd, ss, "TanhQ2")
	g.op(fmul, ss, ss, ax, "|x|·s")
	g.op(fmul, ss, ss, p, "·P(s)")
	g.free(p)

	g.f("\t// One division for both: num/den, plus |x| below the cut; then x's sign.")
	small := g.alloc()
	cut := g.c("TanhCut")
	g.op(fcmgt, small, cut, ax, "|x| < cut")
	g.free(cut)
	g.op(vbit, q, ss, small, "")
	g.op(vbit, den, qd, small, "")
	g.op(fdiv, q, q, den, "")
	g.op(vand, ax, ax, small, "")
	g.op(fadd, q, q, ax, "")
	g.free(ss, qd, small, den, ax)
	sg := g.alloc()
	g.opc(vand, sg, x, "Sign", "")
	g.op(vorr, q, q, sg, "")
	g.free(sg)
	g.f("\t// NaN lanes: x quieted.")
	g.nanToX(x, q, true)
	return q
}

// horner returns the polynomial name (erfCoefs) at t in a new register,
// as vgen.horner computes it: a rounded product and a rounded sum a step.
func (g *nvgen) horner(name string, t int) int {
	cs := erfCoefs[name]
	n := len(cs) - 1
	d := g.c(fmt.Sprintf("Erf%s%d", name, n))
	for i := n - 1; i >= 0; i-- {
		g.op(fmul, d, d, t, "")
		if i == 0 && cs[0] == 0 {
			g.opc(fadd, d, d, "One", "")
		} else {
			g.opc(fadd, d, d, fmt.Sprintf("Erf%s%d", name, i), "")
		}
	}
	return d
}

// below returns a mask of the lanes where a < constant name.
func (g *nvgen) below(a int, name string) int {
	k, m := g.c(name), g.alloc()
	g.op(fcmgt, m, k, a, "|x| < "+name)
	g.free(k)
	return m
}

// ratioWhere sets num and den, in the lanes of mask m (which it frees), to
// the polynomials p and q at t.
func (g *nvgen) ratioWhere(m int, p, q string, t, num, den int) {
	u := g.horner(p, t)
	g.op(vbit, num, u, m, "")
	g.free(u)
	u = g.horner(q, t)
	g.op(vbit, den, u, m, "")
	g.free(u, m)
}

// erfBody is vgen.erfBody, operation for operation.
func (g *nvgen) erfBody(x int) int {
	ax := g.alloc()
	g.opc(vand, ax, x, "Abs", "|x|")
	g.f("\t// [1.25, 6): R/S in s = 1/x², set a below 1/0.35, set b above.")
	t := g.alloc()
	g.op(fmul, t, ax, ax, "")
	one := g.c("One")
	g.op(fdiv, t, one, t, "s = 1/x²")
	g.free(one)
	num, den := g.horner("RA", t), g.horner("SA", t)
	k, hi := g.c("ErfCutC"), g.alloc()
	g.op(fcmge, hi, ax, k, "|x| ≥ 1/0.35")
	g.free(k)
	g.ratioWhere(hi, "RB", "SB", t, num, den)

	g.f("\t// [0.84375, 1.25): P/Q in s = |x| - 1.")
	g.opc(fsub, t, ax, "One", "")
	g.ratioWhere(g.below(ax, "ErfCutB"), "PA", "QA", t, num, den)

	g.f("\t// [0, 0.84375): r/s in z = x².")
	g.op(fmul, t, ax, ax, "")
	g.ratioWhere(g.below(ax, "ErfCutA"), "PP", "QQ", t, num, den)
	g.op(fdiv, num, num, den, "q: y, P/Q or R/S by lane")
	g.free(den)

	g.f("\t// [1.25, 6): 1 - e^(-z²-0.5625)·e^((z-x)(z+x) + R/S)/x, z = x to 21 bits.")
	z := g.alloc()
	g.opc(vand, z, ax, "Hi32", "z")
	g.op(fsub, t, z, ax, "z - x")
	u := g.alloc()
	g.op(fadd, u, z, ax, "z + x")
	g.op(fmul, t, t, u, "")
	g.op(fadd, t, t, num, "+ R/S")
	g.op(fmul, u, z, z, "")
	nc := g.c("ErfNegC")
	g.op(fsub, u, nc, u, "-0.5625 - z², rounded as -z²-0.5625")
	g.free(nc, z)
	e1 := g.exp(u, true)
	g.free(u)
	e2 := g.exp(t, true)
	g.free(t)
	g.op(fmul, e1, e1, e2, "")
	g.free(e2)
	g.op(fdiv, e1, e1, ax, "r/x")
	res := g.c("One")
	g.op(fsub, res, res, e1, "")
	g.free(e1)

	g.f("\t// Below 1.25: erx + P/Q; below 0.84375: x + x·y.")
	u = g.alloc()
	g.opc(fadd, u, num, "ErfErx", "")
	m := g.below(ax, "ErfCutB")
	g.op(vbit, res, u, m, "")
	g.free(m)
	g.op(fmul, u, num, ax, "")
	g.op(fadd, u, u, ax, "")
	m = g.below(ax, "ErfCutA")
	g.op(vbit, res, u, m, "")
	g.free(m, num)

	g.f("\t// Below 2^-28: x + efx·x; below 2.8e-306: 0.125·(8x + efx8·x).")
	g.opc(fmul, u, ax, "ErfEfx", "")
	g.op(fadd, u, u, ax, "")
	m = g.below(ax, "ErfSmall")
	g.op(vbit, res, u, m, "")
	g.free(m)
	g.opc(fmul, u, ax, "ErfEfx8", "")
	t = g.alloc()
	g.opc(fmul, t, ax, "Eight", "")
	g.op(fadd, u, u, t, "")
	g.free(t)
	g.opc(fmul, u, u, "Eighth", "")
	m = g.below(ax, "ErfVeryTiny")
	g.op(vbit, res, u, m, "")
	g.free(m, u)

	g.f("\t// At and above 6 (+Inf too): 1. Then x's sign; NaN lanes: math.NaN().")
	k, m = g.c("ErfBig"), g.alloc()
	g.op(fcmge, m, ax, k, "|x| ≥ 6")
	g.free(k)
	one = g.c("One")
	g.op(vbit, res, one, m, "")
	g.free(one, m, ax)
	sg := g.alloc()
	g.opc(vand, sg, x, "Sign", "")
	g.op(vorr, res, res, sg, "")
	g.free(sg)
	m = g.alloc()
	g.op(fcmeq, m, x, x, "ordered lanes")
	nan := g.c("NaN")
	g.op(vbif, res, nan, m, "NaN lanes")
	g.free(nan, m)
	return res
}

func (g *nvgen) logBody(x int) int {
	g.f("\t// Subnormal x: scale by 2^52 first (and take 52 from k).")
	sub := g.alloc()
	tiny := g.c("LogTiny")
	g.op(fcmgt, sub, tiny, x, "x < 2^-1022")
	g.free(tiny)
	y := g.alloc()
	g.opc(fmul, y, x, "Two52", "")
	g.op(vbif, y, x, sub, "y = x where not scaled")
	e0 := g.alloc()
	g.opc(vand, e0, sub, "Fifty2", "")
	g.free(sub)
	g.f("\t// frexp: k from the exponent bits, f1 in [0.5, 1) from the mantissa bits.")
	k := g.alloc()
	g.shift("ushr", k, y, 52, "")
	g.opc(vorr, k, k, "ExpBits", "")
	g.opc(fsub, k, k, "ExpOff", "")
	f := g.alloc()
	g.opc(vand, f, y, "Mant", "")
	g.opc(vorr, f, f, "HalfBits", "")
	g.op(fsub, k, k, e0, "")
	g.free(y, e0)
	g.f("\t// f1 < √2/2: f1 doubles, k drops by one.")
	lt := g.alloc()
	hs := g.c("HSqrt2")
	g.op(fcmgt, lt, hs, f, "")
	g.free(hs)
	one := g.alloc()
	g.opc(vand, one, lt, "One", "")
	g.op(vand, lt, f, lt, "")
	g.op(fadd, f, f, lt, "")
	g.op(fsub, k, k, one, "")
	g.free(lt, one)
	g.f("\t// f = f1 - 1, s = f/(2+f).")
	g.opc(fsub, f, f, "One", "")
	s := g.alloc()
	g.opc(fadd, s, f, "Two", "")
	g.op(fdiv, s, f, s, "")
	s2, s4 := g.alloc(), g.alloc()
	g.op(fmul, s2, s, s, "")
	g.op(fmul, s4, s2, s2, "")
	g.f("\t// R = s2·(L1 + s4·(L3 + s4·(L5 + s4·L7))) + s4·(L2 + s4·(L4 + s4·L6)).")
	a := g.c("L7")
	a = g.hornerc(a, s4, "L5")
	a = g.hornerc(a, s4, "L3")
	a = g.hornerc(a, s4, "L1")
	b := g.c("L6")
	b = g.hornerc(b, s4, "L4")
	b = g.hornerc(b, s4, "L2")
	g.op(fmul, b, b, s4, "")
	g.op(fmla, b, a, s2, "R = s2·a + b")
	g.free(a, s2, s4)
	a = b
	g.f("\t// log x = k·ln2hi - ((hfsq - (s·(hfsq + R) + k·ln2lo)) - f), hfsq = 0.5·f·f.")
	hf := g.alloc()
	g.opc(fmul, hf, f, "Half", "")
	g.op(fmul, hf, hf, f, "")
	g.op(fadd, a, a, hf, "")
	kl := g.alloc()
	g.opc(fmul, kl, k, "LogLn2Lo", "")
	g.op(fmla, kl, s, a, "s·(hfsq + R) + k·ln2lo")
	g.op(fsub, hf, hf, kl, "")
	g.op(fsub, hf, hf, f, "")
	g.f("\t// k·ln2hi - hf in one rounding (as VFMSUB231PD): -hf (exact), then FMLA.")
	r := g.alloc()
	g.word(fnegEnc(r, hf), fmt.Sprintf("fneg v%d.2d, v%d.2d", r, hf), "")
	l2 := g.c("LogLn2Hi")
	g.op(fmla, r, k, l2, "")
	g.free(l2, k, f, s, a, kl, hf)

	g.f("\t// Special inputs, as math.Log on arm64: sign bit set → NaN; +Inf and NaNs (either sign) → x; ±0 → -Inf.")
	m := g.alloc()
	g.shift("sshr", m, x, 63, "sign bit set: all ones")
	nan := g.c("NaN")
	g.op(vbit, r, nan, m, "")
	g.free(nan)
	mb := g.c("MaxBits")
	g.op(icmgt, m, x, mb, "bits of x > bits of MaxFloat64 (signed): +Inf or a NaN")
	g.free(mb)
	g.op(vbit, r, x, m, "")
	g.op(fcmeq, m, x, x, "ordered lanes")
	g.op(vbif, r, x, m, "NaN lanes, either sign: x (arm64's math.Log)")
	z := g.c("Zero")
	g.op(fcmeq, m, x, z, "x == ±0")
	g.free(z)
	ni := g.c("NegInf")
	g.op(vbit, r, ni, m, "")
	g.free(ni, m)
	return r
}

func genNEONVMath(dir string) error {
	a := new(neonAsm)
	const hdr = "// Code generated by kernels/_gen/neon_vmath.go (go generate ./kernels). DO NOT EDIT.\n\n//go:build arm64 && !noasm\n\n"
	a.s.WriteString(hdr + "#include \"textflag.h\"\n")
	a.stubs.WriteString(hdr + "package kernels\n")
	consts := map[string]int{}
	a.f("")
	for i, k := range vconsts {
		consts[k.name] = 16 * i
		a.f("DATA neonVMath<>+%d(SB)/8, $0x%016x // %s", 16*i, k.bits, k.name)
		a.f("DATA neonVMath<>+%d(SB)/8, $0x%016x", 16*i+8, k.bits)
	}
	a.f("GLOBL neonVMath<>(SB), RODATA|NOPTR, $%d", 16*len(vconsts))
	for _, k := range neonVMathKernels {
		name := k.name + "NEON"
		a.text(name, "(dst []float64, x []float64)", 48,
			fmt.Sprintf("sets dst[i] = %s for i < len(dst) with NEON instructions%s.", k.doc, k.errs))
		a.ins("MOVD dst_base+0(FP), R0", "")
		a.ins("MOVD dst_len+8(FP), R3", "n = len(dst)")
		a.ins("MOVD x_base+24(FP), R1", "")
		a.ins("MOVD $neonVMath<>(SB), R5", "the constants")
		g := &nvgen{neonAsm: a, consts: consts}
		a.label("loop")
		a.ins("CMP $2, R3", "")
		a.ins("BLT tail", "")
		x := g.alloc()
		a.ins(fmt.Sprintf("VLD1.P 16(R1), [V%d.D2]", x), "two elements")
		r := k.body(g, x)
		a.ins(fmt.Sprintf("VST1.P [V%d.D2], 16(R0)", r), "")
		g.free(r, x)
		a.ins("SUB $2, R3", "")
		a.ins("B loop", "")
		a.label("tail")
		a.ins("CBZ R3, done", "")
		x = g.alloc()
		a.ins(fmt.Sprintf("FMOVD (R1), F%d", x), "the last element, alone in lane 0")
		r = k.body(g, x)
		a.ins(fmt.Sprintf("FMOVD F%d, (R0)", r), "")
		g.free(r, x)
		a.label("done")
		a.ins("RET", "")
		for i, u := range g.used {
			if u {
				log.Fatalf("neon vmath: %s leaks V%d", name, i)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "vmath_arm64.s"), []byte(a.s.String()), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "vmath_arm64.go"), []byte(a.stubs.String()), 0o644)
}

type neonVMathKernel struct {
	name, doc string
	body      func(g *nvgen, x int) int
	errs      string
}

var neonVMathKernels = []neonVMathKernel{
	{"exp", "e^x[i]", (*nvgen).expBody, ", within 2 ulps of math.Exp and 1 of the correctly rounded result (the AVX2 level's algorithm and bounds); NaN gives x"},
	{"log", "ln x[i]", (*nvgen).logBody, ", within 1 ulp of math.Log and of the correctly rounded result (the AVX2 level's algorithm and bounds), subnormal x included"},
	{"tanh", "tanh x[i]", (*nvgen).tanhBody, ", within 2 ulps of math.Tanh and 1 of the correctly rounded result (the AVX2 level's algorithm and bounds)"},
	{"sigmoid", "1/(1+e^-x[i])", (*nvgen).sigmoidBody, ", within 2 ulps of the Go formula on math.Exp and of the correctly rounded result (the AVX2 level's algorithm and bounds)"},
	{"erf", "erf x[i]", (*nvgen).erfBody, ", math.Erf's results below |x| = 1.25 and within 1 ulp of them above (the AVX2 level's algorithm and bounds)"},
}
