package kernels

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// The team: helper goroutines that stay alive between parallel
// operations, so that splitting work does not pay for waking a thread
// every time.
//
// Starting a goroutine for each split costs little in Go, but the thread
// that runs it has usually gone to sleep since the last split, and waking
// a sleeping vCPU of a virtual machine took from tens of microseconds to a
// millisecond on the project's KVM guests: more than a whole product of an
// MNIST MLP's step takes (about 140 µs). Measured there, a 64×128×784
// product split in two ran 0.73 times as fast as on one goroutine when a
// goroutine was started per split, and 1.58 times as fast with a helper
// that was already running. So a helper that finishes its work keeps
// looking for more for teamSpin before it sleeps: a training step's
// operations follow one another within microseconds, and their splits find
// the helpers awake.
//
// A helper spinning, or holding a claimed part, while another process
// holds its core is the other danger: the operation then waits up to a
// scheduler time slice (milliseconds) for that part. Every wait for a
// helper is timed (see team.waited); a wait that costs more than the
// helper's share could have saved stops the splitting of products and
// elementwise work for a while (teamBackoff, doubling while the waits
// recur), so that a busy machine runs them on one goroutine, as fast as
// GOMAXPROCS=1 would. ForEach, whose callers may rely on its calls running
// at once, always splits.

// task is parallel work that helpers can join: help claims and runs parts
// until none is left, on the helper w (nil on a goroutine started for the
// task alone). A helper may call help after the work is finished and its
// caller has returned, so help must touch nothing but the task's claim
// counters until it has claimed a part.
type task interface{ help(w *worker) }

// worker is a helper's own state: the packing buffers of the products it
// helps with, kept from one product to the next (a buffer from a pool
// would be dropped by the garbage collector now and then, and allocating
// it again in the middle of a split product holds the caller up).
type worker struct {
	buf *gemmBuf
}

// teamSlot holds the task helpers are offered.
type teamSlot struct{ t task }

const (
	// teamSpin is how long a helper keeps looking for work after its last
	// task before it sleeps.
	teamSpin = 500 * time.Microsecond
	// teamBackoff is the first pause in splitting after a wait for a held
	// back helper; it doubles, up to teamBackoffMax, while such waits recur.
	teamBackoff    = 10 * time.Millisecond
	teamBackoffMax = time.Second
	// teamSlowWait is the least wait for a helper that counts as a held
	// back one (with the wait longer than the caller's own work).
	teamSlowWait = 300 * time.Microsecond
	// teamYield is the checks of a counter or of the offered task between
	// two yields to the Go scheduler while spinning: each yield takes the
	// scheduler's lock, which the goroutine doing the work needs too.
	teamYield = 256
)

var team struct {
	mu      sync.Mutex // guards started
	started int        // helpers running
	cur     atomic.Pointer[teamSlot]
	parked  atomic.Int32
	wake    chan struct{}

	epoch        time.Time
	backoffUntil atomic.Int64 // ns since epoch before which splitting pauses
	backoffLevel atomic.Int32 // doublings of teamBackoff in force
}

func init() {
	team.wake = make(chan struct{}, 256)
	team.epoch = time.Now()
}

// teamNow returns the monotonic time since the team's epoch, ns.
func teamNow() int64 { return int64(time.Since(team.epoch)) }

// splitting reports whether work may be split among goroutines now: not
// while a wait for a held-back helper has paused it.
func splitting() bool {
	until := team.backoffUntil.Load()
	return until == 0 || teamNow() >= until
}

// offer puts t where helpers look for work, waking sleeping ones, and
// starts helpers up to GOMAXPROCS-1. It reports false when another task
// holds the place (another goroutine's operation, or an outer one whose
// part is running this), and then starts helpers goroutines of their own for t.
func offer(t task, helpers int) bool {
	s := &teamSlot{t}
	if !team.cur.CompareAndSwap(nil, s) {
		for range helpers {
			go t.help(nil)
		}
		return false
	}
	if team.started < helpers {
		team.mu.Lock()
		for team.started < helpers {
			team.started++
			go helper()
		}
		team.mu.Unlock()
	}
	for n := min(int(team.parked.Load()), helpers); n > 0; n-- {
		select {
		case team.wake <- struct{}{}:
		default:
			n = 0
		}
	}
	return true
}

// withdraw takes t back from the helpers once all its parts are claimed.
func withdraw(t task, offered bool) {
	if offered {
		s := team.cur.Load()
		if s != nil && s.t == t {
			team.cur.Store(nil)
		}
	}
}

// helper runs offered tasks, looking for one for teamSpin after the last
// before it sleeps until offer wakes it.
func helper() {
	w := new(worker)
	var last *teamSlot
	idleSince := teamNow()
	for spins := 0; ; spins++ {
		if s := team.cur.Load(); s != nil && s != last {
			last = s
			s.t.help(w)
			idleSince = teamNow()
			continue
		}
		if spins%teamYield != 0 {
			continue
		}
		if teamNow()-idleSince > int64(teamSpin) || runtime.GOMAXPROCS(0) == 1 {
			team.parked.Add(1)
			if s := team.cur.Load(); s == nil || s == last {
				<-team.wake
			}
			team.parked.Add(-1)
			idleSince = teamNow()
			continue
		}
		runtime.Gosched()
	}
}

// waited records that the caller of a split waited wait ns for parts a
// helper had claimed, after working worked ns itself. A long wait, longer
// than the caller's own work, means a helper was held back: splitting
// pauses for a while, longer each time it recurs. A short one undoes one
// doubling.
func waited(wait, worked int64) {
	if wait > int64(teamSlowWait) && wait > worked {
		lv := min(team.backoffLevel.Add(1), 7)
		pause := min(int64(teamBackoff)<<(lv-1), int64(teamBackoffMax))
		team.backoffUntil.Store(teamNow() + wait + pause)
		return
	}
	if lv := team.backoffLevel.Load(); lv > 0 && team.backoffUntil.Load() < teamNow() {
		team.backoffLevel.CompareAndSwap(lv, lv-1)
	}
}

// joinCounter returns when c reaches n, which goroutines that claimed
// parts are about to make it do, timing the wait as waited does when it
// is not over at once; start is when the caller began the work (teamNow).
func joinCounter(c *atomic.Int32, n int, start int64) {
	if c.Load() >= int32(n) {
		return
	}
	t0 := teamNow()
	for spins := 1; c.Load() < int32(n); spins++ {
		if spins%teamYield == 0 {
			runtime.Gosched()
		}
	}
	t1 := teamNow()
	waited(t1-t0, t0-start)
}
