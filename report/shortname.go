package report

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// This file shortens function names for narrow places: the explorer's
// columns and the HTML report's table, flame graph and stacks use the same
// rule, so a name reads the same wherever it is cut.

// ShortName fits a function name into w cells so that it still says which
// function it is. A C++ parameter list goes first ("ChunkPool::allocate(…)");
// then the middle goes, keeping the start and the innermost name, which is
// what tells a method apart: "runtime/…appendLocsForStack" rather than
// "runtime/pprof.(*profileBui…". The name must already be clean.
func ShortName(s string, w int) string {
	if cellWidth(s) <= w {
		return s
	}
	if w <= 1 {
		return ansi.Truncate(s, w, "")
	}
	if p := ParamsStart(s); p > 0 {
		s = s[:p] + "(…)"
		if cellWidth(s) <= w {
			return s
		}
	}
	// The longest tail that starts at a name boundary and leaves room for
	// a few cells of the start.
	budget := w - 1 - min(4, w/4)
	tail := ""
	for i := 1; i < len(s); i++ {
		if c := s[i-1]; (c != ':' || s[i] == ':') && c != '.' && c != '/' {
			continue
		}
		if t := s[i:]; cellWidth(t) <= budget {
			tail = t
			break
		}
	}
	if tail == "" || cellWidth(tail) < w/3 {
		// No boundary to cut at: keep the first half and the last.
		tail = ansi.TruncateLeft(s, cellWidth(s)-(w-1)/2, "")
	}
	head := ansi.Truncate(s, w-1-cellWidth(tail), "")
	return head + "…" + tail
}

// ParamsStart is the index of the '(' that opens the parameter list a
// demangled C++ name ends with ("f(int, char*) const"), or -1. Go names end
// with an identifier, so their "(*T)" receivers are left alone.
func ParamsStart(s string) int {
	end := strings.TrimSuffix(s, " const")
	if !strings.HasSuffix(end, ")") {
		return -1
	}
	depth := 0
	for i := len(end) - 1; i >= 0; i-- {
		switch end[i] {
		case ')':
			depth++
		case '(':
			depth--
			if depth == 0 {
				if i == 0 || end[i-1] == '.' {
					return -1 // "(*T)" or a bare parenthesis: not a parameter list
				}
				if i+1 == len(end)-1 {
					return -1 // "f()" has nothing to drop
				}
				return i
			}
		}
	}
	return -1
}

// WithoutParams is the name with its C++ parameter list, if any, replaced
// by "(…)": the least a name is cut before its words are.
func WithoutParams(s string) string {
	if p := ParamsStart(s); p > 0 {
		return s[:p] + "(…)"
	}
	return s
}

// cellWidth is the display width of s. Plain ASCII, the common case for
// names, is measured by its length; anything else goes through the
// grapheme-aware ansi.StringWidth.
func cellWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return ansi.StringWidth(s)
		}
	}
	return len(s)
}

// ShortTitle fits a site's display name into w cells. A name that tells
// same-titled sites apart by their callers ("f(int) ← … ← g(char*)", see
// dumpdiff.DistinctTitles) drops every part's parameters first, then cuts each part
// the way ShortName does, the innermost keeping the larger share.
func ShortTitle(name string, w int) string {
	if cellWidth(name) <= w {
		return name
	}
	parts := strings.Split(name, " ← ")
	for i, p := range parts {
		parts[i] = WithoutParams(p)
	}
	if s := strings.Join(parts, " ← "); cellWidth(s) <= w || len(parts) == 1 {
		return ShortName(s, w)
	}
	// Arrows and the "…" of skipped callers keep their cells; the names
	// share the rest. The innermost gets what it needs, up to two thirds
	// (more when the callers need less), and the callers equal shares of
	// what is left.
	room, callers, callerCells := w-3*(len(parts)-1), 0, 0
	for _, p := range parts[1:] {
		if p == "…" {
			room--
			continue
		}
		callers++
		callerCells += cellWidth(p)
	}
	first := min(cellWidth(parts[0]), max(room*2/3, room-callerCells))
	parts[0] = ShortName(parts[0], max(1, first))
	for i, p := range parts[1:] {
		if p != "…" {
			parts[i+1] = ShortName(p, max(1, (room-first)/max(1, callers)))
		}
	}
	return strings.Join(parts, " ← ")
}
