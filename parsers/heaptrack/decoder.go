// Package heaptrack decodes the recordings of heaptrack, the allocation
// tracer for Linux (`heaptrack ./prog`, `heaptrack -p PID`): the line format
// that heaptrack_interpret writes, after decompression. It turns the lines
// into allocation, free and RSS events in recording order and resolves the
// stack of an allocation into its frames, symbolised as heaptrack left them.
//
// It reads file format versions 1 to 3 (heaptrack 1.0 and later; 1.4 writes
// 3). It does not decompress (callers hand it the zstd or gzip stream's
// content), does not pair frees with allocations by address (heaptrack_interpret
// already did: a free names the allocation info it frees) and does not
// aggregate anything: memory grows with the recording's strings, instruction
// pointers, stack nodes and distinct (size, stack) pairs, never with its
// events.
package heaptrack

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
)

// The line format, one record per line, numbers in lower-case hex:
//
//	v 10400 3                  heaptrack version, file format version
//	X ./prog -n 8              the command line (debuggee)
//	I 1000 5e2939              page size, physical pages
//	s 4 main                   a string (format 3: its length first), ids from 1
//	i 55d1f311c7a5 1 14 15 17b an instruction pointer: address, module string,
//	                           then function, file, line (innermost first,
//	                           inlined callers following as more triples), ids from 1
//	t 8 7                      a stack node: instruction pointer id, parent node id (0: root), ids from 1
//	a 200000 11                an allocation info: size, stack node, ids from 0
//	+ 5                        an allocation of allocation info 5
//	- 5                        a free of an allocation of allocation info 5
//	c 1f4                      the time, milliseconds since the recording started
//	R 3ab                      the resident set size, in pages
//	A                          heaptrack attached to a running process (-p)
//	S leak:libfoo              an embedded leak suppression
//	# strings: 22              a comment

// MaxFileVersion is the newest file format version the decoder reads.
const MaxFileVersion = 3

// maxLine bounds one line; heaptrack's longest lines are demangled C++
// names, far below this.
const maxLine = 16 << 20

// ErrTruncated means the recording stops inside a line: the traced process,
// heaptrack or its compressor was killed. Every whole line before it was
// read.
var ErrTruncated = errors.New("the recording stops inside a line")

// SyntaxError is a line the decoder cannot read, or the read error that
// stopped it. Offset is where the line starts in the decompressed recording.
type SyntaxError struct {
	Line   int
	Offset int64
	Err    error
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *SyntaxError) Unwrap() error { return e.Err }

// Kind says what an Event records.
type Kind uint8

// The events of a recording.
const (
	// Alloc: Size bytes were allocated by Stack.
	Alloc Kind = iota + 1
	// Free: an allocation of Size bytes by Stack was freed.
	Free
	// RSS: the process's resident set was Size bytes.
	RSS
)

// Event is one allocation, free or RSS sample.
type Event struct {
	Kind Kind
	// Time is milliseconds since the recording started, as heaptrack's
	// clock ticked (it writes the time every 10 ms or so).
	Time int64
	Size int64
	// Stack numbers the allocating stacks from 1, in the order they first
	// allocate; AppendFrames resolves it. (heaptrack's own ids number every
	// node of its stack tree, most of which never allocate: dense ids keep
	// a reader's per-stack tables small.)
	Stack uint32
}

// Header is what the recording says about itself.
type Header struct {
	// Version is heaptrack's version, 0x010400 for 1.4.0.
	Version     uint32
	FileVersion uint32
	// Command is the traced command line, "" when the recording lacks it.
	Command string
	// PageSize is the system's page size in bytes (4096 when the recording
	// does not say), the unit of RSS samples.
	PageSize int64
	// Attached reports that heaptrack attached to a running process: what
	// it allocated before is unknown, and so are its frees.
	Attached bool
}

// VersionString prints Version as heaptrack does, "1.4.0".
func (h Header) VersionString() string {
	return fmt.Sprintf("%d.%d.%d", h.Version>>16, h.Version>>8&0xff, h.Version&0xff)
}

// Frame is one frame of a stack. Function, File and Line are what heaptrack
// found in the module's debug information or symbol table; a frame it could
// not name has only Module and IP.
type Frame struct {
	Function string
	File     string
	Line     int
	// Module is the mapped file's path, "" when heaptrack did not know it.
	Module string
	// IP is the absolute instruction pointer in the traced process: heaptrack
	// keeps no load addresses, so it only identifies a frame within one
	// recording.
	IP uint64
}

type ipInfo struct {
	addr   uint64
	module uint32
	// frames[first:first+n] are its frames, innermost first.
	first, n uint32
}

type frameRef struct {
	function, file uint32
	line           uint32
}

type traceNode struct {
	ip, parent uint32
}

type allocInfo struct {
	size  int64
	stack uint32 // dense stack id
}

// Decoder reads a recording's lines.
type Decoder struct {
	r      *bufio.Reader
	line   []byte // the current line, without its newline
	long   []byte // holds a line longer than r's buffer
	lineNo int
	start  int64 // offset of the current line
	next   int64 // offset after the current line
	held   bool  // the current line was read by ReadHeader and not handled

	hdr     Header
	sawV    bool
	sawX    bool
	now     int64
	strings []string // strings[0] is ""
	ips     []ipInfo // ips[0] is the unknown pointer
	frames  []frameRef
	traces  []traceNode // traces[0] is the root
	// stackOf maps a stack node that allocates to its dense stack id (0:
	// none yet); stackTrace maps back.
	stackOf    []uint32
	stackTrace []uint32
	infos      []allocInfo
}

// NewDecoder returns a decoder reading the decompressed recording r.
func NewDecoder(r io.Reader) *Decoder {
	return &Decoder{
		r:          bufio.NewReaderSize(r, 256<<10),
		hdr:        Header{PageSize: 4096},
		strings:    []string{""},
		ips:        []ipInfo{{}},
		traces:     []traceNode{{}},
		stackTrace: []uint32{0},
	}
}

// ReadHeader reads the lines before the first string, stack or event: the
// version, the command line and the system information. Next calls it when
// it was not called.
func (d *Decoder) ReadHeader() (Header, error) {
	for !d.sawV || !d.held {
		if err := d.readLine(); err != nil {
			if err == io.EOF {
				if !d.sawV {
					return d.hdr, d.errorf("empty recording: want a version line \"v <version> <file version>\"")
				}
				return d.hdr, nil
			}
			return d.hdr, err
		}
		if !d.sawV {
			if err := d.version(); err != nil {
				return d.hdr, d.syntax(err)
			}
			continue
		}
		if len(d.line) == 0 || (d.line[0] != 'X' && d.line[0] != 'I' && d.line[0] != '#') {
			d.held = true
			break
		}
		if _, _, err := d.handle(); err != nil {
			return d.hdr, d.syntax(err)
		}
	}
	return d.hdr, nil
}

// Header returns what the recording has said about itself so far.
func (d *Decoder) Header() Header { return d.hdr }

// Time is the recording's clock: milliseconds since it started, at the last
// line read.
func (d *Decoder) Time() int64 { return d.now }

// Line is the number of whole lines read; Offset is the decompressed byte
// offset after them.
func (d *Decoder) Line() int     { return d.lineNo }
func (d *Decoder) Offset() int64 { return d.next }

// Stacks is the number of allocating stacks so far: stack ids run from 1 to
// Stacks.
func (d *Decoder) Stacks() uint32 { return uint32(len(d.stackTrace) - 1) }

// Next returns the next allocation, free or RSS sample, and io.EOF after the
// last. Errors are *SyntaxError; one wrapping ErrTruncated or a read error
// comes after every event of the lines before it.
func (d *Decoder) Next() (Event, error) {
	if !d.sawV {
		if _, err := d.ReadHeader(); err != nil {
			return Event{}, err
		}
	}
	for {
		if d.held {
			d.held = false
		} else if err := d.readLine(); err != nil {
			return Event{}, err
		}
		if ev, ok := d.allocEvent(); ok {
			return ev, nil
		}
		ev, ok, err := d.handle()
		if err != nil {
			return Event{}, d.syntax(err)
		}
		if ok {
			return ev, nil
		}
	}
}

// allocEvent reads a well-formed "+ <info>" or "- <info>" line naming a
// defined allocation info, nearly every line of a recording, without the
// general path's bookkeeping; it leaves any other line, and every error, to
// handle.
func (d *Decoder) allocEvent() (Event, bool) {
	ln := d.line
	// At most 16 hex digits: no overflow.
	if len(ln) < 3 || len(ln) > 18 || ln[1] != ' ' || (ln[0] != '+' && ln[0] != '-') {
		return Event{}, false
	}
	var idx uint64
	for _, c := range ln[2:] {
		switch {
		case '0' <= c && c <= '9':
			idx = idx<<4 | uint64(c-'0')
		case 'a' <= c && c <= 'f':
			idx = idx<<4 | uint64(c-'a'+10)
		default:
			return Event{}, false
		}
	}
	if idx >= uint64(len(d.infos)) {
		return Event{}, false
	}
	info := d.infos[idx]
	kind := Alloc
	if ln[0] == '-' {
		kind = Free
	}
	return Event{Kind: kind, Time: d.now, Size: info.size, Stack: info.stack}, true
}

// handle reads the current line, returning its event when it is one.
func (d *Decoder) handle() (Event, bool, error) {
	ln := d.line
	if len(ln) == 0 {
		return Event{}, false, nil
	}
	if len(ln) > 1 && ln[1] != ' ' {
		return Event{}, false, fmt.Errorf("malformed line %q", clip(ln))
	}
	f := fields(ln[min(2, len(ln)):])
	switch ln[0] {
	case '+':
		return d.alloc(f, Alloc)
	case '-':
		return d.alloc(f, Free)
	case 'c':
		return Event{}, false, d.timestamp(f)
	case 'R':
		return d.rss(f)
	case 'a':
		return Event{}, false, d.allocInfo(f)
	case 't':
		return Event{}, false, d.trace(f)
	case 'i':
		return Event{}, false, d.instructionPointer(f)
	case 's':
		return Event{}, false, d.string(ln)
	case 'X':
		return Event{}, false, d.debuggee(ln)
	case 'I':
		return Event{}, false, d.systemInfo(f)
	case 'A':
		d.hdr.Attached = true
		return Event{}, false, nil
	case '#', 'S':
		return Event{}, false, nil
	case 'v':
		return Event{}, false, errors.New("second version line")
	}
	return Event{}, false, fmt.Errorf("unknown line %q", clip(ln))
}

// readLine reads the next line into d.line. At the end it returns io.EOF, or
// a *SyntaxError wrapping ErrTruncated when the last line has no newline.
func (d *Decoder) readLine() error {
	d.start = d.next
	b, err := d.r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		d.long = append(d.long[:0], b...)
		for err == bufio.ErrBufferFull && len(d.long) <= maxLine {
			b, err = d.r.ReadSlice('\n')
			d.long = append(d.long, b...)
		}
		if len(d.long) > maxLine {
			return &SyntaxError{Line: d.lineNo + 1, Offset: d.start, Err: fmt.Errorf("line longer than %d MiB", maxLine>>20)}
		}
		b = d.long
	}
	if err != nil {
		if err == io.EOF && len(b) == 0 {
			return io.EOF
		}
		if err == io.EOF {
			err = ErrTruncated
		}
		return &SyntaxError{Line: d.lineNo + 1, Offset: d.start, Err: err}
	}
	d.lineNo++
	d.next += int64(len(b))
	d.line = b[:len(b)-1]
	return nil
}

func (d *Decoder) syntax(err error) error {
	return &SyntaxError{Line: d.lineNo, Offset: d.start, Err: err}
}

func (d *Decoder) errorf(format string, args ...any) error {
	return d.syntax(fmt.Errorf(format, args...))
}

// version reads the first line, "v <heaptrack version> <file version>".
func (d *Decoder) version() error {
	ln := d.line
	if len(ln) < 2 || ln[0] != 'v' || ln[1] != ' ' {
		return fmt.Errorf("want a version line \"v <version> <file version>\", got %q", clip(ln))
	}
	f := fields(ln[2:])
	v, err := f.uint32("heaptrack version")
	if err != nil {
		return err
	}
	d.hdr.Version, d.sawV = v, true
	if f.done() {
		// heaptrack 1.0 wrote its own version, 0x010200, as the file version.
		if v != 0x010200 {
			return fmt.Errorf("file format version 0 (heaptrack %s, before 1.0) is not supported: record again with heaptrack 1.0 or later", d.hdr.VersionString())
		}
		d.hdr.FileVersion = 1
		return nil
	}
	fv, err := f.uint32("file format version")
	if err != nil {
		return err
	}
	switch {
	case fv == 0:
		return fmt.Errorf("file format version 0 (heaptrack before 1.0) is not supported: record again with heaptrack 1.0 or later")
	case fv > MaxFileVersion:
		return fmt.Errorf("file format version %d (heaptrack %s) is newer than this reader knows (%d)", fv, d.hdr.VersionString(), MaxFileVersion)
	}
	d.hdr.FileVersion = fv
	return f.end()
}

func (d *Decoder) alloc(f fields, kind Kind) (Event, bool, error) {
	idx, err := f.uint64("allocation info")
	if err != nil {
		return Event{}, false, err
	}
	if idx >= uint64(len(d.infos)) {
		return Event{}, false, fmt.Errorf("allocation info %#x not defined (%d so far)", idx, len(d.infos))
	}
	if err := f.end(); err != nil {
		return Event{}, false, err
	}
	info := d.infos[idx]
	return Event{Kind: kind, Time: d.now, Size: info.size, Stack: info.stack}, true, nil
}

// maxTime bounds the clock, in milliseconds (about 280 years), so that
// readers may count it in nanoseconds.
const maxTime = 1 << 43

func (d *Decoder) timestamp(f fields) error {
	t, err := f.int64("time")
	if err != nil {
		return err
	}
	if t > maxTime {
		return fmt.Errorf("time %#x ms is beyond any recording", t)
	}
	d.now = max(d.now, t)
	return f.end()
}

func (d *Decoder) rss(f fields) (Event, bool, error) {
	pages, err := f.int64("RSS pages")
	if err != nil {
		return Event{}, false, err
	}
	if pages > math.MaxInt64/d.hdr.PageSize {
		return Event{}, false, fmt.Errorf("RSS of %#x pages overflows", pages)
	}
	return Event{Kind: RSS, Time: d.now, Size: pages * d.hdr.PageSize}, true, f.end()
}

func (d *Decoder) allocInfo(f fields) error {
	size, err := f.int64("size")
	if err != nil {
		return err
	}
	trace, err := f.uint32("stack")
	if err != nil {
		return err
	}
	if int(trace) >= len(d.traces) {
		return fmt.Errorf("stack %#x not defined (%d so far)", trace, len(d.traces)-1)
	}
	if int(trace) >= len(d.stackOf) {
		d.stackOf = append(d.stackOf, make([]uint32, len(d.traces)-len(d.stackOf))...)
	}
	stack := d.stackOf[trace]
	if stack == 0 {
		stack = uint32(len(d.stackTrace))
		d.stackOf[trace] = stack
		d.stackTrace = append(d.stackTrace, trace)
	}
	d.infos = append(d.infos, allocInfo{size: size, stack: stack})
	return f.end()
}

func (d *Decoder) trace(f fields) error {
	ip, err := f.uint32("instruction pointer")
	if err != nil {
		return err
	}
	parent, err := f.uint32("parent")
	if err != nil {
		return err
	}
	if int(ip) >= len(d.ips) {
		return fmt.Errorf("instruction pointer %#x not defined (%d so far)", ip, len(d.ips)-1)
	}
	// A parent is always written before its children, so stacks end.
	if int(parent) >= len(d.traces) {
		return fmt.Errorf("parent stack %#x not defined (%d so far)", parent, len(d.traces)-1)
	}
	d.traces = append(d.traces, traceNode{ip: ip, parent: parent})
	return f.end()
}

// instructionPointer reads "i <address> <module> [<function> [<file> <line>
// [<function> <file> <line>]...]]".
func (d *Decoder) instructionPointer(f fields) error {
	addr, err := f.uint64("address")
	if err != nil {
		return err
	}
	module, err := d.stringID(&f, "module")
	if err != nil {
		return err
	}
	ip := ipInfo{addr: addr, module: module, first: uint32(len(d.frames))}
	for !f.done() {
		var fr frameRef
		if fr.function, err = d.stringID(&f, "function"); err != nil {
			return err
		}
		if ip.n > 0 || !f.done() {
			if fr.file, err = d.stringID(&f, "file"); err != nil {
				return err
			}
			if fr.line, err = f.uint32("line"); err != nil {
				return err
			}
		}
		d.frames = append(d.frames, fr)
		ip.n++
	}
	d.ips = append(d.ips, ip)
	return nil
}

func (d *Decoder) stringID(f *fields, what string) (uint32, error) {
	id, err := f.uint32(what)
	if err != nil {
		return 0, err
	}
	if int(id) >= len(d.strings) {
		return 0, fmt.Errorf("%s string %#x not defined (%d so far)", what, id, len(d.strings)-1)
	}
	return id, nil
}

// string reads "s <length> <text>" (file format 3) or "s <text>".
func (d *Decoder) string(ln []byte) error {
	if len(ln) < 2 {
		return errors.New("string line without a string")
	}
	text := ln[2:]
	if d.hdr.FileVersion >= 3 {
		f := fields(text)
		n, err := f.uint64("string length")
		if err != nil {
			return err
		}
		if n != uint64(len(f)) {
			return fmt.Errorf("string of length %#x holds %#x bytes", n, len(f))
		}
		text = f
	}
	d.strings = append(d.strings, string(text))
	return nil
}

func (d *Decoder) debuggee(ln []byte) error {
	if d.sawX {
		return errors.New("second command line (X): two recordings in one file?")
	}
	d.sawX = true
	if len(ln) > 2 {
		d.hdr.Command = string(ln[2:])
	}
	return nil
}

func (d *Decoder) systemInfo(f fields) error {
	size, err := f.int64("page size")
	if err != nil {
		return err
	}
	if size <= 0 {
		return fmt.Errorf("page size %d", size)
	}
	d.hdr.PageSize = size
	return nil // then the number of physical pages, which nothing here needs
}

// AppendFrames appends the frames of a stack (an Event's Stack) to dst,
// innermost first, inlined functions as frames of their own. An empty
// stack (heaptrack could not unwind) and an unknown id have no frames.
func (d *Decoder) AppendFrames(dst []Frame, stack uint32) []Frame {
	if int(stack) >= len(d.stackTrace) {
		return dst
	}
	for t := d.stackTrace[stack]; t != 0 && int(t) < len(d.traces); t = d.traces[t].parent {
		ip := d.ips[d.traces[t].ip]
		if ip.addr == 0 && ip.module == 0 && ip.n == 0 {
			continue
		}
		module := d.strings[ip.module]
		if ip.n == 0 {
			dst = append(dst, Frame{Module: module, IP: ip.addr})
			continue
		}
		for _, fr := range d.frames[ip.first : ip.first+ip.n] {
			dst = append(dst, Frame{Function: d.strings[fr.function], File: d.strings[fr.file], Line: int(fr.line), Module: module, IP: ip.addr})
		}
	}
	return dst
}

// clip shortens a line for an error message.
func clip(b []byte) string {
	if len(b) > 60 {
		return string(b[:60]) + "…"
	}
	return string(b)
}
