package parsers

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"unicode/utf8"

	"github.com/dumpdiff/dumpdiff/parsers/jfr"
	"github.com/google/pprof/profile"
	"github.com/klauspost/compress/zstd"
)

// Symbolizer fills in function names, files and lines for profiles whose
// locations carry only addresses and mappings (jemalloc and tcmalloc dumps).
// It returns problems that did not stop it, such as a binary it could not read.
type Symbolizer interface {
	Symbolize(p *profile.Profile) []error
}

// Options tune Open and Parse. The zero value detects the format and does not
// symbolise.
type Options struct {
	// Format skips detection when set.
	Format Format
	// Symbolizer symbolises address-only profiles; nil leaves frames as
	// addresses within their mappings.
	Symbolizer Symbolizer
	// CollapsedUnit is the unit of the values of collapsed stacks
	// (CollapsedBytes or CollapsedCount); "" means bytes.
	CollapsedUnit string
	// OnRead, when set, is called with the size of every read from the
	// input (the file's bytes, before decompression), for progress; it may
	// be called from another goroutine than the reader's.
	OnRead func(n int)
	// OnDecoded, when set, is called once a pprof profile's stream has
	// been read to its end, before its samples go to the sink: from then
	// on the reader holds the profile's decoded samples, not its input,
	// and a caller may start reading the next file (loader does). Other
	// formats do not call it.
	OnDecoded func()
	// Samples, when set, bounds the encoded pprof samples held by the
	// readers that share it (see SampleBudget).
	Samples *SampleBudget
	// MaxDecompressed is how many bytes a compressed input may decompress
	// to: 0 means DefaultMaxDecompressed, a negative value no limit.
	MaxDecompressed int64
	// Split cuts a recording of allocations (heaptrack, async-profiler)
	// into one snapshot per lifecycle; the zero value reads a recording as
	// one snapshot of what was live at its end. Other formats ignore it.
	Split SplitOptions
}

// A recordingReader replays a recording of allocations and frees from r
// into a Recorder (see recording.go), which calls emit with one snapshot per
// lifecycle as split says.
type recordingReader func(r io.Reader, name string, split SplitOptions, emit func(*Snapshot) error) error

// recordingReaders are the readers of formats that record allocations over
// time rather than hold one snapshot; a file in such a format may yield
// several snapshots, so OpenEach reads it.
var recordingReaders = map[Format]recordingReader{
	FormatHeaptrack: ReadHeaptrack,
	FormatJFR:       readJFR,
}

// IsRecording reports whether files of format f record allocations over
// time (one file may hold several lifecycles, see SplitOptions).
func IsRecording(f Format) bool {
	_, ok := recordingReaders[f]
	return ok
}

// sniffLen is how much of an input detection looks at: enough to find the
// "Native Memory Tracking:" header of -XX:+PrintNMTStatistics output after a
// screenful of the program's own output. It equals the reader's buffer size.
const sniffLen = 64 << 10

// Open reads the snapshot in the file at path, detecting its format from its
// content (never from its name). Gzipped files of any format are
// decompressed first. path may be a regular file or a named pipe.
func Open(path string, opts *Options) (*Snapshot, error) {
	f, err := openFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Parse(f, path, opts)
}

// openFile opens a snapshot file: a regular file or a named pipe.
func openFile(path string) (*os.File, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err // *fs.PathError already reads "stat x: no such file or directory"
	}
	if fi.IsDir() {
		return nil, &ParseError{Name: path, Err: errors.New("is a directory, not a snapshot file")}
	}
	// A named pipe is what a shell's <(curl …/debug/pprof/heap) hands over,
	// and it ends when the writer does; a device such as /dev/zero may never
	// end, so it is refused.
	if !fi.Mode().IsRegular() && fi.Mode().Type() != os.ModeNamedPipe {
		return nil, &ParseError{Name: path, Err: fmt.Errorf("not a regular file (%s)", fi.Mode().Type())}
	}
	return os.Open(path)
}

// OpenEach reads every snapshot in the file at path, as Open does, and calls
// emit with each in order: one for a snapshot format, one per lifecycle for a
// recording split by opts.Split. An error from emit stops the read.
func OpenEach(path string, opts *Options, emit func(*Snapshot) error) error {
	f, err := openFile(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return ParseEach(f, path, opts, emit)
}

// ParseEach reads every snapshot in r (see OpenEach). name labels errors and
// the snapshots.
func ParseEach(r io.Reader, name string, opts *Options, emit func(*Snapshot) error) error {
	if opts == nil {
		opts = &Options{}
	}
	in, closeIn, format, err := openFormat(r, name, opts)
	if err != nil {
		return err
	}
	defer closeIn()
	read, ok := recordingReaders[format]
	if !ok {
		snap, err := parseSnapshot(in, name, format, opts)
		if err != nil {
			return err
		}
		return emit(snap)
	}
	return read(in, name, opts.Split, func(snap *Snapshot) error {
		symbolizeSnapshot(snap, opts)
		return emit(snap)
	})
}

// Parse reads one snapshot from r. name labels errors and the Snapshot. A
// recording split into several lifecycles is refused: ParseEach reads it.
func Parse(r io.Reader, name string, opts *Options) (*Snapshot, error) {
	var snaps []*Snapshot
	err := ParseEach(r, name, opts, func(s *Snapshot) error {
		snaps = append(snaps, s)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(snaps) == 0 {
		return nil, &ParseError{Name: name, Err: errors.New("holds no snapshot")}
	}
	if len(snaps) > 1 {
		return nil, &ParseError{Format: snaps[0].Format, Name: name,
			Err: fmt.Errorf("the recording splits into %d lifecycles: read it as a series (trend, explore)", len(snaps))}
	}
	return snaps[0], nil
}

// textReaders are the streaming readers of the text formats: each feeds
// the snapshots of r to sink, line by line, naming address-only frames
// with sym when it is set. One reader serves both models: Open builds its
// Snapshot with a SnapshotBuilder sink.
var textReaders = map[Format]func(r io.Reader, name string, sym Symbolizer, sink Sink) error{
	FormatJemalloc: ReadJemalloc,
	FormatTcmalloc: ReadTcmalloc,
	FormatNMT:      ReadNMT,
}

// parseSnapshot reads one snapshot of a snapshot format from in.
func parseSnapshot(in io.Reader, name string, format Format, opts *Options) (*Snapshot, error) {
	if read, ok := textReaders[format]; ok {
		return buildSnapshot(in, name, opts.Symbolizer, read)
	}
	var snap *Snapshot
	var err error
	switch format {
	case FormatPprof:
		snap, err = ParsePprof(in, name)
	case FormatCollapsed:
		snap, err = ParseCollapsed(in, name, opts.CollapsedUnit)
	default:
		return nil, &ParseError{Name: name, Err: fmt.Errorf("unknown format %q (known: %v)", format, Formats)}
	}
	if err != nil {
		return nil, err
	}
	symbolizeSnapshot(snap, opts)
	return snap, nil
}

// buildSnapshot reads the one snapshot of r (with its Baseline, for a
// pair) with a streaming reader.
func buildSnapshot(r io.Reader, name string, sym Symbolizer, read func(io.Reader, string, Symbolizer, Sink) error) (*Snapshot, error) {
	var b SnapshotBuilder
	if err := read(r, name, sym, &b); err != nil {
		return nil, err
	}
	if snaps := b.Snapshots(); len(snaps) == 1 {
		return snaps[0], nil
	}
	return nil, &ParseError{Name: name, Err: fmt.Errorf("holds %d snapshots, want one", len(b.Snapshots()))}
}

// symbolizeSnapshot names the address-only frames of snap with opts'
// symboliser, when it has one and the producer did not symbolise already.
func symbolizeSnapshot(snap *Snapshot, opts *Options) {
	if opts.Symbolizer != nil && !snap.Symbolized && snap.Profile != nil && needsSymbols(snap.Profile) {
		snap.Warnings = append(snap.Warnings, opts.Symbolizer.Symbolize(snap.Profile)...)
		snap.Symbolized = snap.Profile.HasFunctions()
	}
}

var utf8BOM = []byte("\ufeff")

// DetectFile names the format of the file at path from its content, as Open
// does (through gzip, past a byte order mark), without parsing it. It returns
// an error wrapping ErrUnrecognized when no parser claims the file.
func DetectFile(path string) (Format, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	in, closeIn, err := openContent(f, path, 0, false)
	if err != nil {
		return "", err
	}
	defer closeIn()
	return detectContent(in, path)
}

// openFormat decompresses r (within opts.MaxDecompressed) and names its
// format: opts.Format when set, else what its content says. closeIn
// releases the decompressor; it is a no-op on error.
func openFormat(r io.Reader, name string, opts *Options) (in *bufio.Reader, closeIn func(), format Format, err error) {
	in, closeIn, err = openContent(r, name, opts.MaxDecompressed, true)
	if err != nil {
		return nil, nil, "", err
	}
	format = opts.Format
	if format == "" {
		if format, err = detectContent(in, name); err != nil {
			closeIn()
			return nil, nil, "", err
		}
	}
	return in, closeIn, format, nil
}

// openContent returns a buffered reader over r's content: decompressed when
// r is gzip or zstd (heaptrack writes zstd), under the limit of
// Options.MaxDecompressed (see decompress.go; ahead decompresses gzip in a
// goroutine, for a whole read rather than a sniff), without a leading UTF-8
// byte order mark (editors on Windows add one; it is no part of any format).
// The reader's buffer holds sniffLen bytes for detectContent.
func openContent(r io.Reader, name string, limit int64, ahead bool) (*bufio.Reader, func(), error) {
	noop := func() {}
	br := bufio.NewReaderSize(r, sniffLen)
	head, err := br.Peek(4)
	if len(head) == 0 {
		if err != nil && err != io.EOF {
			return nil, noop, &ParseError{Name: name, Err: err}
		}
		return nil, noop, &ParseError{Name: name, Err: ErrEmpty}
	}
	closeIn := noop
	switch {
	case bytes.HasPrefix(head, gzipMagic):
		in, stop, err := gunzip(br, limit, ahead)
		if err != nil {
			return nil, noop, &ParseError{Name: name, Err: err}
		}
		closeIn = stop
		br = bufio.NewReaderSize(in, sniffLen)
	case bytes.HasPrefix(head, zstdMagic):
		zr, err := zstd.NewReader(br, zstd.WithDecoderMaxWindow(zstdMaxWindow), zstd.WithDecoderConcurrency(2))
		if err != nil {
			return nil, noop, &ParseError{Name: name, Err: fmt.Errorf("zstd: %w", err)}
		}
		closeIn = zr.Close
		br = bufio.NewReaderSize(limited(&decompressedReader{r: zr, codec: "zstd"}, limit), sniffLen)
	}
	if bom, _ := br.Peek(3); bytes.Equal(bom, utf8BOM) {
		br.Discard(3)
	}
	return br, closeIn, nil
}

var (
	gzipMagic = []byte{0x1f, 0x8b}
	zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// zstdMaxWindow bounds the memory a zstd frame may ask for: heaptrack's
// zstd (level 3) uses a few MiB; zstd --long=27 uses 128 MiB.
const zstdMaxWindow = 128 << 20

// detectContent peeks at the start of br and names its format.
func detectContent(br *bufio.Reader, name string) (Format, error) {
	head, err := br.Peek(sniffLen)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) && (len(head) == 0 || !errors.Is(err, ErrTruncated)) {
		// A short compressed file cut off is still detected from what
		// it holds; its parser meets the error again and says where.
		return "", &ParseError{Name: name, Err: err}
	}
	if len(head) == 0 {
		return "", &ParseError{Name: name, Err: ErrEmpty}
	}
	format, err := Detect(head)
	if err != nil {
		return "", &ParseError{Name: name, Err: err}
	}
	return format, nil
}

// decompressedReader marks decompression failures so parsers report them as
// a damaged file rather than as a syntax error at some line; a stream cut
// short reads as ErrTruncated. The first error sticks, so that detection,
// which may meet it while peeking, leaves it for the parser.
type decompressedReader struct {
	r     io.Reader
	codec string
	err   error
}

func (d *decompressedReader) Read(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	n, err := d.r.Read(p)
	if err != nil && err != io.EOF {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("%s stream %w", d.codec, ErrTruncated)
		} else {
			err = fmt.Errorf("%s: %w", d.codec, err)
		}
		d.err = err
	}
	return n, err
}

// needsSymbols reports whether some location has an address but no function.
func needsSymbols(p *profile.Profile) bool {
	for _, l := range p.Location {
		if len(l.Line) == 0 && l.Address != 0 {
			return true
		}
	}
	return false
}

// Detect names the format of an input from its first bytes (decompressed).
// It returns ErrUnrecognized when no parser claims the input, and an error
// wrapping ErrNotSupported that names the format when it is one dumpdiff
// recognises but does not read (unreadFormats).
func Detect(head []byte) (Format, error) {
	head = bytes.TrimPrefix(head, utf8BOM)
	if len(head) == 0 {
		return "", ErrEmpty
	}
	// Before the text check: a recording's strings (paths, C++ names) need
	// not be UTF-8.
	if looksLikeHeaptrack(head) {
		return FormatHeaptrack, nil
	}
	if err := detectUnread(head); err != nil {
		return "", err
	}
	// A heap dump is known by its first line: a stray control byte further
	// on (a damaged copy) is for its reader to report with its line, not a
	// reason to call the input binary.
	text := skipHeapPreamble(head)
	switch {
	case bytes.HasPrefix(text, []byte("heap_v2/")):
		return FormatJemalloc, nil
	case bytes.HasPrefix(text, []byte("heap profile:")):
		return FormatTcmalloc, nil
	case bytes.HasPrefix(text, []byte(javaHeapzHeader)):
		// pprof's legacy Java heap profile: its library reads it.
		return FormatPprof, nil
	}
	if !looksLikeText(head) {
		if bytes.HasPrefix(head, jfr.Magic) {
			return FormatJFR, nil
		}
		// An NMT report may follow any program output; a report with a
		// stray control byte is still mostly text, unlike a protobuf.
		if mostlyText(head) && nmtHeaderLine.Match(head) {
			return FormatNMT, nil
		}
		if looksLikeProfileProto(head) {
			return FormatPprof, nil
		}
		return "", fmt.Errorf("%w (binary data%s)", ErrUnrecognized, describeMagic(head))
	}
	switch {
	case nmtHeaderLine.Match(head):
		return FormatNMT, nil
	case nmtJcmdMessage.Match(head):
		// jcmd's answer instead of a report: ParseNMT says what went wrong.
		return FormatNMT, nil
	case looksCollapsed(text, len(head) < sniffLen):
		return FormatCollapsed, nil
	}
	return "", fmt.Errorf("%w (text starting %q)", ErrUnrecognized, firstLine(text, 40))
}

// skipHeapPreamble returns head without the blank lines and the "%warn"
// lines that gperftools may write before its header.
func skipHeapPreamble(head []byte) []byte {
	text := bytes.TrimLeft(head, " \t\r\n")
	for bytes.HasPrefix(text, []byte("%warn")) {
		i := bytes.IndexByte(text, '\n')
		if i < 0 {
			break
		}
		text = bytes.TrimLeft(text[i+1:], " \t\r\n")
	}
	return text
}

// heaptrackVersionLine matches the line that opens a heaptrack recording:
// heaptrack's version and the file format version, in hex (heaptrack 1.0
// wrote only the first):
//
//	v 10400 3
var heaptrackVersionLine = regexp.MustCompile(`^v [0-9a-f]{1,8}( [0-9a-f]{1,8})?\n`)

// heaptrackSecondLine matches the line after it: the command line, system
// information, a string or a comment.
var heaptrackSecondLine = regexp.MustCompile(`^([XIsA#]( |\n)|\n)`)

// looksLikeHeaptrack reports whether head starts like a heaptrack recording.
func looksLikeHeaptrack(head []byte) bool {
	v := heaptrackVersionLine.Find(head)
	if v == nil {
		return false
	}
	rest := head[len(v):]
	return len(rest) == 0 || heaptrackSecondLine.Match(rest)
}

// nmtHeaderLine matches the line that opens every NMT report, alone on its
// line (jcmd output, or -XX:+PrintNMTStatistics after the program's own,
// whose terminal escape sequences may surround it):
//
//	Native Memory Tracking:
//
// A document that merely mentions it (this project's README) is no report.
var nmtHeaderLine = regexp.MustCompile(`(?m)^(?:[ \t]|\x1b\[[0-?]*[ -/]*[@-~])*Native Memory Tracking:(?:[ \t]|\x1b\[[0-?]*[ -/]*[@-~])*\r?$`)

// looksLikeText reports whether head is UTF-8 without control bytes other than
// tab, CR, LF and ESC (terminal escape sequences, as in coloured program
// output before an NMT report, are text). A multi-byte rune cut at the end
// of head does not count.
func looksLikeText(head []byte) bool {
	for i := 0; i < len(head); {
		r, size := utf8.DecodeRune(head[i:])
		if r == utf8.RuneError && size <= 1 {
			if len(head)-i < utf8.UTFMax && !utf8.FullRune(head[i:]) {
				return true
			}
			return false
		}
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' && r != 0x1b {
			return false
		}
		i += size
	}
	return true
}

// mostlyText reports whether at most one byte in 256 of head is a control
// byte other than tab, CR, LF and ESC: text with a stray byte, not a
// binary encoding, whose tags and lengths are small numbers.
func mostlyText(head []byte) bool {
	bad := 0
	for _, c := range head {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != 0x1b {
			bad++
		}
	}
	return bad <= len(head)/256
}

// looksLikeProfileProto reports whether head starts like a profile.proto
// message: a field tag of Profile with a plausible wire type. Every pprof
// writer we know starts with sample_type (field 1, length-delimited: 0x0a),
// but any Profile field number (1-17) is accepted.
func looksLikeProfileProto(head []byte) bool {
	tag := head[0]
	field, wire := tag>>3, tag&7
	if field < 1 || field > 15 { // single-byte tags only; fields 16-17 never come first
		return false
	}
	return wire == 0 || wire == 2
}

func describeMagic(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("\x89PNG")):
		return ", a PNG image"
	case bytes.HasPrefix(head, []byte("\x7fELF")):
		return ", an ELF binary"
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return ", a zip archive"
	}
	return ""
}

func firstLine(b []byte, max int) string {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	if len(b) > max {
		b = b[:max]
	}
	return string(bytes.TrimRight(b, "\r"))
}
