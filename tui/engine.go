package tui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/report"
)

// Engine is what the explorer needs from a loaded series. *dumpdiff.Series
// satisfies it; tests use fakes. Every call may be slow, so the explorer only
// makes them inside a tea.Cmd.
type Engine interface {
	Trend(dumpdiff.Options) (*dumpdiff.TrendResult, error)
	Compare(base, target int, opts dumpdiff.Options) (*dumpdiff.CompareResult, error)
	Metrics() []dumpdiff.Metric
	Snapshots() []dumpdiff.SnapshotInfo
}

// ExportFormat names a file format the export prompt offers.
type ExportFormat string

// The formats of the export prompt, in the order it lists them: every
// format of the command line. All but text are report's --format names;
// text is the aligned table a terminal shows (--format table).
const (
	ExportJSON     ExportFormat = "json"
	ExportCSV      ExportFormat = "csv"
	ExportMarkdown ExportFormat = "markdown"
	ExportHTML     ExportFormat = "html"
	ExportPprof    ExportFormat = "pprof"
	ExportText     ExportFormat = "text"
)

// exportFormats is the prompt's order; each is chosen by its first letter.
var exportFormats = []ExportFormat{ExportJSON, ExportCSV, ExportMarkdown, ExportHTML, ExportPprof, ExportText}

// ext is the file name extension the prompt suggests for f. The names are
// report's, so report knows the extension (.txt for text).
func (f ExportFormat) ext() string { return report.Format(f).Ext() }

// ReportFormat is the report format and options that write f: text is
// report's table, aligned as on a terminal, without colour.
func (f ExportFormat) ReportFormat() (report.Format, report.Options) {
	if f == ExportText {
		return report.FormatTable, report.Options{Table: report.TableOptions{Aligned: true}}
	}
	return report.Format(f), report.Options{}
}

// Exporter writes the current view (a *dumpdiff.TrendResult or a
// *dumpdiff.CompareResult) to path in format. It runs inside a tea.Cmd and
// must write atomically.
type Exporter func(path string, format ExportFormat, view dumpdiff.Result) error

// Options configure the explorer. The zero value explores the engine's default
// metric grouped by stack, with no export.
type Options struct {
	// Query is the engine query the explorer starts from (metric, group-by,
	// focus, ignore, limit...). The explorer changes Metric and GroupBy as the
	// user cycles them and keeps the rest.
	Query dumpdiff.Options
	// Title names the series in the header, e.g. the directory; empty shows nothing.
	Title string
	// Export writes exports; nil disables the e key.
	Export Exporter
	// ExportDir is the directory a file name typed without one is written
	// to, shown under the prompt; "" means the working directory, which
	// the prompt then names as such.
	ExportDir string
	// KeyMap and Styles default to DefaultKeyMap() and DefaultStyles().
	KeyMap *KeyMap
	Styles *Styles
}

// resultMsg carries a finished trend or pair computation back to Update:
// the result held for the screen, or the error.
type resultMsg struct {
	seq   int
	query dumpdiff.Options
	shown *shownResult
	err   error
}

// exportedMsg reports the end of an export.
type exportedMsg struct {
	path string
	err  error
}

// computeTrend runs Trend off the Update loop.
func computeTrend(e Engine, seq int, q dumpdiff.Options) tea.Cmd {
	return func() tea.Msg {
		res, err := e.Trend(q)
		if err != nil {
			// The step is named once: the engine's own errors may start
			// with it ("trend needs at least two snapshots").
			return resultMsg{seq: seq, query: q, err: fmt.Errorf("rank sites: %w", err)}
		}
		return resultMsg{seq: seq, query: q, shown: newShown(res)}
	}
}

// computePair runs Compare off the Update loop.
func computePair(e Engine, seq int, q dumpdiff.Options, base, tgt int) tea.Cmd {
	return func() tea.Msg {
		res, err := e.Compare(base, tgt, q)
		if err != nil {
			return resultMsg{seq: seq, query: q, err: fmt.Errorf("pair diff: %w", err)}
		}
		return resultMsg{seq: seq, query: q, shown: newShown(res)}
	}
}

// runExport runs the exporter off the Update loop.
func runExport(x Exporter, path string, f ExportFormat, view dumpdiff.Result) tea.Cmd {
	return func() tea.Msg {
		err := x(path, f, view)
		if err != nil {
			// The writer's error names the file already.
			err = fmt.Errorf("export: %w", err)
		}
		return exportedMsg{path: path, err: err}
	}
}

// The engine's loaded series is what the explorer explores.
var _ Engine = (*dumpdiff.Series)(nil)
