package dumpdiff

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/dumpdiff/dumpdiff/parsers"
)

// BuildOptions tune a Builder. The zero value trims the default allocator
// frames and keeps every metric.
type BuildOptions struct {
	// Trim are extra allocator frames to drop (--trim), matched anywhere in
	// the function name.
	Trim []*regexp.Regexp
	// NoTrim keeps every frame, allocator frames included (--no-trim).
	NoTrim bool
	// Metric, when set, keeps the values of only this metric (a name, or
	// name/unit): a one-metric trend or compare then holds a quarter of the
	// values. Other metrics stay listed, but Trend and Compare refuse them.
	// KeepRetained keeps each snapshot's RetainedMetric instead.
	Metric string
	// KeepRetained keeps the values of only each snapshot's retained metric
	// (the one ranked by default); Series fails with ErrMetricsNotKept when
	// the snapshots do not agree on it.
	KeepRetained bool
}

// ErrMetricsNotKept means a Builder kept too few metrics for the series it
// got (BuildOptions.KeepRetained, snapshots that default to different
// metrics): build it again keeping them all.
var ErrMetricsNotKept = errors.New("the snapshots rank different metrics by default: build again keeping every metric")

// Builder reduces snapshots to a Series as they arrive, the way benchstat
// builds its tables: Add one snapshot (or feed one input's stream to an
// Input), then take the Series. Each snapshot is reduced to site entries
// while it is read; profiles are never kept. Inputs may be fed from several
// goroutines at once; the series is in the order the inputs were created,
// whatever order they finish in. A Builder does no I/O.
type Builder struct {
	opts     BuildOptions
	frames   *frameTable
	stacks   *stackTable
	labels   *labelTable
	trimmers trimmerCache

	mu       sync.Mutex
	inputs   []*Input
	warnings []error
	scratch  []*inputScratch // working memory of inputs that are done
}

// NewBuilder returns an empty Builder.
func NewBuilder(opts BuildOptions) *Builder {
	return &Builder{
		opts:     opts,
		frames:   newFrameTable(),
		stacks:   newStackTable(),
		labels:   newLabelTable(),
		trimmers: trimmerCache{user: opts.Trim, off: opts.NoTrim, byKey: map[trimKey]*trimmer{}},
	}
}

// Warn adds a problem of the load that is about no one snapshot (a file
// skipped); the series' warnings start with these, in order.
func (b *Builder) Warn(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.warnings = append(b.warnings, err)
}

// Add reduces one parsed snapshot (its Baseline first, when it carries one)
// as the next input of the series.
func (b *Builder) Add(snap *parsers.Snapshot) error {
	in := b.NewInput(snap.Name)
	defer in.Close()
	return parsers.EmitSnapshot(snap, in)
}

// NewInput returns the Sink for the next input of the series (one file):
// the snapshots a reader feeds it join the series at this input's place.
// name labels the input in errors and names its snapshots that have no
// name. An Input is used by one goroutine; different Inputs may be fed at
// the same time.
func (b *Builder) NewInput(name string) *Input {
	b.mu.Lock()
	defer b.mu.Unlock()
	in := &Input{b: b, index: len(b.inputs), name: name, lifecycle: -1}
	b.inputs = append(b.inputs, in)
	return in
}

// Input reduces the snapshots of one input: the parsers.Sink a reader
// feeds.
type Input struct {
	b         *Builder
	index     int
	name      string
	lifecycle int // from the file name (--lifecycle-regex), -1 when unset
	snaps     []*snapTable
	warnings  []error

	// The snapshot being read.
	cur     *snapTable
	tr      *trimmer
	keep    []bool // per metric: its values are kept
	nkeep   int
	pos     uint64 // series position of the snapshot's next sample
	lastErr error
	*inputScratch
}

// inputScratch is an input's working memory, large and reused: from one
// snapshot to the next, and from one input to the next through the
// Builder (see Close), since fresh memory costs a page fault per page.
type inputScratch struct {
	maps   map[uint64]mapInfo
	locs   locIndex
	frames []uint32 // every location's frames, with allocBit; see locIndex
	labels map[uint64]labelID
	raw    rawEntries
	seen   [shardCount][]int32 // by stack: the snapshot's first entry for it + 1
	buf    []uint32
	unsym  []byte
	lpairs []labelPair
	enc    encodeScratch
}

// Close gives the input's working memory back to its Builder for the next
// input, once its reader is done. Optional: it only saves memory.
func (in *Input) Close() {
	if in.inputScratch == nil || in.cur != nil {
		return
	}
	sc := in.inputScratch
	in.inputScratch = nil
	in.b.mu.Lock()
	defer in.b.mu.Unlock()
	in.b.scratch = append(in.b.scratch, sc)
}

// getScratch returns working memory for an input.
func (b *Builder) getScratch() *inputScratch {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n := len(b.scratch); n > 0 {
		sc := b.scratch[n-1]
		b.scratch = b.scratch[:n-1]
		return sc
	}
	return &inputScratch{maps: map[uint64]mapInfo{}, labels: map[uint64]labelID{}}
}

// SetLifecycle numbers the input's lifecycle (from its file name: see
// LoadOptions.LifecycleRegex); the series is then ordered by these numbers.
func (in *Input) SetLifecycle(n int) { in.lifecycle = n }

// allocBit marks an allocator frame in Input.frames.
const allocBit = 1 << 31

// mapInfo is what a location needs of its mapping.
type mapInfo struct {
	module        string // base name of the mapped file
	file          string
	start, offset uint64
}

// locIndex finds a location's frames by the reader's id: a slice while
// ids are dense, a map beyond.
type locIndex struct {
	dense  []locSpan
	sparse map[uint64]locSpan
}

// locSpan is a location's frames: Input.frames[start:end]; end 0 when the
// location was not declared.
type locSpan struct{ start, end uint32 }

func (x *locIndex) reset() {
	clear(x.dense)
	x.dense = x.dense[:0]
	x.sparse = nil
}

func (x *locIndex) set(id uint64, s locSpan) {
	if id < uint64(len(x.dense)) {
		x.dense[id] = s
		return
	}
	if id < 1<<20 || id < 4*uint64(len(x.dense)) {
		x.dense = slices.Grow(x.dense, int(id)+1-len(x.dense))[:id+1]
		x.dense[id] = s
		return
	}
	if x.sparse == nil {
		x.sparse = map[uint64]locSpan{}
	}
	x.sparse[id] = s
}

func (x *locIndex) get(id uint64) (locSpan, bool) {
	if id < uint64(len(x.dense)) {
		s := x.dense[id]
		return s, s.end != 0
	}
	s, ok := x.sparse[id]
	return s, ok
}

// fail remembers and returns a reader-contract error.
func (in *Input) fail(err error) error {
	in.lastErr = fmt.Errorf("%s: %w", in.name, err)
	return in.lastErr
}

var (
	errNoSnapshot  = errors.New("a reader fed samples outside Begin … End (a bug in dumpdiff)")
	errUndeclared  = errors.New("a reader fed a sample with an undeclared location (a bug in dumpdiff)")
	errValueCount  = errors.New("a reader fed a sample whose values do not match its metrics (a bug in dumpdiff)")
	errSampleLimit = errors.New("more than 4 294 967 295 samples in one snapshot")
)

// Begin starts a snapshot.
func (in *Input) Begin(h *parsers.Header) error {
	name := h.Name
	if name == "" {
		name = in.name
	}
	t := &snapTable{
		info:     SnapshotInfo{Path: name, Format: h.Format, Lifecycle: h.Lifecycle, Time: h.Time},
		pid:      h.PID,
		metrics:  slices.Clone(h.Metrics),
		def:      retainedMetric(h.Metrics, h.DefaultMetric),
		baseline: h.Baseline,
	}
	if h.Period > 1 && h.PeriodUnit == "bytes" {
		t.period = h.Period
	}
	tr, warn := in.b.trimmers.get(h.Format, h.DropFrames, h.KeepFrames, name)
	if warn != nil {
		in.warnings = append(in.warnings, warn)
	}
	in.cur, in.tr = t, tr
	in.keep = in.b.keptMetrics(t)
	in.nkeep = 0
	for _, k := range in.keep {
		if k {
			in.nkeep++
		}
	}
	if in.inputScratch == nil {
		in.inputScratch = in.b.getScratch()
	}
	clear(in.maps)
	clear(in.labels)
	in.locs.reset()
	in.frames = in.frames[:0]
	in.raw.reset()
	snap := min(len(in.snaps), 1<<12-1)
	in.pos = uint64(in.index)<<44 | uint64(snap)<<32
	return nil
}

// keptMetrics says which of t's metrics keep their values.
func (b *Builder) keptMetrics(t *snapTable) []bool {
	keep := make([]bool, len(t.metrics))
	switch {
	case b.opts.Metric != "":
		if i := metricIndex(t.metrics, b.opts.Metric); i >= 0 {
			keep[i] = true
		}
	case b.opts.KeepRetained:
		if i := metricIndex(t.metrics, t.def); i >= 0 {
			keep[i] = true
		}
	default:
		for i := range keep {
			keep[i] = true
		}
	}
	return keep
}

// Mapping notes what locations in the mapping need.
func (in *Input) Mapping(m *parsers.Mapping) error {
	if in.cur == nil {
		return in.fail(errNoSnapshot)
	}
	mi := mapInfo{file: m.File, start: m.Start, offset: m.Offset}
	if m.File != "" {
		mi.module = filepath.Base(m.File)
	}
	in.maps[m.ID] = mi
	return nil
}

// Location interns the location's frames and notes which are allocator
// frames.
func (in *Input) Location(l *parsers.Location) error {
	if in.cur == nil {
		return in.fail(errNoSnapshot)
	}
	mi, hasMap := in.maps[l.MappingID]
	start := len(in.frames)
	for _, ln := range l.Lines {
		if ln.Function == "" {
			continue
		}
		in.addFrame(Frame{Function: ln.Function, File: ln.File, Line: ln.Line, Module: mi.module})
	}
	if len(in.frames) == start {
		// Unsymbolised: module + offset within the mapped file, never the
		// raw address, which moves with ASLR and between processes.
		in.unsym = appendUnsymbolizedKey(in.unsym[:0], l.Address, mi, hasMap)
		in.addFrame(Frame{Function: string(in.unsym), Module: mi.module})
	}
	in.locs.set(l.ID, locSpan{uint32(start), uint32(len(in.frames))})
	return nil
}

func (in *Input) addFrame(f Frame) {
	id, alloc := in.b.frames.intern(f, in.tr)
	if alloc {
		id |= allocBit
	}
	in.frames = append(in.frames, uint32(id))
}

// appendUnsymbolizedKey names an address-only location "libfoo.so+0x1a2b".
func appendUnsymbolizedKey(b []byte, addr uint64, m mapInfo, hasMap bool) []byte {
	if !hasMap || addr < m.start {
		b = append(b, "?+0x"...)
		return strconv.AppendUint(b, addr, 16)
	}
	if m.file == "" {
		b = append(b, '?')
	} else {
		b = append(b, m.module...)
	}
	b = append(b, "+0x"...)
	return strconv.AppendUint(b, addr-m.start+m.offset, 16)
}

// LabelSet interns the set's string labels (numeric ones do not make
// sites).
func (in *Input) LabelSet(id uint64, labels []parsers.Label) error {
	if in.cur == nil {
		return in.fail(errNoSnapshot)
	}
	ls := in.lpairs[:0]
	for _, l := range labels {
		if !l.IsNum {
			ls = append(ls, labelPair{l.Key, l.Str})
		}
	}
	slices.SortFunc(ls, func(a, b labelPair) int {
		if c := strings.Compare(a.k, b.k); c != 0 {
			return c
		}
		return strings.Compare(a.v, b.v)
	})
	in.lpairs = ls
	in.labels[id] = in.b.labels.intern(ls)
	return nil
}

// Sample reduces one sample: its stack is expanded to frames, trimmed and
// interned, and its values added to the snapshot's entry for (stack, labels).
func (in *Input) Sample(locations []uint64, values []int64, labelSet uint64) error {
	t := in.cur
	if t == nil {
		return in.fail(errNoSnapshot)
	}
	if len(values) != len(t.metrics) {
		return in.fail(errValueCount)
	}
	buf := in.buf[:0]
	for _, id := range locations {
		s, ok := in.locs.get(id)
		if !ok {
			return in.fail(errUndeclared)
		}
		if s.end-s.start == 1 { // most locations: one frame, no copy call
			buf = append(buf, in.frames[s.start])
		} else {
			buf = append(buf, in.frames[s.start:s.end]...)
		}
	}
	in.buf = buf
	kept := trimFlagged(buf)
	st := in.b.stacks.intern(frameIDs(kept), in.pos)
	if uint32(in.pos) == 1<<32-1 {
		return in.fail(errSampleLimit)
	}
	in.pos++
	label := labelID(-1)
	if labelSet != 0 {
		l, ok := in.labels[labelSet]
		if !ok {
			return in.fail(errors.New("a reader fed a sample with an undeclared label set (a bug in dumpdiff)"))
		}
		label = l
	}
	in.addEntry(uint32(st), label, values)
	return nil
}

// trimFlagged returns the frames left after dropping allocator frames
// (those with allocBit), with pprof's Prune rule as trimmer.trim applies
// it, and clears the bit on what it keeps.
func trimFlagged(fs []uint32) []uint32 {
	foundUser := false
	for i := len(fs) - 1; i >= 0; i-- {
		if fs[i]&allocBit == 0 {
			foundUser = true
			continue
		}
		if foundUser {
			fs = fs[i+1:]
			break
		}
	}
	for i := range fs {
		fs[i] &^= allocBit
	}
	return fs
}

// frameIDs views frame ids held as uint32 as frameIDs.
func frameIDs(fs []uint32) []frameID {
	return unsafe.Slice((*frameID)(unsafe.SliceData(fs)), len(fs))
}

// addEntry adds values to the snapshot's entry for (stack, label),
// creating it the first time.
func (in *Input) addEntry(st uint32, label labelID, values []int64) {
	e := &in.raw
	shard, local := unpackID(st)
	seen := in.seen[shard]
	if local >= len(seen) {
		seen = slices.Grow(seen, local+1-len(seen))[:max(local+1, cap(seen))]
		in.seen[shard] = seen
	}
	for k := seen[local] - 1; k >= 0; k = e.next[k] {
		if e.labels[k] == label {
			in.addValues(int(k), values)
			return
		}
	}
	k := len(e.stacks)
	e.stacks = append(e.stacks, st)
	e.labels = append(e.labels, label)
	e.next = append(e.next, seen[local]-1)
	e.any = e.any || label >= 0
	seen[local] = int32(k + 1)
	for m, v := range values {
		if in.keep[m] {
			e.vals = append(e.vals, v)
		}
	}
}

func (in *Input) addValues(k int, values []int64) {
	at := k * in.nkeep
	for m, v := range values {
		if in.keep[m] {
			in.raw.vals[at] += v
			at++
		}
	}
}

// End finishes the snapshot: its entries are encoded and the input's
// per-snapshot state cleared.
func (in *Input) End(warnings []error) error {
	t := in.cur
	if t == nil {
		return in.fail(errNoSnapshot)
	}
	t.cols = in.raw.encode(in.keep, &in.enc)
	t.warnings = warnings
	for _, st := range in.raw.stacks {
		shard, local := unpackID(st)
		in.seen[shard][local] = 0
	}
	in.raw.reset()
	in.snaps = append(in.snaps, t)
	in.cur, in.tr = nil, nil
	return nil
}
