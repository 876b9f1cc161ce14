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
	// The header's counts are the sums of the stack lines' (gperftools,
	// tcmalloc's sampler and Go all write the total of the lines they
	// print), so a difference means lines are missing: a file cut off before
	// its memory map is refused rather than read with totals silently low.
	if hdr, sum, lines := heapLineSums(data); hdr != sum {
		err := errorf(FormatTcmalloc, name, skipped+lines,
			"stacks add up to %d: %d [%d: %d] but the header says %d: %d [%d: %d]",
			sum[0], sum[1], sum[2], sum[3], hdr[0], hdr[1], hdr[2], hdr[3])
		if !mapped {
			err.Err = fmt.Errorf("%w: %v", ErrTruncated, err.Err)
			return nil, err
		}
		s.Warnings = append(s.Warnings, err)
	}
	if !mapped && !p.HasFunctions() {
		s.Warnings = append(s.Warnings, errorf(FormatTcmalloc, name, 0,
			"no MAPPED_LIBRARIES section: addresses cannot be symbolised or matched across restarts"))
	} else if len(data) > 0 && data[len(data)-1] != '\n' {
		s.Warnings = append(s.Warnings, errorf(FormatTcmalloc, name, skipped+bytes.Count(data, []byte("\n"))+1,
			"MAPPED_LIBRARIES cut off: addresses in the missing mappings cannot be symbolised"))
	}
	s.Symbolized = p.HasFunctions()
	return s, nil
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

// goTextFrame matches the frame comments under each stack of Go's debug=1
// heap profile (/debug/pprof/heap?debug=1, pprof.WriteTo(w, 1)):
//
//	#	0x51bc1e	main.leak+0x5e		/src/main.go:14
//
// The address is the stack's return address minus one, as the pprof library
// stores it; inlined calls repeat the address, innermost first.
var goTextFrame = regexp.MustCompile(`^#\s+0x([0-9a-fA-F]+)\s+(\S+?)(?:\+0x[0-9a-fA-F]+)?\s+(\S.*):(\d+)\s*$`)

// goTextSymbols names the locations of a Go debug=1 heap profile from its
// frame comments, which the pprof library does not read: function, file,
// line and inlined calls. Go leaves out runtime frames at both ends of each
// stack (the allocator below the program, runtime.main's caller above); a
// stack keeps the frames Go printed for it, so that it reads as Go printed
// it and no unnamed address ends up in a site key. An address that no
// comment names stays unnamed.
func goTextSymbols(p *profile.Profile, data []byte) {
	type frame struct {
		fn, file string
		line     int64
	}
	frames := map[uint64][]frame{}
	var shown []map[uint64]bool // per stack line, the addresses Go printed
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	seen := map[uint64]bool{} // addresses named by an earlier stack
	first := true
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if first || line == "" {
			first = false
			continue
		}
		if !strings.HasPrefix(line, "#") {
			if legacyHeapSample.MatchString(line) {
				for a := range frames {
					seen[a] = true
				}
				shown = append(shown, map[uint64]bool{})
			}
			continue
		}
		m := goTextFrame.FindStringSubmatch(line)
		if m == nil || len(shown) == 0 {
			continue
		}
		addr, err1 := strconv.ParseUint(m[1], 16, 64)
		n, err2 := strconv.ParseInt(m[4], 10, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		shown[len(shown)-1][addr] = true
		if !seen[addr] {
			frames[addr] = append(frames[addr], frame{fn: m[2], file: m[3], line: n})
		}
	}
	if len(frames) == 0 {
		return
	}
	funcs := map[[2]string]*profile.Function{}
	for _, loc := range p.Location {
		fs := frames[loc.Address]
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
