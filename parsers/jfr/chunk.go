package jfr

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
)

// HeaderSize is the size of a chunk header.
const HeaderSize = 68

// Magic opens every chunk.
var Magic = []byte("FLR\x00")

// Header is a chunk header. Offsets are relative to the chunk's start.
type Header struct {
	Major, Minor   uint16
	Size           int64
	PoolOffset     int64 // the last constant pool record
	MetaOffset     int64 // the metadata record
	StartNanos     int64 // wall clock, nanoseconds since the Unix epoch
	DurationNanos  int64
	StartTicks     int64
	TicksPerSecond int64
	Features       uint32
}

// Chunk is one decoded chunk: its metadata, constant pools and the
// position of its native-memory events. It holds the chunk's bytes, which
// the Reader reuses: a Chunk is valid until the next call to Next.
type Chunk struct {
	// Offset is where the chunk starts in the file.
	Offset int64
	Header Header
	// Settings are the jdk.ActiveSetting events by name, the last value
	// winning (async-profiler: "version", "event", "nativemem", ...).
	Settings map[string]string
	// JVM describes the recorded JVM (jdk.JVMInformation), when written.
	JVM JVMInfo
	// Mallocs and Frees count the chunk's profiler.Malloc and
	// profiler.Free events.
	Mallocs, Frees int

	data   []byte
	types  map[uint64]*Type
	byName map[string]*Type
	pools
	events eventIndex
}

// JVMInfo is what a jdk.JVMInformation event says.
type JVMInfo struct {
	Name, Version string
	PID           int
}

// Type returns the chunk's metadata type called name, or nil.
func (c *Chunk) Type(name string) *Type { return c.byName[name] }

// Nanos converts a time in ticks of this chunk to nanoseconds since the
// Unix epoch.
func (c *Chunk) Nanos(ticks int64) int64 {
	h := &c.Header
	return h.StartNanos + int64(float64(ticks-h.StartTicks)*1e9/float64(h.TicksPerSecond))
}

// Reader reads the chunks of a recording one after the other.
type Reader struct {
	r   io.Reader
	off int64
	buf []byte
}

// NewReader returns a Reader of the recording in r.
func NewReader(r io.Reader) *Reader { return &Reader{r: r} }

// Next reads and decodes the next chunk. It returns io.EOF when the
// recording ends cleanly after a chunk (or is empty), and an *Error for a
// damaged or foreign file.
func (r *Reader) Next() (*Chunk, error) {
	start := r.off
	var head [HeaderSize]byte
	n, err := io.ReadFull(r.r, head[:])
	r.off += int64(n)
	switch {
	case err == io.EOF:
		return nil, io.EOF
	case err == io.ErrUnexpectedEOF:
		if string(head[:min(n, 4)]) != string(Magic[:min(n, 4)]) {
			return nil, notJFR(start)
		}
		return nil, &Error{Offset: r.off, Err: fmt.Errorf("%w inside the chunk header at byte %d", ErrTruncated, start)}
	case err != nil:
		return nil, &Error{Offset: r.off, Err: err}
	}
	h, herr := parseHeader(head[:], start)
	if herr != nil {
		return nil, herr
	}
	if err := r.readBody(head[:], h.Size, start); err != nil {
		return nil, err
	}
	c := &Chunk{Offset: start, Header: h, data: r.buf, Settings: map[string]string{}}
	if err := c.decode(); err != nil {
		return nil, err
	}
	return c, nil
}

func notJFR(at int64) *Error {
	return &Error{Offset: at, Err: fmt.Errorf("%w: no chunk magic \"FLR\\0\" at byte %d", ErrNotJFR, at)}
}

func parseHeader(b []byte, start int64) (Header, *Error) {
	if string(b[:4]) != string(Magic) {
		return Header{}, notJFR(start)
	}
	be := binary.BigEndian
	h := Header{
		Major: be.Uint16(b[4:]), Minor: be.Uint16(b[6:]),
		Size: int64(be.Uint64(b[8:])), PoolOffset: int64(be.Uint64(b[16:])), MetaOffset: int64(be.Uint64(b[24:])),
		StartNanos: int64(be.Uint64(b[32:])), DurationNanos: int64(be.Uint64(b[40:])),
		StartTicks: int64(be.Uint64(b[48:])), TicksPerSecond: int64(be.Uint64(b[56:])),
		Features: be.Uint32(b[64:]),
	}
	fail := func(field int64, format string, args ...any) (Header, *Error) {
		return Header{}, &Error{Offset: start + field, Err: fmt.Errorf(format, args...)}
	}
	switch {
	case h.Major != 2:
		return fail(4, "JFR version %d.%d: only 2.x is read (JDK 11+ and async-profiler)", h.Major, h.Minor)
	case h.PoolOffset == 0 || h.MetaOffset == 0:
		return fail(16, "%w: the chunk header at byte %d was never completed (the profiler did not stop; stop it or let the JVM exit before reading)", ErrUnfinished, start)
	case h.Size < HeaderSize || h.Size > 1<<40:
		return fail(8, "chunk size %d", h.Size)
	case h.PoolOffset < HeaderSize || h.PoolOffset >= h.Size:
		return fail(16, "constant pool offset %d outside the %d-byte chunk", h.PoolOffset, h.Size)
	case h.MetaOffset < HeaderSize || h.MetaOffset >= h.Size:
		return fail(24, "metadata offset %d outside the %d-byte chunk", h.MetaOffset, h.Size)
	case h.TicksPerSecond <= 0:
		return fail(56, "%d ticks per second", h.TicksPerSecond)
	}
	return h, nil
}

// readBody reads the rest of a chunk of size bytes into r.buf. The buffer
// doubles from 64 KiB while the file delivers, up to 16 MiB; a chunk that
// goes on beyond that gets one buffer of its whole size. So a bogus size in
// a short file costs about as much memory as the file, and a 100 MB chunk
// is copied a few times at most.
func (r *Reader) readBody(head []byte, size, start int64) error {
	const probe = 16 << 20
	r.buf = append(r.buf[:0], head...)
	for int64(len(r.buf)) < size {
		want := size
		if len(r.buf) < probe {
			want = min(size, int64(max(2*len(r.buf), 64<<10)))
		}
		at := len(r.buf)
		r.buf = slices.Grow(r.buf, int(want)-at)[:want]
		n, err := io.ReadFull(r.r, r.buf[at:])
		r.off += int64(n)
		if errors.Is(err, io.ErrUnexpectedEOF) || err == io.EOF {
			return &Error{Offset: r.off, Err: fmt.Errorf("%w: the chunk at byte %d says it is %d bytes, the file ends after %d",
				ErrTruncated, start, size, r.off-start)}
		}
		if err != nil {
			return &Error{Offset: r.off, Err: err}
		}
	}
	return nil
}

// decode reads the chunk's metadata, constant pools and event index.
func (c *Chunk) decode() error {
	d := &decoder{b: c.data, pos: int(c.Header.MetaOffset), base: c.Offset}
	var err *Error
	if c.types, c.byName, err = parseMetadata(d); err != nil {
		return err
	}
	if err := c.readPools(); err != nil {
		return err
	}
	return c.scanEvents()
}
