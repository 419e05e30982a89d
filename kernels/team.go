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
// wants its core is the other danger: the helper then takes CPU time from
// this process's own main goroutine, or the operation waits up to a
// scheduler time slice (milliseconds) for the helper's part. Two guards
// stop all splitting (products, elementwise work and ForEach):
//
//   - sampleLoad measures every 100 ms how many cores were free to this
//     process (the machine's idle time plus its own CPU time); with fewer
//     than 1.5, nothing is split until a later sample finds two again.
//     Measured with another process holding one of the 2 vCPUs, the MLP
//     steps then ran as fast on GOMAXPROCS=2 as on 1, where splitting had
//     made them up to twice as slow.
//   - Every wait for a helper is timed (see waited): a second wait within
//     100 ms that outlasts the caller's own work pauses splitting for a
//     while (contended), doubling while such waits recur. This catches
//     contention that the load sample cannot see (outside Linux; another
//     goroutine of this process on the helper's core). Where Linux reports
//     the time tasks waited for a CPU, a long wait during which none did
//     is no sign: the helper ran, only slower (see stallWitness).
//
// Which goroutine computes which part never changes the arithmetic, so
// results do not depend on any of this.

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

// teamSlot holds the task helpers are offered, and the number of the
// offer, by which a helper tells a new one from the one it last ran
// without keeping a reference to it: a task references its operation's
// data (a product's operands), which a helper holding the slot would keep
// alive until the next split, or for good once splits stop.
//
// Each task carries its slot as its first field, so that a split
// allocates once. (Measured on the 2-vCPU KVM guest with its vCPUs far
// apart, the slot allocated apart from the task cost nothing that a
// two-part split's timing showed: the helper began its part 1.24-1.37 µs
// after the call either way.)
type teamSlot struct {
	t   task
	seq uint64
}

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
	// teamSample is the period over which sampleLoad measures free cores,
	// and teamFreeCores the least it must find for splitting (two cores,
	// with room for the imprecision of 10 ms ticks).
	teamSample    = 100 * time.Millisecond
	teamFreeCores = 1.5
	// teamStall is the share of a sample's wall time during which some task
	// waited for a CPU (see cpuStall) above which the machine counts as
	// busy too: 2-4% on the idle KVM guest, near 100% with another process
	// competing for a core.
	teamStall = 0.2
	// teamStrikes is the window in which a second sign of contention
	// (a held-back helper) pauses splitting.
	teamStrikes = 100 * time.Millisecond
	// teamBackoffLevels bounds the doublings of the pause.
	teamBackoffLevels = 8
	// teamYield is the checks of a counter or of the offered task between
	// two yields to the Go scheduler while spinning: each yield takes the
	// scheduler's lock, which the goroutine doing the work needs too.
	teamYield = 256
	// teamNap is the sleep between checks of a wait longer than teamSpin.
	teamNap = 20 * time.Microsecond
)

var team struct {
	mu      sync.Mutex   // serializes starting helpers
	started atomic.Int32 // helpers running
	cur     atomic.Pointer[teamSlot]
	offers  atomic.Uint64 // the last teamSlot.seq
	parked  atomic.Int32
	wake    chan struct{}

	epoch          time.Time
	backoffUntil   atomic.Int64 // ns since epoch before which splitting pauses
	backoffLevel   atomic.Int32 // 1 + doublings of teamBackoff in force; 0 when none
	lastContention atomic.Int64 // ns since epoch of the last contention or calming
	lastStrike     atomic.Int64 // ns since epoch of the last sign of contention

	nextSample atomic.Int64 // ns since epoch of the next sampleLoad
	busy       atomic.Bool  // the last sample found too few free cores
	sampleMu   sync.Mutex   // held while sampling
	sample     struct {     // the last sample, under sampleMu
		wall, idle, self, stall int64
		hasStall                bool
	}
}

func init() {
	team.wake = make(chan struct{}, 256)
	team.epoch = time.Now()
}

// teamNow returns the monotonic time since the team's epoch, ns.
func teamNow() int64 { return int64(time.Since(team.epoch)) }

// splitting reports whether work may be split among goroutines now: not
// while other processes keep the machine's cores busy (see sampleLoad),
// nor while a wait for a held-back helper has paused it, nor while a
// split trial runs without splitting or has found that splitting does not
// pay (see trialState).
func splitting() bool {
	now := teamNow()
	return coresFree(now) && trial.allows(now)
}

// coresFree reports whether the guards against other processes allow
// splitting at now: the load sample (see sampleLoad) and the pause after
// waits for held-back helpers (see contended). ForEach asks only this:
// the split trial measures products (see trialState), and its verdict is
// theirs.
func coresFree(now int64) bool {
	if now >= team.nextSample.Load() {
		sampleLoad(now)
	}
	return !team.busy.Load() && now >= team.backoffUntil.Load()
}

// helpersFree reports whether no task is offered to the helpers now: a
// split made while one is (a product inside a part of an outer split, or
// beside another goroutine's) would find them busy, so callers run it on
// one goroutine without building the job.
func helpersFree() bool { return team.cur.Load() == nil }

// sampleLoad measures, every teamSample, the cores this process could have
// used over the last period: the machine's idle time plus the process's
// own CPU time, per unit of wall time. Below teamFreeCores, a split would
// have its helper compete with another process for a core, so splitting
// stops until a later sample finds cores free again. So it does while
// tasks waited for a CPU more than teamStall of the period (where Linux
// reports it; see cpuStall), which catches a helper sharing its core
// with another process. Where the idle time
// cannot be read (outside Linux), the other guards alone apply.
func sampleLoad(now int64) {
	if !team.sampleMu.TryLock() {
		return // another goroutine samples
	}
	defer team.sampleMu.Unlock()
	if now < team.nextSample.Load() {
		return
	}
	team.nextSample.Store(now + int64(teamSample))
	idle, self, ok := cpuTimes()
	if !ok {
		team.nextSample.Store(1 << 62)
		return
	}
	stall, hasStall := cpuStall()
	p := &team.sample
	if p.wall != 0 {
		wall := float64(now - p.wall)
		free := float64(idle-p.idle+self-p.self) / wall
		stalled := hasStall && p.hasStall && float64(stall-p.stall)/wall > teamStall
		team.busy.Store(free < teamFreeCores || stalled)
	}
	p.wall, p.idle, p.self, p.stall, p.hasStall = now, idle, self, stall, hasStall
}

// ResetLoad starts a new period of the load sampling that stops splitting
// while other processes keep the cores busy (see sampleLoad), forgetting
// what the current period has seen: splitting is allowed again until the
// new period's end. It is for a program that knows the load since the
// last sample was its own, such as a benchmark that takes turns with a
// process of its own: bench -torch's PyTorch side keeps a core busy for a
// run, and the sample that saw it would stop splitting for the runs of
// ours that follow.
func ResetLoad() {
	team.sampleMu.Lock()
	defer team.sampleMu.Unlock()
	now := teamNow()
	idle, self, ok := cpuTimes()
	if !ok {
		return // no load sampling here
	}
	stall, hasStall := cpuStall()
	p := &team.sample
	p.wall, p.idle, p.self, p.stall, p.hasStall = now, idle, self, stall, hasStall
	team.nextSample.Store(now + int64(teamSample))
	team.busy.Store(false)
}

// offer puts t, in its slot s (a field of t), where helpers look for
// work, waking sleeping ones, and starts helpers up to GOMAXPROCS-1. It
// reports false when another task holds the place (another goroutine's
// operation, or an outer split whose part is running this one): then the
// helpers are busy, and with spawn it starts goroutines of their own for
// t (ForEach, so that its calls run at once whenever the machine has
// cores free, as it documents); without, the caller does all the work,
// since more goroutines than cores would only take turns.
func offer(t task, s *teamSlot, helpers int, spawn bool) bool {
	s.t, s.seq = t, team.offers.Add(1)
	if !team.cur.CompareAndSwap(nil, s) {
		if spawn {
			for range helpers {
				go t.help(nil)
			}
		}
		return false
	}
	if int(team.started.Load()) < helpers {
		team.mu.Lock()
		for int(team.started.Load()) < helpers {
			team.started.Add(1)
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

// withdraw takes the task in slot s back from the helpers once all its
// parts are claimed.
func withdraw(s *teamSlot, offered bool) {
	if offered && team.cur.Load() == s {
		team.cur.Store(nil)
	}
}

// helper runs offered tasks, looking for one for teamSpin after the last
// before it sleeps until offer wakes it.
func helper() {
	w := new(worker)
	var last uint64 // the seq of the last slot run
	idleSince := teamNow()
	for spins := 0; ; spins++ {
		if s := team.cur.Load(); s != nil && s.seq != last {
			last = s.seq
			s.t.help(w)
			idleSince = teamNow()
			continue
		}
		if spins%teamYield != 0 {
			continue
		}
		now := teamNow()
		if now-idleSince > int64(teamSpin) || runtime.GOMAXPROCS(0) == 1 || !splitting() {
			team.parked.Add(1)
			if s := team.cur.Load(); s == nil || s.seq == last {
				<-team.wake
			}
			team.parked.Add(-1)
			idleSince = teamNow()
			continue
		}
		runtime.Gosched()
	}
}

// waitFor spins, yielding as pause says, until done reports true, and
// records the wait (see waited) when it was not over at once; start is
// when the caller began its own part of the work (teamNow).
func waitFor(start int64, done func() bool) {
	if done() {
		return
	}
	t0 := teamNow()
	var w stallWitness
	for spins := 1; !done(); spins++ {
		if spins%teamYield == 0 {
			w.watch(t0, teamNow())
			pause(t0)
		}
	}
	waited(teamNow()-t0, t0-start, &w)
}

// waited records that the caller of a split waited wait ns for parts a
// helper had claimed, after working worked ns itself. A wait longer than
// teamSlowWait and than the caller's own work means the helper was held
// back (see contended), unless w shows that no task waited for a CPU
// meanwhile: then the helper ran, only slower than the caller, and the
// wait is no sign either way. A short wait is a split that went well (see
// calm).
func waited(wait, worked int64, w *stallWitness) {
	now := teamNow()
	if wait > int64(teamSlowWait) && wait > worked {
		if w.heldBack(now) {
			contended(now)
		}
		return
	}
	calm(now)
}

// readStall is cpuStall, a variable so that tests can feed it.
var readStall = cpuStall

// stallWitness tells a helper held back from one that runs slower than its
// caller, during a long wait for it: a reading of the machine's CPU stall
// time (see cpuStall) taken once the wait has lasted half of teamSlowWait,
// compared at the end with another. A held-back helper's thread waits for
// a CPU, so the stall time grows as fast as the wall clock; a helper that
// runs slower adds none. A reading costs about 8 µs (three system calls
// here): the first is taken while the caller waits anyway, the second only
// after a wait longer than teamSlowWait and than the caller's own work.
//
// On the 2-vCPU KVM guest with its vCPUs far apart (a cache line's round
// trip about 480 ns) one part of a split often runs much longer than the
// other with the machine idle: an SGD step's half whose lines the other
// core's caches held took three times as long as the other half. Counted as contention, such waits paused all splitting:
// training a 128×784-1024-10 MLP on two threads for 3 s, 25 times
// alternated, splitting was paused in most runs (up to 44% of the
// steps), and a step took 3.2-5.4 ms (median 3.66) against 3.2-4.1 ms
// (median 3.51) with this witness, which paused it in none; with another
// process holding a core (nothing split) a step took 6.0-6.6 ms.
type stallWitness struct {
	at, stall int64 // when the reading was taken (teamNow; 0: not yet) and the stall total then
	ok        bool  // the reading could be taken
}

// watch takes the reading once the wait begun at t0 has lasted half of
// teamSlowWait, if it has not been taken yet.
func (w *stallWitness) watch(t0, now int64) {
	if w.at == 0 && now-t0 >= int64(teamSlowWait)/2 {
		w.stall, w.ok = readStall()
		w.at = now
	}
}

// heldBack reports whether tasks waited for a CPU for more than teamStall
// of the time since the reading, or true where that cannot be told (w
// nil, no reading, or no stall information on this system), so that a
// long wait then counts as before.
func (w *stallWitness) heldBack(now int64) bool {
	if w == nil || !w.ok || now <= w.at {
		return true
	}
	s, ok := readStall()
	return !ok || float64(s-w.stall) > teamStall*float64(now-w.at)
}

// contended pauses splitting when a helper was held back twice within
// teamStrikes, because another process (or another goroutine of this one)
// wanted its core. The pause is
// teamBackoff, doubled for each time this happened without a calm period
// in between, up to teamBackoffMax; helpers sleep through it.
func contended(now int64) {
	if prev := team.lastStrike.Swap(now); now-prev > int64(teamStrikes) {
		return // a first sign: one may come from the Go scheduler (a stop-the-world, GOMAXPROCS changed)
	}
	lv := team.backoffLevel.Add(1)
	if lv > teamBackoffLevels {
		team.backoffLevel.Store(teamBackoffLevels)
		lv = teamBackoffLevels
	}
	team.backoffUntil.Store(now + backoffPause(lv))
	team.lastContention.Store(now)
}

// calm undoes one doubling of the pause once twice the current pause has
// passed since the last contention (or the last undoing): a busy machine
// is probed less and less often, an idle one soon splits freely again.
func calm(now int64) {
	lv := team.backoffLevel.Load()
	if lv == 0 {
		return
	}
	last := team.lastContention.Load()
	if now-last > 2*backoffPause(lv) && team.lastContention.CompareAndSwap(last, now) {
		team.backoffLevel.CompareAndSwap(lv, lv-1)
	}
}

// backoffPause is the pause in splitting at backoff level lv (at least 1).
func backoffPause(lv int32) int64 {
	return min(int64(teamBackoff)<<(lv-1), int64(teamBackoffMax))
}

// pause is a waiting goroutine's pause between checks, every teamYield of
// them: a yield to the Go scheduler for the first teamSpin of a wait that
// began at t0, then a short sleep, so that a long wait (a helper's long
// part, or one the operating system holds back) does not keep a core busy.
func pause(t0 int64) {
	if teamNow()-t0 < int64(teamSpin) {
		runtime.Gosched()
		return
	}
	time.Sleep(teamNap)
}

// splitClaims hands out the chunks of a split, each once, and counts
// those finished.
//
// The chunks fall into homes runs of per consecutive ones, and chunk
// h·per+i is the i-th of run h. A goroutine works first in its home run,
// the one numbered like its CPU (see home), taking its chunks from the
// front: a run's chunks cover the same data in every split of the same
// shape (a layer's forward product, its weight's gradient, the optimizer's
// update of it), so each core finds its data in its own cache. When its
// run is empty it takes chunks from the back of the run with the most
// left. So a core that runs slower than the other (a busy neighbour on its
// physical core, the hypervisor's placement) or that the operating system
// holds back delays the end by at most the chunk it holds: the other core
// takes the rest of its run. Each run's counters have a cache line of
// their own, so a goroutine working in its own run does not move lines
// between cores until it steals or the caller joins.
type splitClaims struct {
	runs   []claimRun
	per    int
	inline [2]claimRun // runs when there are at most two
}

// claimRun is one run's unclaimed chunks, next<<32 | end (chunks next to
// end-1 are left), and its chunks finished, padded to 128 bytes: a cache
// line on the CPUs with the longest (some arm64 ones), two elsewhere.
type claimRun struct {
	span atomic.Uint64
	done atomic.Int32
	_    [128 - 12]byte
}

// init sets c to homes runs of per chunks, none claimed.
func (c *splitClaims) init(homes, per int) {
	if homes <= len(c.inline) {
		c.runs = c.inline[:homes]
	} else {
		c.runs = make([]claimRun, homes)
	}
	c.per = per
	for h := range c.runs {
		c.runs[h].span.Store(uint64(per))
	}
}

// chunks returns the number of chunks.
func (c *splitClaims) chunks() int { return len(c.runs) * c.per }

// home returns the run the calling goroutine works in first: the one
// numbered like its CPU (by rank among the CPUs the process may use,
// modulo the runs), whichever goroutine runs there. Where the CPU cannot
// be told, the caller of the split takes run 0 and helpers (-1) begin by
// taking from the back of the fullest run.
func (c *splitClaims) home(caller bool) int {
	if cpu := currentCPU(); cpu >= 0 {
		return cpu % len(c.runs)
	}
	if caller {
		return 0
	}
	return -1
}

// claim returns a chunk: the front one left in run h (h < 0 for none),
// or else the back one of the run with the most left; -1 when no chunk is
// left.
func (c *splitClaims) claim(h int) int {
	if h >= 0 {
		r := &c.runs[h]
		for {
			s := r.span.Load()
			next, end := s>>32, s&0xffffffff
			if next >= end {
				break
			}
			if r.span.CompareAndSwap(s, s+1<<32) {
				return h*c.per + int(next)
			}
		}
	}
	for {
		v, most := -1, uint64(0)
		for i := range c.runs {
			s := c.runs[i].span.Load()
			if next, end := s>>32, s&0xffffffff; end > next && end-next > most {
				v, most = i, end-next
			}
		}
		if v < 0 {
			return -1
		}
		r := &c.runs[v]
		s := r.span.Load()
		if next, end := s>>32, s&0xffffffff; next < end && r.span.CompareAndSwap(s, s-1) {
			return v*c.per + int(end-1)
		}
	}
}

// finish records that chunk p is done.
func (c *splitClaims) finish(p int) { c.runs[p/c.per].done.Add(1) }

// finished returns the number of chunks done.
func (c *splitClaims) finished() int {
	n := 0
	for i := range c.runs {
		n += int(c.runs[i].done.Load())
	}
	return n
}

// join returns when every chunk is done, which goroutines that claimed
// them are about to make so, timing the wait as waited does when it is
// not over at once; start is when the caller began the work (teamNow).
func (c *splitClaims) join(start int64) {
	n := c.chunks()
	if c.finished() >= n {
		return
	}
	waitFor(start, func() bool { return c.finished() >= n })
}
