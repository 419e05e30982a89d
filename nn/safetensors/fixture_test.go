package safetensors_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/adjoint-go/adjoint/nn/safetensors"
	"github.com/adjoint-go/adjoint/tensor"
)

var update = flag.Bool("update", false, "rewrite testdata/adjoint.safetensors")

// adjointTensors are the tensors of testdata/adjoint.safetensors;
// make_fixture.py computes the same values with PyTorch and checks the
// file against them.
func adjointTensors() []safetensors.Named {
	w0 := make([]float64, 12)
	for i := range w0 {
		w0[i] = float64(i)/7 - 0.5
	}
	w2 := make([]float64, 8)
	for i := range w2 {
		w2[i] = float64(i) * 0.1
	}
	return []safetensors.Named{
		{Name: "0.weight", T: tensor.New(w0, 4, 3)},
		{Name: "0.bias", T: tensor.New([]float64{0, math.Copysign(0, -1), 5e-324, 1.0 / 3}, 4)},
		{Name: "2.weight", T: tensor.New(w2, 4, 2).Transpose(0, 1)}, // a non-contiguous view
		{Name: "2.bias", T: tensor.New([]float64{math.MaxFloat64, math.Inf(-1)}, 2)},
		{Name: "step", T: tensor.Scalar(42)},
	}
}

var adjointMeta = map[string]string{"format": "pt", "producer": "adjoint"}

func TestAdjointFixture(t *testing.T) {
	path := filepath.Join("testdata", "adjoint.safetensors")
	if *update {
		if err := safetensors.WriteFile(path, adjointTensors(), adjointMeta); err != nil {
			t.Fatal(err)
		}
	}
	var first, second bytes.Buffer
	if err := safetensors.Write(&first, adjointTensors(), adjointMeta); err != nil {
		t.Fatal(err)
	}
	if err := safetensors.Write(&second, adjointTensors(), adjointMeta); err != nil {
		t.Fatal(err)
	}
	t.Run("writing the same tensors twice gives the same bytes", func(t *testing.T) {
		if !bytes.Equal(first.Bytes(), second.Bytes()) {
			t.Fatal("two writes differ")
		}
	})
	t.Run("writing them again reproduces the committed file byte for byte", func(t *testing.T) {
		golden, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first.Bytes(), golden) {
			t.Fatalf("Write output (%d bytes) differs from %s (%d bytes); rerun with -args -update if the change is intended", first.Len(), path, len(golden))
		}
	})
	t.Run("the committed file reads back bit for bit", func(t *testing.T) {
		got, meta, err := safetensors.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		assertSame(t, got, adjointTensors())
		if len(meta) != 2 || meta["format"] != "pt" || meta["producer"] != "adjoint" {
			t.Errorf("metadata %v", meta)
		}
	})
}

// torchFixture is testdata/torch.json, written by make_fixture.py.
type torchFixture struct {
	Order    []string
	Metadata map[string]string
	Tensors  map[string]struct {
		DType string
		Shape []int
		Bits  []string
	}
}

func TestTorchFixture(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "torch.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want torchFixture
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	got, meta, err := safetensors.ReadFile(filepath.Join("testdata", "torch.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, nt := range got {
		names = append(names, nt.Name)
	}
	if !slices.Equal(names, want.Order) {
		t.Errorf("tensors in order %v, want the data order %v", names, want.Order)
	}
	if len(meta) != len(want.Metadata) || meta["format"] != "pt" {
		t.Errorf("metadata %v, want %v", meta, want.Metadata)
	}
	for _, nt := range got {
		w, ok := want.Tensors[nt.Name]
		if !ok {
			t.Errorf("unexpected tensor %q", nt.Name)
			continue
		}
		t.Run(nt.Name+" of dtype "+w.DType+" has PyTorch's values", func(t *testing.T) {
			if !slices.Equal(nt.T.Shape(), w.Shape) {
				t.Fatalf("shape %v, want %v", nt.T.Shape(), w.Shape)
			}
			data := nt.T.Data()
			if len(data) != len(w.Bits) {
				t.Fatalf("%d values, want %d", len(data), len(w.Bits))
			}
			for i, h := range w.Bits {
				b, err := strconv.ParseUint(h, 16, 64)
				if err != nil {
					t.Fatal(err)
				}
				if math.Float64bits(data[i]) != b {
					t.Errorf("value %d: %v (%016x), want %v (%s)", i, data[i], math.Float64bits(data[i]), math.Float64frombits(b), h)
				}
			}
		})
	}
	if len(got) != len(want.Tensors) {
		t.Errorf("%d tensors, want %d", len(got), len(want.Tensors))
	}
}

// assertSame checks names, order, shapes and the bits of every value.
func assertSame(t *testing.T, got, want []safetensors.Named) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d tensors, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Name != w.Name || !slices.Equal(g.T.Shape(), w.T.Shape()) {
			t.Fatalf("tensor %d: %q %v, want %q %v", i, g.Name, g.T.Shape(), w.Name, w.T.Shape())
		}
		gd, wd := g.T.Data(), w.T.Data()
		for j := range wd {
			if math.Float64bits(gd[j]) != math.Float64bits(wd[j]) {
				t.Fatalf("%s[%d] = %v, want %v", g.Name, j, gd[j], wd[j])
			}
		}
	}
}
