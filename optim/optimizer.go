package optim

import (
	"math"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/internal/bridge"
	"github.com/adjoint-go/adjoint/tensor"
)

// gradOf returns a parameter's gradient for an update that keeps no
// reference to it, so that the parameter's ZeroGrad may go on leaving the
// clearing of its buffer to the next backward pass (see
// autograd.Tensor.ZeroGrad and internal/bridge).
var gradOf = bridge.GetGrads[*autograd.Tensor]().Grad

// Optimizer updates a fixed list of parameters from their gradients.
//
// Step applies one update to every parameter whose Grad() is not nil
// (parameters without a gradient are skipped and their state is left
// alone, as in PyTorch). ZeroGrad zeroes every parameter's gradient in
// place (autograd.Tensor.ZeroGrad).
//
// The parameters are in one or more groups, each with its own
// hyperparameters (see ParamGroup), like PyTorch's param_groups. LR and
// SetLR read the first group's learning rate and set every group's;
// NumGroups, GroupLR and SetGroupLR reach each group, which is how
// schedulers drive an optimizer.
type Optimizer interface {
	Step()
	ZeroGrad()
	LR() float64
	SetLR(lr float64)
	NumGroups() int
	GroupLR(i int) float64
	SetGroupLR(i int, lr float64)
}

// Option sets one hyperparameter of an optimizer constructor. Each
// constructor accepts the options PyTorch's optimizer of the same name has
// and panics, naming the optimizer, when given another.
type Option struct {
	name string
	set  func(*hyper)
}

// hyper holds every optimizer's hyperparameters; each constructor fills
// its PyTorch defaults before applying the options.
type hyper struct {
	lr                               float64
	momentum, dampening, weightDecay float64
	beta1, beta2, eps, alpha         float64
	nesterov, amsgrad, centered      bool

	group []*autograd.Tensor // set by a ParamGroup option (see apply)
	sub   []Option
}

// ParamGroup adds a group of parameters with its own hyperparameters, like
// one dict of PyTorch's param_groups: opts override, for this group only,
// the constructor's options and defaults, and may include LR. The
// constructor's params argument is the first group (it may be empty when
// every parameter is in a ParamGroup):
//
//	// nanoGPT's rule: no weight decay on biases, LayerNorm and embeddings.
//	opt := optim.NewAdamW(decay, 3e-3, optim.WeightDecay(0.1),
//		optim.ParamGroup(noDecay, optim.WeightDecay(0)))
func ParamGroup(params []*autograd.Tensor, opts ...Option) Option {
	return Option{"ParamGroup", func(h *hyper) { h.group, h.sub = params, opts }}
}

// LR sets a parameter group's learning rate (see ParamGroup); a group
// without it takes the constructor's.
func LR(lr float64) Option { return Option{"LR", func(h *hyper) { h.lr = lr }} }

// Momentum sets the momentum factor (SGD, RMSprop; default 0).
func Momentum(m float64) Option { return Option{"Momentum", func(h *hyper) { h.momentum = m }} }

// Dampening sets SGD's dampening of the momentum (default 0).
func Dampening(d float64) Option { return Option{"Dampening", func(h *hyper) { h.dampening = d }} }

// Nesterov turns on SGD's Nesterov momentum (default off), which requires
// momentum > 0 and zero dampening.
func Nesterov(on bool) Option { return Option{"Nesterov", func(h *hyper) { h.nesterov = on }} }

// WeightDecay sets the weight decay: an L2 penalty added to the gradient
// for SGD, Adam and RMSprop (default 0), and the decoupled decay of AdamW
// (default 1e-2).
func WeightDecay(wd float64) Option {
	return Option{"WeightDecay", func(h *hyper) { h.weightDecay = wd }}
}

// Betas sets Adam's and AdamW's running-average coefficients (default
// 0.9, 0.999).
func Betas(beta1, beta2 float64) Option {
	return Option{"Betas", func(h *hyper) { h.beta1, h.beta2 = beta1, beta2 }}
}

// Eps sets the term added to the denominator for numerical stability
// (Adam, AdamW, RMSprop; default 1e-8).
func Eps(eps float64) Option { return Option{"Eps", func(h *hyper) { h.eps = eps }} }

// Amsgrad turns on the AMSGrad variant of Adam and AdamW (default off).
func Amsgrad(on bool) Option { return Option{"Amsgrad", func(h *hyper) { h.amsgrad = on }} }

// Alpha sets RMSprop's smoothing constant (default 0.99).
func Alpha(a float64) Option { return Option{"Alpha", func(h *hyper) { h.alpha = a }} }

// Centered turns on centered RMSprop, which normalizes by an estimate of
// the gradient's variance (default off).
func Centered(on bool) Option { return Option{"Centered", func(h *hyper) { h.centered = on }} }

// apply sets the options on h, panicking if one is not among allowed. It
// returns the ParamGroup options, which it does not apply.
func (h *hyper) apply(op string, opts []Option, allowed ...string) (groups []Option) {
	for _, o := range opts {
		if o.set == nil {
			tensor.Panicf("optim", op, nil, "zero Option; use the option functions such as optim.Momentum")
		}
		if o.name == "ParamGroup" {
			groups = append(groups, o)
			continue
		}
		ok := false
		for _, a := range allowed {
			ok = ok || a == o.name
		}
		if !ok {
			tensor.Panicf("optim", op, nil, "option %s does not apply to %s (it takes %v)", o.name, op, allowed)
		}
		o.set(h)
	}
	return groups
}

// groupsOf returns the hyperparameters of every group: defaults (the
// optimizer's PyTorch defaults with lr) with the constructor's options for
// the first group (params), and with each ParamGroup's options on top for
// the others. validate checks each group's.
func groupsOf(op string, params []*autograd.Tensor, lr float64, defaults hyper, opts []Option,
	validate func(h hyper), allowed ...string) (all []*autograd.Tensor, groups []group) {
	defaults.lr = lr
	groupOpts := defaults.apply(op, opts, allowed...)
	add := func(ps []*autograd.Tensor, h hyper) {
		checkLR(op, h.lr)
		validate(h)
		groups = append(groups, group{start: len(all), end: len(all) + len(ps), lr: h.lr, h: h})
		all = append(all, ps...)
	}
	if len(params) > 0 || len(groupOpts) == 0 {
		add(params, defaults)
	}
	for _, g := range groupOpts {
		var carrier hyper
		g.set(&carrier)
		h := defaults
		if sub := h.apply(op, carrier.sub, append(allowed, "LR")...); len(sub) > 0 {
			tensor.Panicf("optim", op, nil, "a ParamGroup inside a ParamGroup")
		}
		check(op, len(carrier.group) > 0, "parameter group %d is empty", len(groups))
		add(carrier.group, h)
	}
	return all, groups
}

func checkLR(op string, lr float64) {
	check(op, lr > 0 && finite(lr), "learning rate %v is not positive and finite", lr)
}

// check panics unless cond holds, with a message naming the optimizer. Its
// arguments are boxed even when cond holds, so code that must not allocate
// tests the condition itself.
func check(op string, cond bool, format string, args ...any) {
	if !cond {
		tensor.Panicf("optim", op, nil, format, args...)
	}
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// base is what every optimizer shares: the parameters, their groups, and
// the scratch space for gradients that are not contiguous.
type base struct {
	name    string
	params  []*autograd.Tensor
	groups  []group
	scratch []*tensor.Tensor // per parameter, made on first need

	// reserved is, per parameter, zeroed storage for its state, made
	// with the optimizer (see reserve) and taken by takeState.
	reserved [][]float64
}

// reserve makes, for each parameter, the zeroed storage that its state
// will need: perParam(h) buffers of the parameter's size, h its group's
// hyperparameters (0 for none). The state itself begins at the
// parameter's first step, as in PyTorch (StateDict shows none before it),
// which takes the storage with takeState.
//
// Making it with the optimizer rather than at the first step is for
// speed. It puts the state beside the parameters in memory, made before
// the first forward pass fills the heap with gradients and buffers. On
// the project's 2-vCPU KVM guest, with its vCPUs far apart, the
// two-thread SGD step of the MNIST MLP (784-128-10, batch 64) took
// 24-28 µs that way, against 33-51 µs with buffers made at the first
// step, and 28 µs on one thread.
//
// A state buffer of statePadMin elements or more is made with statePad
// unused elements after it, so that what the program allocates next (its
// batches, say) does not lie beside it. Measured on the 2-vCPU KVM guest
// with its vCPUs far apart, in the MNIST MLP's step (scratch program
// mlpops, one batch allocated after the optimizer and used in every
// step): the two-thread SGD step took 36.5-36.9 µs with the batch right
// after the weight's momentum, against 20.9-21.3 µs with the space (one
// thread 26-27 µs either way), the core updating the momentum's last
// rows slowed while both cores read the batch; its cause is not known.
// In bench -suite mlp (eight batches made after the optimizer, alternated
// runs, 18 of each with the vCPUs far apart) the small step's speed-up on
// two threads read a median of 1.54x with the space against 1.50x.
func (b *base) reserve(perParam func(h hyper) int) {
	for gi := range b.groups {
		g := &b.groups[gi]
		if k := perParam(g.h); k > 0 {
			for i := g.start; i < g.end; i++ {
				n := k * b.params[i].Numel()
				b.reserved[i] = make([]float64, stateLen(n))[:n:n]
			}
		}
	}
}

// statePadMin is the least state buffer (elements) that reserve keeps
// statePad elements of space after: 256 KiB, below which the space would
// cost more memory than the state. statePad is 1 MiB: with 256 KiB the
// step on the batch after the momentum took 21.0 µs, with 64 KiB 41.0,
// against 16.6 with 1 MiB and 29.9-38.4 with none (mlpops, eight batches,
// the steps on that one timed; a run each).
const (
	statePadMin = 1 << 15
	statePad    = 1 << 17
)

// stateLen is the length of the block that reserve makes for a state of
// n elements, the state at its start: n, or n + statePad from statePadMin
// on.
func stateLen(n int) int {
	if n < statePadMin {
		return n
	}
	return n + statePad
}

// takeState returns n zeroed float64s for parameter i's state: the
// storage reserve made for it when it has that length (once; the state
// then owns it), else new storage (hyperparameters that LoadStateDict
// changed can change the length).
func (b *base) takeState(i, n int) []float64 {
	r := b.reserved[i]
	b.reserved[i] = nil
	if len(r) == n {
		return r
	}
	return make([]float64, n)
}

// group is one parameter group: params[start:end] and its
// hyperparameters.
type group struct {
	start, end int
	lr         float64
	h          hyper

	// initial is the learning rate the first scheduler attached to this
	// optimizer saw (PyTorch's param_group["initial_lr"]).
	initial    float64
	hasInitial bool
}

func newBase(name string, params []*autograd.Tensor, groups []group) base {
	check(name, len(params) > 0, "empty parameter list")
	seen := make(map[*autograd.Tensor]int, len(params))
	for i, p := range params {
		if p == nil {
			tensor.Panicf("optim", name, nil, "parameter %d is nil", i)
		}
		v := p.Value()
		if !p.IsLeaf() {
			tensor.Panicf("optim", name, [][]int{v.Shape()},
				"parameter %d (shape %v) is not a leaf; an optimizer can only update leaves", i, v.Shape())
		}
		if !v.IsContiguous() {
			tensor.Panicf("optim", name, [][]int{v.Shape(), v.Strides()},
				"parameter %d (shape %v, strides %v) is not contiguous", i, v.Shape(), v.Strides())
		}
		if j, dup := seen[p]; dup {
			tensor.Panicf("optim", name, [][]int{v.Shape()},
				"parameter %d (shape %v) appears twice (also at %d)", i, v.Shape(), j)
		}
		seen[p] = i
	}
	return base{name: name, params: params, groups: groups, scratch: make([]*tensor.Tensor, len(params)),
		reserved: make([][]float64, len(params))}
}

// ZeroGrad zeroes every parameter's gradient in place (see
// autograd.Tensor.ZeroGrad); parameters without a gradient keep none.
func (b *base) ZeroGrad() {
	for _, p := range b.params {
		p.ZeroGrad()
	}
}

// LR returns the first group's learning rate.
func (b *base) LR() float64 { return b.groups[0].lr }

// SetLR sets every group's learning rate for the next Step. It panics if
// lr is NaN or infinite. It does not reject negative values: a schedule
// that decays to zero can land a rounding error below it (PyTorch's
// LinearLR with end_factor 0 gives -5.6e-19), and PyTorch accepts such
// rates too.
func (b *base) SetLR(lr float64) {
	for i := range b.groups {
		b.SetGroupLR(i, lr)
	}
}

// NumGroups returns the number of parameter groups.
func (b *base) NumGroups() int { return len(b.groups) }

// GroupLR returns group i's learning rate.
func (b *base) GroupLR(i int) float64 { return b.group("GroupLR", i).lr }

// SetGroupLR sets group i's learning rate; see SetLR.
func (b *base) SetGroupLR(i int, lr float64) {
	g := b.group("SetGroupLR", i)
	if !finite(lr) {
		tensor.Panicf("optim", b.name, nil, "SetLR: learning rate %v is not finite", lr)
	}
	g.lr = lr
}

func (b *base) group(op string, i int) *group {
	if i < 0 || i >= len(b.groups) {
		tensor.Panicf("optim", b.name, nil, "%s: group %d out of range (%d groups)", op, i, len(b.groups))
	}
	return &b.groups[i]
}

// attachScheduler records the learning rate a scheduler starts from the
// first time one is attached, for each group, and returns them (PyTorch's
// group.setdefault("initial_lr", group["lr"])).
func (b *base) attachScheduler() []float64 {
	out := make([]float64, len(b.groups))
	for i := range b.groups {
		g := &b.groups[i]
		if !g.hasInitial {
			g.initial, g.hasInitial = g.lr, true
		}
		out[i] = g.initial
	}
	return out
}

// grad returns the gradient of parameter i as a contiguous slice, or nil
// if the parameter has none. A gradient that is not contiguous (possible
// in create-graph mode) is copied into a scratch buffer of the parameter's.
func (b *base) grad(i int) []float64 {
	p := b.params[i]
	g := gradOf(p)
	if g == nil {
		return nil
	}
	gv, pv := g.Value(), p.Value()
	if !gv.SameShape(pv) {
		tensor.Panicf("optim", b.name, [][]int{pv.Shape(), gv.Shape()},
			"gradient of shape %v for parameter %d of shape %v", gv.Shape(), i, pv.Shape())
	}
	if gv.IsContiguous() {
		return gv.Raw()
	}
	if b.scratch[i] == nil {
		b.scratch[i] = tensor.ZerosLike(pv)
	}
	b.scratch[i].CopyFrom(gv)
	return b.scratch[i].Raw()
}

// value returns parameter i's values for writing; call done(i) after.
func (b *base) value(i int) []float64 { return b.params[i].Value().Raw() }

// done marks parameter i's value as modified in place.
func (b *base) done(i int) { b.params[i].Value().MarkModified() }

// powi returns x**n for n >= 0 as C's pow does, correctly rounded: the
// power is taken by squaring in double-double arithmetic (each product
// exact to about 2⁻¹⁰⁶) and rounded once. Adam's bias corrections
// 1 - β^t cancel most of β^t's digits, so an ulp of difference from
// PyTorch's pow would show in every update.
func powi(x float64, n int) float64 {
	hi, lo := 1.0, 0.0
	bh, bl := x, 0.0
	for ; n > 0; n >>= 1 {
		if n&1 == 1 {
			hi, lo = ddMul(hi, lo, bh, bl)
		}
		if n > 1 {
			bh, bl = ddMul(bh, bl, bh, bl)
		}
	}
	return hi + lo
}

// ddMul multiplies two double-double numbers.
func ddMul(ah, al, bh, bl float64) (float64, float64) {
	p := float64(ah * bh) // rounded: arm64 would otherwise fuse it into p + e below
	if math.IsInf(p, 0) || p == 0 {
		return p, 0
	}
	e := math.FMA(ah, bh, -p)
	e += float64(ah*bl) + float64(al*bh)
	h := p + e
	return h, e - (h - p)
}
