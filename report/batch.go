package report

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
	"strings"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
)

// BatchSchema names the JSON Lines records of `dumpdiff batch`.
const BatchSchema = "dumpdiff.batch/v1"

// BatchSeries is one series of a batch run, as the batch writers render it.
type BatchSeries struct {
	Name string
	// Result is the series' trend, its Sites already cut to --top; nil when
	// Err is set.
	Result *dumpdiff.TrendResult
	// Err is why the series could not be loaded or ranked.
	Err error
	// FailOn is the --fail-on threshold in the metric's unit, 0 when unset;
	// Offenders are the ranks of the leak sites growing more than it.
	FailOn    int64
	Offenders []int
}

// jsonBatch is one line of `dumpdiff batch` JSON Lines (dumpdiff.batch/v1).
// Sites have exactly the shape of dumpdiff.trend/v1 sites.
type jsonBatch struct {
	Schema        string          `json:"schema"`
	Name          string          `json:"name"`
	Error         string          `json:"error,omitempty"`
	Metric        *jsonMetric     `json:"metric,omitempty"`
	GroupBy       string          `json:"group_by,omitempty"`
	SnapshotCount int             `json:"snapshot_count"`
	Snapshots     []jsonSnapshot  `json:"snapshots"`
	Total         *jsonTrendTotal `json:"total,omitempty"`
	MinGrowth     *jsonFloor      `json:"min_growth,omitempty"`
	SiteCount     int             `json:"site_count"`
	Sites         []jsonTrendSite `json:"sites"`
	FailOn        *jsonFailOn     `json:"fail_on,omitempty"`
	// Warnings are the series' load and trend warnings (a parser's skipped
	// line, NMT rounding, snapshots out of order), one line each.
	Warnings []string `json:"warnings,omitempty"`
}

type jsonFailOn struct {
	Threshold int64 `json:"threshold"`
	Offenders []int `json:"offenders"`
}

// WriteBatchJSON writes one series as one line of JSON (schema
// dumpdiff.batch/v1): name, snapshot count and snapshots, total growth per
// lifecycle, the leak floor (min_growth as in dumpdiff.trend/v1), the site
// count and the top sites as in dumpdiff.trend/v1, the
// --fail-on outcome when a threshold was given, or the error that stopped
// the series.
func WriteBatchJSON(w io.Writer, s BatchSeries) error {
	out := jsonBatch{Schema: BatchSchema, Name: s.Name, Snapshots: []jsonSnapshot{}, Sites: []jsonTrendSite{}}
	if s.Err != nil {
		out.Error = oneLineText(s.Err.Error())
	} else if res := s.Result; res != nil {
		out.Metric = &jsonMetric{Name: res.Metric.Name, Unit: res.Metric.Unit}
		out.GroupBy = string(res.GroupBy)
		out.SnapshotCount = len(res.Snapshots)
		for _, sn := range res.Snapshots {
			out.Snapshots = append(out.Snapshots, snapshotJSON(sn))
		}
		out.Total = &jsonTrendTotal{Growth: jsonFloat(res.Total.Growth), Values: totalValues(res.Total.Values)}
		if p := res.Projection; p != nil {
			out.Total.Projection = &jsonProjection{Limit: p.Limit, Lifecycles: jsonFloat(p.Lifecycles), Growing: p.Growing}
		}
		floor := floorJSON(res.Floor)
		out.MinGrowth = &floor
		out.SiteCount = res.SiteCount
		for _, site := range res.Sites {
			out.Sites = append(out.Sites, trendSiteJSON(site))
		}
		if s.FailOn > 0 {
			out.FailOn = &jsonFailOn{Threshold: s.FailOn, Offenders: append([]int{}, s.Offenders...)}
		}
		for _, w := range res.Warnings {
			out.Warnings = append(out.Warnings, oneLineText(w.Error()))
		}
	}
	line, err := json.Marshal(out)
	if err != nil {
		return err
	}
	_, err = w.Write(append(EscapeJSON(line), '\n'))
	return err
}

// trendSiteJSON is a site in the dumpdiff.trend/v1 shape.
func trendSiteJSON(s dumpdiff.TrendSite) jsonTrendSite {
	values := s.Values
	if values == nil {
		values = []int64{}
	}
	return jsonTrendSite{
		Rank: s.Rank, Key: s.Key, Title: s.Title, Frames: framesJSON(s.Frames), Category: s.Category,
		Values: values, Growth: jsonFloat(s.Growth), Total: s.TotalGrowth, R2: jsonFloat(s.R2), MKP: jsonFloat(s.MKP),
		Monotonic: jsonFloat(s.Monotonic), Verdict: string(s.Verdict),
	}
}

// BatchCSVHeader is the header of `dumpdiff batch --format csv`.
var BatchCSVHeader = []string{
	"series", "snapshots", "metric", "unit", "total_growth_per_lifecycle", "site_count",
	"rank", "verdict", "growth_per_lifecycle", "total_growth", "r2", "mk_p", "title", "key",
	"min_growth_per_lifecycle", "error",
}

// BatchCSV writes batch results as CSV (RFC 4180): a header row, then one
// row per reported site of each series, or one row with empty site columns
// for a series that failed (its error in the last column) or has no sites.
// Text cells are as in WriteTrendCSV: cleaned, formulas defused.
type BatchCSV struct {
	w      *csv.Writer
	header bool
}

// NewBatchCSV returns a BatchCSV writing to w.
func NewBatchCSV(w io.Writer) *BatchCSV { return &BatchCSV{w: csv.NewWriter(w)} }

// Write writes the rows of one series and flushes them.
func (b *BatchCSV) Write(s BatchSeries) error {
	if !b.header {
		b.header = true
		b.w.Write(BatchCSVHeader)
	}
	empty := func(head []string) []string {
		return append(head, make([]string, len(BatchCSVHeader)-len(head))...)
	}
	switch res := s.Result; {
	case s.Err != nil:
		row := empty([]string{csvText(s.Name)})
		row[len(row)-1] = csvText(oneLineText(s.Err.Error()))
		b.w.Write(row)
	case res != nil:
		head := []string{csvText(s.Name), strconv.Itoa(len(res.Snapshots)), csvText(res.Metric.Name), csvText(res.Metric.Unit),
			formatFloat(res.Total.Growth), strconv.Itoa(res.SiteCount)}
		floor := formatFloat(res.Floor.PerLifecycle)
		if len(res.Sites) == 0 {
			row := empty(head)
			row[len(row)-2] = floor
			b.w.Write(row)
		}
		for _, site := range res.Sites {
			b.w.Write(append(append([]string(nil), head...),
				strconv.Itoa(site.Rank), string(site.Verdict), formatFloat(site.Growth),
				strconv.FormatInt(site.TotalGrowth, 10), formatFloat(site.R2), formatFloat(site.MKP),
				csvText(site.Title), csvText(site.Key), floor, ""))
		}
	}
	b.w.Flush()
	return b.w.Error()
}

// oneLineText folds an error message onto one line.
func oneLineText(s string) string {
	return clean(strings.Join(strings.Fields(s), " "))
}
