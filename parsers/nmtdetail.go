package parsers

import (
	"bytes"
	"encoding/binary"
	"slices"
	"strings"
)

// This file reads what follows an NMT report's summary: the Virtual memory
// map, the Memory file details (skipped) and the Details call sites, the
// bulk of a detail report. Its lines are read as bytes with no regular
// expression: frames are interned once per distinct symbol, call sites
// once per distinct stack and category.

// nmtSection is the part of a detail report being read.
type nmtSection int

const (
	nmtNoSection nmtSection = iota // the call sites that follow the summary in detail.diff
	nmtVMMap                       // Virtual memory map:
	nmtFiles                       // Memory file details (JDK 25)
	nmtDetails                     // Details:
)

// parseSections reads what follows the summary in detail reports.
func (p *nmtParser) parseSections() error {
	for {
		text, ok, err := p.nextLine()
		if err != nil {
			return err
		}
		if !ok {
			return p.endSections()
		}
		done, err := p.sectionLine(text)
		if err != nil || done {
			return err
		}
	}
}

// sectionLine dispatches one line: a section header, a line of the map, or
// a line of Details. done says the report is over.
func (p *nmtParser) sectionLine(text []byte) (done bool, err error) {
	t := bytes.TrimSpace(text)
	switch {
	case len(t) == 0:
		return false, p.blankInSections()
	case string(t) == "Virtual memory map:":
		p.section, p.sawVMMap, p.detail = nmtVMMap, true, true
		p.vmmap = map[string]*nmtRegionSum{}
		return false, nil
	case string(t) == "Memory file details" || string(t) == "Memory file details:":
		p.section, p.detail = nmtFiles, true
		return false, nil
	case string(t) == "Details:":
		p.section, p.sawDetail, p.detail = nmtDetails, true, true
		return false, nil
	case string(t) == "Native Memory Tracking:":
		p.warnf(p.line, "a second report starts here; only the first is read")
		return true, nil
	case string(text) == "Metaspace:":
		// -XX:+PrintNMTStatistics at detail level (JDK 17, 25) follows
		// the report with the metaspace statistics; the report is over.
		return true, p.blankInSections()
	}
	switch p.section {
	case nmtVMMap:
		p.parseRegion(t)
		return false, nil
	case nmtFiles:
		return false, nil
	}
	return false, p.detailLine(text, t)
}

// blankInSections ends the Details call site being read, which must have
// had its values.
func (p *nmtParser) blankInSections() error {
	if p.inSite && p.section != nmtVMMap {
		return p.errorf(p.line, "call site at line %d has frames but no values", p.site.line)
	}
	return nil
}

// endSections checks how the input ended.
func (p *nmtParser) endSections() error {
	if p.inSite {
		return p.errorf(p.line, "report %w in a call site (line %d): frames without values", ErrTruncated, p.site.line)
	}
	if p.sawVMMap && !p.sawDetail {
		p.warnf(p.line, "report ends in the virtual memory map, before Details: (cut off?); sites are counted per category")
	}
	return nil
}

// detailLine reads a line of Details (or of the call sites that follow
// the summary in detail.diff): a frame, a site's values, or the count of
// omitted sites.
func (p *nmtParser) detailLine(text, t []byte) error {
	switch {
	case text[0] == '[':
		return p.frameLine(text, t)
	case isOmittedSitesLine(t):
		return p.blankInSections()
	case t[0] == '(':
		if !p.inSite {
			p.warnf(p.line, "skipped values %q without frames", clip(string(t), 80))
			return nil
		}
		if err := p.parseSiteValues(&p.site, t); err != nil {
			return err
		}
		p.addSite()
		p.inSite = false
		return nil
	}
	p.warnf(p.line, "skipped unknown line %q", clip(string(t), 80))
	return nil
}

// frameLine reads "[0x00007f42e08d0c9c] Unsafe_AllocateMemory0+0x7c", a
// frame of the call site being read (the first starts it).
func (p *nmtParser) frameLine(text, t []byte) error {
	addr, sym, ok := nmtFrameLine(text)
	if !ok {
		return p.errorf(p.line, "malformed frame line %q", clip(string(t), 80))
	}
	if !p.inSite {
		p.site = nmtSite{frames: p.site.frames[:0], line: p.line}
		p.inSite, p.sawDetail, p.detail = true, true, true
	}
	if len(p.site.frames) >= 64 {
		return p.errorf(p.line, "call site at line %d has too many frames", p.site.line)
	}
	p.site.frames = append(p.site.frames, p.frames.internAt(addr, sym))
	return nil
}

// isOmittedSitesLine reports whether t is "(1296 call sites weighting less
// than 1KB each omitted.)".
func isOmittedSitesLine(t []byte) bool {
	if len(t) < 2 || t[0] != '(' {
		return false
	}
	i := 1
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	return i > 1 && bytes.HasPrefix(t[i:], []byte(" call sites weighting less than"))
}

// nmtFrameSymbol returns what follows the address of a Details: frame line
// "[0x00007f42e08d0c9c] Unsafe_AllocateMemory0+0x7c" (or "[0x…]Symbol", or a
// bare "[0x…]"), and false when the line is no frame line.
func nmtFrameSymbol(text []byte) ([]byte, bool) {
	_, sym, ok := nmtFrameLine(text)
	return sym, ok
}

// nmtFrameLine is nmtFrameSymbol that also returns the address (0 when it
// does not fit in 64 bits).
func nmtFrameLine(text []byte) (addr uint64, sym []byte, ok bool) {
	if !bytes.HasPrefix(text, []byte("[0x")) {
		return 0, nil, false
	}
	end := bytes.IndexByte(text, ']')
	if end < 4 {
		return 0, nil, false
	}
	if _, ok := parseHexDigits(text[3:end]); !ok {
		return 0, nil, false
	}
	addr, _ = parseHex(text[3:end])
	return addr, bytes.TrimSpace(text[end+1:]), true
}

// parseHexDigits reports whether b is a non-empty run of hexadecimal
// digits (of any length: an address is not read, only recognised).
func parseHexDigits(b []byte) (int, bool) {
	for _, c := range b {
		if hexDigit[c] < 0 {
			return 0, false
		}
	}
	return len(b), len(b) > 0
}

// nmtParseFrame splits a frame's symbol "JavaMain+0x8f in libjli.so" into
// the function JavaMain and the module libjli.so; no symbol is Java code.
func nmtParseFrame(sym string) nmtFrame {
	if sym == "" {
		return nmtFrame{fn: nmtJavaFrame}
	}
	var f nmtFrame
	if i := strings.LastIndex(sym, " in "); i > 0 && !strings.ContainsAny(sym[i+4:], " \t") && sym[i+4:] != "" {
		sym, f.module = sym[:i], sym[i+4:]
	}
	if i := strings.LastIndex(sym, "+0x"); i > 0 && isHex(sym[i+3:]) {
		sym = sym[:i]
	}
	f.fn = strings.TrimSpace(sym)
	if f.fn == "" {
		f.fn = nmtJavaFrame
	}
	return f
}

func isHex(s string) bool {
	_, ok := parseHexDigits([]byte(s))
	return ok
}

// nmtFrames interns a report's frames: each distinct symbol text is split
// once, each distinct frame numbered once.
type nmtFrames struct {
	list    []nmtFrame
	byFrame map[nmtFrame]uint32
	bySym   map[string]addrSymbol // the symbol kept once, and its frame
	// addrs and atAddr remember each address's symbol: one process prints
	// the same symbol at an address every time, and a number is found
	// faster than a symbol (the symbol is still compared, so a report
	// pasted from two processes reads right).
	addrs  heapAddresses
	atAddr []addrSymbol // by index in addrs
	// javaIdx is the index of nmtJavaFrame, once hasJava.
	javaIdx uint32
	hasJava bool
}

type addrSymbol struct {
	sym   string
	frame uint32
}

// internAt is intern for the frame line of address addr.
func (fs *nmtFrames) internAt(addr uint64, sym []byte) uint32 {
	if addr == 0 {
		return fs.intern(sym)
	}
	i := fs.addrs.intern(addr)
	if int(i) < len(fs.atAddr) {
		if a := fs.atAddr[i]; a.sym == string(sym) {
			return a.frame
		}
		return fs.intern(sym) // another symbol at a known address
	}
	str := string(sym)
	a := addrSymbol{str, fs.add(nmtParseFrame(str))}
	fs.atAddr = append(fs.atAddr, a)
	return a.frame
}

// intern returns the index of the frame a frame line's symbol names.
func (fs *nmtFrames) intern(sym []byte) uint32 { return fs.symbol(sym).frame }

// symbol returns the symbol as kept and its frame.
func (fs *nmtFrames) symbol(sym []byte) addrSymbol {
	if a, ok := fs.bySym[string(sym)]; ok {
		return a
	}
	if fs.bySym == nil {
		fs.bySym = map[string]addrSymbol{}
	}
	s := string(sym)
	a := addrSymbol{s, fs.add(nmtParseFrame(s))}
	fs.bySym[s] = a
	return a
}

// java returns the index of the placeholder frame of Java code.
func (fs *nmtFrames) java() uint32 {
	if !fs.hasJava {
		fs.javaIdx, fs.hasJava = fs.add(nmtFrame{fn: nmtJavaFrame}), true
	}
	return fs.javaIdx
}

// add returns the index of frame f.
func (fs *nmtFrames) add(f nmtFrame) uint32 {
	if i, ok := fs.byFrame[f]; ok {
		return i
	}
	if fs.byFrame == nil {
		fs.byFrame = map[nmtFrame]uint32{}
	}
	i := uint32(len(fs.list))
	fs.byFrame[f] = i
	fs.list = append(fs.list, f)
	return i
}

// intern returns s as a string kept once per report.
func (p *nmtParser) intern(b []byte) string {
	if s, ok := p.strs[string(b)]; ok {
		return s
	}
	if p.strs == nil {
		p.strs = map[string]string{}
	}
	s := string(b)
	p.strs[s] = s
	return s
}

// addSite files the call site just read under its category, merging it
// with an earlier site that has the same key.
func (p *nmtParser) addSite() {
	s := &p.site
	s.category = p.siteCategoryOf(s.category)
	java := p.frames.java()
	// Runs of Java frames become one placeholder frame.
	frames := s.frames[:0]
	allJava := true
	for _, f := range s.frames {
		if f == java && len(frames) > 0 && frames[len(frames)-1] == java {
			continue
		}
		frames = append(frames, f)
		allJava = allJava && f == java
	}
	if allJava {
		// The category is the only handle ("[java]" from "[Other]"); one
		// that is a placeholder already ("[unattributed]") keeps its brackets.
		cat := s.category
		if !strings.HasPrefix(cat, "[") {
			cat = "[" + cat + "]"
		}
		frames = append(frames, p.frames.add(nmtFrame{fn: cat}))
	}
	s.frames = frames
	p.key = appendSiteKey(p.key[:0], s.category, frames)
	if i, ok := p.siteIdx[string(p.key)]; ok {
		p.sites[i].vals.add(&s.vals)
		return
	}
	kept := *s
	kept.frames = slices.Clone(frames)
	p.siteIdx[string(p.key)] = len(p.sites)
	p.sites = append(p.sites, &kept)
}

// appendSiteKey appends what a site is matched on: its category and its
// frames.
func appendSiteKey(b []byte, category string, frames []uint32) []byte {
	b = binary.AppendUvarint(b, uint64(len(category)))
	b = append(b, category...)
	return appendFramesKey(b, frames)
}

// appendFramesKey appends what a stack is matched on: its frames.
func appendFramesKey(b []byte, frames []uint32) []byte {
	for _, f := range frames {
		b = binary.AppendUvarint(b, uint64(f))
	}
	return b
}

// siteCategoryOf is siteCategory, remembered per type: a report has a few
// types and many sites.
func (p *nmtParser) siteCategoryOf(typ string) string {
	if c, ok := p.siteCats[typ]; ok {
		return c
	}
	if p.siteCats == nil {
		p.siteCats = map[string]string{}
	}
	c := p.siteCategory(typ)
	p.siteCats[typ] = c
	return c
}

// siteCategory maps a site's type to a summary category: the type itself,
// else the longest category whose name starts it ("Thread Stack" → Thread,
// which the summary reports with its stacks).
func (p *nmtParser) siteCategory(typ string) string {
	if typ == "" {
		return nmtUnattributed
	}
	if _, ok := p.cats[typ]; ok {
		return typ
	}
	best := ""
	for _, name := range p.catOrder {
		if strings.HasPrefix(typ, name+" ") && len(name) > len(best) {
			best = name
		}
	}
	if best != "" {
		return best
	}
	return typ
}

// parseRegion reads a line of the Virtual memory map: a reserved region
// "[0x00000000f0000000 - 0x0000000100000000] reserved and committed 262144KB for Java Heap from",
// a committed sub-region "[0x… - 0x…] committed 87360KB from", or a frame
// of either's stack.
func (p *nmtParser) parseRegion(t []byte) {
	if !bytes.HasPrefix(t, []byte("[0x")) {
		return // blank lines of the map
	}
	kind, digits, unit, cat, ok := parseRegionLine(t)
	if !ok {
		if !bytes.Contains(t, []byte(" - 0x")) {
			p.regionFrame(t)
		}
		return
	}
	if string(unit) != p.unit {
		p.warnf(p.line, "skipped region %q: not in the report's scale", clip(string(t), 80))
		return
	}
	n, ok := parseDecimal(digits)
	if !ok || n > (1<<62)/p.scale {
		p.warnf(p.line, "skipped region %q: number out of range", clip(string(t), 80))
		return
	}
	n *= p.scale
	if kind == "committed" {
		p.committedRegion(n)
		return
	}
	p.reservedRegion(kind, p.intern(cat), n)
}

// regionFrame reads a frame: of the reserving stack right after a reserved
// region, else of a committed sub-region's stack (not kept).
func (p *nmtParser) regionFrame(t []byte) {
	r := &p.region
	if !r.open || r.framesDone || len(r.frames) >= 64 {
		return
	}
	if addr, sym, ok := nmtFrameLine(t); ok {
		r.frames = append(r.frames, p.frames.internAt(addr, sym))
	}
}

// committedRegion adds a committed sub-region to the reserved region
// before it.
func (p *nmtParser) committedRegion(n int64) {
	if p.vmmapLast != "" {
		p.vmmap[p.vmmapLast].committed += n
	}
	if r := &p.region; r.open {
		r.committed += n
		r.framesDone = true
	}
}

// reservedRegion starts a reserved region of category cat ("" when the
// map names none).
func (p *nmtParser) reservedRegion(kind, cat string, n int64) {
	if cat == "" {
		cat = nmtUnattributed
	}
	rs := p.vmmap[cat]
	if rs == nil {
		rs = &nmtRegionSum{}
		p.vmmap[cat] = rs
	}
	rs.reserved += n
	rs.regions++
	p.vmmapLast = cat
	p.endRegion()
	p.region = nmtMapRegion{open: true, category: cat, reserved: n, frames: p.region.frames[:0]}
	if kind == "reserved and committed" {
		rs.committed += n
		p.region.committed = n
	}
}

// parseRegionLine reads a region line of the map (trimmed):
// "[0x… - 0x…] <kind> <digits><unit>[ for <category>][ from]", where kind
// is "reserved and committed", "reserved" or "committed".
func parseRegionLine(t []byte) (kind string, digits, unit, cat []byte, ok bool) {
	c := nmtCursor{t}
	if !c.lit("[0x") || !c.hex() || !c.lit(" - 0x") || !c.hex() || !c.lit("] ") {
		return "", nil, nil, nil, false
	}
	for _, k := range [...]string{"reserved and committed ", "reserved ", "committed "} {
		if c.lit(k) {
			kind = k[:len(k)-1]
			break
		}
	}
	if kind == "" {
		return "", nil, nil, nil, false
	}
	if digits, unit, ok = c.amount(); !ok {
		return "", nil, nil, nil, false
	}
	rest := bytes.TrimRight(c.b, " \t\r\n\v\f")
	switch {
	case len(rest) == 0 || string(rest) == " from":
	case bytes.HasPrefix(rest, []byte(" for ")) && len(rest) > 5:
		cat = rest[5:]
		if trimmed, ok := bytes.CutSuffix(cat, []byte(" from")); ok && len(trimmed) > 0 {
			cat = trimmed
		}
	default:
		return "", nil, nil, nil, false
	}
	return kind, digits, unit, cat, true
}
