//go:build generate

// The NEON (Advanced SIMD) kernels for arm64: vec_arm64.s and vec_arm64.go.
// avo writes amd64 only, so this part of the generator prints Go assembly
// itself. Go's arm64 assembler has loads, stores, integer vector
// instructions and FMLA, but no vector FADD, FSUB, FMUL, FDIV, FNEG, FMAX,
// FMIN or FMLA by element: those are written as WORDs, encoded by the
// functions below (each checked against llvm-mc by neon_test.go) with the
// instruction in the comment.
//
// # Shape of the kernels
//
// Every kernel is a NOSPLIT leaf with no frame. Elementwise kernels run a
// main loop of eight 2-lane vectors (16 elements) per iteration, then one
// vector at a time, then at most one scalar element. Each element is one
// IEEE operation with the operands in the order the Go code writes them (x
// op y; a*x rounded, then y + that), so results are bit-identical to the
// generic kernels, which are compiled for arm64 with the same operand order
// (FPCR is the same for scalar and vector instructions: no flush to zero,
// NaNs propagated rather than defaulted).
//
// Sum and Dot keep eight vector accumulators (Dot with FMLA, one rounding
// per term, like the amd64 levels' FMA); Max and Min four, with FMAX and
// FMIN, which return NaN when either operand is NaN (unlike x86's
// VMAXPD), so no separate NaN tracking is needed.
//
// The GEMM micro-kernel is BLIS's arm64 shape: a 6×8 tile of C in 24 of
// the 32 registers (three 2-lane vectors of A and four of B take seven
// more), one FMLA by element per pair of C values per step of k.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// neonAsm accumulates the text of vec_arm64.s and vec_arm64.go.
type neonAsm struct {
	s, stubs strings.Builder
}

func (g *neonAsm) f(format string, args ...any) { fmt.Fprintf(&g.s, format+"\n", args...) }

// ins writes one instruction with its comment.
func (g *neonAsm) ins(text, comment string) {
	if comment == "" {
		g.f("\t%s", text)
		return
	}
	g.f("\t%-44s // %s", text, comment)
}

// word writes an instruction the Go assembler lacks, as its encoding.
func (g *neonAsm) word(enc uint32, text, comment string) {
	c := text
	if comment != "" {
		c += ": " + comment
	}
	g.ins(fmt.Sprintf("WORD $0x%08x", enc), c)
}

func (g *neonAsm) label(l string) { g.f("%s:", l) }

// zero clears vector register r.
func (g *neonAsm) zero(r int) { g.ins(fmt.Sprintf("VEOR V%d.B16, V%d.B16, V%d.B16", r, r, r), "") }

// text starts a function: its TEXT line, and its stub with doc comment.
func (g *neonAsm) text(name, sig string, frame int, doc string) {
	g.f("\n// func %s%s", name, sig)
	g.f("TEXT ·%s(SB), NOSPLIT, $0-%d", name, frame)
	fmt.Fprintf(&g.stubs, "\n// %s %s\n//\n//go:noescape\nfunc %s%s\n", name, doc, name, sig)
}

// Encodings of the vector floating-point instructions on 2×float64 lanes
// (Q = 1, sz = 1): d, n, m are register numbers.
func vec3(base uint32, d, n, m int) uint32 {
	return base | uint32(m)<<16 | uint32(n)<<5 | uint32(d)
}

// op3 is a three-register vector instruction: Vd = Vn op Vm.
type op3 struct {
	name string // mnemonic, lower case
	base uint32
}

var (
	fadd  = op3{"fadd", 0x4e60d400}
	fsub  = op3{"fsub", 0x4ee0d400}
	fmul  = op3{"fmul", 0x6e60dc00}
	fdiv  = op3{"fdiv", 0x6e60fc00}
	fmax  = op3{"fmax", 0x4e60f400}
	fmin  = op3{"fmin", 0x4ee0f400}
	fmla  = op3{"fmla", 0x4e60cc00} // Vd += Vn * Vm, one rounding
	fcmeq = op3{"fcmeq", 0x4e60e400}
	vbic  = op3{"bic", 0x4e601c00} // Vd = Vn AND NOT Vm
)

func (o op3) enc(d, n, m int) uint32 { return vec3(o.base, d, n, m) }

func (o op3) text(d, n, m int) string {
	return fmt.Sprintf("%s v%d.2d, v%d.2d, v%d.2d", o.name, d, n, m)
}

func (g *neonAsm) v3(o op3, d, n, m int, comment string) {
	g.word(o.enc(d, n, m), o.textFor(d, n, m), comment)
}

// fnegEnc encodes fneg vd.2d, vn.2d (the sign bits flip, NaNs included).
func fnegEnc(d, n int) uint32 { return vec3(0x6ee0f800, d, n, 0) }

// fsqrtEnc encodes fsqrt vd.2d, vn.2d (correctly rounded, as FSQRTD).
func fsqrtEnc(d, n int) uint32 { return vec3(0x6ee1f800, d, n, 0) }

// fmlaElemEnc encodes fmla vd.2d, vn.2d, vm.d[i]: Vd += Vn * (lane i of Vm).
func fmlaElemEnc(d, n, m, i int) uint32 { return vec3(0x4fc01000, d, n, m) | uint32(i)<<11 }

// pairwise reductions of the two lanes of vn into the scalar dd.
var (
	faddpS = op3{"faddp", 0x7e70d800}
	fmaxpS = op3{"fmaxp", 0x7e70f800}
	fminpS = op3{"fminp", 0x7ef0f800}
)

func (g *neonAsm) pairwise(o op3, d, n int, comment string) {
	g.word(vec3(o.base, d, n, 0), fmt.Sprintf("%s d%d, v%d.2d", o.name, d, n), comment)
}

// regs writes a register list of count 2-lane vectors from first.
func regs(first, count int) string {
	r := make([]string, count)
	for i := range r {
		r[i] = fmt.Sprintf("V%d.D2", first+i)
	}
	return "[" + strings.Join(r, ", ") + "]"
}

// ewKind is an elementwise kernel's shape.
type ewKind int

const (
	ewBinary ewKind = iota // dst = x op y
	ewScalar               // dst = x op a
	ewNeg                  // dst = -x
	ewSqrt                 // dst = sqrt(x)
	ewAxpy                 // y = y + a*x
	ewScal                 // x = x * a
	ewTriad                // dst = x + a*y, one rounding (STREAM's triad)
	ewMask                 // dst = x where y > a or y is NaN, else +0
)

type neonEW struct {
	name, doc string
	kind      ewKind
	o         op3    // the vector operation (binary, scalar)
	scalarOp  string // the Go assembler's scalar instruction for the tail
	sym       string
}

// genEW writes an elementwise kernel. Registers: R0 dst (written), R1 x,
// R2 y, R3 the count left; V0–V7 the x operands and results, V16–V23 the
// y operands (or products), V31 the scalar a in both lanes.
func (g *neonAsm) genEW(e neonEW) {
	switch e.kind {
	case ewBinary:
		g.text(e.name, "(dst []float64, x []float64, y []float64)", 72, e.doc)
		g.ins("MOVD dst_base+0(FP), R0", "")
		g.ins("MOVD dst_len+8(FP), R3", "n = len(dst)")
		g.ins("MOVD x_base+24(FP), R1", "")
		g.ins("MOVD y_base+48(FP), R2", "")
	case ewScalar:
		g.text(e.name, "(dst []float64, x []float64, a float64)", 56, e.doc)
		g.ins("MOVD dst_base+0(FP), R0", "")
		g.ins("MOVD dst_len+8(FP), R3", "n = len(dst)")
		g.ins("MOVD x_base+24(FP), R1", "")
		g.ins("FMOVD a+48(FP), F31", "")
		g.ins("VDUP V31.D[0], V31.D2", "a in both lanes")
	case ewNeg, ewSqrt:
		g.text(e.name, "(dst []float64, x []float64)", 48, e.doc)
		g.ins("MOVD dst_base+0(FP), R0", "")
		g.ins("MOVD dst_len+8(FP), R3", "n = len(dst)")
		g.ins("MOVD x_base+24(FP), R1", "")
	case ewAxpy:
		g.text(e.name, "(a float64, x []float64, y []float64)", 56, e.doc)
		g.ins("FMOVD a+0(FP), F31", "")
		g.ins("VDUP V31.D[0], V31.D2", "a in both lanes")
		g.ins("MOVD x_base+8(FP), R1", "")
		g.ins("MOVD x_len+16(FP), R3", "n = len(x)")
		g.ins("MOVD y_base+32(FP), R2", "")
		g.ins("MOVD R2, R0", "y is read and written")
	case ewScal:
		g.text(e.name, "(a float64, x []float64)", 32, e.doc)
		g.ins("FMOVD a+0(FP), F31", "")
		g.ins("VDUP V31.D[0], V31.D2", "a in both lanes")
		g.ins("MOVD x_base+8(FP), R1", "")
		g.ins("MOVD x_len+16(FP), R3", "n = len(x)")
		g.ins("MOVD R1, R0", "x is read and written")
	case ewMask:
		g.text(e.name, "(dst []float64, g []float64, x []float64, t float64)", 80, e.doc)
		g.ins("MOVD dst_base+0(FP), R0", "")
		g.ins("MOVD dst_len+8(FP), R3", "n = len(dst)")
		g.ins("MOVD g_base+24(FP), R1", "")
		g.ins("MOVD x_base+48(FP), R2", "")
		g.ins("FMOVD t+72(FP), F31", "")
		g.ins("VDUP V31.D[0], V31.D2", "t in both lanes")
	case ewTriad:
		g.text(e.name, "(dst []float64, x []float64, y []float64, a float64)", 80, e.doc)
		g.ins("MOVD dst_base+0(FP), R0", "")
		g.ins("MOVD dst_len+8(FP), R3", "n = len(dst)")
		g.ins("MOVD x_base+24(FP), R1", "")
		g.ins("MOVD y_base+48(FP), R2", "")
		g.ins("FMOVD a+72(FP), F31", "")
		g.ins("VDUP V31.D[0], V31.D2", "a in both lanes")
	}
	readsY := e.kind == ewBinary || e.kind == ewAxpy || e.kind == ewTriad || e.kind == ewMask
	// op applies the operation to vector i (x in Vi, y in V(16+i)).
	op := func(i int) {
		x, y := i, 16+i
		switch e.kind {
		case ewBinary:
			g.v3(e.o, x, x, y, "x "+e.sym+" y")
		case ewScalar:
			g.v3(e.o, x, x, 31, "x "+e.sym+" a")
		case ewNeg:
			g.word(fnegEnc(x, x), fmt.Sprintf("fneg v%d.2d, v%d.2d", x, x), "-x")
		case ewSqrt:
			g.word(fsqrtEnc(x, x), fmt.Sprintf("fsqrt v%d.2d, v%d.2d", x, x), "sqrt(x)")
		case ewAxpy: // y in Vi, x in V(16+i)
			g.v3(fmul, y, 31, y, "a*x, rounded")
			g.v3(fadd, x, x, y, "y + a*x")
		case ewScal:
			g.v3(fmul, x, x, 31, "x * a")
		case ewTriad:
			g.v3(fmla, x, y, 31, "x + a*y, one rounding")
		case ewMask: // g in Vi, x in V(16+i)
			g.v3(fcmge, y, 31, y, "t >= x: x <= t, false for NaN")
			g.v3(vbic, x, x, y, "g where not x <= t, else +0")
		}
	}
	load := func(first, count int) {
		// Axpy's y is the destination stream: x goes into V16.., y into V0..
		xr, yr := first, 16+first
		if e.kind == ewAxpy {
			xr, yr = yr, xr
		}
		g.ins(fmt.Sprintf("VLD1.P %d(R1), %s", 16*count, regs(xr, count)), "")
		if readsY {
			g.ins(fmt.Sprintf("VLD1.P %d(R2), %s", 16*count, regs(yr, count)), "")
		}
	}
	g.label("loop16")
	g.ins("CMP $16, R3", "")
	g.ins("BLT loop2", "")
	load(0, 4)
	load(4, 4)
	for i := 0; i < 8; i++ {
		op(i)
	}
	g.ins(fmt.Sprintf("VST1.P %s, 64(R0)", regs(0, 4)), "")
	g.ins(fmt.Sprintf("VST1.P %s, 64(R0)", regs(4, 4)), "")
	g.ins("SUB $16, R3", "")
	g.ins("B loop16", "")
	g.label("loop2")
	g.ins("CMP $2, R3", "")
	g.ins("BLT tail", "")
	load(0, 1)
	op(0)
	g.ins(fmt.Sprintf("VST1.P %s, 16(R0)", regs(0, 1)), "")
	g.ins("SUB $2, R3", "")
	g.ins("B loop2", "")
	g.label("tail")
	g.ins("CBZ R3, done", "")
	switch e.kind {
	case ewBinary:
		g.ins("FMOVD (R1), F0", "the last element")
		g.ins("FMOVD (R2), F16", "")
		g.ins(fmt.Sprintf("%s F16, F0, F0", e.scalarOp), "x "+e.sym+" y")
	case ewScalar:
		g.ins("FMOVD (R1), F0", "the last element")
		g.ins(fmt.Sprintf("%s F31, F0, F0", e.scalarOp), "x "+e.sym+" a")
	case ewNeg:
		g.ins("FMOVD (R1), F0", "the last element")
		g.ins("FNEGD F0, F0", "")
	case ewSqrt:
		g.ins("FMOVD (R1), F0", "the last element")
		g.ins("FSQRTD F0, F0", "")
	case ewAxpy:
		g.ins("FMOVD (R1), F16", "the last element: x")
		g.ins("FMOVD (R2), F0", "y")
		g.ins("FMULD F16, F31, F16", "a*x, rounded")
		g.ins("FADDD F16, F0, F0", "y + a*x")
	case ewScal:
		g.ins("FMOVD (R1), F0", "the last element")
		g.ins("FMULD F31, F0, F0", "x * a")
	case ewTriad:
		g.ins("FMOVD (R1), F0", "the last element: x")
		g.ins("FMOVD (R2), F16", "y")
		g.ins("FMADDD F31, F0, F16, F0", "x + y*a, one rounding")
	case ewMask:
		g.ins("FMOVD (R1), F0", "the last element: g")
		g.ins("FMOVD (R2), F16", "x")
		g.ins("FMOVD ZR, F17", "+0")
		g.ins("FCMPD F31, F16", "x against t")
		g.ins("FCSELD LS, F17, F0, F0", "+0 where x <= t (ordered), else g")
	}
	g.ins("FMOVD F0, (R0)", "")
	g.label("done")
	g.ins("RET", "")
}

// genReduce writes Sum, Dot, Max or Min: R1 x, R2 y (Dot), R3 the count
// left; accumulators V16–V23 (Sum, Dot) or V16–V19 (Max, Min); the result
// in F16.
func (g *neonAsm) genReduce(name, doc string, dot bool, o op3) {
	if dot {
		g.text(name, "(x []float64, y []float64) float64", 56, doc)
	} else {
		g.text(name, "(x []float64) float64", 32, doc)
	}
	g.ins("MOVD x_base+0(FP), R1", "")
	g.ins("MOVD x_len+8(FP), R3", "n = len(x)")
	if dot {
		g.ins("MOVD y_base+24(FP), R2", "")
	}
	acc := 8
	scalar, pair := "FADDD", faddpS
	switch o {
	case fmax:
		acc, scalar, pair = 4, "FMAXD", fmaxpS
		g.ins("MOVD $0xfff0000000000000, R4", "-Inf, the maximum of nothing")
	case fmin:
		acc, scalar, pair = 4, "FMIND", fminpS
		g.ins("MOVD $0x7ff0000000000000, R4", "+Inf, the minimum of nothing")
	}
	for i := 0; i < acc; i++ {
		if o == fmax || o == fmin {
			g.ins(fmt.Sprintf("VDUP R4, V%d.D2", 16+i), "")
		} else {
			g.zero(16 + i)
		}
	}
	// step folds vector i (x in Vi, y in V(8+i)) into accumulator 16+i.
	step := func(i int) {
		switch {
		case dot:
			g.v3(fmla, 16+i, i, 8+i, "acc += x*y")
		default:
			g.v3(o, 16+i, 16+i, i, "")
		}
	}
	per := 2 * acc
	g.label("loop")
	g.ins(fmt.Sprintf("CMP $%d, R3", per), "")
	g.ins("BLT loop2", "")
	for b := 0; b < acc; b += 4 {
		g.ins(fmt.Sprintf("VLD1.P 64(R1), %s", regs(b, 4)), "")
		if dot {
			g.ins(fmt.Sprintf("VLD1.P 64(R2), %s", regs(8+b, 4)), "")
		}
	}
	for i := 0; i < acc; i++ {
		step(i)
	}
	g.ins(fmt.Sprintf("SUB $%d, R3", per), "")
	g.ins("B loop", "")
	g.label("loop2")
	g.ins("CMP $2, R3", "")
	g.ins("BLT fold", "")
	g.ins(fmt.Sprintf("VLD1.P 16(R1), %s", regs(0, 1)), "")
	if dot {
		g.ins(fmt.Sprintf("VLD1.P 16(R2), %s", regs(8, 1)), "")
	}
	step(0)
	g.ins("SUB $2, R3", "")
	g.ins("B loop2", "")
	g.label("fold")
	comb := o
	if dot {
		comb = fadd
	}
	for w := acc / 2; w >= 1; w /= 2 {
		for i := 0; i < w; i++ {
			g.v3(comb, 16+i, 16+i, 16+i+w, "")
		}
	}
	g.pairwise(pair, 16, 16, "the two lanes")
	g.ins("CBZ R3, done", "")
	g.ins("FMOVD (R1), F0", "the last element")
	if dot {
		g.ins("FMOVD (R2), F8", "")
		g.ins("FMULD F8, F0, F0", "x*y")
	}
	g.ins(fmt.Sprintf("%s F0, F16, F16", scalar), "")
	g.label("done")
	g.ins(fmt.Sprintf("FMOVD F16, ret+%d(FP)", map[bool]int{true: 48, false: 24}[dot]), "")
	g.ins("RET", "")
}

// genFMAPeak writes the loop FMAPeak times: twelve independent FMLA
// chains on 2-lane registers, acc += 1.0·0.5.
func (g *neonAsm) genFMAPeak() {
	g.text("fmaPeakNEON", "(n int)", 8,
		"runs n iterations of 12 independent FMLA chains (acc += 1.0 * 0.5) on 2-lane registers: 48 floating-point operations per iteration, no memory traffic.")
	g.ins("MOVD n+0(FP), R0", "")
	g.ins("FMOVD $1.0, F30", "")
	g.ins("VDUP V30.D[0], V30.D2", "")
	g.ins("FMOVD $0.5, F31", "")
	g.ins("VDUP V31.D[0], V31.D2", "")
	for i := 0; i < 12; i++ {
		g.zero(i)
	}
	g.label("loop")
	g.ins("CBZ R0, done", "")
	for i := 0; i < 12; i++ {
		g.v3(fmla, i, 30, 31, "")
	}
	g.ins("SUB $1, R0", "")
	g.ins("B loop", "")
	g.label("done")
	g.ins("RET", "")
}

// genGemm writes the 6×8 micro-kernel. Registers: R0 k left, R1 a, R2 b,
// R3 c, R4 ldc in bytes; V0–V2 six values of A, V3–V6 eight of B, V8–V31
// the tile (row i, columns 2j and 2j+1 in V(8+4i+j)).
func (g *neonAsm) genGemm() {
	const MR, NR = 6, 8
	g.text("gemmKernelNEON", "(k int, a []float64, b []float64, c []float64, ldc int, alpha float64, beta float64, mr int, nr int)", 120,
		"updates the 6×8 tile of C at c (row stride ldc) with alpha times the product of the packed panels a (k steps of 6 values) and b (k steps of 8 values), plus beta times C (C unread when beta is 0). Only full tiles: mr and nr must be 6 and 8.")
	g.ins("MOVD k+0(FP), R0", "")
	g.ins("MOVD a_base+8(FP), R1", "")
	g.ins("MOVD b_base+32(FP), R2", "")
	g.ins("MOVD c_base+56(FP), R3", "")
	g.ins("MOVD ldc+80(FP), R4", "")
	g.ins("LSL $3, R4", "row stride in bytes")
	for r := 8; r < 32; r++ {
		g.zero(r)
	}
	g.label("loop")
	g.ins("CBZ R0, store", "")
	g.ins(fmt.Sprintf("VLD1.P %d(R1), %s", 8*MR, regs(0, MR/2)), "a[p*6 : p*6+6]")
	g.ins(fmt.Sprintf("VLD1.P %d(R2), %s", 8*NR, regs(3, NR/2)), "b[p*8 : p*8+8]")
	for i := 0; i < MR; i++ {
		for j := 0; j < NR/2; j++ {
			d, n, m, l := 8+4*i+j, 3+j, i/2, i%2
			g.word(fmlaElemEnc(d, n, m, l), fmt.Sprintf("fmla v%d.2d, v%d.2d, v%d.d[%d]", d, n, m, l),
				fmt.Sprintf("c[%d][%d:%d] += b * a[%d]", i, 2*j, 2*j+2, i))
		}
	}
	g.ins("SUB $1, R0", "")
	g.ins("B loop", "")
	g.label("store")
	g.ins("FMOVD alpha+88(FP), F0", "")
	g.ins("VDUP V0.D[0], V0.D2", "alpha in both lanes")
	g.ins("FMOVD beta+96(FP), F1", "")
	g.ins("FCMPD $(0.0), F1", "")
	g.ins("BEQ overwrite", "beta == 0: C is not read")
	g.ins("VDUP V1.D[0], V1.D2", "beta in both lanes")
	for i := 0; i < MR; i++ {
		g.ins(fmt.Sprintf("VLD1 (R3), %s", regs(3, 4)), fmt.Sprintf("row %d of C", i))
		for j := 0; j < 4; j++ {
			g.v3(fmul, 3+j, 3+j, 1, "beta*c")
		}
		for j := 0; j < 4; j++ {
			g.v3(fmla, 3+j, 8+4*i+j, 0, "+ acc*alpha, one rounding")
		}
		g.ins(fmt.Sprintf("VST1 %s, (R3)", regs(3, 4)), "")
		if i < MR-1 {
			g.ins("ADD R4, R3", "next row")
		}
	}
	g.ins("RET", "")
	g.label("overwrite")
	for i := 0; i < MR; i++ {
		for j := 0; j < 4; j++ {
			r := 8 + 4*i + j
			g.v3(fmul, r, r, 0, "alpha*acc")
		}
		g.ins(fmt.Sprintf("VST1 %s, (R3)", regs(8+4*i, 4)), fmt.Sprintf("row %d of C", i))
		if i < MR-1 {
			g.ins("ADD R4, R3", "next row")
		}
	}
	g.ins("RET", "")
}

// genRows writes copyRowsNEON (add false) or addRowsNEON: rows rows of n
// elements, row r of src at src[r*ss:] copied to (or added into) dst[r*ds:]
// (strides in elements). Registers: R0 and R1 the rows of dst and src, R2
// and R3 their strides in bytes, R4 the rows left, R5 n, R6 the row's
// elements left, R7 and R8 the positions in the row. addRows adds as the
// generic loop's dst[t] += src[t] does, dst the first operand.
func (g *neonAsm) genRows(add bool) {
	name, what := "copyRowsNEON", "dst[r*ds+t] = src[r*ss+t]"
	if add {
		name, what = "addRowsNEON", "dst[r*ds+t] += src[r*ss+t]"
	}
	g.text(name, "(dst []float64, ds int, src []float64, ss int, rows int, n int)", 80,
		fmt.Sprintf("sets %s for r < rows, t < n with NEON instructions.", what))
	g.ins("MOVD dst_base+0(FP), R0", "")
	g.ins("MOVD ds+24(FP), R2", "")
	g.ins("MOVD src_base+32(FP), R1", "")
	g.ins("MOVD ss+56(FP), R3", "")
	g.ins("MOVD rows+64(FP), R4", "")
	g.ins("MOVD n+72(FP), R5", "")
	g.ins("LSL $3, R2, R2", "strides in bytes")
	g.ins("LSL $3, R3, R3", "")
	g.ins("CMP $0, R4", "")
	g.ins("BLE done", "")
	g.ins("CMP $0, R5", "")
	g.ins("BLE done", "")
	g.label("row")
	g.ins("MOVD R0, R7", "")
	g.ins("MOVD R1, R8", "")
	g.ins("MOVD R5, R6", "")
	g.label("loop2")
	g.ins("CMP $2, R6", "")
	g.ins("BLT tail", "")
	if add {
		g.ins("VLD1 (R7), [V0.D2]", "dst")
		g.ins("VLD1.P 16(R8), [V16.D2]", "src")
		g.v3(fadd, 0, 0, 16, "dst + src")
	} else {
		g.ins("VLD1.P 16(R8), [V0.D2]", "")
	}
	g.ins("VST1.P [V0.D2], 16(R7)", "")
	g.ins("SUB $2, R6", "")
	g.ins("B loop2", "")
	g.label("tail")
	g.ins("CBZ R6, next", "")
	if add {
		g.ins("FMOVD (R7), F0", "the row's last element: dst")
		g.ins("FMOVD (R8), F16", "src")
		g.ins("FADDD F16, F0, F0", "dst + src")
	} else {
		g.ins("FMOVD (R8), F0", "the row's last element")
	}
	g.ins("FMOVD F0, (R7)", "")
	g.label("next")
	g.ins("ADD R2, R0, R0", "")
	g.ins("ADD R3, R1, R1", "")
	g.ins("SUB $1, R4, R4", "")
	g.ins("CBNZ R4, row", "")
	g.label("done")
	g.ins("RET", "")
}

func genNEON(dir string) error {
	g := new(neonAsm)
	const hdr = "// Code generated by kernels/_gen/neon.go (go generate ./kernels). DO NOT EDIT.\n\n//go:build arm64 && !noasm\n\n"
	g.s.WriteString(hdr + "#include \"textflag.h\"\n")
	g.stubs.WriteString(hdr + "package kernels\n")
	bin := []struct {
		lo, sym, scalar string
		o               op3
	}{
		{"add", "+", "FADDD", fadd}, {"sub", "-", "FSUBD", fsub}, {"mul", "*", "FMULD", fmul}, {"div", "/", "FDIVD", fdiv},
	}
	for _, b := range bin {
		g.genEW(neonEW{name: b.lo + "NEON", kind: ewBinary, o: b.o, scalarOp: b.scalar, sym: b.sym,
			doc: fmt.Sprintf("sets dst[i] = x[i] %s y[i] for i < len(dst) with NEON instructions.", b.sym)})
	}
	for _, b := range bin {
		g.genEW(neonEW{name: b.lo + "ScalarNEON", kind: ewScalar, o: b.o, scalarOp: b.scalar, sym: b.sym,
			doc: fmt.Sprintf("sets dst[i] = x[i] %s a for i < len(dst) with NEON instructions.", b.sym)})
	}
	g.genEW(neonEW{name: "negNEON", kind: ewNeg, doc: "sets dst[i] = -x[i] (flips the sign bit) for i < len(dst) with NEON instructions."})
	g.genEW(neonEW{name: "sqrtNEON", kind: ewSqrt, doc: "sets dst[i] = sqrt(x[i]) (correctly rounded, as math.Sqrt) for i < len(dst) with NEON instructions."})
	g.genEW(neonEW{name: "axpyNEON", kind: ewAxpy, doc: "sets y[i] += a * x[i] (FMUL then FADD, no fused multiply-add) for i < len(x) with NEON instructions."})
	g.genEW(neonEW{name: "scalNEON", kind: ewScal, doc: "sets x[i] *= a for every i with NEON instructions."})
	g.genReduce("sumNEON", "returns the sum of x with NEON instructions, in 8 vector accumulators.", false, fadd)
	g.genReduce("dotNEON", "returns the sum of x[i]*y[i] (FMLA) with NEON instructions, in 8 vector accumulators.", true, fmla)
	g.genReduce("maxNEON", "returns the largest element of x with NEON instructions, NaN if any is NaN.", false, fmax)
	g.genReduce("minNEON", "returns the smallest element of x with NEON instructions, NaN if any is NaN.", false, fmin)
	g.genEW(neonEW{name: "triadNEON", kind: ewTriad, doc: "sets dst[i] = x[i] + a*y[i] (STREAM's triad, one FMLA per element) for i < len(dst) with NEON instructions."})
	g.genEW(neonEW{name: "maskAboveNEON", kind: ewMask, doc: "sets dst[i] = g[i] where x[i] > t or x[i] is NaN, else +0 (g[i]'s bits or zero bits), for i < len(dst) with NEON instructions."})
	g.genRows(false)
	g.genRows(true)
	g.genFMAPeak()
	g.genGemm()
	if err := os.WriteFile(filepath.Join(dir, "vec_arm64.s"), []byte(g.s.String()), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "vec_arm64.go"), []byte(g.stubs.String()), 0o644)
}
