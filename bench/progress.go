package main

import (
	"fmt"
	"io"
	"os"
)

// progress keeps one status line on stderr, rewritten in place, while a
// measurement runs. It writes nothing unless stderr is a terminal.
type progress struct {
	w      io.Writer
	on     bool
	prefix string // the stage, such as "[2/4] "
}

func newProgress(w io.Writer) *progress {
	f, ok := w.(*os.File)
	on := false
	if ok {
		if st, err := f.Stat(); err == nil {
			on = st.Mode()&os.ModeCharDevice != 0
		}
	}
	return &progress{w: w, on: on}
}

// set replaces the status line.
func (p *progress) set(format string, args ...any) {
	if p.on {
		fmt.Fprintf(p.w, "\r\x1b[K%s"+format, append([]any{p.prefix}, args...)...)
	}
}

// clear erases the status line.
func (p *progress) clear() {
	if p.on {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}
