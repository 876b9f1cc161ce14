package jfr

import (
	"errors"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// Sentinel causes, for errors.Is.
var (
	// ErrNotJFR means the input does not start with a JFR chunk header.
	ErrNotJFR = errors.New("not a JFR recording")
	// ErrTruncated means the input ended inside a chunk.
	ErrTruncated = errors.New("truncated")
	// ErrUnfinished means the recording was never closed: the profiler
	// died or is still writing, so its chunk has no constant pool.
	ErrUnfinished = errors.New("unfinished recording")
)

// Error is a problem at a byte offset of the file.
type Error struct {
	Offset int64
	Err    error
}

func (e *Error) Error() string { return fmt.Sprintf("byte %d: %v", e.Offset, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

// decoder reads JFR values from a byte slice that starts at file offset
// base. The first problem sticks in err (with its offset) and every later
// read returns zero values, so callers check once per record.
type decoder struct {
	b    []byte
	pos  int
	base int64
	err  *Error
}

func (d *decoder) offset() int64 { return d.base + int64(d.pos) }

// fail records the first problem at the current position.
func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = &Error{Offset: d.offset(), Err: fmt.Errorf(format, args...)}
	}
	d.pos = len(d.b)
}

// failAt records the first problem at offset off.
func (d *decoder) failAt(off int64, err error) {
	if d.err == nil {
		d.err = &Error{Offset: off, Err: err}
	}
	d.pos = len(d.b)
}

func (d *decoder) truncated(what string) {
	if d.err == nil {
		d.err = &Error{Offset: d.offset(), Err: fmt.Errorf("%w inside %s", ErrTruncated, what)}
	}
	d.pos = len(d.b)
}

// varint reads a LEB128 integer of up to 9 bytes, the ninth holding a
// whole byte (JFR's compressed integers).
func (d *decoder) varint() uint64 {
	b := d.b
	if d.pos < len(b) && b[d.pos] < 0x80 {
		d.pos++
		return uint64(b[d.pos-1])
	}
	var v uint64
	for shift, i := uint(0), d.pos; i < len(b); shift, i = shift+7, i+1 {
		c := b[i]
		if shift == 56 {
			d.pos = i + 1
			return v | uint64(c)<<56
		}
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			d.pos = i + 1
			return v
		}
	}
	d.truncated("a variable-length integer")
	return 0
}

// count reads a varint that must fit in 0..max (a length or a number of
// things, each at least a byte of what is left).
func (d *decoder) count(max int, what string) int {
	at := d.offset()
	v := d.varint()
	if v > uint64(max) {
		d.failAt(at, fmt.Errorf("%s %d is more than the %d bytes left", what, v, max))
		return 0
	}
	return int(v)
}

func (d *decoder) byte1() byte {
	if d.pos >= len(d.b) {
		d.truncated("a byte")
		return 0
	}
	c := d.b[d.pos]
	d.pos++
	return c
}

func (d *decoder) skip(n int, what string) {
	if n < 0 || n > len(d.b)-d.pos {
		d.truncated(what)
		return
	}
	d.pos += n
}

func (d *decoder) left() int { return len(d.b) - d.pos }

// String encodings of JFR.
const (
	strNull    = 0
	strEmpty   = 1
	strPoolRef = 2 // a reference into the chunk's java.lang.String pool
	strUTF8    = 3
	strChars   = 4 // varint UTF-16 code units
	strLatin1  = 5
)

// str reads an inline string. A reference to the string pool is returned
// as ref with ok false: the pool may come later in the chunk.
func (d *decoder) str() (s string, ref uint64, isRef bool) {
	at := d.offset()
	switch enc := d.byte1(); enc {
	case strNull, strEmpty:
		return "", 0, false
	case strPoolRef:
		return "", d.varint(), true
	case strUTF8, strLatin1:
		n := d.count(d.left(), "string length")
		if d.err != nil {
			return "", 0, false
		}
		raw := d.b[d.pos : d.pos+n]
		d.pos += n
		if enc == strLatin1 {
			return latin1(raw), 0, false
		}
		if !utf8.Valid(raw) {
			return string([]rune(string(raw))), 0, false // invalid bytes become U+FFFD
		}
		return string(raw), 0, false
	case strChars:
		n := d.count(d.left(), "string length")
		units := make([]uint16, 0, n)
		for i := 0; i < n && d.err == nil; i++ {
			units = append(units, uint16(d.varint()))
		}
		return string(utf16.Decode(units)), 0, false
	default:
		if d.err == nil {
			d.failAt(at, fmt.Errorf("unknown string encoding %d", enc))
		}
		return "", 0, false
	}
}

func latin1(b []byte) string {
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

// record reads the size and type that open every JFR record (event,
// metadata, constant pool) and returns a decoder limited to the record,
// positioned after its type; the receiver moves past the record. A size
// that leaves the slice is an error of both.
func (d *decoder) record(what string) (decoder, uint64) {
	start, at := d.pos, d.offset()
	size := d.varint()
	if d.err != nil {
		return *d, 0
	}
	if size < 2 || size > uint64(len(d.b)-start) {
		d.failAt(at, fmt.Errorf("%s says it is %d bytes, %d are left", what, size, len(d.b)-start))
		return *d, 0
	}
	end := start + int(size)
	r := decoder{b: d.b[:end], pos: d.pos, base: d.base}
	d.pos = end
	typ := r.varint()
	return r, typ
}
