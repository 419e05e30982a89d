package kernels

import (
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Split trials: whether splitting pays on this machine, measured on the
// program's own products.
//
// The guards in team.go stop splitting while other processes keep the
// cores busy. They cannot see two vCPUs that are one physical core's two
// hardware threads, as the two vCPUs of most small cloud machines are:
// the threads share the core's multiply-add units, so each half of a split
// product runs at well under full speed, and splitting adds its own costs.
// The project's KVM guest looked like that for minutes at a time (a cache
// line's round trip between its vCPUs took 80-100 ns, against 115-550 ns
// otherwise): the MNIST MLP's training step (784-128-10, batch 64) took
// 367-375 µs on two threads, against 352 µs on one.
//
// So, every trialEvery while it splits, the team times the products it
// could split: first for trialPhase with nothing split, then for
// trialPhase split as usual, and compares each shape's times in the two
// phases (the lower medians of those timed at least twice in each; see
// lowMedian). A shape whose split products did not take less than
// trialGain of the unsplit ones' time runs unsplit until the next trial.
// (Small and shallow products often gain nothing: training the MNIST MLP
// 784-512-10 at batch 256 with the guest's vCPUs far apart, its output
// layer's 256×512×10 took 89-95 µs split against 74-94 µs not, and
// 10×512×256 (Aᵀ) 64-71 µs against 51-57 µs, while its 256×512×784 took
// 1301-1356 µs against 2077-2116 µs.) Where the same holds for all those
// shapes together, each weighed by its time and how often it ran, and
// they took at least trialCover of the serial phase's time, splitting
// pauses for trialPause, doubled for each further trial in a row that
// finds the same, up to trialPauseMax; a trial after each pause tells
// when splitting pays again. A pause stops every split (products,
// elementwise work, the optimizers'), so the helpers sleep and leave the
// core's other thread to the caller.
//
// A trial costs its serial phase: with two cores that split a step 1.5
// times as fast, 10 ms every 5 s at two-thirds of the speed, a loss of
// 0.07% (at most 1% where its phases last trialPhaseMax). Only products are timed: they take most of a model's time and
// their speed-up is the most sensitive to a shared core, and their shape
// names the work exactly (an elementwise operation's length does not say
// which operation ran). Results never depend on any of this: no element's
// arithmetic depends on whether its product was split.
const (
	// trialFirst is when the first trial begins, after the team's start.
	trialFirst = time.Second
	// trialEvery is the time from a trial that did not find splitting
	// too slow to the next, and trialRecheck the time to the next look
	// when one was due with GOMAXPROCS at 1.
	trialEvery   = 5 * time.Second
	trialRecheck = 100 * time.Millisecond
	// trialPhase is how long each phase of a trial lasts at least, and
	// trialPhaseMax at most: a phase goes on past trialPhase until it has
	// timed trialMinSamples products and one shape twice (in the split
	// phase, a shape that the serial phase timed twice). trialPhaseMax
	// bounds what a trial costs a program whose products take long or
	// never repeat a shape: at most 1% of its time without splitting.
	trialPhase      = 10 * time.Millisecond
	trialPhaseMax   = 50 * time.Millisecond
	trialMinSamples = 8
	// trialGain is the most that the split phase may take, as a share of
	// the serial phase's time, for splitting to count as paying.
	trialGain = 0.9
	// trialPause is the first pause in splitting after a trial found that
	// it did not pay, trialPauseMax the longest.
	trialPause    = time.Second
	trialPauseMax = 16 * time.Second
	// trialCover is the least share of the serial phase's time that the
	// shapes timed in both phases must have taken for their sum to tell
	// whether splitting pays at all.
	trialCover = 0.5
	// trialShapes and trialSamples bound what a trial keeps: the shapes it
	// times and the times of each in each phase.
	trialShapes  = 16
	trialSamples = 32
)

// The phases of a trial.
const (
	trialOff int32 = iota
	trialSerial
	trialSplit
)

// trialState is the trials' state. The phase, the time of the next trial
// and the pause are atomic, for splitting's check; the samples are under
// mu, which only goroutines that ran a product during a trial take.
type trialState struct {
	phase      atomic.Int32
	start      atomic.Int64 // when the current phase began (teamNow)
	next       atomic.Int64 // when the next trial begins
	pauseUntil atomic.Int64 // splitting pauses until then

	// slow holds the shapes (gemmTrialKey; 0 for none) that the last trial
	// found not to gain from splitting, and nslow how many there are.
	slow  [trialShapes]atomic.Uint64
	nslow atomic.Int32

	mu     sync.Mutex
	shapes [trialShapes]trialShape
	used   int     // shapes in use
	counts [2]int  // products timed in each phase
	fails  int     // trials in a row that found splitting did not pay
	ratio  float64 // the last verdict's split time over serial time (0: none yet)
}

// trialShape is one shape's times (ns) in the serial and the split phase.
type trialShape struct {
	key uint64
	n   [2]int
	d   [2][trialSamples]int64
}

// trial is the team's trial state.
var trial trialState

func init() { trial.reset(int64(trialFirst)) }

// newTrialState returns a state whose first trial begins at first.
func newTrialState(first int64) *trialState {
	s := new(trialState)
	s.reset(first)
	return s
}

// reset forgets every trial and pause, and has the next trial begin at
// next.
func (s *trialState) reset(next int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.phase.Store(trialOff)
	s.pauseUntil.Store(0)
	s.used, s.counts, s.fails, s.ratio = 0, [2]int{}, 0, 0
	s.setSlow(nil)
	s.next.Store(next)
}

// splits reports whether a product of shape key may split: not when the
// last trial found that its shape gains nothing from it, except in a
// trial's split phase, which times it split again.
func (s *trialState) splits(key uint64) bool {
	if s.nslow.Load() == 0 || s.phase.Load() == trialSplit {
		return true
	}
	for i := range s.slow {
		if s.slow[i].Load() == key {
			return false
		}
	}
	return true
}

// setSlow makes keys the shapes that run unsplit. s.mu is held.
func (s *trialState) setSlow(keys []uint64) {
	for i := range s.slow {
		var k uint64
		if i < len(keys) {
			k = keys[i]
		}
		s.slow[i].Store(k)
	}
	s.nslow.Store(int32(min(len(keys), len(s.slow))))
}

// allows reports whether splitting may go on at now: not in a trial's
// serial phase, nor during the pause after a trial that found splitting
// did not pay. It begins a trial when one is due and ends a phase that has
// lasted trialPhaseMax (a program that stopped computing products).
func (s *trialState) allows(now int64) bool {
	if now >= s.next.Load() {
		s.begin(now)
	}
	switch s.phase.Load() {
	case trialOff:
		return now >= s.pauseUntil.Load()
	case trialSerial:
		if now-s.start.Load() < int64(trialPhaseMax) {
			return false
		}
	default:
		if now-s.start.Load() < int64(trialPhaseMax) {
			return true
		}
	}
	s.mu.Lock()
	s.advance(now)
	s.mu.Unlock()
	return s.phase.Load() != trialSerial && now >= s.pauseUntil.Load()
}

// begin starts a trial's serial phase, unless one is running or the
// process has only one thread to split over (then it looks again after
// trialRecheck: the bench command, for one, switches between one thread
// and two every few milliseconds).
func (s *trialState) begin(now int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.phase.Load() != trialOff || now < s.next.Load() {
		return
	}
	if runtime.GOMAXPROCS(0) < 2 {
		s.next.Store(now + int64(trialRecheck))
		return
	}
	s.used, s.counts = 0, [2]int{}
	s.next.Store(1 << 62) // set again when the trial ends
	s.start.Store(now)
	s.phase.Store(trialSerial)
}

// timing returns the time to pass to record for a product that could be
// split, or 0 when no trial is running.
func (s *trialState) timing() int64 {
	if s.phase.Load() == trialOff {
		return 0
	}
	return teamNow()
}

// record adds the time of a product of shape key, begun at t0 (timing's
// result, not 0) and ended at now, split or not, to the trial: a serial
// product to the serial phase, a split one to the split phase, if it began
// in that phase. Other products (one that a busy machine or another
// goroutine's split kept from splitting in the split phase) are not
// counted.
func (s *trialState) record(key uint64, split bool, t0, now int64) {
	ph := s.phase.Load()
	if ph == trialOff || split != (ph == trialSplit) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.phase.Load() != ph || t0 < s.start.Load() {
		return
	}
	i := ph - trialSerial
	sh := s.shape(key)
	if sh != nil && sh.n[i] < trialSamples {
		sh.d[i][sh.n[i]] = now - t0
		sh.n[i]++
	}
	s.counts[i]++
	s.advance(now)
}

// shape returns key's samples, taking a free slot for a new key; nil when
// none is left.
func (s *trialState) shape(key uint64) *trialShape {
	for i := range s.used {
		if s.shapes[i].key == key {
			return &s.shapes[i]
		}
	}
	if s.used == len(s.shapes) {
		return nil
	}
	sh := &s.shapes[s.used]
	s.used++
	sh.key, sh.n = key, [2]int{}
	return sh
}

// advance ends the current phase once it has lasted trialPhase and timed
// enough products (see enough), or has lasted trialPhaseMax: the serial phase
// gives way to the split phase, and the split phase ends the trial with
// its verdict. s.mu is held.
func (s *trialState) advance(now int64) {
	ph := s.phase.Load()
	if ph == trialOff {
		return
	}
	el := now - s.start.Load()
	if el < int64(trialPhase) || (!s.enough(ph) && el < int64(trialPhaseMax)) {
		return
	}
	if ph == trialSerial {
		s.start.Store(now)
		s.phase.Store(trialSplit)
		return
	}
	pays, ok := s.verdict()
	switch {
	case !ok:
		s.next.Store(now + int64(trialEvery))
	case pays:
		s.fails = 0
		s.pauseUntil.Store(0)
		s.next.Store(now + int64(trialEvery))
	default:
		s.fails++
		p := min(int64(trialPause)<<min(s.fails-1, 16), int64(trialPauseMax))
		s.pauseUntil.Store(now + p)
		s.next.Store(now + p)
	}
	s.phase.Store(trialOff)
}

// enough reports whether phase ph has timed enough products to end:
// trialMinSamples, among them a shape twice (in the split phase, a shape
// that the serial phase timed twice too). s.mu is held.
func (s *trialState) enough(ph int32) bool {
	if s.counts[ph-trialSerial] < trialMinSamples {
		return false
	}
	for i := range s.used {
		if n := s.shapes[i].n; n[0] >= 2 && (ph == trialSerial || n[1] >= 2) {
			return true
		}
	}
	return false
}

// verdict compares the phases, shape by shape and in all, over the shapes
// timed at least twice in each phase (see lowMedian): it makes those whose
// split products did not gain the ones that run unsplit until the next
// trial, and reports whether splitting paid over them all, each weighed by
// how many times it ran in both phases. ok is false when they took less
// than trialCover of the serial phase's time: they cannot tell. s.mu is
// held.
func (s *trialState) verdict() (pays, ok bool) {
	var serial, split, all, covered float64
	var slow [trialShapes]uint64
	nslow := 0
	for i := range s.used {
		sh := &s.shapes[i]
		t0 := 0.0 // the shape's time in the serial phase
		for _, d := range sh.d[0][:sh.n[0]] {
			t0 += float64(d)
		}
		all += t0
		if sh.n[0] < 2 || sh.n[1] < 2 {
			continue
		}
		covered += t0
		m0, m1 := lowMedian(sh.d[0][:sh.n[0]]), lowMedian(sh.d[1][:sh.n[1]])
		w := float64(sh.n[0] + sh.n[1])
		serial += w * m0
		split += w * m1
		if m1 >= trialGain*m0 {
			slow[nslow] = sh.key
			nslow++
		}
	}
	s.setSlow(slow[:nslow])
	if serial == 0 || covered < trialCover*all {
		return false, false
	}
	s.ratio = split / serial
	return split < trialGain*serial, true
}

// SplitTrial is what the last split trial found: whether the products
// that the team split among goroutines ran faster than unsplit on this
// machine, measured on the program's own products. Every 5 s (after a
// first trial a second into the process) the team times the products it
// could split for 10 ms unsplit and 10 ms split. A shape that splitting
// did not speed up by a tenth runs unsplit until the next trial, and where
// that holds for the shapes that took most of the time, all splitting
// pauses for a second or more, as it should where the two CPUs are one
// core's two hardware threads.
type SplitTrial struct {
	// Ratio is the split products' time over their unsplit time in the
	// last trial that could tell, over the shapes timed at least twice
	// each way, each weighed by how often it ran; 0 when none could yet.
	Ratio float64
	// Paused reports whether splitting is paused now because it did not
	// pay.
	Paused bool
	// Unsplit is the number of product shapes that run unsplit until the
	// next trial.
	Unsplit int
}

// LastSplitTrial returns what the last split trial found.
func LastSplitTrial() SplitTrial { return trial.last(teamNow()) }

// last is LastSplitTrial at now.
func (s *trialState) last(now int64) SplitTrial {
	s.mu.Lock()
	r := s.ratio
	s.mu.Unlock()
	return SplitTrial{Ratio: r, Paused: now < s.pauseUntil.Load(), Unsplit: int(s.nslow.Load())}
}

// lowMedian returns the lower median of d (the faster of two, the middle of
// three), reordering it. A product's time only grows with what is not its
// own work (a page fault, a preemption, another program's burst on the
// core), and a phase of a trial of large products times a shape only two
// or three times: in a bench run a 64×8192×576 product took 9.7, 9.7 and
// 9.8 ms unsplit and 6.8 and 14.8 ms split, where the middle of the two
// split times (10.8 ms) paused all splitting for a second.
func lowMedian(d []int64) float64 {
	slices.Sort(d)
	return float64(d[(len(d)-1)/2])
}

// gemmTrialKey names a product's shape for the trials: never 0, which
// marks an empty place in the list of slow shapes.
func gemmTrialKey(g *gemmArgs) uint64 {
	k := uint64(g.m)*0x9e3779b97f4a7c15 ^ uint64(g.n)*0xc2b2ae3d27d4eb4f ^ uint64(g.k)*0x165667b19e3779f9
	if g.transA {
		k ^= 1
	}
	if g.transB {
		k ^= 2
	}
	return max(k, 4)
}
