package nn

import (
	"strings"
	"sync"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
)

func TestSummaryTable(t *testing.T) {
	r := rng()
	m := NewSequential(NewLinear(784, 128, r), &ReLU{}, NewDropout(0.5, r), NewLinear(128, 10, r))
	got := SummaryTable(m, 64, 784)
	want := `Layer (type)  Output shape  Param #
===================================
Sequential    [64 10]             -
├─0 Linear    [64 128]      100,480
├─1 ReLU      [64 128]            -
├─2 Dropout   [64 128]            -
└─3 Linear    [64 10]         1,290
===================================
Total parameters: 101,770 (trainable 101,770)
`
	if got != want {
		t.Fatalf("table\n%s\nwant\n%s", got, want)
	}
	if !m.Training() {
		t.Fatal("SummaryTable left the model in evaluation mode")
	}
	// A custom model: its own parameters on its row, children below, a "-"
	// for custom children's shapes.
	mt := SummaryTable(newModel(r), 3)
	for _, line := range []string{
		"model               [3 3]               3",
		"│ ├─in_proj Linear  [3 4]              20",
		"├─blocks.1 block    -                   -",
		"Total parameters: 119 (trainable 119)",
	} {
		if !strings.Contains(mt, line+"\n") {
			t.Fatalf("custom model's table lacks %q:\n%s", line, mt)
		}
	}
	// No input shape: no forward pass, no shape column.
	if s := SummaryTable(newBlock(r)); !strings.HasPrefix(s, "Layer (type)      Param #\n") || strings.Contains(s, "Output shape") {
		t.Fatalf("table without shapes:\n%s", s)
	}
}

// Forward passes outside a summary record nothing, and a summary can run
// while other goroutines train (run with -race).
func TestSummaryTableAlongsideTraining(t *testing.T) {
	r := rng()
	a := NewSequential(NewLinear(3, 4, r), &Tanh{})
	b := NewSequential(NewLinear(3, 4, r), &Tanh{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 50 {
			b.Forward(autograd.Ones(2, 3)).Sum().Backward()
		}
	}()
	for range 20 {
		if s := SummaryTable(a, 5, 3); !strings.Contains(s, "[5 4]") {
			t.Fatalf("table:\n%s", s)
		}
	}
	wg.Wait()
	if tracing.Load() != nil {
		t.Fatal("a tracer is left installed")
	}
}
