package main

import (
	"io"
	"os"

	"github.com/charmbracelet/x/term"
)

// IOStreams is where a command reads and writes, and what it knows about the
// terminal behind them. Tests build one over buffers: not a terminal, no colour.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdoutTTY bool
	stderrTTY bool
	width     int
	noColor   bool
}

// newIOStreams inspects the real file descriptors behind the writers.
func newIOStreams(in io.Reader, out, errOut io.Writer) *IOStreams {
	s := &IOStreams{In: in, Out: out, ErrOut: errOut, width: 100}
	if f, ok := out.(*os.File); ok && term.IsTerminal(f.Fd()) {
		s.stdoutTTY = true
		if w, _, err := term.GetSize(f.Fd()); err == nil && w > 0 {
			s.width = w
		}
	}
	if f, ok := errOut.(*os.File); ok && term.IsTerminal(f.Fd()) {
		s.stderrTTY = true
	}
	// NO_COLOR set to a non-empty value (no-color.org: an empty one does not
	// count) and TERM=dumb turn colour off.
	s.noColor = os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb"
	return s
}

// IsStdoutTTY reports whether standard output is a terminal: aligned tables
// and colour there, tab-separated plain text when piped.
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }

// IsStderrTTY reports whether standard error is a terminal (progress bars).
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// ColorEnabled reports whether output may carry ANSI colour.
func (s *IOStreams) ColorEnabled() bool { return s.stdoutTTY && !s.noColor }

// TerminalWidth is the width of the terminal, or 100 when not a terminal.
func (s *IOStreams) TerminalWidth() int { return s.width }
