package parsers

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/google/pprof/profile"
)

// ParsePprof reads a profile.proto message, gzipped or raw, as written by the
// Go runtime, the pprof tools, async-profiler or Pyroscope.
func ParsePprof(r io.Reader, name string) (*Snapshot, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, &ParseError{Format: FormatPprof, Name: name, Err: err}
	}
	if len(data) == 0 {
		return nil, &ParseError{Format: FormatPprof, Name: name, Err: ErrEmpty}
	}
	if bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte(javaHeapzHeader)) {
		return parseJavaHeapz(data, name)
	}
	// A caller may hand over the gzipped file itself (ParsePprof on a
	// .pb.gz); gunzip here so both forms take the one checked path below.
	// profile.ParseData would instead fall back to the legacy text parsers
	// when the protobuf is damaged and then blame an "unrecognized format".
	if len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
		gz, err := gzip.NewReader(bytes.NewReader(data))
		if err == nil {
			data, err = io.ReadAll(gz)
		}
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				err = fmt.Errorf("gzip stream %w", ErrTruncated)
			}
			return nil, &ParseError{Format: FormatPprof, Name: name, Err: fmt.Errorf("gzip: %w", err)}
		}
	}
	p, err := profile.ParseUncompressed(data)
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("protobuf %w: %v", ErrTruncated, err)
		} else {
			err = fmt.Errorf("corrupt or truncated protobuf: %v", err)
		}
		return nil, &ParseError{Format: FormatPprof, Name: name, Err: err}
	}
	if err := p.CheckValid(); err != nil {
		return nil, &ParseError{Format: FormatPprof, Name: name, Err: fmt.Errorf("malformed profile: %w", err)}
	}
	if len(p.SampleType) == 0 {
		return nil, &ParseError{Format: FormatPprof, Name: name, Err: errors.New("profile has no sample types")}
	}
	return pprofSnapshot(p, name), nil
}

// javaHeapzHeader opens pprof's legacy Java heap profile, the heapz
// format of Google's Java profilers:
//
//	--- heapz 1 ---
//	format = java
//	resolution = bytes
//	          7048     1 @ 0x00000003 0x00000004 …
//	 0x00000003 com.example.function003 (Source003.java:103)
const javaHeapzHeader = "--- heapz 1 ---"

// javaHeapzPeriod is the sampling period of heapz profiles, which the pprof
// library unsamples by (its javaHeapzSamplingRate).
const javaHeapzPeriod = 512 << 10

// parseJavaHeapz reads a legacy Java heap profile through the pprof
// library, which names the frames from the profile's own location list and
// unsamples the values.
func parseJavaHeapz(data []byte, name string) (*Snapshot, error) {
	p, err := profile.ParseData(data)
	if err != nil {
		return nil, &ParseError{Format: FormatPprof, Name: name, Err: fmt.Errorf("java heapz profile: %v", err)}
	}
	if err := p.CheckValid(); err != nil || len(p.SampleType) == 0 {
		return nil, &ParseError{Format: FormatPprof, Name: name, Err: fmt.Errorf("java heapz profile: malformed: %v", err)}
	}
	s := newSnapshot(name, FormatPprof, p)
	s.Variant, s.Producer = "java-heapz", "Java (heapz)"
	s.Period, s.PeriodUnit, s.Unsampled = javaHeapzPeriod, "bytes", true
	s.Symbolized = p.HasFunctions()
	return s, nil
}

func pprofSnapshot(p *profile.Profile, name string) *Snapshot {
	s := newSnapshot(name, FormatPprof, p)
	if p.TimeNanos != 0 {
		s.Time = time.Unix(0, p.TimeNanos).UTC()
	}
	if p.Period > 0 && p.PeriodType != nil {
		s.Period, s.PeriodUnit = p.Period, p.PeriodType.Unit
	}
	if isAsyncProfiler(p) {
		s.Variant, s.Producer = "async-profiler", "async-profiler"
		normalizeJavaFrames(p)
	}
	if isGoHeap(p) {
		s.Variant = "go-heap"
		s.Producer = "Go runtime"
		// runtime/pprof writes heap samples already scaled by its
		// MemProfileRate, the way pprof scales legacy heap profiles.
		s.Unsampled = p.Period > 1
	}
	s.Symbolized = p.HasFunctions()
	return s
}

// isAsyncProfiler recognises the pprof output of async-profiler and its
// jfrconv by the comment they write.
func isAsyncProfiler(p *profile.Profile) bool {
	for _, c := range p.Comments {
		if strings.Contains(c, "async-profiler") {
			return true
		}
	}
	return false
}

// normalizeJavaFrames names the frames of an async-profiler profile as a
// .jfr recording's frames are named (readJFR) (see javaframes.go): without
// hidden-class addresses and without the line numbers that only
// interpreted frames carry.
func normalizeJavaFrames(p *profile.Profile) {
	for _, fn := range p.Function {
		fn.Name = asprofFrameName(fn.Name)
		fn.SystemName = asprofFrameName(fn.SystemName)
	}
	for _, l := range p.Location {
		for i := range l.Line {
			l.Line[i].Line = 0
		}
	}
}

// isGoHeap recognises runtime/pprof heap profiles by their four sample types.
func isGoHeap(p *profile.Profile) bool {
	want := []string{"alloc_objects", "alloc_space", "inuse_objects", "inuse_space"}
	if len(p.SampleType) != len(want) {
		return false
	}
	for i, st := range p.SampleType {
		if st.Type != want[i] {
			return false
		}
	}
	return true
}
