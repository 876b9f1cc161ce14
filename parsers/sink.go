package parsers

import "time"

// Sink receives memory snapshots while a reader decodes them: the streaming
// counterpart of Snapshot, so that a consumer (the engine's reducer, a
// profile builder) keeps only what it needs and nothing holds a whole file's
// stacks as objects.
//
// A reader calls, for each snapshot of its input, in this order:
//
//	Begin  (Mapping | Location | LabelSet | Sample)*  End
//
// An input usually holds one snapshot; an NMT summary.diff or detail.diff
// holds two (its baseline, with Header.Baseline set, then its current side),
// and a recording split into lifecycles holds one per lifecycle.
//
// Rules every reader keeps, so that every sink can stay simple:
//
//   - Declare before use. A Location's mapping is declared before the
//     Location, and a Sample's locations and label set before the Sample.
//     A format that writes its definitions last (pprof puts its locations
//     and strings after its samples, jemalloc and tcmalloc their memory map)
//     is buffered by its reader, compactly, never as one object per sample.
//   - Ids are the reader's own, unique within one snapshot, and hold until
//     its End; the next snapshot declares again what it uses. Id 0 means
//     "none" (a location without a mapping, a sample without labels).
//   - Values: every Sample has one value per Header.Metrics, in that order.
//   - Ownership: the records and slices passed to a call are the reader's and
//     valid only during that call (a reader reuses its buffers, so that
//     decoding allocates nothing per sample); a sink copies what it keeps.
//     Strings are immutable and may be kept as they are: a reader interns
//     each distinct string once per input, so a sink that keeps one keeps
//     it once.
//   - Errors: an error from a sink method stops the reader, which returns it
//     unchanged (a sink's own limit, say). A reader's own problems are
//     *ParseError values; problems that did not stop it go to End.
//
// A sink never sees the input's bytes or format details beyond Header: the
// same sink serves every format.
type Sink interface {
	// Begin starts a snapshot and says what it is and what it measures.
	Begin(h *Header) error
	// Mapping declares a mapped file (an executable or shared library) of
	// the snapshot's process.
	Mapping(m *Mapping) error
	// Location declares a location: an address in a mapping and the frames
	// (function, file, line) found there, innermost (inlined) first. A
	// location with no Lines is unsymbolised: it is known by its address
	// within its mapping.
	Location(l *Location) error
	// LabelSet declares the labels that samples refer to by id: the
	// jemalloc thread, the NMT category, a pprof sample's labels.
	LabelSet(id uint64, labels []Label) error
	// Sample adds values to the stack of locations (innermost first, by
	// id), with the label set labelSet (0 for none). A stack may come in
	// several samples: their values add up.
	Sample(locations []uint64, values []int64, labelSet uint64) error
	// End ends the snapshot. warnings are the reader's problems that did not
	// stop it (skipped lines as *ParseError with a line number, rounded
	// values), as Snapshot.Warnings holds them.
	End(warnings []error) error
}

// Header is what a snapshot is and measures: the metadata of Snapshot, and
// the profile.proto fields that a profile builder needs to give back the
// profile a reader decoded.
type Header struct {
	// Name is the source path, or a label ("x.diff (baseline)"); it only
	// labels output and errors.
	Name string
	// Format, Variant and Producer are as in Snapshot.
	Format   Format
	Variant  string
	Producer string
	// Lifecycle is the snapshot's position in a recording split into
	// lifecycles (0, 1, …); -1 for a snapshot format, whose lifecycle the
	// series loader decides.
	Lifecycle int
	// Baseline marks the earlier side of a pair that the input's next
	// snapshot completes (NMT summary.diff: baseline = current − delta).
	Baseline bool
	// Time, PID, RSS, Period, PeriodUnit and Unsampled are as in Snapshot.
	Time       time.Time
	PID        int
	RSS        int64
	Period     int64
	PeriodUnit string
	Unsampled  bool
	// Metrics are the sample types: every Sample has one value per metric,
	// in this order.
	Metrics []Metric
	// DefaultMetric is the sample type the input names as its default
	// (profile.proto default_sample_type), "" when it names none.
	DefaultMetric string
	// DropFrames and KeepFrames are the input's own regexps of allocator
	// frames to trim, and of frames to keep among those (profile.proto
	// drop_frames and keep_frames), "" when it has none.
	DropFrames string
	KeepFrames string
	// Profile holds the profile.proto fields that only a profile builder
	// needs (period type, duration, comments); nil when there are none. The
	// engine ignores it.
	Profile *ProfileFields
}

// ProfileFields are profile.proto fields that say nothing about sites and
// values, kept so that a profile builder rebuilds the profile a reader saw.
type ProfileFields struct {
	// PeriodType and Period are profile.proto period_type and period; they
	// may differ from Header.Period, which is the snapshot's sampling
	// period (0 when every allocation was recorded).
	PeriodType    *Metric
	Period        int64
	TimeNanos     int64
	DurationNanos int64
	Comments      []string
}

// Mapping is one mapped file of the snapshot's process.
type Mapping struct {
	// ID is the reader's id for the mapping, never 0.
	ID uint64
	// Start and Limit are the mapped address range, Offset the file offset
	// mapped at Start.
	Start, Limit, Offset uint64
	// File is the mapped file's path, "" when unknown; BuildID its GNU build
	// ID when the input says.
	File    string
	BuildID string
	// HasFunctions … HasInlineFrames are profile.proto's symbolisation
	// flags for the mapping.
	HasFunctions, HasFilenames, HasLineNumbers, HasInlineFrames bool
}

// Location is one location of the snapshot's stacks.
type Location struct {
	// ID is the reader's id for the location, never 0.
	ID uint64
	// MappingID is the id of the declared Mapping the address falls in, 0
	// when unknown.
	MappingID uint64
	// Address is the instruction address in the process (0 when the input
	// has none, as NMT summaries and symbolised recordings).
	Address uint64
	// Lines are the frames at the address, innermost (inlined) first; empty
	// when unsymbolised.
	Lines []Line
	// IsFolded is profile.proto's is_folded.
	IsFolded bool
}

// Line is one frame: a function and where in it.
type Line struct {
	// Function is the function's name as shown (demangled); SystemName is
	// its linker name when the input has one.
	Function   string
	SystemName string
	// FunctionID, when not 0, is the reader's id for the function: lines
	// of one snapshot with the same FunctionID have the same Function,
	// SystemName, File and StartLine, so a sink may look a function up
	// once rather than per line. 0 means the reader has no such id.
	FunctionID uint64
	// File is the source file, "" when unknown; Line and Column 0 when
	// unknown. StartLine is the function's first line when the input says.
	File      string
	Line      int64
	Column    int64
	StartLine int64
}

// Label is one label of a label set: a string value (Str) or, for a
// numeric label such as pprof's "bytes", a number (Num) in NumUnit.
type Label struct {
	Key     string
	Str     string
	Num     int64
	NumUnit string
	// IsNum marks a numeric label (Num and NumUnit); a string label uses Str.
	IsNum bool
}

// ParallelSink is a Sink that can also take a snapshot's samples from
// several goroutines at once, for a reader that holds them in memory (the
// pprof decoder does) and splits a large snapshot into consecutive runs of
// samples, so that reducing one large file uses every core. Between the
// declarations and End, such a reader may, instead of calling Sample:
//
//	ForkSamples(first)  →  samplers[k].Sample … (one goroutine per k)  →  JoinSamples
//
// Every label set is declared before ForkSamples. first[k] is the index,
// among the snapshot's samples in the reader's order, of the first sample
// of run k (first[0] == 0, increasing); sampler k gets run k in order. The
// ownership rules of Sink hold for each sampler's calls.
type ParallelSink interface {
	Sink
	// ForkSamples returns one SampleSink per run.
	ForkSamples(first []int) ([]SampleSink, error)
	// JoinSamples ends the runs, after every sampler's last call returned.
	JoinSamples() error
}

// SampleSink takes the samples of one run of a ParallelSink.
type SampleSink interface {
	Sample(locations []uint64, values []int64, labelSet uint64) error
}
