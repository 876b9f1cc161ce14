package parsers

import (
	"errors"
	"fmt"
	"io"
	"time"
)

// This file is the streaming pprof decoder: it reads a profile.proto message
// field by field and feeds a Sink, never building a *profile.Profile.
//
// Writers put the samples first and the locations, functions and strings
// they refer to after them (the Go runtime and the pprof library do), so the
// samples are kept until the end as their encoded bytes in large blocks (no
// object per sample); the other tables are small and decoded as they come.
// At the end the decoder checks the tables as profile.CheckValid does, then
// emits the header, the mappings and locations, and replays the samples.

// DecodePprof reads one uncompressed profile.proto message from r and feeds
// it to sink as one snapshot. name labels errors and the snapshot. Errors
// are *ParseError values with the byte offset where the input went wrong;
// an error from the sink is returned as it is.
func DecodePprof(r io.Reader, name string, sink Sink) error {
	return decodePprof(r, name, nil, sink)
}

// pprofDecoder holds a profile's tables while its stream is read.
type pprofDecoder struct {
	name string
	w    *wireReader

	strings     []string
	sampleTypes []pprofValueType
	mappings    []pprofMapping
	functions   []pprofFunction
	locations   []pprofLocation
	lines       []pprofLine // every location's lines, by pprofLocation.lines
	samples     sampleArena

	dropFrames, keepFrames, defaultType int64
	timeNanos, durationNanos, period    int64
	periodType                          *pprofValueType
	comments                            []int64
}

type pprofValueType struct{ typ, unit int64 }

type pprofMapping struct {
	id, start, limit, offset uint64
	file, buildID            int64
	flags                    [4]bool // has_functions, has_filenames, has_line_numbers, has_inline_frames
}

type pprofFunction struct {
	id                  uint64
	name, sysName, file int64
	startLine           int64
}

type pprofLocation struct {
	id, mapping, address uint64
	lines                [2]int32 // lines[lines[0]:lines[1]]
	folded               bool
	off                  int64 // stream offset, for errors
}

type pprofLine struct {
	function     uint64
	line, column int64
}

// release gives the decoder's buffers back to the pool.
func (d *pprofDecoder) release() {
	if d.w.buf != nil {
		d.w.release()
	}
	d.samples.release()
}

// fail returns a *ParseError at stream offset off; off < 0 when the
// problem is in the tables as a whole rather than at one place.
func (d *pprofDecoder) fail(off int64, err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = fmt.Errorf("protobuf %w: the stream ends inside a field", ErrTruncated)
	}
	if errors.Is(err, errVarint) {
		err = fmt.Errorf("corrupt or truncated protobuf: %w", err)
	}
	return &ParseError{Format: FormatPprof, Name: d.name, Offset: max(off+1, 0), Err: err}
}

// read decodes the stream's top-level fields until its end.
func (d *pprofDecoder) read() error {
	w := d.w
	if w.atEnd() {
		if w.err != nil {
			return &ParseError{Format: FormatPprof, Name: d.name, Err: w.err}
		}
		return &ParseError{Format: FormatPprof, Name: d.name, Err: ErrEmpty}
	}
	for !w.atEnd() {
		off := w.offset()
		tag, err := w.uvarint()
		if err != nil {
			return d.fail(off, err)
		}
		num, typ := tag>>3, int(tag&7)
		if err := d.topField(num, typ, off); err != nil {
			return err
		}
	}
	if w.err != nil {
		return &ParseError{Format: FormatPprof, Name: d.name, Offset: w.offset(), Err: w.err}
	}
	return nil
}

// topField decodes one top-level field of Profile. Fields this decoder
// does not know are skipped; a known field with the wrong wire type is an
// error, as profile.Parse makes it.
func (d *pprofDecoder) topField(num uint64, typ int, off int64) error {
	w := d.w
	known := num >= 1 && num <= 15
	wantBytes := num <= 6 || num == 11
	switch {
	case !known:
		if err := w.skipValue(typ); err != nil {
			return d.fail(off, err)
		}
		return nil
	case num == 13 && (typ == wireVarint || typ == wireBytes):
	case wantBytes != (typ == wireBytes), !wantBytes && typ != wireVarint:
		return d.fail(off, fmt.Errorf("corrupt or truncated protobuf: field %d has wire type %d", num, typ))
	}
	if typ == wireVarint {
		v, err := w.uvarint()
		if err != nil {
			return d.fail(off, err)
		}
		return d.scalar(num, int64(v), off)
	}
	n, err := w.uvarint()
	if err != nil {
		return d.fail(off, err)
	}
	b, err := w.field(n)
	if err != nil {
		return d.fail(off, err)
	}
	if num == 2 {
		// Samples are the bulk of a profile: keep their bytes for later.
		d.samples.add(b, off)
		return nil
	}
	if err := d.message(num, b, off); err != nil {
		return d.fail(off, err)
	}
	return nil
}

// scalar stores a top-level varint field.
func (d *pprofDecoder) scalar(num uint64, v int64, off int64) error {
	switch num {
	case 7:
		d.dropFrames = v
	case 8:
		d.keepFrames = v
	case 9:
		if d.timeNanos != 0 {
			// profile.Parse refuses this too: two profiles concatenated.
			return d.fail(off, errors.New("corrupt or truncated protobuf: two profiles concatenated (time_nanos twice)"))
		}
		d.timeNanos = v
	case 10:
		d.durationNanos = v
	case 12:
		d.period = v
	case 13:
		d.comments = append(d.comments, v)
	case 14:
		d.defaultType = v
	}
	return nil
}

// message decodes a length-delimited top-level field other than a sample.
func (d *pprofDecoder) message(num uint64, b []byte, off int64) error {
	switch num {
	case 1:
		vt, err := decodeValueType(b)
		d.sampleTypes = append(d.sampleTypes, vt)
		return err
	case 3:
		return d.mapping(b)
	case 4:
		return d.location(b, off)
	case 5:
		return d.function(b)
	case 6:
		if len(d.strings) == 0 && len(b) != 0 {
			return errors.New("corrupt or truncated protobuf: string_table[0] must be ''")
		}
		d.strings = append(d.strings, string(b))
	case 11:
		vt, err := decodeValueType(b)
		d.periodType = &vt
		return err
	case 13: // packed comments
		var vs []uint64
		vs, err := appendVarints(vs, msgField{typ: wireBytes, bytes: b})
		for _, v := range vs {
			d.comments = append(d.comments, int64(v))
		}
		return err
	}
	return nil
}

// eachField calls fn with every field of the message b.
func eachField(b []byte, fn func(f msgField) error) error {
	for len(b) > 0 {
		f, rest, err := nextField(b)
		if err != nil {
			return err
		}
		if err := fn(f); err != nil {
			return err
		}
		b = rest
	}
	return nil
}

// varintField checks that a field meant to be a varint is one.
func varintField(f msgField) (uint64, error) {
	if f.typ != wireVarint {
		return 0, fmt.Errorf("corrupt or truncated protobuf: field %d has wire type %d, want a varint", f.num, f.typ)
	}
	return f.val, nil
}

func decodeValueType(b []byte) (pprofValueType, error) {
	var vt pprofValueType
	err := eachField(b, func(f msgField) error {
		v, err := varintField(f)
		switch f.num {
		case 1:
			vt.typ = int64(v)
		case 2:
			vt.unit = int64(v)
		default:
			return nil
		}
		return err
	})
	return vt, err
}

func (d *pprofDecoder) mapping(b []byte) error {
	var m pprofMapping
	err := eachField(b, func(f msgField) error {
		if f.num < 1 || f.num > 10 {
			return nil
		}
		v, err := varintField(f)
		switch f.num {
		case 1:
			m.id = v
		case 2:
			m.start = v
		case 3:
			m.limit = v
		case 4:
			m.offset = v
		case 5:
			m.file = int64(v)
		case 6:
			m.buildID = int64(v)
		default:
			m.flags[f.num-7] = v != 0
		}
		return err
	})
	d.mappings = append(d.mappings, m)
	return err
}

func (d *pprofDecoder) function(b []byte) error {
	var fn pprofFunction
	err := eachField(b, func(f msgField) error {
		if f.num < 1 || f.num > 5 {
			return nil
		}
		v, err := varintField(f)
		switch f.num {
		case 1:
			fn.id = v
		case 2:
			fn.name = int64(v)
		case 3:
			fn.sysName = int64(v)
		case 4:
			fn.file = int64(v)
		case 5:
			fn.startLine = int64(v)
		}
		return err
	})
	d.functions = append(d.functions, fn)
	return err
}

func (d *pprofDecoder) location(b []byte, off int64) error {
	l := pprofLocation{off: off}
	l.lines[0] = int32(len(d.lines))
	err := eachField(b, func(f msgField) error {
		switch f.num {
		case 1, 2, 3, 5:
			v, err := varintField(f)
			switch f.num {
			case 1:
				l.id = v
			case 2:
				l.mapping = v
			case 3:
				l.address = v
			case 5:
				l.folded = v != 0
			}
			return err
		case 4:
			if f.typ != wireBytes {
				return fmt.Errorf("corrupt or truncated protobuf: a location's line has wire type %d", f.typ)
			}
			ln, err := decodeLine(f.bytes)
			d.lines = append(d.lines, ln)
			return err
		}
		return nil
	})
	l.lines[1] = int32(len(d.lines))
	d.locations = append(d.locations, l)
	return err
}

func decodeLine(b []byte) (pprofLine, error) {
	var ln pprofLine
	err := eachField(b, func(f msgField) error {
		if f.num < 1 || f.num > 3 {
			return nil
		}
		v, err := varintField(f)
		switch f.num {
		case 1:
			ln.function = v
		case 2:
			ln.line = int64(v)
		case 3:
			ln.column = int64(v)
		}
		return err
	})
	return ln, err
}

// str returns string i of the table, or an error naming what it was for.
func (d *pprofDecoder) str(i int64, what string) (string, error) {
	if i < 0 || i >= int64(len(d.strings)) {
		return "", fmt.Errorf("corrupt or truncated protobuf: %s is string %d of a table of %d", what, i, len(d.strings))
	}
	return d.strings[i], nil
}

// header builds the snapshot's Header from the decoded tables, by the rules
// of pprofSnapshot.
func (d *pprofDecoder) header() (*Header, error) {
	if len(d.sampleTypes) == 0 {
		return nil, &ParseError{Format: FormatPprof, Name: d.name, Err: errors.New("profile has no sample types")}
	}
	h := &Header{Name: d.name, Format: FormatPprof, Lifecycle: -1, Profile: &ProfileFields{}}
	var err error
	for _, st := range d.sampleTypes {
		var m Metric
		if m.Name, err = d.str(st.typ, "a sample type"); err != nil {
			return nil, d.fail(-1, err)
		}
		if m.Unit, err = d.str(st.unit, "a sample unit"); err != nil {
			return nil, d.fail(-1, err)
		}
		h.Metrics = append(h.Metrics, m)
	}
	pf := h.Profile
	pf.Period, pf.TimeNanos, pf.DurationNanos = d.period, d.timeNanos, d.durationNanos
	pt := d.periodType
	if pt == nil {
		pt = &pprofValueType{}
	}
	pf.PeriodType = &Metric{}
	for _, s := range []struct {
		i    int64
		to   *string
		for_ string
	}{
		{pt.typ, &pf.PeriodType.Name, "the period type"}, {pt.unit, &pf.PeriodType.Unit, "the period unit"},
		{d.dropFrames, &h.DropFrames, "drop_frames"}, {d.keepFrames, &h.KeepFrames, "keep_frames"},
		{d.defaultType, &h.DefaultMetric, "default_sample_type"},
	} {
		if *s.to, err = d.str(s.i, s.for_); err != nil {
			return nil, d.fail(-1, err)
		}
	}
	for _, c := range d.comments {
		s, err := d.str(c, "a comment")
		if err != nil {
			return nil, d.fail(-1, err)
		}
		pf.Comments = append(pf.Comments, s)
	}
	if d.timeNanos != 0 {
		h.Time = time.Unix(0, d.timeNanos).UTC()
	}
	if d.period > 0 {
		h.Period, h.PeriodUnit = d.period, pf.PeriodType.Unit
	}
	if isGoHeapTypes(h.Metrics) {
		h.Variant, h.Producer = "go-heap", "Go runtime"
		h.Unsampled = d.period > 1
	}
	return h, nil
}

// isGoHeapTypes recognises runtime/pprof heap profiles by their four sample
// types, as isGoHeap does.
func isGoHeapTypes(ms []Metric) bool {
	want := []string{"alloc_objects", "alloc_space", "inuse_objects", "inuse_space"}
	if len(ms) != len(want) {
		return false
	}
	for i, m := range ms {
		if m.Name != want[i] {
			return false
		}
	}
	return true
}
