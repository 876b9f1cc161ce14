package parsers

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel causes, for errors.Is.
var (
	// ErrUnrecognized means the input is in none of the formats dumpdiff reads.
	ErrUnrecognized = errors.New("unrecognized snapshot format")
	// ErrEmpty means the input has no bytes.
	ErrEmpty = errors.New("empty file")
	// ErrNotSupported means the format was recognised but this build cannot parse it.
	ErrNotSupported = errors.New("format not supported yet")
	// ErrTruncated means the input ended before the format said it would.
	ErrTruncated = errors.New("truncated")
)

// MetricError says that some of a snapshot's metrics cannot be trusted
// while the others can: in a legacy heap profile, the in-use or the
// allocated counts of its stack lines that do not add up to its header's.
// In Snapshot.Warnings (wrapped in a *ParseError, which names the file and
// line) it is a warning; package dumpdiff refuses to rank one of Metrics.
type MetricError struct {
	Metrics []string
	Err     error
}

func (e *MetricError) Error() string {
	return fmt.Sprintf("%s: %v", strings.Join(e.Metrics, " and "), e.Err)
}

func (e *MetricError) Unwrap() error { return e.Err }

// ParseError is a failure (or, in Snapshot.Warnings, a skipped problem) at a
// place in an input. It prints as
//
//	parse jemalloc dump heap.0042.prof line 42: want "@ 0x…"
//
// Line is 1-based and 0 when unknown; Offset is the 1-based position of a
// byte (of the decompressed input), used for binary formats and printed only
// when Line is 0 and Offset is positive.
type ParseError struct {
	Format Format
	Name   string
	Line   int
	Offset int64
	Err    error
}

func (e *ParseError) Error() string {
	where := ""
	switch {
	case e.Line > 0:
		where = fmt.Sprintf(" line %d", e.Line)
	case e.Offset > 0:
		where = fmt.Sprintf(" byte %d", e.Offset)
	}
	if e.Format == "" {
		return fmt.Sprintf("read %s%s: %v", e.Name, where, e.Err)
	}
	return fmt.Sprintf("parse %s %s%s: %v", e.Format.describe(), e.Name, where, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// errorf builds a *ParseError whose cause is formatted like fmt.Errorf
// (so %w keeps sentinels reachable through errors.Is).
func errorf(format Format, name string, line int, msg string, args ...any) *ParseError {
	return &ParseError{Format: format, Name: name, Line: line, Err: fmt.Errorf(msg, args...)}
}

// Guarded calls open(path) and turns a panic inside it (a parser bug on
// hostile input) into an error naming the file, so that one bad file costs
// one line on stderr rather than the whole run. Fuzzing keeps the parsers
// themselves free of panics; this is the last line of defence for callers
// that read many files.
func Guarded(path string, open func(string) (*Snapshot, error)) (snap *Snapshot, err error) {
	err = Guard(path, func() error {
		snap, err = open(path)
		return err
	})
	if err != nil {
		return nil, err
	}
	return snap, nil
}

// Guard calls read, which reads the file at path, and turns a panic inside
// it into an error naming the file, as Guarded does.
func Guard(path string, read func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("read %s: parser failed on this input (a bug in dumpdiff, please report it with the file): %v", path, r)
		}
	}()
	return read()
}
