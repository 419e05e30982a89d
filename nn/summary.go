package nn

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// tracer records the output shape of every module of this package that
// runs Forward while SummaryTable traces a model (see traced).
type tracer struct {
	mu     sync.Mutex
	shapes map[Module][]int
}

var tracing atomic.Pointer[tracer]

// traced records y as m's output when a summary is being traced, and
// returns y. Every Forward of this package ends with it: one atomic load
// when no summary runs.
func traced(m Module, y *autograd.Tensor) *autograd.Tensor {
	if t := tracing.Load(); t != nil {
		t.mu.Lock()
		t.shapes[m] = y.Shape()
		t.mu.Unlock()
	}
	return y
}

// SummaryTable returns a torchinfo-like table of m: one row per module, in
// depth-first order with its dotted name and type, the shape of its output
// for an input of inputShape (zeros, run in no-grad mode in evaluation
// mode, which it restores), and its own parameter count, then the totals:
//
//	Layer (type)             Output shape    Param #
//	===============================================
//	Sequential               [64 10]              -
//	├─0 Linear               [64 128]       100,480
//	├─1 ReLU                 [64 128]             -
//	└─2 Linear               [64 10]          1,290
//	===============================================
//	Total parameters: 101,770 (trainable 101,770)
//
// Output shapes come from the modules of this package (and from the top
// module itself); a custom module's row shows "-" unless it is the top.
// With no inputShape, no forward pass runs and the column is left out.
func SummaryTable(m Module, inputShape ...int) string {
	shapes := map[Module][]int{}
	if len(inputShape) > 0 {
		t := &tracer{shapes: map[Module][]int{}}
		if !tracing.CompareAndSwap(nil, t) {
			tensor.Panicf("nn", "SummaryTable", nil, "another SummaryTable is tracing a model")
		}
		training := m.Training()
		m.SetTraining(false)
		func() {
			defer tracing.Store(nil)
			defer m.SetTraining(training)
			traced(m, m.Forward(autograd.NoGrad(autograd.Zeros(inputShape...))))
		}()
		// Another goroutine's Forward may still be writing (it loaded the
		// tracer before it was removed): copy under the lock.
		t.mu.Lock()
		for k, v := range t.shapes {
			shapes[k] = v
		}
		t.mu.Unlock()
	}
	type row struct{ layer, shape, params string }
	var rows []row
	var visit func(prefix, name string, m Module, last bool, depth int)
	visit = func(prefix, name string, m Module, last bool, depth int) {
		label := typeName(m)
		if depth > 0 {
			branch := "├─"
			if last {
				branch = "└─"
			}
			label = prefix + branch + name + " " + label
		}
		shape := "-"
		if s, ok := shapes[m]; ok {
			shape = fmt.Sprint(s)
		}
		own := 0
		for _, p := range ownParameters(m) {
			own += p.Numel()
		}
		params := "-"
		if own > 0 {
			params = thousands(own)
		}
		rows = append(rows, row{label, shape, params})
		kids := childrenOf(m)
		next := prefix
		if depth > 0 {
			if last {
				next += "  "
			} else {
				next += "│ "
			}
		}
		for i, k := range kids {
			visit(next, k.name, k.m, i == len(kids)-1, depth+1)
		}
	}
	visit("", "", m, true, 0)

	total, trainable := 0, 0
	for _, p := range m.Parameters() {
		total += p.Numel()
		if p.RequiresGrad() {
			trainable += p.Numel()
		}
	}
	w0, w1, w2 := len("Layer (type)"), len("Output shape"), len("Param #")
	for _, r := range rows {
		w0, w1, w2 = max(w0, len([]rune(r.layer))), max(w1, len(r.shape)), max(w2, len(r.params))
	}
	var b strings.Builder
	line := func(a, s, p string) {
		pad := w0 - len([]rune(a))
		if len(inputShape) > 0 {
			fmt.Fprintf(&b, "%s%s  %-*s  %*s\n", a, strings.Repeat(" ", pad), w1, s, w2, p)
		} else {
			fmt.Fprintf(&b, "%s%s  %*s\n", a, strings.Repeat(" ", pad), w2, p)
		}
	}
	width := w0 + 2 + w2
	if len(inputShape) > 0 {
		width += w1 + 2
	}
	line("Layer (type)", "Output shape", "Param #")
	b.WriteString(strings.Repeat("=", width) + "\n")
	for _, r := range rows {
		line(r.layer, r.shape, r.params)
	}
	b.WriteString(strings.Repeat("=", width) + "\n")
	fmt.Fprintf(&b, "Total parameters: %s (trainable %s)\n", thousands(total), thousands(trainable))
	return b.String()
}

// typeName is a module's type name without package or pointer.
func typeName(m Module) string {
	t := reflect.TypeOf(m)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}

type namedModule struct {
	name string
	m    Module
}

// childrenOf lists m's direct children: a Sequential's modules, or the
// module fields of a module built on Base.
func childrenOf(m Module) []namedModule {
	var out []namedModule
	switch m := m.(type) {
	case *Sequential:
		for i, c := range m.Modules {
			out = append(out, namedModule{fmt.Sprint(i), c})
		}
	case interface{ base() *Base }:
		b := m.base()
		if b.bound {
			b.walk(func(name string, c Module) { out = append(out, namedModule{name, c}) }, nil)
		}
	}
	return out
}

// ownParameters returns the parameters m holds itself, not through a
// child.
func ownParameters(m Module) []*autograd.Tensor {
	all := m.Parameters()
	inKids := map[*autograd.Tensor]bool{}
	for _, k := range childrenOf(m) {
		for _, p := range k.m.Parameters() {
			inKids[p] = true
		}
	}
	var own []*autograd.Tensor
	for _, p := range all {
		if !inKids[p] {
			own = append(own, p)
		}
	}
	return own
}
