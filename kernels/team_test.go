package kernels

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// partClaims hands out every part once, the preferred one first when it
// is free, then the lowest left.
func TestPartClaims(t *testing.T) {
	for _, n := range []int{1, 2, 3, 7, 63, 64} {
		c := partClaims{n: n}
		seen := make([]bool, n)
		if p := c.claim(n - 1); p != n-1 {
			t.Fatalf("n=%d: claim(%d) = %d on a fresh split", n, n-1, p)
		}
		seen[n-1] = true
		if n > 1 {
			if p := c.claim(n - 1); p != 0 {
				t.Fatalf("n=%d: claim of a taken part gave %d, want the lowest free, 0", n, p)
			}
			seen[0] = true
		}
		for {
			p := c.claim(-1)
			if p < 0 {
				break
			}
			if seen[p] {
				t.Fatalf("n=%d: part %d handed out twice", n, p)
			}
			seen[p] = true
		}
		for p, ok := range seen {
			if !ok {
				t.Fatalf("n=%d: part %d never handed out", n, p)
			}
		}
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
		waited(long, 0)
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
		waited(long, 10*long)
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

// While the machine is found busy, products and elementwise work run on
// the caller alone (ForEach still splits).
func TestNoSplittingWhenBusy(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	next, busy := team.nextSample.Load(), team.busy.Load()
	team.nextSample.Store(1 << 62)
	team.busy.Store(true)
	defer func() { team.nextSample.Store(next); team.busy.Store(busy) }()
	calls := 0
	Parallel(1<<20, 1, func(lo, hi int) { calls++ })
	ParallelParts(1<<20, 1, func(lo, hi int) { calls++ })
	if calls != 2 {
		t.Fatalf("%d calls of fn while busy, want one each", calls)
	}
	var n atomic.Int32
	ForEach(4, func(int) { n.Add(1) })
	if n.Load() != 4 {
		t.Fatalf("ForEach made %d calls, want 4", n.Load())
	}
}
