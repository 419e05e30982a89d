package nn

import (
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/nn/functional"
	"github.com/adjoint-go/adjoint/tensor"
)

func TestBatchNorm2dTrainAndEval(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	bn := NewBatchNorm2d(3)
	x := autograd.Randn(rng, 4, 3, 2, 2).MulScalar(2).AddScalar(1)
	y := bn.Forward(x)
	// Training: each channel of the output has mean 0 and biased variance 1.
	for c := range 3 {
		ch := y.Select(1, c)
		if m := ch.Mean().Item(); math.Abs(m) > 1e-12 {
			t.Fatalf("channel %d mean %v", c, m)
		}
		if v := ch.Var(0).Item(); math.Abs(v-1) > 1e-4 {
			t.Fatalf("channel %d variance %v", c, v)
		}
	}
	if bn.NumBatchesTracked.Item() != 1 {
		t.Fatalf("num_batches_tracked %v", bn.NumBatchesTracked.Item())
	}
	// running_mean = 0.9·0 + 0.1·batch mean.
	bm := x.Value().MeanDims(false, 0, 2, 3)
	if !testutil.AllClose(t, "running_mean", bn.RunningMean.Data(), bm.MulScalar(0.1).Data(), 1e-15) {
		t.FailNow()
	}
	// Evaluation: the running statistics, and no update.
	bn.SetTraining(false)
	before := bn.RunningMean.Data()
	ye := bn.Forward(x)
	want := x.Value().Sub(bn.RunningMean.Value().Reshape(1, 3, 1, 1)).Div(bn.RunningVar.Value().AddScalar(1e-5).Sqrt().Reshape(1, 3, 1, 1))
	testutil.AllClose(t, "evaluation output", ye.Data(), want.Data(), 1e-12)
	if !slices.Equal(before, bn.RunningMean.Data()) || bn.NumBatchesTracked.Item() != 1 {
		t.Fatal("evaluation changed the running statistics")
	}
	if s := bn.String(); s != "BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)" {
		t.Fatalf("String %q", s)
	}
}

// A Sequential holding BatchNorm saves and loads its buffers with PyTorch's
// names.
func TestBatchNormBuffersInCheckpoints(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	m := NewSequential(NewConv2d(1, 2, [2]int{3, 3}, functional.ConvOptions{}, false, rng), NewBatchNorm2d(2), &ReLU{})
	m.Forward(autograd.Randn(rng, 2, 1, 5, 5))
	got := names(BuffersOf(m))
	if !slices.Equal(got, []string{"1.running_mean", "1.running_var", "1.num_batches_tracked"}) {
		t.Fatalf("buffers %v", got)
	}
	path := filepath.Join(t.TempDir(), "bn.safetensors")
	if err := Save(path, m); err != nil {
		t.Fatal(err)
	}
	m2 := NewSequential(NewConv2d(1, 2, [2]int{3, 3}, functional.ConvOptions{}, false, rng), NewBatchNorm2d(2), &ReLU{})
	if err := Load(path, m2); err != nil {
		t.Fatal(err)
	}
	bn, bn2 := m.Modules[1].(*BatchNorm), m2.Modules[1].(*BatchNorm)
	if !slices.Equal(bn.RunningVar.Data(), bn2.RunningVar.Data()) || bn2.NumBatchesTracked.Item() != 1 {
		t.Fatal("buffers did not round-trip")
	}
}

func TestBatchNormBadInputAndDropout2d(t *testing.T) {
	testutil.Panics[*tensor.Error](t, func() { NewBatchNorm2d(3).Forward(autograd.Zeros(2, 3, 4)) })
	testutil.Panics[*tensor.Error](t, func() { NewBatchNorm1d(3).Forward(autograd.Zeros(2, 4)) })
	testutil.Panics[*tensor.Error](t, func() { NewBatchNorm1d(2).Forward(autograd.Zeros(1, 2)) }) // one value per channel
	testutil.Panics[*tensor.Error](t, func() { NewDropout2d(1.5, rng()) })
	d := NewDropout2d(0.5, rand.New(rand.NewPCG(3, 3)))
	y := d.Forward(autograd.Ones(8, 4, 2, 2)).Value()
	for n := range 8 {
		for c := range 4 {
			ch := y.Select(0, n).Select(0, c).Data()
			if !(slices.Equal(ch, []float64{0, 0, 0, 0}) || slices.Equal(ch, []float64{2, 2, 2, 2})) {
				t.Fatalf("channel (%d, %d) is %v, want all 0 or all 2", n, c, ch)
			}
		}
	}
	d.SetTraining(false)
	if got := d.Forward(autograd.Ones(1, 2, 1, 1)).Data(); !slices.Equal(got, []float64{1, 1}) {
		t.Fatalf("evaluation changed the input: %v", got)
	}
}
