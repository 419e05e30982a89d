package train

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
)

// History records metrics per epoch (or per step): a value for each name
// at each point, such as "loss" and "test_acc", in the order they came.
//
//	var h train.History
//	h.Add(epoch, "loss", loss)
//	h.Add(epoch, "test_acc", acc)
//	best, at := h.Best("test_acc", true)
type History struct {
	names  []string
	points map[string][]Point
}

// Point is one recorded value.
type Point struct {
	Step  int
	Value float64
}

// Add records value for name at step.
func (h *History) Add(step int, name string, value float64) {
	if h.points == nil {
		h.points = map[string][]Point{}
	}
	if _, ok := h.points[name]; !ok {
		h.names = append(h.names, name)
	}
	h.points[name] = append(h.points[name], Point{step, value})
}

// Names returns the metrics' names in the order they were first added.
func (h *History) Names() []string { return slices.Clone(h.names) }

// Series returns the points recorded for name (nil if none).
func (h *History) Series(name string) []Point { return slices.Clone(h.points[name]) }

// Last returns the last value of name, and false if there is none.
func (h *History) Last(name string) (float64, bool) {
	s := h.points[name]
	if len(s) == 0 {
		return 0, false
	}
	return s[len(s)-1].Value, true
}

// Best returns the largest (max) or smallest value of name and its step,
// ignoring NaNs; ok is false if there is no value.
func (h *History) Best(name string, max bool) (value float64, step int, ok bool) {
	for _, p := range h.points[name] {
		if math.IsNaN(p.Value) {
			continue
		}
		if !ok || (max && p.Value > value) || (!max && p.Value < value) {
			value, step, ok = p.Value, p.Step, true
		}
	}
	return value, step, ok
}

// Line formats the values recorded at step as "name=value" pairs in the
// order of Names, as the examples print each epoch: "loss=0.2497
// test_acc=0.9627".
func (h *History) Line(step int) string {
	var parts []string
	for _, n := range h.names {
		for _, p := range h.points[n] {
			if p.Step == step {
				parts = append(parts, fmt.Sprintf("%s=%.4f", n, p.Value))
			}
		}
	}
	return strings.Join(parts, " ")
}

// Steps returns the steps at which anything was recorded, in order.
func (h *History) Steps() []int {
	seen := map[int]bool{}
	var out []int
	for _, n := range h.names {
		for _, p := range h.points[n] {
			if !seen[p.Step] {
				seen[p.Step] = true
				out = append(out, p.Step)
			}
		}
	}
	sort.Ints(out)
	return out
}
