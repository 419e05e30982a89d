package tensor

import (
	"fmt"
	"slices"

	"github.com/adjoint-go/adjoint/kernels"
)

// Convolution, image by image. The forward pass and both gradients of a
// convolution run as one matrix product per image (and group) on the
// packed GEMM: the image's windows are unfolded (im2col) into a scratch
// buffer of [Cin·kh·kw, H'·W'] columns that stays in cache, and the
// product writes straight into the image's slice of the result, which is
// [Cout, H'·W'] in [N Cout H' W'] order already. No im2col matrix of the
// whole batch is ever made. A 1×1 kernel with stride 1 and no padding needs
// no unfolding: the image is its own columns. With a stride of 1 and one
// group, where the kernels read a product's rows in place (the AVX512
// level), the forward product does not unfold either: it reads each
// window's run of the image where it lies (see implicitForward), and the
// input gradient's columns add back into the image run by run (see
// implicitGrad).
//
// The images are cut into chunks fixed by the shapes alone, and goroutines
// claim chunks (kernels.ForEach). Each chunk's weight and bias gradients go
// to a buffer of its own and are added in chunk order at the end, so the
// results are the same for every GOMAXPROCS.

const (
	// convChunkWork is the multiply-adds a chunk of images should hold at
	// least (about 20 µs): enough to pay for claiming it.
	convChunkWork = 1 << 18
	// convMaxChunks bounds the chunks, and so the weight-gradient buffers.
	convMaxChunks = 16
)

// convGemmParallel is the multiply-adds of one image's product from which
// a batch of a single image runs its product split among goroutines
// (kernels.Gemm does from 2^24) rather than on one. A variable so that
// tests can lower it.
var convGemmParallel = 1 << 24

// convPlan is a convolution's sizes.
type convPlan struct {
	win                   Window
	n, cin, h, wd, oh, ow int
	cout, groups          int
	kk, k, kg, cog, l     int  // kh·kw, Cin·kk, k per group, Cout per group, H'·W'
	direct, serial        bool // no unfolding; images one after another
	per, chunks           int  // images per chunk, chunks
	// implicit: the forward product reads the windows where they lie (see
	// implicitForward); hp, wp are the padded image's height and width, and
	// wide the product's columns, (H'-1)·wp + W'.
	implicit     bool
	hp, wp, wide int
	// gwT: the weight gradient is computed transposed, [kg, cog] a group,
	// as the columns times gy's transpose, so that the product packs gy
	// rather than the larger columns (see planConv).
	gwT bool
}

// convImplicitWaste bounds the work an implicit forward adds: the product's
// extra columns, Cout·(wide - H'·W'), at most convImplicitWaste·H'·W'.
// Measured on the 2-vCPU AMD guest at the AVX512 level, on an image of
// LeNet-5's second convolution, unfolding cost 0.32 ns an element of the
// columns, as much as 15 of the product's multiply-adds (4.8 µs against
// 5.0 for the product); half of that leaves room for the copies the
// implicit forward makes.
const convImplicitWaste = 8

// convImplicit switches the implicit forward on (a variable so that tests
// can compare it with the unfolded one).
var convImplicit = true

func planConv(op string, x, w, b *Tensor, win Window, groups int) *convPlan {
	mustTensor(op, "input x", x)
	mustTensor(op, "weight w", w)
	x.live(op)
	w.live(op)
	shapes := [][]int{x.shape, w.shape}
	if b != nil {
		b.live(op)
		shapes = append(shapes, b.shape)
	}
	if x.Dim() != 4 || w.Dim() != 4 || groups < 1 || x.shape[1]%groups != 0 || w.shape[0]%groups != 0 ||
		w.shape[1]*groups != x.shape[1] || (b != nil && (b.Dim() != 1 || b.shape[0] != w.shape[0])) {
		bias := "no bias"
		if b != nil {
			bias = fmt.Sprintf("bias %v", b.shape)
		}
		fail(op, shapes, "input %v, weight %v, %s and groups %d do not fit: want input [N Cin H W], weight [Cout Cin/groups kh kw] with groups dividing Cin and Cout, bias [Cout] or nil", x.shape, w.shape, bias, groups)
	}
	if win.Kernel == [2]int{} {
		win.Kernel = [2]int{w.shape[2], w.shape[3]}
	}
	if win.Kernel != [2]int{w.shape[2], w.shape[3]} {
		fail(op, shapes, "window kernel %v is not the weight's %v", win.Kernel, w.shape[2:])
	}
	win, n, cin, h, wd, oh, ow := unfoldPlan(op, x, win)
	p := &convPlan{win: win, n: n, cin: cin, h: h, wd: wd, oh: oh, ow: ow, cout: w.shape[0], groups: groups}
	p.kk = win.Kernel[0] * win.Kernel[1]
	p.k, p.l = cin*p.kk, oh*ow
	p.kg, p.cog = p.k/groups, p.cout/groups
	p.direct = p.kk == 1 && win.Stride == [2]int{1, 1} && win.Padding == [2]int{}
	work := max(1, p.cout*p.kg*p.l)
	// Several images: goroutines claim them, each product on one. One
	// large image: its product splits among goroutines itself.
	p.serial = n == 1 && work >= convGemmParallel
	p.per = max((convChunkWork+work-1)/work, (n+convMaxChunks-1)/convMaxChunks, 1)
	if p.serial {
		p.per = 1
	}
	p.chunks = (n + p.per - 1) / p.per
	// Measured on the 2-vCPU AMD guest at the AVX512 level, an image's
	// weight gradient took 5.6-6.2 µs transposed against 7.4-8.9 µs at
	// LeNet-5's second convolution (kg 150, cog 16, 10×10), and 7.5-10.4
	// against 9.9-11.4 µs at its first (25, 6, 28×28). At the AVX2 level,
	// whose products all run on packed panels, a LeNet-5 training step
	// took 10-14% longer transposed: only the in-place kernel gains.
	p.gwT = p.kg >= p.cog && kernels.GemmInPlace(false, true, p.kg, p.cog, p.l)
	p.hp, p.wp = h+2*win.Padding[0], wd+2*win.Padding[1]
	p.wide = (oh-1)*p.wp + ow
	p.implicit = convImplicit && groups == 1 && !p.direct && !p.serial && win.Stride == [2]int{1, 1} &&
		p.cout*(p.wide-p.l) <= convImplicitWaste*p.l && kernels.GemmRowsInPlace(p.cout, p.wide, p.k+1)
	return p
}

// each calls fn for every chunk of images [i0, i1), on goroutines that
// claim them, or on this one when the only image's product splits among
// goroutines by itself.
func (p *convPlan) each(fn func(chunk, i0, i1 int)) {
	run := func(c int) { fn(c, c*p.per, min(p.n, (c+1)*p.per)) }
	if p.serial {
		for c := range p.chunks {
			run(c)
		}
		return
	}
	kernels.ForEach(p.chunks, run)
}

// columns returns image img's columns [k, l]: img itself when the
// convolution needs no unfolding, else its windows unfolded into cols.
func (p *convPlan) columns(img, cols []float64) []float64 {
	if p.direct {
		return img
	}
	for ch := range p.cin {
		unfoldPlane(img[ch*p.h*p.wd:(ch+1)*p.h*p.wd], cols, ch*p.kk*p.l, p.l, p.h, p.wd, p.oh, p.ow, p.win)
	}
	return cols
}

// scratch returns a pooled buffer of the columns' size for an image's
// unfolding (nil when none is needed) and the function that returns it.
func (p *convPlan) scratch() ([]float64, func()) {
	if p.direct {
		return nil, func() {}
	}
	st := newStorage(p.k*p.l, false)
	return st.data, func() { putStorage(st) }
}

// Conv2d is torch.conv2d: the cross-correlation of x [N Cin H W] with the
// weight w [Cout, Cin/groups, kh, kw], plus the bias b [Cout] (nil for
// none), giving [N Cout H' W'] with H' = (H + 2·padding - dilation·(kh-1) -
// 1)/stride + 1 (and W' alike). win gives the stride, padding and dilation
// (zero meaning PyTorch's defaults); its Kernel is the weight's (zero is
// taken as that). Each image is one matrix product per group on the packed
// GEMM, into the result directly; with a stride of 1 and one group, at the
// AVX512 level, a product that reads the image's windows where they lie
// rather than from an unfolded copy (kernels.GemmRows). It panics with an
// *Error naming Conv2d if the shapes, groups or window do not fit.
func Conv2d(x, w, b *Tensor, win Window, groups int) *Tensor {
	const op = "Conv2d"
	p := planConv(op, x, w, b, win, groups)
	out := uninit(op, []int{p.n, p.cout, p.oh, p.ow})
	xd, wdata, yd := x.contiguousData(), w.contiguousData(), out.flat()
	var bd []float64
	if b != nil {
		bd = b.contiguousData()
	}
	if p.implicit {
		p.implicitForward(xd, wdata, bd, yd)
		return out
	}
	p.each(func(_, i0, i1 int) {
		buf, done := p.scratch()
		defer done()
		for i := i0; i < i1; i++ {
			cols := p.columns(xd[i*p.cin*p.h*p.wd:(i+1)*p.cin*p.h*p.wd], buf)
			yi := yd[i*p.cout*p.l : (i+1)*p.cout*p.l]
			beta := 0.0
			if bd != nil {
				for co, v := range bd {
					kernels.Fill(yi[co*p.l:(co+1)*p.l], v)
				}
				beta = 1
			}
			for g := range p.groups {
				p.gemm(false, false, p.cog, p.l, p.kg, 1, wdata[g*p.cog*p.kg:], p.kg,
					cols[g*p.kg*p.l:], p.l, beta, yi[g*p.cog*p.l:], p.l)
			}
		}
	})
	return out
}

// implicitForward is Conv2d's forward without the unfolding, for a stride
// of 1 (see kernels.GemmRows). Each image is copied into a scratch padded
// with zeros, wp wide, in which the windows of kernel offset (i, j) of
// channel ch, taken over the padded width (wp - W' columns past each
// output row are computed and dropped), are the run of wide elements from
// ch·hp·wp + i·dh·wp + j·dw. The product of the weights with those runs,
// read in place, is the output over the padded width, whose rows are then
// copied out. The bias is one more row of the product: a row of ones after
// the image, and the bias as one more column of the weights, added last
// as the unfolded forward's C filled with it adds it, so that the two give
// the same bits.
func (p *convPlan) implicitForward(xd, wdata, bd, yd []float64) {
	k, plane := p.k, p.hp*p.wp
	lda := k
	a := wdata
	if bd != nil {
		lda = k + 1
		st := newStorage(p.cout*lda, false)
		defer putStorage(st)
		a = st.data
		for co := range p.cout {
			copy(a[co*lda:co*lda+k], wdata[co*k:(co+1)*k])
			a[co*lda+k] = bd[co]
		}
	}
	off := make([]int, lda)
	p.runStarts(off)
	if bd != nil {
		off[k] = p.cin * plane // the row of ones
	}
	padY, padX := p.win.Padding[0], p.win.Padding[1]
	p.each(func(_, i0, i1 int) {
		img := newStorage(p.cin*plane+p.wide, true) // zeros: the padding
		defer putStorage(img)
		wide := newStorage(p.cout*p.wide, false)
		defer putStorage(wide)
		pd, yw := img.data, wide.data
		if bd != nil {
			kernels.Fill(pd[p.cin*plane:], 1)
		}
		for i := i0; i < i1; i++ {
			xi := xd[i*p.cin*p.h*p.wd : (i+1)*p.cin*p.h*p.wd]
			if padY == 0 && padX == 0 {
				copy(pd, xi)
			} else {
				for ch := range p.cin {
					kernels.CopyRows(pd[ch*plane+padY*p.wp+padX:], p.wp, xi[ch*p.h*p.wd:], p.wd, p.h, p.wd)
				}
			}
			kernels.GemmRows(p.cout, p.wide, lda, 1, a, lda, pd, off, 0, yw, p.wide)
			yi := yd[i*p.cout*p.l : (i+1)*p.cout*p.l]
			for co := range p.cout {
				kernels.CopyRows(yi[co*p.l:], p.ow, yw[co*p.wide:], p.wp, p.oh, p.ow)
			}
		}
	})
}

// runStarts sets off[l], for each row l = (ch·kh + i)·kw + j of the
// unfolded columns, to where its run starts in the padded image:
// ch·hp·wp + i·dh·wp + j·dw.
func (p *convPlan) runStarts(off []int) {
	kh, kw := p.win.Kernel[0], p.win.Kernel[1]
	for ch := range p.cin {
		for i := range kh {
			for j := range kw {
				off[(ch*kh+i)*kw+j] = ch*p.hp*p.wp + i*p.win.Dilation[0]*p.wp + j*p.win.Dilation[1]
			}
		}
	}
}

// implicitGrad is the input gradient's counterpart of implicitForward, for
// an image at a time: the columns' gradient, W^T·gy, taken over the padded
// width like the forward's product (gy spread to rows wp apart, with zeros
// between them), so that kernel offset l's row of it adds into the padded
// image's gradient as one run of wide elements from that offset's start,
// instead of H' runs of W'. Measured on the 2-vCPU AMD guest in a LeNet-5
// training step (batches of 64, one thread), the kh·kw·H' runs of 10
// elements an image of the second convolution took an eighth of the step;
// with runs as wide, the step took 6.4-7.9 ms against 7.7-8.3 ms (four
// alternations). It runs where the forward reads the windows in place: at
// the AVX2 level, whose product is slower, the wider product cost more
// than the runs saved (the same step 11.4-14.7 ms against 9.7-14.5).
type implicitGrad struct {
	p            *convPlan
	gyw, gcw, gp *storage // gy widened, the columns' gradient, the padded image's
	off          []int    // the start of each kernel offset's run in the padded image
}

// implicitGradOffsets returns the runs' starts that the scratches of one
// implicit input gradient share (see runStarts).
func (p *convPlan) implicitGradOffsets() []int {
	off := make([]int, p.k)
	p.runStarts(off)
	return off
}

// init sets g up as the scratch of an implicit input gradient, for one
// goroutine's images, with the runs' starts off (implicitGradOffsets).
func (g *implicitGrad) init(p *convPlan, off []int) {
	*g = implicitGrad{p: p,
		gyw: newStorage(p.cout*p.wide, true), // zeros between the rows, never written
		gcw: newStorage(p.k*p.wide, false),
		gp:  newStorage(p.cin*p.hp*p.wp, false),
		off: off,
	}
}

// release gives the scratch back to the pool.
func (g *implicitGrad) release() {
	putStorage(g.gyw)
	putStorage(g.gcw)
	putStorage(g.gp)
}

// inputGrad sets gx, one image's input gradient, from gy, its output's.
// The runs are added kernel offset by kernel offset, each offset's over
// every channel in turn, so that a run never reads what the run just
// before it stored (a load the store buffer cannot forward).
func (g *implicitGrad) inputGrad(wdata, gy, gx []float64) {
	p := g.p
	gyw, gcw, gp := g.gyw.data, g.gcw.data, g.gp.data
	for co := range p.cout {
		kernels.CopyRows(gyw[co*p.wide:], p.wp, gy[co*p.l:], p.ow, p.oh, p.ow)
	}
	p.gemm(true, false, p.k, p.wide, p.cout, 1, wdata, p.k, gyw, p.wide, 0, gcw, p.wide)
	clear(gp)
	for ij := range p.kk {
		for ch := range p.cin {
			l := ch*p.kk + ij
			run := gp[g.off[l] : g.off[l]+p.wide]
			kernels.Add(run, run, gcw[l*p.wide:(l+1)*p.wide])
		}
	}
	padY, padX := p.win.Padding[0], p.win.Padding[1]
	plane := p.hp * p.wp
	for ch := range p.cin {
		kernels.CopyRows(gx[ch*p.h*p.wd:], p.wd, gp[ch*plane+padY*p.wp+padX:], p.wp, p.h, p.wd)
	}
}

// conv2dBackward returns the gradients of Conv2d(x, w, b, win, groups)
// given the result's gradient gy: that of x when needX, of w when needW and
// of b when needB (nil otherwise). With gwInto (a contiguous tensor of w's
// shape, or nil) w's gradient is added into it instead, and gw is nil. It
// reaches package autograd, whose Conv2d it is the fused backward of,
// through internal/bridge.
func conv2dBackward(x, w, gy *Tensor, win Window, groups int, needX, needW, needB bool, gwInto *Tensor) (gx, gw, gb *Tensor) {
	const op = "Conv2d"
	p := planConv(op, x, w, nil, win, groups)
	mustTensor(op, "gradient gy", gy)
	gy.live(op)
	if !slices.Equal(gy.shape, []int{p.n, p.cout, p.oh, p.ow}) {
		fail(op, [][]int{x.shape, w.shape, gy.shape}, "gradient of shape %v: want [%d %d %d %d]", gy.shape, p.n, p.cout, p.oh, p.ow)
	}
	xd, wdata, gyd := x.contiguousData(), w.contiguousData(), gy.contiguousData()
	var gxd, partW, partB []float64
	if needX {
		gx = uninit(op, x.shape)
		gxd = gx.flat()
	}
	wn := p.cout * p.kg
	if needW {
		st := newStorage((max(p.chunks, 1)+1)*wn, true) // a chunk's sums each, and room to untranspose
		defer putStorage(st)
		partW = st.data
	}
	if needB {
		st := newStorage(max(p.chunks, 1)*p.cout, true)
		defer putStorage(st)
		partB = st.data
	}
	plane := p.cin * p.h * p.wd
	var runs []int
	if needX && p.implicit {
		runs = p.implicitGradOffsets()
	}
	p.each(func(c, i0, i1 int) {
		var cols, gcols []float64
		if needW {
			buf, done := p.scratch()
			defer done()
			cols = buf
		}
		var wideX implicitGrad
		if runs != nil {
			wideX.init(p, runs)
			defer wideX.release()
		} else if needX && !p.direct {
			buf, done := p.scratch()
			defer done()
			gcols = buf
		}
		for i := i0; i < i1; i++ {
			gyi := gyd[i*p.cout*p.l : (i+1)*p.cout*p.l]
			if needW {
				src := p.columns(xd[i*plane:(i+1)*plane], cols)
				pw := partW[c*wn : (c+1)*wn]
				for g := range p.groups {
					if p.gwT {
						p.gemm(false, true, p.kg, p.cog, p.l, 1, src[g*p.kg*p.l:], p.l,
							gyi[g*p.cog*p.l:], p.l, 1, pw[g*p.cog*p.kg:], p.cog)
						continue
					}
					p.gemm(false, true, p.cog, p.kg, p.l, 1, gyi[g*p.cog*p.l:], p.l,
						src[g*p.kg*p.l:], p.l, 1, pw[g*p.cog*p.kg:], p.kg)
				}
			}
			if needB {
				pb := partB[c*p.cout : (c+1)*p.cout]
				for co := range pb {
					pb[co] += kernels.Sum(gyi[co*p.l : (co+1)*p.l])
				}
			}
			if runs != nil {
				wideX.inputGrad(wdata, gyi, gxd[i*plane:(i+1)*plane])
			} else if needX {
				gxi := gxd[i*plane : (i+1)*plane]
				dst := gcols
				if p.direct {
					dst = gxi
				}
				for g := range p.groups {
					p.gemm(true, false, p.kg, p.l, p.cog, 1, wdata[g*p.cog*p.kg:], p.kg,
						gyi[g*p.cog*p.l:], p.l, 0, dst[g*p.kg*p.l:], p.l)
				}
				if !p.direct {
					clear(gxi)
					for ch := range p.cin {
						foldPlane(gcols, gxi[ch*p.h*p.wd:(ch+1)*p.h*p.wd], ch*p.kk*p.l, p.l, p.h, p.wd, p.oh, p.ow, p.win)
					}
				}
			}
		}
	})
	if needW {
		sumChunks(partW, wn, p.chunks)
		if p.gwT {
			partW = p.untranspose(partW[:wn], partW[wn:])
		}
		if gwInto != nil {
			kernels.Add(gwInto.flat(), gwInto.flat(), partW[:wn])
		} else {
			gw = uninit(op, w.shape)
			copy(gw.flat(), partW[:wn])
		}
	}
	if needB {
		sumChunks(partB, p.cout, p.chunks)
		gb = uninit(op, []int{p.cout})
		copy(gb.flat(), partB[:p.cout])
	}
	return gx, gw, gb
}

// untranspose writes into dst, and returns, the weight gradient held
// transposed in gwt (see convPlan.gwT): for each group, [kg, cog] becomes
// [cog, kg].
func (p *convPlan) untranspose(gwt, dst []float64) []float64 {
	n := p.cog * p.kg
	for g := range p.groups {
		for co := range p.cog {
			row := dst[g*n+co*p.kg : g*n+(co+1)*p.kg]
			for l := range row {
				row[l] = gwt[g*n+l*p.cog+co]
			}
		}
	}
	return dst[:p.groups*n]
}

// sumChunks adds the chunks' partial sums part[c·size : (c+1)·size] into
// the first, in chunk order.
func sumChunks(part []float64, size, chunks int) {
	for c := 1; c < chunks; c++ {
		kernels.Add(part[:size], part[:size], part[c*size:(c+1)*size])
	}
}

// gemm is kernels.Gemm for the convolution's products: on one goroutine
// when goroutines share the images, split when one image has them all.
func (p *convPlan) gemm(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	if p.serial {
		kernels.Gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	kernels.GemmSerial(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
