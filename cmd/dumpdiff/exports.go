package main

// Output plumbing shared by trend and compare: which --format values exist,
// and what a renderer is told about where it writes.

import (
	"slices"
	"strings"

	"github.com/dumpdiff/dumpdiff/report"
)

// WriteContext is what a renderer knows about where it writes.
type WriteContext struct {
	// TTY: the output is a terminal (aligned table, header).
	TTY bool
	// Color: ANSI colour is allowed (terminal and no NO_COLOR).
	Color bool
	// Width of the terminal; 0 when not a terminal.
	Width int
}

// tableOptions lays a table out for where it is written.
func (c WriteContext) tableOptions() report.TableOptions {
	return report.TableOptions{Aligned: c.TTY, Color: c.Color, Width: c.Width}
}

// writeContext describes a writer: colour and width only apply on a
// terminal, and -o FILE never is one.
func writeContext(ios *IOStreams, tty bool) WriteContext {
	c := WriteContext{TTY: tty}
	if tty {
		c.Color = ios.ColorEnabled()
		c.Width = ios.TerminalWidth()
	}
	return c
}

// outputFormats lists the --format values of trend and compare (every
// report.Format) for help, errors and completion: "table" first, the rest
// in alphabetical order.
func outputFormats() []string {
	out := make([]string, len(report.Formats))
	for i, f := range report.Formats {
		out[i] = string(f)
	}
	slices.SortFunc(out, func(a, b string) int {
		if (a == "table") != (b == "table") {
			if a == "table" {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	return out
}

// reportOptions are the report options for writing format f where c says,
// or an error for a binary format (pprof) bound for a terminal.
func reportOptions(f report.Format, c WriteContext) (report.Options, error) {
	if err := refuseBinaryOnTerminal(f, c); err != nil {
		return report.Options{}, err
	}
	return report.Options{Table: c.tableOptions()}, nil
}

// refuseBinaryOnTerminal stops a binary format (pprof) from garbling a
// terminal: it belongs in a file (-o) or a pipe.
func refuseBinaryOnTerminal(f report.Format, c WriteContext) error {
	if f.Binary() && c.TTY {
		return flagErrorf("--format %s is binary: write it to a file with -o FILE%s or redirect standard output", f, f.Ext())
	}
	return nil
}
