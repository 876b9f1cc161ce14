package parsers

import (
	"bufio"
	"errors"
	"io"
	"math"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/google/pprof/profile"
)

// jemallocDropFrames matches the frames of jemalloc itself and of the C/C++
// allocation entry points, as symbolised names or, for frames in a stripped
// libjemalloc that no symbol covers, as the module+offset names that package
// symbolize gives them ("libjemalloc.so.2+0x2a630").
const jemallocDropFrames = `(je_|_rjem_).*|(__libc_)?(malloc|calloc|realloc|free|memalign|posix_memalign|aligned_alloc|valloc|pvalloc)|` +
	`(mallocx|rallocx|xallocx|sdallocx|dallocx)|imalloc.*|prof_backtrace.*|prof_alloc_prep|operator new(\[\])?|` +
	`libjemalloc\.so[.0-9]*\+0x[0-9a-f]+`

// jemallocHeader matches the first line of a jemalloc heap profile:
//
//	heap_v2/524288
var jemallocHeader = regexp.MustCompile(`^heap_v2/(\d+)\s*$`)

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
	jp := &jemallocParser{name: name, locs: map[uint64]*profile.Location{}, threadNames: map[string]string{}}
	return jp.parse(r)
}

type jemallocParser struct {
	name string
	line int

	period    int64
	total     [4]int64 // header t*: raw inuse objs, bytes, accum objs, bytes
	sawTotal  bool
	totalLine int
	sum       [4]int64 // raw t* sums over stacks, to catch truncation
	hasAccum  bool
	stacks    []*jemallocStack
	locs      map[uint64]*profile.Location
	locOrder  []*profile.Location
	mappings  []*profile.Mapping
	sawMapped bool
	// threadNames are the names of the header's per-thread lines, by id.
	threadNames map[string]string
	warnings    []error
}

type jemallocStack struct {
	line    int
	locs    []*profile.Location
	total   [4]int64
	threads []jemallocThread
	sawStar bool
}

type jemallocThread struct {
	id     string
	counts [4]int64
}

func (jp *jemallocParser) errorf(line int, msg string, args ...any) *ParseError {
	return errorf(FormatJemalloc, jp.name, line, msg, args...)
}

func (jp *jemallocParser) parse(r io.Reader) (*Snapshot, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var cur *jemallocStack
	endedWithNewline := true
	var last string
	for {
		raw, err := br.ReadString('\n')
		if raw == "" && err != nil {
			if err != io.EOF {
				return nil, &ParseError{Format: FormatJemalloc, Name: jp.name, Line: jp.line, Err: err}
			}
			break
		}
		jp.line++
		endedWithNewline = strings.HasSuffix(raw, "\n")
		last = raw
		text := strings.TrimSpace(raw)
		if jp.period == 0 && text == "" && err == nil {
			continue // blank lines before the header (a dump pasted or concatenated)
		}
		if jp.period == 0 {
			m := jemallocHeader.FindStringSubmatch(text)
			if m == nil {
				return nil, jp.errorf(jp.line, "want header %q, got %q", "heap_v2/<sample period>", clip(text, 40))
			}
			p, perr := strconv.ParseInt(m[1], 10, 64)
			if perr != nil || p <= 0 {
				return nil, jp.errorf(jp.line, "malformed sample period %q", m[1])
			}
			jp.period = p
			continue
		}
		if jp.sawMapped {
			if text == "" {
				continue
			}
			m, perr := parseMapsLine(text)
			if perr != nil {
				if !endedWithNewline {
					break // the cut-off last line: reported below
				}
				jp.warnings = append(jp.warnings, jp.errorf(jp.line, "skipped memory map line %q: %v", clip(text, 60), perr))
				continue
			}
			if m != nil {
				jp.mappings = append(jp.mappings, m)
			}
			continue
		}
		switch {
		case text == "":
			continue
		case strings.HasPrefix(text, "MAPPED_LIBRARIES:"):
			if cur != nil && !cur.sawStar {
				return nil, jp.errorf(cur.line, "stack has no %q line", "t*:")
			}
			jp.sawMapped = true
			cur = nil
		case text[0] == '@':
			if cur != nil && !cur.sawStar {
				return nil, jp.errorf(cur.line, "stack has no %q line", "t*:")
			}
			st, perr := jp.parseStack(text)
			if perr != nil {
				return nil, perr
			}
			jp.stacks = append(jp.stacks, st)
			cur = st
		case text[0] == 't':
			id, counts, tname, ok := parseThreadLine(text)
			if !ok {
				if !endedWithNewline {
					return nil, jp.errorf(jp.line, "%w: dump ends inside thread line %q", ErrTruncated, clip(text, 60))
				}
				return nil, jp.errorf(jp.line, "malformed thread line %q", clip(text, 60))
			}
			if counts[2] != 0 || counts[3] != 0 {
				jp.hasAccum = true
			}
			switch {
			case cur == nil && id == "*":
				if jp.sawTotal {
					return nil, jp.errorf(jp.line, "second process total line %q", clip(text, 60))
				}
				jp.total, jp.sawTotal, jp.totalLine = counts, true, jp.line
			case cur == nil:
				if !jp.sawTotal {
					return nil, jp.errorf(jp.line, "thread line before the process total %q", "t*:")
				}
				// Per-thread process totals: the stacks' own thread lines
				// carry the same counts, but only these carry names.
				if tname != "" {
					jp.threadNames[id] = tname
				}
			case id == "*":
				if cur.sawStar {
					return nil, jp.errorf(jp.line, "second %q line in one stack", "t*:")
				}
				cur.total, cur.sawStar = counts, true
				for i := range jp.sum {
					jp.sum[i] += counts[i]
				}
			default:
				if tname != "" {
					return nil, jp.errorf(jp.line, "malformed thread line %q", clip(text, 60))
				}
				if !cur.sawStar {
					return nil, jp.errorf(jp.line, "thread line before the stack's %q line", "t*:")
				}
				cur.threads = append(cur.threads, jemallocThread{id: id, counts: counts})
			}
		default:
			if !endedWithNewline {
				return nil, jp.errorf(jp.line, "%w: dump ends inside line %q", ErrTruncated, clip(text, 60))
			}
			return nil, jp.errorf(jp.line, "want %q, got %q", "@ 0x…", clip(text, 60))
		}
		if err != nil {
			break
		}
	}
	if jp.line == 0 {
		return nil, &ParseError{Format: FormatJemalloc, Name: jp.name, Err: ErrEmpty}
	}
	if jp.period == 0 {
		return nil, jp.errorf(jp.line, "only blank lines: want header %q", "heap_v2/<sample period>")
	}
	if cur != nil && !cur.sawStar {
		return nil, jp.errorf(cur.line, "%w: stack has no %q line", ErrTruncated, "t*:")
	}
	if !jp.sawTotal {
		return nil, jp.errorf(jp.line, "%w: no process total line %q", ErrTruncated, "t*:")
	}
	// jemalloc always ends a dump with MAPPED_LIBRARIES (even when it could
	// not read the maps), so a dump without it was cut off, and nothing says
	// whether the cut fell between two stacks: refuse it rather than report
	// totals that are silently too small.
	if !jp.sawMapped {
		return nil, jp.errorf(jp.line, "%w: no MAPPED_LIBRARIES section after the last stack", ErrTruncated)
	}
	// Unsampled (period 1), the header total is the plain sum of the stacks'
	// totals. Sampled dumps unbias each line separately, so they cannot add up.
	if jp.period == 1 && jp.sum != jp.total {
		jp.warnings = append(jp.warnings, jp.errorf(jp.totalLine, "stacks add up to %d objects, %d bytes but the header says %d, %d",
			jp.sum[0], jp.sum[1], jp.total[0], jp.total[1]))
	}
	if !endedWithNewline {
		jp.warnings = append(jp.warnings, jp.errorf(jp.line,
			"MAPPED_LIBRARIES cut off at %q: addresses in the missing mappings cannot be symbolised", clip(strings.TrimSpace(last), 60)))
	}
	return jp.snapshot(), nil
}

// parseStack reads "@ 0x7f16818a2630 0x7f16818a2d21 …".
func (jp *jemallocParser) parseStack(text string) (*jemallocStack, error) {
	fields := strings.Fields(text[1:])
	if len(fields) == 0 {
		return nil, jp.errorf(jp.line, "stack line %q has no addresses", clip(text, 60))
	}
	st := &jemallocStack{line: jp.line, locs: make([]*profile.Location, 0, len(fields))}
	for _, f := range fields {
		h := strings.TrimPrefix(strings.TrimPrefix(f, "0x"), "0X")
		if h == f {
			return nil, jp.errorf(jp.line, "malformed address %q: want 0x…", clip(f, 30))
		}
		a, err := strconv.ParseUint(h, 16, 64)
		if err != nil || a == 0 {
			return nil, jp.errorf(jp.line, "malformed address %q", clip(f, 30))
		}
		// Return addresses point after the call; one byte back is inside it.
		a--
		loc := jp.locs[a]
		if loc == nil {
			loc = &profile.Location{ID: uint64(len(jp.locOrder) + 1), Address: a}
			jp.locs[a] = loc
			jp.locOrder = append(jp.locOrder, loc)
		}
		st.locs = append(st.locs, loc)
	}
	return st, nil
}

// parseThreadLine reads "t*: 266: 1950016 [0: 0]" or "t3: 64: 1048576 [0: 0]"
// and returns the thread ("*" or its number), the four counts, and the
// thread's name: jemalloc prints it after the counts on the per-thread lines
// of the header when the thread has one (prof_sys_thread_name:true, or
// mallctl("thread.prof.name")): "t0: 1275: 3664208 [0: 0] worker-1".
func parseThreadLine(text string) (string, [4]int64, string, bool) {
	var c [4]int64
	colon := strings.IndexByte(text, ':')
	if colon < 2 || text[0] != 't' {
		return "", c, "", false
	}
	id := text[1:colon]
	if id != "*" {
		if _, err := strconv.ParseUint(id, 10, 64); err != nil {
			return "", c, "", false
		}
	}
	rest := text[colon+1:]
	open, closing := strings.IndexByte(rest, '['), strings.IndexByte(rest, ']')
	if open < 0 || closing < open {
		return "", c, "", false
	}
	name := strings.TrimSpace(rest[closing+1:])
	if name != "" && (id == "*" || rest[closing+1] != ' ') {
		return "", c, "", false
	}
	ok1 := parseCountPair(rest[:open], c[0:2])
	ok2 := parseCountPair(rest[open+1:closing], c[2:4])
	return id, c, name, ok1 && ok2
}

// parseCountPair reads " 266: 1950016 " into dst[0], dst[1].
func parseCountPair(s string, dst []int64) bool {
	a, b, ok := strings.Cut(s, ":")
	if !ok {
		return false
	}
	x, err1 := strconv.ParseInt(strings.TrimSpace(a), 10, 64)
	y, err2 := strconv.ParseInt(strings.TrimSpace(b), 10, 64)
	if err1 != nil || err2 != nil || x < 0 || y < 0 {
		return false
	}
	dst[0], dst[1] = x, y
	return true
}

// parseMapsLine reads one /proc/self/maps line. It returns nil, nil for
// mappings that cannot hold code (no x permission).
//
//	5594c23ff000-5594c2400000 r-xp 00001000 fe:00 9978062    /tmp/jt/leak
func parseMapsLine(text string) (*profile.Mapping, error) {
	// Fields: range perms offset dev inode [path, which may hold spaces]
	rest := text
	var f [5]string
	for i := range f {
		rest = strings.TrimLeft(rest, " \t")
		j := strings.IndexAny(rest, " \t")
		if j < 0 {
			if i < 4 {
				return nil, errors.New("want address range, permissions, offset, device and inode")
			}
			j = len(rest)
		}
		f[i], rest = rest[:j], rest[j:]
	}
	file := strings.TrimSpace(rest)
	lo, hi, ok := strings.Cut(f[0], "-")
	if !ok {
		return nil, errors.New("malformed address range")
	}
	start, err1 := strconv.ParseUint(lo, 16, 64)
	limit, err2 := strconv.ParseUint(hi, 16, 64)
	off, err3 := strconv.ParseUint(f[2], 16, 64)
	if err1 != nil || err2 != nil || err3 != nil || limit <= start {
		return nil, errors.New("malformed address range or offset")
	}
	if len(f[1]) != 4 {
		return nil, errors.New("malformed permissions")
	}
	if f[1][2] != 'x' {
		return nil, nil
	}
	return &profile.Mapping{Start: start, Limit: limit, Offset: off, File: file}, nil
}

// snapshot builds the profile from the parsed stacks and mappings.
func (jp *jemallocParser) snapshot() *Snapshot {
	p := &profile.Profile{
		SampleType: []*profile.ValueType{
			{Type: "inuse_objects", Unit: "count"},
			{Type: "inuse_space", Unit: "bytes"},
		},
		DefaultSampleType: "inuse_space",
		PeriodType:        &profile.ValueType{Type: "space", Unit: "bytes"},
		Period:            jp.period,
		DropFrames:        jemallocDropFrames,
	}
	nv := 2
	if jp.hasAccum {
		p.SampleType = append(p.SampleType,
			&profile.ValueType{Type: "alloc_objects", Unit: "count"},
			&profile.ValueType{Type: "alloc_space", Unit: "bytes"})
		nv = 4
	}
	for _, st := range jp.stacks {
		var factor [2]float64
		for k := range factor {
			factor[k] = jemallocScale(st.total[2*k], st.total[2*k+1], jp.period)
		}
		var scaled [4]float64
		for i := range scaled {
			scaled[i] = float64(st.total[i]) * factor[i/2]
		}
		threads := st.threads
		var tsum [4]int64
		for _, th := range threads {
			for i := range tsum {
				tsum[i] += th.counts[i]
			}
		}
		if len(threads) == 0 || tsum[0] == 0 && tsum[1] == 0 {
			threads = []jemallocThread{{counts: st.total}}
			tsum = st.total
		}
		// Each thread gets its share of the stack's scaled total, rounded
		// cumulatively (round(prefix sum) − previous) so that a stack's
		// samples add up to round(scaled total) exactly. Shares, not the
		// raw thread values, because in sampled dumps jemalloc unbiases
		// each line on its own and the thread lines may not add up to t*.
		var cum, prev [4]float64
		for _, th := range threads {
			v := make([]int64, nv)
			for i := 0; i < nv; i++ {
				if tsum[i] != 0 {
					cum[i] += scaled[i] * float64(th.counts[i]) / float64(tsum[i])
				}
				r := math.Round(cum[i])
				v[i] = int64(r - prev[i])
				prev[i] = r
			}
			if allZero(v) {
				continue
			}
			s := &profile.Sample{Location: st.locs, Value: v}
			if th.id != "" {
				s.Label = map[string][]string{"thread": {th.id}}
				if n := jp.threadNames[th.id]; n != "" {
					s.Label["thread_name"] = []string{n}
				}
			}
			p.Sample = append(p.Sample, s)
		}
	}
	p.Location = jp.locOrder
	jp.attachMappings(p)

	s := newSnapshot(jp.name, FormatJemalloc, p)
	s.Producer = "jemalloc"
	s.Variant = "jemalloc-heap_v2"
	if jp.period > 1 {
		s.Period, s.PeriodUnit, s.Unsampled = jp.period, "bytes", true
	}
	if m := jemallocFileName.FindStringSubmatch(path.Base(jp.name)); m != nil {
		if pid, err := strconv.Atoi(m[1]); err == nil {
			s.PID = pid
		}
	}
	s.Warnings = jp.warnings
	return s
}

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

// attachMappings numbers the executable mappings (the main binary first, as
// pprof does) and points each location at the mapping holding its address.
// Addresses outside every mapping keep their address and are reported once.
func (jp *jemallocParser) attachMappings(p *profile.Profile) {
	ms := jp.mappings
	main := -1
	for i, m := range ms {
		base := path.Base(m.File)
		if m.File == "" || strings.HasPrefix(m.File, "[") || strings.Contains(base, ".so") {
			continue
		}
		main = i
		break
	}
	if main > 0 {
		ms = slices.Concat(ms[main:main+1], ms[:main], ms[main+1:])
	}
	for i, m := range ms {
		m.ID = uint64(i + 1)
	}
	p.Mapping = ms
	if !jp.sawMapped {
		return
	}
	byStart := append([]*profile.Mapping(nil), ms...)
	sort.Slice(byStart, func(i, j int) bool { return byStart[i].Start < byStart[j].Start })
	var outside int
	var first uint64
	for _, loc := range p.Location {
		i := sort.Search(len(byStart), func(i int) bool { return byStart[i].Limit > loc.Address })
		if i < len(byStart) && byStart[i].Start <= loc.Address {
			loc.Mapping = byStart[i]
			continue
		}
		if outside == 0 {
			first = loc.Address + 1
		}
		outside++
	}
	if outside > 0 {
		jp.warnings = append(jp.warnings, jp.errorf(jp.firstLineWith(first),
			"%d addresses outside every executable mapping (first %#x): they stay unsymbolised", outside, first))
	}
}

// firstLineWith is the line of the first stack holding return address a,
// so the warning about it points somewhere useful.
func (jp *jemallocParser) firstLineWith(a uint64) int {
	for _, st := range jp.stacks {
		for _, l := range st.locs {
			if l.Address+1 == a {
				return st.line
			}
		}
	}
	return 0
}

// clip shortens s for an error message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
