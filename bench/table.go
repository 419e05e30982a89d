package main

import (
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf8"
)

// table is a text table: a title, notes under it, a header and rows. The
// first `left` columns are left-aligned (labels), the others right-aligned
// (figures).
type table struct {
	title string
	notes []string
	head  []string
	rows  [][]string
	left  int
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

// sep adds an empty line between groups of rows.
func (t *table) sep() { t.rows = append(t.rows, nil) }

func (t *table) print(w io.Writer) {
	fmt.Fprintf(w, "\n== %s\n", t.title)
	for _, n := range t.notes {
		fmt.Fprintf(w, "   %s\n", n)
	}
	width := make([]int, len(t.head))
	for _, r := range append([][]string{t.head}, t.rows...) {
		for i, c := range r {
			if i >= len(width) {
				width = append(width, 0)
			}
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	line := func(r []string) {
		var b strings.Builder
		for i, c := range r {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			if i > 0 {
				b.WriteString("  ")
			}
			if i < t.left {
				b.WriteString(c + pad)
			} else {
				b.WriteString(pad + c)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	fmt.Fprintln(w)
	line(t.head)
	total := 2 * (len(width) - 1)
	for _, x := range width {
		total += x
	}
	fmt.Fprintln(w, strings.Repeat("-", total))
	for i, r := range t.rows {
		if r == nil {
			if i+1 < len(t.rows) {
				fmt.Fprintln(w)
			}
			continue
		}
		line(r)
	}
}

// Formatting of figures.

// fmtSize writes an element count the way the tables and plots label it:
// 1K, 64K, 16M (powers of two), or the plain number.
func fmtSize(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dM", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dK", n>>10)
	}
	return fmt.Sprint(n)
}

// fmtNum writes a rate with three significant figures (12.3, 123, 1234).
func fmtNum(x float64) string {
	switch {
	case math.IsNaN(x) || x <= 0:
		return "–"
	case x >= 100:
		return fmt.Sprintf("%.0f", x)
	case x >= 10:
		return fmt.Sprintf("%.1f", x)
	}
	return fmt.Sprintf("%.2f", x)
}

// fmtTime writes a duration given in nanoseconds with a unit.
func fmtTime(ns float64) string {
	switch {
	case math.IsNaN(ns) || ns <= 0:
		return "–"
	case ns >= 1e9:
		return fmt.Sprintf("%.2f s", ns/1e9)
	case ns >= 1e6:
		return fmt.Sprintf("%.3g ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.3g µs", ns/1e3)
	}
	return fmt.Sprintf("%.3g ns", ns)
}

// fmtSpread writes a Stats' spread as ±N%.
func fmtSpread(s Stats) string {
	sp := s.Spread() * 100
	if sp < 0.5 {
		return "±0%"
	}
	return fmt.Sprintf("±%.0f%%", sp)
}

// fmtPct writes a percentage, or nothing when unknown.
func fmtPct(p float64) string {
	if p <= 0 || math.IsNaN(p) {
		return ""
	}
	return fmt.Sprintf("%.0f%%", p)
}
