package tensor

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
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
