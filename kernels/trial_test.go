package kernels

import (
	"math"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// runPhase feeds s products of the shapes in keys in turn, d(key) ns
// each, one after another from now (split or not, as split says), until
// the phase s was in has ended or n products ran (n < 0: no limit), and
// returns the time after the last.
func runPhase(t *testing.T, s *trialState, now int64, keys []uint64, n int, split bool, d func(uint64) int64) int64 {
	t.Helper()
	ph := s.phase.Load()
	for i := 0; i != n && i < 10000; i++ {
		if n < 0 && s.phase.Load() != ph {
			return now
		}
		k := keys[i%len(keys)]
		t0 := now
		now += d(k)
		s.record(k, split, t0, now)
	}
	if n < 0 {
		t.Fatalf("phase %d did not end", ph)
	}
	return now
}

// A trial splits nothing for its first phase and as usual for its
// second; then splitting goes on while it paid, pauses (doubling) while
// it did not, and looks again soon when the trial could not tell.
func TestSplitTrial(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	ms := int64(time.Millisecond)
	keys := []uint64{11, 22}
	serialTime := func(k uint64) int64 { return int64(k) * 100_000 } // 1.1 and 2.2 ms
	trialRun := func(t *testing.T, s *trialState, now int64, splitTime func(uint64) int64) int64 {
		t.Helper()
		if s.allows(now) {
			t.Fatalf("splitting allowed at the start of a trial (phase %d)", s.phase.Load())
		}
		now = runPhase(t, s, now, keys, -1, false, serialTime)
		if s.phase.Load() != trialSplit || !s.allows(now) {
			t.Fatalf("after the serial phase: phase %d, allows %v; want the split phase", s.phase.Load(), s.allows(now))
		}
		now = runPhase(t, s, now, keys, -1, true, splitTime)
		if s.phase.Load() != trialOff {
			t.Fatalf("the trial did not end after its split phase (phase %d)", s.phase.Load())
		}
		return now
	}

	t.Run("pays", func(t *testing.T) {
		s := newTrialState(0)
		now := trialRun(t, s, 0, func(k uint64) int64 { return serialTime(k) * 6 / 10 })
		if !s.allows(now) || !s.allows(now+int64(trialEvery)-1) {
			t.Fatal("splitting paused after a trial where it paid")
		}
		if got := s.next.Load(); got != now+int64(trialEvery) {
			t.Fatalf("next trial at %d, want %d", got, now+int64(trialEvery))
		}
		if s.allows(now + int64(trialEvery)) {
			t.Fatal("no new trial after trialEvery")
		}
	})

	t.Run("does not pay", func(t *testing.T) {
		s := newTrialState(0)
		slower := func(k uint64) int64 { return serialTime(k) * 95 / 100 } // below the serial time, above trialGain of it
		now := trialRun(t, s, 0, slower)
		if s.allows(now) || s.allows(now+int64(trialPause)-1) {
			t.Fatal("splitting allowed after a trial where it did not pay")
		}
		now += int64(trialPause)
		now = trialRun(t, s, now, slower) // the pause's end begins the next trial
		if s.allows(now + 2*int64(trialPause) - 1) {
			t.Fatal("the second pause in a row is not twice as long")
		}
		if got := s.pauseUntil.Load(); got != now+2*int64(trialPause) {
			t.Fatalf("second pause until %d, want %d", got, now+2*int64(trialPause))
		}
		// A trial where splitting pays again ends the pauses.
		now = trialRun(t, s, now+2*int64(trialPause), func(k uint64) int64 { return serialTime(k) / 2 })
		if !s.allows(now) || s.fails != 0 {
			t.Fatalf("splitting still paused (%d failed trials) after it paid again", s.fails)
		}
	})

	t.Run("the longest pause", func(t *testing.T) {
		s := newTrialState(0)
		now := int64(0)
		for range 10 {
			now = trialRun(t, s, now, serialTime)
			now = s.pauseUntil.Load()
		}
		if p := s.pauseUntil.Load() - s.next.Load(); p != 0 {
			t.Fatalf("the next trial is %d ns from the pause's end, want 0", p)
		}
		now = trialRun(t, s, now, serialTime)
		if p := s.pauseUntil.Load() - now; p != int64(trialPauseMax) {
			t.Fatalf("pause of %v after many failed trials, want %v", time.Duration(p), trialPauseMax)
		}
	})

	t.Run("shape by shape", func(t *testing.T) {
		// Shape 22 gains from splitting, shape 11 does not; together they
		// do, so splitting goes on, but not for shape 11's products.
		s := newTrialState(0)
		now := trialRun(t, s, 0, func(k uint64) int64 {
			if k == 11 {
				return serialTime(k)
			}
			return serialTime(k) / 2
		})
		if !s.allows(now) || s.splits(11) || !s.splits(22) || !s.splits(33) {
			t.Fatalf("after the trial: allows %v, splits 11 %v, 22 %v, 33 %v; want true, false, true, true",
				s.allows(now), s.splits(11), s.splits(22), s.splits(33))
		}
		// The next trial's split phase splits shape 11 again, to time it.
		now += int64(trialEvery)
		s.allows(now)
		now = runPhase(t, s, now, keys, -1, false, serialTime)
		if s.phase.Load() != trialSplit || !s.splits(11) {
			t.Fatalf("in the split phase (phase %d) shape 11 does not split", s.phase.Load())
		}
		// Where it gains now, it splits after the trial too.
		runPhase(t, s, now, keys, -1, true, func(k uint64) int64 { return serialTime(k) / 2 })
		if !s.splits(11) {
			t.Fatal("shape 11 still unsplit after a trial where it gained")
		}
	})

	t.Run("what the last trial found", func(t *testing.T) {
		s := newTrialState(0)
		if got := s.last(0); got != (SplitTrial{}) {
			t.Fatalf("before any trial: %+v, want zeros", got)
		}
		now := trialRun(t, s, 0, func(k uint64) int64 {
			if k == 11 {
				return serialTime(k)
			}
			return serialTime(k) / 2
		})
		// Both shapes ran as often: split 1.1 and 1.1 ms, unsplit 1.1
		// and 2.2 ms.
		if got := s.last(now); got.Paused || got.Unsplit != 1 || math.Abs(got.Ratio-2.0/3) > 1e-12 {
			t.Fatalf("after a trial that paid: %+v, want ratio 2/3, not paused, 1 shape unsplit", got)
		}
		now = trialRun(t, s, now+int64(trialEvery), serialTime)
		if got := s.last(now); !got.Paused || got.Ratio != 1 || got.Unsplit != 2 {
			t.Fatalf("after a trial that did not pay: %+v, want ratio 1, paused, 2 shapes unsplit", got)
		}
		if got := s.last(s.pauseUntil.Load()); got.Paused {
			t.Fatal("still paused at the pause's end")
		}
		_ = LastSplitTrial() // the team's own, whatever it found
	})

	t.Run("too little timed to tell", func(t *testing.T) {
		// Shape 22 runs in the serial phase only, taking most of its time;
		// shape 11, timed in both, gains nothing: it alone runs unsplit,
		// and splitting goes on.
		s := newTrialState(0)
		s.allows(0)
		now := int64(0)
		for s.phase.Load() == trialSerial {
			now = runPhase(t, s, now, []uint64{11, 22, 22}, 3, false, serialTime)
		}
		now = runPhase(t, s, now, []uint64{11}, -1, true, serialTime)
		if !s.allows(now) || s.fails != 0 || s.splits(11) || !s.splits(22) {
			t.Fatalf("allows %v, failed trials %d, splits 11 %v, 22 %v; want true, 0, false, true", s.allows(now), s.fails, s.splits(11), s.splits(22))
		}
		if got := s.next.Load(); got != now+int64(trialEvery) {
			t.Fatalf("next trial at %d, want %d", got, now+int64(trialEvery))
		}
	})

	t.Run("cannot tell", func(t *testing.T) {
		// The split phase times other shapes than the serial one.
		s := newTrialState(0)
		s.allows(0)
		splitStart := runPhase(t, s, 0, keys, -1, false, serialTime)
		now := runPhase(t, s, splitStart, []uint64{33}, -1, true, func(uint64) int64 { return 2 * ms })
		if now-splitStart < int64(trialPhaseMax) {
			t.Fatalf("the split phase ended after %v, before trialPhaseMax, with no shape of the serial phase timed", time.Duration(now-splitStart))
		}
		if s.phase.Load() != trialOff || !s.allows(now) {
			t.Fatalf("an inconclusive trial left phase %d, allows %v", s.phase.Load(), s.allows(now))
		}
		if got := s.next.Load(); got != now+int64(trialEvery) {
			t.Fatalf("next trial at %d, want %d (trialEvery later)", got, now+int64(trialEvery))
		}
	})

	// few times a large product in a serial phase of 12 ms products until
	// trialPhaseMax ends it, and returns the split phase's start.
	few := func(t *testing.T, s *trialState) int64 {
		t.Helper()
		s.allows(0)
		now := int64(0)
		for s.phase.Load() == trialSerial {
			s.record(7, false, now, now+12*ms)
			now += 12 * ms
		}
		if s.shapes[0].n[0] != 5 {
			t.Fatalf("the serial phase timed %d products, want 5", s.shapes[0].n[0])
		}
		return now
	}

	t.Run("an outlier among few", func(t *testing.T) {
		// Split, the shape took 7 ms and then 30 ms (held up by something
		// else): the faster of the two counts, and splitting goes on.
		s := newTrialState(0)
		start := few(t, s)
		s.record(7, true, start, start+7*ms)
		s.record(7, true, start+7*ms, start+37*ms)
		now := start + int64(trialPhaseMax)
		if !s.allows(now) || s.phase.Load() != trialOff {
			t.Fatalf("after the trial: allows %v, phase %d; want true, off", s.allows(now), s.phase.Load())
		}
		if got := s.last(now); got.Paused || got.Unsplit != 0 || math.Abs(got.Ratio-7.0/12) > 1e-12 {
			t.Fatalf("after the trial: %+v, want ratio 7/12, not paused, no shape unsplit", got)
		}
	})

	t.Run("a shape timed once in a phase", func(t *testing.T) {
		// One split product of 16 ms against 12 ms unsplit tells nothing.
		s := newTrialState(0)
		start := few(t, s)
		s.record(7, true, start, start+16*ms)
		now := start + int64(trialPhaseMax)
		if !s.allows(now) || s.fails != 0 || !s.splits(7) {
			t.Fatalf("allows %v, failed trials %d, splits %v; want true, 0, true", s.allows(now), s.fails, s.splits(7))
		}
		if got := s.next.Load(); got != now+int64(trialEvery) {
			t.Fatalf("next trial at %d, want %d (trialEvery later)", got, now+int64(trialEvery))
		}
		if got := s.last(now); got.Ratio != 0 {
			t.Fatalf("ratio %v after a trial that could not tell, want 0", got.Ratio)
		}
	})

	t.Run("what counts", func(t *testing.T) {
		s := newTrialState(0)
		s.allows(5 * ms)                // begins the trial at 5 ms
		s.record(11, false, 4*ms, 6*ms) // begun before the trial
		s.record(11, true, 6*ms, 7*ms)  // split in the serial phase (another caller's trial state)
		if s.counts != [2]int{} {
			t.Fatalf("counted %v, want nothing", s.counts)
		}
		now := runPhase(t, s, 7*ms, keys, -1, false, serialTime)
		s.record(11, false, now, now+ms) // not split in the split phase (a busy machine)
		if s.counts[1] != 0 {
			t.Fatalf("a serial product counted in the split phase")
		}
	})

	t.Run("a phase with no products", func(t *testing.T) {
		s := newTrialState(0)
		s.allows(0)
		if s.allows(int64(trialPhaseMax) - 1) {
			t.Fatal("splitting allowed in the serial phase")
		}
		if !s.allows(int64(trialPhaseMax)) {
			t.Fatal("the serial phase outlasted trialPhaseMax")
		}
		if !s.allows(2*int64(trialPhaseMax)) || s.phase.Load() != trialOff {
			t.Fatalf("the split phase outlasted trialPhaseMax (phase %d)", s.phase.Load())
		}
		if got := s.next.Load(); got != 2*int64(trialPhaseMax)+int64(trialEvery) {
			t.Fatalf("next trial at %d, want trialEvery after the empty one", got)
		}
	})

	t.Run("one thread", func(t *testing.T) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
		s := newTrialState(0)
		if !s.allows(0) || s.phase.Load() != trialOff {
			t.Fatalf("a trial began with GOMAXPROCS=1 (phase %d)", s.phase.Load())
		}
		if got := s.next.Load(); got != int64(trialRecheck) {
			t.Fatalf("next look at %d, want %d", got, int64(trialRecheck))
		}
	})

	t.Run("no shape twice", func(t *testing.T) {
		// Past trialPhase and trialMinSamples, a phase goes on until a
		// shape has been timed twice, or for trialPhaseMax.
		s := newTrialState(0)
		s.allows(0)
		now := int64(0)
		for k := uint64(0); now < int64(trialPhaseMax)-ms; k++ {
			if s.phase.Load() != trialSerial {
				t.Fatalf("the serial phase ended at %v with no shape timed twice", time.Duration(now))
			}
			now = runPhase(t, s, now, []uint64{100 + k}, 1, false, func(uint64) int64 { return ms })
		}
		now = runPhase(t, s, now, []uint64{100}, 1, false, func(uint64) int64 { return ms / 2 }) // shape 100's second
		if s.phase.Load() != trialSplit {
			t.Fatalf("phase %d after a shape's second product, want the split phase", s.phase.Load())
		}
		// The split phase times shape 100 twice: not enough before trialMinSamples.
		now = runPhase(t, s, now+int64(trialPhase), []uint64{100}, 2, true, func(uint64) int64 { return ms / 4 })
		if s.phase.Load() != trialSplit {
			t.Fatalf("the split phase ended after %d products", s.counts[1])
		}
		now = runPhase(t, s, now, []uint64{100, 7}, -1, true, func(uint64) int64 { return ms / 4 })
		if !s.allows(now) || s.next.Load() != now+int64(trialEvery) {
			t.Fatalf("after a trial where splitting paid: allows %v, next trial at %d, want %d", s.allows(now), s.next.Load(), now+int64(trialEvery))
		}
	})

	t.Run("many shapes", func(t *testing.T) {
		s := newTrialState(0)
		s.allows(0)
		var many []uint64
		for k := range uint64(2 * trialShapes) {
			many = append(many, 1000+k)
		}
		runPhase(t, s, 0, many, len(many), false, func(uint64) int64 { return ms / 10 })
		if s.used != trialShapes || s.counts[0] != len(many) || s.phase.Load() != trialSerial {
			t.Fatalf("%d shapes kept and %d products counted (phase %d), want %d and %d", s.used, s.counts[0], s.phase.Load(), trialShapes, len(many))
		}
	})
}

// Products that run during a trial's serial phase are timed there, on the
// caller alone, with the same results as split.
func TestProductsInASplitTrial(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	trial.reset(0)
	defer trial.reset(teamNow() + int64(trialFirst))

	m, n, k := 96, 300, 700 // above gemmParallelMin
	a, b := make([]float64, m*k), make([]float64, k*n)
	for i := range a {
		a[i] = float64(i%13) - 6
	}
	for i := range b {
		b[i] = float64(i%7) * 0.5
	}
	want := make([]float64, m*n)
	GemmSerial(false, false, m, n, k, 1, a, k, b, n, 0, want, n)
	trial.allows(teamNow()) // begins the trial
	if trial.phase.Load() != trialSerial {
		t.Fatalf("phase %d after a trial began, want the serial phase", trial.phase.Load())
	}
	got := make([]float64, m*n)
	for range 2 {
		Gemm(false, false, m, n, k, 1, a, k, b, n, 0, got, n)
	}
	trial.mu.Lock()
	counts, used, ph := trial.counts, trial.used, trial.phase.Load()
	trial.mu.Unlock()
	// Unless the phase ended (the products took over trialPhaseMax on a
	// loaded machine), both were timed in it.
	if ph == trialSerial && (counts[0] != 2 || used != 1) {
		t.Fatalf("the serial phase timed %d products of %d shapes, want 2 of 1", counts[0], used)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("element %d = %v in the trial, want %v", i, got[i], want[i])
		}
	}
}

// A product of a shape that the last trial found not to gain from
// splitting runs unsplit; others split.
func TestSlowShapeRunsUnsplit(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	defer holdLoad(false)()
	trial.reset(1 << 62)
	defer trial.reset(teamNow() + int64(trialFirst))

	var splits atomic.Int64
	gemmSplits = &splits
	defer func() { gemmSplits = nil }()
	m, n, k := 96, 300, 700 // above gemmParallelMin
	a, b, c := make([]float64, m*k), make([]float64, k*n), make([]float64, m*n)
	product := func() int64 {
		before := splits.Load()
		Gemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
		return splits.Load() - before
	}
	withTeamState(func() {
		if got := product(); got != 1 {
			t.Fatalf("%d splits of a product with no trial result, want 1", got)
		}
		g := gemmArgs{m: m, n: n, k: k}
		trial.mu.Lock()
		trial.setSlow([]uint64{gemmTrialKey(&g) ^ 4, gemmTrialKey(&g)})
		trial.mu.Unlock()
		if got := product(); got != 0 {
			t.Fatalf("%d splits of a product of a slow shape, want 0", got)
		}
		if got := gemmTrialKey(&gemmArgs{m: m, n: n, k: k, transB: true}); !trial.splits(got) {
			t.Fatal("the same sizes with B transposed count as the slow shape")
		}
	})
}
