//go:build generate

package main

// This file writes the GEMM micro-kernels of package kernels, in files of
// their own: gemm_amd64.s and gemm_amd64.go. It has its own avo context, so
// that the elementwise kernels (vec_amd64.*) and the micro-kernels can change
// independently.
//
// # The micro-kernels
//
// A micro-kernel multiplies a packed MR×kc panel of op(A) by a packed kc×NR
// panel of op(B) and updates an MR×NR tile of the row-major C:
//
//	for i < mr, j < nr:
//		C[i][j] = alpha·acc[i][j] + beta·C[i][j]   (alpha·acc[i][j] when beta == 0: C is not read)
//	where acc[i][j] = Σ_p a[p·MR+i]·b[p·NR+j], p = 0, 1, ..., kc-1 in order,
//	one FMA per term.
//
// Each row of the tile is held in NR/lanes accumulator registers. A step of
// p loads the NR values of row p of the B panel into registers, then for each
// row i broadcasts a[p·MR+i] (VBROADCASTSD from memory: one load, no shuffle)
// and multiplies it into the row's accumulators with VFMADD231PD. The final
// update is a VMULPD of C by beta and one VFMADD231PD of the accumulator by
// alpha (so beta == 1 adds exactly, and beta == 0 stores alpha·acc without
// reading C). Every lane is its own chain of FMAs, so a C element's value does
// not depend on the tile it was computed in, its position in that tile, or
// the tile's size.
//
//   - AVX512: an 8×24 tile in 24 ZMM accumulators (Z0–Z23); B in Z24–Z26,
//     A broadcasts rotating through Z27–Z30. It also computes partial tiles
//     (mr < 8, nr < 24): rows past mr are computed but not stored, the last
//     column vector is loaded and stored under a K1 mask from BZHI, and tiles
//     with nr ≤ 16 or nr ≤ 8 run a loop over only two or one column vectors
//     (the B panel keeps its stride of 24).
//   - AVX2: a 6×8 tile in 12 YMM accumulators (Y0–Y11), B in Y12–Y13, the
//     broadcast in Y14. Full tiles only: the caller runs partial tiles into
//     a scratch tile (alpha 1, beta 0) and updates C itself with the same
//     IEEE operations.
//
// The p loop is unrolled four times, with PREFETCHT0 of the A panel a few
// steps ahead, and the rows of C are prefetched before it.

import (
	"fmt"
	"log"
	"math/bits"
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

// gemmSig is the Go signature of every micro-kernel.
const gemmSig = "func(k int, a, b, c []float64, ldc int, alpha, beta float64, mr, nr int)"

// gemmStridedSig is the Go signature of the strided micro-kernel.
const gemmStridedSig = "func(k int, a, b, c []float64, ldc int, alpha, beta float64, mr, nr, rsa, csa, rsb int)"

// gemmGatherSig is the Go signature of the gathering micro-kernel.
const gemmGatherSig = "func(k int, a, b, c []float64, ldc int, alpha, beta float64, mr, nr, rsa, csa int, steps []int)"

// gemmUnroll is the unrolling of the p loop.
const gemmUnroll = 4

// gemmPrefetchA is how many bytes ahead of the current step the A panel is
// prefetched.
const gemmPrefetchA = 8 * 64

// Register assignment of the micro-kernels.
var (
	gK, gA, gB, gC = RCX, RSI, RDX, RDI // steps left, A panel, B panel, C tile
	gLdc           = R8                 // row stride of C in bytes
	gMr, gNr       = R9, R10            // rows and columns to store
	gIter          = RBX                // unrolled iterations left
	gRow           = R11                // current row of C
)

// gemmShape is one micro-kernel's register tile.
type gemmShape struct {
	g      *build.Context
	name   string
	mr, nr int           // tile rows and columns
	lanes  int           // float64 lanes per vector
	vec    []VecPhysical // vector registers by number
	acc    func(i, v int) VecPhysical
	bReg   func(v int) VecPhysical
	aReg   func(i int) VecPhysical
	masked bool // partial tiles handled in the kernel (AVX-512)
	// strided: A and B are read in place, with strides (see genGemm),
	// rather than from packed panels.
	strided bool
	// gather (with strided): B's rows are wherever a table of steps puts
	// them rather than rsb apart (see gen).
	gather bool
}

// Registers of the strided kernel's loop (besides gK, gIter, gB): A's row i
// at sA0 + i·rsa (i < 4) or sA4 + (i-4)·rsa.
var (
	sA0, sA4       = RSI, R12
	sRsa, sRsa3    = R13, RAX // rsa and 3·rsa, bytes
	sCsa, sRsb     = R11, R9  // column step of A, row step of B, bytes
	sPrefetchRow   = RBX
	stridedRowRegs = [4]struct {
		idx   Register
		scale uint8
	}{{nil, 0}, {sRsa, 1}, {sRsa, 2}, {sRsa3, 1}}
)

// aRow returns the address of row i of A in the strided kernel.
func aRow(i int) Mem {
	base := sA0
	if i >= 4 {
		base = sA4
	}
	r := stridedRowRegs[i%4]
	if r.idx == nil {
		return Mem{Base: base}
	}
	return Mem{Base: base, Index: r.idx, Scale: r.scale}
}

func (s gemmShape) vecs() int { return s.nr / s.lanes }

// step emits one p step at byte offsets pa, pb into the panels, over nv
// column vectors.
func (s gemmShape) step(pa, pb, nv int) {
	g := s.g
	if s.strided {
		for v := 0; v < nv; v++ {
			if v == nv-1 {
				g.VMOVUPD_Z(Mem{Base: gB, Disp: 8 * s.lanes * v}, K1, s.bReg(v)) // masked: B is not padded
			} else {
				g.VMOVUPD(Mem{Base: gB, Disp: 8 * s.lanes * v}, s.bReg(v))
			}
		}
		for i := 0; i < s.mr; i++ {
			g.VBROADCASTSD(aRow(i), s.aReg(i))
			for v := 0; v < nv; v++ {
				g.VFMADD231PD(s.bReg(v), s.aReg(i), s.acc(i, v))
			}
		}
		g.ADDQ(sCsa, sA0)
		g.ADDQ(sCsa, sA4)
		if s.gather {
			g.ADDQ(U8(8), sRsb) // the next row's step
			g.ADDQ(Mem{Base: sRsb}, gB)
			return
		}
		g.ADDQ(sRsb, gB)
		return
	}
	for v := 0; v < nv; v++ {
		g.VMOVUPD(Mem{Base: gB, Disp: pb + 8*s.lanes*v}, s.bReg(v))
	}
	for i := 0; i < s.mr; i++ {
		g.VBROADCASTSD(Mem{Base: gA, Disp: pa + 8*i}, s.aReg(i))
		for v := 0; v < nv; v++ {
			g.VFMADD231PD(s.bReg(v), s.aReg(i), s.acc(i, v)) // acc += a·b
		}
	}
}

// loop emits the p loop over nv column vectors and the C update, with labels
// suffixed by sfx.
func (s gemmShape) loop(nv int, sfx string) {
	g := s.g
	stepA, stepB := 8*s.mr, 8*s.nr
	row := gRow
	if s.strided {
		row = sPrefetchRow
		s.mask(nv, gNr, RBX, R10)
	}
	g.Comment("Prefetch the rows of C.")
	g.MOVQ(gC, row)
	for i := 0; i < s.mr; i++ {
		g.PREFETCHT0(Mem{Base: row})
		g.PREFETCHT0(Mem{Base: row, Disp: 8*s.lanes*nv - 8})
		if i < s.mr-1 {
			g.ADDQ(gLdc, row)
		}
	}
	g.Comment(fmt.Sprintf("%d steps of p per iteration.", gemmUnroll))
	g.MOVQ(gK, gIter)
	g.SHRQ(U8(2), gIter)
	g.JZ(LabelRef("rem" + sfx))
	g.Label("loop" + sfx)
	for u := 0; u < gemmUnroll; u++ {
		if s.strided {
			s.step(0, 0, nv)
			continue
		}
		g.PREFETCHT0(Mem{Base: gA, Disp: gemmPrefetchA + u*stepA})
		s.step(u*stepA, u*stepB, nv)
	}
	if !s.strided {
		g.ADDQ(U32(gemmUnroll*stepA), gA)
		g.ADDQ(U32(gemmUnroll*stepB), gB)
	}
	g.DECQ(gIter)
	g.JNZ(LabelRef("loop" + sfx))
	g.Label("rem" + sfx)
	g.ANDQ(U8(gemmUnroll-1), gK)
	g.JZ(LabelRef("update" + sfx))
	g.Label("remloop" + sfx)
	s.step(0, 0, nv)
	if !s.strided {
		g.ADDQ(U32(stepA), gA)
		g.ADDQ(U32(stepB), gB)
	}
	g.DECQ(gK)
	g.JNZ(LabelRef("remloop" + sfx))

	g.Label("update" + sfx)
	alpha, beta, tmp := s.bReg(0), s.bReg(1), s.bReg(2)
	if !s.masked {
		// Three spare registers on AVX2: the broadcast one for tmp.
		tmp = s.aReg(0)
	}
	g.Comment("alpha and beta in every lane; beta == ±0 does not read C.")
	g.VBROADCASTSD(s.param("alpha"), alpha)
	g.VBROADCASTSD(s.param("beta"), beta)
	if s.strided {
		g.Load(g.Param("mr"), gMr) // its register held rsb
	} else if s.masked {
		s.mask(nv, gNr, RAX, RBX)
	}
	g.MOVQ(s.param("beta"), RAX)
	g.SHLQ(U8(1), RAX) // drop the sign: -0 counts as 0
	for _, b0 := range []bool{false, true} {
		if b0 {
			g.Label("zero" + sfx)
		} else {
			g.JZ(LabelRef("zero" + sfx))
		}
		for i := 0; i < s.mr; i++ {
			if i > 0 {
				if s.masked {
					g.CMPQ(gMr, U8(i))
					g.JLE(LabelRef("done" + sfx))
				}
				g.ADDQ(gLdc, gC)
			}
			for v := 0; v < nv; v++ {
				dst := Mem{Base: gC, Disp: 8 * s.lanes * v}
				last := s.masked && v == nv-1
				if b0 {
					g.VMULPD(alpha, s.acc(i, v), s.acc(i, v))
					if last {
						g.VMOVUPD(s.acc(i, v), K1, dst)
					} else {
						g.VMOVUPD(s.acc(i, v), dst)
					}
					continue
				}
				if last {
					g.VMOVUPD_Z(dst, K1, tmp)
				} else {
					g.VMOVUPD(dst, tmp)
				}
				g.VMULPD(beta, tmp, tmp)               // beta·C
				g.VFMADD231PD(alpha, s.acc(i, v), tmp) // + alpha·acc, rounded once
				if last {
					g.VMOVUPD(tmp, K1, dst)
				} else {
					g.VMOVUPD(tmp, dst)
				}
			}
		}
		if !b0 {
			g.JMP(LabelRef("done" + sfx))
		}
	}
	g.Label("done" + sfx)
	g.VZEROUPPER()
	g.RET()
}

// mask sets K1 to the columns of the last of nv vectors that lie inside a
// tile of nr columns, using registers t and u.
func (s gemmShape) mask(nv int, nr, t, u GPPhysical) {
	g := s.g
	g.Comment("K1: the columns of the last vector that lie inside the tile.")
	g.MOVQ(nr, t)
	if nv > 1 {
		g.SUBQ(U8(8*(nv-1)), t)
	}
	g.MOVL(U32(0xff), u.As32())
	g.BZHIL(t.As32(), u.As32(), u.As32())
	g.KMOVW(u.As32(), K1)
}

// param returns the memory operand of the argument name.
func (s gemmShape) param(name string) Mem {
	b, err := s.g.Param(name).Resolve()
	if err != nil {
		log.Fatal(err)
	}
	return b.Addr
}

func (s gemmShape) gen() {
	g := s.g
	g.Function(s.name)
	g.Attributes(attr.NOSPLIT)
	switch {
	case s.gather:
		g.SignatureExpr(gemmGatherSig)
	case s.strided:
		g.SignatureExpr(gemmStridedSig)
	default:
		g.SignatureExpr(gemmSig)
	}
	g.Pragma("noescape")
	edges := "Only full tiles: mr and nr must be %[2]d and %[3]d."
	if s.masked {
		edges = "Partial tiles (mr <= %[2]d rows, nr <= %[3]d columns) are computed in full and stored in part."
	}
	if s.gather {
		g.Doc(fmt.Sprintf("%[1]s is gemmKernelStridedAVX512 with B's rows gathered: row 0 of B steps[0] bytes into b, row p steps[p] bytes after row p-1 (a step may be negative), of which only nr elements are read. steps holds k+1 steps: the last is read and not used.",
			s.name))
	} else if s.strided {
		g.Doc(fmt.Sprintf("%[1]s updates the mr×nr tile of C at c (row stride ldc, nr <= %[3]d) with alpha times the product of A and B read in place, plus beta times C (C unread when beta is 0): element (i, p) of A at a[i*rsa+p*csa] for i < %[2]d (all %[2]d rows are read, mr or not), row p of B at b[p*rsb:], of which only nr elements are read.",
			s.name, s.mr, s.nr))
	} else {
		g.Doc(fmt.Sprintf("%[1]s updates the %[2]d×%[3]d tile of C at c (row stride ldc) with alpha times the product of the packed panels a (k steps of %[2]d values) and b (k steps of %[3]d values), plus beta times C (C unread when beta is 0). "+edges,
			s.name, s.mr, s.nr))
	}
	g.Load(g.Param("k"), gK)
	g.Load(g.Param("a").Base(), gA)
	g.Load(g.Param("b").Base(), gB)
	g.Load(g.Param("c").Base(), gC)
	g.Load(g.Param("ldc"), gLdc)
	g.SHLQ(U8(3), gLdc)
	g.Load(g.Param("nr"), gNr)
	if s.strided {
		g.Comment("Strides in bytes; A's rows 0-3 from SI, 4-7 from R12.")
		for _, r := range []struct {
			name string
			reg  GPPhysical
		}{{"rsa", sRsa}, {"csa", sCsa}, {"rsb", sRsb}} {
			if s.gather && r.name == "rsb" {
				g.Comment("The table of steps: B moves to row 0 before the first.")
				g.Load(g.Param("steps").Base(), sRsb)
				g.ADDQ(Mem{Base: sRsb}, gB)
				continue
			}
			g.Load(g.Param(r.name), r.reg)
			g.SHLQ(U8(3), r.reg)
		}
		g.LEAQ(Mem{Base: sRsa, Index: sRsa, Scale: 2}, sRsa3)
		g.LEAQ(Mem{Base: sA0, Index: sRsa, Scale: 4}, sA4)
	} else {
		g.Load(g.Param("mr"), gMr)
	}
	g.Comment("Zero the accumulators.")
	for i := 0; i < s.mr; i++ {
		for v := 0; v < s.vecs(); v++ {
			r := s.acc(i, v)
			if s.masked {
				g.VPXORQ(r, r, r)
			} else {
				g.VXORPD(r, r, r)
			}
		}
	}
	if !s.masked {
		s.loop(s.vecs(), "")
		return
	}
	g.Comment("Narrow tiles run over fewer column vectors.")
	for nv := s.vecs(); nv > 1; nv-- {
		g.CMPQ(gNr, U8(8*(nv-1)))
		g.JG(LabelRef(fmt.Sprintf("nv%d", nv)))
	}
	g.JMP(LabelRef("nv1"))
	for nv := s.vecs(); nv >= 1; nv-- {
		g.Label(fmt.Sprintf("nv%d", nv))
		s.loop(nv, fmt.Sprintf("%d", nv))
	}
}

// genPackCopy writes packCopyAVX512, which packs kb rows of cnt contiguous
// elements (row stride ld) into rows of w (8, 16 or 24) elements, zero past
// cnt: masked loads (K1–K3, from cnt) and whole-vector stores, each row's
// lines prefetched copyAhead rows before.
func genPackCopy(g *build.Context) {
	g.Function("packCopyAVX512")
	g.Attributes(attr.NOSPLIT)
	g.SignatureExpr("func(dst, src []float64, ld, kb, cnt, w int)")
	g.Pragma("noescape")
	g.Doc("packCopyAVX512 sets dst[l*w+j] = src[l*ld+j] for l < kb, j < cnt, and 0 for cnt <= j < w, with w 8, 16 or 24 and cnt <= w, prefetching " + fmt.Sprint(copyAhead) + " rows ahead.")
	dst, src, ld, kb, cnt, w := RDI, RSI, R8, RCX, RAX, R9
	g.Load(g.Param("dst").Base(), dst)
	g.Load(g.Param("src").Base(), src)
	g.Load(g.Param("ld"), ld)
	g.SHLQ(U8(3), ld)
	g.Load(g.Param("kb"), kb)
	g.Load(g.Param("cnt"), cnt)
	g.Load(g.Param("w"), w)
	g.TESTQ(kb, kb)
	g.JZ(LabelRef("done"))
	g.Comment("K1, K2, K3: the lanes of each vector below cnt.")
	for v := 0; v < 3; v++ {
		g.MOVQ(cnt, RBX)
		if v > 0 {
			g.SUBQ(U8(8*v), RBX)
		}
		g.XORL(EDX, EDX)
		g.CMPQ(RBX, U8(0))
		g.CMOVQLT(RDX, RBX) // max(0, cnt-8v)
		g.MOVL(U32(0xff), EDX)
		g.BZHIL(EBX, EDX, EDX)
		g.KMOVW(EDX, []Op{K1, K2, K3}[v])
	}
	g.Comment(fmt.Sprintf("R10: %d rows of src in bytes, how far ahead the loop prefetches.", copyAhead))
	g.MOVQ(ld, R10)
	g.SHLQ(U8(bits.TrailingZeros(copyAhead)), R10)
	g.CMPQ(w, U8(8))
	g.JE(LabelRef("w8"))
	g.CMPQ(w, U8(16))
	g.JE(LabelRef("w16"))
	for nv := 3; nv >= 1; nv-- {
		g.Label(fmt.Sprintf("w%d", 8*nv))
		for v := 0; v < nv; v++ {
			g.PREFETCHT0(Mem{Base: src, Index: R10, Scale: 1, Disp: 64 * v})
		}
		for v := 0; v < nv; v++ {
			g.VMOVUPD_Z(Mem{Base: src, Disp: 64 * v}, []Op{K1, K2, K3}[v], []VecPhysical{Z0, Z1, Z2}[v])
		}
		for v := 0; v < nv; v++ {
			g.VMOVUPD([]VecPhysical{Z0, Z1, Z2}[v], Mem{Base: dst, Disp: 64 * v})
		}
		g.ADDQ(ld, src)
		g.ADDQ(U32(64*nv), dst)
		g.DECQ(kb)
		g.JNZ(LabelRef(fmt.Sprintf("w%d", 8*nv)))
		g.JMP(LabelRef("done"))
	}
	g.Label("done")
	g.VZEROUPPER()
	g.RET()
}

// transpose8 transposes the 8×8 block in rows r[0..7] into columns
// out[0..7] (out[c] = column c of the rows) with 24 shuffles, using t and u
// as scratch.
func transpose8(g *build.Context, r, t, u, out []VecPhysical) {
	for i := 0; i < 4; i++ {
		g.VUNPCKLPD(r[2*i+1], r[2*i], t[2*i])   // columns 0, 2, 4, 6 of rows 2i, 2i+1
		g.VUNPCKHPD(r[2*i+1], r[2*i], t[2*i+1]) // columns 1, 3, 5, 7
	}
	// u[0]: columns 0, 4 of rows 0–3; u[1]: 2, 6; u[2]: 1, 5; u[3]: 3, 7;
	// u[4..7] the same for rows 4–7.
	for h := 0; h < 2; h++ {
		for p := 0; p < 2; p++ {
			a, b := t[4*h+p], t[4*h+p+2]
			g.VSHUFF64X2(U8(0x88), b, a, u[4*h+2*p])
			g.VSHUFF64X2(U8(0xdd), b, a, u[4*h+2*p+1])
		}
	}
	cols := [4][2]int{{0, 4}, {2, 6}, {1, 5}, {3, 7}}
	for q := 0; q < 4; q++ {
		g.VSHUFF64X2(U8(0x88), u[4+q], u[q], out[cols[q][0]])
		g.VSHUFF64X2(U8(0xdd), u[4+q], u[q], out[cols[q][1]])
	}
}

// Prefetch distances of the packing kernels. A product's operands often
// come from memory or from the other core's cache (a batch the data
// loader has just written, a weight the optimizer has just updated), and
// packing reads them in short pieces: a panel of B takes 24 elements from
// each row of a row-major operand, a panel of A eight rows at a time. The
// hardware prefetchers follow those streams late, so each packing kernel
// asks with PREFETCHT0 for what it will read copyAhead rows further on
// (packCopyAVX512) or gatherAhead bytes further along each of its eight
// rows (packGather8AVX512). Measured on the 2-vCPU AMD guest (Zen 5,
// AVX-512) against no prefetching, alternated, on two threads: the
// 784-512-10 MLP's weight-gradient product at batch 256, its input x
// rewritten before each product as the loader rewrites a batch, ran at
// 175 against 166 GFLOP/s (medians of 3 runs of 28 rounds), its forward
// product unchanged (170 against 172); on warm operands its products ran
// 1-6% faster and the MNIST MLP's within ±3%; the 784-512-10 MLP's
// training step took 5% less time (median of 8 alternations; 6 faster),
// and its MNIST epoch 3% (10 alternations). Prefetching 8
// rows and 512 bytes ahead gained 3-9% less on the 784-512-10 products; 32
// rows and 2048 bytes lost up to 10% on its forward product.
const (
	copyAhead   = 16   // rows; a power of two
	gatherAhead = 1024 // bytes
)

// genPackGather8 writes packGather8AVX512, which packs the transpose of 8
// rows of kb contiguous elements (row stride ld) into kb rows of dst with
// stride w: 8×8 blocks loaded as rows, transposed in registers and stored
// as columns; a last partial block loads under a K1 mask. Each block's
// rows are prefetched gatherAhead bytes before.
func genPackGather8(g *build.Context) {
	g.Function("packGather8AVX512")
	g.Attributes(attr.NOSPLIT)
	g.SignatureExpr("func(dst, src []float64, ld, kb, w int)")
	g.Pragma("noescape")
	g.Doc("packGather8AVX512 sets dst[l*w+j] = src[j*ld+l] for j < 8, l < kb, prefetching " + fmt.Sprint(gatherAhead) + " bytes ahead in each row.")
	z := []VecPhysical{Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15,
		Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23, Z24, Z25, Z26, Z27, Z28, Z29, Z30, Z31}
	r, t, u, out := z[0:8], z[8:16], z[16:24], z[24:32]
	dst, src, ld, ld3, src4 := RDI, RSI, R8, R10, R11
	wb, wb3, dst4, blocks, rem := R9, R12, R13, RCX, RAX
	g.Load(g.Param("dst").Base(), dst)
	g.Load(g.Param("src").Base(), src)
	g.Load(g.Param("ld"), ld)
	g.SHLQ(U8(3), ld)
	g.LEAQ(Mem{Base: ld, Index: ld, Scale: 2}, ld3)
	g.LEAQ(Mem{Base: src, Index: ld, Scale: 4}, src4)
	g.Load(g.Param("w"), wb)
	g.SHLQ(U8(3), wb)
	g.LEAQ(Mem{Base: wb, Index: wb, Scale: 2}, wb3)
	g.LEAQ(Mem{Base: dst, Index: wb, Scale: 4}, dst4)
	g.Load(g.Param("kb"), rem)
	g.MOVQ(rem, blocks)
	g.SHRQ(U8(3), blocks)
	g.ANDQ(U8(7), rem)
	rows := []Mem{
		{Base: src}, {Base: src, Index: ld, Scale: 1}, {Base: src, Index: ld, Scale: 2}, {Base: src, Index: ld3, Scale: 1},
		{Base: src4}, {Base: src4, Index: ld, Scale: 1}, {Base: src4, Index: ld, Scale: 2}, {Base: src4, Index: ld3, Scale: 1},
	}
	cols := []Mem{
		{Base: dst}, {Base: dst, Index: wb, Scale: 1}, {Base: dst, Index: wb, Scale: 2}, {Base: dst, Index: wb3, Scale: 1},
		{Base: dst4}, {Base: dst4, Index: wb, Scale: 1}, {Base: dst4, Index: wb, Scale: 2}, {Base: dst4, Index: wb3, Scale: 1},
	}
	g.TESTQ(blocks, blocks)
	g.JZ(LabelRef("tail"))
	g.Label("loop")
	for i := 0; i < 8; i++ {
		m := rows[i]
		m.Disp += gatherAhead
		g.PREFETCHT0(m)
	}
	for i := 0; i < 8; i++ {
		g.VMOVUPD(rows[i], r[i])
	}
	transpose8(g, r, t, u, out)
	for c := 0; c < 8; c++ {
		g.VMOVUPD(out[c], cols[c])
	}
	g.ADDQ(U8(64), src)
	g.ADDQ(U8(64), src4)
	g.LEAQ(Mem{Base: dst, Index: wb, Scale: 8}, dst)
	g.LEAQ(Mem{Base: dst4, Index: wb, Scale: 8}, dst4)
	g.DECQ(blocks)
	g.JNZ(LabelRef("loop"))
	g.Label("tail")
	g.TESTQ(rem, rem)
	g.JZ(LabelRef("done"))
	g.MOVL(U32(0xff), EBX)
	g.BZHIL(EAX, EBX, EBX)
	g.KMOVW(EBX, K1)
	for i := 0; i < 8; i++ {
		g.VMOVUPD_Z(rows[i], K1, r[i])
	}
	transpose8(g, r, t, u, out)
	for c := 0; c < 8; c++ {
		if c > 0 {
			g.CMPQ(rem, U8(c))
			g.JLE(LabelRef("done"))
		}
		g.VMOVUPD(out[c], cols[c])
	}
	g.Label("done")
	g.VZEROUPPER()
	g.RET()
}

// genGemm writes gemm_amd64.s and gemm_amd64.go into dir.
func genGemm(dir string) {
	g := build.NewContext()
	constraint, err := buildtags.ParseConstraint("amd64,!noasm")
	if err != nil {
		log.Fatal(err)
	}
	g.Constraint(constraint)
	z := []VecPhysical{Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7, Z8, Z9, Z10, Z11, Z12, Z13, Z14, Z15,
		Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23, Z24, Z25, Z26, Z27, Z28, Z29, Z30, Z31}
	y := []VecPhysical{Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10, Y11, Y12, Y13, Y14}
	shapes := []gemmShape{
		{
			g: g, name: "gemmKernelAVX512", mr: 8, nr: 24, lanes: 8, vec: z, masked: true,
			acc:  func(i, v int) VecPhysical { return z[3*i+v] },
			bReg: func(v int) VecPhysical { return z[24+v] },
			aReg: func(i int) VecPhysical { return z[27+i%4] },
		},
		{
			g: g, name: "gemmKernelStridedAVX512", mr: 8, nr: 24, lanes: 8, vec: z, masked: true, strided: true,
			acc:  func(i, v int) VecPhysical { return z[3*i+v] },
			bReg: func(v int) VecPhysical { return z[24+v] },
			aReg: func(i int) VecPhysical { return z[27+i%4] },
		},
		{
			g: g, name: "gemmKernelGatherAVX512", mr: 8, nr: 24, lanes: 8, vec: z, masked: true, strided: true, gather: true,
			acc:  func(i, v int) VecPhysical { return z[3*i+v] },
			bReg: func(v int) VecPhysical { return z[24+v] },
			aReg: func(i int) VecPhysical { return z[27+i%4] },
		},
		{
			g: g, name: "gemmKernelAVX2", mr: 6, nr: 8, lanes: 4, vec: y,
			acc:  func(i, v int) VecPhysical { return y[2*i+v] },
			bReg: func(v int) VecPhysical { return y[12+v] },
			aReg: func(i int) VecPhysical { return y[14] },
		},
	}
	for _, s := range shapes {
		s.gen()
	}
	genPackCopy(g)
	genPackGather8(g)
	f, err := g.Result()
	if err != nil {
		log.Fatal(err)
	}
	if err := pass.Compile.Execute(f); err != nil {
		log.Fatal(err)
	}
	cfg := printer.Config{Name: "kernels/_gen/gemm.go (go generate ./kernels)", Pkg: "kernels"}
	for _, o := range []struct {
		file string
		p    printer.Builder
	}{{"gemm_amd64.s", printer.NewGoAsm}, {"gemm_amd64.go", printer.NewStubs}} {
		b, err := o.p(cfg).Print(f)
		if err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, o.file), b, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
