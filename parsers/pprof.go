package parsers

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/google/pprof/profile"
)

// ParsePprof reads a profile.proto message, gzipped or raw, as written by the
// Go runtime, the pprof tools, async-profiler or Pyroscope.
func ParsePprof(r io.Reader, name string) (*Snapshot, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, &ParseError{Format: FormatPprof, Name: name, Err: err}
	}
	if len(data) == 0 {
		return nil, &ParseError{Format: FormatPprof, Name: name, Err: ErrEmpty}
	}
	if bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte(javaHeapzHeader)) {
		return parseJavaHeapz(data, name)
	}
	// A caller may hand over the gzipped file itself (ParsePprof on a
	// .pb.gz); gunzip here so both forms take the one checked path below.
	// profile.ParseData would instead fall back to the legacy text parsers
	// when the protobuf is damaged and then blame an "unrecognized format".
	if len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
		gz, err := gzip.NewReader(bytes.NewReader(data))
		if err == nil {
			data, err = io.ReadAll(gz)
		}
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				err = fmt.Errorf("gzip stream %w", ErrTruncated)
			}
			return nil, &ParseError{Format: FormatPprof, Name: name, Err: fmt.Errorf("gzip: %w", err)}
		}
	}
	p, err := profile.ParseUncompressed(data)
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("protobuf %w: %v", ErrTruncated, err)
		} else {
			err = fmt.Errorf("corrupt or truncated protobuf: %v", err)
		}
		return nil, &ParseError{Format: FormatPprof, Name: name, Err: err}
	}
	if err := p.CheckValid(); err != nil {
		return nil, &ParseError{Format: FormatPprof, Name: name, Err: fmt.Errorf("malformed profile: %w", err)}
	}
	if len(p.SampleType) == 0 {
		return nil, &ParseError{Format: FormatPprof, Name: name, Err: errors.New("profile has no sample types")}
	}
	return pprofSnapshot(p, name), nil
}

// javaHeapzHeader opens pprof's legacy Java heap profile, the heapz
// format of Google's Java profilers:
//
//	--- heapz 1 ---
//	format = java
//	resolution = bytes
//	          7048     1 @ 0x00000003 0x00000004 …
//	 0x00000003 com.example.function003 (Source003.java:103)
const javaHeapzHeader = "--- heapz 1 ---"

// javaHeapzPeriod is the sampling period of heapz profiles, which the pprof
// library unsamples by (its javaHeapzSamplingRate).
const javaHeapzPeriod = 512 << 10

// parseJavaHeapz reads a legacy Java heap profile through the pprof
// library, which names the frames from the profile's own location list and
// unsamples the values.
func parseJavaHeapz(data []byte, name string) (*Snapshot, error) {
	p, err := profile.ParseData(data)
	if err != nil {
		return nil, &ParseError{Format: FormatPprof, Name: name, Err: fmt.Errorf("java heapz profile: %v", err)}
	}
	if err := p.CheckValid(); err != nil || len(p.SampleType) == 0 {
		return nil, &ParseError{Format: FormatPprof, Name: name, Err: fmt.Errorf("java heapz profile: malformed: %v", err)}
	}
	s := newSnapshot(name, FormatPprof, p)
	s.Variant, s.Producer = "java-heapz", "Java (heapz)"
	s.Period, s.PeriodUnit, s.Unsampled = javaHeapzPeriod, "bytes", true
	s.Symbolized = p.HasFunctions()
	return s, nil
}

func pprofSnapshot(p *profile.Profile, name string) *Snapshot {
	s := newSnapshot(name, FormatPprof, p)
	if p.TimeNanos != 0 {
		s.Time = time.Unix(0, p.TimeNanos).UTC()
	}
	if p.Period > 0 && p.PeriodType != nil {
		s.Period, s.PeriodUnit = p.Period, p.PeriodType.Unit
	}
	if isAsyncProfiler(p) {
		s.Variant, s.Producer = "async-profiler", "async-profiler"
		normalizeJavaFrames(p)
	}
	if isGoHeap(p) {
		s.Variant = "go-heap"
		s.Producer = "Go runtime"
		// runtime/pprof writes heap samples already scaled by its
		// MemProfileRate, the way pprof scales legacy heap profiles.
		s.Unsampled = p.Period > 1
	}
	s.Symbolized = p.HasFunctions()
	return s
}

// isAsyncProfiler recognises the pprof output of async-profiler and its
// jfrconv by the comment they write.
func isAsyncProfiler(p *profile.Profile) bool {
	for _, c := range p.Comments {
		if strings.Contains(c, "async-profiler") {
			return true
		}
	}
	return false
}

// normalizeJavaFrames names the frames of an async-profiler profile as a
// .jfr recording's frames are named (readJFR) (see javaframes.go): without
// hidden-class addresses and without the line numbers that only
// interpreted frames carry.
func normalizeJavaFrames(p *profile.Profile) {
	for _, fn := range p.Function {
		fn.Name = asprofFrameName(fn.Name)
		fn.SystemName = asprofFrameName(fn.SystemName)
	}
	for _, l := range p.Location {
		for i := range l.Line {
			l.Line[i].Line = 0
		}
	}
}

// isGoHeap recognises runtime/pprof heap profiles by their four sample types.
func isGoHeap(p *profile.Profile) bool {
	want := []string{"alloc_objects", "alloc_space", "inuse_objects", "inuse_space"}
	if len(p.SampleType) != len(want) {
		return false
	}
	for i, st := range p.SampleType {
		if st.Type != want[i] {
			return false
		}
	}
	return true
}

// ParseTcmalloc reads a gperftools legacy heap profile (HeapProfilerDump,
// HEAPPROFILE=prefix), or any "heap profile:" text such as Go's debug=1
// output, through the pprof library, which also unsamples sampled ones.
func ParseTcmalloc(r io.Reader, name string) (*Snapshot, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, &ParseError{Format: FormatTcmalloc, Name: name, Err: err}
	}
	// The pprof library wants the header on the first line; blank lines
	// before it (a dump pasted or concatenated) are skipped, and counted so
	// that line numbers in errors still point into the file.
	// gperftools may put "%warn" lines before the header (GetHeapSample
	// with sampling off says why the profile is empty); google-pprof skips
	// them, and so do we, keeping what they say as a warning.
	skipped := 0
	var warn []string
	for {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			break
		}
		line := bytes.TrimSpace(data[:i])
		if rest, ok := bytes.CutPrefix(line, []byte("%warn")); ok {
			if w := string(bytes.TrimSpace(rest)); w != "" {
				warn = append(warn, w)
			}
		} else if len(line) > 0 {
			break
		}
		data, skipped = data[i+1:], skipped+1
	}
	header := firstLine(bytes.TrimLeft(data, " \t\r\n"), 200)
	if !legacyHeapHeader.MatchString(header) {
		return nil, errorf(FormatTcmalloc, name, skipped+1, "want header like %q, got %q",
			"heap profile: 1: 2 [3: 4] @ heapprofile", header)
	}
	p, err := profile.ParseData(data)
	if err != nil {
		// The library does not say where; find the first line it could not read.
		if line, text := firstBadHeapLine(data); line > 0 {
			return nil, errorf(FormatTcmalloc, name, skipped+line, "malformed sample line %q", text)
		}
		return nil, &ParseError{Format: FormatTcmalloc, Name: name, Err: err}
	}
	s := newSnapshot(name, FormatTcmalloc, p)
	if len(warn) > 0 {
		s.Warnings = append(s.Warnings, errorf(FormatTcmalloc, name, 1, "the profiler wrote: %s", strings.Join(warn, " ")))
	}
	if p.Period > 0 && p.PeriodType != nil {
		s.Period, s.PeriodUnit = p.Period, p.PeriodType.Unit
	}
	switch m := legacyHeapHeader.FindStringSubmatch(header); m[1] {
	case "heapprofile":
		s.Variant, s.Producer = "gperftools", "gperftools"
		s.Period, s.PeriodUnit = 0, "" // HEAPPROFILE records every allocation
	case "heap":
		s.Variant, s.Producer = "go-heap-text", "Go runtime"
		s.Unsampled = s.Period > 1
		goTextSymbols(p, data)
	case "heap_v2":
		s.Variant, s.Producer = "tcmalloc-sampled", "tcmalloc"
		s.Unsampled = s.Period > 1
	}
	mapped := sawMappedLibraries(data)
	complete := mapped || (s.Variant == "go-heap-text" && bytes.Contains(data, []byte("\n# runtime.MemStats")))
	if err := checkHeapSums(s, data, skipped, complete); err != nil {
		return nil, err
	}
	switch {
	case s.Variant == "go-heap-text":
		// Go's text has no memory map: its names come from the comments.
		if !p.HasFunctions() {
			s.Warnings = append(s.Warnings, errorf(FormatTcmalloc, name, 0,
				"some addresses have no # comment naming them: they stay unnamed and cannot be matched across restarts"))
		}
	case !mapped && !p.HasFunctions():
		s.Warnings = append(s.Warnings, errorf(FormatTcmalloc, name, 0,
			"no MAPPED_LIBRARIES section: addresses cannot be symbolised or matched across restarts"))
	case len(data) > 0 && data[len(data)-1] != '\n':
		s.Warnings = append(s.Warnings, errorf(FormatTcmalloc, name, skipped+bytes.Count(data, []byte("\n"))+1,
			"MAPPED_LIBRARIES cut off: addresses in the missing mappings cannot be symbolised"))
	}
	s.Symbolized = p.HasFunctions()
	return s, nil
}

// checkHeapSums compares the header's in-use and allocated counts with the
// sums of the stack lines'. gperftools, tcmalloc's sampler and Go all write
// the total of the lines they print, so a difference in the in-use counts
// of a file that does not end as a whole one does (complete: its memory
// map, or Go's "# runtime.MemStats") means lines are missing: the file was
// cut off, and is refused rather than read with the retained metric
// silently low. Any other difference (only the allocated counts, as in
// old Go profiles whose header counts more allocations than its lines
// show; or a complete file) is a warning carrying a *MetricError, so that
// ranking an affected metric is refused while the others can be ranked.
func checkHeapSums(s *Snapshot, data []byte, skipped int, complete bool) error {
	hdr, sum, lines := heapLineSums(data)
	if hdr == sum {
		return nil
	}
	msg := fmt.Sprintf("stacks add up to %d: %d [%d: %d] but the header says %d: %d [%d: %d]",
		sum[0], sum[1], sum[2], sum[3], hdr[0], hdr[1], hdr[2], hdr[3])
	inuseOK := hdr[0] == sum[0] && hdr[1] == sum[1]
	allocOK := hdr[2] == sum[2] && hdr[3] == sum[3]
	if !inuseOK && !complete {
		return errorf(FormatTcmalloc, s.Name, skipped+lines, "%w: %s", ErrTruncated, msg)
	}
	var affected []string
	for _, m := range s.Metrics() {
		if alloc := strings.HasPrefix(m.Name, "alloc_"); alloc && !allocOK || !alloc && !inuseOK {
			affected = append(affected, m.Name)
		}
	}
	var cause error = errors.New(msg)
	if len(affected) > 0 {
		cause = &MetricError{Metrics: affected, Err: cause}
	}
	s.Warnings = append(s.Warnings, &ParseError{Format: FormatTcmalloc, Name: s.Name, Line: skipped + lines, Err: cause})
	return nil
}

// heapLineSums returns the in-use and allocated objects and bytes of a
// legacy heap profile's header, their sums over its stack lines, and the
// number of the last line read (the header is line 1).
func heapLineSums(data []byte) (hdr, sum [4]int64, lines int) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		lines++
		line := strings.TrimSpace(sc.Text())
		if lines == 1 {
			hdr, _ = heapLineCounts(strings.TrimSpace(strings.TrimPrefix(line, "heap profile:")))
			continue
		}
		if strings.HasPrefix(line, "MAPPED_LIBRARIES") || strings.HasPrefix(line, "--- Memory map:") {
			break
		}
		if c, ok := heapLineCounts(line); ok {
			for i := range sum {
				sum[i] += c[i]
			}
		}
	}
	return hdr, sum, lines
}

// heapLineCounts reads the leading "<objs>: <bytes> [<objs>: <bytes>]" of
// a stack line (or of the header after "heap profile:").
func heapLineCounts(line string) ([4]int64, bool) {
	var c [4]int64
	open, closing := strings.IndexByte(line, '['), strings.IndexByte(line, ']')
	if open < 0 || closing < open {
		return c, false
	}
	for k, pair := range []string{line[:open], line[open+1 : closing]} {
		a, b, ok := strings.Cut(pair, ":")
		x, err1 := strconv.ParseInt(strings.TrimSpace(a), 10, 64)
		y, err2 := strconv.ParseInt(strings.TrimSpace(b), 10, 64)
		if !ok || err1 != nil || err2 != nil {
			return c, false
		}
		c[2*k], c[2*k+1] = x, y
	}
	return c, true
}

// legacyHeapHeader matches the first line of a legacy heap profile:
//
//	heap profile:   42: 1048576 [    42:  1048576] @ heapprofile
//	heap profile: 1: 2 [3: 4] @ heap_v2/524288
var legacyHeapHeader = regexp.MustCompile(`^heap profile: *\d+: *\d+ *\[ *\d+: *\d+ *\] *@ *([a-z_0-9]+)(?:/(\d+))?`)

// legacyHeapSample matches one stack line of a legacy heap profile:
//
//	1: 1048576 [1: 1048576] @ 0x55d0c0a0b1c2 0x7f0e2c0a1b2c
var legacyHeapSample = regexp.MustCompile(`^\s*\d+: *\d+ *\[ *\d+: *\d+ *\] *@(?: +0x[0-9a-fA-F]+)*\s*$`)

// firstBadHeapLine returns the 1-based number and text of the first stack
// line that does not read as a sample, or 0 when all of them do.
func firstBadHeapLine(data []byte) (int, string) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if n == 1 || line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "MAPPED_LIBRARIES") || strings.HasPrefix(line, "--- Memory map:") {
			return 0, ""
		}
		if !legacyHeapSample.MatchString(line) {
			if len(line) > 60 {
				line = line[:60] + "…"
			}
			return n, line
		}
	}
	return 0, ""
}

func sawMappedLibraries(data []byte) bool {
	return bytes.Contains(data, []byte("\nMAPPED_LIBRARIES:")) || bytes.Contains(data, []byte("--- Memory map:"))
}

// goTextNames gathers the frame comments of a Go debug=1 heap profile by
// the address the pprof library stores for each location (the return
// address minus one).
type goTextNames struct {
	frames  map[uint64][]goTextFrame
	shown   []map[uint64]bool // per stack line, the addresses Go printed
	earlier map[uint64]bool   // addresses an earlier stack named
	current []uint64          // addresses the current stack named
	onLine  map[uint64]bool   // the current stack line's own addresses
	pending []goTextFrame     // the current stack's comments
}

// stack starts a stack line with the given addresses, after filing the
// comments of the one before.
func (g *goTextNames) stack(addrs []uint64) {
	g.flush()
	for _, a := range g.current {
		g.earlier[a] = true
	}
	g.current = g.current[:0]
	clear(g.onLine)
	for _, a := range addrs {
		g.onLine[a] = true
	}
	g.shown = append(g.shown, map[uint64]bool{})
}

// flush files the current stack's comments. Go 1.11 and later print each
// location's return address minus one (inlined calls at consecutive fake
// return addresses, each minus one); Go 1.10 and earlier printed the
// return address itself, as on the stack line. Which one a stack's
// comments give is told by whether every comment's address plus one is on
// its stack line.
func (g *goTextNames) flush() {
	if len(g.pending) == 0 {
		return
	}
	shift := uint64(0)
	for _, f := range g.pending {
		if !g.onLine[f.addr+1] {
			shift = 1 // Go 1.10: the address as on the stack line
			break
		}
	}
	shown := g.shown[len(g.shown)-1]
	for _, f := range g.pending {
		addr := f.addr - shift
		shown[addr] = true
		if g.earlier[addr] {
			continue
		}
		if len(g.frames[addr]) == 0 {
			g.current = append(g.current, addr)
		}
		g.frames[addr] = append(g.frames[addr], f)
	}
	g.pending = g.pending[:0]
}

// goTextFrame is one "#" comment line under a stack of Go's debug=1 heap
// profile (/debug/pprof/heap?debug=1, pprof.WriteTo(w, 1)):
//
//	#	0x51bc1e	main.leak+0x5e		/src/main.go:14
//
// Go 1.11 and later print the stack's return address minus one there, the
// address the pprof library stores; Go 1.10 and earlier printed the return
// address itself, as on the stack line. Inlined calls repeat the address,
// innermost first.
type goTextFrame struct {
	addr     uint64
	fn, file string
	line     int64
}

// parseGoTextFrame reads a "#" comment line as a frame; ok is false for
// the other comments ("# runtime.MemStats", "# Alloc = …").
func parseGoTextFrame(line string) (f goTextFrame, ok bool) {
	addr, rest := cutField(strings.TrimPrefix(line, "#"))
	fn, where := cutField(rest)
	if !strings.HasPrefix(addr, "0x") {
		return f, false
	}
	a, err := strconv.ParseUint(addr[2:], 16, 64)
	if err != nil {
		return f, false
	}
	if i := strings.LastIndex(fn, "+0x"); i > 0 {
		fn = fn[:i]
	}
	colon := strings.LastIndexByte(where, ':')
	if fn == "" || colon <= 0 {
		return f, false
	}
	n, err := strconv.ParseInt(where[colon+1:], 10, 64)
	if err != nil {
		return f, false
	}
	return goTextFrame{addr: a, fn: fn, file: where[:colon], line: n}, true
}

// cutField splits s, spaces and tabs trimmed, at its first run of them:
// the first field and the rest (which keeps spaces inside, as a file path
// may).
func cutField(s string) (field, rest string) {
	s = strings.TrimSpace(s)
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i:])
}

// parseGoTextStack reads the addresses of a stack line
// ("1: 262144 [4: 376832] @ 0x28d9f 0x2a201"); ok is false for any other
// line.
func parseGoTextStack(line string, buf []uint64) (_ []uint64, ok bool) {
	_, addrs, ok := strings.Cut(line, "@")
	if !ok {
		return buf, false
	}
	for _, f := range strings.Fields(addrs) {
		if !strings.HasPrefix(f, "0x") {
			return buf, false
		}
		a, err := strconv.ParseUint(f[2:], 16, 64)
		if err != nil {
			return buf, false
		}
		buf = append(buf, a)
	}
	return buf, true
}

// goTextSymbols names the locations of a Go debug=1 heap profile from its
// frame comments, which the pprof library does not read: function, file,
// line and inlined calls. Go leaves out runtime frames at both ends of each
// stack (the allocator below the program, runtime.main's caller above); a
// stack keeps the frames Go printed for it, so that it reads as Go printed
// it and no unnamed address ends up in a site key. An address that no
// comment names stays unnamed. One pass over the text, linear in its size.
func goTextSymbols(p *profile.Profile, data []byte) {
	g := goTextNames{frames: map[uint64][]goTextFrame{}, earlier: map[uint64]bool{}, onLine: map[uint64]bool{}}
	var addrs []uint64
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	first := true
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if first || line == "" {
			first = false
			continue
		}
		if !strings.HasPrefix(line, "#") {
			var ok bool
			if addrs, ok = parseGoTextStack(line, addrs[:0]); ok {
				g.stack(addrs)
			}
			continue
		}
		if f, ok := parseGoTextFrame(line); ok && len(g.shown) > 0 {
			g.pending = append(g.pending, f)
		}
	}
	g.flush()
	if len(g.frames) == 0 {
		return
	}
	g.name(p)
	keepShown(p, g.shown)
}

// name gives each unnamed location the frames its comments name.
func (g *goTextNames) name(p *profile.Profile) {
	funcs := map[[2]string]*profile.Function{}
	for _, loc := range p.Location {
		fs := g.frames[loc.Address]
		if len(loc.Line) > 0 || len(fs) == 0 {
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
}

// keepShown cuts each sample to the locations Go printed comments for
// (shown, one set per stack line), drops the locations no sample keeps,
// and marks the mappings whose locations are all named.
func keepShown(p *profile.Profile, shown []map[uint64]bool) {
	// The library makes one sample per stack line, in file order.
	if len(shown) == len(p.Sample) {
		for i, smp := range p.Sample {
			var keep []*profile.Location
			for _, l := range smp.Location {
				if shown[i][l.Address] {
					keep = append(keep, l)
				}
			}
			if len(keep) > 0 {
				smp.Location = keep
			}
		}
	}
	used := map[*profile.Location]bool{}
	for _, smp := range p.Sample {
		for _, l := range smp.Location {
			used[l] = true
		}
	}
	kept := p.Location[:0]
	for _, l := range p.Location {
		if used[l] {
			kept = append(kept, l)
		}
	}
	p.Location = kept
	named := map[*profile.Mapping]bool{}
	for _, m := range p.Mapping {
		named[m] = true
	}
	for i, l := range p.Location {
		l.ID = uint64(i + 1)
		if l.Mapping != nil && len(l.Line) == 0 {
			named[l.Mapping] = false
		}
	}
	for _, m := range p.Mapping {
		if named[m] {
			m.HasFunctions, m.HasFilenames, m.HasLineNumbers = true, true, true
		}
	}
}
