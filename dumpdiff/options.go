package dumpdiff

import "regexp"

// Options choose what a Trend or Compare computes from a loaded Series. The
// zero value ranks the default metric by stack with no filters and no limit.
type Options struct {
	// Metric is the sample type to rank, e.g. "inuse_space" or "committed";
	// empty means the series' default (Snapshot.DefaultMetric of the first).
	Metric string
	// GroupBy is the site granularity; empty means GroupByStack.
	GroupBy GroupBy
	// Label is the sample label GroupByCategory groups by; empty means "category".
	Label string
	// Focus keeps only samples with a frame matching it (pprof's -focus); nil keeps all.
	Focus *regexp.Regexp
	// Ignore drops samples with a frame matching it (pprof's -ignore); nil drops none.
	Ignore *regexp.Regexp
	// Top cuts the ranked list to this many sites; 0 keeps all.
	Top int
	// Limit, when positive, asks Trend for a Projection: lifecycles left
	// before the process total reaches Limit (metric units).
	Limit int64
	// Normalize scales a pair diff's base to the target's total (Compare only).
	Normalize bool
	// Stream leaves each site's Key, Title, Frames and Category out of the
	// result's Sites: with many sites (--top 0) they are nearly all of its
	// memory. A writer that streams takes each site whole, as it writes
	// it, from TrendResult.Site or CompareResult.Site.
	Stream bool
}
