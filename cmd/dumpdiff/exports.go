package main

import (
	"slices"
	"strings"

	"github.com/dumpdiff/dumpdiff/report"
)

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
