package main

import (
	"io"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/report"
)

// init registers the export formats (csv, markdown, pprof, html) with trend
// and compare, beside their table and json.
func init() {
	for _, f := range report.ExportFormats {
		TrendWriters[string(f)] = func(w io.Writer, res *dumpdiff.TrendResult, c WriteContext) error {
			if err := refuseBinaryOnTerminal(f, c); err != nil {
				return err
			}
			return report.WriteTrend(w, res, f, report.Options{})
		}
		CompareWriters[string(f)] = func(w io.Writer, res *dumpdiff.CompareResult, c WriteContext) error {
			if err := refuseBinaryOnTerminal(f, c); err != nil {
				return err
			}
			return report.WriteCompare(w, res, f, report.Options{})
		}
	}
}

// refuseBinaryOnTerminal stops a binary format (pprof) from garbling a
// terminal: it belongs in a file (-o) or a pipe.
func refuseBinaryOnTerminal(f report.Format, c WriteContext) error {
	if f.Binary() && c.TTY {
		return flagErrorf("--format %s is binary: write it to a file with -o FILE%s or redirect standard output", f, f.Ext())
	}
	return nil
}
