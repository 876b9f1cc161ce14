package parsers

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/google/pprof/profile"
)

// Collapsed (folded) stacks: one line per stack, its frames from the root
// to the leaf joined by ';', a space, and the stack's value:
//
//	TaskManager.main_[j];TaskManager$LeakyOperator.open_[0];…;malloc_hook 25165824
//	main (lifecycle.c);task_open (lifecycle.c);leaky_operator_open (lifecycle.c); 4194304
//
// as written by async-profiler (-o collapsed), jfrconv, heaptrack_print
// --flamegraph-cost-type and the flame graph and eBPF tools. The file says
// nothing about what the values measure: dumpdiff reads them as bytes
// unless told (--collapsed-unit). Frames carry only names; async-profiler's
// tier marks (_[j], _[i], …) are removed so that a Java method is one frame
// (see javaframes.go).

// Units a collapsed file's values may be in.
const (
	CollapsedBytes = "bytes"
	CollapsedCount = "count"
)

// maxCollapsedLine bounds a line: a stack of 10 000 long C++ frames.
const maxCollapsedLine = 16 << 20

// ParseCollapsed reads collapsed stacks whose values are in unit
// (CollapsedBytes when empty).
func ParseCollapsed(r io.Reader, name, unit string) (*Snapshot, error) {
	if unit == "" {
		unit = CollapsedBytes
	}
	if unit != CollapsedBytes && unit != CollapsedCount {
		return nil, &ParseError{Format: FormatCollapsed, Name: name, Err: fmt.Errorf("unit %q: want %s or %s", unit, CollapsedBytes, CollapsedCount)}
	}
	b := collapsedBuilder{
		p: &profile.Profile{
			SampleType:        []*profile.ValueType{{Type: "value", Unit: unit}},
			DefaultSampleType: "value",
		},
		raw: map[string]*profile.Location{}, named: map[string]*profile.Location{},
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxCollapsedLine)
	line := 0
	for sc.Scan() {
		line++
		if err := b.line(sc.Bytes()); err != nil {
			return nil, &ParseError{Format: FormatCollapsed, Name: name, Line: line, Err: err}
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			err = fmt.Errorf("a line longer than %d bytes", maxCollapsedLine)
		}
		return nil, &ParseError{Format: FormatCollapsed, Name: name, Line: line + 1, Err: err}
	}
	if len(b.p.Sample) == 0 {
		return nil, &ParseError{Format: FormatCollapsed, Name: name, Err: errors.New("no stacks: want lines of \"frame;frame;…;frame VALUE\"")}
	}
	s := newSnapshot(name, FormatCollapsed, b.p)
	s.Symbolized = true
	return s, nil
}

// collapsedBuilder builds the profile of a collapsed file.
type collapsedBuilder struct {
	p      *profile.Profile
	raw    map[string]*profile.Location // by the frame as written
	named  map[string]*profile.Location // by its name without tier mark
	frames [][]byte
}

// line adds one line's stack; blank lines are skipped.
func (b *collapsedBuilder) line(l []byte) error {
	l = bytes.TrimRight(l, "\r")
	if len(bytes.TrimSpace(l)) == 0 {
		return nil
	}
	sp := bytes.LastIndexByte(l, ' ')
	if sp <= 0 {
		return fmt.Errorf("want \"frame;frame;…;frame VALUE\", got %q", clip(string(l), 60))
	}
	v, err := strconv.ParseInt(string(l[sp+1:]), 10, 64)
	if err != nil || v < 0 {
		return fmt.Errorf("value %q: want a count of %s, a whole number", clip(string(l[sp+1:]), 60), b.p.SampleType[0].Unit)
	}
	stack := bytes.TrimRight(l[:sp], " ")
	// heaptrack_print ends every stack with a ';'.
	b.frames = bytes.Split(bytes.TrimSuffix(stack, []byte(";")), []byte(";"))
	s := &profile.Sample{Value: []int64{v}, Location: make([]*profile.Location, 0, len(b.frames))}
	for i := len(b.frames) - 1; i >= 0; i-- { // leaf first, as pprof stores them
		f := b.frames[i]
		if len(f) == 0 {
			return fmt.Errorf("empty frame in stack %q", clip(string(stack), 60))
		}
		s.Location = append(s.Location, b.location(f))
	}
	b.p.Sample = append(b.p.Sample, s)
	return nil
}

// location returns the location of a frame as written, one per name
// without tier marks (a method is one location whatever its tier).
func (b *collapsedBuilder) location(raw []byte) *profile.Location {
	if l, ok := b.raw[string(raw)]; ok {
		return l
	}
	name := asprofFrameName(string(raw))
	l, ok := b.named[name]
	if !ok {
		fn := &profile.Function{ID: uint64(len(b.p.Function) + 1), Name: name, SystemName: name}
		b.p.Function = append(b.p.Function, fn)
		l = &profile.Location{ID: uint64(len(b.p.Location) + 1), Line: []profile.Line{{Function: fn}}}
		b.p.Location = append(b.p.Location, l)
		b.named[name] = l
	}
	b.raw[string(raw)] = l
	return l
}

// looksCollapsed reports whether text (the start of an input) is
// collapsed stacks: every complete line is "STACK VALUE" with a whole
// number after the last space, and some stack has a ';' (a file of
// "word number" lines is no stack dump).
func looksCollapsed(text []byte, complete bool) bool {
	if !complete {
		// The last line may be cut off by the end of the sniffed head.
		if i := bytes.LastIndexByte(text, '\n'); i >= 0 {
			text = text[:i]
		}
	}
	lines, semis := 0, false
	for len(text) > 0 {
		l := text
		if i := bytes.IndexByte(text, '\n'); i >= 0 {
			l, text = text[:i], text[i+1:]
		} else {
			text = nil
		}
		l = bytes.TrimRight(l, "\r")
		if len(bytes.TrimSpace(l)) == 0 {
			continue
		}
		sp := bytes.LastIndexByte(l, ' ')
		if sp <= 0 || l[0] == ' ' || l[0] == '\t' || !allDigits(l[sp+1:]) {
			return false
		}
		lines++
		semis = semis || bytes.IndexByte(l[:sp], ';') >= 0
	}
	return lines > 0 && semis
}

func allDigits(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
