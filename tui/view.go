package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
)

// View renders the whole screen in the alternate screen with the mouse on.
func (m Model) View() tea.View {
	v := tea.NewView(m.Render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "dumpdiff explore"
	return v
}

// Render is the screen as a string of exactly width × height cells.
func (m Model) Render() string {
	var lines []string
	lines = append(lines, m.header()...)
	bh := m.bodyHeight()
	var body string
	switch {
	case m.showHelp:
		body = fit(splitLines(renderHelp(m.help, m.keys(), m.warnings(), len(m.snaps), m.width, m.st)), m.width, bh)
	case m.screen == screenDetail:
		body = m.detail.View()
	case m.screen == screenTree:
		body = m.tree.View()
	case m.screen == screenPick:
		body = m.pick.View()
	case m.screen == screenFlame:
		body = m.flame.View()
	case !m.sites.HasResult():
		msg := "computing…"
		if !m.busy {
			msg = "nothing to show: see the error below"
		}
		body = fit([]string{"", "  " + m.st.Subtle.Render(msg)}, m.width, bh)
	default:
		body = m.sites.View()
	}
	// The body's components already return exactly width × bodyHeight
	// cells; only the header and footer are measured here.
	headerH, footerH := m.chrome()
	head := fit(lines, m.width, headerH)
	fl := m.footer()
	if footerH == 1 && m.prompt == promptNone && m.err == "" && m.status == "" {
		fl = fl[1:] // the keys rather than the position
	}
	foot := fit(fl, m.width, footerH)
	if m.height <= headerH+footerH {
		return fit(splitLines(head+"\n"+body+"\n"+foot), m.width, m.height)
	}
	return head + "\n" + body + "\n" + foot
}

// chrome is the number of header and footer lines around the body: two
// each, one each on a terminal under ten lines, so the body still shows.
func (m *Model) chrome() (header, footer int) {
	if m.height < 10 {
		return 1, 1
	}
	return 2, 2
}

func (m *Model) bodyHeight() int {
	h, f := m.chrome()
	return max(m.height-h-f, 1)
}

func (m *Model) header() []string {
	st := m.st
	left := st.Title.Render("dumpdiff explore")
	var facts []string
	if t := m.sites.Trend(); t != nil {
		format := ""
		if len(t.Snapshots) > 0 {
			format = string(t.Snapshots[0].Format)
		}
		facts = append(facts, fmt.Sprintf("%d snapshots", len(t.Snapshots)), format, clean(m.metricID()))
	}
	right := st.Subtle.Render(strings.Join(facts, " · "))
	if title := clean(m.opts.Title); title != "" {
		// A long series path gives way to the facts: its end, the
		// directory of the series, is what tells series apart.
		room := m.width - lipgloss.Width(left) - 3 - lipgloss.Width(right) - 1
		if w := ansi.StringWidth(title); w > room && room >= 12 {
			title = ansi.TruncateLeft(title, w-room+1, "…")
		}
		left += st.Subtle.Render(" · ") + title
	}
	line1 := joinEnds(left, right, m.width)

	// What the result says as a whole comes from its kind: totals and
	// the floor of a trend, the pair and its delta of a pair diff.
	parts := m.sites.Facts(m.width, st)
	if m.sites.HasResult() && dumpdiff.Cumulative(m.sites.Metric()) {
		// Every site that allocates grows under such a metric: say so
		// while it is shown, so a column of leaks is not taken as found.
		parts = append(parts, st.Error.Render(clean(m.sites.Metric().Name)+" counts freed allocations as growth"))
	}
	parts = append(parts, st.Subtle.Render("by "+string(m.shown().opts.GroupBy)))
	if n := len(m.warnings()); n > 0 {
		w := "1 warning"
		if n > 1 {
			w = fmt.Sprintf("%d warnings", n)
		}
		parts = append(parts, st.Error.Render(w+" (?)"))
	}
	if m.busy || m.treeBusy || m.flameBusy {
		parts = append(parts, st.Prompt.Render("computing…"))
	}
	return []string{line1, strings.Join(parts, st.Subtle.Render(" · "))}
}

// floorPart states the leak floor in the header: "floor +4.8 KiB/lc"
// (slower trends are creep), or "floor off".
func floorPart(f dumpdiff.Floor, unit string) string {
	if f.PerLifecycle <= 0 {
		return "floor off"
	}
	return "floor " + formatGrowth(f.PerLifecycle, unit, "/lc")
}

// joinEnds puts left and right on one line of width w, right-aligned.
func joinEnds(left, right string, w int) string {
	gap := w - lipgloss.Width(left) - lipgloss.Width(right)
	if gap < 1 {
		return left
	}
	return left + strings.Repeat(" ", gap) + right
}

func (m *Model) footer() []string {
	st := m.st
	var line string
	switch m.prompt {
	case promptFilter:
		return splitLines(m.filter.View())
	case promptExportFormat:
		return splitLines(m.export.FormatView())
	case promptExportName:
		return splitLines(m.export.View())
	default:
		switch {
		case m.err != "":
			e := "error: " + clean(m.err)
			if ansi.StringWidth(e) > m.width {
				// A long error takes the keys' line too, until the next key.
				ls := splitLines(ansi.Wrap(e, m.width, ""))
				if len(ls) > 2 {
					ls = []string{ls[0], ansi.Truncate(strings.Join(ls[1:], " "), m.width, "…")}
				}
				for i := range ls {
					ls[i] = st.Error.Render(ls[i])
				}
				return ls
			}
			line = st.Error.Render(e)
		case m.status != "":
			line = st.Status.Render(clean(m.status))
		default:
			line = m.position()
		}
	}
	return []string{line, m.shortHelp(m.keys().short)}
}

// position says where the cursor is on the screen in front.
func (m *Model) position() string {
	switch m.screen {
	case screenDetail:
		return m.detail.Position()
	case screenTree:
		return m.tree.Position()
	case screenFlame:
		return m.flame.Position()
	case screenSites:
		return m.sites.Position()
	}
	return ""
}
