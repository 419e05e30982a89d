package nn

import (
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/internal/testutil"
	"github.com/adjoint-go/adjoint/tensor"
)

// block and model are a user's custom modules, built on Base.
type block struct {
	Base
	LN1    *LayerNorm
	InProj *Linear
	Drop   *Dropout
	Skip   *Linear // nil: left out, like a None bias
}

func (b *block) Forward(x *autograd.Tensor) *autograd.Tensor {
	return x.Add(b.Drop.Forward(b.InProj.Forward(b.LN1.Forward(x))))
}

type model struct {
	Base
	Tok    *Embedding `nn:"tok"`
	Blocks ModuleList
	Heads  ModuleDict
	Scale  *autograd.Tensor
	Steps  *autograd.Tensor `nn:",buffer"`
	Cache  *autograd.Tensor `nn:"-"`
	Hidden int
	rng    *rand.Rand
}

func (m *model) Forward(x *autograd.Tensor) *autograd.Tensor {
	h := m.Tok.Forward(x)
	for _, b := range m.Blocks {
		h = b.Forward(h)
	}
	return m.Heads["out"].Forward(h).Mul(m.Scale)
}

func newBlock(r *rand.Rand) *block {
	return Init(&block{LN1: NewLayerNorm(4), InProj: NewLinear(4, 4, r), Drop: NewDropout(0.5, r)})
}

func newModel(r *rand.Rand) *model {
	return Init(&model{
		Tok:    NewEmbedding(10, 4, r),
		Blocks: ModuleList{newBlock(r), newBlock(r)},
		Heads:  ModuleDict{"out": NewLinear(4, 3, r), "aux": NewLinear(4, 1, r)},
		Scale:  NewParameter(tensor.Ones(3)),
		Steps:  NewBuffer(tensor.Zeros(1)),
		Cache:  autograd.Zeros(2),
		Hidden: 4,
		rng:    r,
	})
}

func names(ps []NamedParameter) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return out
}

func TestBaseFindsParametersByField(t *testing.T) {
	m := newModel(rng())
	want := []string{
		"tok.weight",
		"blocks.0.ln1.weight", "blocks.0.ln1.bias", "blocks.0.in_proj.weight", "blocks.0.in_proj.bias",
		"blocks.1.ln1.weight", "blocks.1.ln1.bias", "blocks.1.in_proj.weight", "blocks.1.in_proj.bias",
		"heads.aux.weight", "heads.aux.bias", "heads.out.weight", "heads.out.bias",
		"scale",
	}
	if got := names(m.NamedParameters()); !slices.Equal(got, want) {
		t.Fatalf("names\n%v\nwant\n%v", got, want)
	}
	if got := names(m.NamedBuffers()); !slices.Equal(got, []string{"steps"}) {
		t.Fatalf("buffers %v, want [steps]", got)
	}
	if len(m.Parameters()) != len(want) || m.Parameters()[13] != m.Scale {
		t.Fatal("Parameters does not list the same tensors in order")
	}
	// Training a step reaches every parameter.
	x := autograd.New([]float64{1, 2, 3}, 3)
	m.Forward(x).Sum().Backward()
	for _, p := range m.NamedParameters() {
		if p.Name != "heads.aux.weight" && p.Name != "heads.aux.bias" && p.Grad() == nil {
			t.Errorf("%s got no gradient", p.Name)
		}
	}
}

func TestBaseSetTrainingReachesEveryChild(t *testing.T) {
	m := newModel(rng())
	m.SetTraining(false)
	for i, b := range m.Blocks {
		if b.Training() || b.(*block).Drop.Training() {
			t.Fatalf("block %d (or its Dropout) is still training", i)
		}
	}
	if m.Training() || m.Heads["out"].Training() {
		t.Fatal("the model or a head is still training")
	}
	m.SetTraining(true)
	if !m.Blocks[1].(*block).Drop.Training() {
		t.Fatal("SetTraining(true) did not reach the Dropout")
	}
}

func TestBaseStringIsPyTorchLike(t *testing.T) {
	s := newBlock(rng()).String()
	want := "block(\n  (ln1): LayerNorm([4])\n  (in_proj): Linear(4→4)\n  (drop): Dropout(p=0.5)\n)"
	if s != want {
		t.Fatalf("String\n%s\nwant\n%s", s, want)
	}
	if m := newModel(rng()).String(); !strings.Contains(m, "  (blocks.1): block(\n    (ln1)") || !strings.Contains(m, "(scale): Parameter[3]") || !strings.Contains(m, "(steps): Buffer[1]") {
		t.Fatalf("model String:\n%s", m)
	}
	if got := Summary(newBlock(rng())); !strings.Contains(got, "28 parameters") {
		t.Fatalf("Summary %q", got)
	}
}

type unexported struct {
	Base
	fc *Linear
}

func (u *unexported) Forward(x *autograd.Tensor) *autograd.Tensor { return u.fc.Forward(x) }

type notBase struct{ Sequential }

type unbound struct{ Base }

func (*unbound) Forward(x *autograd.Tensor) *autograd.Tensor { return x }

func TestInitBadInput(t *testing.T) {
	cases := []struct {
		name, want string
		f          func()
	}{
		{"an unexported module field", "unexported.fc holds a module but is unexported", func() { Init(&unexported{fc: NewLinear(1, 1, rng())}) }},
		{"a struct without Base", "does not embed nn.Base", func() { Init(&notBase{}) }},
		{"a nil pointer", "not a pointer to a struct", func() { Init[*unbound](nil) }},
		{"a module used without Init", "without nn.Init", func() { (&unbound{}).NamedParameters() }},
		{"a nil Func", `function "f" is nil`, func() { NewFunc("f", nil) }},
		{"a nil parameter value", "value is nil", func() { NewParameter(nil) }},
		{"a nil buffer value", "value is nil", func() { NewBuffer(nil) }},
		{"Flatten out of range", "do not fit", func() { NewFlatten(2, 3).Forward(autograd.Zeros(2, 3)) }},
		{"Unflatten to the wrong sizes", "do not multiply to 6", func() { NewUnflatten(1, 4, -1).Forward(autograd.Zeros(2, 6)) }},
		{"Unflatten with two -1", "at most one -1", func() { NewUnflatten(1, -1, -1).Forward(autograd.Zeros(2, 6)) }},
	}
	for _, c := range cases {
		t.Run(c.name+" panics", func(t *testing.T) {
			if e := testutil.Panics[*tensor.Error](t, c.f); !strings.Contains(e.Error(), c.want) {
				t.Fatalf("panic %v, want a *tensor.Error mentioning %q", e, c.want)
			}
		})
	}
}

func TestSnakeCase(t *testing.T) {
	for in, want := range map[string]string{
		"FC1": "fc1", "InProj": "in_proj", "LN1": "ln1", "HTTPServer": "http_server",
		"Conv2D": "conv2d", "Blocks": "blocks", "QKV": "qkv", "OutProj": "out_proj", "weight": "weight",
	} {
		if got := snakeCase(in); got != want {
			t.Errorf("snakeCase(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSmallModules(t *testing.T) {
	x := autograd.Arange(0, 24, 1).Reshape(2, 3, 4)
	check := func(name string, m Module, shape []int) {
		t.Helper()
		y := m.Forward(x)
		if !slices.Equal(y.Shape(), shape) || !slices.Equal(y.Data(), x.Data()) {
			t.Errorf("%s: shape %v, want %v (values unchanged)", name, y.Shape(), shape)
		}
	}
	check("Identity", NewIdentity(), []int{2, 3, 4})
	check("Flatten(1, -1)", NewFlatten(1, -1), []int{2, 12})
	check("Flatten(0, 1)", NewFlatten(0, 1), []int{6, 4})
	check("Flatten(-2, -1)", NewFlatten(-2, -1), []int{2, 12})
	check("Unflatten(2, 2, -1)", NewUnflatten(2, 2, -1), []int{2, 3, 2, 2})
	check("Unflatten(-1, 4)", NewUnflatten(-1, 4), []int{2, 3, 4})
	half := NewFunc("Half", func(x *autograd.Tensor) *autograd.Tensor { return x.MulScalar(0.5) })
	if got := half.Forward(autograd.Scalar(3)).Item(); got != 1.5 || half.String() != "Half()" {
		t.Errorf("Func: %v, %q", got, half)
	}
	if s := NewFlatten(1, -1).String(); s != "Flatten(start_dim=1, end_dim=-1)" {
		t.Errorf("Flatten prints %q", s)
	}
	if s := NewUnflatten(1, 2, 3).String(); s != "Unflatten(dim=1, unflattened_size=(2 3))" {
		t.Errorf("Unflatten prints %q", s)
	}
	p := NewParameter(tensor.Ones(2))
	if !p.RequiresGrad() || !p.IsLeaf() || NewBuffer(tensor.Ones(2)).RequiresGrad() {
		t.Error("NewParameter must require a gradient and NewBuffer must not")
	}
}

func TestCheckpointKeepsBuffersAndMetadata(t *testing.T) {
	dir := t.TempDir()
	a, b := newModel(rand.New(rand.NewPCG(1, 1))), newModel(rand.New(rand.NewPCG(2, 2)))
	a.Steps.Value().Fill(7)
	path := filepath.Join(dir, "m.safetensors")
	if err := SaveWithMetadata(path, a, map[string]string{"epoch": "3", "format": "ignored"}); err != nil {
		t.Fatal(err)
	}
	if err := Load(path, b); err != nil {
		t.Fatal(err)
	}
	if b.Steps.Item() != 7 || !slices.Equal(b.Tok.Weight.Data(), a.Tok.Weight.Data()) {
		t.Fatal("the buffer or a parameter did not round-trip")
	}
	md, err := ReadMetadata(path)
	if err != nil || md["epoch"] != "3" || md["format"] != "pt" {
		t.Fatalf("metadata %v, %v", md, err)
	}
}

func TestNonStrictLoadReportsEveryName(t *testing.T) {
	dir := t.TempDir()
	r := rng()
	src := NewSequential(NewLinear(3, 4, r), NewLinear(4, 2, r), NewLinear(2, 5, r))
	path := filepath.Join(dir, "src.safetensors")
	if err := Save(path, src); err != nil {
		t.Fatal(err)
	}
	// The destination shares layer 0, lacks layer 2, and has a layer 3.
	dst := NewSequential(NewLinear(3, 4, r), NewLinear(4, 2, r), NewIdentity(), NewLinear(2, 2, r))
	res, err := LoadFile(path, dst, false)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Missing, []string{`"3.weight" [2 2]`, `"3.bias" [2]`}) ||
		!slices.Equal(res.Unexpected, []string{`"2.weight" [5 2]`, `"2.bias" [5]`}) || len(res.Mismatched) != 0 {
		t.Fatalf("result %+v", res)
	}
	if !slices.Equal(dst.Modules[0].(*Linear).Weight.Data(), src.Modules[0].(*Linear).Weight.Data()) {
		t.Fatal("the shared layer was not loaded")
	}
	// Strict lists all of them in one error and loads nothing.
	fresh := NewSequential(NewLinear(3, 4, r), NewLinear(4, 2, r), NewIdentity(), NewLinear(2, 2, r))
	before := fresh.Modules[0].(*Linear).Weight.Data()
	_, err = LoadFile(path, fresh, true)
	for _, want := range []string{`"3.weight"`, `"3.bias"`, `"2.weight"`, `"2.bias"`, "nothing was loaded"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("strict error %v, want it to mention %s", err, want)
		}
	}
	if !slices.Equal(fresh.Modules[0].(*Linear).Weight.Data(), before) {
		t.Fatal("a refused strict load changed the model")
	}
	// A shape mismatch is an error even when not strict.
	other := NewSequential(NewLinear(3, 5, r))
	if _, err := LoadFile(path, other, false); err == nil || !strings.Contains(err.Error(), `"0.weight" has shape [4 3] in the checkpoint, [5 3] in the model`) {
		t.Fatalf("mismatch error %v", err)
	}
}
