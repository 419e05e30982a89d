package tensor

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/kernels"
)

// TestKeptBuffersOutliveCollectionsWhileUsed checks the first level of the
// storage pool: a recycled buffer is handed out again after a garbage
// collection that found the stacks in use, moves to the sync.Pool after
// one that found them idle, and the byte count follows both.
func TestKeptBuffersOutliveCollectionsWhileUsed(t *testing.T) {
	// No collection of its own may call afterGC in between.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	const n = 1 << 16
	c, _, _ := classOf(n)
	drain := func() { afterGC(); afterGC() } // idle twice: the stacks are empty
	drain()
	if keptBytes.Load() != 0 || len(kept[c].list) != 0 {
		t.Fatalf("after two idle collections: %d bytes, %d buffers kept", keptBytes.Load(), len(kept[c].list))
	}
	st := newStorage(n, false)
	putStorage(st)
	if got, want := keptBytes.Load(), int64(cap(st.data))*8; got != want {
		t.Fatalf("kept %d bytes, want %d", got, want)
	}
	afterGC() // used since the last one: kept
	if got := newStorage(n, true); got != st {
		t.Fatal("a recycled buffer was not handed out again after a collection")
	} else {
		for _, v := range got.data {
			if v != 0 {
				t.Fatal("a kept buffer asked for zeroed was not zeroed")
			}
		}
	}
	putStorage(st)
	afterGC()
	afterGC() // idle: moved to the sync.Pool
	if keptBytes.Load() != 0 || len(kept[c].list) != 0 {
		t.Fatalf("after an idle collection: %d bytes, %d buffers still kept", keptBytes.Load(), len(kept[c].list))
	}
}

// TestGCWatchRuns checks that afterGC is called after garbage collections
// (it resets the use flag), so that an idle program's kept buffers go.
func TestGCWatchRuns(t *testing.T) {
	keptUsed.Store(true)
	deadline := time.Now().Add(5 * time.Second)
	for keptUsed.Load() {
		if time.Now().After(deadline) {
			t.Fatal("no call of afterGC within 5 s of garbage collections")
		}
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
}

// TestKeptBytesAreBounded checks that the stacks refuse buffers beyond
// keepMaxBytes (they go to the sync.Pool instead).
func TestKeptBytesAreBounded(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	afterGC()
	afterGC()
	keptBytes.Add(keepMaxBytes - 8) // as if nearly full
	defer keptBytes.Add(-(keepMaxBytes - 8))
	st := newStorage(1<<10, false)
	putStorage(st)
	c, _, _ := classOf(1 << 10)
	for _, s := range kept[c].list {
		if s == st {
			t.Fatal("a buffer past the byte bound was kept")
		}
	}
}

// TestPutStorageLeavesUnpooledStorage checks that a scratch buffer too
// large for the pool (newStorage above poolMaxLen, as a convolution's
// columns or a cross-entropy row of more than poolMaxLen classes ask for)
// can be handed back: it is left to the garbage collector rather than
// indexing a class that does not exist.
func TestPutStorageLeavesUnpooledStorage(t *testing.T) {
	st := &storage{data: make([]float64, 3)} // no class, as newStorage makes above poolMaxLen
	before := keptBytes.Load()
	putStorage(st)
	if keptBytes.Load() != before {
		t.Fatalf("kept bytes went from %d to %d for a storage of no class", before, keptBytes.Load())
	}
	if _, _, ok := classOf(poolMaxLen + 1); ok {
		t.Fatal("classOf gave a class above poolMaxLen")
	}
}

// TestRecycleOwnerKillsAutogradViews checks recycleOwner, which autograd
// calls for a Transient value it frees: a storage whose views autograd
// alone took (markViewed) goes back to the pool, under a new header, and
// every view of it dies (live panics, isRecycled reports it) instead of
// reading the memory the pool hands to the next tensor. A storage that a
// view through the public API or Raw shares, or a header that is not the
// owner's, is never taken.
func TestRecycleOwnerKillsAutogradViews(t *testing.T) {
	autogradView := func(t *Tensor, view func(*Tensor) *Tensor) *Tensor {
		before := viewState(t)
		v := view(t)
		markViewed(t, before)
		return v
	}
	t.Run("views autograd took", func(t *testing.T) {
		defer debug.SetGCPercent(debug.SetGCPercent(-1)) // the kept buffer stays where recycleOwner put it
		x := Arange(0, 64, 1)
		v := autogradView(x, func(x *Tensor) *Tensor { return x.Slice(0, 8, 16) })
		w := autogradView(v, func(v *Tensor) *Tensor { return v.Reshape(2, 4) })
		if f := x.st.flags.Load(); f&sharedFlag != 0 || f&viewedFlag == 0 {
			t.Fatalf("flags %#x after autograd's views: want viewed, not shared", f)
		}
		if x.isRecyclable() || x.recycle() {
			t.Fatal("recycle took a storage that has views")
		}
		if v.recycleOwner() {
			t.Fatal("recycleOwner took the storage through a view's header")
		}
		data := x.st.data
		if !x.recycleOwner() {
			t.Fatal("recycleOwner did not take the owner's storage")
		}
		for _, d := range []*Tensor{x, v, w} {
			if !d.isRecycled() {
				t.Fatalf("a tensor of shape %v on the recycled storage is not reported recycled", d.shape)
			}
		}
		e := testutil.Panics[*Error](t, func() { v.Sum() })
		if !strings.Contains(e.Error(), "recycled") {
			t.Fatalf("using a view of a recycled storage panics with %q; want it to say recycled", e)
		}
		testutil.Panics[*Error](t, func() { w.Data() })
		if st := newStorage(64, false); &st.data[0] != &data[0] {
			t.Fatal("the owner's memory did not go back to the pool")
		} else {
			putStorage(st)
		}
	})
	for name, share := range map[string]func(x *Tensor){
		"a view through the API": func(x *Tensor) { x.Slice(0, 0, 4) },
		"Raw's slice":            func(x *Tensor) { x.Raw() },
	} {
		t.Run(name, func(t *testing.T) {
			x := Zeros(64)
			autogradView(x, func(x *Tensor) *Tensor { return x.Unsqueeze(0) })
			share(x)
			if x.recycleOwner() {
				t.Fatalf("recycleOwner took a storage shared by %s", name)
			}
			if x.isRecycled() {
				t.Fatal("reported recycled")
			}
		})
	}
	t.Run("a view autograd took of a shared storage", func(t *testing.T) {
		x := Zeros(64)
		x.Reshape(8, 8) // shared through the API first
		autogradView(x, func(x *Tensor) *Tensor { return x.Slice(0, 0, 4) })
		if x.st.flags.Load()&sharedFlag == 0 || x.recycleOwner() {
			t.Fatal("a view autograd took unshared a storage the API had shared")
		}
	})
	t.Run("pinViews", func(t *testing.T) {
		x := Zeros(64)
		v := autogradView(x, func(x *Tensor) *Tensor { return x.Slice(0, 0, 4) })
		pinViews(v)
		if x.recycleOwner() {
			t.Fatal("recycleOwner took a storage whose view was pinned")
		}
	})
}

// TestRecycledBuffersMoveToGuardedMemory checks the guard space: a buffer
// of guardMinLen elements or more that comes back to the pool moves, once,
// into memory with guardLen unused elements on each side (its capacity
// unchanged), a smaller one does not, and a class moves at most
// guardSwapsMax buffers between two collections.
func TestRecycledBuffersMoveToGuardedMemory(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	afterGC()
	afterGC() // the stacks empty, the budgets fresh
	guarded := func(st *storage) bool { return st.flags.Load()&guardedFlag != 0 }

	small := newStorage(guardMinLen/2, false)
	putStorage(small)
	if guarded(small) {
		t.Error("a buffer below guardMinLen moved to guarded memory")
	}

	const n = 3 * guardMinLen
	c, size, _ := classOf(n)
	st := newStorage(n, true)
	before := &st.data[0]
	putStorage(st)
	if !guarded(st) || &st.data[0] == before {
		t.Fatal("a recycled buffer did not move to guarded memory")
	}
	if cap(st.data) != size || len(st.data) != size {
		t.Fatalf("guarded buffer has len %d, cap %d; want %d", len(st.data), cap(st.data), size)
	}
	again := newStorage(n, true)
	if again != st || !guarded(again) || len(again.data) != n {
		t.Fatal("the guarded buffer did not come back from the pool as it went in")
	}
	for _, v := range again.data {
		if v != 0 {
			t.Fatal("a zeroed buffer from guarded memory holds a non-zero")
		}
	}
	moved := &again.data[0]
	putStorage(again)
	if &again.data[0] != moved {
		t.Error("a guarded buffer moved again")
	}

	// The budget: guardSwapsMax moves a class between collections.
	guardSwaps[c].Store(0)
	var bufs []*storage
	for range guardSwapsMax + 3 {
		bufs = append(bufs, &storage{data: make([]float64, n, size)})
	}
	for _, b := range bufs {
		b.flags.Store(uint32(c + 1))
		guard(b, c)
	}
	count := 0
	for _, b := range bufs {
		if guarded(b) {
			count++
		}
	}
	if count != guardSwapsMax {
		t.Errorf("%d buffers moved between two collections, want guardSwapsMax = %d", count, guardSwapsMax)
	}
	afterGC()
	b := &storage{data: make([]float64, n, size)}
	b.flags.Store(uint32(c + 1))
	guard(b, c)
	if !guarded(b) {
		t.Error("a collection did not renew the class's budget")
	}
}

// TestPoolHandsSplitReadBuffersToSplits checks newStorageFor's choice: a
// split product's output takes the kept buffer nearest the top that a
// split read, any other use the nearest that none did, each looking
// popScan deep and taking the top one otherwise; the mark travels with
// the buffer through the pool (recycleOwner's new header included) and is
// cleared when the buffer is handed out.
func TestPoolHandsSplitReadBuffersToSplits(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	afterGC()
	afterGC() // the stacks empty
	const n = 3 * guardMinLen
	read := func(st *storage) bool { return st.flags.Load()&splitReadFlag != 0 }
	fill := func(marks ...bool) []*storage { // bottom first
		var bufs []*storage
		for _, m := range marks {
			st := newStorage(n, false)
			if m {
				st.flags.Or(splitReadFlag)
			}
			bufs = append(bufs, st)
		}
		for _, st := range bufs {
			putStorage(st)
		}
		return bufs
	}
	drain := func() {
		c, _, _ := classOf(n)
		for len(kept[c].list) > 0 {
			kept[c].pop(false)
		}
	}

	bufs := fill(false, true, false, false) // the split-read one second from the bottom
	if !read(bufs[1]) {
		t.Fatal("putStorage dropped the split-read mark")
	}
	if got := newStorageFor(n, false, false); got != bufs[3] {
		t.Error("one goroutine's output did not take the top buffer none read")
	}
	if got := newStorageFor(n, false, true); got != bufs[1] || read(got) {
		t.Errorf("a split's output did not take the split-read buffer below the top (or kept its mark: %v)", read(got))
	}
	if got := newStorageFor(n, false, true); got != bufs[2] {
		t.Error("a split's output with no split-read buffer left did not take the top one")
	}
	drain()

	bufs = fill(false, true, true) // the top two split-read
	if got := newStorageFor(n, false, false); got != bufs[0] {
		t.Error("one goroutine's output took a split-read buffer over one none read")
	}
	drain()

	marks := make([]bool, popScan+1) // the only split-read buffer below popScan
	marks[0] = true
	bufs = fill(marks...)
	if got := newStorageFor(n, false, true); got != bufs[popScan] {
		t.Error("a split's output looked deeper than popScan")
	}
	drain()

	x := Arange(0, n, 1)
	x.st.flags.Or(splitReadFlag)
	before := viewState(x)
	x.Unsqueeze(0)
	markViewed(x, before)
	if !x.recycleOwner() {
		t.Fatal("recycleOwner did not take the storage")
	}
	c, _, _ := classOf(n)
	if l := kept[c].list; len(l) != 1 || !read(l[0]) {
		t.Error("recycleOwner's new header dropped the split-read mark")
	}
	if st := newStorageFor(n, false, true); read(st) {
		t.Error("the split-read mark stayed on a buffer handed out")
	}
}

// TestSplitProductsMarkTheirOperands checks markSplitRead, and that Linear,
// MatMul and a gradient product into a given buffer call it: their
// operands carry the split-read mark exactly when the split count rose
// over the product.
func TestSplitProductsMarkTheirOperands(t *testing.T) {
	read := func(x *Tensor) bool { return x.st.flags.Load()&splitReadFlag != 0 }
	a, b := Zeros(4, 4), Zeros(4, 4)
	markSplitRead(kernels.GemmSplits(), a, b)
	if read(a) || read(b) {
		t.Fatal("markSplitRead marked operands with no split counted")
	}
	markSplitRead(kernels.GemmSplits()+1, a, b)
	if !read(a) || !read(b) {
		t.Fatal("markSplitRead did not mark the operands of a split")
	}

	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	kernels.ResetLoad()
	s00 := kernels.GemmSplits()
	defer func() { t.Logf("%d of the 80 products split", kernels.GemmSplits()-s00) }()
	const m, k, n = 128, 784, 64
	for _, tc := range []struct {
		name string
		op   func(x, w *Tensor)
	}{
		{"Linear", func(x, w *Tensor) { Linear(x, w, nil) }},
		{"MatMul", func(x, w *Tensor) { x.MatMul(w.T()) }},
		{"MatMul of a batch of one", func(x, w *Tensor) { x.Unsqueeze(0).MatMul(w.T().Contiguous().Unsqueeze(0)) }},
		{"MatMulInto", func(x, w *Tensor) { Zeros(k, k).matMulRowsInto(x, x, true) }},
	} {
		for range 20 {
			x, w := Ones(m, k), Ones(n, k)
			s0 := kernels.GemmSplits()
			tc.op(x, w)
			if split := kernels.GemmSplits() != s0; read(x) != split {
				t.Fatalf("%s: operand marked %v, split %v", tc.name, read(x), split)
			}
		}
	}
	if !kernels.GemmSplitSize(m, n, k) || kernels.GemmSplitSize(8, 8, 8) {
		t.Error("GemmSplitSize misjudges products of 2^23 and 512 multiply-adds")
	}
}
