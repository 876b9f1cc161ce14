package dumpdiff

import (
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/google/pprof/profile"

	"github.com/dumpdiff/dumpdiff/parsers"
)

type (
	frameID int32
	stackID int32
	labelID int32
	rowID   int32
)

// frameRec is one distinct frame of the series. key is what stacks and
// functions match on: the function name when symbolised, else
// "module+0xoffset" (offset within the mapped file, so it survives ASLR).
type frameRec struct {
	Frame
	key string
}

// stackRec is one distinct trimmed stack, innermost frame first. key joins
// the frames' keys (so stacks that differ only in line numbers share it).
type stackRec struct {
	frames []frameID
	key    string
}

// labelPair is one string label of a sample.
type labelPair struct{ k, v string }

// rowRec is a distinct (stack, labels) pair: the finest unit of the reduced
// table. Every grouping (stack, function, line, category) is a function of it.
type rowRec struct {
	stack  stackID
	labels labelID
}

// snapTable is one snapshot reduced to rows: everything the engine keeps of
// it once the profile is dropped.
type snapTable struct {
	info    SnapshotInfo // Total left 0; computed per metric and filter
	pid     int
	period  int64 // sampling period in bytes; 0 when every allocation counts
	metrics []Metric
	def     string  // the snapshot's default metric
	rows    []rowID // sorted
	vals    []int64 // len(rows)*len(metrics), row-major
	// kind is what a series must not mix: for an NMT report its variant and
	// scale ("nmt-summary scale=KB"); "" for other formats.
	kind string
	// unreliable maps a metric whose values the parser could not vouch
	// for (a *parsers.MetricError warning) to that warning: ranking it is
	// refused, the other metrics can be ranked.
	unreliable map[string]error
}

// Series is a loaded series of snapshots, each reduced to a site table as
// soon as it was parsed: per snapshot, one value per metric for each distinct
// (trimmed stack, labels) row. Frames, stacks and label sets are interned
// across the series, so memory grows with the number of distinct sites, not
// with the number or size of snapshots. A Series is read-only after Load and
// safe for concurrent Trend and Compare calls.
type Series struct {
	frames   []frameRec
	frameIdx map[Frame]frameID
	stacks   []stackRec
	stackIdx map[string]stackID
	labels   [][]labelPair
	labelIdx map[string]labelID
	rows     []rowRec
	rowIdx   map[rowRec]rowID

	snaps    []*snapTable
	warnings []error
	format   parsers.Format // common format, or "" when mixed
}

func newSeries() *Series {
	return &Series{
		frameIdx: map[Frame]frameID{},
		stackIdx: map[string]stackID{},
		labelIdx: map[string]labelID{},
		rowIdx:   map[rowRec]rowID{},
	}
}

// Len is the number of snapshots.
func (s *Series) Len() int { return len(s.snaps) }

// Warnings are the parsers' and loader's problems that did not stop the load.
func (s *Series) Warnings() []error { return slices.Clone(s.warnings) }

// Format is the snapshots' common format, or "" when they differ.
func (s *Series) Format() parsers.Format { return s.format }

// SiteRows is the number of distinct (stack, labels) rows: the size the
// series' memory grows with.
func (s *Series) SiteRows() int { return len(s.rows) }

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
	for _, ls := range s.labels {
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
// default metric.
func (s *Series) Snapshots() []SnapshotInfo {
	out := make([]SnapshotInfo, len(s.snaps))
	m := s.DefaultMetric()
	for i, t := range s.snaps {
		out[i] = t.info
		if j := metricIndex(t.metrics, m); j >= 0 {
			nm := len(t.metrics)
			for r := range t.rows {
				out[i].Total += t.vals[r*nm+j]
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

// cumulativeMetric reports a metric that counts allocations since the
// process started (pprof's alloc_objects and alloc_space, jemalloc's
// accumulated counts), which never shrinks whether or not memory is freed.
func cumulativeMetric(name string) bool {
	return strings.HasPrefix(name, "alloc_")
}

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

// reduce builds the snapshot's table, interning into s. It is not safe for
// concurrent use: Load calls it for one snapshot at a time, in series order,
// so interned ids do not depend on parse timing. The profile may be dropped
// afterwards.
func (s *Series) reduce(snap *parsers.Snapshot, tr *trimmer) *snapTable {
	p := snap.Profile
	t := &snapTable{
		info: SnapshotInfo{Path: snap.Name, Format: snap.Format, Lifecycle: snap.Lifecycle, Time: snap.Time, PID: snap.PID, RSS: snap.RSS},
		pid:  snap.PID,
		def:  RetainedMetric(snap),
		kind: reportKind(snap),
	}
	if p == nil {
		return t
	}
	for _, w := range snap.Warnings {
		var me *parsers.MetricError
		if errors.As(w, &me) {
			for _, m := range me.Metrics {
				if t.unreliable == nil {
					t.unreliable = map[string]error{}
				}
				t.unreliable[m] = w
			}
		}
	}
	t.metrics = snap.Metrics()
	if snap.Period > 1 && snap.PeriodUnit == "bytes" {
		t.period = snap.Period
	}
	nm := len(t.metrics)

	locFrames := map[*profile.Location][]frameID{}
	frameKey := func(id frameID) string { return s.frames[id].key }
	acc := map[rowID]int{} // row → index into vals
	var buf []frameID
	var sk []byte
	for _, smp := range p.Sample {
		buf = buf[:0]
		for _, loc := range smp.Location {
			fs, ok := locFrames[loc]
			if !ok {
				fs = s.locationFrames(loc)
				locFrames[loc] = fs
			}
			buf = append(buf, fs...)
		}
		kept := tr.trim(buf, frameKey)
		sk = sk[:0]
		for _, f := range kept {
			sk = binary.LittleEndian.AppendUint32(sk, uint32(f))
		}
		st, ok := s.stackIdx[string(sk)]
		if !ok {
			st = stackID(len(s.stacks))
			keys := make([]string, len(kept))
			for i, f := range kept {
				keys[i] = s.frames[f].key
			}
			s.stacks = append(s.stacks, stackRec{frames: slices.Clone(kept), key: strings.Join(keys, ";")})
			s.stackIdx[string(sk)] = st
		}
		row := rowRec{stack: st, labels: s.internLabels(smp.Label)}
		r, ok := s.rowIdx[row]
		if !ok {
			r = rowID(len(s.rows))
			s.rows = append(s.rows, row)
			s.rowIdx[row] = r
		}
		at, ok := acc[r]
		if !ok {
			at = len(t.vals)
			acc[r] = at
			t.vals = append(t.vals, make([]int64, nm)...)
		}
		for i, v := range smp.Value {
			if i < nm {
				t.vals[at+i] += v
			}
		}
	}
	// Sort rows so a table's layout does not depend on sample order.
	t.rows = make([]rowID, 0, len(acc))
	for r := range acc {
		t.rows = append(t.rows, r)
	}
	slices.Sort(t.rows)
	vals := make([]int64, len(t.vals))
	for i, r := range t.rows {
		copy(vals[i*nm:(i+1)*nm], t.vals[acc[r]:acc[r]+nm])
	}
	t.vals = vals
	return t
}

// locationFrames interns a location's frames, innermost (inlined) first.
func (s *Series) locationFrames(loc *profile.Location) []frameID {
	module := ""
	if m := loc.Mapping; m != nil && m.File != "" {
		module = filepath.Base(m.File)
	}
	var out []frameID
	for _, ln := range loc.Line {
		if ln.Function == nil || ln.Function.Name == "" {
			continue
		}
		f := Frame{Function: ln.Function.Name, File: ln.Function.Filename, Line: ln.Line, Module: module}
		out = append(out, s.internFrame(f, f.Function))
	}
	if len(out) > 0 {
		return out
	}
	// Unsymbolised: module + offset within the mapped file, never the raw
	// address, which moves with ASLR and between processes.
	key := unsymbolizedKey(loc)
	f := Frame{Function: key, Module: module}
	return []frameID{s.internFrame(f, key)}
}

// unsymbolizedKey names an address-only location "libfoo.so+0x1a2b".
func unsymbolizedKey(loc *profile.Location) string {
	m := loc.Mapping
	if m == nil || loc.Address < m.Start {
		return fmt.Sprintf("?+%#x", loc.Address)
	}
	name := filepath.Base(m.File)
	if m.File == "" {
		name = "?"
	}
	return fmt.Sprintf("%s+%#x", name, loc.Address-m.Start+m.Offset)
}

func (s *Series) internFrame(f Frame, key string) frameID {
	if id, ok := s.frameIdx[f]; ok {
		return id
	}
	id := frameID(len(s.frames))
	s.frames = append(s.frames, frameRec{Frame: f, key: key})
	s.frameIdx[f] = id
	return id
}

func (s *Series) internLabels(l map[string][]string) labelID {
	if len(l) == 0 {
		return -1
	}
	var ls []labelPair
	for k, vs := range l {
		for _, v := range vs {
			ls = append(ls, labelPair{k, v})
		}
	}
	slices.SortFunc(ls, func(a, b labelPair) int {
		if c := strings.Compare(a.k, b.k); c != 0 {
			return c
		}
		return strings.Compare(a.v, b.v)
	})
	var kb strings.Builder
	for _, p := range ls {
		kb.WriteString(p.k)
		kb.WriteByte(0)
		kb.WriteString(p.v)
		kb.WriteByte(0)
	}
	key := kb.String()
	if id, ok := s.labelIdx[key]; ok {
		return id
	}
	id := labelID(len(s.labels))
	s.labels = append(s.labels, ls)
	s.labelIdx[key] = id
	return id
}

// label returns the value of label key k of a label set ("" when absent).
func (s *Series) label(id labelID, k string) string {
	if id < 0 {
		return ""
	}
	for _, p := range s.labels[id] {
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
