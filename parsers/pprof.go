package parsers

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
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

func pprofSnapshot(p *profile.Profile, name string) *Snapshot {
	s := newSnapshot(name, FormatPprof, p)
	if p.TimeNanos != 0 {
		s.Time = time.Unix(0, p.TimeNanos).UTC()
	}
	if p.Period > 0 && p.PeriodType != nil {
		s.Period, s.PeriodUnit = p.Period, p.PeriodType.Unit
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
