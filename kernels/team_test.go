package kernels

import (
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"
	"weak"
)

// splitClaims hands out every chunk once: a goroutine's own run from the
// front, then the back of the run with the most left; finish counts them.
func TestSplitClaims(t *testing.T) {
	if n := unsafe.Sizeof(claimRun{}); n != 128 {
		t.Fatalf("a run's counters take %d bytes, want 128 (their own cache line)", n)
	}
	t.Run("in order", func(t *testing.T) {
		var c splitClaims
		c.init(3, 4) // runs 0-3, 4-7, 8-11
		if got := c.claim(0); got != 0 {
			t.Fatalf("first claim of run 0 = %d, want 0", got)
		}
		// Run 1 from the front, then the back of the fullest run, 2.
		for _, w := range []int{4, 5, 6, 7, 11} {
			if got := c.claim(1); got != w {
				t.Fatalf("claim from run 1 = %d, want %d", got, w)
			}
		}
		// Run 0 has 1, 2, 3 left and run 2 has 8, 9, 10: a tie goes to run 0.
		if got := c.claim(-1); got != 3 {
			t.Fatalf("a homeless claim = %d, want 3 (the back of run 0)", got)
		}
		if got := c.claim(2); got != 8 {
			t.Fatalf("claim from run 2 = %d, want 8", got)
		}
	})
	for _, d := range [][2]int{{1, 1}, {2, 1}, {2, 4}, {3, 3}, {8, 4}, {64, 2}} {
		homes, per := d[0], d[1]
		var c splitClaims
		c.init(homes, per)
		var mu sync.Mutex
		seen := make([]int, c.chunks())
		var wg sync.WaitGroup
		for g := range homes + 1 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				h := g - 1 // one goroutine without a home
				for p := c.claim(h); p >= 0; p = c.claim(h) {
					mu.Lock()
					seen[p]++
					mu.Unlock()
					c.finish(p)
				}
			}()
		}
		wg.Wait()
		for p, n := range seen {
			if n != 1 {
				t.Fatalf("%d runs of %d: chunk %d handed out %d times", homes, per, p, n)
			}
		}
		if f := c.finished(); f != c.chunks() {
			t.Fatalf("%d runs of %d: %d finished, want %d", homes, per, f, c.chunks())
		}
		c.join(teamNow()) // returns at once
	}
}

// A goroutine held back in its first chunk delays the end by that chunk
// only: the other takes the rest of its part, from the back.
func TestHeldBackPartIsTaken(t *testing.T) {
	for _, kind := range []string{"ParallelParts", "Gemm"} {
		t.Run(kind, func(t *testing.T) {
			release := make(chan struct{})
			var held atomic.Bool
			var calls atomic.Int32
			hold := func() {
				calls.Add(1)
				if held.CompareAndSwap(false, true) {
					select {
					case <-release:
					case <-time.After(10 * time.Second):
						t.Error("the held-back chunk was never released: the other goroutine did not take the rest")
					}
				}
			}
			var claims *splitClaims
			var work func(h int)
			switch kind {
			case "ParallelParts":
				j := &partsJob{n: 1 << 16, fn: func(lo, hi int) { hold() }}
				j.claims.init(8, 1)
				claims, work = &j.claims, j.work
			default:
				// A product cut into runs of rows, on the in-place path
				// where the kernels have one.
				m, n, k := 128, 784, 64
				a, b, c := make([]float64, m*k), make([]float64, k*n), make([]float64, m*n)
				g := gemmArgs{m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: c, ldc: n, alpha: 1, serial: true}
				kern := cur.Load().gemm
				job := &gemmPartsJob{kern: kern, g: &g, byRows: true, start: teamNow()}
				if kern.strided == nil {
					p := newGemmPlan(kern, m, n, k)
					job.plan = &p
				}
				job.claims.init(2, 4)
				claims, work = &job.claims, func(h int) {
					var kept *gemmBuf
					for ch := job.claims.claim(h); ch >= 0; ch = job.claims.claim(h) {
						hold()
						job.run(nil, ch, &kept)
						job.claims.finish(ch)
					}
				}
			}
			go work(1) // held back in the first chunk it takes
			for !held.Load() {
				runtime.Gosched()
			}
			work(0)
			got := claims.finished()
			close(release)
			for deadline := time.Now().Add(10 * time.Second); claims.finished() < claims.chunks(); {
				if time.Now().After(deadline) {
					t.Fatalf("%d chunks finished after the held one was released, want %d", claims.finished(), claims.chunks())
				}
				runtime.Gosched()
			}
			if got != claims.chunks()-1 {
				t.Fatalf("%d chunks finished while one was held, want %d", got, claims.chunks()-1)
			}
			if got := calls.Load(); got != int32(claims.chunks()) {
				t.Fatalf("%d calls, want %d", got, claims.chunks())
			}
		})
	}
}

// ParallelParts covers [0, n) once, in at most GOMAXPROCS contiguous parts
// of at least grain elements whose inner bounds are whole cache lines.
func TestParallelPartsCoversOnce(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 3, 4} {
		runtime.GOMAXPROCS(procs)
		for _, n := range []int{0, 1, 7, 100, 1000, 100352, 100353} {
			for _, grain := range []int{0, 1, 16, 1000} {
				count := make([]atomic.Int32, n)
				var mu sync.Mutex
				var calls [][2]int
				ParallelParts(n, grain, func(lo, hi int) {
					mu.Lock()
					calls = append(calls, [2]int{lo, hi})
					mu.Unlock()
					for i := lo; i < hi; i++ {
						count[i].Add(1)
					}
				})
				for i := range count {
					if c := count[i].Load(); c != 1 {
						t.Fatalf("GOMAXPROCS=%d n=%d grain=%d: index %d covered %d times", procs, n, grain, i, c)
					}
				}
				if len(calls) > max(1, procs) {
					t.Fatalf("GOMAXPROCS=%d n=%d grain=%d: %d parts", procs, n, grain, len(calls))
				}
				for _, c := range calls {
					if len(calls) > 1 && (c[0]%8 != 0 || (c[1] != n && c[1]%8 != 0) || c[1]-c[0] < grain/2) {
						t.Fatalf("GOMAXPROCS=%d n=%d grain=%d: part %v", procs, n, grain, c)
					}
				}
			}
		}
	}
}

// Many goroutines splitting work at once, and splits inside splits, find
// the helpers busy and start goroutines of their own: every call still
// runs once.
func TestSplitsFromManyGoroutines(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	var wg sync.WaitGroup
	var total atomic.Int64
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range 50 {
				ForEach(3+g%3, func(int) {
					ParallelParts(64, 8, func(lo, hi int) { total.Add(int64(hi - lo)) })
				})
				_ = r
			}
		}()
	}
	wg.Wait()
	want := int64(0)
	for g := range 8 {
		want += int64(50 * (3 + g%3) * 64)
	}
	if got := total.Load(); got != want {
		t.Fatalf("%d elements done, want %d", got, want)
	}
}

// withTeamState runs f with the team's pause state cleared, and restores
// it after.
func withTeamState(f func()) {
	until, level, last, strike := team.backoffUntil.Load(), team.backoffLevel.Load(), team.lastContention.Load(), team.lastStrike.Load()
	team.backoffUntil.Store(0)
	team.backoffLevel.Store(0)
	team.lastContention.Store(0)
	team.lastStrike.Store(-1 << 62)
	defer func() {
		team.backoffUntil.Store(until)
		team.backoffLevel.Store(level)
		team.lastContention.Store(last)
		team.lastStrike.Store(strike)
	}()
	f()
}

// One long wait for a helper is not enough to pause splitting (the Go
// scheduler causes one now and then); a second within teamStrikes is,
// for teamBackoff, doubling while waits recur, and calm periods undo the
// doublings one by one.
func TestSplittingPausesAfterTwoLongWaits(t *testing.T) {
	withTeamState(func() {
		now := int64(time.Hour) // a time after any pause in force
		long := int64(2 * teamSlowWait)
		waited(long, 0, nil)
		if team.backoffLevel.Load() != 0 {
			t.Fatalf("one long wait paused splitting")
		}
		contended(now)
		contended(now + 1)
		if lv, until := team.backoffLevel.Load(), team.backoffUntil.Load(); lv != 1 || until != now+1+int64(teamBackoff) {
			t.Fatalf("after two signs: level %d, pause until %d; want 1, %d", lv, until, now+1+int64(teamBackoff))
		}
		contended(now + 2)
		if lv, until := team.backoffLevel.Load(), team.backoffUntil.Load(); lv != 2 || until != now+2+2*int64(teamBackoff) {
			t.Fatalf("after a third sign: level %d, pause until %d; want 2, %d", lv, until, now+2+2*int64(teamBackoff))
		}
		// A long wait after the caller's own longer work is no sign.
		waited(long, 10*long, nil)
		if lv := team.backoffLevel.Load(); lv != 2 {
			t.Fatalf("a wait shorter than the caller's work changed the level to %d", lv)
		}
		calm(now + 3) // too soon
		if lv := team.backoffLevel.Load(); lv != 2 {
			t.Fatalf("calm right after contention lowered the level to %d", lv)
		}
		later := now + 2 + 4*int64(teamBackoff) + 1
		calm(later)
		if lv := team.backoffLevel.Load(); lv != 1 {
			t.Fatalf("calm after twice the pause: level %d, want 1", lv)
		}
		calm(later + 2*int64(teamBackoff) + 1)
		if lv := team.backoffLevel.Load(); lv != 0 {
			t.Fatalf("second calm: level %d, want 0", lv)
		}
		for range 20 {
			contended(now + 5)
		}
		if lv := team.backoffLevel.Load(); lv != teamBackoffLevels || backoffPause(lv) != int64(teamBackoffMax) {
			t.Fatalf("level %d, pause %v after many signs; want %d, %v", lv, time.Duration(backoffPause(lv)), teamBackoffLevels, teamBackoffMax)
		}
	})
}

// A long wait for a helper counts as a sign of contention only if tasks
// waited for a CPU during it, where the stall time can be read: a helper
// that runs, only slower than its caller, does not pause splitting.
func TestLongWaitCountsOnlyWithACPUStall(t *testing.T) {
	defer func(f func() (int64, bool)) { readStall = f }(readStall)
	var stall int64
	readOK := true
	readStall = func() (int64, bool) { return stall, readOK }
	long := int64(2 * teamSlowWait)
	// witness returns a reading taken a millisecond ago, of a stall total
	// of 1000 ns, which has grown by grown ns since.
	witness := func(grown int64) *stallWitness {
		stall = 1000 + grown
		return &stallWitness{at: teamNow() - int64(time.Millisecond), stall: 1000, ok: true}
	}
	withTeamState(func() {
		for range 3 {
			waited(long, 0, witness(0))
		}
		if lv := team.backoffLevel.Load(); lv != 0 {
			t.Fatalf("long waits without a CPU stall paused splitting (level %d)", lv)
		}
		waited(long, 0, witness(int64(time.Millisecond)*9/10))
		waited(long, 0, witness(int64(time.Millisecond)*9/10))
		if lv := team.backoffLevel.Load(); lv != 1 {
			t.Fatalf("two long waits with tasks waiting for a CPU 90%% of the time: level %d, want 1", lv)
		}
	})
	withTeamState(func() {
		readOK = false
		waited(long, 0, witness(0))
		waited(long, 0, witness(0))
		if lv := team.backoffLevel.Load(); lv != 1 {
			t.Fatalf("two long waits where the stall cannot be read: level %d, want 1", lv)
		}
		readOK = true
		waited(long, 0, &stallWitness{})
		waited(long, 0, &stallWitness{})
		if lv := team.backoffLevel.Load(); lv != 3 {
			t.Fatalf("two more long waits with no reading taken: level %d, want 3", lv)
		}
	})
	t.Run("the reading is taken once, after half of the slow wait", func(t *testing.T) {
		var w stallWitness
		stall = 77
		w.watch(0, int64(teamSlowWait)/2-1)
		if w.at != 0 {
			t.Fatalf("reading taken too soon: %+v", w)
		}
		w.watch(0, int64(teamSlowWait)/2)
		stall = 99
		w.watch(0, int64(teamSlowWait))
		if w.at != int64(teamSlowWait)/2 || w.stall != 77 || !w.ok {
			t.Fatalf("reading %+v, want at %d, stall 77", w, int64(teamSlowWait)/2)
		}
	})
}

// While the machine is found busy, products, elementwise work and
// ForEach run on the caller alone.
func TestNoSplittingWhenBusy(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	defer holdLoad(true)()
	calls := 0
	Parallel(1<<20, 1, func(lo, hi int) { calls++ })
	ParallelParts(1<<20, 1, func(lo, hi int) { calls++ })
	if calls != 2 {
		t.Fatalf("%d calls of fn while busy, want one each", calls)
	}
	// The first call waits a while for another to start, as one would on
	// a helper; on the caller alone none does, and the calls come in order.
	started := make(chan int, 4)
	var mu sync.Mutex
	var order []int
	overlapped := false
	ForEach(4, func(i int) {
		if i != 0 {
			started <- i
		} else {
			select {
			case <-time.After(50 * time.Millisecond):
			case <-started:
				mu.Lock()
				overlapped = true
				mu.Unlock()
			}
		}
		mu.Lock()
		order = append(order, i)
		mu.Unlock()
	})
	if overlapped || !slices.Equal(order, []int{0, 1, 2, 3}) {
		t.Fatalf("ForEach while busy: calls in order %v, overlapped %v; want 0 1 2 3 on the caller alone", order, overlapped)
	}
}

// holdLoad makes the team's load sample say busy (or not) until the
// function it returns restores it, with no new sample taken meanwhile.
func holdLoad(busy bool) (restore func()) {
	next, was := team.nextSample.Load(), team.busy.Load()
	team.nextSample.Store(1 << 62)
	team.busy.Store(busy)
	return func() { team.nextSample.Store(next); team.busy.Store(was) }
}

// retainTask is a task that records that a helper ran it.
type retainTask struct {
	slot   teamSlot
	helped atomic.Bool
	data   []float64 // what an operation's task references
}

func (t *retainTask) help(*worker) { t.helped.Store(true) }

// TestHelperKeepsNoTaskAlive checks that a helper that ran a task does not
// keep it, and so the data it references, alive once it is withdrawn: the
// helpers once kept the slot of the last task they ran, and with it, say,
// the operands of the last split product, until the next split, or for
// good once the program stopped splitting.
func TestHelperKeepsNoTaskAlive(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	task := &retainTask{data: make([]float64, 1<<10)}
	if !offer(task, &task.slot, 1, false) {
		t.Fatal("another task holds the helpers' slot")
	}
	for deadline := time.Now().Add(10 * time.Second); !task.helped.Load(); {
		if time.Now().After(deadline) {
			withdraw(&task.slot, true)
			t.Fatal("no helper ran the task in 10 s")
		}
		runtime.Gosched()
	}
	withdraw(&task.slot, true)
	w := weak.Make(task)
	task = nil
	runtime.GC()
	if w.Value() != nil {
		t.Fatal("the task is alive after it was withdrawn and a collection ran")
	}
}
