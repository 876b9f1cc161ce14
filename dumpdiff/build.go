package dumpdiff

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/dumpdiff/dumpdiff/parsers"
	"github.com/dumpdiff/dumpdiff/parsers/framekey"
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
	lastErr error
	*inputScratch
}

// inputScratch is an input's working memory, large and reused: from one
// snapshot to the next, and from one input to the next through the
// Builder (see Close), since fresh memory costs a page fault per page.
type inputScratch struct {
	maps   map[uint64]mapInfo
	names  map[strRef]uint32 // see nameID
	funcs  [][3]uint32       // by FunctionID: looked up, fn and file name ids
	locs   locIndex
	frames []uint32 // every location's frames, with allocBit; see locIndex
	labels map[uint64]labelID
	main   sampler
	runs   []*sampler // for ForkSamples
	forked int        // runs in use
	joined int        // runs whose entries are the snapshot's, with main's
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
	return &inputScratch{maps: map[uint64]mapInfo{}, labels: map[uint64]labelID{}, names: map[strRef]uint32{}}
}

// SetLifecycle numbers the input's lifecycle (from its file name: see
// LoadOptions.LifecycleRegex); the series is then ordered by these numbers.
func (in *Input) SetLifecycle(n int) { in.lifecycle = n }

// allocBit marks an allocator frame in Input.frames.
const allocBit = 1 << 31

// mapInfo is what a location needs of its mapping.
type mapInfo struct {
	module        string // framekey.Module of the mapped file
	moduleID      uint32 // its name id
	start, offset uint64
}

// locIndex finds a location's frames by the reader's id: a slice while
// ids are dense, a map beyond. An entry is 0 for an undeclared location;
// with singleFrame set, the location's one frame (most locations have one,
// and a sample's stack is read without a second lookup); else start<<32 |
// end of its frames in Input.frames.
type locIndex struct {
	dense  []uint64
	sparse map[uint64]uint64
}

const singleFrame = 1 << 63

func (x *locIndex) reset() {
	clear(x.dense)
	x.dense = x.dense[:0]
	x.sparse = nil
}

func (x *locIndex) set(id uint64, frames []uint32, start, end int) {
	v := uint64(start)<<32 | uint64(end)
	if end-start == 1 {
		v = singleFrame | uint64(frames[start])
	}
	if id < uint64(len(x.dense)) {
		x.dense[id] = v
		return
	}
	if id < 1<<20 || id < 4*uint64(len(x.dense)) {
		x.dense = slices.Grow(x.dense, int(id)+1-len(x.dense))[:id+1]
		x.dense[id] = v
		return
	}
	if x.sparse == nil {
		x.sparse = map[uint64]uint64{}
	}
	x.sparse[id] = v
}

func (x *locIndex) get(id uint64) uint64 {
	if id < uint64(len(x.dense)) {
		return x.dense[id]
	}
	return x.sparse[id]
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
		info:     SnapshotInfo{Path: name, Format: h.Format, Lifecycle: h.Lifecycle, Time: h.Time, PID: h.PID, RSS: h.RSS},
		pid:      h.PID,
		metrics:  slices.Clone(h.Metrics),
		def:      retainedMetric(h.Metrics, h.DefaultMetric),
		baseline: h.Baseline,
		kind:     reportKind(h),
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
	clear(in.names)
	clear(in.funcs)
	in.locs.reset()
	in.frames = in.frames[:0]
	in.main.raw.reset()
	in.main.in = in
	snap := min(len(in.snaps), 1<<12-1)
	in.main.pos = uint64(in.index)<<44 | uint64(snap)<<32
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
	mi := mapInfo{start: m.Start, offset: m.Offset, module: framekey.Module(m.File)}
	mi.moduleID = in.b.frames.names.intern(mi.module)
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
	if !hasMap {
		mi.moduleID = in.nameID("")
	}
	start := len(in.frames)
	for _, ln := range l.Lines {
		if ln.Function == "" {
			continue
		}
		fn, file := in.funcNames(&ln)
		in.addFrame(frameKey{fn: fn, file: file, module: mi.moduleID, line: ln.Line}, ln.Function)
	}
	if len(in.frames) == start {
		// Unsymbolised: module + offset within the mapped file, never the
		// raw address, which moves with ASLR and between processes.
		in.unsym = appendUnsymbolizedKey(in.unsym[:0], l.Address, mi, hasMap)
		fn := string(in.unsym)
		in.addFrame(frameKey{fn: in.b.frames.names.intern(fn), file: in.nameID(""), module: mi.moduleID}, fn)
	}
	in.locs.set(l.ID, in.frames, start, len(in.frames))
	return nil
}

func (in *Input) addFrame(k frameKey, fn string) {
	id, alloc := in.b.frames.intern(k, fn, in.tr)
	if alloc {
		id |= allocBit
	}
	in.frames = append(in.frames, uint32(id))
}

// strRef is a string by where its bytes are: a reader passes the same
// string for every use of a name in a snapshot, so names are interned once
// per snapshot by a cheap lookup on this, not rehashed for every frame.
type strRef struct {
	p *byte
	n int
}

// funcNames returns the name ids of a line's function and file: looked up
// once per function of the snapshot when the reader numbers its functions.
func (in *Input) funcNames(ln *parsers.Line) (fn, file uint32) {
	id := ln.FunctionID
	if id == 0 || id > 1<<24 {
		return in.nameID(ln.Function), in.nameID(ln.File)
	}
	if id >= uint64(len(in.funcs)) {
		in.funcs = slices.Grow(in.funcs, int(id)+1-len(in.funcs))[:id+1]
	}
	if f := in.funcs[id]; f[0] != 0 {
		return f[1], f[2]
	}
	// A function's name is seldom another function's too, so it goes to
	// the series' table straight: through the snapshot's cache it was a
	// lookup that missed and an insert, for each function of each file.
	// File names repeat, from function to function, and use the cache.
	fn, file = in.b.frames.names.intern(ln.Function), in.nameID(ln.File)
	in.funcs[id] = [3]uint32{1, fn, file}
	return fn, file
}

// nameID interns a name through the snapshot's cache.
func (in *Input) nameID(s string) uint32 {
	r := strRef{unsafe.StringData(s), len(s)}
	if id, ok := in.names[r]; ok {
		return id
	}
	id := in.b.frames.names.intern(s)
	in.names[r] = id
	return id
}

// appendUnsymbolizedKey names an address-only location "libfoo.so+0x1a2b"
// (framekey.Append), or "?+0x…" by its address outside every mapping.
func appendUnsymbolizedKey(b []byte, addr uint64, m mapInfo, hasMap bool) []byte {
	if !hasMap || addr < m.start {
		b = append(b, "?+0x"...)
		return strconv.AppendUint(b, addr, 16)
	}
	return framekey.Append(b, m.module, addr-m.start+m.offset)
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
	if in.cur == nil {
		return in.fail(errNoSnapshot)
	}
	return in.main.Sample(locations, values, labelSet)
}

// sampler reduces samples into entries. An Input has one, and one more per
// run while a snapshot's samples are split across goroutines (ForkSamples);
// the Input's other state is only read meanwhile.
type sampler struct {
	in    *Input
	raw   rawEntries
	seen  [shardCount][]int32 // by stack: this sampler's first entry for it + 1
	buf   []uint32
	pos   uint64 // series position of the next sample
	batch stackBatch
}

// Sample reduces one sample (see Input.Sample). Its stack is trimmed and
// queued; queued stacks are interned a batch at a time (stackBatch).
func (sp *sampler) Sample(locations []uint64, values []int64, labelSet uint64) error {
	in := sp.in
	if len(values) != len(in.cur.metrics) {
		return in.fail(errValueCount)
	}
	buf := sp.buf[:0]
	for _, id := range locations {
		switch v := in.locs.get(id); {
		case v&singleFrame != 0:
			buf = append(buf, uint32(v))
		case v == 0:
			return in.fail(errUndeclared)
		default:
			buf = append(buf, in.frames[v>>32:uint32(v)]...)
		}
	}
	sp.buf = buf
	if uint32(sp.pos) == 1<<32-1 {
		return in.fail(errSampleLimit)
	}
	label := labelID(-1)
	if labelSet != 0 {
		l, ok := in.labels[labelSet]
		if !ok {
			return in.fail(errors.New("a reader fed a sample with an undeclared label set (a bug in dumpdiff)"))
		}
		label = l
	}
	sp.batch.add(in.b.stacks, frameIDs(trimFlagged(buf)), sp.pos, label, values, in.keep)
	sp.pos++
	if sp.batch.full() {
		sp.flush()
	}
	return nil
}

// flush interns the queued stacks and adds their values to the entries.
func (sp *sampler) flush() {
	b := &sp.batch
	ids := sp.in.b.stacks.internBatch(b)
	nk := sp.in.nkeep
	for i := range b.items {
		sp.addEntry(uint32(ids[i]), b.items[i].label, b.vals[i*nk:(i+1)*nk])
	}
	b.reset()
}

// ForkSamples splits the snapshot's samples into runs, one sampler each
// (see parsers.ParallelSink).
func (in *Input) ForkSamples(first []int) ([]parsers.SampleSink, error) {
	if in.cur == nil || in.forked > 0 || in.joined > 0 {
		return nil, in.fail(errors.New("a reader split a snapshot's samples twice (a bug in dumpdiff)"))
	}
	for len(in.runs) < len(first) {
		in.runs = append(in.runs, &sampler{in: in})
	}
	out := make([]parsers.SampleSink, len(first))
	for k, f := range first {
		sp := in.runs[k]
		sp.in, sp.pos = in, in.main.pos+uint64(f)
		// A run has at most an entry per sample; runs are about equal, so
		// the last one (whose end is not given) is sized as the one before.
		switch {
		case k+1 < len(first):
			sp.raw.grow(first[k+1]-f, in.nkeep)
		case k > 0:
			sp.raw.grow(f-first[k-1], in.nkeep)
		}
		out[k] = sp
	}
	in.forked = len(first)
	return out, nil
}

// JoinSamples ends the runs: their entries are the snapshot's, beside the
// Input's own; an entry that several runs made is added up when the
// snapshot is encoded.
func (in *Input) JoinSamples() error {
	if in.cur == nil || in.forked == 0 {
		return in.fail(errNoSnapshot)
	}
	main := &in.main
	for _, sp := range in.runs[:in.forked] {
		sp.flush()
		main.pos = max(main.pos, sp.pos)
	}
	in.joined, in.forked = in.forked, 0
	return nil
}

// clearSeen forgets the sampler's entries, for the next snapshot.
func (sp *sampler) clearSeen() {
	for _, st := range sp.raw.stacks {
		shard, local := unpackID(st)
		if local < len(sp.seen[shard]) {
			sp.seen[shard][local] = 0
		}
	}
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

// addEntry adds values (of the kept metrics) to the snapshot's entry for
// (stack, label), creating it the first time.
func (sp *sampler) addEntry(st uint32, label labelID, values []int64) {
	e := &sp.raw
	shard, local := unpackID(st)
	seen := sp.seen[shard]
	if local >= len(seen) {
		seen = slices.Grow(seen, local+1-len(seen))[:max(local+1, cap(seen))]
		sp.seen[shard] = seen
	}
	for k := seen[local] - 1; k >= 0; k = e.next[k] {
		if e.labels[k] == label {
			at := int(k) * len(values)
			for m, v := range values {
				e.vals[at+m] += v
			}
			return
		}
	}
	k := len(e.stacks)
	e.stacks = append(e.stacks, st)
	e.labels = append(e.labels, label)
	e.next = append(e.next, seen[local]-1)
	e.any = e.any || label >= 0
	seen[local] = int32(k + 1)
	e.vals = append(e.vals, values...)
}

// End finishes the snapshot: its entries are encoded and the input's
// per-snapshot state cleared.
func (in *Input) End(warnings []error) error {
	t := in.cur
	if t == nil {
		return in.fail(errNoSnapshot)
	}
	if in.forked > 0 {
		return in.fail(errors.New("a reader ended a snapshot with its samples still split (a bug in dumpdiff)"))
	}
	in.main.flush()
	parts := entryParts{&in.main.raw}
	for _, sp := range in.runs[:in.joined] {
		parts = append(parts, &sp.raw)
	}
	t.cols = parts.encode(in.keep, in.nkeep, &in.enc)
	t.warnings = warnings
	for _, w := range warnings {
		// A metric the reader could not vouch for is refused when ranked.
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
	in.main.clearSeen()
	in.main.raw.reset()
	for _, sp := range in.runs[:in.joined] {
		sp.clearSeen()
		sp.raw.reset()
	}
	in.joined = 0
	in.snaps = append(in.snaps, t)
	in.cur, in.tr = nil, nil
	return nil
}

// An Input takes a large snapshot's samples from several goroutines.
var _ parsers.ParallelSink = (*Input)(nil)
