package report

import (
	"fmt"
	"io"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
)

// Format is an output format of `dumpdiff trend` and `dumpdiff compare`
// (the --format flag).
type Format string

// The output formats. Their names are part of the command-line contract.
const (
	FormatTable    Format = "table"    // aligned text (terminal) or tab-separated (piped)
	FormatJSON     Format = "json"     // dumpdiff.trend/v1, dumpdiff.compare/v1
	FormatCSV      Format = "csv"      // one row per site, RFC 4180
	FormatMarkdown Format = "markdown" // GitHub-flavoured table for incident documents
	FormatPprof    Format = "pprof"    // gzipped profile.proto for pprof, Pyroscope, speedscope
	FormatHTML     Format = "html"     // one self-contained page with charts (trend only)
)

// Formats lists every output format, in the order help text shows them.
var Formats = []Format{FormatTable, FormatJSON, FormatCSV, FormatMarkdown, FormatPprof, FormatHTML}

// ExportFormats are the formats meant for files rather than the terminal.
var ExportFormats = []Format{FormatCSV, FormatMarkdown, FormatPprof, FormatHTML}

// Binary reports whether the format is not text (pprof): the CLI refuses to
// write it to a terminal.
func (f Format) Binary() bool { return f == FormatPprof }

// Ext is the usual file name extension of the format, for messages.
func (f Format) Ext() string {
	switch f {
	case FormatJSON:
		return ".json"
	case FormatCSV:
		return ".csv"
	case FormatMarkdown:
		return ".md"
	case FormatPprof:
		return ".pb.gz"
	case FormatHTML:
		return ".html"
	}
	return ".txt"
}

// Options tune Write.
type Options struct {
	// Table tunes the table format (alignment, colour, width).
	Table TableOptions
	// HTML tunes the html format.
	HTML HTMLOptions
}

// writer is one format's writers, one per kind of result.
type writer struct {
	trend   func(io.Writer, *dumpdiff.TrendResult, Options) error
	compare func(io.Writer, *dumpdiff.CompareResult, Options) error
}

// writers is the one dispatcher of the formats.
var writers = map[Format]writer{
	FormatTable: {
		func(w io.Writer, r *dumpdiff.TrendResult, o Options) error { return WriteTrendTable(w, r, o.Table) },
		func(w io.Writer, r *dumpdiff.CompareResult, o Options) error { return WriteCompareTable(w, r, o.Table) },
	},
	FormatJSON: {
		func(w io.Writer, r *dumpdiff.TrendResult, _ Options) error { return WriteTrendJSON(w, r) },
		func(w io.Writer, r *dumpdiff.CompareResult, _ Options) error { return WriteCompareJSON(w, r) },
	},
	FormatCSV: {
		func(w io.Writer, r *dumpdiff.TrendResult, _ Options) error { return WriteTrendCSV(w, r) },
		func(w io.Writer, r *dumpdiff.CompareResult, _ Options) error { return WriteCompareCSV(w, r) },
	},
	FormatMarkdown: {
		func(w io.Writer, r *dumpdiff.TrendResult, _ Options) error { return WriteTrendMarkdown(w, r) },
		func(w io.Writer, r *dumpdiff.CompareResult, _ Options) error { return WriteCompareMarkdown(w, r) },
	},
	FormatPprof: {
		func(w io.Writer, r *dumpdiff.TrendResult, _ Options) error { return WriteTrendPprof(w, r) },
		func(w io.Writer, r *dumpdiff.CompareResult, _ Options) error { return WriteComparePprof(w, r) },
	},
	FormatHTML: {
		func(w io.Writer, r *dumpdiff.TrendResult, o Options) error { return WriteTrendHTML(w, r, o.HTML) },
		func(w io.Writer, r *dumpdiff.CompareResult, o Options) error { return WriteCompareHTML(w, r, o.HTML) },
	},
}

// Write writes a result, a *dumpdiff.TrendResult or a
// *dumpdiff.CompareResult, in format f, one of Formats.
func Write(w io.Writer, res dumpdiff.Result, f Format, opts Options) error {
	wr, ok := writers[f]
	switch r := res.(type) {
	case *dumpdiff.TrendResult:
		if !ok {
			return fmt.Errorf("write trend: unknown format %q", f)
		}
		return wr.trend(w, r, opts)
	case *dumpdiff.CompareResult:
		if !ok {
			return fmt.Errorf("write compare: unknown format %q", f)
		}
		return wr.compare(w, r, opts)
	}
	return fmt.Errorf("write: unknown result %T", res)
}
