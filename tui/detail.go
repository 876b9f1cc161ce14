package tui

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/report"
)

// siteInfo is the part of a site the detail screen shows, from a trend or a
// pair diff: exactly one of trend and pair is set.
type siteInfo struct {
	trend *dumpdiff.TrendSite
	pair  *dumpdiff.PairSite
	// snaps are the snapshots of the values: every snapshot for a trend,
	// base and target for a pair.
	snaps  []dumpdiff.SnapshotInfo
	metric dumpdiff.Metric
	// metricID names the metric as --metric does (malloc/count).
	metricID string
	of       int // number of sites in the view, for "site 3 of 120"
	pos      int
}

func (s siteInfo) frames() []dumpdiff.Frame {
	switch {
	case s.trend != nil:
		return s.trend.Frames
	case s.pair != nil:
		return s.pair.Frames
	}
	return nil
}

// Detail is the site detail screen: statistics, the value at each lifecycle
// as a bar chart, and the call stack with a frame cursor (t opens the call
// tree of the frame under it).
type Detail struct {
	KeyMap   KeyMap
	Styles   Styles
	site     siteInfo
	frame    int // frame cursor
	stackOff int // first frame shown when the stack is windowed
	offset   int // first line shown
	width    int
	height   int
}

// NewDetail returns the detail screen of a site.
func NewDetail(s siteInfo, km KeyMap, st Styles) Detail {
	return Detail{KeyMap: km, Styles: st, site: s}
}

// SetSize sets the screen size.
func (d *Detail) SetSize(w, h int) { d.width, d.height = w, h; d.follow() }

// Position says which frame the cursor is on, "" for a site without frames.
func (d Detail) Position() string {
	if n := len(d.site.frames()); n > 0 {
		return d.Styles.Subtle.Render(fmt.Sprintf("frame %d of %d", d.frame+1, n))
	}
	return ""
}

// Frame returns the frame under the cursor.
func (d Detail) Frame() (dumpdiff.Frame, bool) {
	fs := d.site.frames()
	if d.frame < len(fs) {
		return fs[d.frame], true
	}
	return dumpdiff.Frame{}, false
}

// follow scrolls so the frame cursor stays visible.
func (d *Detail) follow() {
	if d.site.trend == nil && d.site.pair == nil {
		return
	}
	n := len(d.site.frames())
	d.frame = max(min(d.frame, n-1), 0)
	lines, at, off := renderDetailLines(d.site, d.frame, d.stackOff, d.width, d.height, d.Styles)
	d.stackOff = off
	if at >= 0 {
		if at < d.offset {
			d.offset = at
		}
		if at >= d.offset+d.height {
			d.offset = at - d.height + 1
		}
	}
	d.offset = max(min(d.offset, len(lines)-d.height), 0)
}

// Update moves the frame cursor and scrolls.
func (d Detail) Update(msg tea.Msg) (Detail, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, d.KeyMap.Up):
			d.frame--
		case key.Matches(msg, d.KeyMap.Down):
			d.frame++
		case key.Matches(msg, d.KeyMap.PageUp):
			d.offset -= d.height
			d.frame -= d.height
		case key.Matches(msg, d.KeyMap.PageDown):
			d.offset += d.height
			d.frame += d.height
		case key.Matches(msg, d.KeyMap.Top):
			d.frame, d.offset = 0, 0
		case key.Matches(msg, d.KeyMap.Bottom):
			d.frame, d.offset = len(d.site.frames())-1, 1<<30
		}
	case tea.MouseWheelMsg:
		// The wheel walks the stack; the page follows the cursor.
		d.frame += wheelRows(msg)
	}
	d.follow()
	return d, nil
}

// View renders the detail screen, exactly width × height.
func (d Detail) View() string {
	lines, _, _ := renderDetailLines(d.site, d.frame, d.stackOff, d.width, d.height, d.Styles)
	end := min(d.offset+d.height, len(lines))
	return fit(lines[min(d.offset, end):end], d.width, d.height)
}

// renderDetailLines lays out the detail for a screen height lines tall; it
// returns the lines, the index of the line holding the frame cursor (-1
// when there are no frames) and the first frame shown. When the detail is
// taller than the screen, the blank separators and the statistics title go
// first; then the call stack shows a window of frames around the cursor
// (starting at stackOff when that keeps the cursor in it), so statistics,
// stack and chart all stay on screen. Only when even that does not fit do
// the lines exceed height, for the caller to scroll.
func renderDetailLines(s siteInfo, frame, stackOff, width, height int, st Styles) ([]string, int, int) {
	n := len(s.frames())
	lines, at := detailLines(s, frame, 0, n, false, width, st)
	if len(lines) <= height {
		return lines, at, 0
	}
	lines, at = detailLines(s, frame, 0, n, true, width, st)
	if len(lines) <= height {
		return lines, at, 0
	}
	rows := height - (len(lines) - n)
	if rows < 3 || n <= rows {
		return lines, at, 0
	}
	stackOff = max(min(stackOff, frame, n-rows), frame-rows+1, 0)
	lines, at = detailLines(s, frame, stackOff, rows, true, width, st)
	return lines, at, stackOff
}

// detailLines lays out the detail with frames [from, from+rows) of the
// call stack; compact leaves out the blank separators and the statistics
// title.
func detailLines(s siteInfo, frame, from, rows int, compact bool, width int, st Styles) (lines []string, at int) {
	unit := s.metric.Unit
	blank := func() {
		if !compact {
			lines = append(lines, "")
		}
	}
	title := "?"
	var badge string
	if s.trend != nil {
		title = s.trend.Title
		badge = st.Verdicts[s.trend.Verdict].Render(string(s.trend.Verdict))
	} else {
		title = s.pair.Title
		badge = st.Statuses[s.pair.Status].Render(string(s.pair.Status))
	}
	lines = append(lines, st.Subtle.Render(fmt.Sprintf("site %d of %d · ", s.pos+1, s.of))+badge)
	// The full name, however long: this is where it is read. A C++
	// signature wraps onto at most three lines.
	tl := splitLines(ansi.Wrap(clean(title), max(width, 1), ",( "))
	if len(tl) > 3 {
		tl = append(tl[:2], ansi.Truncate(strings.Join(tl[2:], ""), width, "…"))
	}
	for _, l := range tl {
		lines = append(lines, st.Title.Render(l))
	}
	if c := siteCategory(s); c != "" && c != title {
		lines = append(lines, st.Subtle.Render("category ")+clean(c))
	}
	blank()

	// Statistics, as key/value pairs wrapped to the width.
	var stats [][2]string
	if t := s.trend; t != nil {
		stats = [][2]string{
			{"growth", formatGrowth(t.Growth, unit, "/lc")},
			{"total", formatSigned(t.TotalGrowth, unit)},
			{"r²", strconv.FormatFloat(t.R2, 'f', 3, 64)},
			{"Mann–Kendall p", formatP(t.MKP)},
			{"monotonic", fmt.Sprintf("%.0f%%", t.Monotonic*100)},
			{"verdict", string(t.Verdict)},
		}
	} else {
		p := s.pair
		stats = [][2]string{
			{"base", formatValue(p.Base, unit)},
			{"target", formatValue(p.Target, unit)},
			{"delta", formatSigned(p.Delta, unit)},
			{"delta %", report.FormatPct(p.DeltaPct)},
			{"status", string(p.Status)},
		}
	}
	if !compact {
		lines = append(lines, st.Section.Render("Statistics"))
	}
	var row strings.Builder
	row.WriteString("  ")
	rowW := 2
	for _, kv := range stats {
		cell := kv[0] + " " + kv[1]
		w := len([]rune(cell)) + 3
		if rowW > 2 && rowW+w > width {
			lines = append(lines, row.String())
			row.Reset()
			row.WriteString("  ")
			rowW = 2
		}
		row.WriteString(st.Subtle.Render(kv[0]+" ") + kv[1] + "   ")
		rowW += w
	}
	lines = append(lines, row.String())
	blank()

	// The call stack, innermost first.
	fs := s.frames()
	// The footer offers t for the call tree of the marked frame.
	heading := st.Section.Render("Call stack") + st.Subtle.Render(" innermost first")
	if rows < len(fs) {
		heading = st.Section.Render("Call stack") + st.Subtle.Render(fmt.Sprintf(" innermost first, frames %d–%d of %d", from+1, from+rows, len(fs)))
	}
	lines = append(lines, heading)
	at = -1
	numW := len(strconv.Itoa(len(fs)))
	fnW, locs := 0, false
	for _, f := range fs {
		fnW = max(fnW, ansi.StringWidth(clean(frameName(f))))
		locs = locs || location(f, width) != ""
	}
	if locs {
		fnW = min(fnW, max(width/2, width-2-numW-2-2-24))
	} else {
		fnW = min(fnW, width-2-numW-2)
	}
	room := width - (2 + numW + 2 + fnW + 2)
	for i := from; i < min(from+rows, len(fs)); i++ {
		f := fs[i]
		mark := "  "
		if i == frame {
			mark, at = "› ", len(lines)
		}
		line := mark + st.Subtle.Render(pad(strconv.Itoa(i), numW, true)) + "  " + pad(shortName(clean(frameName(f)), fnW), fnW, false)
		if loc := location(f, room); loc != "" && room > 0 {
			line += "  " + st.Subtle.Render(ansi.TruncateLeft(loc, max(ansi.StringWidth(loc)-room, 0), "…"))
		}
		lines = append(lines, selectRow(line, i == frame, width, st))
	}
	if len(fs) == 0 {
		lines = append(lines, st.Subtle.Render("  no frames"))
	}
	blank()

	// The value at each lifecycle, as bars scaled to the largest.
	var vals []int64
	if s.trend != nil {
		vals = s.trend.Values
	} else {
		vals = []int64{s.pair.Base, s.pair.Target}
	}
	chartTitle := "Value per lifecycle"
	if s.pair != nil {
		chartTitle = "Base and target"
	}
	lines = append(lines, st.Section.Render(chartTitle)+st.Subtle.Render(" ("+clean(s.metricID)+")"))
	var top int64
	for _, v := range vals {
		top = max(top, v)
	}
	labels := make([]string, len(vals))
	labW := 0
	for i := range vals {
		if i < len(s.snaps) {
			labels[i] = "#" + strconv.Itoa(s.snaps[i].Lifecycle)
			if s.pair != nil {
				labels[i] = []string{"base ", "target "}[i] + labels[i]
			}
		}
		labW = max(labW, len(labels[i]))
	}
	valW := 10
	nameW := 0
	for i := range vals {
		if i < len(s.snaps) {
			nameW = max(nameW, min(ansi.StringWidth(baseName(s.snaps[i].Path)), 24))
		}
	}
	barW := max(min(width-2-labW-1-1-valW-2-nameW, 60), 4)
	for i, v := range vals {
		name := ""
		if i < len(s.snaps) {
			name = "  " + pad(baseName(s.snaps[i].Path), nameW, false)
		}
		lines = append(lines, "  "+pad(labels[i], labW, false)+" "+st.Bar.Render(bar(v, top, barW))+" "+
			pad(formatValue(v, unit), valW, true)+st.Subtle.Render(name))
	}
	return lines, at
}

// location is a frame's file:line, shortened to its last two path elements
// when the whole path does not fit in room cells; the module when there is
// no file.
func location(f dumpdiff.Frame, room int) string {
	if f.File == "" {
		if strings.HasPrefix(f.Function, f.Module) {
			return "" // "libfoo.so+0x1a2b" already names its module
		}
		return clean(f.Module)
	}
	line := ""
	if f.Line > 0 {
		line = ":" + strconv.FormatInt(f.Line, 10)
	}
	file := clean(f.File)
	if ansi.StringWidth(file+line) > room {
		parts := strings.Split(file, "/")
		if len(parts) > 2 {
			file = "…/" + strings.Join(parts[len(parts)-2:], "/")
		}
	}
	return file + line
}

// selectRow restyles line as the cursor's row, a whole width wide, when sel
// is set.
func selectRow(line string, sel bool, width int, st Styles) string {
	if !sel {
		return line
	}
	return st.Selected.Render(fitWidth(ansi.Strip(line), width))
}

func siteCategory(s siteInfo) string {
	if s.trend != nil {
		return s.trend.Category
	}
	return s.pair.Category
}

// eighths are the partial blocks of a bar, in eighths of a cell.
var eighths = []rune(" ▏▎▍▌▋▊▉")

// bar draws v as a horizontal bar of w cells scaled so that top fills them.
func bar(v, top int64, w int) string {
	if top <= 0 || v <= 0 {
		return strings.Repeat(" ", w)
	}
	n := int(float64(v) / float64(top) * float64(w*8))
	full, part := n/8, n%8
	s := strings.Repeat("█", full)
	if part > 0 {
		s += string(eighths[part])
		full++
	}
	return s + strings.Repeat(" ", w-full)
}
