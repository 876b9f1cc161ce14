package tui

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
)

// PickKeyMap are the pair picker's keys. Leaving it (back, compare) is the
// root model's business.
type PickKeyMap struct {
	Up, Down, Top, Bottom key.Binding
	SetBase, SetTarget    key.Binding
}

// pickKeyMap takes the picker's keys from k.
func pickKeyMap(k KeyMap) PickKeyMap {
	return PickKeyMap{Up: k.Up, Down: k.Down, Top: k.Top, Bottom: k.Bottom, SetBase: k.SetBase, SetTarget: k.SetTarget}
}

// Pick is the pair picker of pair mode (P): the series' snapshots, one per
// line, with the base and the target marked.
type Pick struct {
	KeyMap PickKeyMap
	Styles Styles

	snaps         []dumpdiff.SnapshotInfo
	unit          string
	base, tgt     int
	cursor        int
	width, height int
}

// NewPick returns a picker over snaps with base and tgt marked and the
// cursor on tgt; unit formats the snapshots' totals.
func NewPick(snaps []dumpdiff.SnapshotInfo, base, tgt int, unit string, km PickKeyMap, st Styles) Pick {
	return Pick{KeyMap: km, Styles: st, snaps: snaps, unit: unit, base: base, tgt: tgt, cursor: tgt}
}

// SetSize sets the picker's width and height.
func (p *Pick) SetSize(w, h int) { p.width, p.height = w, h }

// SetUnit sets the unit the totals are shown in.
func (p *Pick) SetUnit(unit string) { p.unit = unit }

// SetPair marks base and tgt.
func (p *Pick) SetPair(base, tgt int) { p.base, p.tgt = base, tgt }

// Pair returns the marked base and target.
func (p Pick) Pair() (base, tgt int) { return p.base, p.tgt }

// Cursor returns the index of the snapshot under the cursor.
func (p Pick) Cursor() int { return p.cursor }

func (p *Pick) clamp() { p.cursor = max(min(p.cursor, len(p.snaps)-1), 0) }

// Update moves the cursor and marks the base (b) and the target (t); one
// notch of the wheel moves one line.
func (p Pick) Update(msg tea.Msg) (Pick, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, p.KeyMap.Up):
			p.cursor--
		case key.Matches(msg, p.KeyMap.Down):
			p.cursor++
		case key.Matches(msg, p.KeyMap.Top):
			p.cursor = 0
		case key.Matches(msg, p.KeyMap.Bottom):
			p.cursor = len(p.snaps) - 1
		case key.Matches(msg, p.KeyMap.SetBase):
			p.base = p.cursor
		case key.Matches(msg, p.KeyMap.SetTarget):
			p.tgt = p.cursor
		}
		p.clamp()
	case tea.MouseWheelMsg:
		if msg.Button == tea.MouseWheelUp {
			p.cursor--
		} else if msg.Button == tea.MouseWheelDown {
			p.cursor++
		}
		p.clamp()
	}
	return p, nil
}

// View renders the picker, exactly width × height.
func (p Pick) View() string {
	return renderPick(p.snaps, p.base, p.tgt, p.cursor, p.unit, p.width, p.height, p.Styles)
}

func renderPick(snaps []dumpdiff.SnapshotInfo, base, tgt, cursor int, unit string, width, h int, st Styles) string {
	lines := []string{st.Section.Render("Pick the pair") + st.Subtle.Render("  b: base · t: target · enter: compare · esc: back"), ""}
	// Lifecycles numbered by --lifecycle-regex show their number; else
	// the file's name says which it is, and a position would only
	// disagree with it (#0 beside lc1).
	numbered := numberedLifecycles(snaps)
	numW := 0
	if numbered {
		numW = 8
	}
	nameW := max(width-2-3-1-numW-2-12, 8)
	start := max(min(cursor-(h-3)/2, len(snaps)-(h-2)), 0)
	for i := start; i < len(snaps) && len(lines) < h; i++ {
		s := snaps[i]
		role := "   "
		switch {
		case i == base && i == tgt:
			role = "B=T"
		case i == base:
			role = " B "
		case i == tgt:
			role = " T "
		}
		mark := "  "
		if i == cursor {
			mark = "› "
		}
		num := ""
		if numbered {
			num = pad(fmt.Sprintf("lc %d", s.Lifecycle), numW-1, false) + " "
		}
		line := mark + role + " " + num + pad(truncMiddle(baseName(s.Path), nameW), nameW, false) + " " + pad(formatValue(s.Total, unit), 12, true)
		lines = append(lines, selectRow(line, i == cursor, width, st))
	}
	return fit(lines, width, h)
}
