package dumpdiff

import (
	"time"

	"github.com/dumpdiff/dumpdiff/parsers"
)

// This file is the engine's output contract: plain data that every front end
// (CLI table, exports, TUI) renders. Field names mirror the JSON schemas in
// DESIGN.md ("dumpdiff.trend/v1", "dumpdiff.compare/v1"); never rename one.

// Verdict classifies a site's trend across a series.
type Verdict string

const (
	VerdictLeak      Verdict = "leak"      // significant positive trend that continues through the last lifecycles
	VerdictPlateau   Verdict = "plateau"   // grew early, flat since
	VerdictNoise     Verdict = "noise"     // no significant trend
	VerdictShrinking Verdict = "shrinking" // significant negative trend
	VerdictNew       Verdict = "new"       // absent at first, present at the end, too few points for a trend
	VerdictGone      Verdict = "gone"      // held memory for a stretch, absent since
)

// PairStatus classifies a site in a pair diff.
type PairStatus string

const (
	StatusNew       PairStatus = "new"
	StatusGone      PairStatus = "gone"
	StatusGrown     PairStatus = "grown"
	StatusShrunk    PairStatus = "shrunk"
	StatusUnchanged PairStatus = "unchanged"
)

// GroupBy is the granularity at which allocations are matched into sites.
type GroupBy string

const (
	GroupByStack    GroupBy = "stack"    // the whole trimmed call stack (default)
	GroupByFunction GroupBy = "function" // the innermost kept function
	GroupByLine     GroupBy = "line"     // the innermost kept function plus file:line
	GroupByCategory GroupBy = "category" // the "category" label (NMT) or another label
)

// Metric is the sample type a result ranks, e.g. {inuse_space bytes}.
type Metric = parsers.Metric

// Frame is one frame of a site's stack, innermost first.
type Frame struct {
	Function string `json:"function"`
	File     string `json:"file,omitempty"`
	Line     int64  `json:"line,omitempty"`
	// Module is the mapped file's base name for address-only frames
	// ("libfoo.so"); empty when the profile does not say.
	Module string `json:"module,omitempty"`
}

// SnapshotInfo describes one snapshot of a series as the result shows it.
type SnapshotInfo struct {
	Path      string         `json:"path"`
	Format    parsers.Format `json:"format"`
	Lifecycle int            `json:"lifecycle"`
	Time      time.Time      `json:"time,omitzero"`
	// Total is the snapshot's total of the metric, after --focus/--ignore.
	Total int64 `json:"total"`
}

// TrendSite is one ranked site of a trend.
type TrendSite struct {
	Rank     int     `json:"rank"`
	Key      string  `json:"key"`
	Title    string  `json:"title"`
	Frames   []Frame `json:"frames"`
	Category string  `json:"category,omitempty"`
	// Values holds the metric at each snapshot of the series (0 when absent).
	Values []int64 `json:"values"`
	// Growth is the Theil–Sen slope: metric units per lifecycle.
	Growth float64 `json:"growth_per_lifecycle"`
	// TotalGrowth is the last value minus the first.
	TotalGrowth int64   `json:"total_growth"`
	R2          float64 `json:"r2"`
	MKP         float64 `json:"mk_p"`
	Monotonic   float64 `json:"monotonic"`
	Verdict     Verdict `json:"verdict"`
}

// TrendTotal summarises the whole process across the series.
type TrendTotal struct {
	// Growth is the Theil–Sen slope of the snapshot totals per lifecycle.
	Growth float64 `json:"growth_per_lifecycle"`
	Values []int64 `json:"values"`
}

// Projection answers --limit: lifecycles left before the total reaches Limit.
type Projection struct {
	Limit int64 `json:"limit"`
	// Lifecycles is how many more lifecycles fit; negative when the limit is
	// already exceeded; +Inf (omitted in JSON) when the total is not growing.
	Lifecycles float64 `json:"lifecycles"`
	Growing    bool    `json:"growing"`
}

// TrendResult is the ranked outcome of a series: `dumpdiff trend`.
type TrendResult struct {
	Metric     Metric         `json:"metric"`
	GroupBy    GroupBy        `json:"group_by"`
	Snapshots  []SnapshotInfo `json:"snapshots"`
	Total      TrendTotal     `json:"total"`
	Projection *Projection    `json:"projection,omitempty"`
	// Sites are ranked: leaks first by growth, then the rest by growth; ties
	// by total growth, then by key.
	Sites []TrendSite `json:"sites"`
	// SiteCount is the number of sites before --top cut the list.
	SiteCount int     `json:"site_count"`
	Warnings  []error `json:"-"`
}

// PairSite is one site of a pair diff.
type PairSite struct {
	Rank     int        `json:"rank"`
	Key      string     `json:"key"`
	Title    string     `json:"title"`
	Frames   []Frame    `json:"frames"`
	Category string     `json:"category,omitempty"`
	Base     int64      `json:"base"`
	Target   int64      `json:"target"`
	Delta    int64      `json:"delta"`
	DeltaPct float64    `json:"delta_pct"` // percent of Base; +Inf for new sites (null in JSON)
	Status   PairStatus `json:"status"`
}

// CompareResult is a pair diff: `dumpdiff compare`.
type CompareResult struct {
	Metric  Metric       `json:"metric"`
	GroupBy GroupBy      `json:"group_by"`
	Base    SnapshotInfo `json:"base"`
	Target  SnapshotInfo `json:"target"`
	// Normalized reports that base values were scaled to the target's total.
	Normalized bool       `json:"normalized"`
	Sites      []PairSite `json:"sites"`
	SiteCount  int        `json:"site_count"`
	Warnings   []error    `json:"-"`
}
