package parsers

import (
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"strconv"
	"time"

	"github.com/dumpdiff/dumpdiff/parsers/heaptrack"
)

// heaptrackDropFrames matches the allocation entry points that begin
// heaptrack's stacks (its own frames are already cut off): C++'s operator
// new and the C++ allocator templates above it.
const heaptrackDropFrames = `operator new(\[\])?|std::(__new_allocator|allocator|allocator_traits)<.*>::allocate|__gnu_cxx::new_allocator<.*>::allocate`

// heaptrackFileName matches the names heaptrack gives its recordings,
// heaptrack.<program>.<pid>.<zst|gz>:
//
//	heaptrack.worker.4242.zst
var heaptrackFileName = regexp.MustCompile(`^heaptrack\..*\.(\d+)\.(zst|gz)$`)

// ReadHeaptrack replays the heaptrack recording in r (decompressed) into
// snapshots of the memory still live per stack, one per lifecycle as split
// says, and calls emit with each. name labels errors and the snapshots.
//
// heaptrack records every allocation with its stack, symbolised when the
// process ran; frees name what they free. Snapshots hold inuse_* (live at
// the lifecycle's end) and alloc_* (allocated since the recording began)
// metrics, in requested bytes, with Snapshot.RSS from heaptrack's RSS
// samples. A frame heaptrack could not name keeps its module and absolute
// address: heaptrack records no load addresses, so it matches within one
// recording, not across processes.
//
// A recording that stops inside a line (the process, heaptrack or its
// compressor was killed) is read up to its last whole line, with a warning
// naming the byte offset; any other damage is an error naming the line.
// The pid comes from heaptrack's file name, heaptrack.<program>.<pid>.zst,
// when name matches it (the recording does not hold it).
func ReadHeaptrack(r io.Reader, name string, split SplitOptions, emit func(*Snapshot) error) error {
	d := heaptrack.NewDecoder(r)
	hdr, err := d.ReadHeader()
	if err != nil {
		return heaptrackError(name, err)
	}
	info := RecordingInfo{
		Name: name, Format: FormatHeaptrack, Producer: "heaptrack " + hdr.VersionString(),
		DropFrames: heaptrackDropFrames, Symbolized: true,
	}
	if m := heaptrackFileName.FindStringSubmatch(path.Base(name)); m != nil {
		info.PID, _ = strconv.Atoi(m[1])
	}
	if hdr.Attached {
		info.Variant = "heaptrack-attached"
	}
	rec, err := NewRecorder(info, split, &heaptrackStacks{d: d}, emit)
	if err != nil {
		return err
	}
	for {
		ev, err := d.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if !heaptrackTruncated(err) {
				return heaptrackError(name, err)
			}
			rec.Warn(&ParseError{Format: FormatHeaptrack, Name: name, Offset: d.Offset(),
				Err: fmt.Errorf("%w inside line %d: read the %d whole lines before it", ErrTruncated, d.Line()+1, d.Line())})
			break
		}
		if err := replayHeaptrack(rec, ev); err != nil {
			return err
		}
	}
	return rec.Finish(heaptrackTime(d.Time()))
}

// replayHeaptrack feeds one event to the recorder.
func replayHeaptrack(rec *Recorder, ev heaptrack.Event) error {
	t := heaptrackTime(ev.Time)
	switch ev.Kind {
	case heaptrack.Alloc:
		return rec.AllocByStack(t, ev.Size, ev.Stack)
	case heaptrack.Free:
		return rec.FreeByStack(t, ev.Size, ev.Stack)
	case heaptrack.RSS:
		return rec.RSS(t, ev.Size)
	}
	return nil
}

// heaptrackTime converts heaptrack's milliseconds to the recorder's
// nanoseconds.
func heaptrackTime(ms int64) int64 { return ms * int64(time.Millisecond) }

// heaptrackTruncated reports whether err means the recording was cut short:
// a last line without its newline, or a compressed stream that ends early.
func heaptrackTruncated(err error) bool {
	return errors.Is(err, heaptrack.ErrTruncated) || errors.Is(err, ErrTruncated)
}

// heaptrackError turns the decoder's errors into a *ParseError naming the
// file and line.
func heaptrackError(name string, err error) error {
	var se *heaptrack.SyntaxError
	if errors.As(err, &se) {
		return &ParseError{Format: FormatHeaptrack, Name: name, Line: se.Line, Offset: se.Offset, Err: se.Err}
	}
	return &ParseError{Format: FormatHeaptrack, Name: name, Err: err}
}

// heaptrackStacks resolves heaptrack's stack ids for the Recorder.
type heaptrackStacks struct {
	d   *heaptrack.Decoder
	buf []heaptrack.Frame
}

func (s *heaptrackStacks) AppendFrames(dst []RecordedFrame, stack uint32) []RecordedFrame {
	s.buf = s.d.AppendFrames(s.buf[:0], stack)
	for _, f := range s.buf {
		if f.Function == "" {
			dst = append(dst, RecordedFrame{Module: f.Module, Offset: f.IP})
			continue
		}
		dst = append(dst, RecordedFrame{Function: f.Function, File: f.File, Line: int64(f.Line), Module: f.Module})
	}
	return dst
}
