package dumpdiff

import (
	"time"

	"github.com/dumpdiff/dumpdiff/parsers"
)

// This file is the engine's output contract: plain data that every front end
// (CLI table, exports, TUI) renders. The JSON schemas ("dumpdiff.trend/v1",
// "dumpdiff.compare/v1") are written by package report, whose own types map
// these fields to the schema's names; keeping JSON tags off these types
// leaves the schema one definition.

// Verdict classifies a site's trend across a series.
type Verdict string

const (
	VerdictLeak      Verdict = "leak"      // significant positive trend that continues through the last lifecycles, at least the floor per lifecycle
	VerdictCreep     Verdict = "creep"     // a leak's trend, but growing less per lifecycle than the floor (Options.MinGrowth)
	VerdictPlateau   Verdict = "plateau"   // grew early, flat since
	VerdictSteady    Verdict = "steady"    // the same non-zero amount in every snapshot
	VerdictNoise     Verdict = "noise"     // no significant trend
	VerdictShrinking Verdict = "shrinking" // significant negative trend
	VerdictNew       Verdict = "new"       // absent at first, present at the end, too few points for a trend
	VerdictGone      Verdict = "gone"      // held memory for a stretch, absent since
)

// Verdicts lists every verdict in the order front ends show them.
var Verdicts = []Verdict{VerdictLeak, VerdictCreep, VerdictPlateau, VerdictNew,
	VerdictSteady, VerdictNoise, VerdictShrinking, VerdictGone}

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
	Function string
	File     string
	Line     int64
	// Module is the mapped file's base name for address-only frames
	// ("libfoo.so"); empty when the profile does not say.
	Module string
}

// SnapshotInfo describes one snapshot of a series as the result shows it.
type SnapshotInfo struct {
	Path      string
	Format    parsers.Format
	Lifecycle int
	// Time and PID are the snapshot's own time and process id, as the file
	// records them; zero when it does not.
	Time time.Time
	PID  int
	// Total is the snapshot's total of the metric, after --focus/--ignore.
	Total int64
	// RSS is the process's resident set size when the snapshot was taken,
	// in bytes; 0 when the producer does not sample it (heaptrack does).
	// Beside a byte Total it shows how much of the process the tracer saw.
	RSS int64
}

// Site is what every kind of result says about one of its sites: where it
// is and what it is called. TrendSite and PairSite embed it, so front ends
// hold rows of sites and ask the kind only for its own columns and
// statistics.
type Site struct {
	// Rank is the site's place in the result, from 1.
	Rank int
	// Key identifies the site across snapshots under the result's GroupBy:
	// the stack's frame keys joined by ";", a function, a function with its
	// file:line, or a category.
	Key string
	// Title is the name the site is shown by: its innermost kept frame
	// (with its caller when that frame is a placeholder such as "[java]"),
	// or its category. Same-titled sites are told apart by DistinctTitles.
	Title  string
	Frames []Frame
	// Category is the site's "category" label values (NMT), joined by ",".
	Category string
}

// ResultHeader is what every kind of result says about itself as a whole.
// TrendResult and CompareResult embed it.
type ResultHeader struct {
	Metric  Metric
	GroupBy GroupBy
	// SiteCount is the number of sites before --top cut the list.
	SiteCount int
	Warnings  []error
}

// Result is what front ends need from a result of either kind to show its
// sites: a table holds the shared part of each row and asks the kind
// (*TrendResult or *CompareResult) only for its columns and statistics.
type Result interface {
	// Header returns the result's header.
	Header() *ResultHeader
	// Len is the number of sites the result holds (after --top).
	Len() int
	// SiteAt returns the shared part of site i whole, with its Key, Title,
	// Frames and Category built now when the result was made with
	// Options.Stream.
	SiteAt(i int) Site
	// Sources is the snapshots the result was computed from: the series of
	// a trend, the base and the target of a pair diff.
	Sources() []SnapshotInfo
}

var (
	_ Result = (*TrendResult)(nil)
	_ Result = (*CompareResult)(nil)
)

// TrendSite is one ranked site of a trend.
type TrendSite struct {
	Site
	// Values holds the metric at each snapshot of the series (0 when absent).
	Values []int64
	// Growth is the Theil–Sen slope: metric units per lifecycle. For a
	// leak that started late it is the slope since it started, and for a
	// plateau the slope since it levelled off (what it grows now).
	Growth float64
	// TotalGrowth is the last value minus the first.
	TotalGrowth int64
	R2          float64
	MKP         float64
	Monotonic   float64
	Verdict     Verdict
}

// TrendTotal summarises the whole process across the series.
type TrendTotal struct {
	// Growth is the Theil–Sen slope of the snapshot totals per lifecycle.
	Growth float64
	Values []int64
	// RSSGrowth is the Theil–Sen slope of the snapshots' RSS, bytes per
	// lifecycle; 0 unless every snapshot has an RSS.
	RSSGrowth float64
}

// Floor is the practical-significance floor of a trend: a site whose
// trend passes every test of a leak but grows less than PerLifecycle is a
// creep, not a leak.
type Floor struct {
	// PerLifecycle is the floor in metric units per lifecycle; 0 when the
	// floor is off (every significant trend is a leak).
	PerLifecycle float64
	// Share is the share of the series' median total the floor was taken
	// from (DefaultMinGrowthShare unless Options say otherwise); 0 when the
	// floor was given as a size or is off.
	Share float64
	// MedianTotal is the median of the snapshots' totals of the metric,
	// before --focus/--ignore: the scale Share applies to.
	MedianTotal int64
}

// Projection answers --limit: lifecycles left before the total reaches Limit.
type Projection struct {
	Limit int64
	// Lifecycles is how many more lifecycles fit; negative when the limit is
	// already exceeded; +Inf (omitted in JSON) when the total is not growing.
	Lifecycles float64
	Growing    bool
}

// TrendResult is the ranked outcome of a series: `dumpdiff trend`.
type TrendResult struct {
	ResultHeader
	Snapshots  []SnapshotInfo
	Total      TrendTotal
	Projection *Projection
	// Floor is the growth per lifecycle below which a trend is a creep.
	Floor Floor
	// Sites are ranked: leaks first by growth, then creeps, then the rest by
	// growth; ties by total growth, then by key.
	Sites []TrendSite

	// details fills in a site's Key, Title, Frames and Category when the
	// result was made with Options.Stream; nil otherwise.
	details func(i int, s *Site)
}

// Site returns site i whole: as in Sites, with its Key, Title, Frames and
// Category built now when the result was made with Options.Stream.
func (r *TrendResult) Site(i int) TrendSite {
	s := r.Sites[i]
	if r.details != nil {
		r.details(i, &s.Site)
	}
	return s
}

// Header returns the result's header.
func (r *TrendResult) Header() *ResultHeader { return &r.ResultHeader }

// Sources is the series' snapshots (see Result).
func (r *TrendResult) Sources() []SnapshotInfo { return r.Snapshots }

// Len is the number of sites the result holds.
func (r *TrendResult) Len() int { return len(r.Sites) }

// SiteAt returns the shared part of site i whole (see Result).
func (r *TrendResult) SiteAt(i int) Site {
	s := r.Sites[i].Site
	if r.details != nil {
		r.details(i, &s)
	}
	return s
}

// RSSKnown reports whether every snapshot has an RSS, so that the
// process's resident memory can be shown beside the traced total.
func (r *TrendResult) RSSKnown() bool {
	for _, s := range r.Snapshots {
		if s.RSS <= 0 {
			return false
		}
	}
	return len(r.Snapshots) > 0
}

// PairSite is one site of a pair diff.
type PairSite struct {
	Site
	Base     int64
	Target   int64
	Delta    int64
	DeltaPct float64 // percent of Base; +Inf for new sites (null in JSON)
	Status   PairStatus
}

// CompareResult is a pair diff: `dumpdiff compare`.
type CompareResult struct {
	ResultHeader
	Base   SnapshotInfo
	Target SnapshotInfo
	// Normalized reports that base values were scaled to the target's total.
	Normalized bool
	Sites      []PairSite

	details func(i int, s *Site) // see TrendResult.details
}

// Site returns site i whole (see TrendResult.Site).
func (r *CompareResult) Site(i int) PairSite {
	s := r.Sites[i]
	if r.details != nil {
		r.details(i, &s.Site)
	}
	return s
}

// Header returns the result's header.
func (r *CompareResult) Header() *ResultHeader { return &r.ResultHeader }

// Sources is the base and the target (see Result).
func (r *CompareResult) Sources() []SnapshotInfo { return []SnapshotInfo{r.Base, r.Target} }

// Len is the number of sites the result holds.
func (r *CompareResult) Len() int { return len(r.Sites) }

// SiteAt returns the shared part of site i whole (see Result).
func (r *CompareResult) SiteAt(i int) Site {
	s := r.Sites[i].Site
	if r.details != nil {
		r.details(i, &s)
	}
	return s
}

// siteDetails returns the function that fills in the Key, Title, Frames
// and Category of a result's site i, whose group is groupOf[i]: at once
// for a whole result, on demand (Site, SiteAt) for a streamed one.
func (s *Series) siteDetails(g *grouping, groupOf []int32) func(i int, site *Site) {
	return func(i int, site *Site) {
		gi := int(groupOf[i])
		sg := &g.groups[gi]
		site.Key, site.Title = s.groupKey(g, gi), s.groupTitle(g, gi)
		site.Frames, site.Category = s.siteFrames(sg, g.by), g.groupCategory(gi)
	}
}
