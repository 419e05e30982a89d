package tensor

import (
	"math"
	"strconv"
	"strings"
)

// Printing follows PyTorch: one row per line, aligned, as in
//
//	tensor([[1., 2.],
//	        [3., 4.]])
//
// Integer-valued data prints with a trailing dot, other data with four
// decimals, or in scientific notation when the magnitudes span more than
// three decades or leave [1e-4, 1e8). Tensors with more than 1000 elements
// show the first and last three entries of each dimension around "...".
const (
	printThreshold = 1000
	printEdge      = 3
)

type formatter struct {
	intMode bool
	sci     bool
	width   int
}

func newFormatter(vals []float64) formatter {
	f := formatter{intMode: true}
	var finite []float64
	for _, v := range vals {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		finite = append(finite, v)
		if v != math.Trunc(v) {
			f.intMode = false
		}
	}
	if len(finite) > 0 {
		lo, hi := math.Inf(1), 0.0
		for _, v := range finite {
			a := math.Abs(v)
			if a != 0 {
				lo = math.Min(lo, a)
			}
			hi = math.Max(hi, a)
		}
		if !math.IsInf(lo, 1) {
			f.sci = hi/lo > 1000 || hi > 1e8 || (!f.intMode && lo < 1e-4)
		}
	}
	// Like PyTorch, the column width comes from the non-zero finite values
	// only (zeros, nan and inf may stick out).
	f.width = 1
	for _, v := range finite {
		if v != 0 {
			f.width = max(f.width, len(f.format(v)))
		}
	}
	return f
}

func (f formatter) format(v float64) string {
	switch {
	case math.IsNaN(v):
		return "nan"
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	case f.sci:
		return strconv.FormatFloat(v, 'e', 4, 64)
	case f.intMode:
		return strconv.FormatFloat(v, 'f', 0, 64) + "."
	}
	return strconv.FormatFloat(v, 'f', 4, 64)
}

func (f formatter) pad(v float64) string {
	s := f.format(v)
	return strings.Repeat(" ", max(0, f.width-len(s))) + s
}

// String prints the tensor the way PyTorch does.
func (t *Tensor) String() string {
	if t.isRecycled() {
		return "tensor(<recycled>)"
	}
	summarize := t.Numel() > printThreshold
	var vals []float64
	t.walk(summarize, func(v float64) { vals = append(vals, v) })
	f := newFormatter(vals)
	var b strings.Builder
	b.WriteString("tensor(")
	switch {
	case len(t.shape) == 0:
		b.WriteString(f.format(t.st.data[t.off]))
	case t.Numel() == 0:
		b.WriteString("[]")
	default:
		t.print(&b, f, summarize, 0, t.off, len("tensor("))
	}
	if t.Numel() == 0 && len(t.shape) > 1 {
		b.WriteString(", size=(")
		for i, d := range t.shape {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.Itoa(d))
		}
		b.WriteString(")")
	}
	b.WriteString(")")
	return b.String()
}

// shown lists the indices of dimension d that are printed.
func (t *Tensor) shown(d int, summarize bool) []int {
	n := t.shape[d]
	var idx []int
	if summarize && n > 2*printEdge {
		for i := 0; i < printEdge; i++ {
			idx = append(idx, i)
		}
		idx = append(idx, -1) // the "..." marker
		for i := n - printEdge; i < n; i++ {
			idx = append(idx, i)
		}
		return idx
	}
	for i := 0; i < n; i++ {
		idx = append(idx, i)
	}
	return idx
}

// walk calls fn on every printed element in order.
func (t *Tensor) walk(summarize bool, fn func(float64)) {
	var rec func(d, off int)
	rec = func(d, off int) {
		if d == len(t.shape) {
			fn(t.st.data[off])
			return
		}
		for _, i := range t.shown(d, summarize) {
			if i >= 0 {
				rec(d+1, off+i*t.strides[d])
			}
		}
	}
	rec(0, t.off)
}

// lineWidth is the line length PyTorch wraps long rows at.
const lineWidth = 80

func (t *Tensor) print(b *strings.Builder, f formatter, summarize bool, d, off, indent int) {
	if d == len(t.shape)-1 {
		t.printRow(b, f, summarize, d, off, indent+d)
		return
	}
	b.WriteByte('[')
	for k, i := range t.shown(d, summarize) {
		if k > 0 {
			b.WriteByte(',')
			b.WriteString(strings.Repeat("\n", len(t.shape)-d-1))
			b.WriteString(strings.Repeat(" ", indent+d+1))
		}
		if i < 0 {
			b.WriteString("...")
			continue
		}
		t.print(b, f, summarize, d+1, off+i*t.strides[d], indent)
	}
	b.WriteByte(']')
}

// printRow prints the innermost dimension, wrapping it into lines of at
// most lineWidth characters as PyTorch does.
func (t *Tensor) printRow(b *strings.Builder, f formatter, summarize bool, d, off, indent int) {
	perLine := max(1, (lineWidth-indent)/(f.width+2))
	b.WriteByte('[')
	for k, i := range t.shown(d, summarize) {
		if k > 0 {
			if k%perLine == 0 {
				b.WriteString(",\n")
				b.WriteString(strings.Repeat(" ", indent+1))
			} else {
				b.WriteString(", ")
			}
		}
		if i < 0 {
			b.WriteString(" ...")
			continue
		}
		b.WriteString(f.pad(t.st.data[off+i*t.strides[d]]))
	}
	b.WriteByte(']')
}
