package parsers

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// ParseNMT reads a JVM Native Memory Tracking report: the output of
// `jcmd PID VM.native_memory summary|detail|summary.diff|detail.diff` at any
// scale (KB, MB, GB, or bytes as -XX:+PrintNMTStatistics prints at exit), as
// written by JDK 8 to 25. Categories are taken as the report names them.
//
// The model (DESIGN.md): seven sample types, reserved, committed, malloc
// (bytes), malloc (count), mmap_reserved, mmap_committed and arena, all in
// bytes whatever the report's scale (thread stacks count as mmap); the NMT
// category is the sample label "category"; committed is the default metric.
//
// A summary report gives one sample per category whose single frame is named
// after the category.
//
// A detail report gives one sample per site of its Details: section: the
// site's frames, innermost first, keyed by symbol with the [0x…] address and
// the +0x… offset removed; "JavaMain+0x8f in libjli.so" becomes function
// JavaMain in a Mapping whose File is libjli.so (so the engine can show the
// module). A frame without a symbol is Java code (interpreted or compiled);
// each run of such frames becomes one placeholder frame named "[java]", so
// the same native entry reached from different Java call sites, and a site
// that NMT splits in two when its Java caller gets JIT-compiled, is one
// site. Sites whose stacks become identical this way (same frames and same
// category) are merged at parse time by summing their values, so every
// stack appears once. A stack made only of Java frames (Temurin 25 prints
// Unsafe.allocateMemory that way) gets the category as an outermost frame
// ("[java]" called from "[Other]"), because the category is its only handle.
// Malloc sites carry malloc bytes and count (and count as reserved and
// committed); virtual memory sites carry reserved/committed and the mmap
// values. Thread Stack sites belong to category Thread, where the summary
// counts them.
//
// Totals are exact: after the sites, each category gets a remainder sample,
// frame "[<category>: not in Details]", holding the category's summary
// values minus the sum of its sites (call sites under 1KB that NMT omits),
// and a last sample "[unattributed]" holds the report's Total minus the
// sum of its categories (categories NMT omitted under the scale, and
// rounding). So the committed and reserved totals of every snapshot equal
// the report's own Total: line, and remainder sites keep the same key from
// one snapshot to the next. A summary report gets the "[unattributed]"
// sample too when its categories do not add up to Total. Where a detail
// report's sites and categories attribute memory differently (a category's
// arenas, a reservation that covers two categories, rounding), the
// remainders reconcile them so that none is negative; see nmtremainder.go.
//
// summary.diff and detail.diff reports hold the current values and the
// deltas since the baseline: the Snapshot has the current values and
// Snapshot.Baseline the baseline (current − delta), both built by the rules
// above. detail.diff lists only the sites that changed, so there the
// "not in Details" remainder also holds the unchanged sites. A detail.diff
// site printed without its type ("(26KB +11KB #19 +8)", JDK 17 and 25)
// counts as [unattributed].
//
// The Virtual memory map: section of a detail report is summarised per
// category in Profile.Comments; its regions are not samples (the Details:
// section already lists the same reservations by call site). The Memory
// file details section (JDK 25) is skipped. Text before the report's
// "Native Memory Tracking:" line is ignored, except a "<pid>:" line (PID)
// and `openjdk version "…"` from java -version (Producer).
//
// jcmd prints no JDK version, so Producer is usually empty. ParseNMT
// returns a *ParseError with a line number for a garbled number, an unknown
// scale or a report cut off before its Total: line or in the middle of a
// category or call site, and records line-numbered warnings in
// Snapshot.Warnings for problems that leave the totals sound: scale=MB and
// GB rounding, categories that do not add up to Total, skipped lines.
func ParseNMT(r io.Reader, name string) (*Snapshot, error) {
	return buildSnapshot(r, name, nil, ReadNMT)
}

// ReadNMT reads an NMT report as ParseNMT does and feeds it to sink: the
// baseline first for a diff report (Header.Baseline set), then the
// report's current values. It reads line by line, keeping one record per
// distinct call site and frame, with a 4 MiB line cap; blank lines are
// skipped in bulk. sym is unused: NMT frames are named.
func ReadNMT(r io.Reader, name string, _ Symbolizer, sink Sink) error {
	p := newNMTParser(r, name)
	if err := p.parse(); err != nil {
		// A line that does not read, and is the input's last and has no
		// newline, was cut off (a capture stopped mid-write): say so.
		var pe *ParseError
		if errors.As(err, &pe) && pe.Line == p.line && p.line > 0 && !p.pending && !p.held && !errors.Is(err, ErrTruncated) &&
			!p.lr.eol && !p.lr.long {
			pe.Err = fmt.Errorf("report %w inside its last line: %w", ErrTruncated, pe.Err)
		}
		return err
	}
	// Categories that fall short of Total are a warning for a report
	// quoted in part, but an input that also stops without its final
	// newline was cut off: its missing categories cannot be told from ones
	// NMT omitted.
	if short := p.categoriesShort(); short != "" && p.atEOF && !p.lr.eol {
		return p.errorf(p.line, "report %w: it stops inside line %d, and its categories add up to %s", ErrTruncated, p.line, short)
	}
	return p.emit(sink)
}

// Value slots of one NMT sample, in sample-type order.
const (
	nmtReserved = iota
	nmtCommitted
	nmtMalloc
	nmtMallocCount
	nmtMmapReserved
	nmtMmapCommitted
	nmtArena
	nmtSlots
)

// nmtJavaFrame stands for every frame without a symbol: Java code.
const nmtJavaFrame = "[java]"

// nmtUnattributed labels the difference between Total and the categories.
const nmtUnattributed = "[unattributed]"

// nmtVals holds current values and deltas (diff reports) in bytes.
type nmtVals struct {
	cur, delta [nmtSlots]int64
}

func (v *nmtVals) add(o *nmtVals) {
	for i := range v.cur {
		v.cur[i] += o.cur[i]
		v.delta[i] += o.delta[i]
	}
}

type nmtCategory struct {
	name string
	line int
	vals nmtVals
	// parts is what the sub-lines account for of reserved (malloc, mmap,
	// stack, arena, tracking overhead), to tell a category cut off at the
	// end of the input.
	parts, partsDelta int64
	nparts            int
}

type nmtFrame struct{ fn, module string }

type nmtSite struct {
	frames   []uint32 // frames, innermost first, by index in nmtParser.frames
	category string
	line     int
	vals     nmtVals
}

type nmtRegionSum struct {
	reserved, committed int64
	regions             int
}

type nmtParser struct {
	name    string
	lr      *lineReader
	line    int
	text    []byte
	pending bool // text holds a line not consumed yet
	// held is a line read after blank lines, delivered after the one
	// blank line that stands for them.
	held     bool
	heldText []byte
	heldLine int
	atEOF    bool // the input was read to its end

	pid       int
	producer  string
	unit      string // scale unit as printed: "KB", "MB", "GB" or "" (bytes)
	scale     int64
	totalLine int
	total     nmtVals
	diff      bool
	omitting  string // "1KB" from "(Omitting categories weighting less than 1KB)"
	catOrder  []string
	cats      map[string]*nmtCategory
	detail    bool
	sawVMMap  bool
	sawDetail bool // a Details: header or a call site
	section   nmtSection
	vmmap     map[string]*nmtRegionSum
	vmmapLast string // category of the last reserved region, for its committed sub-regions
	region    nmtMapRegion
	// spans sums the map's reserved regions by reserving stack
	// (appendFramesKey) and category: what splitBySpans splits a Details site
	// covering two categories by.
	spans   map[string]map[string]*nmtRegionSum
	sites   []*nmtSite
	siteIdx map[string]int
	// site is the Details call site being read (its frames so far); the
	// record is reused, and copied when it is a new site.
	site     nmtSite
	inSite   bool
	frames   nmtFrames
	strs     map[string]string // category and type names, each kept once
	siteCats map[string]string // siteCategory by site type
	key      []byte            // scratch for site keys
	warnings []error
}

func newNMTParser(r io.Reader, name string) *nmtParser {
	return &nmtParser{name: name, lr: newLineReader(r), cats: map[string]*nmtCategory{}, siteIdx: map[string]int{}}
}

func (p *nmtParser) errorf(line int, format string, args ...any) error {
	return errorf(FormatNMT, p.name, line, format, args...)
}

func (p *nmtParser) warnf(line int, format string, args ...any) {
	if len(p.warnings) >= 20 {
		return
	}
	p.warnings = append(p.warnings, errorf(FormatNMT, p.name, line, format, args...))
}

// nextLine returns the next line (valid until the following call), or
// false at the end of the input. A run of blank lines comes as one empty
// line numbered as its first: every rule of the format treats them alike.
func (p *nmtParser) nextLine() ([]byte, bool, error) {
	switch {
	case p.pending:
		p.pending = false
		return p.text, true, nil
	case p.held:
		p.held, p.line, p.text = false, p.heldLine, p.heldText
		return p.text, true, nil
	}
	text, err := p.lr.next()
	blanks := p.lr.blanks
	if err != nil && err != io.EOF {
		return nil, false, &ParseError{Format: FormatNMT, Name: p.name, Line: p.lr.n + 1, Err: err}
	}
	if err == io.EOF {
		if blanks > 0 {
			p.line, p.text = p.lr.n-blanks+1, nil
			return p.text, true, nil
		}
		p.line, p.atEOF = p.lr.n, true
		return nil, false, nil
	}
	if p.lr.long {
		return nil, false, p.errorf(p.lr.n, "%w", errLineTooLong)
	}
	if blanks > 0 {
		p.held, p.heldText, p.heldLine = true, text, p.lr.n
		p.line, p.text = p.lr.n-blanks, nil
		return p.text, true, nil
	}
	p.line, p.text = p.lr.n, text
	return text, true, nil
}

// next is nextLine as a string, for the header and summary, whose few
// lines the regular expressions read.
func (p *nmtParser) next() (string, bool, error) {
	b, ok, err := p.nextLine()
	return string(b), ok, err
}

func (p *nmtParser) unread() { p.pending = true }

// Line shapes. Amounts read "<digits><unit>" where the unit is the report's
// scale ("KB", "MB", "GB", or nothing for bytes); diff reports follow an
// amount with a signed delta, "+8216KB" (JDK 17 prints arena deltas without
// the unit: "+9").
const (
	nmtAmt   = `(\d+)([A-Za-z]*)`
	nmtDelta = `(?: ([+-]\d+)([A-Za-z]*))?`
	nmtCount = `(?:,? #(\d+)(?: ([+-]\d+))?)?`
)

var (
	// nmtVersionLine matches java -version output: `openjdk version "1.8.0_131"`.
	nmtVersionLine = regexp.MustCompile(`^(openjdk|java) version "([^"]+)"`)
	// nmtOmitLine matches "(Omitting categories weighting less than 1KB)".
	nmtOmitLine = regexp.MustCompile(`^\(Omitting categories weighting less than 1([A-Za-z]*)\)$`)
	// nmtTotalLine matches "Total: reserved=1731481KB, committed=345497KB" and
	// "Total: reserved=1731478KB +49290KB, committed=345494KB +41934KB".
	nmtTotalLine = regexp.MustCompile(`^Total:\s+reserved=` + nmtAmt + nmtDelta + `,\s+committed=` + nmtAmt + nmtDelta + `\s*$`)
	// nmtTotalUnit finds the unit of a Total: line that nmtTotalLine did not
	// match, such as "Total: reserved=1731481TB, committed=345497TB".
	nmtTotalUnit = regexp.MustCompile(`reserved=\d+([A-Za-z]*)`)
	// nmtCategoryLine matches "-                 Java Heap (reserved=262144KB, committed=262144KB)"
	// and "-        Shared class space (reserved=16384KB, committed=13908KB, readonly=0KB)".
	// The dash is optional: reports pasted through Markdown lose it.
	nmtCategoryLine = regexp.MustCompile(`^-?\s*([^\s(:].*?)\s*\(reserved=` + nmtAmt + nmtDelta + `, committed=` + nmtAmt + nmtDelta + `(?:, readonly=` + nmtAmt + nmtDelta + `)?\)\s*$`)
	// nmtMallocLine matches "(malloc=121KB #1462) (peak=123KB #1470)",
	// "(malloc=98KB tag=Class #1499)", "(malloc=424KB, #1000)",
	// "(malloc=48128KB type=Other #6016) (peak=48768KB #6018)",
	// "(malloc=98306KB type=Other +81920KB #13 +10)" and "(malloc=0KB type=Arena Chunk -32KB)".
	nmtMallocLine = regexp.MustCompile(`^\(malloc=` + nmtAmt + `(?:,? (?:type|tag)=([^#()]*?))?` + nmtDelta + nmtCount + `\)`)
	// nmtMmapLine matches "(mmap: reserved=262144KB, committed=262144KB) ",
	// "(mmap: reserved=…, committed=…, at peak)", "(…, peak=20KB)",
	// "(…, largest_committed=0KB)" and the detail.diff site form
	// "(mmap: reserved=29696KB +8192KB, committed=2352KB +836KB Type=Thread Stack)";
	// "(stack: reserved=30720KB, committed=2480KB)" has the same shape.
	nmtMmapLine = regexp.MustCompile(`^\((mmap|stack): reserved=` + nmtAmt + nmtDelta + `, committed=` + nmtAmt + nmtDelta + `(?: (?:Type|Tag|type|tag)=([^()]*?))?(?:,[^()]*)?\)`)
	// nmtUntypedSiteLine matches a detail.diff malloc site that JDK 17 and 25
	// print without "malloc=" and without a type: "(26KB +11KB #19 +8)".
	nmtUntypedSiteLine = regexp.MustCompile(`^\(` + nmtAmt + nmtDelta + nmtCount + `\)`)
	// nmtArenaLine matches "(arena=33KB #58) (peak=87KB #40)" and "(arena=33KB +9 #58 +16)".
	nmtArenaLine = regexp.MustCompile(`^\(arena=` + nmtAmt + nmtDelta + nmtCount + `\)`)
	// nmtOverheadLine matches "(tracking overhead=1575KB)".
	nmtOverheadLine = regexp.MustCompile(`^\(tracking overhead=` + nmtAmt + nmtDelta + `\)`)
	// nmtVMSiteLine matches a virtual memory site of Details:
	// "(reserved=262144KB, committed=262144KB Type=Java Heap)" or "… Tag=Class)".
	nmtVMSiteLine = regexp.MustCompile(`^\(reserved=` + nmtAmt + nmtDelta + `, committed=` + nmtAmt + nmtDelta + `(?: (?:Type|Tag|type|tag)=([^()]*?))?\)`)
	// nmtJcmdMessage matches what jcmd VM.native_memory prints instead of a
	// report (JDK 8 to 25): "Native memory tracking is not enabled",
	// "Detail tracking is not enabled" (detail asked of a JVM tracking at
	// summary level), "No baseline for comparison" (a diff before baseline),
	// "Native memory tracking has been shutdown" / "… turned off", and
	// "Incorrect scale value: TB", and the header of
	// "VM.native_memory statistics" (NMT's own bookkeeping, no report).
	nmtJcmdMessage = regexp.MustCompile(`(?m)^(Native memory tracking is not enabled|Detail tracking is not enabled|No baseline for comparison|Native memory tracking has been (?:shut ?down|turned off)|Incorrect scale value: .*?|Native Memory Tracking Statistics:)\s*$`)
)

// nmtJcmdHint says what to do about a jcmd message matched by nmtJcmdMessage.
func nmtJcmdHint(msg string) string {
	switch {
	case strings.HasPrefix(msg, "Native memory tracking is not enabled"):
		return "start the JVM with -XX:NativeMemoryTracking=summary or =detail"
	case strings.HasPrefix(msg, "Detail tracking"):
		return "the JVM tracks at summary level: take a summary report, or start it with -XX:NativeMemoryTracking=detail"
	case strings.HasPrefix(msg, "No baseline"):
		return "run jcmd PID VM.native_memory baseline before summary.diff or detail.diff"
	case strings.HasPrefix(msg, "Incorrect scale"):
		return "use scale=KB, MB or GB"
	case strings.HasPrefix(msg, "Native Memory Tracking Statistics"):
		return "VM.native_memory statistics describes NMT's own tables, not memory: take summary or detail"
	}
	return "NMT stopped tracking in that JVM"
}

// amount converts a matched amount (and optional delta) to bytes.
func (p *nmtParser) amount(line int, digits, unit, ddigits, dunit string) (cur, delta int64, err error) {
	cur, err = p.number(line, digits, unit, false)
	if err != nil || ddigits == "" {
		return cur, 0, err
	}
	delta, err = p.number(line, ddigits, dunit, true)
	return cur, delta, err
}

func (p *nmtParser) number(line int, digits, unit string, isDelta bool) (int64, error) {
	if unit != p.unit && !(isDelta && unit == "") {
		if _, ok := nmtScales[unit]; !ok {
			return 0, p.errorf(line, "unknown scale %q in %q", unit, digits+unit)
		}
		return 0, p.errorf(line, "amount %q is not in the report's scale %q", digits+unit, p.unitName())
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n > (1<<62)/p.scale || n < -(1<<62)/p.scale {
		return 0, p.errorf(line, "number %q out of range", digits)
	}
	return n * p.scale, nil
}

func (p *nmtParser) count(line int, digits, ddigits string) (cur, delta int64, err error) {
	if digits == "" {
		return 0, 0, nil
	}
	cur, err = strconv.ParseInt(digits, 10, 64)
	if err == nil && ddigits != "" {
		delta, err = strconv.ParseInt(ddigits, 10, 64)
	}
	if err != nil {
		return 0, 0, p.errorf(line, "count %q out of range", digits)
	}
	return cur, delta, nil
}

func (p *nmtParser) unitName() string {
	if p.unit == "" {
		return "bytes"
	}
	return p.unit
}

// nmtScales are the units jcmd prints (scale=KB|MB|GB; bytes at exit).
var nmtScales = map[string]int64{"": 1, "B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30}

func (p *nmtParser) parse() error {
	if err := p.parseHeader(); err != nil {
		return err
	}
	if err := p.parseCategories(); err != nil {
		return err
	}
	return p.parseSections()
}

// parseHeader reads up to and including the Total: line and the lines that
// belong to it.
func (p *nmtParser) parseHeader() error {
	if err := p.findReport(); err != nil {
		return err
	}
	for {
		text, ok, err := p.next()
		if err != nil {
			return err
		}
		if !ok {
			return p.errorf(p.line, "report %w before its Total: line", ErrTruncated)
		}
		t := strings.TrimSpace(text)
		if t == "" {
			continue
		}
		if m := nmtOmitLine.FindStringSubmatch(t); m != nil {
			p.omitting = "1" + m[1]
			continue
		}
		if strings.HasPrefix(t, "Total:") {
			return p.parseTotal(t)
		}
		return p.errorf(p.line, "want %q line, got %q", "Total: reserved=…, committed=…", clip(t, 80))
	}
}

// findReport reads up to the "Native Memory Tracking:" line. What comes
// before it is jcmd's "<pid>:" line, or the program's own output around
// -XX:+PrintNMTStatistics (terminal escape sequences included), which may
// be long: each line is looked at by its first bytes, and only a line that
// starts like java -version's or like a jcmd message is matched further.
func (p *nmtParser) findReport() error {
	nonBlank := 0
	for {
		text, ok, err := p.nextLine()
		if err != nil {
			return err
		}
		if !ok {
			if p.line == 0 {
				return &ParseError{Format: FormatNMT, Name: p.name, Err: ErrEmpty}
			}
			return p.errorf(0, "no %q header: not an NMT report", "Native Memory Tracking:")
		}
		t := bytes.TrimSpace(text)
		if len(t) == 0 {
			continue
		}
		if bytes.IndexByte(t, 0x1b) >= 0 {
			t = bytes.TrimSpace(stripEscapes(t))
		}
		nonBlank++
		if string(t) == "Native Memory Tracking:" {
			return nil
		}
		if err := p.preambleLine(t, nonBlank == 1); err != nil {
			return err
		}
	}
}

// preambleLine reads a line before the report: jcmd's "7937:" (first),
// `openjdk version "17.0.15"` (Producer), or a jcmd message that stands
// instead of a report.
func (p *nmtParser) preambleLine(t []byte, first bool) error {
	switch {
	case first && len(t) > 1 && t[len(t)-1] == ':':
		if pid, ok := parseDecimal(t[:len(t)-1]); ok && pid <= math.MaxInt32 {
			p.pid = int(pid)
		}
	case bytes.HasPrefix(t, []byte("openjdk version ")) || bytes.HasPrefix(t, []byte("java version ")):
		if m := nmtVersionLine.FindStringSubmatch(string(t)); m != nil {
			p.producer = map[string]string{"openjdk": "OpenJDK", "java": "Java"}[m[1]] + " " + m[2]
		}
	case bytes.HasPrefix(t, []byte("Native ")) || bytes.HasPrefix(t, []byte("Detail ")) ||
		bytes.HasPrefix(t, []byte("No baseline")) || bytes.HasPrefix(t, []byte("Incorrect scale")):
		if s := string(t); nmtJcmdMessage.MatchString(s) {
			return p.errorf(p.line, "no report: jcmd printed %q (%s)", s, nmtJcmdHint(s))
		}
	}
	return nil
}

// stripEscapes removes terminal escape sequences (CSI "ESC [ … final" and
// OSC "ESC ] … BEL or ESC \\") from a line of program output.
func stripEscapes(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != 0x1b || i+1 >= len(b) {
			out = append(out, b[i])
			continue
		}
		switch b[i+1] {
		case '[':
			j := i + 2
			for j < len(b) && (b[j] < 0x40 || b[j] > 0x7e) {
				j++
			}
			i = j
		case ']':
			j := i + 2
			for j < len(b) && b[j] != 0x07 && !(b[j] == 0x1b && j+1 < len(b) && b[j+1] == '\\') {
				j++
			}
			if j < len(b) && b[j] == 0x1b {
				j++
			}
			i = j
		default:
			i++
		}
	}
	return out
}

func (p *nmtParser) parseTotal(t string) error {
	m := nmtTotalLine.FindStringSubmatch(t)
	if m == nil {
		if u := nmtTotalUnit.FindStringSubmatch(t); u != nil {
			if _, ok := nmtScales[u[1]]; !ok {
				return p.errorf(p.line, "unknown scale %q in Total: line", u[1])
			}
		}
		return p.errorf(p.line, "malformed Total: line %q", clip(t, 80))
	}
	p.totalLine = p.line
	p.unit = m[2]
	scale, ok := nmtScales[p.unit]
	if !ok {
		return p.errorf(p.line, "unknown scale %q in Total: line", p.unit)
	}
	p.scale = scale
	var err error
	if p.total.cur[nmtReserved], p.total.delta[nmtReserved], err = p.amount(p.line, m[1], m[2], m[3], m[4]); err != nil {
		return err
	}
	if p.total.cur[nmtCommitted], p.total.delta[nmtCommitted], err = p.amount(p.line, m[5], m[6], m[7], m[8]); err != nil {
		return err
	}
	p.diff = m[3] != "" || m[7] != ""
	if p.scale >= 1<<20 {
		p.warnf(p.line, "values rounded to %s; NMT omitted categories under 1%s", p.unit, p.unit)
	}
	return nil
}

// parseCategories reads the summary: the lines under Total: (malloc:, mmap:)
// then every "- Name (reserved=…, committed=…)" block with its sub-lines.
func (p *nmtParser) parseCategories() error {
	var cur *nmtCategory
	for {
		text, ok, err := p.next()
		if err != nil {
			return err
		}
		if !ok {
			return p.finishCategory(cur, true)
		}
		t := strings.TrimSpace(text)
		switch {
		case t == "":
			continue
		case strings.HasPrefix(text, "-"):
			if err := p.finishCategory(cur, false); err != nil {
				return err
			}
			if cur, err = p.parseCategoryLine(text); err != nil {
				return err
			}
		case (text[0] == ' ' || text[0] == '\t') && !strings.HasPrefix(t, "(") && nmtCategoryLine.MatchString(text):
			// A category line that lost its dash.
			if err := p.finishCategory(cur, false); err != nil {
				return err
			}
			if cur, err = p.parseCategoryLine(text); err != nil {
				return err
			}
		case cur == nil && (strings.HasPrefix(t, "malloc") || strings.HasPrefix(t, "mmap")):
			// Totals by kind under Total: ("malloc: 59529KB #100817",
			// "mmap:   reserved=…" or, in JDK 25 diffs, "malloc=…KB +…KB #n +m").
			continue
		case text[0] == ' ' || text[0] == '\t' || strings.HasPrefix(text, ":"):
			if cur == nil {
				p.warnf(p.line, "skipped line %q before the first category", clip(t, 80))
				continue
			}
			if err := p.parseSubLine(cur, t); err != nil {
				return err
			}
		default:
			// The summary ends: Virtual memory map:, Memory file details,
			// Details:, or (detail.diff) the first call site.
			if err := p.finishCategory(cur, false); err != nil {
				return err
			}
			p.unread()
			return nil
		}
	}
}

func (p *nmtParser) parseCategoryLine(text string) (*nmtCategory, error) {
	m := nmtCategoryLine.FindStringSubmatch(text)
	if m == nil {
		if err := p.checkScaleIn(text); err != nil {
			return nil, err
		}
		return nil, p.errorf(p.line, "malformed category line %q", clip(strings.TrimSpace(text), 80))
	}
	name := m[1]
	c := &nmtCategory{name: name, line: p.line}
	var err error
	if c.vals.cur[nmtReserved], c.vals.delta[nmtReserved], err = p.amount(p.line, m[2], m[3], m[4], m[5]); err != nil {
		return nil, err
	}
	if c.vals.cur[nmtCommitted], c.vals.delta[nmtCommitted], err = p.amount(p.line, m[6], m[7], m[8], m[9]); err != nil {
		return nil, err
	}
	if m[10] != "" {
		if _, _, err = p.amount(p.line, m[10], m[11], m[12], m[13]); err != nil {
			return nil, err
		}
	}
	if _, dup := p.cats[name]; dup {
		return nil, p.errorf(p.line, "category %q listed twice", name)
	}
	p.cats[name] = c
	p.catOrder = append(p.catOrder, name)
	return c, nil
}

// checkScaleIn reports an amount with an unknown unit in a line that did not
// parse, so the error names the real problem.
func (p *nmtParser) checkScaleIn(text string) error {
	for _, m := range nmtAnyAmount.FindAllStringSubmatch(text, -1) {
		if _, ok := nmtScales[m[2]]; !ok {
			return p.errorf(p.line, "unknown scale %q in %q", m[2], m[1]+m[2])
		}
	}
	return nil
}

// nmtAnyAmount finds "=123KB"-like amounts anywhere in a line.
var nmtAnyAmount = regexp.MustCompile(`=(\d+)([A-Za-z]*)[,) ]`)

func (p *nmtParser) parseSubLine(c *nmtCategory, t string) error {
	switch {
	case strings.HasPrefix(t, "(malloc="):
		v, d, n, dn, _, err := p.mallocAmounts(t)
		if err != nil {
			return err
		}
		c.vals.cur[nmtMalloc] += v
		c.vals.delta[nmtMalloc] += d
		c.vals.cur[nmtMallocCount] += n
		c.vals.delta[nmtMallocCount] += dn
		c.addPart(v, d)
	case strings.HasPrefix(t, "(mmap:") || strings.HasPrefix(t, "(stack:"):
		r, dr, cm, dc, _, err := p.mmapAmounts(t, strings.TrimSuffix(t[1:6], ":"))
		if err != nil {
			return err
		}
		c.vals.cur[nmtMmapReserved] += r
		c.vals.delta[nmtMmapReserved] += dr
		c.vals.cur[nmtMmapCommitted] += cm
		c.vals.delta[nmtMmapCommitted] += dc
		c.addPart(r, dr)
	case strings.HasPrefix(t, "(arena="):
		m := nmtArenaLine.FindStringSubmatch(t)
		if m == nil {
			return p.malformed("arena", t)
		}
		v, d, err := p.amount(p.line, m[1], m[2], m[3], m[4])
		if err != nil {
			return err
		}
		if _, _, err := p.count(p.line, m[5], m[6]); err != nil {
			return err
		}
		c.vals.cur[nmtArena] += v
		c.vals.delta[nmtArena] += d
		c.addPart(v, d)
	case strings.HasPrefix(t, "(tracking overhead="):
		m := nmtOverheadLine.FindStringSubmatch(t)
		if m == nil {
			return p.malformed("tracking overhead", t)
		}
		v, d, err := p.amount(p.line, m[1], m[2], m[3], m[4])
		if err != nil {
			return err
		}
		c.addPart(v, d)
	case strings.HasPrefix(t, "(") || strings.HasPrefix(t, ": ("):
		// Informational: (classes #908), (thread #30), (threads #29), the
		// Metadata and Class space blocks, used=, free=, waste=… =6,66%.
		// Their amounts must still read in the report's scale.
		return p.checkScaleIn(t)
	default:
		p.warnf(p.line, "skipped unknown line %q in category %q", clip(t, 80), c.name)
	}
	return nil
}

// mallocAmounts reads a "(malloc=…KB [type=X|tag=X] [+…KB] #n [+m])" line:
// bytes and their delta, the count and its delta, and the type when printed.
func (p *nmtParser) mallocAmounts(t string) (v, d, n, dn int64, typ string, err error) {
	m := nmtMallocLine.FindStringSubmatch(t)
	if m == nil {
		return 0, 0, 0, 0, "", p.malformed("malloc", t)
	}
	if v, d, err = p.amount(p.line, m[1], m[2], m[4], m[5]); err != nil {
		return
	}
	n, dn, err = p.count(p.line, m[6], m[7])
	return v, d, n, dn, strings.TrimSpace(m[3]), err
}

// mmapAmounts reads a "(mmap: reserved=…, committed=…[ Type=X])" or
// "(stack: …)" line: reserved and committed with their deltas, and the type
// when printed. what names the line in errors.
func (p *nmtParser) mmapAmounts(t, what string) (r, dr, c, dc int64, typ string, err error) {
	m := nmtMmapLine.FindStringSubmatch(t)
	if m == nil {
		return 0, 0, 0, 0, "", p.malformed(what, t)
	}
	if r, dr, err = p.amount(p.line, m[2], m[3], m[4], m[5]); err != nil {
		return
	}
	c, dc, err = p.amount(p.line, m[6], m[7], m[8], m[9])
	return r, dr, c, dc, strings.TrimSpace(m[10]), err
}

// setMalloc gives a malloc site its values: malloc'd memory counts as both
// reserved and committed.
func (s *nmtSite) setMalloc(v, d, n, dn int64) {
	for _, i := range []int{nmtReserved, nmtCommitted, nmtMalloc} {
		s.vals.cur[i], s.vals.delta[i] = v, d
	}
	s.vals.cur[nmtMallocCount], s.vals.delta[nmtMallocCount] = n, dn
}

func (p *nmtParser) malformed(what, t string) error {
	if err := p.checkScaleIn(t); err != nil {
		return err
	}
	return p.errorf(p.line, "malformed %s line %q", what, clip(t, 80))
}

func (c *nmtCategory) addPart(v, d int64) {
	c.parts += v
	c.partsDelta += d
	c.nparts++
}

// finishCategory checks that a category's sub-lines account for its
// reserved amount (within rounding), the same way wherever the category
// is. A shortfall is a warning ("its lines account for …"), except in the
// last category of an input whose categories also fall short of its
// Total: line: categories are missing too, so the report was cut off
// there. A category printed without a breakdown (JDK 8 and 11 print Class
// so on old releases) has nothing to check; its header values count.
func (p *nmtParser) finishCategory(c *nmtCategory, atEOF bool) error {
	if atEOF && c == nil && len(p.catOrder) == 0 {
		return p.errorf(p.line, "report %w after its Total: line: no categories", ErrTruncated)
	}
	if c == nil {
		return nil
	}
	tolerance := int64(c.nparts+1) * p.scale
	short := c.vals.cur[nmtReserved] - c.parts
	if short <= tolerance {
		return nil
	}
	if atEOF && p.categoriesShort() != "" {
		return p.errorf(p.line, "report %w in category %q (line %d): its lines account for %d of %d bytes reserved, and the categories for %s",
			ErrTruncated, c.name, c.line, c.parts, c.vals.cur[nmtReserved], p.categoriesShort())
	}
	if c.nparts > 0 {
		p.warnf(c.line, "category %q: its lines account for %d of %d bytes reserved", c.name, c.parts, c.vals.cur[nmtReserved])
	}
	return nil
}

// checkTotal warns when the categories do not add up to the Total: line
// beyond rounding: categories were omitted or the report is incomplete.
func (p *nmtParser) checkTotal() {
	if short := p.categoriesShort(); short != "" {
		p.warnf(p.totalLine, "categories add up to %s; the rest is counted as %s (categories omitted or report incomplete)",
			short, nmtUnattributed)
	}
}

// categoriesShort says how the categories' sum differs from the Total:
// line beyond rounding ("1628660736 of 1751847936 bytes reserved"), or
// returns "" when they add up.
func (p *nmtParser) categoriesShort() string {
	var sum [2]int64
	for _, c := range p.cats {
		sum[0] += c.vals.cur[nmtReserved]
		sum[1] += c.vals.cur[nmtCommitted]
	}
	tolerance := int64(len(p.cats)+1) * p.scale
	for i, what := range []string{"reserved", "committed"} {
		d := p.total.cur[i] - sum[i]
		if d > tolerance || d < -tolerance {
			return fmt.Sprintf("%d of %d bytes %s", sum[i], p.total.cur[i], what)
		}
	}
	return ""
}

// comments describe the report's scale and its virtual memory map.
func (p *nmtParser) comments() []string {
	out := []string{fmt.Sprintf("nmt scale=%s", p.unitName())}
	if p.omitting != "" {
		out = append(out, "nmt omitted categories under "+p.omitting)
	}
	names := make([]string, 0, len(p.vmmap))
	for n := range p.vmmap {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		r := p.vmmap[n]
		out = append(out, fmt.Sprintf("nmt virtual memory map: %s reserved=%d committed=%d regions=%d", n, r.reserved, r.committed, r.regions))
	}
	return out
}
