package optim

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// fixture is testdata/fixture.json, written by testdata/make_fixture.py
// from PyTorch 1.13.
type fixture struct {
	TorchVersion  string `json:"torch_version"`
	CPUCapability string `json:"cpu_capability"`
	Steps         int    `json:"steps"`
	Params        []struct {
		Name  string    `json:"name"`
		Shape []int     `json:"shape"`
		Data  []float64 `json:"data"`
	} `json:"params"`
	Grads      [][][]float64 `json:"grads"` // [step][param], nil: no gradient
	Optimizers []struct {
		Kind    string         `json:"kind"`
		Name    string         `json:"name"`
		Options map[string]any `json:"options"`
		// [step][param] values after the step, by PyTorch's kernels for
		// the fixture machine's CPU (AVX2, fused multiply-adds) and by its
		// default kernels (every operation rounded).
		Steps        [][][]float64 `json:"steps"`
		StepsGeneric [][][]float64 `json:"steps_generic"`
	} `json:"optimizers"`
	Schedulers []struct {
		Kind string             `json:"kind"`
		Args map[string]float64 `json:"args"`
		LRs  []float64          `json:"lrs"`
	} `json:"schedulers"`
	Clip []struct {
		MaxNorm   float64     `json:"max_norm"`
		Scale     float64     `json:"scale"`
		TotalNorm float64     `json:"total_norm"`
		Grads     [][]float64 `json:"grads"`
	} `json:"clip"`
	Pow [][3]float64 `json:"pow"`
}

// loadFixture reads testdata/fixture.json, or the file named by
// $OPTIM_FIXTURE (to compare with a fixture made elsewhere).
func loadFixture(t testing.TB) *fixture {
	t.Helper()
	path := "testdata/fixture.json"
	if p := os.Getenv("OPTIM_FIXTURE"); p != "" {
		path = p
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f fixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return &f
}

const (
	rtol = 1e-12
	atol = 1e-15
)

// errStats tracks the largest differences from PyTorch seen in a test.
type errStats struct {
	rel  float64 // max |got-want|/|want|
	ulps float64 // max |got-want| in units of the last place of want
}

func (s *errStats) add(got, want float64) bool {
	d := math.Abs(got - want)
	if want != 0 {
		s.rel = max(s.rel, d/math.Abs(want))
	}
	if w := math.Abs(want); w > 0 {
		ulp := math.Nextafter(w, math.Inf(1)) - w
		s.ulps = max(s.ulps, d/ulp)
	}
	return d <= atol+rtol*math.Abs(want)
}

// params makes fresh leaves with the fixture's initial values.
func (f *fixture) params() []*autograd.Tensor {
	ps := make([]*autograd.Tensor, len(f.Params))
	for i, p := range f.Params {
		ps[i] = autograd.New(p.Data, p.Shape...).SetRequiresGrad(true)
	}
	return ps
}

// setGrads gives each parameter the fixture's gradient for step s by a
// backward of Σ (p·G).Sum(), whose gradient with respect to p is exactly G;
// parameters whose gradient is null get none. Existing gradients are zeroed
// first, so each one ends up equal to G.
func (f *fixture) setGrads(t *testing.T, opt Optimizer, ps []*autograd.Tensor, s int) {
	t.Helper()
	opt.ZeroGrad()
	var loss *autograd.Tensor
	for i, g := range f.Grads[s] {
		if g == nil {
			continue
		}
		term := ps[i].Mul(autograd.New(g, f.Params[i].Shape...)).Sum()
		if loss == nil {
			loss = term
		} else {
			loss = loss.Add(term)
		}
	}
	loss.Backward()
	for i, g := range f.Grads[s] {
		if g == nil {
			continue
		}
		got := ps[i].Grad().Data()
		for j := range g {
			if got[j] != g[j] {
				t.Fatalf("step %d: gradient of %s[%d] = %v, want %v", s, f.Params[i].Name, j, got[j], g[j])
			}
		}
	}
}

func num(o map[string]any, key string, def float64) float64 {
	if v, ok := o[key]; ok {
		return v.(float64)
	}
	return def
}

func boolOpt(o map[string]any, key string) bool {
	v, ok := o[key]
	return ok && v.(bool)
}

// optimizerFor makes the optimizer a fixture entry describes.
func optimizerFor(kind string, o map[string]any, ps []*autograd.Tensor) Optimizer {
	lr := o["lr"].(float64)
	var opts []Option
	if v, ok := o["weight_decay"]; ok {
		opts = append(opts, WeightDecay(v.(float64)))
	}
	if _, ok := o["eps"]; ok {
		opts = append(opts, Eps(num(o, "eps", 0)))
	}
	switch kind {
	case "SGD":
		opts = append(opts, Momentum(num(o, "momentum", 0)), Dampening(num(o, "dampening", 0)), Nesterov(boolOpt(o, "nesterov")))
		return NewSGD(ps, lr, opts...)
	case "Adam", "AdamW":
		if b, ok := o["betas"]; ok {
			bs := b.([]any)
			opts = append(opts, Betas(bs[0].(float64), bs[1].(float64)))
		}
		opts = append(opts, Amsgrad(boolOpt(o, "amsgrad")))
		if kind == "Adam" {
			return NewAdam(ps, lr, opts...)
		}
		return NewAdamW(ps, lr, opts...)
	case "RMSprop":
		if _, ok := o["alpha"]; ok {
			opts = append(opts, Alpha(num(o, "alpha", 0)))
		}
		opts = append(opts, Momentum(num(o, "momentum", 0)), Centered(boolOpt(o, "centered")))
		return NewRMSprop(ps, lr, opts...)
	}
	panic("unknown optimizer " + kind)
}

// TestOptimizersMatchPyTorch runs every optimizer of the fixture for five
// steps. PyTorch's default (unvectorized) kernels round every operation, as
// the kernels here do, so those results must agree to the bit; its AVX2
// kernels fuse some multiply-adds, and those results must agree within
// rtol = 1e-12, atol = 1e-15.
func TestOptimizersMatchPyTorch(t *testing.T) {
	f := loadFixture(t)
	if len(f.Optimizers) == 0 {
		t.Fatal("fixture has no optimizers")
	}
	for _, c := range f.Optimizers {
		t.Run(c.Name+" matches PyTorch for five steps", func(t *testing.T) {
			ps := f.params()
			opt := optimizerFor(c.Kind, c.Options, ps)
			var fused, generic errStats
			bad := 0
			for s := range f.Steps {
				f.setGrads(t, opt, ps, s)
				opt.Step()
				for i := range ps {
					got := ps[i].Data()
					for j, want := range c.Steps[s][i] {
						if !fused.add(got[j], want) && bad < 5 {
							bad++
							t.Errorf("step %d: %s[%d] = %.17g, PyTorch (%s) %.17g", s+1, f.Params[i].Name, j, got[j], f.CPUCapability, want)
						}
						if want := c.StepsGeneric[s][i][j]; got[j] != want && bad < 5 {
							bad++
							generic.add(got[j], want)
							t.Errorf("step %d: %s[%d] = %.17g, PyTorch (default kernels) %.17g", s+1, f.Params[i].Name, j, got[j], want)
						}
					}
				}
			}
			t.Logf("%-28s default kernels: bit-identical; %s kernels: max relative error %.2g (%.0f ulp)",
				c.Name, f.CPUCapability, fused.rel, fused.ulps)
		})
	}
}

func TestParametersWithoutGradientsAreSkipped(t *testing.T) {
	f := loadFixture(t)
	for _, c := range f.Optimizers {
		t.Run(c.Name+" leaves a parameter that never has a gradient unchanged", func(t *testing.T) {
			ps := f.params()
			opt := optimizerFor(c.Kind, c.Options, ps)
			last := len(ps) - 1 // "frozen"
			if f.Params[last].Name != "frozen" {
				t.Fatalf("last fixture parameter is %q", f.Params[last].Name)
			}
			v0 := ps[last].Value().Version()
			for s := range f.Steps {
				f.setGrads(t, opt, ps, s)
				opt.Step()
			}
			got := ps[last].Data()
			for j, want := range f.Params[last].Data {
				if got[j] != want {
					t.Errorf("frozen[%d] = %v, want %v", j, got[j], want)
				}
			}
			if ps[last].Grad() != nil || ps[last].Value().Version() != v0 {
				t.Errorf("frozen parameter was touched (grad %v, version %d -> %d)", ps[last].Grad(), v0, ps[last].Value().Version())
			}
		})
	}
}

// schedulerFor makes the scheduler a fixture entry describes, for an SGD
// optimizer with learning rate 0.1 as in the fixture.
func schedulerFor(kind string, a map[string]float64) (Optimizer, Scheduler) {
	opt := NewSGD([]*autograd.Tensor{autograd.Zeros(1)}, 0.1)
	switch kind {
	case "StepLR":
		return opt, NewStepLR(opt, int(a["step_size"]), a["gamma"])
	case "CosineAnnealingLR":
		return opt, NewCosineAnnealingLR(opt, int(a["T_max"]), a["eta_min"])
	case "LinearLR":
		return opt, NewLinearLR(opt, a["start_factor"], a["end_factor"], int(a["total_iters"]))
	case "SequentialLR LinearLR CosineAnnealingLR":
		w := NewLinearLR(opt, a["start_factor"], a["end_factor"], int(a["total_iters"]))
		c := NewCosineAnnealingLR(opt, int(a["T_max"]), a["eta_min"])
		return opt, NewSequentialLR(opt, []Scheduler{w, c}, []int{int(a["milestone"])})
	case "SequentialLR LinearLR StepLR":
		w := NewLinearLR(opt, a["start_factor"], a["end_factor"], int(a["total_iters"]))
		s := NewStepLR(opt, int(a["step_size"]), a["gamma"])
		return opt, NewSequentialLR(opt, []Scheduler{w, s}, []int{int(a["milestone"])})
	}
	panic("unknown scheduler " + kind)
}

func TestSchedulersMatchPyTorch(t *testing.T) {
	f := loadFixture(t)
	for _, c := range f.Schedulers {
		t.Run(c.Kind+" gives PyTorch's learning rates", func(t *testing.T) {
			opt, s := schedulerFor(c.Kind, c.Args)
			var st errStats
			for e, want := range c.LRs {
				if e > 0 {
					opt.Step()
					s.Step()
				}
				if s.LR() != opt.LR() {
					t.Errorf("epoch %d: scheduler LR %v, optimizer LR %v", e, s.LR(), opt.LR())
				}
				if !st.add(opt.LR(), want) {
					t.Errorf("epoch %d: lr %.17g, PyTorch %.17g", e, opt.LR(), want)
				}
			}
			t.Logf("%-40s %v: max relative error %.2g, max %.1f ulp", c.Kind, c.Args, st.rel, st.ulps)
		})
	}
}

func TestClipGradNormMatchesPyTorch(t *testing.T) {
	f := loadFixture(t)
	for _, c := range f.Clip {
		t.Run("gradients scaled by "+tensor.Scalar(c.Scale).String()+" clipped to max norm "+tensor.Scalar(c.MaxNorm).String(), func(t *testing.T) {
			ps := f.params()
			opt := NewSGD(ps, 0.1)
			f.setGrads(t, opt, ps, 3)
			for i, g := range f.Grads[3] {
				if g != nil {
					scaleGrad(ps[i].Grad().Value(), c.Scale)
				}
			}
			var st errStats
			total := ClipGradNorm(ps, c.MaxNorm)
			if !st.add(total, c.TotalNorm) {
				t.Errorf("total norm %.17g, PyTorch %.17g", total, c.TotalNorm)
			}
			for i, want := range c.Grads {
				if want == nil {
					if ps[i].Grad() != nil {
						t.Errorf("%s got a gradient", f.Params[i].Name)
					}
					continue
				}
				got := ps[i].Grad().Data()
				for j := range want {
					if !st.add(got[j], want[j]) {
						t.Errorf("grad %s[%d] = %.17g, PyTorch %.17g", f.Params[i].Name, j, got[j], want[j])
					}
				}
			}
			t.Logf("max relative error %.2g", st.rel)
		})
	}
}

func TestPowiMatchesCPow(t *testing.T) {
	f := loadFixture(t)
	if len(f.Pow) == 0 {
		t.Fatal("fixture has no pow values")
	}
	for _, c := range f.Pow {
		if got := powi(c[0], int(c[1])); got != c[2] {
			t.Errorf("powi(%v, %v) = %.17g, C pow %.17g", c[0], c[1], got, c[2])
		}
	}
}
