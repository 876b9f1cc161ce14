package tui

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/dumpdiff/dumpdiff/parsers/symbolize"
)

// keys are the bindings of the screen in front, for the footer and ? help.
func (m *Model) keys() screenKeys {
	k := m.km
	nav := []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}
	switch {
	case m.screen == screenDetail:
		bars := withHelp(k.BasePrev, "[ ]", "lifecycles")
		short := []key.Binding{withHelp(k.Up, "↑/↓", "frame"), k.Tree, k.Back, k.Help, k.Quit}
		if m.detail.BarsWindowed() {
			short = []key.Binding{withHelp(k.Up, "↑/↓", "frame"), bars, k.Tree, k.Back, k.Help, k.Quit}
		}
		return screenKeys{
			short: short,
			full:  [][]key.Binding{nav, {bars, k.Tree, k.Back, k.Help, k.Quit}},
		}
	case m.screen == screenTree:
		return screenKeys{
			short: []key.Binding{withHelp(k.Up, "↑/↓", "move"), k.Toggle, withHelp(k.Tree, "t", "re-centre"), k.Back, k.Collapse, k.Help, k.Quit},
			full:  [][]key.Binding{nav, {k.Toggle, k.Collapse, withHelp(k.Tree, "t", "re-centre"), k.Back, k.Help, k.Quit}},
		}
	case m.screen == screenFlame:
		fk := flameKeyMap(k)
		return screenKeys{
			short: []key.Binding{withHelp(k.Up, "←↑↓→", "move"), fk.Zoom, withHelp(k.Back, "esc", "zoom out/back"), withHelp(k.Tree, "t", "call tree"), k.Help, k.Quit},
			full:  [][]key.Binding{{fk.Up, fk.Down, fk.Left, fk.Right}, {fk.Zoom, withHelp(k.Back, "esc", "zoom out/back"), withHelp(k.Tree, "t", "call tree"), k.Help, k.Quit}},
		}
	case m.screen == screenPick:
		return screenKeys{
			short: []key.Binding{withHelp(k.SetBase, "b", "base"), withHelp(k.SetTarget, "t", "target"), withHelp(k.Open, "enter", "compare"), k.Back, withHelp(k.Up, "↑/↓", "move"), k.Help, k.Quit},
			full:  [][]key.Binding{{k.Up, k.Down, k.Top, k.Bottom}, {k.SetBase, k.SetTarget, withHelp(k.Open, "enter", "compare"), k.Back, k.Quit}},
		}
	}
	short := []key.Binding{k.Open, k.Filter, k.Verdict, k.NextLeak, k.Sort, k.Tree, k.Flame, k.Pair, k.Metric, k.GroupBy, k.Export, k.Help, k.Quit}
	pair := []key.Binding{k.Pair, k.BasePrev, k.BaseNext, k.TargetPrev, k.TargetNext, k.PickPair}
	if m.sites.PairMode() {
		short = []key.Binding{k.Open, withHelp(k.BasePrev, "[ ]", "base"), withHelp(k.TargetPrev, "{ }", "target"), withHelp(k.Pair, "p", "trend"), k.PickPair, k.Filter, k.Export, k.Help, k.Quit}
	}
	return screenKeys{
		short: short,
		full: [][]key.Binding{nav,
			{k.Open, k.Back, k.Filter, k.Verdict, k.NextLeak, withHelp(k.PrevLeak, "N", "prev leak")},
			{k.Sort, k.Reverse, k.Tree, k.Flame, k.Metric, k.GroupBy, k.Export, k.Help, k.Quit},
			pair},
	}
}

func withHelp(b key.Binding, k, desc string) key.Binding {
	b.SetHelp(k, desc)
	return b
}

// shortHelp renders the footer's keys, dropping the least important ones
// (the list is in order of importance) until they fit the width; the last
// two, ? help and q quit, always stay, so every other key can be found.
func (m *Model) shortHelp(bs []key.Binding) string {
	h := m.help
	h.SetWidth(0) // measure untruncated
	if len(bs) < 2 {
		return h.ShortHelpView(bs)
	}
	// Each key is measured once: the line is the keys joined by the
	// separator, so its width is their sum and the separators'.
	sep := lipgloss.Width(h.ShortSeparator)
	width := func(b key.Binding) int {
		// ShortHelpView draws a key as "key desc", and skips it when
		// disabled (its separator too).
		if !b.Enabled() {
			return -sep
		}
		return ansi.StringWidth(b.Help().Key) + 1 + ansi.StringWidth(b.Help().Desc)
	}
	rest, always := bs[:len(bs)-2], bs[len(bs)-2:]
	used := width(always[0]) + sep + width(always[1])
	k := 0
	for k < len(rest) {
		w := width(rest[k]) + sep
		if used+w > m.width {
			break
		}
		used += w
		k++
	}
	return h.ShortHelpView(append(slices.Clip(rest[:k]), always...))
}

// renderHelp is the ? help overlay: every key of the screen in front (km),
// what the verdicts mean, and the result's warnings (the first eight, each
// said once with how many snapshots it came from, and what to do).
func renderHelp(h help.Model, km help.KeyMap, ws []warning, snaps, width int, st Styles) string {
	h.ShowAll = true
	verdicts := ansi.Wrap("Verdicts: leak (keeps growing, at least the floor per lifecycle) · creep (keeps growing, slower than the floor) · plateau (grew, then flat) · steady (the same in every snapshot) · noise · shrinking · new · gone", max(width-4, 10), "")
	out := "\n" + st.Section.Render("  Keys") + "\n\n" + indent(h.View(km), "  ") +
		"\n\n" + st.Subtle.Render(indent(verdicts, "  "))
	if len(ws) > 0 {
		out += "\n\n" + st.Section.Render("  Warnings")
		for i, w := range ws {
			if i == 8 {
				out += "\n  " + st.Subtle.Render(fmt.Sprintf("… and %d more", len(ws)-i))
				break
			}
			text := clean(strings.Join(strings.Fields(w.text), " "))
			switch {
			case w.n > 1 && w.n <= snaps:
				text = fmt.Sprintf("%d snapshots: %s", w.n, text)
			case w.n > 1:
				text = fmt.Sprintf("%d times: %s", w.n, text)
			}
			out += "\n" + indent(ansi.Wrap(text, max(width-4, 10), ""), "  ")
			if w.hint != "" {
				out += "\n" + st.Status.Render(indent(ansi.Wrap("→ "+clean(w.hint), max(width-6, 10), ""), "    "))
			}
		}
	}
	return out + "\n\n" + st.Subtle.Render("  Press any key to close.")
}

// warning is one warning as the explorer lists it: said once however many
// snapshots repeat it, with what to do about it when that is known.
type warning struct {
	text string
	n    int    // how many times the result holds it
	hint string // what to do, "" when nothing is
}

// groupWarnings folds repeated warnings (one per snapshot, such as a
// binary missing from every dump) into one each, in first-seen order.
func groupWarnings(ws []error) []warning {
	var out []warning
	at := map[string]int{}
	for _, w := range ws {
		text := w.Error()
		if i, ok := at[text]; ok {
			out[i].n++
			continue
		}
		at[text] = len(out)
		out = append(out, warning{text: text, n: 1, hint: warningHint(w)})
	}
	return out
}

// warningHint says what to do about a warning, in the explorer's words.
func warningHint(w error) string {
	var u *symbolize.UnresolvedError
	if errors.As(w, &u) {
		bin := filepath.Base(u.File)
		if u.Missing {
			return "quit (q) and run explore again with --symbols DIR, DIR a directory holding " + bin + " (the build the snapshots came from), to name these frames"
		}
		return "give --symbols DIR a directory holding the " + bin + " that wrote the snapshots (its build ID must match) to name these frames"
	}
	return ""
}

func indent(s, by string) string {
	return by + strings.ReplaceAll(s, "\n", "\n"+by)
}
