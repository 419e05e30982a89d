package functional

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

// BatchNorm in training passes GradCheck to second order in x, weight and
// bias (the batch statistics are differentiated through).
func TestBatchNormGradCheck(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	x := autograd.Randn(rng, 3, 2, 2, 2).SetRequiresGrad(true)
	w := autograd.Randn(rng, 2).SetRequiresGrad(true)
	b := autograd.Randn(rng, 2).SetRequiresGrad(true)
	f := func(v []*autograd.Tensor) *autograd.Tensor {
		return BatchNorm(v[0], nil, nil, v[1], v[2], true, 0.1, 1e-5).Square()
	}
	in := []*autograd.Tensor{x, w, b}
	if err := autograd.GradCheck(f, in, nil); err != nil {
		t.Fatal(err)
	}
	second := func(v []*autograd.Tensor) *autograd.Tensor {
		gs := autograd.Grad([]*autograd.Tensor{f(v).Sum()}, v, true)
		return gs[0].Sum().Add(gs[1].Sum()).Add(gs[2].Sum())
	}
	if err := autograd.GradCheck(second, in, nil); err != nil {
		t.Fatalf("second order: %v", err)
	}
}

func TestBatchNormAndDropout2dBadInput(t *testing.T) {
	x := autograd.Zeros(2, 3, 4)
	cases := []struct {
		name, want string
		f          func()
	}{
		{"a 1-D input", "want [N C ...]", func() { BatchNorm(autograd.Zeros(3), nil, nil, nil, nil, true, 0.1, 1e-5) }},
		{"a weight of the wrong size", "for 3 channels", func() { BatchNorm(x, nil, nil, autograd.Zeros(2), nil, true, 0.1, 1e-5) }},
		{"one running statistic", "both running statistics or neither", func() {
			BatchNorm(x, autograd.Zeros(3), nil, nil, nil, true, 0.1, 1e-5)
		}},
		{"one value per channel", "more than 1 value per channel", func() { BatchNorm(autograd.Zeros(1, 3), nil, nil, nil, nil, true, 0.1, 1e-5) }},
		{"Dropout2d with p = 2", "probability 2", func() { Dropout2d(x, 2, true, rand.New(rand.NewPCG(1, 1))) }},
		{"Dropout2d with a nil rng", "rng is nil", func() { Dropout2d(x, 0.5, true, nil) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := testutil.Panics[*tensor.Error](t, c.f)
			if !strings.Contains(e.Error(), c.want) {
				t.Fatalf("panic %q, want it to mention %q", e, c.want)
			}
		})
	}
}
