package parsers

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
)

// This file holds what the line-oriented text readers (jemalloc, tcmalloc,
// NMT) share: a line reader with bounded memory, and byte-level number
// parsing that allocates nothing, so that a reader's cost per line is the
// cost of looking at its bytes.

// maxTextLine is the longest line a text reader keeps: longer lines are
// cut there (a stack line) or refused (any other line). Real lines are far
// shorter: a stack of maxStackDepth frames takes about 80 KiB.
const maxTextLine = 4 << 20

// maxStackDepth is the most frames a stack keeps; deeper stacks keep their
// innermost frames, with one warning per input. jemalloc records at most
// 128 frames, gperftools 32 and Go 128: a few thousand leaves room for any
// producer while a 100 MB line of millions of frames costs nothing.
const maxStackDepth = 4096

// textBufSize is the read buffer of a text reader.
const textBufSize = 64 << 10

// lineReader returns an input's lines one at a time, as slices of its
// buffer. Lines holding only spaces and tabs are skipped in bulk, counted
// but never returned, so that gigabytes of newlines cost a scan of their
// bytes, not a call per line. Memory stays at maxTextLine whatever the
// input: a longer line is returned cut, with long set.
type lineReader struct {
	br *bufio.Reader
	// n is the number of the line last returned, 1-based.
	n int
	// eol reports that the line last returned ended with a newline.
	eol bool
	// long reports that the line last returned was longer than
	// maxTextLine: it holds the line's first maxTextLine bytes.
	long bool
	// blanks is the number of blank lines skipped just before the line
	// last returned (or before the end of the input, at io.EOF).
	blanks int
	// rest says that the rest of a long line is still to be dropped: done
	// at the next call, so that a reader that refuses the line reads no
	// further.
	rest bool
	buf  []byte
}

// newLineReader reads r, reusing its buffer when r is a large enough
// *bufio.Reader (as Open hands over).
func newLineReader(r io.Reader) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, textBufSize)}
}

// next returns the next line without its line ending ("\n" or "\r\n"),
// valid until the next call, and io.EOF after the last line. Any other
// error is the input's own.
func (lr *lineReader) next() ([]byte, error) {
	if lr.rest {
		if err := lr.discardLine(); err != nil {
			return nil, err
		}
	}
	before := lr.n
	if err := lr.skipBlank(); err != nil {
		return nil, err
	}
	lr.blanks = lr.n - before
	b, err := lr.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		b, err = lr.readLong(b)
	}
	if len(b) == 0 && err != nil {
		return nil, err
	}
	if err != nil && err != io.EOF {
		return nil, err
	}
	lr.n++
	lr.eol = len(b) > 0 && b[len(b)-1] == '\n'
	if lr.eol {
		b = b[:len(b)-1]
	}
	if len(b) > 0 && b[len(b)-1] == '\r' {
		b = b[:len(b)-1]
	}
	return b, nil
}

// readLong gathers a line longer than the buffer into lr.buf, up to
// maxTextLine bytes; the rest of the line is read and dropped.
func (lr *lineReader) readLong(first []byte) ([]byte, error) {
	lr.buf = append(lr.buf[:0], first...)
	lr.long = false
	for {
		b, err := lr.br.ReadSlice('\n')
		if room := maxTextLine - len(lr.buf); len(b) > room {
			lr.buf = append(lr.buf, b[:room]...)
			lr.long = true
			if errors.Is(err, bufio.ErrBufferFull) {
				lr.rest = true
				err = nil
			}
			// The line counts as ended: what the rest holds is unknown.
			return append(lr.buf, '\n'), err
		}
		lr.buf = append(lr.buf, b...)
		if !errors.Is(err, bufio.ErrBufferFull) {
			return lr.buf, err
		}
	}
}

// discardLine drops the rest of a line that was too long.
func (lr *lineReader) discardLine() error {
	lr.rest = false
	for {
		_, err := lr.br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err == io.EOF {
			return nil
		}
		return err
	}
}

// skipBlank consumes whole lines of spaces, tabs and carriage returns
// ahead, counting them; it stops at the first line holding anything else,
// or at a blank last line without a newline (which next returns, so that a
// reader sees how the input ends).
func (lr *lineReader) skipBlank() error {
	lr.long = false
	for {
		head, err := lr.br.Peek(1)
		if len(head) == 0 {
			if err == io.EOF {
				return nil
			}
			return err
		}
		if c := head[0]; c != '\n' && c != ' ' && c != '\t' && c != '\r' {
			return nil
		}
		buf, _ := lr.br.Peek(lr.br.Buffered())
		end, lines := blankPrefix(buf)
		if lines == 0 {
			if len(buf) < textBufSize && bytes.IndexByte(buf, '\n') < 0 {
				// Whitespace up to what is buffered: fill and look again,
				// unless the input ends here.
				if _, err := lr.br.Peek(len(buf) + 1); err != nil {
					return nil
				}
				continue
			}
			return nil
		}
		lr.n += lines
		lr.br.Discard(end)
	}
}

// blankPrefix returns the length of the whole blank lines at the start of
// b and their number. Runs of newlines go eight bytes at a time.
func blankPrefix(b []byte) (end, lines int) {
	const newlines = 0x0a0a0a0a0a0a0a0a
	i := 0
	for i < len(b) {
		if i+8 <= len(b) && binary.LittleEndian.Uint64(b[i:]) == newlines {
			i += 8
			end, lines = i, lines+8
			continue
		}
		switch b[i] {
		case '\n':
			end, lines = i+1, lines+1
		case ' ', '\t', '\r':
		default:
			return end, lines
		}
		i++
	}
	return end, lines
}

// errLineTooLong is the cause of a refused line longer than maxTextLine.
var errLineTooLong = errors.New("line longer than 4 MiB")

// Byte-level parsing: no allocation, no strconv round trip through a
// string.

// parseDecimal reads a non-negative decimal integer that fills b.
func parseDecimal(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' || v > math.MaxInt64/10 {
			return 0, false
		}
		d := int64(c - '0')
		v *= 10
		if v > math.MaxInt64-d {
			return 0, false
		}
		v += d
	}
	return v, true
}

// parseHex reads a hexadecimal number without prefix that fills b.
func parseHex(b []byte) (uint64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		d := hexDigit[c]
		if d < 0 || v>>60 != 0 {
			return 0, false
		}
		v = v<<4 | uint64(d)
	}
	return v, true
}

// hexDigit is the value of each byte as a hexadecimal digit, -1 if none.
var hexDigit = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = int8(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = int8(c - 'a' + 10)
		t[c-'a'+'A'] = int8(c - 'a' + 10)
	}
	return t
}()

// cutField splits b at its first run of spaces or tabs: the field before
// it and the rest after it (both without the run); field is empty when b
// is blank.
func cutField(b []byte) (field, rest []byte) {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	j := i
	for j < len(b) && b[j] != ' ' && b[j] != '\t' {
		j++
	}
	return b[i:j], b[j:]
}

// trimBlank trims spaces and tabs at both ends of b.
func trimBlank(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// warnings collects a reader's warnings, listing at most maxSkipped
// skipped lines, so that a file of a million bad lines costs memory for
// the first few only.
type warnings struct {
	list    []error
	skipped int // skipped lines, listed or not
}

// maxSkipped is how many skipped lines a reader lists.
const maxSkipped = 20

// skippedLine adds the warning about a skipped line, unless maxSkipped of
// them are listed already.
func (w *warnings) skippedLine(err error) {
	w.skipped++
	if w.skipped <= maxSkipped {
		w.list = append(w.list, err)
	}
}

// add adds a warning.
func (w *warnings) add(err error) { w.list = append(w.list, err) }

// done returns the warnings, with one saying how many skipped lines were
// not listed.
func (w *warnings) done(format Format, name string) []error {
	if n := w.skipped - maxSkipped; n > 0 {
		w.list = append(w.list, errorf(format, name, 0, "%d more lines skipped", n))
	}
	return w.list
}
