package nn

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unicode"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// Base gives a module struct of the user's the methods of Module other
// than Forward, found from its fields, so that a custom model is its
// fields and its Forward:
//
//	type MLP struct {
//		nn.Base
//		FC1, FC2 *nn.Linear
//		Drop     *nn.Dropout
//		Scale    *autograd.Tensor             // a parameter of its own
//		Steps    *autograd.Tensor `nn:",buffer"` // saved and loaded, not trained
//	}
//
//	func NewMLP(rng *rand.Rand) *MLP {
//		return nn.Init(&MLP{FC1: nn.NewLinear(784, 128, rng), ...})
//	}
//
//	func (m *MLP) Forward(x *autograd.Tensor) *autograd.Tensor {
//		return m.FC2.Forward(m.Drop.Forward(m.FC1.Forward(x).ReLU()))
//	}
//
// Embed Base by value and construct the module with Init, which binds Base
// to the struct and checks its fields. Then:
//
//   - NamedParameters lists, in field order, the module's own parameters
//     (fields of type *autograd.Tensor) and its children's (fields holding a
//     Module, or a slice, array or string-keyed map of them, or a slice of
//     *autograd.Tensor), with PyTorch-style dotted names: a field's name in
//     snake case ("FC1" is "fc1", "InProj" is "in_proj"), indices and map
//     keys (in sorted order) as further components ("blocks.0.ln1.weight").
//     A tag renames a field, `nn:"encoder"`, so that a Go model can load a
//     checkpoint with any naming; `nn:"-"` leaves a field out. Nil fields
//     are skipped, as PyTorch skips a None bias.
//   - NamedBuffers lists the tensors tagged `nn:",buffer"` (or
//     `nn:"name,buffer"`), and the children's buffers: state that Save and
//     Load keep with the parameters but no optimizer trains (running
//     statistics, step counts).
//   - SetTraining sets the mode of the module and of every child, so that a
//     child cannot be forgotten (Dropout left on during evaluation).
//   - String prints the module like PyTorch's repr, one child per line.
//
// Fields are read as encoding/json reads them: only exported fields count.
// Init panics, naming the field, if an unexported field holds a module or
// a tensor that would otherwise be silently left out of training and of
// checkpoints. Other fields (sizes, an rng, a function) are ignored.
//
// A module with more than one input keeps its own Go method for it (say
// Forward2(x, mask)); Base does not care what Forward takes, but Module
// needs a Forward of one tensor to be satisfied.
type Base struct {
	self  reflect.Value // the embedding struct, by pointer (set by Init)
	name  string        // its type's name, for String
	eval  bool
	bound bool
}

// Init binds the Base embedded in the struct m points to, checks m's
// fields and returns m. It panics with a *tensor.Error if m is not a
// pointer to a struct embedding Base, or if an unexported field holds a
// module or a tensor.
func Init[M Module](m M) M {
	v := reflect.ValueOf(m)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		tensor.Panicf("nn", "Init", nil, "%T is not a pointer to a struct embedding nn.Base", m)
	}
	s := v.Elem()
	bf, ok := s.Type().FieldByName("Base")
	if !ok || !bf.Anonymous || bf.Type != reflect.TypeFor[Base]() || len(bf.Index) != 1 {
		tensor.Panicf("nn", "Init", nil, "%T does not embed nn.Base (by value, at its top level)", m)
	}
	b := s.Field(bf.Index[0]).Addr().Interface().(*Base)
	b.self, b.name, b.bound = v, s.Type().Name(), true
	for _, f := range fieldsOf(s.Type()) {
		if !f.exported && f.kind != fieldOther {
			tensor.Panicf("nn", "Init", nil,
				"%s.%s holds a %s but is unexported, so it would be left out of Parameters, SetTraining and checkpoints; export it, or tag it `nn:\"-\"` to leave it out knowingly",
				b.name, f.goName, f.kind)
		}
	}
	return m
}

// base gives SummaryTable the Base of a module that embeds one.
func (b *Base) base() *Base { return b }

func (b *Base) mustBound(op string) {
	if !b.bound {
		tensor.Panicf("nn", op, nil, "a module embedding nn.Base was used without nn.Init: construct it as nn.Init(&MyModule{...})")
	}
}

// Training reports whether the module is in training mode (the default).
func (b *Base) Training() bool { return !b.eval }

// SetTraining sets training (true) or evaluation (false) mode on the
// module and on every child.
func (b *Base) SetTraining(training bool) {
	b.mustBound("SetTraining")
	b.eval = !training
	b.walk(func(_ string, m Module) { m.SetTraining(training) }, nil)
}

// NamedParameters lists the module's parameters and its children's, with
// dotted names; see Base.
func (b *Base) NamedParameters() []NamedParameter {
	b.mustBound("NamedParameters")
	var out []NamedParameter
	b.walk(func(name string, m Module) {
		out = append(out, Prefixed(name, m.NamedParameters())...)
	}, func(name string, t *autograd.Tensor, buffer bool) {
		if !buffer {
			out = append(out, NamedParameter{Name: name, Tensor: t})
		}
	})
	return out
}

// Parameters lists the tensors of NamedParameters.
func (b *Base) Parameters() []*autograd.Tensor { return tensorsOf(b.NamedParameters()) }

// NamedBuffers lists the module's buffers (fields tagged `nn:",buffer"`)
// and its children's, with dotted names.
func (b *Base) NamedBuffers() []NamedParameter {
	b.mustBound("NamedBuffers")
	var out []NamedParameter
	b.walk(func(name string, m Module) {
		out = append(out, Prefixed(name, BuffersOf(m))...)
	}, func(name string, t *autograd.Tensor, buffer bool) {
		if buffer {
			out = append(out, NamedParameter{Name: name, Tensor: t})
		}
	})
	return out
}

// String prints the module as PyTorch does: its type name and each child
// on a line of its own, "(name): child".
func (b *Base) String() string {
	b.mustBound("String")
	var lines []string
	b.walk(func(name string, m Module) {
		child := strings.ReplaceAll(fmt.Sprint(m), "\n", "\n  ")
		lines = append(lines, "  ("+name+"): "+child)
	}, func(name string, t *autograd.Tensor, buffer bool) {
		kind := "Parameter"
		if buffer {
			kind = "Buffer"
		}
		lines = append(lines, fmt.Sprintf("  (%s): %s%v", name, kind, t.Shape()))
	})
	if len(lines) == 0 {
		return b.name + "()"
	}
	return b.name + "(\n" + strings.Join(lines, "\n") + "\n)"
}

// BuffersOf returns m's named buffers: NamedBuffers if m has the method
// (every module built on Base, and BatchNorm-like modules), none otherwise.
func BuffersOf(m Module) []NamedParameter {
	if bm, ok := m.(interface{ NamedBuffers() []NamedParameter }); ok {
		return bm.NamedBuffers()
	}
	return nil
}

// walk calls child for every child module and tensor for every tensor of
// the bound struct, in field order, with dotted names.
func (b *Base) walk(child func(name string, m Module), tensor func(name string, t *autograd.Tensor, buffer bool)) {
	s := b.self.Elem()
	for _, f := range fieldsOf(s.Type()) {
		if !f.exported || f.kind == fieldOther {
			continue
		}
		walkValue(f.name, s.Field(f.index), f.buffer, child, tensor)
	}
}

var (
	moduleType = reflect.TypeFor[Module]()
	tensorType = reflect.TypeFor[*autograd.Tensor]()
)

// walkValue visits v, a field's value or an element of one.
func walkValue(name string, v reflect.Value, buffer bool, child func(string, Module), tensor func(string, *autograd.Tensor, bool)) {
	switch {
	case v.Type() == tensorType:
		if !v.IsNil() && tensor != nil {
			tensor(name, v.Interface().(*autograd.Tensor), buffer)
		}
	case v.Type().Implements(moduleType):
		if (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) && v.IsNil() {
			return
		}
		if child != nil {
			child(name, v.Interface().(Module))
		}
	case v.Kind() == reflect.Slice || v.Kind() == reflect.Array:
		for i := range v.Len() {
			walkValue(fmt.Sprintf("%s.%d", name, i), v.Index(i), buffer, child, tensor)
		}
	case v.Kind() == reflect.Map:
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		for _, k := range keys {
			walkValue(name+"."+k.String(), v.MapIndex(k), buffer, child, tensor)
		}
	}
}

type fieldKind string

const (
	fieldOther  fieldKind = ""
	fieldModule fieldKind = "module"
	fieldTensor fieldKind = "tensor"
)

// field is a struct field as Base reads it.
type field struct {
	index    int
	goName   string
	name     string // the dotted-name component
	exported bool
	buffer   bool
	kind     fieldKind
}

// fieldsOf returns the fields of struct type t that Base reads, skipping
// Base itself and fields tagged `nn:"-"`.
func fieldsOf(t reflect.Type) []field {
	var out []field
	for i := range t.NumField() {
		sf := t.Field(i)
		if sf.Anonymous && sf.Type == reflect.TypeFor[Base]() {
			continue
		}
		tag := sf.Tag.Get("nn")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = snakeCase(sf.Name)
		}
		out = append(out, field{
			index: i, goName: sf.Name, name: name, exported: sf.IsExported(),
			buffer: opts == "buffer", kind: kindOf(sf.Type),
		})
	}
	return out
}

// kindOf says whether a field of type t holds modules or tensors (directly
// or in a slice, array or map).
func kindOf(t reflect.Type) fieldKind {
	switch {
	case t == tensorType:
		return fieldTensor
	case t.Implements(moduleType):
		return fieldModule
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map && t.Key().Kind() == reflect.String:
		return kindOf(t.Elem())
	}
	return fieldOther
}

// snakeCase turns a Go field name into PyTorch's attribute style: "FC1" is
// "fc1", "InProj" "in_proj", "LN1" "ln1", "HTTPServer" "http_server",
// "Conv2D" "conv2d".
func snakeCase(s string) string {
	r := []rune(s)
	var b strings.Builder
	for i, c := range r {
		if unicode.IsUpper(c) && i > 0 {
			prev := r[i-1]
			nextLower := i+1 < len(r) && unicode.IsLower(r[i+1])
			if unicode.IsLower(prev) || (unicode.IsUpper(prev) && nextLower) {
				b.WriteByte('_')
			}
		}
		b.WriteRune(unicode.ToLower(c))
	}
	return b.String()
}
