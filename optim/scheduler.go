package optim

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/adjoint-go/adjoint/tensor"
)

// Scheduler changes an optimizer's learning rates as training goes: call
// Step once per epoch (or per iteration, as the schedule is meant), after
// the optimizer's Step. LR returns the learning rate the scheduler last
// set for the first parameter group, LastLRs those of every group
// (PyTorch's get_last_lr). Each group follows the schedule from its own
// base rate.
//
// The schedulers of this package follow PyTorch 1.13's chainable
// (recursive) forms, which compute each rate from the optimizer's current
// one, so that their values match PyTorch's to the last bit or so; like
// PyTorch's, they compose with changes made to the rate from outside.
// Constructing one applies its epoch-0 rate to the optimizer at once.
type Scheduler interface {
	Step()
	LR() float64
	LastLRs() []float64
	Stateful
}

// Stateful is an optimizer or scheduler whose state can be saved and
// restored, so that a run resumes exactly where it stopped. Every
// optimizer and scheduler of this package is one.
type Stateful interface {
	StateDict() State
	LoadStateDict(State) error
}

// sequenced is a scheduler SequentialLR can drive: it can restart and jump
// to an epoch by its closed form, as PyTorch's step(epoch) does.
type sequenced interface {
	Scheduler
	state() *schedBase
	chainable(lr, base float64) float64
	closedForm(base float64) float64
}

// schedBase is the state every scheduler shares (PyTorch's
// _LRScheduler): the optimizer, the groups' base rates, the last epoch and
// the last rates set.
type schedBase struct {
	opt       Optimizer
	baseLRs   []float64
	lastEpoch int
	lrs       []float64
}

func (s *schedBase) state() *schedBase { return s }

// LR returns the learning rate the scheduler last set for the first group.
func (s *schedBase) LR() float64 { return s.lrs[0] }

// LastLRs returns the learning rates the scheduler last set, one per
// group.
func (s *schedBase) LastLRs() []float64 { return append([]float64(nil), s.lrs...) }

// newSchedBase attaches a scheduler to opt. A group's base rate is
// PyTorch's initial_lr: its rate when the first scheduler was attached to
// the optimizer (for optimizers of this package; other Optimizer
// implementations give their current rates).
func newSchedBase(op string, opt Optimizer) schedBase {
	if opt == nil {
		tensor.Panicf("optim", op, nil, "nil optimizer")
	}
	var base []float64
	if a, ok := opt.(interface{ attachScheduler() []float64 }); ok {
		base = a.attachScheduler()
	} else {
		for i := range opt.NumGroups() {
			base = append(base, opt.GroupLR(i))
		}
	}
	return schedBase{opt: opt, baseLRs: base, lastEpoch: -1, lrs: make([]float64, len(base))}
}

// step advances s by one epoch by its chainable form.
func step(s sequenced) {
	b := s.state()
	b.lastEpoch++
	for i, base := range b.baseLRs {
		b.set(i, s.chainable(b.opt.GroupLR(i), base))
	}
}

// stepTo moves s to epoch by its closed form (PyTorch's step(epoch)).
func stepTo(s sequenced, epoch int) {
	b := s.state()
	b.lastEpoch = epoch
	for i, base := range b.baseLRs {
		b.set(i, s.closedForm(base))
	}
}

func (s *schedBase) set(i int, lr float64) {
	s.opt.SetGroupLR(i, lr)
	s.lrs[i] = lr
}

// StepLR multiplies the learning rate by gamma every stepSize epochs:
// lr = base·gamma^⌊epoch/stepSize⌋.
type StepLR struct {
	schedBase
	stepSize int
	gamma    float64
}

// NewStepLR returns a StepLR scheduler of opt. It panics if stepSize < 1
// or gamma is negative or not finite.
func NewStepLR(opt Optimizer, stepSize int, gamma float64) *StepLR {
	const op = "StepLR"
	check(op, stepSize >= 1, "step size %d is not positive", stepSize)
	check(op, gamma >= 0 && finite(gamma), "invalid gamma %v", gamma)
	s := &StepLR{schedBase: newSchedBase(op, opt), stepSize: stepSize, gamma: gamma}
	step(s)
	return s
}

// Step advances the schedule by one epoch.
func (s *StepLR) Step() { step(s) }

func (s *StepLR) chainable(lr, _ float64) float64 {
	if s.lastEpoch == 0 || s.lastEpoch%s.stepSize != 0 {
		return lr
	}
	return lr * s.gamma
}

func (s *StepLR) closedForm(base float64) float64 {
	return base * powi(s.gamma, s.lastEpoch/s.stepSize)
}

// CosineAnnealingLR anneals the learning rate from its base value to
// etaMin along half a cosine over tMax epochs, and back up over the next
// tMax (it is periodic with period 2·tMax; it does not restart):
//
//	lr = etaMin + (base - etaMin)·(1 + cos(π·epoch/tMax))/2
//
// It computes each rate from the previous one by PyTorch 1.13's recursive
// form, lr' = (1 + cos(π·e/tMax)) / (1 + cos(π·(e-1)/tMax))·(lr - etaMin)
// + etaMin, with PyTorch's special step at e ≡ tMax+1 (mod 2·tMax), so its
// values are PyTorch's (the closed form above differs from them by
// rounding).
type CosineAnnealingLR struct {
	schedBase
	tMax   int
	etaMin float64
}

// NewCosineAnnealingLR returns a CosineAnnealingLR scheduler of opt. It
// panics if tMax < 1 or etaMin is negative or not finite.
func NewCosineAnnealingLR(opt Optimizer, tMax int, etaMin float64) *CosineAnnealingLR {
	const op = "CosineAnnealingLR"
	check(op, tMax >= 1, "T_max %d is not positive", tMax)
	check(op, etaMin >= 0 && finite(etaMin), "invalid eta_min %v", etaMin)
	s := &CosineAnnealingLR{schedBase: newSchedBase(op, opt), tMax: tMax, etaMin: etaMin}
	step(s)
	return s
}

// Step advances the schedule by one epoch.
func (s *CosineAnnealingLR) Step() { step(s) }

func (s *CosineAnnealingLR) chainable(lr, base float64) float64 {
	e, t, eta := float64(s.lastEpoch), float64(s.tMax), s.etaMin
	switch {
	case s.lastEpoch == 0:
		return lr
	case (s.lastEpoch-1-s.tMax)%(2*s.tMax) == 0:
		return lr + float64((base-eta)*(1-math.Cos(math.Pi/t)))/2
	}
	r := (1 + math.Cos(math.Pi*e/t)) / (1 + math.Cos(math.Pi*(e-1)/t))
	return float64(r*(lr-eta)) + eta
}

func (s *CosineAnnealingLR) closedForm(base float64) float64 {
	e, t, eta := float64(s.lastEpoch), float64(s.tMax), s.etaMin
	return eta + float64((base-eta)*(1+math.Cos(math.Pi*e/t)))/2
}

// LinearLR scales the learning rate by a factor that changes linearly from
// startFactor at epoch 0 to endFactor at epoch totalIters and stays there:
// PyTorch's LinearLR, the usual linear warm-up when endFactor is 1. Like
// PyTorch's, it computes each rate from the previous one.
type LinearLR struct {
	schedBase
	start, end float64
	total      int
}

// NewLinearLR returns a LinearLR scheduler of opt. It panics if
// startFactor is outside (0, 1], endFactor outside [0, 1] or totalIters <
// 1. (PyTorch 1.13 accepts a start factor of 0 and then divides by zero on
// its first step.)
func NewLinearLR(opt Optimizer, startFactor, endFactor float64, totalIters int) *LinearLR {
	const op = "LinearLR"
	check(op, startFactor > 0 && startFactor <= 1, "start factor %v is not in (0, 1]", startFactor)
	check(op, endFactor >= 0 && endFactor <= 1, "end factor %v is not in [0, 1]", endFactor)
	check(op, totalIters >= 1, "total iterations %d is not positive", totalIters)
	s := &LinearLR{schedBase: newSchedBase(op, opt), start: startFactor, end: endFactor, total: totalIters}
	step(s)
	return s
}

// Step advances the schedule by one epoch.
func (s *LinearLR) Step() { step(s) }

func (s *LinearLR) chainable(lr, _ float64) float64 {
	switch {
	case s.lastEpoch == 0:
		return lr * s.start
	case s.lastEpoch > s.total:
		return lr
	}
	d := s.end - s.start
	return lr * (1 + d/(float64(float64(s.total)*s.start)+float64(float64(s.lastEpoch-1)*d)))
}

func (s *LinearLR) closedForm(base float64) float64 {
	return base * (s.start + float64((s.end-s.start)*float64(min(s.total, s.lastEpoch)))/float64(s.total))
}

// SequentialLR runs schedulers one after another: schedulers[i] drives the
// learning rate from epoch milestones[i-1] on. This is how to chain a
// warm-up and a decay:
//
//	warm := optim.NewLinearLR(opt, 0.1, 1, 5)
//	cos := optim.NewCosineAnnealingLR(opt, 95, 0)
//	sched := optim.NewSequentialLR(opt, []optim.Scheduler{warm, cos}, []int{5})
//
// It behaves as PyTorch 1.13's SequentialLR: on construction it resets the
// optimizer's rate to the base rate and restarts the first scheduler; at a
// milestone the next scheduler starts from epoch 0 by its closed form (so
// the cosine above starts from the base rate), and steps by its chainable
// form after that. Every scheduler's base rate is the optimizer's rate when
// the first of them was made, as with PyTorch's initial_lr.
type SequentialLR struct {
	opt        Optimizer
	scheds     []sequenced
	milestones []int
	lastEpoch  int
	lrs        []float64
}

// NewSequentialLR returns a SequentialLR of opt. The schedulers must be
// this package's StepLR, CosineAnnealingLR or LinearLR, made for opt and
// not stepped yet; milestones must be one fewer than the schedulers,
// positive and increasing. It panics otherwise.
func NewSequentialLR(opt Optimizer, schedulers []Scheduler, milestones []int) *SequentialLR {
	const op = "SequentialLR"
	check(op, opt != nil, "nil optimizer")
	check(op, len(schedulers) > 0, "no schedulers")
	check(op, len(milestones) == len(schedulers)-1,
		"%d schedulers need %d milestones, not %d", len(schedulers), len(schedulers)-1, len(milestones))
	for i, m := range milestones {
		check(op, m > 0 && (i == 0 || m > milestones[i-1]), "milestones %v are not positive and increasing", milestones)
	}
	s := &SequentialLR{opt: opt, milestones: append([]int(nil), milestones...)}
	for i, sc := range schedulers {
		q, ok := sc.(sequenced)
		check(op, ok, "scheduler %d (%T) cannot be sequenced; use StepLR, CosineAnnealingLR or LinearLR", i, sc)
		check(op, q.state().opt == opt, "scheduler %d belongs to another optimizer", i)
		check(op, q.state().lastEpoch == 0, "scheduler %d has been stepped (epoch %d)", i, q.state().lastEpoch)
		s.scheds = append(s.scheds, q)
	}
	first := s.scheds[0].state()
	for i, base := range first.baseLRs {
		opt.SetGroupLR(i, base)
	}
	for _, q := range s.scheds {
		q.state().lastEpoch--
	}
	step(s.scheds[0])
	s.lrs = first.LastLRs()
	return s
}

// Step advances the schedule by one epoch.
func (s *SequentialLR) Step() {
	s.lastEpoch++
	idx := 0
	for idx < len(s.milestones) && s.milestones[idx] <= s.lastEpoch {
		idx++
	}
	q := s.scheds[idx]
	if idx > 0 && s.milestones[idx-1] == s.lastEpoch {
		stepTo(q, 0)
	} else {
		step(q)
	}
	copy(s.lrs, q.state().lrs)
}

// LR returns the learning rate last set for the first group.
func (s *SequentialLR) LR() float64 { return s.lrs[0] }

// LastLRs returns the learning rates last set, one per group.
func (s *SequentialLR) LastLRs() []float64 { return append([]float64(nil), s.lrs...) }

// schedState is a scheduler's state as PyTorch's state_dict holds it.
type schedState struct {
	LastEpoch int          `json:"last_epoch"`
	BaseLRs   []float64    `json:"base_lrs"`
	LastLR    []float64    `json:"_last_lr"`
	Children  []schedState `json:"_schedulers,omitempty"`
}

// StateDict returns the scheduler's position (last_epoch, base_lrs and the
// last rates, PyTorch's state_dict keys) as JSON in the state's Meta.
func (s *schedBase) StateDict() State { return s.encode(s.dict()) }

func (s *schedBase) dict() schedState {
	return schedState{LastEpoch: s.lastEpoch, BaseLRs: s.baseLRs, LastLR: s.lrs}
}

func (*schedBase) encode(d schedState) State {
	js, _ := json.Marshal(d) // numbers only: cannot fail
	return State{Meta: map[string]string{"scheduler": string(js)}}
}

// LoadStateDict restores a position saved by StateDict of a scheduler of
// the same kind on an optimizer with as many groups (the optimizer's own
// state, loaded separately, restores its rates). It returns an error,
// changing nothing, if the state does not fit.
func (s *schedBase) LoadStateDict(st State) error {
	d, err := decodeSched(st)
	if err != nil {
		return err
	}
	return s.load(d)
}

func decodeSched(st State) (schedState, error) {
	var d schedState
	if err := json.Unmarshal([]byte(st.Meta["scheduler"]), &d); err != nil {
		return d, fmt.Errorf("optim: scheduler LoadStateDict: %v", err)
	}
	return d, nil
}

func (s *schedBase) load(d schedState) error {
	if len(d.BaseLRs) != len(s.baseLRs) || len(d.LastLR) != len(s.lrs) || d.LastEpoch < -1 {
		return fmt.Errorf("optim: scheduler LoadStateDict: a state for %d groups at epoch %d, the scheduler has %d groups",
			len(d.BaseLRs), d.LastEpoch, len(s.baseLRs))
	}
	s.lastEpoch = d.LastEpoch
	copy(s.baseLRs, d.BaseLRs)
	copy(s.lrs, d.LastLR)
	return nil
}

// StateDict returns the position of the sequence and of each of its
// schedulers.
func (s *SequentialLR) StateDict() State {
	d := schedState{LastEpoch: s.lastEpoch, LastLR: s.lrs, BaseLRs: s.scheds[0].state().baseLRs}
	for _, q := range s.scheds {
		d.Children = append(d.Children, q.state().dict())
	}
	return s.scheds[0].state().encode(d)
}

// LoadStateDict restores a position saved by StateDict of a SequentialLR
// of the same schedulers; see schedBase.LoadStateDict.
func (s *SequentialLR) LoadStateDict(st State) error {
	d, err := decodeSched(st)
	if err != nil {
		return err
	}
	if len(d.Children) != len(s.scheds) || len(d.LastLR) != len(s.lrs) {
		return fmt.Errorf("optim: SequentialLR LoadStateDict: a state of %d schedulers, the sequence has %d", len(d.Children), len(s.scheds))
	}
	for i, q := range s.scheds {
		c := q.state()
		if len(d.Children[i].BaseLRs) != len(c.baseLRs) || len(d.Children[i].LastLR) != len(c.lrs) {
			return fmt.Errorf("optim: SequentialLR LoadStateDict: scheduler %d's state does not fit", i)
		}
	}
	for i, q := range s.scheds {
		q.state().load(d.Children[i]) // checked above: cannot fail
	}
	s.lastEpoch = d.LastEpoch
	copy(s.lrs, d.LastLR)
	return nil
}
