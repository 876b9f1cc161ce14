package parsers

import (
	"errors"
	"fmt"
	"io"
)

// This file reads the protobuf wire format from a stream, for the streaming
// pprof decoder: varints, tags and length-delimited fields straight out of a
// fixed read buffer, so that decoding copies and allocates little.

// Protobuf wire types (https://protobuf.dev/programming-guides/encoding/).
const (
	wireVarint = 0
	wireI64    = 1
	wireBytes  = 2
	wireI32    = 5
)

// maxWireField is the largest length-delimited field the decoder holds in
// memory (a string, a location). Real profiles have fields of a few KiB; a
// larger one is an attack or a damaged file, and is refused rather than read.
const maxWireField = 64 << 20

// wireBufSize is the read buffer: fields up to this size are decoded in
// place, larger ones are copied out.
const wireBufSize = 256 << 10

// errVarint is a varint longer than ten bytes, or cut off by the end of its
// message.
var errVarint = errors.New("bad varint")

// wireReader reads protobuf fields from a stream through a fixed buffer.
type wireReader struct {
	r      io.Reader
	buf    []byte
	lo, hi int   // unread bytes: buf[lo:hi]
	base   int64 // stream offset of buf[0]
	eof    bool
	err    error // a read error other than EOF
}

func newWireReader(r io.Reader) *wireReader {
	return &wireReader{r: r, buf: getBlock(wireBufSize)[:wireBufSize]}
}

// release gives the read buffer back for the next reader.
func (w *wireReader) release() {
	putBlock(w.buf)
	w.buf = nil
}

// offset is the stream offset of the next unread byte.
func (w *wireReader) offset() int64 { return w.base + int64(w.lo) }

// ensure makes n ≤ len(buf) bytes readable; false when the stream ends (or
// fails) first.
func (w *wireReader) ensure(n int) bool {
	for w.hi-w.lo < n {
		if w.eof || w.err != nil {
			return false
		}
		if w.lo > 0 {
			copy(w.buf, w.buf[w.lo:w.hi])
			w.base += int64(w.lo)
			w.hi -= w.lo
			w.lo = 0
		}
		m, err := w.r.Read(w.buf[w.hi:])
		w.hi += m
		switch {
		case err == io.EOF:
			w.eof = true
		case err != nil:
			w.err = err
		}
	}
	return true
}

// atEnd reports whether the stream has no more bytes.
func (w *wireReader) atEnd() bool { return !w.ensure(1) }

// uvarint reads a varint.
func (w *wireReader) uvarint() (uint64, error) {
	if !w.ensure(10) && w.hi == w.lo {
		return 0, w.endErr()
	}
	v, n := uvarint(w.buf[w.lo:w.hi])
	if n <= 0 {
		if w.err != nil {
			return 0, w.err
		}
		if w.hi-w.lo < 10 {
			return 0, io.ErrUnexpectedEOF
		}
		return 0, errVarint
	}
	w.lo += n
	return v, nil
}

// endErr is why no more bytes came: the read error, or a cut-off stream.
func (w *wireReader) endErr() error {
	if w.err != nil {
		return w.err
	}
	return io.ErrUnexpectedEOF
}

// field reads a length-delimited field's payload: a slice of the read
// buffer, valid until the next call, or a copy when it is larger.
func (w *wireReader) field(n uint64) ([]byte, error) {
	if n > maxWireField {
		return nil, fmt.Errorf("a field of %d bytes, larger than any profile holds (limit %d)", n, maxWireField)
	}
	if int(n) <= len(w.buf) {
		if !w.ensure(int(n)) {
			return nil, w.endErr()
		}
		b := w.buf[w.lo : w.lo+int(n)]
		w.lo += int(n)
		return b, nil
	}
	out := make([]byte, n)
	k := copy(out, w.buf[w.lo:w.hi])
	w.base += int64(w.hi)
	w.lo, w.hi = 0, 0
	if _, err := io.ReadFull(w.r, out[k:]); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	w.base += int64(len(out) - k)
	return out, nil
}

// skip discards n bytes without holding them.
func (w *wireReader) skip(n uint64) error {
	for n > 0 {
		if !w.ensure(1) {
			return w.endErr()
		}
		k := min(uint64(w.hi-w.lo), n)
		w.lo += int(k)
		n -= k
	}
	return nil
}

// skipValue discards a field's value of wire type typ.
func (w *wireReader) skipValue(typ int) error {
	switch typ {
	case wireVarint:
		_, err := w.uvarint()
		return err
	case wireI64:
		return w.skip(8)
	case wireI32:
		return w.skip(4)
	case wireBytes:
		n, err := w.uvarint()
		if err != nil {
			return err
		}
		return w.skip(n)
	}
	return fmt.Errorf("unknown wire type %d", typ)
}

// uvarint decodes a varint at the start of b and returns it with its length;
// the length is 0 when b ends first and -1 past ten bytes. The one-byte case,
// most ids and small values, takes the first branch.
func uvarint(b []byte) (uint64, int) {
	if len(b) > 0 && b[0] < 0x80 {
		return uint64(b[0]), 1
	}
	var x uint64
	var s uint
	for i, c := range b {
		if i == 10 {
			return 0, -1
		}
		if c < 0x80 {
			if i == 9 && c > 1 {
				return 0, -1
			}
			return x | uint64(c)<<s, i + 1
		}
		x |= uint64(c&0x7f) << s
		s += 7
	}
	return 0, 0
}

// msgField is one field of an in-memory message: for wireBytes its payload,
// else its scalar value.
type msgField struct {
	num   uint64
	typ   int
	val   uint64
	bytes []byte
}

// nextField decodes the field at the start of b and returns the rest.
func nextField(b []byte) (msgField, []byte, error) {
	tag, n := uvarint(b)
	if n <= 0 {
		return msgField{}, nil, errVarint
	}
	b = b[n:]
	f := msgField{num: tag >> 3, typ: int(tag & 7)}
	switch f.typ {
	case wireVarint:
		f.val, n = uvarint(b)
		if n <= 0 {
			return f, nil, errVarint
		}
		return f, b[n:], nil
	case wireBytes:
		l, n := uvarint(b)
		if n <= 0 || l > uint64(len(b)-n) {
			return f, nil, io.ErrUnexpectedEOF
		}
		f.bytes = b[n : n+int(l)]
		return f, b[n+int(l):], nil
	case wireI64:
		if len(b) < 8 {
			return f, nil, io.ErrUnexpectedEOF
		}
		for i := 7; i >= 0; i-- {
			f.val = f.val<<8 | uint64(b[i])
		}
		return f, b[8:], nil
	case wireI32:
		if len(b) < 4 {
			return f, nil, io.ErrUnexpectedEOF
		}
		for i := 3; i >= 0; i-- {
			f.val = f.val<<8 | uint64(b[i])
		}
		return f, b[4:], nil
	}
	return f, nil, fmt.Errorf("unknown wire type %d", f.typ)
}

// appendVarints decodes a field of repeated varints, packed (wireBytes) or
// one per field, onto dst.
func appendVarints(dst []uint64, f msgField) ([]uint64, error) {
	switch f.typ {
	case wireVarint:
		return append(dst, f.val), nil
	case wireBytes:
		return appendPacked(dst, f.bytes)
	}
	return dst, fmt.Errorf("wire type %d where varints belong", f.typ)
}

// appendPacked decodes packed varints onto dst. Location ids and values are
// mostly one to three bytes long, and have a branch each.
func appendPacked(dst []uint64, b []byte) ([]uint64, error) {
	for len(b) >= 3 {
		c0 := b[0]
		if c0 < 0x80 {
			dst = append(dst, uint64(c0))
			b = b[1:]
			continue
		}
		c1 := b[1]
		if c1 < 0x80 {
			dst = append(dst, uint64(c0&0x7f)|uint64(c1)<<7)
			b = b[2:]
			continue
		}
		c2 := b[2]
		if c2 < 0x80 {
			dst = append(dst, uint64(c0&0x7f)|uint64(c1&0x7f)<<7|uint64(c2)<<14)
			b = b[3:]
			continue
		}
		v, n := uvarint(b)
		if n <= 0 {
			return dst, errVarint
		}
		dst = append(dst, v)
		b = b[n:]
	}
	for len(b) > 0 {
		v, n := uvarint(b)
		if n <= 0 {
			return dst, errVarint
		}
		dst = append(dst, v)
		b = b[n:]
	}
	return dst, nil
}
