//go:build generate

// Command gen writes the AVX2 and AVX-512 kernels of package kernels:
// vec_amd64.s (the assembly) and vec_amd64.go (its Go declarations), and
// the loops that measure the machine's ceilings (see FMAPeak and Triad):
// twelve independent FMA chains, and STREAM's triad.
//
// Run it through go generate in kernels/ (see asm_amd64.go), or by hand from
// this directory:
//
//	go run -tags generate . -out ..
//
// check.sh regenerates into a temporary directory and fails if the result
// differs from the committed files.
//
// # Shape of the kernels
//
// Every kernel is a NOSPLIT leaf that ends with VZEROUPPER. Elementwise
// kernels run a main loop of four vectors per iteration, then one vector at a
// time, then a tail: scalar instructions at the AVX2 level, one masked vector
// (BZHI + KMOVW into K1, masked loads and store) at the AVX512 level. Each
// element is one IEEE operation with the operands in the order the Go code
// writes them (x op y, a*x then +y), so results, NaN payloads included, are
// bit-identical to the generic kernels.
//
// Kernels that write a separate dst (the binary, scalar and Neg kernels)
// switch to non-temporal stores when the element count reaches ·ntMin3 (three
// streams) or ·ntMin2 (two streams), package variables set from the cache
// sizes: they peel until dst is aligned to a vector, store with VMOVNTPD, then
// SFENCE before the ordinary tail. A dst that is not 8-byte aligned keeps the
// ordinary path.
//
// Reductions keep eight vector accumulators (Sum, Dot; Dot uses FMA) or four
// (Max, Min). Max and Min track NaNs separately, because VMAXPD/VMINPD return
// their second operand when either is NaN and so lose a NaN on the next
// element: AVX512 ANDs ordered compares into K2 (a compare under its own
// mask), AVX2 ORs unordered-compare masks into Y8.
//
// Only AVX-512F instructions are used at the AVX512 level (plus AVX2, FMA and
// BMI2, which device requires with it): 512-bit registers only (masked YMM
// forms would need AVX512VL), KMOVW rather than KMOVB and VPXORQ rather than
// VXORPD (both AVX512DQ).
package main

import (
	"flag"
	"fmt"
	"log"
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

var c = build.NewContext()

// level describes one instruction set the kernels are written for.
type level struct {
	name   string        // suffix of the Go names: AVX2 or AVX512
	width  int           // float64 lanes per vector
	vec    []VecPhysical // vector registers of this width, by number
	masked bool          // tails are masked vector operations (AVX-512)
}

var (
	avx2 = level{"AVX2", 4, []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11, Y12, Y13, Y14}, false}
	// Z15 is left alone as a habit (X15 is Go's zero register in ABIInternal).
	avx512 = level{"AVX512", 8, []VecPhysical{Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15,
		Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23, Z24, Z25, Z26, Z27, Z28, Z29, Z30, Z31}, true}
)

// unroll is the number of vectors per iteration of the elementwise main loops.
const unroll = 4

// isa emits one element-wise step either on whole vectors or on one scalar.
type isa struct {
	reg           func(i int) Register
	load          func(src Op, dst Register)
	store         func(src Register, dst Op)
	add, sub      func(b, a, d Op) // d = a op b (Go assembler operand order)
	mul, div, xor func(b, a, d Op)
	sqrt          func(a, d Op) // d = sqrt(a), correctly rounded
	step          int           // bytes per step
}

// vector returns the full-width isa of l. With nt, stores are non-temporal.
func vector(l level, nt bool) isa {
	o := isa{
		reg:   func(i int) Register { return l.vec[i] },
		load:  func(src Op, dst Register) { c.VMOVUPD(src, dst) },
		store: func(src Register, dst Op) { c.VMOVUPD(src, dst) },
		add:   func(b, a, d Op) { c.VADDPD(b, a, d) },
		sub:   func(b, a, d Op) { c.VSUBPD(b, a, d) },
		mul:   func(b, a, d Op) { c.VMULPD(b, a, d) },
		div:   func(b, a, d Op) { c.VDIVPD(b, a, d) },
		xor:   func(b, a, d Op) { c.VXORPD(b, a, d) },
		sqrt:  func(a, d Op) { c.VSQRTPD(a, d) },
		step:  8 * l.width,
	}
	if l.masked {
		// VXORPD on ZMM needs AVX512DQ; VPXORQ is AVX512F.
		o.xor = func(b, a, d Op) { c.VPXORQ(b, a, d) }
	}
	if nt {
		o.store = func(src Register, dst Op) { c.VMOVNTPD(src, dst) }
	}
	return o
}

// masked returns the AVX-512 isa whose loads and stores touch only the lanes
// set in K1 (masked-off loads read as zero and cannot fault).
func masked(l level) isa {
	o := vector(l, false)
	o.load = func(src Op, dst Register) { c.VMOVUPD_Z(src, K1, dst) }
	o.store = func(src Register, dst Op) { c.VMOVUPD(src, K1, dst) }
	return o
}

// scalar returns the isa that works on the low float64 of X registers.
func scalar() isa {
	return isa{
		reg:   func(i int) Register { return avx2.vec[i].AsX() },
		load:  func(src Op, dst Register) { c.VMOVSD(src, dst) },
		store: func(src Register, dst Op) { c.VMOVSD(src, dst) },
		add:   func(b, a, d Op) { c.VADDSD(b, a, d) },
		sub:   func(b, a, d Op) { c.VSUBSD(b, a, d) },
		mul:   func(b, a, d Op) { c.VMULSD(b, a, d) },
		div:   func(b, a, d Op) { c.VDIVSD(b, a, d) },
		// Register operands only: a memory operand would read 16 bytes.
		xor:  func(b, a, d Op) { c.VXORPD(b, a, d) },
		sqrt: func(a, d Op) { c.VSQRTSD(a, d, d) },
		step: 8,
	}
}

// Register assignment shared by the elementwise kernels.
var (
	rDst, rX, rY = RDI, RSI, RDX // stream pointers
	rN           = RCX           // elements left
	rBlocks      = RBX           // main-loop iterations left
	rTmp         = RAX
	rTmp2        = R8
	constReg     = 14 // vector register number holding a broadcast constant
)

// ew is one elementwise kernel.
type ew struct {
	name  string // Go name without the level suffix
	sig   string
	doc   string
	setup func(l level) (in []Register, out Register) // loads pointers, n into rN, constants
	// body computes one step into register v; src(i) is the i-th input
	// stream at the current position (memory, or a register in masked tails).
	// step u of an unrolled iteration (0 in the tails) may use o.reg(4+u)
	// as scratch.
	body func(o isa, v Register, src func(i int) Op, u int)
	// ntMin names the threshold variable of the non-temporal path ("" for
	// none: kernels that update in place gain nothing from it).
	ntMin string
	// inout lists the inputs that body also writes, with o.store to src(i):
	// in a masked tail, src(i) is a register, stored under the mask after
	// body.
	inout []int
	// prefetch, if not 0, is how many bytes ahead of the main loop's
	// position each stream is prefetched, a PREFETCHT0 per cache line.
	prefetch int
}

// broadcast loads the float64 parameter name into every lane of vector
// register constReg.
func broadcast(l level, name string) {
	x := l.vec[constReg].AsX()
	c.Load(c.Param(name), x)
	c.VBROADCASTSD(x, l.vec[constReg])
}

// broadcastBits puts the 64-bit pattern bits into every lane of vector
// register r.
func broadcastBits(l level, bits uint64, r int) {
	c.MOVQ(U64(bits), rTmp)
	c.MOVQ(rTmp, l.vec[r].AsX())
	c.VBROADCASTSD(l.vec[r].AsX(), l.vec[r])
}

func binaryKernel(name, doc string, op func(o isa) func(b, a, d Op)) ew {
	return ew{
		name: name,
		sig:  "func(dst, x, y []float64)",
		doc:  doc,
		setup: func(l level) ([]Register, Register) {
			c.Load(c.Param("dst").Base(), rDst)
			c.Load(c.Param("dst").Len(), rN)
			c.Load(c.Param("x").Base(), rX)
			c.Load(c.Param("y").Base(), rY)
			return []Register{rX, rY}, rDst
		},
		body: func(o isa, v Register, src func(int) Op, _ int) {
			o.load(src(0), v)
			op(o)(src(1), v, v)
		},
		ntMin: "ntMin3",
	}
}

func scalarKernel(name, doc string, op func(o isa) func(b, a, d Op)) ew {
	return ew{
		name: name,
		sig:  "func(dst, x []float64, a float64)",
		doc:  doc,
		setup: func(l level) ([]Register, Register) {
			c.Load(c.Param("dst").Base(), rDst)
			c.Load(c.Param("dst").Len(), rN)
			c.Load(c.Param("x").Base(), rX)
			broadcast(l, "a")
			return []Register{rX}, rDst
		},
		body: func(o isa, v Register, src func(int) Op, _ int) {
			o.load(src(0), v)
			op(o)(o.reg(constReg), v, v)
		},
		ntMin: "ntMin2",
	}
}

var elementwise = []ew{
	binaryKernel("add", "dst[i] = x[i] + y[i]", func(o isa) func(b, a, d Op) { return o.add }),
	binaryKernel("sub", "dst[i] = x[i] - y[i]", func(o isa) func(b, a, d Op) { return o.sub }),
	binaryKernel("mul", "dst[i] = x[i] * y[i]", func(o isa) func(b, a, d Op) { return o.mul }),
	binaryKernel("div", "dst[i] = x[i] / y[i]", func(o isa) func(b, a, d Op) { return o.div }),
	scalarKernel("addScalar", "dst[i] = x[i] + a", func(o isa) func(b, a, d Op) { return o.add }),
	scalarKernel("subScalar", "dst[i] = x[i] - a", func(o isa) func(b, a, d Op) { return o.sub }),
	scalarKernel("mulScalar", "dst[i] = x[i] * a", func(o isa) func(b, a, d Op) { return o.mul }),
	scalarKernel("divScalar", "dst[i] = x[i] / a", func(o isa) func(b, a, d Op) { return o.div }),
	{
		name: "neg",
		sig:  "func(dst, x []float64)",
		doc:  "dst[i] = -x[i] (flips the sign bit)",
		setup: func(l level) ([]Register, Register) {
			c.Load(c.Param("dst").Base(), rDst)
			c.Load(c.Param("dst").Len(), rN)
			c.Load(c.Param("x").Base(), rX)
			broadcastBits(l, 1<<63, constReg)
			return []Register{rX}, rDst
		},
		body: func(o isa, v Register, src func(int) Op, _ int) {
			o.load(src(0), v)
			o.xor(o.reg(constReg), v, v)
		},
		ntMin: "ntMin2",
	},
	{
		name: "sqrt",
		sig:  "func(dst, x []float64)",
		doc:  "dst[i] = sqrt(x[i]) (correctly rounded, as math.Sqrt)",
		setup: func(l level) ([]Register, Register) {
			c.Load(c.Param("dst").Base(), rDst)
			c.Load(c.Param("dst").Len(), rN)
			c.Load(c.Param("x").Base(), rX)
			return []Register{rX}, rDst
		},
		body: func(o isa, v Register, src func(int) Op, _ int) {
			o.load(src(0), v)
			o.sqrt(v, v)
		},
		ntMin: "ntMin2",
	},
	{
		name: "axpy",
		sig:  "func(a float64, x, y []float64)",
		doc:  "y[i] += a * x[i] (VMULPD then VADDPD, no FMA)",
		setup: func(l level) ([]Register, Register) {
			broadcast(l, "a")
			c.Load(c.Param("x").Base(), rX)
			c.Load(c.Param("x").Len(), rN)
			c.Load(c.Param("y").Base(), rDst)
			return []Register{rX, rDst}, rDst
		},
		body: func(o isa, v Register, src func(int) Op, _ int) {
			o.load(src(0), v)
			o.mul(o.reg(constReg), v, v) // a*x[i] with x[i] first, as Go's a * v computes it
			o.add(src(1), v, v)          // y[i] + a*x[i]: the product is the first operand, as in y[i] += a*v
		},
	},
	{
		name: "scal",
		sig:  "func(a float64, x []float64)",
		doc:  "x[i] *= a",
		setup: func(l level) ([]Register, Register) {
			broadcast(l, "a")
			c.Load(c.Param("x").Base(), rDst)
			c.Load(c.Param("x").Len(), rN)
			return []Register{rDst}, rDst
		},
		body: func(o isa, v Register, src func(int) Op, _ int) {
			o.load(src(0), v)
			o.mul(o.reg(constReg), v, v)
		},
	},
}

// pointers returns the distinct stream pointers of a kernel.
func pointers(in []Register, out Register) []Register {
	ps := []Register{out}
	for _, r := range in {
		dup := false
		for _, p := range ps {
			dup = dup || p == r
		}
		if !dup {
			ps = append(ps, r)
		}
	}
	return ps
}

func advance(ps []Register, bytes int) {
	for _, p := range ps {
		c.ADDQ(imm(bytes), p)
	}
}

// imm is a constant that encodes as a sign-extended 8- or 32-bit immediate.
func imm(x int) Constant {
	if x < 128 {
		return U8(x)
	}
	return U32(x)
}

// steps emits k steps of isa o at byte offsets 0, o.step, ... and stores
// them.
func steps(e ew, o isa, in []Register, out Register, k int) {
	for u := 0; u < k; u++ {
		v := o.reg(u)
		e.body(o, v, func(i int) Op { return Mem{Base: in[i], Disp: u * o.step} }, u)
		o.store(v, Mem{Base: out, Disp: u * o.step})
	}
}

// mask sets mask register k to the low count bits (count < 8).
func mask(count GPPhysical, k Register) {
	c.MOVL(U32(0xff), rTmp.As32())
	c.BZHIL(count.As32(), rTmp.As32(), rTmp.As32())
	c.KMOVW(rTmp.As32(), k)
}

// maskedStep emits one masked step (K1 set) at the current position.
func maskedStep(e ew, l level, in []Register, out Register) {
	o := masked(l)
	tmp := make([]Register, len(in))
	for i, p := range in {
		tmp[i] = l.vec[8+i]
		o.load(Mem{Base: p}, tmp[i])
	}
	v := l.vec[0]
	e.body(vector(l, false), v, func(i int) Op { return tmp[i] }, 0)
	o.store(v, Mem{Base: out})
	for _, i := range e.inout {
		o.store(tmp[i], Mem{Base: in[i]})
	}
}

// loops emits the main loop, the one-vector loop and the tail, with stores
// from o (ordinary or non-temporal). The tail always uses ordinary stores; a
// non-temporal caller fences before it. Labels get prefix p.
func loops(e ew, l level, o isa, in []Register, out Register, p string, tail func()) {
	ps := pointers(in, out)
	block := unroll * l.width
	shift := map[int]int{16: 4, 32: 5}[block]
	c.Comment(fmt.Sprintf("%d vectors (%d elements) per iteration.", unroll, block))
	c.MOVQ(rN, rBlocks)
	c.SHRQ(U8(shift), rBlocks)
	c.JZ(LabelRef(p + "one"))
	c.Label(p + "loop")
	if e.prefetch != 0 {
		c.Comment(fmt.Sprintf("Each stream prefetched %d bytes ahead.", e.prefetch))
		for off := 0; off < unroll*o.step; off += 64 {
			for _, r := range ps {
				c.PREFETCHT0(Mem{Base: r, Disp: e.prefetch + off})
			}
		}
	}
	steps(e, o, in, out, unroll)
	advance(ps, unroll*o.step)
	c.DECQ(rBlocks)
	c.JNZ(LabelRef(p + "loop"))
	c.Label(p + "one")
	c.Comment("One vector at a time.")
	c.ANDQ(U32(block-1), rN)
	c.Label(p + "oneloop")
	c.CMPQ(rN, U32(l.width))
	c.JB(LabelRef(p + "tail"))
	steps(e, o, in, out, 1)
	advance(ps, o.step)
	c.SUBQ(U32(l.width), rN)
	c.JMP(LabelRef(p + "oneloop"))
	c.Label(p + "tail")
	tail()
}

// tail emits the code for the last rN < width elements, then done.
func tail(e ew, l level, in []Register, out Register) {
	ps := pointers(in, out)
	c.Comment(fmt.Sprintf("Tail: fewer than %d elements.", l.width))
	c.TESTQ(rN, rN)
	c.JZ(LabelRef("done"))
	if l.masked {
		mask(rN, K1)
		maskedStep(e, l, in, out)
	} else {
		c.Label("scalar")
		steps(e, scalar(), in, out, 1)
		advance(ps, 8)
		c.DECQ(rN)
		c.JNZ(LabelRef("scalar"))
	}
	c.Label("done")
	c.VZEROUPPER()
	c.RET()
}

func genElementwise(e ew, l level) {
	fn := e.name + l.name
	textFunc(fn, e.sig, fmt.Sprintf("%s sets %s for i < n with %s instructions.", fn, e.doc, l.name))
	in, out := e.setup(l)
	o := vector(l, false)
	if e.ntMin != "" {
		c.Comment("Large slices take the non-temporal path.")
		c.CMPQ(rN, NewDataAddr(Symbol{Name: "·" + e.ntMin}, 0))
		c.JAE(LabelRef("nt"))
	}
	c.Label("vec")
	loops(e, l, o, in, out, "", func() { tail(e, l, in, out) })
	if e.ntMin == "" {
		return
	}

	ps := pointers(in, out)
	align := 8 * l.width
	c.Label("nt")
	c.Comment("Non-temporal stores: dst must be 8-byte aligned to ever reach vector alignment.")
	c.TESTQ(U32(7), rDst)
	c.JNZ(LabelRef("vec"))
	if l.masked {
		c.Comment(fmt.Sprintf("Peel min((-dst mod %d)/8, n) elements with one masked step.", align))
		c.MOVQ(rDst, rTmp2)
		c.NEGQ(rTmp2)
		c.ANDQ(U32(align-1), rTmp2)
		c.SHRQ(U8(3), rTmp2)
		c.CMPQ(rTmp2, rN)
		c.CMOVQGT(rN, rTmp2)
		c.TESTQ(rTmp2, rTmp2)
		c.JZ(LabelRef("ntmain"))
		mask(rTmp2, K1)
		maskedStep(e, l, in, out)
		c.SUBQ(rTmp2, rN)
		c.SHLQ(U8(3), rTmp2)
		for _, p := range ps {
			c.ADDQ(rTmp2, p)
		}
	} else {
		c.Comment(fmt.Sprintf("Peel single elements until dst is %d-byte aligned.", align))
		c.Label("ntpeel")
		c.TESTQ(U32(align-1), rDst)
		c.JZ(LabelRef("ntmain"))
		c.TESTQ(rN, rN)
		c.JZ(LabelRef("done"))
		steps(e, scalar(), in, out, 1)
		advance(ps, 8)
		c.DECQ(rN)
		c.JMP(LabelRef("ntpeel"))
	}
	c.Label("ntmain")
	loops(e, l, vector(l, true), in, out, "nt", func() {
		c.SFENCE()
		c.JMP(LabelRef("tail"))
	})
}

// Reductions.

func textFunc(name, sig, doc string) {
	c.Function(name)
	c.Attributes(attr.NOSPLIT)
	c.SignatureExpr(sig)
	c.Pragma("noescape")
	c.Doc(doc)
}

// hreduce folds vector register 0 of l into its low lane with op (which
// takes (b, a, d) operands and works at any width).
func hreduce(l level, op func(b, a, d Op)) {
	if l.masked {
		c.VEXTRACTF64X4(U8(1), Z0, Y1)
		op(Y1, Y0, Y0)
	}
	c.VEXTRACTF128(U8(1), Y0, X1)
	op(X1, X0, X0)
	c.VPERMILPD(U8(1), X0, X1)
}

// tree folds accumulators 0..k-1 (k a power of two) into register 0.
func tree(l level, k int, op func(b, a, d Op)) {
	for s := k / 2; s >= 1; s /= 2 {
		for i := 0; i < s; i++ {
			op(l.vec[i+s], l.vec[i], l.vec[i])
		}
	}
}

// genSumDot writes sum (dot false) or dot (dot true).
func genSumDot(l level, dot bool) {
	const acc = 8
	name, sig, doc := "sum"+l.name, "func(x []float64) float64", "returns the sum of x"
	if dot {
		name, sig, doc = "dot"+l.name, "func(x, y []float64) float64", "returns the sum of x[i]*y[i] (FMA)"
	}
	textFunc(name, sig, fmt.Sprintf("%s %s with %s instructions, in %d vector accumulators.", name, doc, l.name, acc))
	c.Load(c.Param("x").Base(), rX)
	c.Load(c.Param("x").Len(), rN)
	if dot {
		c.Load(c.Param("y").Base(), rY)
	}
	ps := []Register{rX}
	if dot {
		ps = append(ps, rY)
	}
	vsz := 8 * l.width
	// step adds the vector at offset off into accumulator a, using
	// register t for the loaded x.
	step := func(a, t int, off int) {
		if dot {
			c.VMOVUPD(Mem{Base: rX, Disp: off}, l.vec[t])
			c.VFMADD231PD(Mem{Base: rY, Disp: off}, l.vec[t], l.vec[a])
		} else {
			c.VADDPD(Mem{Base: rX, Disp: off}, l.vec[a], l.vec[a])
		}
	}
	tmp := func(u int) int { // registers for loaded x
		if l.masked {
			return 16 + u
		}
		return 8 + u%4
	}
	for i := 0; i < acc; i++ {
		c.VXORPD(l.vec[i].AsY(), l.vec[i].AsY(), l.vec[i].AsY()) // VEX: zeroes the whole register
	}
	block := acc * l.width
	shift := map[int]int{32: 5, 64: 6}[block]
	c.Comment(fmt.Sprintf("%d vectors (%d elements) per iteration.", acc, block))
	c.MOVQ(rN, rBlocks)
	c.SHRQ(U8(shift), rBlocks)
	c.JZ(LabelRef("one"))
	c.Label("loop")
	for u := 0; u < acc; u++ {
		step(u, tmp(u), u*vsz)
	}
	advance(ps, acc*vsz)
	c.DECQ(rBlocks)
	c.JNZ(LabelRef("loop"))
	c.Label("one")
	c.ANDQ(U32(block-1), rN)
	c.Label("oneloop")
	c.CMPQ(rN, U32(l.width))
	c.JB(LabelRef("tail"))
	step(0, tmp(0), 0)
	advance(ps, vsz)
	c.SUBQ(U32(l.width), rN)
	c.JMP(LabelRef("oneloop"))
	c.Label("tail")
	if l.masked {
		c.TESTQ(rN, rN)
		c.JZ(LabelRef("reduce"))
		mask(rN, K1)
		c.VMOVUPD_Z(Mem{Base: rX}, K1, Z16)
		if dot {
			c.VMOVUPD_Z(Mem{Base: rY}, K1, Z17)
			c.VFMADD231PD(Z17, Z16, Z1)
		} else {
			c.VADDPD(Z16, Z1, Z1)
		}
		c.Label("reduce")
	}
	add := func(b, a, d Op) { c.VADDPD(b, a, d) }
	tree(l, acc, add)
	hreduce(l, add)
	c.VADDSD(X1, X0, X0)
	if !l.masked {
		c.Comment("Scalar tail, added to the folded sum.")
		c.TESTQ(rN, rN)
		c.JZ(LabelRef("done"))
		c.Label("scalar")
		if dot {
			c.VMOVSD(Mem{Base: rX}, X1)
			c.VFMADD231SD(Mem{Base: rY}, X1, X0)
		} else {
			c.VADDSD(Mem{Base: rX}, X0, X0)
		}
		advance(ps, 8)
		c.DECQ(rN)
		c.JNZ(LabelRef("scalar"))
		c.Label("done")
	}
	c.VZEROUPPER()
	c.Store(X0, c.ReturnIndex(0))
	c.RET()
}

// genMinMax writes max (isMax) or min: NaN if any element is NaN, else the
// extreme element, -Inf / +Inf for an empty slice.
func genMinMax(l level, isMax bool) {
	const acc = 4
	name, inf, what := "min"+l.name, uint64(0x7ff0000000000000), "smallest"
	op := func(b, a, d Op) { c.VMINPD(b, a, d) }
	sop := func(b, a, d Op) { c.VMINSD(b, a, d) }
	if isMax {
		name, inf, what = "max"+l.name, 0xfff0000000000000, "largest"
		op = func(b, a, d Op) { c.VMAXPD(b, a, d) }
		sop = func(b, a, d Op) { c.VMAXSD(b, a, d) }
	}
	textFunc(name, "func(x []float64) float64",
		fmt.Sprintf("%s returns the %s element of x with %s instructions, NaN if any is NaN.", name, what, l.name))
	c.Load(c.Param("x").Base(), rX)
	c.Load(c.Param("x").Len(), rN)
	// Registers: accumulators 0..3, loaded values 4..7, the infinity in 14,
	// and (AVX2) the NaN flags in 8 with compare results in 9 and 10.
	const infReg = 14
	broadcastBits(l, inf, infReg)
	for i := 0; i < acc; i++ {
		c.VMOVUPD(l.vec[infReg], l.vec[i])
	}
	if l.masked {
		c.Comment("K2 keeps, per lane, whether every value seen so far was ordered (not NaN).")
		c.KXNORW(K2, K2, K2)
	} else {
		c.Comment("Y8 collects unordered-compare masks: nonzero once a NaN was seen.")
		c.VXORPD(Y8, Y8, Y8)
	}
	vsz := 8 * l.width
	// nanCheck records NaNs in registers a and b.
	nanCheck := func(a, b int) {
		if l.masked {
			c.VCMPPD(U8(7), l.vec[b], l.vec[a], K2, K2) // ORD_Q, under K2: clears lanes with a NaN
		} else {
			c.VCMPPD(U8(3), l.vec[b], l.vec[a], Y9) // UNORD_Q
			c.VORPD(Y9, Y8, Y8)
		}
	}
	block := acc * l.width
	shift := map[int]int{16: 4, 32: 5}[block]
	c.Comment(fmt.Sprintf("%d vectors (%d elements) per iteration.", acc, block))
	c.MOVQ(rN, rBlocks)
	c.SHRQ(U8(shift), rBlocks)
	c.JZ(LabelRef("one"))
	c.Label("loop")
	for u := 0; u < acc; u++ {
		c.VMOVUPD(Mem{Base: rX, Disp: u * vsz}, l.vec[4+u])
		op(l.vec[4+u], l.vec[u], l.vec[u])
	}
	nanCheck(4, 5)
	nanCheck(6, 7)
	advance([]Register{rX}, acc*vsz)
	c.DECQ(rBlocks)
	c.JNZ(LabelRef("loop"))
	c.Label("one")
	c.ANDQ(U32(block-1), rN)
	c.Label("oneloop")
	c.CMPQ(rN, U32(l.width))
	c.JB(LabelRef("tail"))
	c.VMOVUPD(Mem{Base: rX}, l.vec[4])
	op(l.vec[4], l.vec[0], l.vec[0])
	nanCheck(4, 4)
	advance([]Register{rX}, vsz)
	c.SUBQ(U32(l.width), rN)
	c.JMP(LabelRef("oneloop"))
	c.Label("tail")
	if l.masked {
		c.TESTQ(rN, rN)
		c.JZ(LabelRef("reduce"))
		mask(rN, K1)
		c.Comment("Masked-off lanes keep the infinity.")
		c.VMOVUPD(l.vec[infReg], Z4)
		c.VMOVUPD(Mem{Base: rX}, K1, Z4)
		op(Z4, Z1, Z1)
		nanCheck(4, 4)
		c.Label("reduce")
		c.KMOVW(K2, rTmp.As32())
		c.CMPB(rTmp.As8(), U8(0xff))
		c.JNE(LabelRef("nan"))
	} else {
		c.VPTEST(Y8, Y8)
		c.JNZ(LabelRef("nan"))
	}
	tree(l, acc, op)
	hreduce(l, op)
	sop(X1, X0, X0)
	if !l.masked {
		c.Comment("Scalar tail.")
		c.TESTQ(rN, rN)
		c.JZ(LabelRef("done"))
		c.Label("scalar")
		c.VMOVSD(Mem{Base: rX}, X1)
		c.VUCOMISD(X1, X1)
		c.JPS(LabelRef("nan"))
		sop(X1, X0, X0)
		advance([]Register{rX}, 8)
		c.DECQ(rN)
		c.JNZ(LabelRef("scalar"))
		c.Label("done")
	}
	c.VZEROUPPER()
	c.Store(X0, c.ReturnIndex(0))
	c.RET()
	c.Label("nan")
	c.VZEROUPPER()
	c.MOVQ(U64(0x7ff8000000000001), rTmp) // math.NaN()
	c.MOVQ(rTmp, X0)
	c.Store(X0, c.ReturnIndex(0))
	c.RET()
}

// triad is STREAM's triad, the bandwidth ceiling the kernels are measured
// against: the same three streams, loops and non-temporal path as Add, and
// the same instructions per vector (a load, an operation with a memory
// operand, a store), the operation being one fused multiply-add.
var triad = ew{
	name: "triad",
	sig:  "func(dst, x, y []float64, a float64)",
	doc:  "dst[i] = x[i] + a*y[i] (STREAM's triad, one FMA per element)",
	setup: func(l level) ([]Register, Register) {
		c.Load(c.Param("dst").Base(), rDst)
		c.Load(c.Param("dst").Len(), rN)
		c.Load(c.Param("x").Base(), rX)
		c.Load(c.Param("y").Base(), rY)
		broadcast(l, "a")
		return []Register{rX, rY}, rDst
	},
	body: func(o isa, v Register, src func(int) Op, _ int) {
		o.load(src(0), v)
		if o.step == 8 { // the scalar tail
			c.VFMADD231SD(src(1), o.reg(constReg), v) // v += a*y[i], rounded once
		} else {
			c.VFMADD231PD(src(1), o.reg(constReg), v)
		}
	},
	ntMin: "ntMin3",
}

// maskAbove writes g where x is above a threshold (or NaN) and +0
// elsewhere, by a compare and a bitwise and (AVX2) or a zero-masked move
// (AVX-512): a ReLU (g = x, t = 0) and its gradient without a branch.
var maskAbove = ew{
	name: "maskAbove",
	sig:  "func(dst, g, x []float64, t float64)",
	doc:  "dst[i] = g[i] where x[i] > t or x[i] is NaN, else +0 (g[i]'s bits or zero bits)",
	setup: func(l level) ([]Register, Register) {
		c.Load(c.Param("dst").Base(), rDst)
		c.Load(c.Param("dst").Len(), rN)
		c.Load(c.Param("g").Base(), rX)
		c.Load(c.Param("x").Base(), rY)
		broadcast(l, "t")
		return []Register{rX, rY}, rDst
	},
	body: func(o isa, v Register, src func(int) Op, _ int) {
		const nleUQ = 0x16 // !(x <= t): true for NaN, quiet
		thr := o.reg(constReg)
		o.load(src(1), v)
		switch o.step {
		case 8: // the scalar tail (AVX2)
			c.VCMPSD(U8(nleUQ), thr, v, v)
			c.VMOVSD(src(0), X13)
			c.VANDPD(X13, v, v)
		case 64: // AVX-512: compares give a mask register
			c.VCMPPD(U8(nleUQ), thr, v, K2)
			c.VMOVUPD_Z(src(0), K2, v)
		default:
			c.VCMPPD(U8(nleUQ), thr, v, v)
			c.VANDPD(src(0), v, v)
		}
	},
	ntMin: "ntMin3",
}

// sgdAhead is how many bytes ahead of the current position the main loop
// of sgdMomentum prefetches each of its three streams. Measured on the
// 2-vCPU AMD guest (AVX-512), SGD with momentum on the 784-512-10 MLP's
// first weight, split between the two cores right after its gradient's
// product: 256 bytes took 98 µs, 1 KiB and 4 KiB 111 µs, no prefetching
// 140 µs (one pass without prefetching; 156 µs as three passes).
const sgdAhead = 256

// sgdMomentum is the momentum step of SGD in one pass over the three
// streams: for each element the instructions, in the operand order, of
// Scal(mom, buf), then Axpy(damp, g, buf), then Axpy(negLR, buf, p), so
// that the result is theirs to the bit, NaN payloads included (a test
// checks it). The three
// passes read buf three times; from memory or a shared cache, right after
// the backward pass wrote the gradients, that and the prefetchers' late
// start made the optimizer step of an MLP the one part of a training step
// that did not gain from a second core. In the 784-512-10 MLP's training
// step at batch 256 on two threads, the optimizer step took 134-220 µs
// against 206-425 µs as three passes (6 alternations), and in the MNIST
// MLP's 34-38 µs against 40-52 µs on one thread (8 alternations).
var sgdMomentum = ew{
	name: "sgdMomentum",
	sig:  "func(p, g, buf []float64, mom, damp, negLR float64)",
	doc:  "buf[i] = damp*g[i] + mom*buf[i] (each product rounded), then p[i] += negLR*buf[i], as Scal, Axpy and Axpy would in turn,",
	setup: func(l level) ([]Register, Register) {
		c.Load(c.Param("p").Base(), rDst)
		c.Load(c.Param("p").Len(), rN)
		c.Load(c.Param("g").Base(), rX)
		c.Load(c.Param("buf").Base(), rY)
		for _, k := range []struct {
			reg  int
			name string
		}{{sgdMom, "mom"}, {sgdDamp, "damp"}, {sgdLR, "negLR"}} {
			x := l.vec[k.reg].AsX()
			c.Load(c.Param(k.name), x)
			c.VBROADCASTSD(x, l.vec[k.reg])
		}
		return []Register{rDst, rX, rY}, rDst
	},
	body: func(o isa, v Register, src func(int) Op, u int) {
		t := o.reg(4 + u)
		o.load(src(2), v)
		o.mul(o.reg(sgdMom), v, v) // buf[i]*mom, as Scal
		o.load(src(1), t)
		o.mul(o.reg(sgdDamp), t, t) // g[i]*damp, as Axpy
		o.add(v, t, v)              // the product first, as Axpy's y[i] += a*x[i]
		o.store(v, src(2))
		o.mul(o.reg(sgdLR), v, t) // buf[i]*negLR
		o.add(src(0), t, v)       // + p[i]
	},
	inout:    []int{2},
	prefetch: sgdAhead,
}

// The vector registers of sgdMomentum's broadcast constants.
const sgdMom, sgdDamp, sgdLR = 12, 13, 14

// fmaChains is the number of independent FMA dependency chains of the peak
// loop: at least latency (4 cycles) × FMA ports (2) on the cores of the
// last decade, with room to spare.
const fmaChains = 12

// genFMAPeak writes fmaPeak<level>(n): n iterations of fmaChains
// independent VFMADD231PD on full-width registers, without touching
// memory, to measure the core's peak floating-point throughput.
func genFMAPeak(l level) {
	name := "fmaPeak" + l.name
	textFunc(name, "func(n int)", fmt.Sprintf(
		"%s runs n iterations of %d independent VFMADD231PD chains (acc += 1.0 * 0.5) on %d-lane registers: %d floating-point operations per iteration, no memory traffic.",
		name, fmaChains, l.width, 2*fmaChains*l.width))
	c.Load(c.Param("n"), rN)
	const x, y = fmaChains, fmaChains + 1
	broadcastBits(l, 0x3ff0000000000000, x) // 1.0
	broadcastBits(l, 0x3fe0000000000000, y) // 0.5
	for i := 0; i < fmaChains; i++ {
		c.VXORPD(l.vec[i].AsY(), l.vec[i].AsY(), l.vec[i].AsY()) // VEX: zeroes the whole register
	}
	c.TESTQ(rN, rN)
	c.JLE(LabelRef("done"))
	c.Label("loop")
	for i := 0; i < fmaChains; i++ {
		c.VFMADD231PD(l.vec[y], l.vec[x], l.vec[i]) // acc[i] += x*y
	}
	c.DECQ(rN)
	c.JNZ(LabelRef("loop"))
	c.Label("done")
	c.VZEROUPPER()
	c.RET()
}

// genRows writes copyRows (add false) or addRows: rows rows of n
// elements, row r of src at src[r*ss:] copied to (or added into) dst[r*ds:]
// (strides in elements). Each row runs whole vectors, then a tail: scalar
// instructions at the AVX2 level, one masked vector at the AVX512 level,
// its mask set once for all rows. addRows adds as the generic loop's
// dst[t] += src[t] does, dst the first operand.
func genRows(l level, add bool) {
	name, what := "copyRows", "dst[r*ds+t] = src[r*ss+t]"
	if add {
		name, what = "addRows", "dst[r*ds+t] += src[r*ss+t]"
	}
	fn := name + l.name
	textFunc(fn, "func(dst []float64, ds int, src []float64, ss int, rows, n int)",
		fmt.Sprintf("%s sets %s for r < rows, t < n with %s instructions.", fn, what, l.name))
	rDS, rSS, rRows, rLen, rD, rS := RDX, R8, RBX, R9, R11, R12
	c.Load(c.Param("dst").Base(), rDst)
	c.Load(c.Param("src").Base(), rX)
	c.Load(c.Param("ds"), rDS)
	c.Load(c.Param("ss"), rSS)
	c.Load(c.Param("rows"), rRows)
	c.Load(c.Param("n"), rLen)
	c.SHLQ(U8(3), rDS)
	c.SHLQ(U8(3), rSS)
	c.TESTQ(rRows, rRows)
	c.JLE(LabelRef("done"))
	c.TESTQ(rLen, rLen)
	c.JLE(LabelRef("done"))
	if l.masked {
		c.Comment("The tail's mask, the same for every row.")
		c.MOVQ(rLen, rN)
		c.ANDQ(U32(l.width-1), rN)
		mask(rN, K1)
	}
	v, w := l.vec[0], l.vec[1]
	c.Label("row")
	c.MOVQ(rDst, rD)
	c.MOVQ(rX, rS)
	c.MOVQ(rLen, rN)
	c.Label("vec")
	c.CMPQ(rN, U32(l.width))
	c.JB(LabelRef("tail"))
	if add {
		c.VMOVUPD(Mem{Base: rD}, v)
		c.VADDPD(Mem{Base: rS}, v, v)
	} else {
		c.VMOVUPD(Mem{Base: rS}, v)
	}
	c.VMOVUPD(v, Mem{Base: rD})
	c.ADDQ(U32(8*l.width), rD)
	c.ADDQ(U32(8*l.width), rS)
	c.SUBQ(U32(l.width), rN)
	c.JMP(LabelRef("vec"))
	c.Label("tail")
	c.TESTQ(rN, rN)
	c.JZ(LabelRef("next"))
	if l.masked {
		if add {
			c.VMOVUPD_Z(Mem{Base: rD}, K1, v)
			c.VMOVUPD_Z(Mem{Base: rS}, K1, w)
			c.VADDPD(w, v, v)
		} else {
			c.VMOVUPD_Z(Mem{Base: rS}, K1, v)
		}
		c.VMOVUPD(v, K1, Mem{Base: rD})
	} else {
		x := v.AsX()
		c.Label("scalar")
		if add {
			c.VMOVSD(Mem{Base: rD}, x)
			c.VADDSD(Mem{Base: rS}, x, x)
		} else {
			c.VMOVSD(Mem{Base: rS}, x)
		}
		c.VMOVSD(x, Mem{Base: rD})
		c.ADDQ(U32(8), rD)
		c.ADDQ(U32(8), rS)
		c.DECQ(rN)
		c.JNZ(LabelRef("scalar"))
	}
	c.Label("next")
	c.ADDQ(rDS, rDst)
	c.ADDQ(rSS, rX)
	c.DECQ(rRows)
	c.JNZ(LabelRef("row"))
	c.Label("done")
	c.VZEROUPPER()
	c.RET()
}

func main() {
	// The build package registers avo's own flags on flag.CommandLine.
	fs := flag.NewFlagSet("gen", flag.ExitOnError)
	out := fs.String("out", ".", "directory to write vec_amd64.s and vec_amd64.go into")
	fs.Parse(os.Args[1:])
	genGemm(*out) // gemm.go: gemm_amd64.s and gemm_amd64.go

	constraint, err := buildtags.ParseConstraint("amd64,!noasm")
	if err != nil {
		log.Fatal(err)
	}
	c.Constraint(constraint)
	for _, l := range []level{avx2, avx512} {
		for _, e := range elementwise {
			genElementwise(e, l)
		}
		genSumDot(l, false)
		genSumDot(l, true)
		genMinMax(l, true)
		genMinMax(l, false)
		genElementwise(triad, l)
		genElementwise(maskAbove, l)
		genRows(l, false)
		genRows(l, true)
		genElementwise(sgdMomentum, l)
		genFMAPeak(l)
	}

	f, err := c.Result()
	if err != nil {
		log.Fatal(err)
	}
	if err := pass.Compile.Execute(f); err != nil {
		log.Fatal(err)
	}
	cfg := printer.Config{Name: "kernels/_gen/gen.go (go generate ./kernels)", Pkg: "kernels"}
	for _, o := range []struct {
		file string
		p    printer.Builder
	}{{"vec_amd64.s", printer.NewGoAsm}, {"vec_amd64.go", printer.NewStubs}} {
		b, err := o.p(cfg).Print(f)
		if err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(*out, o.file), b, 0o644); err != nil {
			log.Fatal(err)
		}
	}
	genVMath(*out)                        // vmath.go: vmath_amd64.s and vmath_amd64.go
	if err := genNEON(*out); err != nil { // neon.go: vec_arm64.s and vec_arm64.go
		log.Fatal(err)
	}
	if err := genNEONVMath(*out); err != nil { // neon_vmath.go: vmath_arm64.s and vmath_arm64.go
		log.Fatal(err)
	}
}
