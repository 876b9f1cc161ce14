package tui

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
)

// siteInfo is the part of a site the detail screen shows: the shared
// dumpdiff.Site, and what its kind says of it (statistics, chart).
type siteInfo struct {
	site dumpdiff.Site
	detailKind
	metric dumpdiff.Metric
	// metricID names the metric as --metric does (malloc/count).
	metricID string
	of       int // number of sites in the view, for "site 3 of 120"
	pos      int
}

func (s siteInfo) frames() []dumpdiff.Frame { return s.site.Frames }

// Detail is the site detail screen: statistics, the value at each lifecycle
// as a bar chart, and the call stack with a frame cursor (t opens the call
// tree of the frame under it).
type Detail struct {
	KeyMap   KeyMap
	Styles   Styles
	site     siteInfo
	frame    int  // frame cursor
	stackOff int  // first frame shown when the stack is windowed
	barOff   int  // first lifecycle bar shown when the bars are windowed
	windowed bool // the bars do not all fit: [ and ] scroll them
	offset   int  // first line shown
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
	if d.site.stats == nil {
		return // no site yet
	}
	n := len(d.site.frames())
	d.frame = max(min(d.frame, n-1), 0)
	l := layoutDetail(d.site, d.frame, d.stackOff, d.barOff, d.width, d.height, d.Styles)
	d.stackOff, d.barOff = l.stackOff, l.barOff
	d.windowed = l.barRows < len(l.parts.bars)
	if l.at >= 0 {
		if l.at < d.offset {
			d.offset = l.at
		}
		if l.at >= d.offset+d.height {
			d.offset = l.at - d.height + 1
		}
	}
	d.offset = max(min(d.offset, len(l.lines)-d.height), 0)
}

// Update moves the frame cursor and scrolls; [ and ] scroll the lifecycle
// bars when they do not all fit.
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
		case key.Matches(msg, d.KeyMap.BasePrev):
			d.barOff--
		case key.Matches(msg, d.KeyMap.BaseNext):
			d.barOff++
		}
	case tea.MouseWheelMsg:
		// The wheel walks the stack; the page follows the cursor.
		d.frame += wheelRows(msg)
	}
	d.follow()
	return d, nil
}

// BarsWindowed reports whether the lifecycle bars scroll ([ and ]).
func (d Detail) BarsWindowed() bool { return d.windowed }

// View renders the detail screen, exactly width × height.
func (d Detail) View() string {
	lines := layoutDetail(d.site, d.frame, d.stackOff, d.barOff, d.width, d.height, d.Styles).lines
	end := min(d.offset+d.height, len(lines))
	return fit(lines[min(d.offset, end):end], d.width, d.height)
}

// detailParts are the pieces of a detail screen, built once per render and
// stacked by layoutDetail.
type detailParts struct {
	head   []string // the site's rank, verdict, title and category
	stats  []string // the statistics, wrapped to the width
	frames []string // one line per frame, the cursor's selected
	chart  string   // the chart's title
	bars   []string // one line per lifecycle
}

// detailLayout is a detail laid out for the screen.
type detailLayout struct {
	lines    []string
	at       int // the line of the frame cursor, -1 without frames
	stackOff int // the first frame shown
	barOff   int // the first lifecycle bar shown
	barRows  int // the lifecycle bars shown
	parts    detailParts
}

// layoutDetail stacks the detail for a screen height lines tall. When it is
// taller than the screen the blank separators and the statistics title go
// first; then the call stack and the lifecycle bars each show a window (the
// stack around the frame cursor, the bars from barOff, with a line saying
// how many more follow and that [ and ] scroll them), so statistics, stack
// and chart all stay on screen. Only when even that does not fit do the
// lines exceed height, for the caller to scroll.
func layoutDetail(s siteInfo, frame, stackOff, barOff, width, height int, st Styles) detailLayout {
	p := detailParts{
		head:   detailHead(s, width, st),
		stats:  detailStats(s, width, st),
		frames: detailFrames(s, frame, width, st),
	}
	p.chart, p.bars = detailChart(s, width, st)
	nf, nb := len(p.frames), len(p.bars)
	for _, compact := range []bool{false, true} {
		if l := stackDetail(p, s, frame, 0, nf, 0, nb, compact, st); len(l.lines) <= height {
			return l
		}
	}
	// Compact, with windows: what is left after the fixed lines goes to
	// the stack and the bars, the bars at least three lines (two bars and
	// the line saying more follow) and the stack the rest.
	fixed := len(p.head) + len(p.stats) + 2
	if nf == 0 {
		fixed++ // "no frames"
	}
	rest := height - fixed
	if rest < 4 {
		return stackDetail(p, s, frame, 0, nf, 0, nb, true, st)
	}
	barRows := min(nb, max(3, rest-nf))
	stackRows := min(nf, rest-barRows)
	if stackRows < 1 {
		stackRows = 1
		barRows = rest - 1
	}
	barRows = min(barRows, nb, rest-stackRows)
	stackOff = max(min(stackOff, frame, nf-stackRows), frame-stackRows+1, 0)
	return stackDetail(p, s, frame, stackOff, stackRows, barOff, barRows, true, st)
}

// stackDetail stacks the parts with frames [from, from+rows) of the stack
// and bars [barOff, barOff+barRows) of the chart (one line fewer when more
// bars follow or precede: a line says so); compact leaves out the blank
// separators and the statistics title.
func stackDetail(p detailParts, s siteInfo, frame, from, rows, barOff, barRows int, compact bool, st Styles) detailLayout {
	nf, nb := len(p.frames), len(p.bars)
	l := detailLayout{at: -1, stackOff: from, parts: p}
	add := func(ls ...string) { l.lines = append(l.lines, ls...) }
	blank := func() {
		if !compact {
			add("")
		}
	}
	add(p.head...)
	blank()
	if !compact {
		add(st.Section.Render("Statistics"))
	}
	add(p.stats...)
	blank()

	// The call stack, innermost first. The footer offers t for the call
	// tree of the marked frame.
	heading := st.Section.Render("Call stack") + st.Subtle.Render(" innermost first")
	if rows < nf {
		heading += st.Subtle.Render(fmt.Sprintf(", frames %d–%d of %d", from+1, from+rows, nf))
	}
	add(heading)
	for i := from; i < min(from+rows, nf); i++ {
		if i == frame {
			l.at = len(l.lines)
		}
		add(p.frames[i])
	}
	if nf == 0 {
		add(st.Subtle.Render("  no frames"))
	}
	blank()

	// The value at each lifecycle; a window of them when they do not fit.
	shown := min(barRows, nb)
	if shown < nb {
		shown = max(barRows-1, 1) // room for the line that says more follow
	}
	barOff = max(min(barOff, nb-shown), 0)
	l.barOff, l.barRows = barOff, shown
	title := p.chart
	if shown < nb {
		title += st.Subtle.Render(fmt.Sprintf(" %d–%d of %d", barOff+1, barOff+shown, nb))
	}
	add(title)
	add(p.bars[barOff : barOff+shown]...)
	if shown < nb {
		var more []string
		if barOff > 0 {
			more = append(more, fmt.Sprintf("▴ %d above", barOff))
		}
		if after := nb - barOff - shown; after > 0 {
			more = append(more, fmt.Sprintf("▾ %d more below", after))
		}
		add("  " + st.Subtle.Render(strings.Join(more, " · ")+" · [ ] scroll the lifecycles"))
	}
	return l
}

// detailHead is the site's place, verdict or status, full title (a C++
// signature wraps onto at most three lines) and category.
func detailHead(s siteInfo, width int, st Styles) []string {
	title := s.site.Title
	badge := s.badge.Render(s.class)
	lines := []string{st.Subtle.Render(fmt.Sprintf("site %d of %d · ", s.pos+1, s.of)) + badge}
	// The full name, however long: this is where it is read.
	tl := splitLines(ansi.Wrap(clean(title), max(width, 1), ",( "))
	if len(tl) > 3 {
		tl = append(tl[:2], ansi.Truncate(strings.Join(tl[2:], ""), width, "…"))
	}
	for _, l := range tl {
		lines = append(lines, st.Title.Render(l))
	}
	if c := s.site.Category; c != "" && c != title {
		lines = append(lines, st.Subtle.Render("category ")+clean(c))
	}
	return lines
}

// detailStats are the kind's statistics as key/value pairs wrapped to the
// width.
func detailStats(s siteInfo, width int, st Styles) []string {
	stats := s.stats
	var lines []string
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
	return append(lines, row.String())
}

// detailFrames is one line per frame: its number (from 1, as the footer
// counts), its function and its file:line, each shortened in the middle
// with an ellipsis when it does not fit.
func detailFrames(s siteInfo, frame, width int, st Styles) []string {
	fs := s.frames()
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
	lines := make([]string, 0, len(fs))
	for i, f := range fs {
		mark := "  "
		if i == frame {
			mark = "› "
		}
		line := mark + st.Subtle.Render(pad(strconv.Itoa(i+1), numW, true)) + "  " + pad(shortName(clean(frameName(f)), fnW), fnW, false)
		if loc := location(f, room); loc != "" && room > 0 {
			line += "  " + st.Subtle.Render(truncMiddle(loc, room))
		}
		lines = append(lines, selectRow(line, i == frame, width, st))
	}
	return lines
}

// detailChart is the chart's title and one bar per value (each lifecycle
// of a trend, a pair's base and target), scaled to the largest and named
// by the snapshot's file.
func detailChart(s siteInfo, width int, st Styles) (string, []string) {
	unit := s.metric.Unit
	vals := s.values
	title := st.Section.Render(s.chartTitle) + st.Subtle.Render(" ("+clean(s.metricID)+")")
	var top int64
	for _, v := range vals {
		top = max(top, v)
	}
	labels := s.labels
	labW := 0
	for _, l := range labels {
		labW = max(labW, ansi.StringWidth(l))
	}
	const valW = 10
	// A name gives way to the bar down to a third of the width, and is
	// then shortened in the middle: lc1.pb.gz and lc10.pb.gz stay apart.
	labW = min(labW, max(width/3, 8))
	barW := max(min(width-2-labW-1-1-valW, 60), 4)
	bars := make([]string, len(vals))
	for i, v := range vals {
		bars[i] = "  " + pad(truncMiddle(labels[i], labW), labW, false) + " " + st.Bar.Render(bar(v, top, barW)) + " " +
			pad(formatValue(v, unit), valW, true)
	}
	return title, bars
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
