package dumpdiff

import (
	"math"
	"regexp"
)

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
	// MinGrowth is the practical-significance floor of Trend in metric
	// units per lifecycle: a site whose trend passes every test of a leak
	// but grows less than this is a creep. 0 (the default) takes
	// MinGrowthShare of the series' median total; a negative value turns the
	// floor off, so every significant trend is a leak.
	MinGrowth int64
	// MinGrowthShare is the floor as a share of the median of the
	// snapshots' totals (before Focus and Ignore), used when MinGrowth is 0;
	// 0 means DefaultMinGrowthShare.
	MinGrowthShare float64
}

// DefaultMinGrowthShare is the default floor: a site that grows less than
// 0.01% of the process's (median) total per lifecycle would need more than
// 10 000 lifecycles to add what the whole process holds. Such trends are
// real (a JVM's own bookkeeping grows with every class or thread) but not
// where memory goes; calling them leaks buried the one that was.
const DefaultMinGrowthShare = 0.0001

// floor resolves MinGrowth and MinGrowthShare against a series whose
// median total is median.
func (o Options) floor(median int64) Floor {
	switch {
	case o.MinGrowth < 0:
		return Floor{MedianTotal: median}
	case o.MinGrowth > 0:
		return Floor{PerLifecycle: float64(o.MinGrowth), MedianTotal: median}
	}
	share := o.MinGrowthShare
	if share <= 0 {
		share = DefaultMinGrowthShare
	}
	// Whole metric units: the floor is a threshold, and sizes in outputs
	// are integers.
	return Floor{PerLifecycle: math.Round(share * float64(max(median, 0))), Share: share, MedianTotal: median}
}
