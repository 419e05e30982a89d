package kernels

import (
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/adjoint-go/adjoint/device"
	"github.com/adjoint-go/adjoint/internal/gcwatch"
)

// gemmArgs is one checked call of Gemm with m, n, k > 0 and alpha != 0.
type gemmArgs struct {
	transA, transB bool
	m, n, k        int
	alpha          float64
	a              []float64
	lda            int
	b              []float64
	ldb            int
	beta           float64
	// bias, when not nil (with beta 1), is the row C is filled with before
	// the product is added: by each goroutine for its own part of C, see
	// fillBias.
	bias   []float64
	c      []float64
	ldc    int
	serial bool // on the calling goroutine only (GemmSerial)
}

// fillBias sets rows [i0, i1) and columns [j0, j1) of C to the bias row,
// if the product has one: the first thing a goroutine does with its part
// of C (GemmBias).
func (g *gemmArgs) fillBias(i0, i1, j0, j1 int) {
	if g.bias == nil {
		return
	}
	row := g.bias[j0:j1]
	for i := i0; i < i1; i++ {
		copy(g.c[i*g.ldc+j0:i*g.ldc+j1], row)
	}
}

// opA returns element (i, l) of op(A).
func (g *gemmArgs) opA(i, l int) float64 {
	if g.transA {
		return g.a[l*g.lda+i]
	}
	return g.a[i*g.lda+l]
}

// gemmKernel is one level's micro-kernel and the blocking it runs with.
type gemmKernel struct {
	mr, nr int // register tile: rows and columns of C
	// edges: fn computes partial tiles (mr < MR or nr < NR) itself; if
	// false, the driver runs them into a scratch tile.
	edges bool
	// fn sets the mr×nr tile of C at c (row stride ldc) to alpha·acc +
	// beta·C (alpha·acc, C unread, when beta == 0), where acc[i][j] is the
	// sum over p < k, in order, of a[p·MR+i]·b[p·NR+j].
	fn func(k int, a, b, c []float64, ldc int, alpha, beta float64, mr, nr int)
	// packCopy packs rows (see the Go packCopy, the default); gather8, if
	// not nil, replaces the Go loop of packGather on blocks of eight rows.
	packCopy func(dst, src []float64, ld, kb, cnt, w int)
	gather8  func(dst, src []float64, ld, kb, w int)
	// strided, if not nil, is fn reading A and B in place: element (i, p)
	// of A at a[i·rsa+p·csa] (all MR rows are read), row p of B at
	// b[p·rsb:] (nr elements read); see gemmInPlace.
	strided func(k int, a, b, c []float64, ldc int, alpha, beta float64, mr, nr, rsa, csa, rsb int)
	// gather, if not nil, is strided with row p of B steps[p] bytes after
	// row p-1 (row 0 steps[0] bytes into b; steps[k] is read, not used):
	// see GemmRows.
	gather     func(k int, a, b, c []float64, ldc int, alpha, beta float64, mr, nr, rsa, csa int, steps []int)
	kc, mc, nc int // block sizes: see gemmBlocking
}

// gemmSmall is the m·n·k at and below which a product runs on plain loops
// rather than packed panels, at levels without an in-place micro-kernel.
const gemmSmall = 256

// gemmInPlaceMax is the m·n·k up to which a product runs on the in-place
// micro-kernel (gemmInPlace) where the level has one. Measured at the
// AVX512 level against the packed path: 5 times faster at 8³, 1.3 times at
// 64³, 5% at 128³, even at 256³. With B transposed (which the in-place
// path packs, part by part when it splits), nine shapes from 2·10⁶ to
// 8.4·10⁶ ran 0-20% faster on one goroutine and 5-40% on two (a
// layer's forward product, 64×784·784×128, 5% and 16%); above, shapes
// with deep k lost (16×8192·8192×256 1.4 times slower), so the limit is
// the same for both layouts. (A variable so that tests can switch the
// in-place path off.)
var gemmInPlaceMax = 1 << 23

// gemmPath is how Gemm computes a product with m, n > 1.
type gemmPath int

const (
	pathLoops   gemmPath = iota // gemmSmallLoops
	pathInPlace                 // gemmInPlace
	pathPacked                  // gemmPacked
)

// choosePath returns the path for a product, from its dimensions and the
// level's kernels alone.
//
// Plain loops run products with at most half a micro-tile of rows (the
// micro-kernel would compute mostly padding) when one operand can be read
// along contiguous rows, and at levels without an in-place kernel, products
// with m·n·k at most gemmSmall; at the AVX512 level, whose in-place kernel
// reads A where it is, only those with B transposed (which the in-place
// path would pack). Measured at the AVX512 level: 2×100×100 1.9 times
// faster on the loops with B transposed, 1.6 times slower without; at the
// AVX2 level, 4×64×64 1.4 times faster on the loops.
func choosePath(kern *gemmKernel, g *gemmArgs) gemmPath {
	work := g.m * g.n * g.k
	flat := 2*g.m <= kern.mr && !(g.transA && g.transB)
	if kern.strided == nil {
		if work <= gemmSmall || flat {
			return pathLoops
		}
		return pathPacked
	}
	switch {
	case flat && g.transB:
		return pathLoops
	case work <= gemmInPlaceMax:
		return pathInPlace
	}
	return pathPacked
}

// gemmParallelMin is the m·n·k from which Gemm splits the product among
// goroutines, and gemmParallelGrain the least m·n·k each of them gets.
// With the helpers awake (see team.go), measured on the 2-vCPU KVM guest
// with the other core idle (medians of 15 alternated runs), two goroutines
// ran an MNIST MLP's 64×128×784 product (6.4·10⁶, packed) 1.58 times as
// fast as one, its weight gradient's 128×784×64 (in place) 1.41 times,
// 64×64×1024 (in place) 1.76 times and 512×784×256 1.85 times. (Variables
// only so that tests can lower them.)
var (
	gemmParallelMin   = 1 << 20
	gemmParallelGrain = 1 << 19
)

// gemmBlocking returns the block sizes for an mr×nr micro-kernel on a CPU
// with the given cache sizes (bytes; 0 if unknown).
//
//   - kc, the depth of a k block, makes one mr×kc micro-panel of A fill half
//     of the L1 data cache (384 for the 8×24 kernel and 48 KiB). A deep block
//     means C is loaded and stored less often; measured here, kc from 256 to
//     512 ran within a few per cent of one another and 128 about 10% slower.
//   - mc, the rows of a packed A block, makes the block (mc×kc) a quarter of
//     the L2: it stays there while the kc×nr micro-panels of B pass through.
//   - nc, the columns of a packed B block, is bounded by a quarter of the L3
//     (kc×nc) and by 4096, which keeps the buffers modest.
//
// Unknown sizes count as 32 KiB, 1 MiB and 8 MiB.
func gemmBlocking(mr, nr, l1, l2, l3 int) (kc, mc, nc int) {
	if l1 <= 0 {
		l1 = 32 << 10
	}
	if l2 <= 0 {
		l2 = 1 << 20
	}
	if l3 <= 0 {
		l3 = 8 << 20
	}
	kc = l1 / 2 / (8 * mr)
	kc = min(max(kc&^7, 64), 512)
	mc = l2 / 4 / (8 * kc)
	mc = min(max(mc/mr*mr, mr), 64*mr)
	nc = l3 / 4 / (8 * kc)
	nc = min(max(nc/nr*nr, nr), 4096/nr*nr)
	return kc, mc, nc
}

func newGemmKernel(mr, nr int, edges bool, fn func(k int, a, b, c []float64, ldc int, alpha, beta float64, mr, nr int)) *gemmKernel {
	g := &gemmKernel{mr: mr, nr: nr, edges: edges, fn: fn, packCopy: packCopy}
	cpu := device.CPU()
	g.kc, g.mc, g.nc = gemmBlocking(mr, nr, cpu.L1D, cpu.L2, cpu.L3)
	return g
}

// gemmBuf holds one goroutine's packing buffers, 64-byte aligned.
type gemmBuf struct {
	a, b, t []float64
	mem     []float64
	steps   []int // GemmRows's table of steps (see gemmGathered)
	cpu     int   // the CPU that last gave it back to the stack (cheapCPU), or -1
}

// The packing buffers of products computed on their callers' goroutines
// (a helper keeps its own, see bufferFor) come from a stack that the
// garbage collector does not empty, with a sync.Pool behind it for what
// the stack has no room for. A sync.Pool alone missed in two ways that a
// training loop paid for with a fresh buffer (936 KB for the MNIST MLP's
// products), zeroed and faulted in: a Put lands in the running P's private
// slot, which a Get from another P never sees, so a caller that the
// scheduler moved between Ps (as on a busy machine) missed; and a
// collection every few steps emptied it. As with package tensor's storage,
// the stack still pins nothing for good: a collection that finds it
// untouched since the one before moves it into the sync.Pool.
var (
	gemmKept struct {
		mu   sync.Mutex
		list []*gemmBuf
		used bool // a buffer was taken or given since the last collection
	}
	gemmPool sync.Pool
)

// gemmKeepMax bounds the buffers on the stack: two for each goroutine that
// can run at once.
func gemmKeepMax() int { return 2 * runtime.GOMAXPROCS(0) }

func init() { gcwatch.After(gemmAfterGC) }

// getGemmBuf returns a buffer, from the stack or the pool where either has
// one, with room for na, nb and nt elements. The caller gives it back
// with putGemmBuf. From the stack it takes the buffer pickGemmBuf chooses,
// which it grows if it has too little room.
func getGemmBuf(na, nb, nt int) *gemmBuf {
	k := &gemmKept
	var buf *gemmBuf
	cpu := cheapCPU()
	k.mu.Lock()
	if n := len(k.list); n > 0 {
		i := pickGemmBuf(k.list, na, nb, nt, cpu)
		buf = k.list[i]
		copy(k.list[i:], k.list[i+1:])
		k.list[n-1] = nil
		k.list = k.list[:n-1]
		k.used = true
	}
	k.mu.Unlock()
	if buf == nil {
		buf, _ = gemmPool.Get().(*gemmBuf)
	}
	return buf.fit(na, nb, nt)
}

// pickGemmBuf returns the index in list (not empty) of the buffer that
// getGemmBuf takes for a goroutine on CPU cpu (-1 if unknown): the newest
// with room that this CPU gave back last, or else the newest with room,
// or else the newest, which getGemmBuf grows. Products of different
// shapes share the buffers (an in-place part is as wide as the split
// leaves it, the whole product when the machine is busy), and taking the
// newest regardless grew one buffer after another to the largest shape.
// The CPU comes first because goroutines on two cores that each compute
// whole products at once (a convolution's images, a batched product's
// matrices, the products inside ParallelParts' parts) would otherwise
// take turns with the same buffers, and a core that packs into lines the
// other core wrote waits for each of them: measured on the 2-vCPU KVM
// guest with its vCPUs far apart, each of two such 64×64×784 products
// (one per core, run at once, over and over) took 69-102 µs with the
// buffers taken in turns (five runs) and 66-76 µs with each core keeping
// its own (three runs), against 61-75 µs for one alone.
func pickGemmBuf(list []*gemmBuf, na, nb, nt, cpu int) int {
	pick := -1
	for j := len(list) - 1; j >= 0; j-- {
		if b := list[j]; cap(b.a) >= na && cap(b.b) >= nb && cap(b.t) >= nt {
			if cpu < 0 || b.cpu == cpu {
				return j
			}
			if pick < 0 {
				pick = j
			}
		}
	}
	if pick < 0 {
		return len(list) - 1
	}
	return pick
}

// putGemmBuf gives back a buffer from getGemmBuf.
func putGemmBuf(buf *gemmBuf) {
	buf.cpu = cheapCPU()
	k := &gemmKept
	k.mu.Lock()
	ok := len(k.list) < gemmKeepMax()
	if ok {
		k.list = append(k.list, buf)
		k.used = true
	}
	k.mu.Unlock()
	if !ok {
		gemmPool.Put(buf)
	}
}

// gemmAfterGC runs after every garbage collection: if nothing used the
// stack since the previous one, its buffers move to the sync.Pool, which
// frees what nobody takes back.
func gemmAfterGC() {
	k := &gemmKept
	k.mu.Lock()
	var list []*gemmBuf
	if !k.used {
		list, k.list = k.list, nil
	}
	k.used = false
	k.mu.Unlock()
	for _, buf := range list {
		gemmPool.Put(buf)
	}
}

// gemmBuf returns the helper's own buffer, with room for na, nb and nt
// elements.
func (w *worker) gemmBuf(na, nb, nt int) *gemmBuf {
	w.buf = w.buf.fit(na, nb, nt)
	return w.buf
}

// fit returns buf (a new buffer if nil) with room for na, nb and nt
// elements, reallocated if it has less.
func (buf *gemmBuf) fit(na, nb, nt int) *gemmBuf {
	if buf == nil {
		buf = &gemmBuf{cpu: -1}
	}
	if cap(buf.a) < na || cap(buf.b) < nb || cap(buf.t) < nt {
		na, nb, nt = max(na, cap(buf.a)), max(nb, cap(buf.b)), max(nt, cap(buf.t))
		ra, rb := (na+7)&^7, (nb+7)&^7
		buf.mem = make([]float64, ra+rb+nt+8)
		off := 0
		if r := uintptr(unsafe.Pointer(&buf.mem[0])) & 63; r != 0 {
			off = int(64-r) / 8
		}
		m := buf.mem[off:]
		buf.a, buf.b, buf.t = m[:na:na], m[ra:ra+nb:ra+nb], m[ra+rb:ra+rb+nt:ra+rb+nt]
	}
	return buf
}

// gemmPackLimit bounds, in elements, a packed block of B: all of op(B)'s k
// rows by as many columns as fit (at least one NR panel, at most nc).
const gemmPackLimit = 4 << 20

// gemmPlan is how a product is cut into blocks; it depends on the
// dimensions and the kernel only, never on the number of goroutines.
type gemmPlan struct {
	kern    *gemmKernel
	mr, nr  int // the kernel's tile
	mc      int // the kernel's mc
	kc      int // depth of a k block
	kblocks int // number of k blocks
	nc      int // columns of B packed at once (a multiple of NR)
	ncb     int // room per k block in the packed B: min(nc, n) rounded up to NR
}

func newGemmPlan(kern *gemmKernel, m, n, k int) gemmPlan {
	MR, NR := kern.mr, kern.nr
	p := gemmPlan{kern: kern, mr: MR, nr: NR, mc: kern.mc}
	// k blocks as deep as kc allows, of equal depth (to a multiple of 8) so
	// that none is a thin remainder.
	p.kblocks = (k + kern.kc - 1) / kern.kc
	p.kc = min(kern.kc, ((k+p.kblocks-1)/p.kblocks+7)&^7)
	p.nc = min(kern.nc, max(NR, gemmPackLimit/(p.kblocks*p.kc)/NR*NR))
	p.ncb = min(p.nc, (n+NR-1)/NR*NR)
	return p
}

// gemmPacked runs a product on the packed path, on one goroutine or several.
//
// On one goroutine the loops are BLIS's, outside in: blocks of nc columns of
// C; the k blocks, packing kc×nc of op(B) each; blocks of mc rows, packing
// mc×kc of op(A) each; the macro-kernel. Several goroutines each compute
// one part of C that way (gemmParallel).
func gemmPacked(kern *gemmKernel, g *gemmArgs) {
	p := newGemmPlan(kern, g.m, g.n, g.k)
	gemmSplit(kern, &p, g)
}

// gemmSplit computes a product on the packed path (p.serial) or, with p
// nil, the in-place one (gemmInPlacePart), on one goroutine or, when it is large
// enough and the machine has cores free, on several, one part of C each:
// a run of whole MR-row panels, or a run of columns at whole cache lines
// when B is transposed (so that a run of C's columns reads a contiguous
// part of B, a layer's weight), when m is too small, or when k is below
// gemmColumnsK. See gemmPartsJob.
// Which path runs depends on the product's shape alone (choosePath), never
// on the split: the two sum over k in different orders (the packed path
// by k blocks), so that choosing by the split would make the bits depend
// on GOMAXPROCS and the machine's load.
func gemmSplit(kern *gemmKernel, p *gemmPlan, g *gemmArgs) {
	workers := 1
	var t0 int64 // for a split trial (see trialState)
	var key uint64
	if work := g.m * g.n * g.k; work >= gemmParallelMin && !g.serial {
		t0, key = trial.timing(), gemmTrialKey(g)
		if helpersFree() && splitting() && trial.splits(key) {
			workers = min(runtime.GOMAXPROCS(0), work/gemmParallelGrain)
		}
	}
	if t0 != 0 {
		defer func() { trial.record(key, workers > 1, t0, teamNow()) }()
	}
	switch {
	case workers > 1 && (g.transB || g.m < 2*workers*kern.mr || g.k < gemmColumnsK) && g.n >= 8*workers:
		gemmParallel(kern, p, *g, workers, false)
	case workers > 1 && g.m >= 2*kern.mr:
		gemmParallel(kern, p, *g, min(workers, g.m/kern.mr), true)
	case p == nil:
		g.fillBias(0, g.m, 0, g.n)
		gemmInPlacePart(kern, nil, g, 0, g.m, 0, g.n)
	default:
		g.fillBias(0, g.m, 0, g.n)
		p.serial(nil, g, 0, g.m, 0, g.n)
	}
}

// gemmColumnsK is the depth below which a split product is cut into runs
// of columns even where runs of rows would do: a shallow product (a
// layer's input gradient g·W, k its outputs) mostly writes C, and
// measured on the 2-vCPU KVM guest with its vCPUs far apart (a cache
// line's round trip about 440 ns), runs of rows made two goroutines
// slower than one (256×512×10: 60 µs on one, 97 µs on two by rows, 41 µs
// by columns; 128×1024×10: 62, 92 and 37 µs; 256×512×32: 116, 114 and
// 70 µs), while at k = 64 the two cuts ran within 5% of each other. With
// the vCPUs near (about 160 ns), columns were as fast or faster too
// (256×512×10: 35 µs by rows, 31 µs by columns; 128×1024×10: 35-37 and
// 31 µs).
const gemmColumnsK = 64

// serial computes rows [i0, i1) and columns [j0, j1) of C on this
// goroutine, with a buffer from the pool or, on a helper (w not nil), the
// helper's own.
func (p *gemmPlan) serial(w *worker, g *gemmArgs, i0, i1, j0, j1 int) {
	buf := p.buffer(w)
	if w == nil {
		defer putGemmBuf(buf)
	}
	for jc := j0; jc < j1; jc += p.nc {
		nb := min(p.nc, j1-jc)
		for b := 0; b < p.kblocks; b++ {
			l0 := b * p.kc
			packB(p.kern, buf.b, buf.t, g, l0, jc, min(p.kc, g.k-l0), nb)
			p.block(buf, buf.b, g, b, i0, i1, jc, nb)
		}
	}
}

// buffer returns packing buffers for the plan: the helper's own (w not
// nil), or one from the pool, which the caller puts back.
func (p *gemmPlan) buffer(w *worker) *gemmBuf {
	return bufferFor(w, p.mc*p.kc, p.kc*p.ncb, max(p.mr*p.nr, gatherScratch))
}

// bufferFor returns packing buffers with room for na, nb and nt elements:
// the helper's own (w not nil), or one from getGemmBuf, which the caller
// gives back with putGemmBuf. A helper's own stays in its core's cache
// from one product to the next; one from the shared stack would as often
// be the caller's last, whose lines the helper's writes then take from
// the other core: measured on the 2-vCPU KVM guest with its vCPUs far
// apart, the MNIST MLP's step on two threads took 220-232 µs with the
// helper's in-place parts packing into the stack's buffers, against 212-215
// µs with its own.
func bufferFor(w *worker, na, nb, nt int) *gemmBuf {
	if w != nil {
		return w.gemmBuf(na, nb, nt)
	}
	return getGemmBuf(na, nb, nt)
}

// mcPanels is the MR panels of rows in an mc block.
func (p *gemmPlan) mcPanels() int { return max(1, p.mc/p.mr) }

// oneBlockOfB reports whether all of op(B) (k×n) is one packed block: one
// k block and one block of nc columns.
func (p *gemmPlan) oneBlockOfB(n, k int) bool { return p.kblocks == 1 && n <= p.nc }

// block adds k block b of the product to rows [i0, i1) and columns [j0,
// j0+nb) of C, from that block of B packed in bpk (by packB), packing A into
// buf.a, mc rows at a time; buf.t is scratch. C is scaled by beta with the
// first k block.
func (p *gemmPlan) block(buf *gemmBuf, bpk []float64, g *gemmArgs, b, i0, i1, j0, nb int) {
	l0 := b * p.kc
	kb := min(p.kc, g.k-l0)
	beta := g.beta
	if b > 0 {
		beta = 1
	}
	for ic := i0; ic < i1; ic += p.mc {
		mb := min(p.mc, i1-ic)
		packA(p.kern, buf.a, buf.t, g, ic, l0, mb, kb)
		gemmMacro(p.kern, buf.a, bpk, buf.t, kb, mb, nb, g.alpha, beta, g.c[ic*g.ldc+j0:], g.ldc)
	}
}

// gemmParallel runs a product on the caller and up to parts-1 helpers,
// C cut into parts runs of rows (byRows) or of columns. Each goroutine
// computes its part like a product of its own: it packs the blocks of A
// and B that its part reads into its own buffers, so that nothing one core
// writes is read by another until the product is done. That packs the
// shared operand (B for runs of rows, A for runs of columns) once per
// part, which costs little next to the part's product, and it saves
// moving packed blocks between cores, which cost more than the split
// saved on the project's KVM guests (a cache line moved between its two
// vCPUs in about 200 ns).
//
// Each goroutine works first on the part numbered like its CPU (see
// splitClaims), so a part goes to the same core in every product of the
// same shape: a layer's forward product, its weight's gradient, the
// gradient's ZeroGrad and the optimizer's update of it (see ParallelParts)
// each find their part of the data in the cache of the core that last
// wrote it. On the in-place path (p nil), which packs no shared operand,
// each part is cut further into chunks of whole MR panels of rows or NR
// panels of columns (up to gemmChunks, of at least gemmChunkMin work), and
// a goroutine done with its own part takes chunks from the back of the
// other's. Measured on the 2-vCPU KVM guest with its vCPUs far apart, one
// vCPU ran its part of an MNIST MLP's products 20-40% slower than the
// other for seconds at a time, and the faster one then waited 14-26 µs
// for it in each product; with chunks, the weight gradient's wait (chunks
// of one panel of rows) fell to a median under 1 µs, and the forward
// product's (one panel of columns, the least) to 7-11 µs. On the packed
// path, a run of rows whose op(B) is one packed block (a wide layer's
// weight gradient) is cut into chunks of whole mc blocks, and each
// goroutine packs B once for all the chunks it computes: 1024×784×128
// (Aᵀ) on two threads, alternated with whole parts on a noisy host, took
// 1136-1248 µs against 1262-1300 µs. Other parts on the packed path stay
// whole, since each chunk would pack the shared operand again. No
// element's arithmetic depends on the part or chunk it is in, so the
// result is the same for any number of goroutines.
func gemmParallel(kern *gemmKernel, p *gemmPlan, g gemmArgs, parts int, byRows bool) {
	if gemmSplits != nil {
		gemmSplits.Add(1)
	}
	splitCount.n.Add(1)
	parts = min(parts, 64)
	per := 1
	switch {
	case p == nil:
		panels := (g.m + kern.mr - 1) / kern.mr / parts
		if !byRows {
			panels = (g.n/parts + kern.nr - 1) / kern.nr
		}
		per = min(gemmChunks, max(1, panels), max(1, g.m*g.n*g.k/(parts*gemmChunkMin)))
	case byRows && p.oneBlockOfB(g.n, g.k):
		// Chunks of whole mc blocks of rows (see run), so that every
		// micro-panel of the kept B still serves a whole block of A.
		home := ((g.m+kern.mr-1)/kern.mr + parts - 1) / parts
		per = min(gemmChunks, (home+p.mcPanels()-1)/p.mcPanels())
	}
	job := &gemmPartsJob{kern: kern, args: g, byRows: byRows, start: teamNow()}
	job.g = &job.args
	if p != nil {
		job.planOf = *p
		job.plan = &job.planOf
	}
	job.claims.init(parts, per)
	offered := offer(job, &job.slot, parts-1, false)
	job.work(nil, job.claims.home(true))
	withdraw(&job.slot, offered)
	job.claims.join(job.start)
}

// splitCount counts the products split among goroutines (see GemmSplits),
// on lines of its own: only callers of splits write or read it.
var splitCount struct {
	_ [64]byte
	n atomic.Uint64
	_ [64]byte
}

// GemmSplits returns the number of products this process has split among
// goroutines so far. A caller that compares it before and after a product
// learns whether that product split (or, rarely, another goroutine's did
// meanwhile): package tensor uses it to tell the pool which buffers a
// split read (see GemmSplitSize).
func GemmSplits() uint64 { return splitCount.n.Load() }

// GemmSplitSize reports whether an m×n×k product is large enough that Gemm
// may split it among goroutines (whether it does also depends on
// GOMAXPROCS and the machine's load when it runs). Package tensor asks it
// before allocating a product's output, to take from its pool a buffer
// whose lines a split left in both cores' caches (see GemmSplits).
func GemmSplitSize(m, n, k int) bool {
	return float64(m)*float64(n)*float64(k) >= float64(gemmParallelMin)
}

// gemmSplits, when a test sets it, counts the products split among
// goroutines. (A pointer read at each split, not a counter written, so
// that no line a split writes can be one that the other core reads.)
var gemmSplits *atomic.Int64

const (
	// gemmChunks is the most chunks a part of a split product on the
	// in-place path is cut into.
	gemmChunks = 8
	// gemmChunkMin is the least work (m·n·k) of such a chunk.
	gemmChunkMin = 1 << 18
)

// gemmPartsJob is a product whose goroutines claim chunks of C.
type gemmPartsJob struct {
	slot   teamSlot
	kern   *gemmKernel
	plan   *gemmPlan // nil: the parts run on the in-place path (gemmInPlacePart); else &planOf
	g      *gemmArgs // &args
	byRows bool
	start  int64 // when the caller began (teamNow), for timing waits
	claims splitClaims
	// The job's own copies of the product and its plan, in the job's
	// allocation: a split allocates once, and its caller's arguments stay
	// on the caller's stack (at the AVX2 level, five of an MNIST MLP step's
	// 65 allocations were plans of products that did not split).
	args   gemmArgs
	planOf gemmPlan
}

// help is work on a helper. Until it has claimed a chunk it touches
// nothing but the claims, since the caller may have returned.
func (job *gemmPartsJob) help(w *worker) { job.work(w, job.claims.home(false)) }

// work claims and computes chunks, from part h first, until none is left.
func (job *gemmPartsJob) work(w *worker, h int) {
	var kept *gemmBuf // B packed for the packed path's chunks of rows
	for c := job.claims.claim(h); c >= 0; c = job.claims.claim(h) {
		job.run(w, c, &kept)
		job.claims.finish(c)
	}
	if kept != nil && w == nil {
		putGemmBuf(kept)
	}
}

// run computes chunk c of C: a run of whole MR panels of rows, or of
// columns from a whole cache line (a part's start) by whole NR panels.
// A chunk of rows on the packed path whose B is one block (see
// oneBlockOfB) uses the packed B in *kept, packing it there first if the
// goroutine has none yet: its chunks all read the same B.
func (job *gemmPartsJob) run(w *worker, c int, kept **gemmBuf) {
	g, mr, nr := job.g, job.kern.mr, job.kern.nr
	parts, per := len(job.claims.runs), job.claims.per
	part, i := c/per, c%per
	i0, i1, j0, j1 := 0, g.m, 0, g.n
	p := job.plan
	reuseB := p != nil && job.byRows && p.oneBlockOfB(g.n, g.k)
	switch {
	case reuseB:
		// Whole mc blocks from the part's start, as the part on one
		// goroutine would block it: a chunk's last block of fewer rows
		// would stream all of the kept B for them.
		mp := (g.m + mr - 1) / mr
		a, b := mp*part/parts, mp*(part+1)/parts
		mcp := p.mcPanels()
		step := ((b-a+per-1)/per + mcp - 1) / mcp * mcp
		i0, i1 = min(b, a+i*step)*mr, min(g.m, min(b, a+(i+1)*step)*mr)
	case job.byRows:
		mp := (g.m + mr - 1) / mr
		a, b := mp*part/parts, mp*(part+1)/parts
		i0, i1 = (a+(b-a)*i/per)*mr, min(g.m, (a+(b-a)*(i+1)/per)*mr)
	default:
		pj0, pj1 := g.n*part/parts&^7, g.n
		if part+1 < parts {
			pj1 = g.n * (part + 1) / parts &^ 7
		}
		np := (pj1 - pj0 + nr - 1) / nr
		j0, j1 = pj0+np*i/per*nr, min(pj1, pj0+np*(i+1)/per*nr)
	}
	if i0 >= i1 || j0 >= j1 {
		return
	}
	g.fillBias(i0, i1, j0, j1)
	switch {
	case p == nil:
		gemmInPlacePart(job.kern, w, g, i0, i1, j0, j1)
	case reuseB:
		buf := *kept
		if buf == nil {
			buf = p.buffer(w)
			packB(p.kern, buf.b, buf.t, g, 0, 0, g.k, g.n)
			*kept = buf
		}
		p.block(buf, buf.b, g, 0, i0, i1, 0, g.n)
	default:
		p.serial(w, g, i0, i1, j0, j1)
	}
}

// gemmMacro multiplies the packed mb×kb block of A by the packed kb×nb block
// of B into C, one micro-kernel call per tile: each micro-panel of B is
// used by every micro-panel of A in turn (which stay in L2), so that it is
// read from memory once per block.
func gemmMacro(kern *gemmKernel, a, b, t []float64, kb, mb, nb int, alpha, beta float64, c []float64, ldc int) {
	MR, NR := kern.mr, kern.nr
	fn := kern.fn
	for jr := 0; jr < nb; jr += NR {
		nr := min(NR, nb-jr)
		bp := b[jr*kb : (jr+NR)*kb]
		for ir := 0; ir < mb; ir += MR {
			mr := min(MR, mb-ir)
			ap := a[ir*kb : (ir+MR)*kb]
			ct := c[ir*ldc+jr:]
			if kern.edges || (mr == MR && nr == NR) {
				fn(kb, ap, bp, ct, ldc, alpha, beta, mr, nr)
				continue
			}
			// A partial tile: the full tile into scratch, then C updated
			// with the IEEE operations the micro-kernels use.
			t := t[:MR*NR]
			fn(kb, ap, bp, t, NR, 1, 0, MR, NR)
			for i := 0; i < mr; i++ {
				row := ct[i*ldc : i*ldc+nr]
				tr := t[i*NR : i*NR+nr]
				if beta == 0 {
					for j := range row {
						row[j] = alpha * tr[j]
					}
					continue
				}
				for j := range row {
					row[j] = math.FMA(alpha, tr[j], beta*row[j])
				}
			}
		}
	}
}

// gemmInPlace computes a product with the strided micro-kernel, reading A
// in place (a last partial panel of rows is packed, since the kernel reads
// MR rows) and B in place when its rows are contiguous (else all of op(B) is
// packed once), with no k blocks: for products so small that packing both
// operands costs more than streaming them from where they are. Large ones
// split among goroutines as the packed path's do (gemmSplit), each part
// reading its operands in place: a weight gradient's parts (runs of rows,
// B as stored) pack nothing, where the packed path's parts would each
// pack all of B.
func gemmInPlace(kern *gemmKernel, g *gemmArgs) {
	gemmSplit(kern, nil, g)
}

// gemmInPlacePart computes rows [i0, i1) (i0 a multiple of MR) and columns
// [j0, j1) of C on the in-place path, packing only the part's last partial
// panel of rows and, when B is transposed, the part's columns of op(B).
// Each element's arithmetic is the same in any part.
func gemmInPlacePart(kern *gemmKernel, w *worker, g *gemmArgs, i0, i1, j0, j1 int) {
	MR, NR := kern.mr, kern.nr
	k, n := g.k, j1-j0
	full := i0 + (i1-i0)/MR*MR
	nb := 0
	if g.transB {
		nb = (n + NR - 1) / NR * NR * k
	}
	buf := bufferFor(w, MR*k, nb, gatherScratch)
	if w == nil {
		defer putGemmBuf(buf)
	}
	if full < i1 {
		packA(kern, buf.a, buf.t, g, full, 0, i1-full, k)
	}
	if g.transB {
		packB(kern, buf.b, buf.t, g, 0, j0, k, n)
	}
	rsa, csa := g.lda, 1 // op(A)(i, l) = a[i*rsa+l*csa]
	if g.transA {
		rsa, csa = 1, g.lda
	}
	for jr := j0; jr < j1; jr += NR {
		nr := min(NR, j1-jr)
		b, rsb := g.b[jr:], g.ldb
		if g.transB {
			b, rsb = buf.b[(jr-j0)*k:], NR
		}
		for ir := i0; ir < i1; ir += MR {
			c := g.c[ir*g.ldc+jr:]
			if ir < full {
				kern.strided(k, g.a[ir*rsa:], b, c, g.ldc, g.alpha, g.beta, MR, nr, rsa, csa, rsb)
			} else {
				kern.strided(k, buf.a, b, c, g.ldc, g.alpha, g.beta, i1-ir, nr, 1, MR, rsb)
			}
		}
	}
}

// packA packs rows [i0, i0+mb) and columns [l0, l0+kb) of op(A) into dst as
// micro-panels of MR rows: panel r holds, for l = 0..kb-1, the MR values of
// column l, zeros past row mb. scratch is packGather's.
func packA(kern *gemmKernel, dst, scratch []float64, g *gemmArgs, i0, l0, mb, kb int) {
	MR := kern.mr
	for ir := 0; ir < mb; ir += MR {
		mr := min(MR, mb-ir)
		p := dst[ir*kb : (ir+MR)*kb]
		if g.transA {
			// Column i of op(A) is row i of A as stored: copy MR at a time.
			kern.packCopy(p, g.a[l0*g.lda+i0+ir:], g.lda, kb, mr, MR)
		} else {
			kern.packGather(p, g.a[(i0+ir)*g.lda+l0:], g.lda, kb, mr, MR, scratch)
		}
	}
}

// packB packs rows [l0, l0+kb) and columns [j0, j0+nb) of op(B) into dst as
// micro-panels of NR columns: panel r holds, for l = 0..kb-1, the NR values
// of row l, zeros past column nb. scratch is packGather's.
func packB(kern *gemmKernel, dst, scratch []float64, g *gemmArgs, l0, j0, kb, nb int) {
	NR := kern.nr
	for jr := 0; jr < nb; jr += NR {
		nr := min(NR, nb-jr)
		p := dst[jr*kb : (jr+NR)*kb]
		if g.transB {
			kern.packGather(p, g.b[(j0+jr)*g.ldb+l0:], g.ldb, kb, nr, NR, scratch)
		} else {
			kern.packCopy(p, g.b[l0*g.ldb+j0+jr:], g.ldb, kb, nr, NR)
		}
	}
}

// packCopy sets dst[l·w+j] = src[l·ld+j] for l < kb, j < cnt, and zero for
// cnt <= j < w: kb rows of cnt contiguous elements.
func packCopy(dst, src []float64, ld, kb, cnt, w int) {
	dst = dst[:kb*w]
	if cnt == w {
		for l := 0; l < kb; l++ {
			copy(dst[l*w:l*w+w], src[l*ld:l*ld+w])
		}
		return
	}
	for l := 0; l < kb; l++ {
		d := dst[l*w : l*w+w]
		copy(d, src[l*ld:l*ld+cnt])
		clear(d[cnt:])
	}
}

// packGather sets dst[l·w+j] = src[j·ld+l] for l < kb, j < cnt, and zero for
// cnt <= j < w: the transpose of cnt rows of kb contiguous elements. With
// the level's gather8, w a multiple of 8 and scratch of gatherScratch
// elements, it runs packGather8s.
func (kern *gemmKernel) packGather(dst, src []float64, ld, kb, cnt, w int, scratch []float64) {
	if kb == 0 {
		return
	}
	dst = dst[:kb*w]
	if kern.gather8 != nil && w%8 == 0 && len(scratch) >= gatherScratch {
		kern.packGather8s(dst, src, ld, kb, cnt, w, scratch[:gatherScratch])
		return
	}
	if cnt < w {
		for l := 0; l < kb; l++ {
			clear(dst[l*w+cnt : l*w+w])
		}
	}
	// Eight rows at a time, so that eight reads stream along the rows.
	j := 0
	if kern.gather8 != nil {
		for ; j+8 <= cnt; j += 8 {
			kern.gather8(dst[j:], src[j*ld:], ld, kb, w)
		}
	}
	for ; j+8 <= cnt; j += 8 {
		r0 := src[j*ld : j*ld+kb]
		r1 := src[(j+1)*ld : (j+1)*ld+kb]
		r2 := src[(j+2)*ld : (j+2)*ld+kb]
		r3 := src[(j+3)*ld : (j+3)*ld+kb]
		r4 := src[(j+4)*ld : (j+4)*ld+kb]
		r5 := src[(j+5)*ld : (j+5)*ld+kb]
		r6 := src[(j+6)*ld : (j+6)*ld+kb]
		r7 := src[(j+7)*ld : (j+7)*ld+kb]
		for l := range r0 {
			d := dst[l*w+j : l*w+j+8 : l*w+j+8]
			d[0], d[1], d[2], d[3] = r0[l], r1[l], r2[l], r3[l]
			d[4], d[5], d[6], d[7] = r4[l], r5[l], r6[l], r7[l]
		}
	}
	for ; j < cnt; j++ {
		r := src[j*ld : j*ld+kb]
		for l, v := range r {
			dst[l*w+j] = v
		}
	}
}

// gatherStage is the steps of each row that packGather8s stages at a
// time, and gatherScratch its scratch: eight rows of them.
const (
	gatherStage   = 64
	gatherScratch = 8 * gatherStage
)

// gatherZeros is eight rows of gatherStage zeros, which packGather8s
// gathers into a panel's zero columns.
var gatherZeros [gatherScratch]float64

// packGather8s is packGather with the level's gather8, for w a multiple of
// 8: eight columns of dst at a time. The last rows (fewer than eight) are
// copied first into the eight rows of scratch, zeros after them, and the
// zero columns are gathered from gatherZeros. Clearing a panel's zero
// columns step by step and writing its last rows one element at a time
// took 13% of a LeNet-5 training step on the 2-vCPU AMD guest: its weight
// gradients gather panels of 1 and 6 rows (N = 25 and 150 in 24-wide
// panels).
func (kern *gemmKernel) packGather8s(dst, src []float64, ld, kb, cnt, w int, scratch []float64) {
	j := 0
	for ; j+8 <= cnt; j += 8 {
		kern.gather8(dst[j:], src[j*ld:], ld, kb, w)
	}
	if j == w {
		return
	}
	rows := cnt - j // 0 to 7 rows left, for the columns from j
	clear(scratch[rows*gatherStage:])
	for l0 := 0; l0 < kb; l0 += gatherStage {
		lb := min(gatherStage, kb-l0)
		at := j
		if rows > 0 {
			for r := range rows {
				copy(scratch[r*gatherStage:r*gatherStage+lb], src[(j+r)*ld+l0:(j+r)*ld+l0+lb])
			}
			kern.gather8(dst[l0*w+at:], scratch, gatherStage, lb, w)
			at += 8
		}
		for ; at < w; at += 8 {
			kern.gather8(dst[l0*w+at:], gatherZeros[:], gatherStage, lb, w)
		}
	}
}

// gemmKernelGeneric is the Generic level's 2×4 micro-kernel. Eight
// accumulators, two values of A and four of B fit in the sixteen registers
// the Go compiler has for floating point on amd64; a 4×4 tile spilled and
// ran at three quarters of this one's speed. Scalar multiplies and adds,
// two of each per cycle, are its ceiling.
func gemmKernelGeneric(k int, a, b, c []float64, ldc int, alpha, beta float64, mr, nr int) {
	var c00, c01, c02, c03, c10, c11, c12, c13 float64
	a, b = a[:2*k], b[:4*k]
	for p := 0; p < k; p++ {
		ap := a[2*p : 2*p+2 : 2*p+2]
		bp := b[4*p : 4*p+4 : 4*p+4]
		a0, a1 := ap[0], ap[1]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
	}
	acc := [2][4]float64{{c00, c01, c02, c03}, {c10, c11, c12, c13}}
	for i := 0; i < mr; i++ {
		row := c[i*ldc : i*ldc+nr]
		if beta == 0 {
			for j := range row {
				row[j] = alpha * acc[i][j]
			}
			continue
		}
		for j := range row {
			row[j] = alpha*acc[i][j] + beta*row[j]
		}
	}
}

var gemmGeneric = newGemmKernel(2, 4, true, gemmKernelGeneric)

// gemmSmallLoops computes a small product directly: C is scaled by beta,
// then each product term is added, along contiguous rows (Axpy) when B is
// stored k×n, else as dot products of contiguous rows (Dot) when A is
// stored m×k, else element by element.
func gemmSmallLoops(t *table, g *gemmArgs) {
	m, n, k := g.m, g.n, g.k
	scaleRows(m, n, g.beta, g.c, g.ldc)
	switch {
	case !g.transB:
		for i := 0; i < m; i++ {
			row := g.c[i*g.ldc : i*g.ldc+n]
			for l := 0; l < k; l++ {
				t.axpy(g.alpha*g.opA(i, l), g.b[l*g.ldb:l*g.ldb+n], row)
			}
		}
	case !g.transA:
		for i := 0; i < m; i++ {
			ar := g.a[i*g.lda : i*g.lda+k]
			row := g.c[i*g.ldc : i*g.ldc+n]
			for j := range row {
				row[j] += g.alpha * t.dot(ar, g.b[j*g.ldb:j*g.ldb+k])
			}
		}
	default:
		for i := 0; i < m; i++ {
			row := g.c[i*g.ldc : i*g.ldc+n]
			for j := range row {
				var s float64
				for l := 0; l < k; l++ {
					s += g.a[l*g.lda+i] * g.b[j*g.ldb+l]
				}
				row[j] += g.alpha * s
			}
		}
	}
}

// gemmVector computes a product with m == 1 or n == 1 (a vector times a
// matrix, or a matrix times a vector) with the level's Dot and Axpy along
// whichever dimension is contiguous, copying a strided vector operand once.
func gemmVector(t *table, g *gemmArgs) {
	m, n, k := g.m, g.n, g.k
	if n == 1 {
		// C[i] = alpha·(row i of op(A))·x + beta·C[i], x = column 0 of op(B).
		buf := getGemmBuf(k, m, 0)
		defer putGemmBuf(buf)
		x := buf.a[:k]
		if g.transB {
			x = g.b[:k] // B stored 1×k
		} else {
			for l := range x {
				x[l] = g.b[l*g.ldb]
			}
		}
		y := buf.b[:m]
		if g.transA {
			// op(A) rows are strided: y = Σ_l x[l]·(row l of A as stored).
			clear(y)
			for l, v := range x {
				t.axpy(v, g.a[l*g.lda:l*g.lda+m], y)
			}
		} else {
			for i := range y {
				y[i] = t.dot(g.a[i*g.lda:i*g.lda+k], x)
			}
		}
		for i, v := range y {
			p := &g.c[i*g.ldc]
			if g.beta == 0 {
				*p = g.alpha * v
			} else {
				*p = g.alpha*v + g.beta**p
			}
		}
		return
	}
	// m == 1: C row = alpha·x·op(B) + beta·C row, x = row 0 of op(A).
	buf := getGemmBuf(k, n, 0)
	defer putGemmBuf(buf)
	x := buf.a[:k]
	if g.transA {
		for l := range x {
			x[l] = g.a[l*g.lda]
		}
	} else {
		x = g.a[:k]
	}
	y := buf.b[:n]
	if g.transB {
		for j := range y {
			y[j] = t.dot(g.b[j*g.ldb:j*g.ldb+k], x)
		}
	} else {
		clear(y)
		for l, v := range x {
			t.axpy(v, g.b[l*g.ldb:l*g.ldb+n], y)
		}
	}
	row := g.c[:n]
	for j, v := range y {
		if g.beta == 0 {
			row[j] = g.alpha * v
		} else {
			row[j] = g.alpha*v + g.beta*row[j]
		}
	}
}
