package kernels

import (
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"testing"
)

// drainGemmKept empties the stack of packing buffers (two idle
// collections' worth of gemmAfterGC) and turns the collector off until the
// test ends, so that no collection of its own moves buffers in between.
func drainGemmKept(t *testing.T) {
	t.Helper()
	old := debug.SetGCPercent(-1)
	t.Cleanup(func() { debug.SetGCPercent(old) })
	gemmAfterGC()
	gemmAfterGC()
	if n := len(gemmKept.list); n != 0 {
		t.Fatalf("%d buffers kept after two idle collections", n)
	}
}

// TestGemmBufComesBackOnAnotherP checks that a packing buffer given back
// by a goroutine is the one that the next product takes on another P: a
// sync.Pool alone keeps it in the giving P's private slot, which another P
// never sees, and the MNIST MLP's step allocated a fresh 936 KB buffer
// whenever the scheduler moved it (CI measured 16.9 KB a step against the
// 16 KiB target, 10 KB without those misses). The giver keeps its P busy
// until the taker is done, so the two cannot share one.
func TestGemmBufComesBackOnAnotherP(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("needs two Ps")
	}
	drainGemmKept(t)
	var given atomic.Pointer[gemmBuf]
	var done atomic.Bool
	go func() {
		buf := getGemmBuf(1000, 2000, 64)
		putGemmBuf(buf)
		given.Store(buf)
		for !done.Load() { // hold this P
		}
	}()
	for given.Load() == nil {
		runtime.Gosched()
	}
	b := getGemmBuf(500, 2000, 64)
	putGemmBuf(b)
	done.Store(true)
	if b != given.Load() {
		t.Fatal("a product took a new packing buffer while one was given back")
	}
}

// TestGemmBufTakesOneWithRoom checks that a product takes a kept buffer
// large enough for it, not the newest one grown.
func TestGemmBufTakesOneWithRoom(t *testing.T) {
	drainGemmKept(t)
	big := getGemmBuf(4096, 4096, 64)
	small := getGemmBuf(16, 16, 64)
	putGemmBuf(big)
	putGemmBuf(small) // the newest
	b := getGemmBuf(4000, 16, 64)
	if b != big {
		t.Error("a product needing the large buffer did not get it")
	}
	if len(gemmKept.list) != 1 || gemmKept.list[0] != small {
		t.Error("the small buffer is not the one left on the stack")
	}
	if len(b.mem) != len(big.mem) {
		t.Error("the large buffer grew for a product it had room for")
	}
	putGemmBuf(b)
}

// TestGemmKeptIsBoundedAndGoesWhenIdle checks that the stack holds at
// most gemmKeepMax buffers, keeps them over a collection after use, and
// gives them up at a collection that finds them untouched.
func TestGemmKeptIsBoundedAndGoesWhenIdle(t *testing.T) {
	drainGemmKept(t)
	var bufs []*gemmBuf
	for range gemmKeepMax() + 3 {
		bufs = append(bufs, getGemmBuf(8, 8, 8))
	}
	for _, b := range bufs {
		putGemmBuf(b)
	}
	if n := len(gemmKept.list); n != gemmKeepMax() {
		t.Fatalf("%d buffers kept; want gemmKeepMax() = %d", n, gemmKeepMax())
	}
	gemmAfterGC() // used since the last one: kept
	if n := len(gemmKept.list); n != gemmKeepMax() {
		t.Fatalf("after a collection that followed use: %d buffers kept; want %d", n, gemmKeepMax())
	}
	gemmAfterGC() // idle
	if n := len(gemmKept.list); n != 0 {
		t.Fatalf("after an idle collection: %d buffers kept; want 0", n)
	}
}

// TestPickGemmBufPrefersTheCPU checks the choice among kept buffers: the
// newest with room that the asking CPU gave back, else the newest with
// room, else the newest (to grow).
func TestPickGemmBufPrefersTheCPU(t *testing.T) {
	mk := func(n, cpu int) *gemmBuf {
		b := (*gemmBuf)(nil).fit(n, n, 8)
		b.cpu = cpu
		return b
	}
	list := []*gemmBuf{mk(4096, 0), mk(4096, 1), mk(16, 0)}
	for _, c := range []struct {
		n, cpu, want int
	}{
		{4000, 0, 0},  // CPU 0's buffer with room, though CPU 1's is newer
		{4000, 1, 1},  // CPU 1's own
		{4000, -1, 1}, // CPU unknown: the newest with room
		{4000, 5, 1},  // no buffer of CPU 5: the newest with room
		{16, 0, 2},    // the newest, CPU 0's, has room
		{16, 1, 1},    // CPU 1's has room too
		{9000, 0, 2},  // none has room: the newest, to grow
	} {
		if got := pickGemmBuf(list, c.n, c.n, 8, c.cpu); got != c.want {
			t.Errorf("pickGemmBuf(%d elements, CPU %d) = %d, want %d", c.n, c.cpu, got, c.want)
		}
	}
}

// TestGemmBufRemembersItsCPU checks that a buffer given back is marked
// with the CPU it was given back on, where that is told cheaply.
func TestGemmBufRemembersItsCPU(t *testing.T) {
	drainGemmKept(t)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b := getGemmBuf(8, 8, 8)
	for {
		before := cheapCPU()
		putGemmBuf(b)
		if cheapCPU() == before { // the thread did not move in between
			if b.cpu != before {
				t.Fatalf("buffer given back on CPU %d marked %d", before, b.cpu)
			}
			return
		}
		b = getGemmBuf(8, 8, 8)
	}
}
