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

// Options tune WriteTrend and WriteCompare.
type Options struct {
	// Table tunes the table format (alignment, colour, width).
	Table TableOptions
	// HTML tunes the html format.
	HTML HTMLOptions
}

// WriteTrend writes a trend in format f, one of Formats.
func WriteTrend(w io.Writer, res *dumpdiff.TrendResult, f Format, opts Options) error {
	switch f {
	case FormatTable:
		return WriteTrendTable(w, res, opts.Table)
	case FormatJSON:
		return WriteTrendJSON(w, res)
	case FormatCSV:
		return WriteTrendCSV(w, res)
	case FormatMarkdown:
		return WriteTrendMarkdown(w, res)
	case FormatPprof:
		return WriteTrendPprof(w, res)
	case FormatHTML:
		return WriteTrendHTML(w, res, opts.HTML)
	}
	return fmt.Errorf("write trend: unknown format %q", f)
}

// WriteCompare writes a pair diff in format f, one of Formats.
func WriteCompare(w io.Writer, res *dumpdiff.CompareResult, f Format, opts Options) error {
	switch f {
	case FormatTable:
		return WriteCompareTable(w, res, opts.Table)
	case FormatJSON:
		return WriteCompareJSON(w, res)
	case FormatCSV:
		return WriteCompareCSV(w, res)
	case FormatMarkdown:
		return WriteCompareMarkdown(w, res)
	case FormatPprof:
		return WriteComparePprof(w, res)
	case FormatHTML:
		return WriteCompareHTML(w, res, opts.HTML)
	}
	return fmt.Errorf("write compare: unknown format %q", f)
}
