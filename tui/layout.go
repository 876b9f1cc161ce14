package tui

import (
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/charmbracelet/x/ansi"
)

// strWidth is the display width of s. Plain ASCII, the common case for
// names and numbers, is measured by its length; anything else goes through
// the grapheme-aware ansi.StringWidth.
func strWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return ansi.StringWidth(s)
		}
	}
	return len(s)
}

// pad truncates s to w cells (with an ellipsis) and pads it with spaces to
// exactly w cells, on the left when right is set.
func pad(s string, w int, right bool) string {
	if w <= 0 {
		return ""
	}
	sw := strWidth(s)
	if sw > w {
		s = ansi.Truncate(s, w, "…")
		sw = strWidth(s)
	}
	if right {
		return strings.Repeat(" ", w-sw) + s
	}
	return s + strings.Repeat(" ", w-sw)
}

// fitWidth makes one line exactly w cells wide. A line cut short ends in
// an ellipsis, unless only blanks were cut: nothing is cut silently.
func fitWidth(s string, w int) string {
	sw := strWidth(s)
	if sw > w {
		if strings.TrimRight(ansi.Strip(ansi.Cut(s, w, sw)), " ") == "" {
			return ansi.Truncate(s, w, "")
		}
		return ansi.Truncate(s, w, "…")
	}
	return s + strings.Repeat(" ", w-sw)
}

// fit makes a block exactly w × h: lines are cut or padded to w cells and
// the block is cut or padded to h lines, so a view never exceeds the
// terminal and never leaves stale cells behind.
func fit(lines []string, w, h int) string {
	if w <= 0 || h <= 0 {
		return ""
	}
	out := make([]string, h)
	blank := strings.Repeat(" ", w)
	for i := range out {
		if i < len(lines) {
			out[i] = fitWidth(lines[i], w)
		} else {
			out[i] = blank
		}
	}
	return strings.Join(out, "\n")
}

// splitLines splits a rendered block into lines.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// painter returns a function that styles text as st does, for one-line
// text without layout (colours, bold, reverse). It renders st once and
// reuses the escape sequences around the text, so painting a table cell
// costs a concatenation instead of a full lipgloss render.
func painter(st lipgloss.Style) func(string) string {
	const mark = "\x00"
	out := st.Render(mark)
	i := strings.Index(out, mark)
	if i < 0 {
		return func(s string) string { return st.Render(s) }
	}
	pre, post := out[:i], out[i+len(mark):]
	if pre == "" && post == "" {
		return func(s string) string { return s }
	}
	return func(s string) string { return pre + s + post }
}
