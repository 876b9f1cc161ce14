package parsers

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"

	"github.com/google/pprof/profile"
)

// ParseTcmalloc reads a gperftools legacy heap profile (HeapProfilerDump,
// HEAPPROFILE=prefix), or any "heap profile:" text such as Go's debug=1
// output, with the pprof library's rules: tcmalloc's sampled profiles
// (heap_v2/N) and Go's (heap/2N) are unsampled per stack as the library
// does it, every sample carries the numeric label bytes (its average
// object size), and the memory map places the addresses as the library
// places them. Go's debug=1 text gets its function names from its "#"
// comments.
func ParseTcmalloc(r io.Reader, name string) (*Snapshot, error) {
	return buildSnapshot(r, name, nil, ReadTcmalloc)
}

// ReadTcmalloc reads a legacy heap profile as ParseTcmalloc does and feeds
// it to sink, line by line, keeping each distinct address once and the
// samples as varints until the memory map at the end places them. sym,
// when set, names address-only frames before the locations are declared.
// Memory stays bounded as in ReadJemalloc: a 4 MiB line cap (stack lines
// keep their innermost 4096 frames), blank lines skipped in bulk.
func ReadTcmalloc(r io.Reader, name string, sym Symbolizer, sink Sink) error {
	tr := &tcmallocReader{name: name, lr: newLineReader(r)}
	defer tr.samples.release()
	if err := tr.read(); err != nil {
		return err
	}
	return tr.emit(sym, sink)
}

// tcmallocSection is the part of a legacy heap profile being read.
type tcmallocSection int

const (
	tcmallocPreamble tcmallocSection = iota // blank and "%warn" lines, then the header
	tcmallocSamples                         // stack lines and "#" comments
	tcmallocMaps                            // the memory map after its sentinel line
)

type tcmallocReader struct {
	name    string
	lr      *lineReader
	section tcmallocSection

	hdr      heapHeader
	warnText []string // what "%warn" lines said
	rawHdr   [4]int64 // the header's counts
	rawSum   [4]int64 // the stack lines' counts, added up
	sumLine  int      // the line where the stack lines ended

	samples  recordArena // per sample: values…, block size, frames
	nsamples int
	locs     heapAddresses
	frames   []uint32
	deep     int
	deepAt   int
	pending  goPending // Go text: the last stack, waiting for its comments
	goNames  goNames

	maps        []*profile.Mapping
	sawMapped   bool
	sawMemStats bool // Go text: the "# runtime.MemStats" section after the stacks
	odd         int  // memory map lines in no format the library knows
	manyMaps    int  // memory map lines beyond maxMappings
	warn        warnings
}

func (tr *tcmallocReader) errorf(line int, msg string, args ...any) *ParseError {
	return errorf(FormatTcmalloc, tr.name, line, msg, args...)
}

// read dispatches every line to the handler of its section.
func (tr *tcmallocReader) read() error {
	for {
		text, err := tr.lr.next()
		if err == io.EOF {
			return tr.finish()
		}
		if err != nil {
			return &ParseError{Format: FormatTcmalloc, Name: tr.name, Line: tr.lr.n, Err: err}
		}
		if tr.lr.long && tr.section != tcmallocMaps && !bytes.Contains(text, []byte("@")) {
			return tr.errorf(tr.lr.n, "%w", errLineTooLong)
		}
		text = bytes.TrimSpace(text)
		switch tr.section {
		case tcmallocPreamble:
			err = tr.preambleLine(text)
		case tcmallocSamples:
			err = tr.sampleLine(text)
		default:
			tr.mapsLine(text)
		}
		if err != nil {
			return err
		}
	}
}

// preambleLine skips blank lines (a dump pasted or concatenated) and keeps
// what "%warn" lines say (gperftools writes them before an empty profile
// taken with sampling off), then reads the header.
func (tr *tcmallocReader) preambleLine(text []byte) error {
	if len(text) == 0 && tr.lr.eol {
		return nil
	}
	if rest, ok := bytes.CutPrefix(text, []byte("%warn")); ok && tr.lr.eol {
		if w := bytes.TrimSpace(rest); len(w) > 0 && len(tr.warnText) < maxSkipped {
			tr.warnText = append(tr.warnText, clip(string(w), 200))
		}
		return nil
	}
	h, ok := parseHeapHeader(text)
	if !ok {
		return tr.errorf(tr.lr.n, "want header like %q, got %q",
			"heap profile: 1: 2 [3: 4] @ heapprofile", clip(string(text), 200))
	}
	if h.kind == "" {
		return tr.errorf(tr.lr.n, "unknown heap profile kind %q", h.name)
	}
	tr.hdr, tr.rawHdr = h, h.counts
	tr.section = tcmallocSamples
	return nil
}

// sampleLine dispatches a line between the header and the memory map.
func (tr *tcmallocReader) sampleLine(text []byte) error {
	switch {
	case len(text) == 0:
		return nil
	case text[0] == '#':
		if tr.hdr.kind == "heap" {
			tr.goComment(text)
		}
		return nil
	case isMemoryMapSentinel(text):
		tr.sumLine = tr.lr.n
		tr.sawMapped = true
		tr.section = tcmallocMaps
		return tr.flushPending()
	}
	if err := tr.flushPending(); err != nil {
		return err
	}
	return tr.stackLine(text)
}

// isMemoryMapSentinel reports whether a line starts the memory map, as the
// pprof library tells it.
func isMemoryMapSentinel(text []byte) bool {
	return bytes.Contains(text, []byte("MAPPED_LIBRARIES:")) || bytes.Contains(text, []byte("--- Memory map: ---"))
}

// stackLine reads "1: 1048576 [1: 1048576] @ 0x55d0c0a0b1c2 0x7f0e2c0a1b2c".
func (tr *tcmallocReader) stackLine(text []byte) error {
	c, addrs, ok := parseHeapCounts(text)
	if !ok {
		return tr.badSampleLine(text)
	}
	for i := range tr.rawSum {
		tr.rawSum[i] += c[i]
	}
	p := &tr.pending
	p.reset(tr.lr.n)
	var err error
	if p.vals, p.block, err = tr.hdr.values(c, p.vals); err != nil {
		return tr.errorf(tr.lr.n, "%v", err)
	}
	var aerr *addressError
	var deep bool
	p.rets, deep, aerr = parseReturnAddresses(addrs, tr.lr.long, p.rets)
	if aerr != nil {
		return tr.badSampleLine(text)
	}
	if deep {
		if tr.deep == 0 {
			tr.deepAt = tr.lr.n
		}
		tr.deep++
	}
	p.open = true
	return nil
}

// badSampleLine refuses a stack line that does not read; the last line of
// an input without a final newline was cut off.
func (tr *tcmallocReader) badSampleLine(text []byte) error {
	if !tr.lr.eol {
		return tr.errorf(tr.lr.n, "%w: profile ends inside line %q", ErrTruncated, clip(string(text), 60))
	}
	return tr.errorf(tr.lr.n, "malformed sample line %q", clip(string(text), 60))
}

// flushPending files the last stack read, once its comments (Go text) are
// known: each of its addresses becomes a location, and the sample's
// values and frames are kept.
func (tr *tcmallocReader) flushPending() error {
	p := &tr.pending
	if !p.open {
		return nil
	}
	p.open = false
	tr.nameComments()
	tr.goNames.endStack()
	frames := tr.frames[:0]
	for _, ret := range p.rets {
		if len(p.shown) > 0 && !p.isShown(ret-1) {
			continue // a frame Go did not print for this stack
		}
		frames = append(frames, tr.locs.intern(ret))
	}
	if len(frames) == 0 { // Go printed none of them: keep them all
		for _, ret := range p.rets {
			frames = append(frames, tr.locs.intern(ret))
		}
	}
	tr.frames = frames
	a := &tr.samples
	for _, v := range p.vals {
		a.putInt(v)
	}
	a.putInt(p.block)
	a.put(uint64(len(frames)))
	a.putFrames(frames)
	tr.nsamples++
	return nil
}

// mapsLine reads a memory map line: the /proc/self/maps form by hand, any
// other form the pprof library reads through the library.
func (tr *tcmallocReader) mapsLine(text []byte) {
	if len(text) == 0 || tr.lr.long {
		return
	}
	if len(tr.maps) >= maxMappings {
		tr.manyMaps++
		return
	}
	if m, ok := parseProcMapsLine(text); ok {
		if m != nil {
			tr.maps = append(tr.maps, m)
		}
		return
	}
	if tr.odd++; tr.odd > maxOddMapLines {
		return
	}
	ms, err := profile.ParseProcMaps(bytes.NewReader(text))
	if err == nil {
		tr.maps = append(tr.maps, ms...)
	}
}

// maxOddMapLines bounds the memory map lines read through the library's
// regular expressions: a map of real mappings has the /proc form.
const maxOddMapLines = 10000

// finish checks how the input ended.
func (tr *tcmallocReader) finish() error {
	if err := tr.flushPending(); err != nil {
		return err
	}
	n := tr.lr.n
	if tr.section == tcmallocPreamble {
		if n == 0 && len(tr.warnText) == 0 {
			return &ParseError{Format: FormatTcmalloc, Name: tr.name, Err: ErrEmpty}
		}
		return tr.errorf(n+1, "want header like %q, got %q", "heap profile: 1: 2 [3: 4] @ heapprofile", "")
	}
	if tr.sumLine == 0 {
		tr.sumLine = n
	}
	if len(tr.warnText) > 0 {
		tr.warn.add(tr.errorf(1, "the profiler wrote: %s", strings.Join(tr.warnText, " ")))
	}
	if err := tr.checkSums(); err != nil {
		return err
	}
	if tr.deep > 0 {
		tr.warn.add(tr.errorf(tr.deepAt, "%d stacks deeper than %d frames (the first here): each keeps its innermost %d",
			tr.deep, maxStackDepth, maxStackDepth))
	}
	if tr.manyMaps > 0 {
		tr.warn.add(tr.errorf(0, "memory map holds more than %d executable mappings: %d more lines not read", maxMappings, tr.manyMaps))
	}
	if tr.odd > maxOddMapLines {
		tr.warn.add(tr.errorf(0, "%d memory map lines in no known form: the first %d were read", tr.odd, maxOddMapLines))
	}
	return nil
}

// checkSums compares the header's in-use and allocated counts with the
// sums of the stack lines'. gperftools, tcmalloc's sampler and Go all
// write the total of the lines they print, so a difference in the in-use
// counts of a file that does not end as a whole one does (its memory map,
// or Go's "# runtime.MemStats") means lines are missing: the file was cut
// off, and is refused rather than read with the retained metric silently
// low. Any other difference (only the allocated counts, as in old Go
// profiles whose header counts more allocations than its lines show; or a
// complete file) is a warning carrying a *MetricError, so that ranking an
// affected metric is refused while the others can be ranked.
func (tr *tcmallocReader) checkSums() error {
	h, s := tr.rawHdr, tr.rawSum
	if h == s {
		return nil
	}
	msg := fmt.Sprintf("stacks add up to %d: %d [%d: %d] but the header says %d: %d [%d: %d]",
		s[0], s[1], s[2], s[3], h[0], h[1], h[2], h[3])
	inuseOK := h[0] == s[0] && h[1] == s[1]
	allocOK := h[2] == s[2] && h[3] == s[3]
	complete := tr.sawMapped || tr.hdr.kind == "heap" && tr.sawMemStats
	if !inuseOK && !complete {
		return tr.errorf(tr.sumLine, "%w: %s", ErrTruncated, msg)
	}
	var affected []string
	for _, m := range tr.hdr.metrics() {
		if alloc := strings.HasPrefix(m.Name, "alloc_"); alloc && !allocOK || !alloc && !inuseOK {
			affected = append(affected, m.Name)
		}
	}
	var cause error = errors.New(msg)
	if len(affected) > 0 {
		cause = &MetricError{Metrics: affected, Err: cause}
	}
	tr.warn.add(&ParseError{Format: FormatTcmalloc, Name: tr.name, Line: tr.sumLine, Err: cause})
	return nil
}

// heapHeader is what a legacy heap profile's first line says.
type heapHeader struct {
	counts   [4]int64
	name     string // the kind as written: heapprofile, heap_v2, heap, growthz…
	kind     string // heapprofile, heap_v2 (tcmalloc's sampler), heap (Go), growth, or "" when unknown
	period   int64  // the profile's period, as the library sets it
	sampled  bool   // values are scaled by scaleHeapSample
	hasAlloc bool   // the samples carry allocated counts besides in-use ones
}

// parseHeapHeader reads "heap profile:   42: 1048576 [    42:  1048576] @ heapprofile"
// or "… @ heap_v2/524288" (tcmalloc's sampler), "… @ heap/1048576" (Go),
// "… @ growthz" and "… @ fragmentationz" as the pprof library does.
func parseHeapHeader(text []byte) (h heapHeader, ok bool) {
	rest, ok := bytes.CutPrefix(text, []byte("heap profile:"))
	if !ok {
		return h, false
	}
	var raw [4][]byte
	var after []byte
	h.counts, after, raw, ok = scanHeapCounts(rest)
	if !ok {
		return h, false
	}
	after = bytes.TrimLeft(after, " ")
	end := 0
	for end < len(after) && (after[end] >= 'a' && after[end] <= 'z' || after[end] >= '0' && after[end] <= '9' || after[end] == '_') {
		end++
	}
	if end == 0 {
		return h, false
	}
	h.name = string(after[:end])
	digits := after[end:]
	if len(digits) > 0 && digits[0] == '/' {
		digits = digits[1:]
	}
	k := 0
	for k < len(digits) && digits[k] >= '0' && digits[k] <= '9' {
		k++
	}
	period, _ := parseDecimal(digits[:k])
	// The library compares the header's numbers as written.
	h.hasAlloc = !bytes.Equal(raw[2], raw[0]) && string(raw[2]) != "0" || !bytes.Equal(raw[3], raw[1]) && string(raw[3]) != "0"
	switch h.name {
	case "heapz_v2", "heap_v2":
		h.kind, h.sampled, h.period = "heap_v2", true, period
	case "heapprofile":
		h.kind, h.period = "heapprofile", 1
	case "heap":
		h.kind, h.sampled, h.period = "heap", true, period/2
	case "growthz", "growth", "fragmentationz", "fragmentation":
		h.kind, h.period, h.hasAlloc = "growth", 1, false
	}
	return h, true
}

// scanHeapCounts reads "N: M [A: B] @" at the start of b (spaces allowed
// after the colons and around the brackets and the "@") and returns the
// four counts, what follows the "@", and the numbers as written.
func scanHeapCounts(b []byte) (c [4]int64, rest []byte, raw [4][]byte, ok bool) {
	b = bytes.TrimLeft(b, " ")
	for i, sep := range [4]byte{':', '[', ':', ']'} {
		j := 0
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		if c[i], ok = parseDecimal(b[:j]); !ok {
			return c, nil, raw, false
		}
		raw[i], b = b[:j], b[j:]
		if sep != ':' { // a count, then spaces before "[" or "]"
			b = bytes.TrimLeft(b, " ")
		}
		if len(b) == 0 || b[0] != sep {
			return c, nil, raw, false
		}
		b = bytes.TrimLeft(b[1:], " ")
	}
	if len(b) == 0 || b[0] != '@' {
		return c, nil, raw, false
	}
	return c, b[1:], raw, true
}

// parseHeapCounts reads a stack line's counts and returns what follows "@".
func parseHeapCounts(text []byte) ([4]int64, []byte, bool) {
	c, rest, _, ok := scanHeapCounts(text)
	return c, rest, ok
}

// values turns a stack line's counts into the sample's values (allocated
// objects and bytes first when the profile has them, then in-use ones),
// unsampled as the pprof library does, appended to vals, and returns the
// average object size (label bytes).
func (h *heapHeader) values(c [4]int64, vals []int64) (_ []int64, block int64, err error) {
	if h.hasAlloc {
		if vals, block, err = h.addValues(vals, block, c[2], c[3], "allocation"); err != nil {
			return vals, 0, err
		}
	}
	return h.addValues(vals, block, c[0], c[1], "inuse")
}

// addValues appends one pair of a sample's values; block is the average
// object size so far.
func (h *heapHeader) addValues(vals []int64, block, count, size int64, what string) ([]int64, int64, error) {
	if count == 0 && size != 0 {
		return vals, block, fmt.Errorf("%s count was 0 but %s bytes was %d", what, what, size)
	}
	if count != 0 {
		block = size / count
		if h.sampled {
			count, size = scaleHeapSample(count, size, h.period)
		}
	}
	return append(vals, count, size), block, nil
}

// scaleHeapSample is the pprof library's unsampling of a heapz v2 sample:
// an allocation of average size S is in the profile with probability
// 1−exp(−S/rate); values are truncated as the library truncates them.
func scaleHeapSample(count, size, rate int64) (int64, int64) {
	if count == 0 || size == 0 {
		return 0, 0
	}
	if rate <= 1 {
		return count, size
	}
	avg := float64(size) / float64(count)
	scale := 1 / (1 - math.Exp(-avg/float64(rate)))
	// Clamped as jemalloc's are (maxUnsampled): a count far above its
	// bytes, which no real profile has, would otherwise wrap negative.
	return int64(min(float64(count)*scale, maxUnsampled)), int64(min(float64(size)*scale, maxUnsampled))
}

// metrics are the sample types, as the library names them.
func (h *heapHeader) metrics() []Metric {
	if h.hasAlloc {
		return []Metric{{"alloc_objects", "count"}, {"alloc_space", "bytes"}, {"inuse_objects", "count"}, {"inuse_space", "bytes"}}
	}
	return []Metric{{"objects", "count"}, {"space", "bytes"}}
}

// parseReturnAddresses reads " 0x… 0x…" into rets (the addresses as
// written), keeping the first maxStackDepth.
func parseReturnAddresses(b []byte, cut bool, rets []uint64) (_ []uint64, deep bool, err *addressError) {
	rets = rets[:0]
	l := newAddressList(b, cut)
	for {
		a, ok, err := l.next(len(rets))
		if !ok {
			return rets, l.deep, err
		}
		rets = append(rets, a)
	}
}

// legacyHeapFrames are the pprof library's drop_frames and keep_frames for
// legacy heap profiles (allocator entry points), read once from the
// library itself by parsing an empty profile.
var legacyHeapFrames = sync.OnceValues(func() (string, string) {
	p, err := profile.ParseData([]byte("heap profile: 0: 0 [0: 0] @ heapprofile\n"))
	if err != nil {
		return "", ""
	}
	return p.DropFrames, p.KeepFrames
})

// emit places the addresses in the memory map, names Go's frames from
// its comments, names the rest with sym when set, and feeds the snapshot
// to sink.
func (tr *tcmallocReader) emit(sym Symbolizer, sink Sink) error {
	t := &heapTables{addrs: tr.locs.addrs}
	t.maps, t.in = placeLegacyAddresses(t.addrs, massageLegacyMappings(tr.maps))
	tr.goLines(t)
	tr.mapWarnings(t)
	warns := tr.warn.done(FormatTcmalloc, tr.name)
	if sym != nil {
		warns = append(warns, t.symbolize(sym)...)
	}
	if err := sink.Begin(tr.header()); err != nil {
		return err
	}
	if err := t.emit(sink); err != nil {
		return err
	}
	if err := tr.replay(sink); err != nil {
		return err
	}
	return sink.End(warns)
}

// goLines gives the locations of Go text the frames its comments name
// (in t.symbolized, as a symboliser would) and marks the mappings whose
// every location is named.
func (tr *tcmallocReader) goLines(t *heapTables) {
	if tr.goNames.byAddr == nil {
		return
	}
	p := t.miniProfile()
	funcs := map[[2]string]*profile.Function{}
	named := make([]bool, len(t.maps))
	for i := range named {
		named[i] = true
	}
	for i, loc := range p.Location {
		fs := tr.goNames.frames(loc.Address)
		if len(fs) == 0 {
			if m := t.in[i]; m >= 0 {
				named[m] = false
			}
			continue
		}
		for _, f := range fs {
			fn := funcs[[2]string{f.fn, f.file}]
			if fn == nil {
				fn = &profile.Function{ID: uint64(len(p.Function) + 1), Name: f.fn, SystemName: f.fn, Filename: f.file}
				funcs[[2]string{f.fn, f.file}] = fn
				p.Function = append(p.Function, fn)
			}
			loc.Line = append(loc.Line, profile.Line{Function: fn, Line: f.line})
		}
	}
	for i, m := range t.maps {
		if named[i] {
			m.HasFunctions, m.HasFilenames, m.HasLineNumbers = true, true, true
		}
	}
	t.symbolized = p
}

// mapWarnings says what the memory map leaves unsymbolisable.
func (tr *tcmallocReader) mapWarnings(t *heapTables) {
	hasFunctions := true
	for _, m := range t.maps {
		hasFunctions = hasFunctions && m.HasFunctions
	}
	switch {
	case tr.hdr.kind == "heap":
		// Go's text has no memory map: its names come from the comments.
		if !hasFunctions {
			tr.warn.add(tr.errorf(0, "some addresses have no # comment naming them: they stay unnamed and cannot be matched across restarts"))
		}
	case !tr.sawMapped && !hasFunctions:
		tr.warn.add(tr.errorf(0, "no MAPPED_LIBRARIES section: addresses cannot be symbolised or matched across restarts"))
	case !tr.lr.eol:
		tr.warn.add(tr.errorf(tr.lr.n, "MAPPED_LIBRARIES cut off: addresses in the missing mappings cannot be symbolised"))
	}
}

// header describes the snapshot.
func (tr *tcmallocReader) header() *Header {
	h := &tr.hdr
	drop, keep := legacyHeapFrames()
	out := &Header{
		Name: tr.name, Format: FormatTcmalloc, Lifecycle: -1,
		Metrics:    h.metrics(),
		DropFrames: drop, KeepFrames: keep,
		Profile: &ProfileFields{PeriodType: &Metric{Name: "space", Unit: "bytes"}, Period: h.period},
	}
	if h.period > 0 {
		out.Period, out.PeriodUnit = h.period, "bytes"
	}
	switch h.kind {
	case "heapprofile":
		out.Variant, out.Producer = "gperftools", "gperftools"
		out.Period, out.PeriodUnit = 0, "" // HEAPPROFILE records every allocation
	case "heap":
		out.Variant, out.Producer = "go-heap-text", "Go runtime"
		out.Unsampled = out.Period > 1
	case "heap_v2":
		out.Variant, out.Producer = "tcmalloc-sampled", "tcmalloc"
		out.Unsampled = out.Period > 1
	}
	return out
}

// replay feeds the kept samples, each with the label set of its block
// size (numeric label bytes, as the library gives every sample).
func (tr *tcmallocReader) replay(sink Sink) error {
	nv := len(tr.hdr.metrics())
	vals := make([]int64, nv)
	var ids []uint64
	sets := map[int64]uint64{}
	c := tr.samples.cursor()
	for range tr.nsamples {
		for i := range vals {
			vals[i] = c.getInt()
		}
		block := c.getInt()
		ids = ids[:0]
		for n := c.get(); n > 0; n-- {
			ids = append(ids, c.get()+1)
		}
		set, ok := sets[block]
		if !ok {
			set = uint64(len(sets) + 1)
			sets[block] = set
			if err := sink.LabelSet(set, []Label{{Key: "bytes", Num: block, IsNum: true}}); err != nil {
				return err
			}
		}
		if err := sink.Sample(ids, vals, set); err != nil {
			return err
		}
	}
	return nil
}
