// Package parsers reads memory snapshots — pprof protobuf profiles, gperftools
// (tcmalloc) legacy heap profiles, jemalloc heap_v2 dumps, JVM Native Memory
// Tracking reports and collapsed stacks, and cuts recordings of allocations
// over time (heaptrack, async-profiler's nativemem .jfr) into one snapshot per
// lifecycle — in two forms: as a stream fed to a Sink (Read, ReadFile,
// DecodePprof), which is how the engine reads a series without holding any
// file's stacks as objects; and as one model, a Snapshot wrapping a
// *profile.Profile (Open, Parse), for inspect, the pprof export and library
// users. EmitSnapshot and SnapshotBuilder turn each form into the other.
// The text formats have one reader each (ReadJemalloc, ReadTcmalloc,
// ReadNMT) that feeds a Sink line by line and serves both forms: memory
// grows with distinct stacks, never with line length (lines are capped at
// 4 MiB, stacks at 4096 frames) or with blank lines. Each reader handles
// one line shape per method. A frame without symbols is keyed by one rule,
// package parsers/framekey ("libfoo.so+0x1a2b", a replaced file's
// " (deleted)" dropped), which the engine and parsers/symbolize share.
//
// Parsers are pure: a reader in, a Snapshot or a Sink's calls out. They never
// print, keep no state beyond buffers pooled between files, and never guess a
// format from a file name. They do not compare snapshots, trim allocator
// frames or rank anything; that is package dumpdiff's job. Gzipped input is
// decompressed in its own goroutine, under a size limit (MaxDecompressed).
package parsers

import (
	"time"

	"github.com/google/pprof/profile"
)

// Format names a snapshot format that dumpdiff detects.
type Format string

// The formats dumpdiff knows. Their string values appear in JSON output and in
// the --input-format flag, so they never change.
const (
	FormatPprof    Format = "pprof"    // profile.proto, gzipped or raw
	FormatTcmalloc Format = "tcmalloc" // gperftools legacy "heap profile:" text
	FormatJemalloc Format = "jemalloc" // jemalloc "heap_v2/<period>" text
	FormatNMT      Format = "nmt"      // JVM Native Memory Tracking (jcmd VM.native_memory)
	// FormatHeaptrack is a heaptrack recording (zstd or gzip): every
	// allocation and free of a process over time, a series by itself.
	FormatHeaptrack Format = "heaptrack"
	// FormatJFR is an async-profiler nativemem recording (.jfr): every
	// malloc and free of a JVM with its Java and native stack.
	FormatJFR Format = "jfr"
	// FormatCollapsed is folded stacks, "frame;frame;…;frame VALUE" per
	// line (async-profiler, jfrconv, heaptrack_print, flamegraph tools).
	FormatCollapsed Format = "collapsed"
)

// Formats lists every known format, in detection order.
var Formats = []Format{FormatPprof, FormatTcmalloc, FormatJemalloc, FormatNMT, FormatHeaptrack, FormatJFR, FormatCollapsed}

// describe is how a format is named in error messages ("parse jemalloc dump x line 3: …").
func (f Format) describe() string {
	switch f {
	case FormatPprof:
		return "pprof profile"
	case FormatTcmalloc:
		return "tcmalloc heap profile"
	case FormatJemalloc:
		return "jemalloc dump"
	case FormatNMT:
		return "NMT report"
	case FormatHeaptrack:
		return "heaptrack recording"
	case FormatJFR:
		return "JFR recording"
	case FormatCollapsed:
		return "collapsed stacks"
	}
	return "snapshot"
}

// Snapshot is one parsed memory snapshot: the only model that code after
// package parsers reads. Everything format-specific that later stages need is
// expressed here or in Profile (sample types, labels, drop_frames).
type Snapshot struct {
	// Name is the source path (or a label for readers); it only labels output and errors.
	Name string
	// Format is the detected (or forced) format.
	Format Format
	// Variant refines Format where the producer matters, e.g. "go-heap",
	// "nmt-summary", "nmt-detail", "nmt-summary.diff". Empty when nothing to say.
	Variant string
	// Producer names what wrote the snapshot when the file says so, e.g.
	// "OpenJDK 17.0.15" or "jemalloc". Empty when unknown.
	Producer string
	// Lifecycle is the snapshot's position in its series. Parsers leave it at
	// -1; the series loader sets it from argument order, name or time.
	Lifecycle int
	// Time is when the snapshot was taken, zero when the file does not say.
	Time time.Time
	// PID is the process id of the producer, 0 when unknown.
	PID int
	// Period is the sampling period in PeriodUnit (bytes for heap profiles),
	// 0 when every allocation was recorded.
	Period int64
	// PeriodUnit is the unit of Period ("bytes"), empty when Period is 0.
	PeriodUnit string
	// Unsampled reports that the parser already scaled sampled values up to
	// estimates of the real process (jeprof's and pprof's rules), so values are
	// comparable across snapshots with different periods.
	Unsampled bool
	// Symbolized reports that frames carry function names (from the profile
	// itself or from symbolisation of the mapped binaries).
	Symbolized bool
	// RSS is the process's resident set size when the snapshot was taken, in
	// bytes, 0 when the producer does not record it (heaptrack does): what
	// the process held, beside what the snapshot traced.
	RSS int64
	// Warnings are problems that did not stop the parse: skipped lines (as
	// *ParseError with a line number), unresolved binaries, rounded values.
	Warnings []error
	// Profile holds stacks, values, mappings, sample types and labels.
	// NMT categories are the sample label "category"; jemalloc threads "thread".
	Profile *profile.Profile
	// Baseline is the earlier side of a file that carries a pair, such as NMT
	// summary.diff output (baseline = current − delta); nil otherwise.
	Baseline *Snapshot
}

// DefaultMetric is the retained-memory sample type of the snapshot: the
// profile's own default_sample_type, else "inuse_space" when present, else the
// last sample type (pprof's own rule).
func (s *Snapshot) DefaultMetric() string {
	p := s.Profile
	if p == nil || len(p.SampleType) == 0 {
		return ""
	}
	if p.DefaultSampleType != "" {
		for _, st := range p.SampleType {
			if st.Type == p.DefaultSampleType {
				return st.Type
			}
		}
	}
	for _, st := range p.SampleType {
		if st.Type == "inuse_space" {
			return st.Type
		}
	}
	return p.SampleType[len(p.SampleType)-1].Type
}

// MetricIndex returns the index of the sample type named metric, or -1.
func (s *Snapshot) MetricIndex(metric string) int {
	if s.Profile == nil {
		return -1
	}
	for i, st := range s.Profile.SampleType {
		if st.Type == metric {
			return i
		}
	}
	return -1
}

// Metrics lists the snapshot's sample types as name/unit pairs.
func (s *Snapshot) Metrics() []Metric {
	if s.Profile == nil {
		return nil
	}
	out := make([]Metric, len(s.Profile.SampleType))
	for i, st := range s.Profile.SampleType {
		out[i] = Metric{Name: st.Type, Unit: st.Unit}
	}
	return out
}

// Totals sums every sample type over all samples, in sample-type order.
func (s *Snapshot) Totals() []int64 {
	if s.Profile == nil {
		return nil
	}
	tot := make([]int64, len(s.Profile.SampleType))
	for _, smp := range s.Profile.Sample {
		for i, v := range smp.Value {
			if i < len(tot) {
				tot[i] += v
			}
		}
	}
	return tot
}

// Metric is a sample type: what is measured and in which unit.
type Metric struct {
	Name string `json:"name"`
	Unit string `json:"unit"`
}

// newSnapshot returns a Snapshot with the fields every parser sets the same way.
func newSnapshot(name string, format Format, p *profile.Profile) *Snapshot {
	return &Snapshot{Name: name, Format: format, Lifecycle: -1, Profile: p}
}
