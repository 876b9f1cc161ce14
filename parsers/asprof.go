package parsers

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/dumpdiff/dumpdiff/parsers/jfr"
)

// This file reads async-profiler's native memory recordings (.jfr written
// with event=nativemem): package jfr decodes the chunks, and the events
// are replayed here into a Recorder, which cuts the recording into
// lifecycles. Stacks are interned by their frames across chunks, so ids
// stay valid whatever a chunk numbers them.

// readJFR replays the nativemem recording in r (see recordingReader).
func readJFR(r io.Reader, name string, split SplitOptions, emit func(*Snapshot) error) error {
	jr := jfr.NewReader(r)
	rp := &jfrReplay{name: name, split: split, emit: emit, stacks: jfrStacks{ids: map[string]uint32{}}}
	for {
		c, err := jr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return rp.wrap(err)
		}
		if err := rp.chunk(c); err != nil {
			return err
		}
	}
	return rp.finish()
}

// jfrReplay is the state of one recording's replay.
type jfrReplay struct {
	name  string
	split SplitOptions
	emit  func(*Snapshot) error

	rec     *Recorder
	stacks  jfrStacks
	start   int64 // wall-clock nanoseconds of the first chunk's start
	end     int64 // recording time of the last chunk's end
	period  int64 // nativemem sampling interval in bytes, 0 for every allocation
	chunks  int
	mallocs int
	frees   int
	metaAt  int64 // file offset of the first chunk's metadata, for errors
}

// wrap turns a jfr.Error into a ParseError naming the file and offset;
// other errors (from emit) pass through.
func (rp *jfrReplay) wrap(err error) error {
	var je *jfr.Error
	if errors.As(err, &je) {
		return &ParseError{Format: FormatJFR, Name: rp.name, Offset: je.Offset, Err: jfrCause{je.Err}}
	}
	return err
}

// jfrCause keeps the decoder's message and lets errors.Is find this
// package's sentinels for the decoder's.
type jfrCause struct{ err error }

func (c jfrCause) Error() string { return c.err.Error() }
func (c jfrCause) Unwrap() error { return c.err }
func (c jfrCause) Is(target error) bool {
	return target == ErrTruncated && errors.Is(c.err, jfr.ErrTruncated) ||
		target == ErrUnrecognized && errors.Is(c.err, jfr.ErrNotJFR)
}

// chunk replays one chunk's events.
func (rp *jfrReplay) chunk(c *jfr.Chunk) error {
	if rp.chunks == 0 {
		if err := rp.begin(c); err != nil {
			return err
		}
	}
	rp.chunks++
	rp.mallocs += c.Mallocs
	rp.frees += c.Frees
	base := c.Header.StartNanos - rp.start
	local := map[uint64]uint32{} // the chunk's stack ids to interned ones
	err := c.Batches(func(batch []jfr.Event) error {
		for i := range batch {
			ev := &batch[i]
			t := c.Nanos(ev.Time) - c.Header.StartNanos + base
			if ev.Size == 0 {
				if err := rp.rec.Free(t, ev.Address); err != nil {
					return err
				}
				continue
			}
			id, ok := local[ev.Stack]
			if !ok {
				id = rp.stacks.intern(c, ev.Stack)
				local[ev.Stack] = id
			}
			size, count := rp.unsample(ev.Size)
			if err := rp.rec.AllocSample(t, ev.Address, size, count, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return rp.wrap(err)
	}
	rp.end = max(rp.end, base+c.Header.DurationNanos)
	return nil
}

// begin checks the first chunk is a nativemem recording and starts the
// Recorder with what its settings say.
func (rp *jfrReplay) begin(c *jfr.Chunk) error {
	rp.metaAt = c.Offset + c.Header.MetaOffset
	if c.Type(jfr.MallocEvent) == nil {
		return &ParseError{Format: FormatJFR, Name: rp.name, Offset: rp.metaAt,
			Err: errors.New("no profiler.Malloc events in its metadata: not an async-profiler nativemem recording (record one with -agentpath:libasyncProfiler.so=start,event=nativemem,file=rec.jfr)")}
	}
	rp.start = c.Header.StartNanos
	if n, ok := jfr.SettingInt(c.Settings, "nativemem"); ok && n > 1 {
		rp.period = n
	}
	info := RecordingInfo{
		Name: rp.name, Format: FormatJFR, Variant: "nativemem", Start: time.Unix(0, c.Header.StartNanos),
		PID: c.JVM.PID, Period: rp.period, Producer: jfrProducer(c),
		Symbolized: true, // async-profiler names every frame it records
	}
	rec, err := NewRecorder(info, rp.split, &rp.stacks, rp.emit)
	if err != nil {
		return err
	}
	rp.rec = rec
	return nil
}

// jfrProducer names the profiler and the JVM: "async-profiler 4.1, OpenJDK
// 64-Bit Server VM 17.0.15+6".
func jfrProducer(c *jfr.Chunk) string {
	var parts []string
	if v := c.Settings["version"]; v != "" {
		parts = append(parts, "async-profiler "+v)
	}
	if c.JVM.Name != "" || c.JVM.Version != "" {
		parts = append(parts, strings.TrimSpace(c.JVM.Name+" "+c.JVM.Version))
	}
	return strings.Join(parts, ", ")
}

// unsample scales a sampled allocation of size bytes up to what it stands
// for. async-profiler samples by a byte counter: an allocation is recorded
// when it carries the counter past a multiple of the interval, so one of
// size < interval is recorded with probability size/interval and stands
// for interval/size allocations, interval bytes in all; a larger one is
// always recorded and stands for itself.
func (rp *jfrReplay) unsample(size int64) (bytes, count int64) {
	if rp.period == 0 || size >= rp.period {
		return size, 1
	}
	return rp.period, max(1, (rp.period+size/2)/size)
}

// finish ends the replay: a recording without native-memory events is an
// error, one without frees gets a warning.
func (rp *jfrReplay) finish() error {
	if rp.chunks == 0 {
		return &ParseError{Format: FormatJFR, Name: rp.name, Err: ErrEmpty}
	}
	if rp.mallocs == 0 {
		return &ParseError{Format: FormatJFR, Name: rp.name, Offset: rp.metaAt,
			Err: fmt.Errorf("no native memory events in %d chunk(s): the profiler recorded no malloc (was event=nativemem on, and did the JVM allocate while it ran?)", rp.chunks)}
	}
	if rp.frees == 0 {
		rp.rec.Warn(&ParseError{Format: FormatJFR, Name: rp.name, Err: errors.New("no frees were recorded (nofree?): every allocation counts as live")})
	}
	if err := rp.rec.Finish(rp.end); err != nil {
		if errors.As(err, new(*ParseError)) {
			return err
		}
		return &ParseError{Format: FormatJFR, Name: rp.name, Err: err}
	}
	return nil
}

// jfrStacks interns the stacks of a recording by their frames: the
// Recorder's stack ids.
type jfrStacks struct {
	ids    map[string]uint32
	frames [][]RecordedFrame
	key    strings.Builder
	buf    []RecordedFrame
}

// AppendFrames implements StackSource.
func (s *jfrStacks) AppendFrames(dst []RecordedFrame, stack uint32) []RecordedFrame {
	return append(dst, s.frames[stack]...)
}

// intern returns the id of the stack a chunk numbers id.
func (s *jfrStacks) intern(c *jfr.Chunk, id uint64) uint32 {
	s.buf = s.buf[:0]
	frames, ok := c.Stack(id)
	if !ok {
		s.buf = append(s.buf, RecordedFrame{Function: "[stack not recorded]"})
	}
	for _, fr := range frames {
		f := jfrFrame(c, fr)
		if f.Module == asprofLibrary && !asprofHooks[f.Function] {
			// The profiler's own bookkeeping (thread names, method ids
			// it asks the JVM for) is no part of the program's memory.
			s.buf = s.buf[:0]
			break
		}
		s.buf = append(s.buf, f)
	}
	s.key.Reset()
	for _, f := range s.buf {
		s.key.WriteString(f.Function)
		s.key.WriteByte(0)
		s.key.WriteString(f.Module)
		s.key.WriteByte(0)
	}
	if g, ok := s.ids[s.key.String()]; ok {
		return g
	}
	g := uint32(len(s.frames))
	s.ids[s.key.String()] = g
	s.frames = append(s.frames, append([]RecordedFrame(nil), s.buf...))
	return g
}

// asprofLibrary is the module of async-profiler's own native frames, and
// asprofHooks its functions that stand in for the allocator's.
const asprofLibrary = "libasyncProfiler.so"

var asprofHooks = map[string]bool{
	"malloc_hook": true, "calloc_hook": true, "realloc_hook": true, "free_hook": true,
	"posix_memalign_hook": true, "aligned_alloc_hook": true,
	"calloc_hook_dummy": true, "posix_memalign_hook_dummy": true,
}

// jfrFrame names one frame: a Java method as class.method (see
// javaframes.go), a native function by its name in its library (which
// async-profiler records as the frame's class).
func jfrFrame(c *jfr.Chunk, fr jfr.Frame) RecordedFrame {
	class, method, ok := c.MethodName(fr.Method)
	if !ok {
		return RecordedFrame{Function: "[unknown method]"}
	}
	switch c.FrameType(fr.Type) {
	case "Native", "C++", "Kernel":
		return RecordedFrame{Function: method, Module: class}
	}
	if class == "" {
		return RecordedFrame{Function: method}
	}
	return RecordedFrame{Function: javaMethodName(class, method)}
}
