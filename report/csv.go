package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
)

// trendCSVHeader is the fixed part of the trend CSV header; one column per
// snapshot ("lc_<lifecycle>") follows it.
var trendCSVHeader = []string{
	"rank", "verdict", "growth_per_lifecycle", "total_growth", "r2", "mk_p", "monotonic",
	"category", "title", "key", "stack", "min_growth_per_lifecycle",
}

// WriteTrendCSV writes res as CSV (RFC 4180): a header row, then one row per
// site in rank order. Text cells are cleaned, and a cell that a spreadsheet
// would run as a formula starts with a single quote (see defuseFormula). Sizes are exact integers in the metric's unit; the
// growth per lifecycle is the engine's slope with as many digits as it needs.
// The last columns hold the site's value at each snapshot, named
// lc_<lifecycle> after the snapshot's lifecycle number. The stack column is
// the site's frames outermost first, joined by ";" (the folded-stack order).
// min_growth_per_lifecycle repeats the leak floor on every row (0: off):
// CSV has no header block, and a comment line would trip CSV readers.
func WriteTrendCSV(w io.Writer, res *dumpdiff.TrendResult) error {
	cw := csv.NewWriter(w)
	header := append([]string(nil), trendCSVHeader...)
	for i, s := range res.Snapshots {
		header = append(header, lifecycleColumn(s, i))
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	for i := range res.Sites {
		s := res.Site(i)
		row := []string{
			strconv.Itoa(s.Rank), string(s.Verdict),
			formatFloat(s.Growth), strconv.FormatInt(s.TotalGrowth, 10),
			formatFloat(s.R2), formatFloat(s.MKP), formatFloat(s.Monotonic),
			csvText(s.Category), csvText(s.Title), csvText(s.Key), csvText(foldedStack(s.Frames)),
			formatFloat(res.Floor.PerLifecycle),
		}
		for i := range res.Snapshots {
			var v int64
			if i < len(s.Values) {
				v = s.Values[i]
			}
			row = append(row, strconv.FormatInt(v, 10))
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// compareCSVHeader is the compare CSV header.
var compareCSVHeader = []string{
	"rank", "status", "base", "target", "delta", "delta_pct", "category", "title", "key", "stack",
}

// WriteCompareCSV writes a pair diff as CSV (RFC 4180): a header row, then one
// row per site in rank order, sizes as exact integers in the metric's unit,
// text cells as in WriteTrendCSV.
// delta_pct is empty for sites that are new (no base to take a percentage of).
func WriteCompareCSV(w io.Writer, res *dumpdiff.CompareResult) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(compareCSVHeader); err != nil {
		return err
	}
	for i := range res.Sites {
		s := res.Site(i)
		row := []string{
			strconv.Itoa(s.Rank), string(s.Status),
			strconv.FormatInt(s.Base, 10), strconv.FormatInt(s.Target, 10), strconv.FormatInt(s.Delta, 10),
			formatFloat(s.DeltaPct),
			csvText(s.Category), csvText(s.Title), csvText(s.Key), csvText(foldedStack(s.Frames)),
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// lifecycleColumn names the CSV column of snapshot i.
func lifecycleColumn(s dumpdiff.SnapshotInfo, i int) string {
	if s.Lifecycle < 0 {
		return "lc_" + strconv.Itoa(i)
	}
	return "lc_" + strconv.Itoa(s.Lifecycle)
}

// formatFloat writes a statistic for programs (CSV, tab-separated tables,
// batch output) with the fewest digits that read back exactly: a growth of
// 4272558.67 bytes must not read "4.27256e+06". It is a plain decimal unless
// it is tiny or huge; NaN and infinities (a new site's delta %) become empty
// cells so spreadsheets and CSV readers do not choke on them.
func formatFloat(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return ""
	}
	// Plain decimals for ordinary magnitudes; a Mann–Kendall p of 5.6e-59
	// over a long series would otherwise print 58 zeros.
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// foldedStack joins frames outermost first with ";", the order of folded
// stacks (flamegraph.pl, speedscope).
func foldedStack(frames []dumpdiff.Frame) string {
	parts := make([]string, len(frames))
	for i, f := range frames {
		parts[len(frames)-1-i] = f.Name()
	}
	return strings.Join(parts, ";")
}

// fileLine renders a frame's source position, empty when unknown.
func fileLine(f dumpdiff.Frame) string {
	switch {
	case f.File != "" && f.Line > 0:
		return fmt.Sprintf("%s:%d", f.File, f.Line)
	case f.File != "":
		return f.File
	}
	return ""
}
