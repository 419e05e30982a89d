package train

import (
	"fmt"
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
)

// Progress is a progress bar for the steps of an epoch, drawn on a terminal
// and silent elsewhere (a file, a pipe, CI logs), so that a program's
// output stays the same wherever it runs. The zero value and nil are
// silent.
type Progress struct {
	bar *progressbar.ProgressBar
}

// NewProgress returns a bar of steps steps labelled label on w if w is a
// terminal, and a silent Progress otherwise.
func NewProgress(w io.Writer, steps int, label string) *Progress {
	f, ok := w.(*os.File)
	if !ok || steps <= 0 {
		return &Progress{}
	}
	if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return &Progress{}
	}
	return &Progress{bar: progressbar.NewOptions(steps,
		progressbar.OptionSetWriter(f),
		progressbar.OptionSetDescription(label),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("step"),
		progressbar.OptionClearOnFinish(),
	)}
}

// Step advances the bar by one step and shows the metrics given as
// name/value pairs ("loss", 0.25).
func (p *Progress) Step(metrics ...any) {
	if p == nil || p.bar == nil {
		return
	}
	if len(metrics) > 0 {
		desc := ""
		for i := 0; i+1 < len(metrics); i += 2 {
			desc += fmt.Sprintf("%v=%.4g ", metrics[i], metrics[i+1])
		}
		p.bar.Describe(desc)
	}
	p.bar.Add(1)
}

// Done clears the bar.
func (p *Progress) Done() {
	if p == nil || p.bar == nil {
		return
	}
	p.bar.Finish()
}

// Active reports whether the bar is drawn (w was a terminal).
func (p *Progress) Active() bool { return p != nil && p.bar != nil }
