// Package jfrtest writes JFR recordings for tests and benchmarks: the
// metadata, settings and constant pools of a real async-profiler
// recording, with the native-memory events a test chooses, laid out as the
// profiler lays them out (per-thread-group buffers written when full, so
// that a chunk holds interleaved runs of events in time order).
package jfrtest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"

	"github.com/dumpdiff/dumpdiff/parsers/jfr"
)

// Builder builds a recording from a template chunk.
type Builder struct {
	head      []byte // the template's header
	meta      []byte // its metadata record
	settings  []byte // its records between the metadata and the pools, without native-memory events
	pool      []byte // its constant pool record
	malloc    uint64 // event type ids
	free      uint64
	mallocLay []string // field names in write order
	freeLay   []string
	stacks    []uint64
	startTick int64

	// BufferSize is how many bytes of events a buffer collects before it
	// is written to the chunk (async-profiler: 60 KiB); Buffers is how many
	// buffers there are (threads hash to one: 16). Zero values write
	// events in call order.
	BufferSize, Buffers int
	// ChunkSize starts a new chunk when the current one holds this many
	// bytes of events (0: one chunk), as async-profiler's chunksize does.
	ChunkSize int

	bufs   []bytes.Buffer
	cur    bytes.Buffer // events of the chunk being filled
	chunks [][]byte
	first  int64 // tick of the chunk's first event
	last   int64 // tick of the last event
	// Written counts the bytes of the events added.
	Written int
}

// New returns a Builder using the first chunk of the single-chunk
// async-profiler nativemem recording in data as its template.
func New(data []byte) (*Builder, error) {
	c, err := jfr.NewReader(bytes.NewReader(data)).Next()
	if err != nil {
		return nil, err
	}
	mt, ft := c.Type(jfr.MallocEvent), c.Type(jfr.FreeEvent)
	if mt == nil || ft == nil {
		return nil, errors.New("template has no profiler.Malloc or profiler.Free type")
	}
	h := c.Header
	b := &Builder{head: slices.Clone(data[:jfr.HeaderSize]), malloc: mt.ID, free: ft.ID, startTick: h.StartTicks}
	for _, f := range mt.Fields {
		b.mallocLay = append(b.mallocLay, f.Name)
	}
	for _, f := range ft.Fields {
		b.freeLay = append(b.freeLay, f.Name)
	}
	metaEnd := int(h.MetaOffset) + recordSize(data[h.MetaOffset:])
	b.meta = slices.Clone(data[h.MetaOffset:metaEnd])
	b.pool = slices.Clone(data[h.PoolOffset:h.Size])
	b.settings = withoutEvents(data[metaEnd:h.PoolOffset], mt.ID, ft.ID)
	c.StackIDs(func(id uint64) { b.stacks = append(b.stacks, id) })
	slices.Sort(b.stacks)
	return b, nil
}

// Stacks returns the ids of the template's stack traces, sorted.
func (b *Builder) Stacks() []uint64 { return b.stacks }

// StartTick is the template's first tick: events should come after it.
func (b *Builder) StartTick() int64 { return b.startTick }

// Malloc adds an allocation of size bytes at addr by thread tid with stack
// at tick t.
func (b *Builder) Malloc(t int64, tid, stack, addr uint64, size int64) {
	b.add(t, tid, b.event(b.malloc, b.mallocLay, t, tid, stack, addr, uint64(size)))
}

// Free adds a free of addr by thread tid at tick t.
func (b *Builder) Free(t int64, tid, addr uint64) {
	b.add(t, tid, b.event(b.free, b.freeLay, t, tid, 0, addr, 0))
}

// Raw adds a record of thread tid at tick t whose body (type and fields)
// the test wrote itself, malformed ones included; MallocType is the type
// id of profiler.Malloc for it.
func (b *Builder) Raw(t int64, tid uint64, body []byte) { b.add(t, tid, withSize(body)) }

// MallocType is the template's type id of profiler.Malloc.
func (b *Builder) MallocType() uint64 { return b.malloc }

func (b *Builder) event(typ uint64, layout []string, t int64, tid, stack, addr, size uint64) []byte {
	body := binary.AppendUvarint(nil, typ)
	for _, name := range layout {
		v := uint64(0)
		switch name {
		case "startTime":
			v = uint64(t)
		case "eventThread":
			v = tid
		case "stackTrace":
			v = stack
		case "address":
			v = addr
		case "size":
			v = size
		}
		body = binary.AppendUvarint(body, v)
	}
	return withSize(body)
}

// add puts an event into its thread's buffer, writing the buffer out when
// it is full, and the chunk out when it is full.
func (b *Builder) add(t int64, tid uint64, ev []byte) {
	if b.first == 0 {
		b.first = t
	}
	b.last = max(b.last, t)
	b.Written += len(ev)
	if b.Buffers <= 0 || b.BufferSize <= 0 {
		b.cur.Write(ev)
	} else {
		if b.bufs == nil {
			b.bufs = make([]bytes.Buffer, b.Buffers)
		}
		buf := &b.bufs[tid%uint64(b.Buffers)]
		buf.Write(ev)
		if buf.Len() >= b.BufferSize {
			b.cur.Write(buf.Bytes())
			buf.Reset()
		}
	}
	if b.ChunkSize > 0 && b.cur.Len() >= b.ChunkSize {
		b.flushChunk()
	}
}

// flushChunk writes the buffers and the chunk being filled.
func (b *Builder) flushChunk() {
	for i := range b.bufs {
		b.cur.Write(b.bufs[i].Bytes())
		b.bufs[i].Reset()
	}
	start := b.startTick
	if len(b.chunks) > 0 {
		start = b.first
	}
	events := slices.Concat(b.settings, b.cur.Bytes())
	b.chunks = append(b.chunks, b.chunk(events, start, b.last))
	b.cur.Reset()
	b.first = 0
}

// chunk lays out one chunk: header, metadata, events, constant pool.
func (b *Builder) chunk(events []byte, startTick, endTick int64) []byte {
	out := slices.Clone(b.head)
	out = append(out, b.meta...)
	out = append(out, events...)
	poolAt := len(out)
	out = append(out, b.pool...)
	be := binary.BigEndian
	tps := float64(be.Uint64(b.head[56:]))
	startNanos := int64(be.Uint64(b.head[32:])) + int64(float64(startTick-b.startTick)*1e9/tps)
	be.PutUint64(out[8:], uint64(len(out)))
	be.PutUint64(out[16:], uint64(poolAt))
	be.PutUint64(out[24:], jfr.HeaderSize)
	be.PutUint64(out[32:], uint64(startNanos))
	be.PutUint64(out[40:], uint64(float64(max(endTick-startTick, 0))*1e9/tps))
	be.PutUint64(out[48:], uint64(startTick))
	return out
}

// WriteTo writes the recording: every chunk, the last one holding what is
// left in the buffers.
func (b *Builder) WriteTo(w io.Writer) (int64, error) {
	if b.cur.Len() > 0 || len(b.chunks) == 0 || slices.ContainsFunc(b.bufs, func(x bytes.Buffer) bool { return x.Len() > 0 }) {
		b.flushChunk()
	}
	var n int64
	for _, c := range b.chunks {
		m, err := w.Write(c)
		n += int64(m)
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// recordSize reads the size that opens a record.
func recordSize(b []byte) int {
	v, n := binary.Uvarint(b)
	if n <= 0 {
		panic(fmt.Sprintf("jfrtest: bad record size %x", b[:min(len(b), 9)]))
	}
	return int(v)
}

// withoutEvents returns the records of region except native-memory events.
func withoutEvents(region []byte, malloc, free uint64) []byte {
	var out []byte
	for len(region) > 0 {
		n := recordSize(region)
		_, k := binary.Uvarint(region)
		typ, _ := binary.Uvarint(region[k:])
		if typ != malloc && typ != free {
			out = append(out, region[:n]...)
		}
		region = region[n:]
	}
	return out
}

// withSize prefixes a record body with its size (the size counts itself).
func withSize(body []byte) []byte {
	n := len(body) + 1
	if n < 0x80 {
		return append([]byte{byte(n)}, body...)
	}
	// A five-byte padded varint, as async-profiler writes large records.
	n = len(body) + 5
	return append([]byte{byte(n) | 0x80, byte(n>>7) | 0x80, byte(n>>14) | 0x80, byte(n>>21) | 0x80, byte(n >> 28)}, body...)
}

// Churn adds a malloc-heavy workload until the events take about size
// bytes: threads allocate with the template's stacks (sizes from 16 bytes
// to 64 KiB, log-uniform), a working set of about live allocations churns
// (a free for every malloc once it is full, of a random live block, and
// freed addresses are reused as an allocator reuses them), and one stack
// in 64 never frees (a leak). It returns how many events it added.
func (b *Builder) Churn(size, live int, seed uint64) int {
	rng := rand.New(rand.NewPCG(seed, 0x6a66))
	stacks := b.Stacks()
	leaky := stacks[len(stacks)/2]
	var held, spare []uint64 // live addresses; freed ones to reuse
	next := uint64(0x7f3a_0000_1000)
	tick := max(b.startTick, b.last)
	events, end := 0, b.Written+size
	for b.Written < end {
		tick += 2000 + int64(rng.IntN(20000)) // 12 µs apart on average at 1 GHz ticks
		tid := uint64(rng.IntN(64))
		if len(held) >= live {
			i := rng.IntN(len(held))
			addr := held[i]
			held[i] = held[len(held)-1]
			held = held[:len(held)-1]
			b.Free(tick, tid, addr)
			spare = append(spare, addr)
			events++
			continue
		}
		var addr uint64
		if n := len(spare); n > 0 && rng.IntN(4) > 0 {
			addr, spare = spare[n-1], spare[:n-1]
		} else {
			addr, next = next, next+0x10010
		}
		stack := stacks[rng.IntN(len(stacks))]
		sz := int64(16) << rng.IntN(13)
		b.Malloc(tick, tid, stack, addr, sz+int64(rng.IntN(int(sz))))
		if stack != leaky {
			held = append(held, addr)
		}
		events++
	}
	return events
}
