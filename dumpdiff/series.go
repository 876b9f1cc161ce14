package dumpdiff

import (
	"slices"
	"strings"

	"github.com/dumpdiff/dumpdiff/parsers"
)

type (
	// frameID and stackID pack a table shard and a position in it (see
	// intern.go); denseFrame and denseStack number the finished tables'
	// entries from 0, for arrays indexed by frame or stack.
	frameID uint32
	stackID uint32
	labelID int32
)

// labelPair is one string label of a sample.
type labelPair struct{ k, v string }

// snapTable is one snapshot reduced to entries: everything the engine
// keeps of it once its samples are read.
type snapTable struct {
	info     SnapshotInfo // Total left 0; computed per metric and filter
	pid      int
	period   int64 // sampling period in bytes; 0 when every allocation counts
	metrics  []Metric
	def      string // the snapshot's retained metric (RetainedMetric)
	cols     snapCols
	warnings []error
	baseline bool // the earlier side of a pair in one input (NMT .diff)
	// kind is what a series must not mix: for an NMT report its variant and
	// scale ("nmt-summary scale=KB"); "" for other formats.
	kind string
	// unreliable maps a metric whose values the parser could not vouch
	// for (a *parsers.MetricError warning) to that warning: ranking it is
	// refused, the other metrics can be ranked.
	unreliable map[string]error
}

// Series is a loaded series of snapshots, each reduced to site entries as
// it was read: per snapshot, the values of each distinct (trimmed stack,
// labels) pair. Frames, stacks and label sets are interned across the
// series, so memory grows with the number of distinct sites, not with the
// number or size of snapshots. A Series is read-only once built and safe
// for concurrent Trend and Compare calls.
type Series struct {
	frames *frameTable
	stacks *stackTable
	labels *labelTable

	snaps    []*snapTable
	warnings []error
	format   parsers.Format // common format, or "" when mixed

	// Dense numbering of the finished tables: shard s's entries start at
	// stackBase[s] (frameBase[s]).
	stackBase, frameBase [shardCount + 1]int

	keys keyClasses // stacks grouped by their frames' keys, built on first use
}

// Len is the number of snapshots.
func (s *Series) Len() int { return len(s.snaps) }

// Warnings are the parsers' and loader's problems that did not stop the load.
func (s *Series) Warnings() []error { return slices.Clone(s.warnings) }

// Format is the snapshots' common format, or "" when they differ.
func (s *Series) Format() parsers.Format { return s.format }

// SiteRows is the number of distinct stacks: the size the series' memory
// grows with.
func (s *Series) SiteRows() int { return s.stackBase[shardCount] }

// numStacks and numFrames count the distinct stacks and frames.
func (s *Series) numStacks() int { return s.stackBase[shardCount] }
func (s *Series) numFrames() int { return s.frameBase[shardCount] }

// denseStack numbers stack st from 0.
func (s *Series) denseStack(st stackID) int {
	shard, local := unpackID(uint32(st))
	return s.stackBase[shard] + local
}

// denseFrame numbers frame f from 0.
func (s *Series) denseFrame(f frameID) int {
	shard, local := unpackID(uint32(f))
	return s.frameBase[shard] + local
}

// frame returns frame f.
func (s *Series) frame(f frameID) *Frame { return s.frames.frame(f) }

// stackFrames returns stack st's frames, innermost first.
func (s *Series) stackFrames(st stackID) []frameID { return s.stacks.frames(st) }

// eachStack calls fn with every stack.
func (s *Series) eachStack(fn func(st stackID)) {
	for shard := range s.stacks.shards {
		for local := range s.stacks.shards[shard].recs {
			fn(stackID(packID(shard, local)))
		}
	}
}

// Metrics lists the metrics every snapshot has, in the first snapshot's order.
func (s *Series) Metrics() []Metric {
	if len(s.snaps) == 0 {
		return nil
	}
	var out []Metric
	for _, m := range s.snaps[0].metrics {
		common := true
		for _, t := range s.snaps[1:] {
			if metricIndex(t.metrics, m.Name+"/"+m.Unit) < 0 {
				common = false
				break
			}
		}
		if common {
			out = append(out, m)
		}
	}
	return out
}

// DefaultMetric is the first snapshot's retained-memory metric (see
// RetainedMetric), the one Trend and Compare rank by default.
func (s *Series) DefaultMetric() string {
	if len(s.snaps) == 0 {
		return ""
	}
	return s.snaps[0].def
}

// Labels lists the string label keys that samples of the series carry, sorted.
func (s *Series) Labels() []string {
	seen := map[string]bool{}
	for _, ls := range s.labels.sets {
		for _, l := range ls {
			seen[l.k] = true
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Snapshots describes the snapshots in series order, with totals of the
// default metric (0 where its values were not kept).
func (s *Series) Snapshots() []SnapshotInfo {
	out := make([]SnapshotInfo, len(s.snaps))
	m := s.DefaultMetric()
	for i, t := range s.snaps {
		out[i] = t.info
		if j := metricIndex(t.metrics, m); j >= 0 && t.cols.vals[j] != nil {
			r := colReader{t.cols.vals[j]}
			for range t.cols.n {
				out[i].Total += r.nextInt()
			}
		}
	}
	return out
}

// RetainedMetric is the metric a leak shows in, the one Trend and Compare
// rank by default and inspect marks as the default: inuse_space whenever the
// profile has it, else the snapshot's own default. A Go "allocs" profile
// (net/http/pprof's /debug/pprof/allocs) names alloc_space as its default
// sample type, but alloc_space counts every allocation since the process
// started, so it grows at every site that allocates at all and would make
// each of them look like a leak.
func RetainedMetric(snap *parsers.Snapshot) string {
	for _, m := range snap.Metrics() {
		if m.Name == "inuse_space" {
			return m.Name
		}
	}
	return snap.DefaultMetric()
}

// retainedMetric is RetainedMetric for a snapshot known by its metrics and
// the default sample type it names (Snapshot.DefaultMetric's rule).
func retainedMetric(ms []Metric, def string) string {
	if len(ms) == 0 {
		return ""
	}
	for _, m := range ms {
		if m.Name == "inuse_space" {
			return m.Name
		}
	}
	for _, m := range ms {
		if def != "" && m.Name == def {
			return m.Name
		}
	}
	return ms[len(ms)-1].Name
}

// cumulativeMetric reports a metric that counts allocations since the
// process started (pprof's alloc_objects and alloc_space, jemalloc's
// accumulated counts), which never shrinks whether or not memory is freed.
func cumulativeMetric(name string) bool {
	return strings.HasPrefix(name, "alloc_")
}

// Cumulative reports a metric that counts every allocation since the
// process started, freed or not (alloc_space, alloc_objects): under it
// every site that allocates grows, leak or not.
func Cumulative(m Metric) bool { return cumulativeMetric(m.Name) }

// metricIndex finds a metric by name ("malloc", the first of that name) or
// by name and unit ("malloc/count"): NMT has two sample types named malloc,
// in bytes and in counts, and only the second form reaches the count.
func metricIndex(ms []Metric, name string) int {
	for i, m := range ms {
		if m.Name == name || m.Name+"/"+m.Unit == name {
			return i
		}
	}
	return -1
}

// MetricID is how a metric is named in --metric and in lists: its name, or
// name/unit when another metric of the series shares the name.
func MetricID(m Metric, all []Metric) string {
	for _, o := range all {
		if o.Name == m.Name && o.Unit != m.Unit {
			return m.Name + "/" + m.Unit
		}
	}
	return m.Name
}

// label returns the value of label key k of a label set ("" when absent).
func (s *Series) label(id labelID, k string) string {
	if id < 0 {
		return ""
	}
	for _, p := range s.labels.sets[id] {
		if p.k == k {
			return p.v
		}
	}
	return ""
}

// samplingQuantum is the value one sampled object adds to a site for metric
// m: the largest sampling period of the series for a bytes metric (an object
// much smaller than the period is counted as about one period), 0 when every
// allocation was recorded or the metric is not in bytes.
func (s *Series) samplingQuantum(m Metric) float64 {
	if m.Unit != "bytes" {
		return 0
	}
	var q int64
	for _, t := range s.snaps {
		q = max(q, t.period)
	}
	return float64(q)
}
