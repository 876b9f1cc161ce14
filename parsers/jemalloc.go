package parsers

import (
	"bytes"
	"io"
	"math"
	"path"
	"regexp"
	"strconv"

	"github.com/google/pprof/profile"
)

// jemallocDropFrames matches the frames of jemalloc itself and of the C/C++
// allocation entry points, as symbolised names or, for frames in a stripped
// libjemalloc that no symbol covers, as the module+offset names that package
// symbolize gives them ("libjemalloc.so.2+0x2a630").
const jemallocDropFrames = `(je_|_rjem_).*|(__libc_)?(malloc|calloc|realloc|free|memalign|posix_memalign|aligned_alloc|valloc|pvalloc)|` +
	`(mallocx|rallocx|xallocx|sdallocx|dallocx)|imalloc.*|prof_backtrace.*|prof_alloc_prep|operator new(\[\])?|` +
	`libjemalloc\.so[.0-9]*\+0x[0-9a-f]+`

// jemallocFileName matches the names jemalloc gives its dumps,
// <prefix>.<pid>.<seq>.<m|i|f|u><n>.heap (or .<seq>.f.heap for prof_final):
//
//	jeprof.4242.7.m3.heap
var jemallocFileName = regexp.MustCompile(`\.(\d+)\.(\d+)\.(?:[mifu]\d*)\.heap$`)

// ParseJemalloc reads a jemalloc heap profile ("heap_v2/<period>" text) as
// written by mallctl("prof.dump"), prof_final, lg_prof_interval and
// prof_gdump. name labels errors and the Snapshot.
//
// Values are unsampled per stack the way jeprof does it: with average object
// size avg = bytes/objects and period P, both counts and bytes are scaled by
// 1/(1−exp(−avg/P)). The sample types are inuse_objects/count and
// inuse_space/bytes, plus alloc_objects/count and alloc_space/bytes when the
// dump has accumulated counts (prof_accum).
//
// Each stack's per-thread lines ("t3: …") become one sample per thread with
// label thread="3", and thread_name when the header names the thread. Their values are scaled by the factor of the stack's
// total line ("t*: …"), as jeprof scales the stack, and rounded so that they
// add up exactly to the scaled total: summing a stack's samples gives
// jeprof's number whatever the thread mix, while the thread label still says
// who allocated.
//
// Addresses are return addresses: each location's Address is the address
// minus one, so symbol lookups land on the call instruction (as pprof does for
// legacy heap profiles). Locations are attached to the executable mappings of
// the dump's own MAPPED_LIBRARIES section; nothing here reads the binaries
// (package symbolize does). Profile.DropFrames matches jemalloc's and the C
// allocation entry points' frames, including the "libjemalloc.so.2+0x…"
// names that symbolize gives frames of a stripped libjemalloc.
//
// Errors and warnings: a damaged header, stack or count line is an error
// with its line number, and so is a dump that ends before MAPPED_LIBRARIES
// (jemalloc always writes it last, so stacks may be missing and totals would
// be silently low). A dump cut off inside MAPPED_LIBRARIES parses with a
// warning, since every count is there and only some frames cannot be
// symbolised; so do unreadable map lines and addresses outside every
// executable mapping (one warning naming the first stack that has one).
// The pid comes from jemalloc's file name, <prefix>.<pid>.<seq>.<m|i|f|u><n>.heap,
// when name matches it.
func ParseJemalloc(r io.Reader, name string) (*Snapshot, error) {
	return buildSnapshot(r, name, nil, ReadJemalloc)
}

// ReadJemalloc reads a jemalloc heap profile as ParseJemalloc does and
// feeds it to sink, line by line: each distinct address is kept once and
// the stacks as varints until the memory map at the end places them. sym,
// when set, names the addresses before the locations are declared.
//
// Memory stays bounded whatever the input: a line longer than 4 MiB is
// refused, except a stack line, which (like any stack deeper than 4096
// frames) keeps its innermost 4096 frames, with one warning; blank lines
// are skipped in bulk.
func ReadJemalloc(r io.Reader, name string, sym Symbolizer, sink Sink) error {
	jr := &jemallocReader{name: name, lr: newLineReader(r)}
	defer jr.stacks.release()
	if err := jr.read(); err != nil {
		return err
	}
	return jr.emit(sym, sink)
}

// jemallocSection is the part of a dump being read.
type jemallocSection int

const (
	jemallocHeader jemallocSection = iota // blank lines, then heap_v2/<period>
	jemallocStacks                        // the process total, then stacks
	jemallocMaps                          // MAPPED_LIBRARIES
)

type jemallocReader struct {
	name    string
	lr      *lineReader
	section jemallocSection

	period    int64
	total     [4]int64 // header t*: raw inuse objs, bytes, accum objs, bytes
	sawTotal  bool
	totalLine int
	sum       [4]int64 // raw t* sums over stacks, to catch truncation
	hasAccum  bool

	// The stack being read: its line, and whether its t* line came.
	curLine int
	curStar bool

	// stacks holds, per stack, its line, frames, t* counts and per-thread
	// counts as records (see jemallocRecord).
	stacks  recordArena
	nstacks int
	locs    heapAddresses
	frames  []uint32
	threads jemallocThreads
	deep    int // stacks cut at maxStackDepth
	deepAt  int // the first one's line

	mappings  []*profile.Mapping
	manyMaps  int // memory map lines beyond maxMappings
	sawMapped bool
	lastLine  string // the input's last line when it has no newline
	warn      warnings
}

// Records of jemallocReader.stacks, each a tag then its values.
const (
	jemallocRecStack  = iota + 1 // line, number of frames, frames…
	jemallocRecTotal             // the stack's t* counts (4)
	jemallocRecThread            // thread index, counts (4)
)

// jemallocThreads interns a dump's thread ids ("3" of "t3:") and keeps
// the names that the header's per-thread lines give them.
type jemallocThreads struct {
	index map[string]uint32
	ids   []string
	names []string
}

func (t *jemallocThreads) intern(id []byte) uint32 {
	if i, ok := t.index[string(id)]; ok {
		return i
	}
	if t.index == nil {
		t.index = map[string]uint32{}
	}
	i := uint32(len(t.ids))
	t.index[string(id)] = i
	t.ids = append(t.ids, string(id))
	t.names = append(t.names, "")
	return i
}

func (jr *jemallocReader) errorf(line int, msg string, args ...any) *ParseError {
	return errorf(FormatJemalloc, jr.name, line, msg, args...)
}

// read dispatches every line to the handler of its section.
func (jr *jemallocReader) read() error {
	for {
		text, err := jr.lr.next()
		if err == io.EOF {
			return jr.finish()
		}
		if err != nil {
			return &ParseError{Format: FormatJemalloc, Name: jr.name, Line: jr.lr.n, Err: err}
		}
		if !jr.lr.eol {
			jr.lastLine = string(bytes.TrimSpace(text))
		}
		if jr.lr.long && jr.section != jemallocMaps && (len(text) == 0 || text[0] != '@') {
			return jr.errorf(jr.lr.n, "%w", errLineTooLong)
		}
		text = bytes.TrimSpace(text)
		switch jr.section {
		case jemallocHeader:
			err = jr.headerLine(text)
		case jemallocStacks:
			err = jr.bodyLine(text)
		default:
			jr.mapsLine(text)
		}
		if err != nil {
			return err
		}
	}
}

// headerLine reads "heap_v2/524288", after blank lines (a dump pasted or
// concatenated).
func (jr *jemallocReader) headerLine(text []byte) error {
	if len(text) == 0 && jr.lr.eol {
		return nil
	}
	digits, ok := bytes.CutPrefix(text, []byte("heap_v2/"))
	if !ok || len(digits) == 0 || bytes.IndexFunc(digits, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		return jr.errorf(jr.lr.n, "want header %q, got %q", "heap_v2/<sample period>", clip(string(text), 40))
	}
	p, ok := parseDecimal(digits)
	if !ok || p <= 0 {
		return jr.errorf(jr.lr.n, "malformed sample period %q", digits)
	}
	jr.period = p
	jr.section = jemallocStacks
	return nil
}

// bodyLine dispatches a line between the header and MAPPED_LIBRARIES.
func (jr *jemallocReader) bodyLine(text []byte) error {
	switch {
	case len(text) == 0:
		return nil
	case bytes.HasPrefix(text, []byte("MAPPED_LIBRARIES:")):
		if err := jr.checkStack(); err != nil {
			return err
		}
		jr.sawMapped = true
		jr.section = jemallocMaps
		return nil
	case text[0] == '@':
		return jr.stackLine(text)
	case text[0] == 't':
		return jr.threadLine(text)
	case !jr.lr.eol:
		return jr.errorf(jr.lr.n, "%w: dump ends inside line %q", ErrTruncated, clip(string(text), 60))
	}
	return jr.errorf(jr.lr.n, "want %q, got %q", "@ 0x…", clip(string(text), 60))
}

// checkStack refuses a new section while the stack before has no t* line.
func (jr *jemallocReader) checkStack() error {
	if jr.curLine != 0 && !jr.curStar {
		return jr.errorf(jr.curLine, "stack has no %q line", "t*:")
	}
	return nil
}

// stackLine reads "@ 0x7f16818a2630 0x7f16818a2d21 …".
func (jr *jemallocReader) stackLine(text []byte) error {
	if err := jr.checkStack(); err != nil {
		return err
	}
	frames, deep, aerr := parseStackAddresses(text[1:], jr.lr.long, &jr.locs, jr.frames[:0])
	jr.frames = frames
	if aerr != nil {
		return jr.errorf(jr.lr.n, "%v", aerr)
	}
	if len(frames) == 0 {
		return jr.errorf(jr.lr.n, "stack line %q has no addresses", clip(string(text), 60))
	}
	if deep {
		if jr.deep == 0 {
			jr.deepAt = jr.lr.n
		}
		jr.deep++
	}
	jr.curLine, jr.curStar = jr.lr.n, false
	jr.nstacks++
	a := &jr.stacks
	a.put(jemallocRecStack)
	a.put(uint64(jr.lr.n))
	a.put(uint64(len(frames)))
	a.putFrames(frames)
	return nil
}

// threadLine reads a "t*:" or "tN:" line: the process total and its
// per-thread parts in the header, or a stack's total and parts.
func (jr *jemallocReader) threadLine(text []byte) error {
	id, counts, tname, ok := parseThreadLine(text)
	if !ok {
		if !jr.lr.eol {
			return jr.errorf(jr.lr.n, "%w: dump ends inside thread line %q", ErrTruncated, clip(string(text), 60))
		}
		return jr.errorf(jr.lr.n, "malformed thread line %q", clip(string(text), 60))
	}
	if counts[2] != 0 || counts[3] != 0 {
		jr.hasAccum = true
	}
	star := len(id) == 1 && id[0] == '*'
	switch {
	case jr.curLine == 0 && star:
		if jr.sawTotal {
			return jr.errorf(jr.lr.n, "second process total line %q", clip(string(text), 60))
		}
		jr.total, jr.sawTotal, jr.totalLine = counts, true, jr.lr.n
	case jr.curLine == 0:
		if !jr.sawTotal {
			return jr.errorf(jr.lr.n, "thread line before the process total %q", "t*:")
		}
		// Per-thread process totals: the stacks' own thread lines carry
		// the same counts, but only these carry names.
		if len(tname) > 0 {
			jr.threads.names[jr.threads.intern(id)] = string(tname)
		}
	case star:
		if jr.curStar {
			return jr.errorf(jr.lr.n, "second %q line in one stack", "t*:")
		}
		jr.curStar = true
		for i := range jr.sum {
			jr.sum[i] += counts[i]
		}
		jr.putCounts(jemallocRecTotal, counts)
	default:
		if len(tname) > 0 {
			return jr.errorf(jr.lr.n, "malformed thread line %q", clip(string(text), 60))
		}
		if !jr.curStar {
			return jr.errorf(jr.lr.n, "thread line before the stack's %q line", "t*:")
		}
		jr.stacks.put(jemallocRecThread)
		jr.stacks.put(uint64(jr.threads.intern(id)))
		jr.putCounts(0, counts)
	}
	return nil
}

// putCounts appends a record of four counts, after its tag unless 0.
func (jr *jemallocReader) putCounts(tag uint64, c [4]int64) {
	if tag != 0 {
		jr.stacks.put(tag)
	}
	for _, v := range c {
		jr.stacks.putInt(v)
	}
}

// mapsLine reads one line of the MAPPED_LIBRARIES section; a damaged one
// is skipped with a warning.
func (jr *jemallocReader) mapsLine(text []byte) {
	if len(text) == 0 {
		return
	}
	if jr.lr.long {
		jr.warn.skippedLine(jr.errorf(jr.lr.n, "skipped memory map line %q: %v", clip(string(text), 60), errLineTooLong))
		return
	}
	if len(jr.mappings) >= maxMappings {
		jr.manyMaps++
		return
	}
	m, err := parseMapsLine(text)
	if err != nil {
		if jr.lr.eol { // a cut-off last line is reported by finish
			jr.warn.skippedLine(jr.errorf(jr.lr.n, "skipped memory map line %q: %v", clip(string(text), 60), err))
		}
		return
	}
	if m != nil {
		jr.mappings = append(jr.mappings, m)
	}
}

// finish checks how the input ended.
func (jr *jemallocReader) finish() error {
	n := jr.lr.n
	switch {
	case n == 0:
		return &ParseError{Format: FormatJemalloc, Name: jr.name, Err: ErrEmpty}
	case jr.period == 0:
		return jr.errorf(n, "only blank lines: want header %q", "heap_v2/<sample period>")
	case jr.curLine != 0 && !jr.curStar:
		return jr.errorf(jr.curLine, "%w: stack has no %q line", ErrTruncated, "t*:")
	case !jr.sawTotal:
		return jr.errorf(n, "%w: no process total line %q", ErrTruncated, "t*:")
	case !jr.sawMapped:
		// jemalloc always ends a dump with MAPPED_LIBRARIES (even when it
		// could not read the maps), so a dump without it was cut off, and
		// nothing says whether the cut fell between two stacks: refuse it
		// rather than report totals that are silently too small.
		return jr.errorf(n, "%w: no MAPPED_LIBRARIES section after the last stack", ErrTruncated)
	}
	// Unsampled (period 1), the header total is the plain sum of the
	// stacks' totals. Sampled dumps unbias each line separately, so they
	// cannot add up.
	if jr.period == 1 && jr.sum != jr.total {
		jr.warn.add(jr.errorf(jr.totalLine, "stacks add up to %d objects, %d bytes but the header says %d, %d",
			jr.sum[0], jr.sum[1], jr.total[0], jr.total[1]))
	}
	if !jr.lr.eol {
		jr.warn.add(jr.errorf(n,
			"MAPPED_LIBRARIES cut off at %q: addresses in the missing mappings cannot be symbolised", clip(jr.lastLine, 60)))
	}
	if jr.manyMaps > 0 {
		jr.warn.add(jr.errorf(0, "memory map holds more than %d executable mappings: %d more lines not read", maxMappings, jr.manyMaps))
	}
	if jr.deep > 0 {
		jr.warn.add(jr.errorf(jr.deepAt, "%d stacks deeper than %d frames (the first here): each keeps its innermost %d",
			jr.deep, maxStackDepth, maxStackDepth))
	}
	return nil
}

// parseThreadLine reads "t*: 266: 1950016 [0: 0]" or "t3: 64: 1048576 [0: 0]"
// and returns the thread ("*" or its number), the four counts, and the
// thread's name: jemalloc prints it after the counts on the per-thread lines
// of the header when the thread has one (prof_sys_thread_name:true, or
// mallctl("thread.prof.name")): "t0: 1275: 3664208 [0: 0] worker-1".
func parseThreadLine(text []byte) (id []byte, c [4]int64, name []byte, ok bool) {
	colon := bytes.IndexByte(text, ':')
	if colon < 2 || text[0] != 't' {
		return nil, c, nil, false
	}
	id = text[1:colon]
	if len(id) != 1 || id[0] != '*' {
		if !isThreadID(id) {
			return nil, c, nil, false
		}
	}
	rest := text[colon+1:]
	open, closing := bytes.IndexByte(rest, '['), bytes.IndexByte(rest, ']')
	if open < 0 || closing < open {
		return nil, c, nil, false
	}
	name = bytes.TrimSpace(rest[closing+1:])
	if len(name) > 0 && (id[0] == '*' || rest[closing+1] != ' ') {
		return nil, c, nil, false
	}
	ok1 := parseCountPair(rest[:open], c[0:2])
	ok2 := parseCountPair(rest[open+1:closing], c[2:4])
	return id, c, name, ok1 && ok2
}

// isThreadID reports whether b is a decimal number that fits in a uint64.
func isThreadID(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
		d := uint64(c - '0')
		if v > (math.MaxUint64-d)/10 {
			return false
		}
		v = v*10 + d
	}
	return true
}

// parseCountPair reads " 266: 1950016 " into dst[0], dst[1].
func parseCountPair(s []byte, dst []int64) bool {
	a, b, ok := bytes.Cut(s, []byte(":"))
	if !ok {
		return false
	}
	x, ok1 := parseCount(bytes.TrimSpace(a))
	y, ok2 := parseCount(bytes.TrimSpace(b))
	if !ok1 || !ok2 {
		return false
	}
	dst[0], dst[1] = x, y
	return true
}

// parseCount reads a non-negative count, with an optional "+" as
// strconv.ParseInt allows.
func parseCount(b []byte) (int64, bool) {
	if len(b) > 1 && b[0] == '+' {
		b = b[1:]
	}
	return parseDecimal(b)
}

// emit places the addresses in the memory map, names them when sym is set,
// and feeds the snapshot to sink.
func (jr *jemallocReader) emit(sym Symbolizer, sink Sink) error {
	t := &heapTables{maps: mainFirst(jr.mappings), addrs: jr.locs.addrs}
	var outside int
	var first uint64
	t.in, outside, first = placeAddresses(t.addrs, t.maps)
	if outside > 0 {
		loc, _ := jr.locs.lookup(first)
		jr.warn.add(jr.errorf(jr.firstLineWith(loc),
			"%d addresses outside every executable mapping (first %#x): they stay unsymbolised", outside, first+1))
	}
	warns := jr.warn.done(FormatJemalloc, jr.name)
	if sym != nil {
		warns = append(warns, t.symbolize(sym)...)
	}
	if err := sink.Begin(jr.header()); err != nil {
		return err
	}
	if err := t.emit(sink); err != nil {
		return err
	}
	rp := &jemallocReplay{jr: jr, sink: sink, nv: 2, declared: make([]bool, len(jr.threads.ids))}
	if jr.hasAccum {
		rp.nv = 4
	}
	rp.v = make([]int64, rp.nv)
	if err := rp.run(); err != nil {
		return err
	}
	return sink.End(warns)
}

// header describes the snapshot.
func (jr *jemallocReader) header() *Header {
	h := &Header{
		Name: jr.name, Format: FormatJemalloc, Variant: "jemalloc-heap_v2", Producer: "jemalloc", Lifecycle: -1,
		Metrics:       []Metric{{Name: "inuse_objects", Unit: "count"}, {Name: "inuse_space", Unit: "bytes"}},
		DefaultMetric: "inuse_space",
		DropFrames:    jemallocDropFrames,
		Profile:       &ProfileFields{PeriodType: &Metric{Name: "space", Unit: "bytes"}, Period: jr.period},
	}
	if jr.hasAccum {
		h.Metrics = append(h.Metrics, Metric{Name: "alloc_objects", Unit: "count"}, Metric{Name: "alloc_space", Unit: "bytes"})
	}
	if jr.period > 1 {
		h.Period, h.PeriodUnit, h.Unsampled = jr.period, "bytes", true
	}
	if m := jemallocFileName.FindStringSubmatch(path.Base(jr.name)); m != nil {
		if pid, err := strconv.Atoi(m[1]); err == nil {
			h.PID = pid
		}
	}
	return h
}

// firstLineWith is the line of the first stack holding location loc, so
// the warning about it points somewhere useful.
func (jr *jemallocReader) firstLineWith(loc uint32) int {
	c := jr.stacks.cursor()
	for c.more() {
		switch c.get() {
		case jemallocRecStack:
			line, n := c.get(), c.get()
			for range n {
				if uint32(c.get()) == loc {
					return int(line)
				}
			}
		case jemallocRecTotal:
			c.skip(4)
		case jemallocRecThread:
			c.skip(5)
		}
	}
	return 0
}

// jemallocReplay feeds the kept stacks to a sink, one sample per thread of
// each stack.
type jemallocReplay struct {
	jr       *jemallocReader
	sink     Sink
	nv       int
	ids      []uint64 // the stack's location ids
	total    [4]int64
	threads  []jemallocThread
	v        []int64
	declared []bool // label set declared, by thread index
	labels   []Label
}

type jemallocThread struct {
	index  int // in jemallocThreads, -1 for none
	counts [4]int64
}

// run reads the records back, a stack at a time.
func (rp *jemallocReplay) run() error {
	c := rp.jr.stacks.cursor()
	started := false
	for c.more() {
		switch c.get() {
		case jemallocRecStack:
			if started {
				if err := rp.flush(); err != nil {
					return err
				}
			}
			started = true
			c.get() // line
			rp.ids, rp.threads = rp.ids[:0], rp.threads[:0]
			for n := c.get(); n > 0; n-- {
				rp.ids = append(rp.ids, c.get()+1)
			}
		case jemallocRecTotal:
			for i := range rp.total {
				rp.total[i] = c.getInt()
			}
		case jemallocRecThread:
			th := jemallocThread{index: int(c.get())}
			for i := range th.counts {
				th.counts[i] = c.getInt()
			}
			rp.threads = append(rp.threads, th)
		}
	}
	if !started {
		return nil
	}
	return rp.flush()
}

// flush feeds the samples of the stack just read. Each thread gets its
// share of the stack's scaled total, rounded cumulatively (round(prefix
// sum) − previous) so that a stack's samples add up to round(scaled total)
// exactly. Shares, not the raw thread values, because in sampled dumps
// jemalloc unbiases each line on its own and the thread lines may not add
// up to t*.
func (rp *jemallocReplay) flush() error {
	period := rp.jr.period
	var factor [2]float64
	for k := range factor {
		factor[k] = jemallocScale(rp.total[2*k], rp.total[2*k+1], period)
	}
	var scaled [4]float64
	for i := range scaled {
		// A count far above its bytes (no real dump has one: every
		// allocation is at least a byte) makes the factor enormous;
		// clamped, the value stays an exact integer and cannot wrap.
		scaled[i] = min(float64(rp.total[i])*factor[i/2], maxUnsampled)
	}
	var tsum [4]int64
	for _, th := range rp.threads {
		for i := range tsum {
			tsum[i] += th.counts[i]
		}
	}
	if len(rp.threads) == 0 || tsum[0] == 0 && tsum[1] == 0 {
		rp.threads = append(rp.threads[:0], jemallocThread{index: -1, counts: rp.total})
		tsum = rp.total
	}
	var cum, prev [4]float64
	for _, th := range rp.threads {
		for i := range rp.nv {
			if tsum[i] != 0 {
				cum[i] += scaled[i] * float64(th.counts[i]) / float64(tsum[i])
			}
			r := math.Round(cum[i])
			rp.v[i] = int64(r - prev[i])
			prev[i] = r
		}
		if allZero(rp.v) {
			continue
		}
		set, err := rp.labelSet(th.index)
		if err != nil {
			return err
		}
		if err := rp.sink.Sample(rp.ids, rp.v, set); err != nil {
			return err
		}
	}
	return nil
}

// labelSet returns the label set of thread i (its index + 1), declaring
// it the first time; 0 for no thread.
func (rp *jemallocReplay) labelSet(i int) (uint64, error) {
	if i < 0 {
		return 0, nil
	}
	id := uint64(i + 1)
	if rp.declared[i] {
		return id, nil
	}
	rp.declared[i] = true
	th := &rp.jr.threads
	rp.labels = append(rp.labels[:0], Label{Key: "thread", Str: th.ids[i]})
	if n := th.names[i]; n != "" {
		rp.labels = append(rp.labels, Label{Key: "thread_name", Str: n})
	}
	return id, rp.sink.LabelSet(id, rp.labels)
}

// maxUnsampled bounds a stack's value after unsampling: 2^53, the largest
// integer a float64 holds exactly (8 PiB, or as many objects).
const maxUnsampled = 1 << 53

// jemallocScale is jeprof's AdjustSamples for heap_v2: the probability that
// an allocation of the stack's average size is sampled is 1−exp(−avg/period).
func jemallocScale(n, s, period int64) float64 {
	if n == 0 || period <= 0 {
		return 1
	}
	ratio := float64(s) / float64(n) / float64(period)
	d := -math.Expm1(-ratio)
	if d <= 0 || math.IsNaN(d) {
		return 1
	}
	return 1 / d
}

func allZero(v []int64) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}

// clip shortens s for an error message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
