package tui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
)

// The root model's handlers: what a key does on each screen and in each
// prompt, and how the detail and call tree screens are opened. Update and
// onKey in model.go route to them.

// groupBys is the order c cycles through.
var groupBys = []dumpdiff.GroupBy{dumpdiff.GroupByStack, dumpdiff.GroupByFunction, dumpdiff.GroupByLine, dumpdiff.GroupByCategory}

// onSitesKey is what a key does on the sites screen. It is longer than 80
// lines on purpose: one case per key of the sites KeyMap, each a few lines
// that call the sites model, read best as the one table of the screen's keys
// that the help screen lists.
func (m Model) onSitesKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.km.Open):
		if d, ok := m.openDetail(); ok {
			m.detail, m.screen = d, screenDetail
		}
		return m, nil
	case key.Matches(msg, m.km.Back):
		if m.filter.Regexp() != nil || m.filter.Class() != "" {
			m.filter.Clear()
			m.sites.SetFilter(nil, "")
		} else if m.sites.PairMode() {
			return m.leavePair()
		}
		return m, nil
	case key.Matches(msg, m.km.Filter):
		m.prompt = promptFilter
		return m, m.filter.Focus()
	case key.Matches(msg, m.km.Sort):
		m.sites.CycleSort()
		return m, nil
	case key.Matches(msg, m.km.Reverse):
		m.sites.Reverse()
		return m, nil
	case key.Matches(msg, m.km.Verdict):
		return m.cycleVerdict(), nil
	case key.Matches(msg, m.km.NextLeak), key.Matches(msg, m.km.PrevLeak):
		m.status = m.sites.NextLeak(key.Matches(msg, m.km.PrevLeak))
		return m, nil
	case key.Matches(msg, m.km.Metric):
		if len(m.metrics) < 2 {
			m.status = "only one metric in this series"
			return m, nil
		}
		// Metrics go by their ID: NMT has malloc/bytes and malloc/count,
		// and "malloc" alone would always select the first.
		// The last asked metric, not the shown one, so quick presses
		// step on while a result is on its way.
		cur := m.asked.opts.Metric
		if cur == "" {
			cur = m.metricID()
		}
		i := slices.IndexFunc(m.metrics, func(x dumpdiff.Metric) bool {
			return dumpdiff.MetricID(x, m.metrics) == cur || x.Name == cur
		})
		m.asked.opts.Metric = dumpdiff.MetricID(m.metrics[(i+1)%len(m.metrics)], m.metrics)
		return m.recompute(m.sites.PairMode())
	case key.Matches(msg, m.km.GroupBy):
		// Step on from the last grouping asked, so quick presses go on
		// while a result is on its way; one the engine refused is no
		// longer offered.
		gs := m.groupings
		if len(gs) < 2 {
			m.status = "this series can only be grouped by " + string(m.asked.opts.GroupBy)
			return m, nil
		}
		i := slices.Index(gs, m.asked.opts.GroupBy)
		m.asked.opts.GroupBy = gs[(i+1)%len(gs)]
		return m.recompute(m.sites.PairMode())
	case key.Matches(msg, m.km.Tree):
		return m.openTree("")
	case key.Matches(msg, m.km.Flame):
		return m.openFlame()
	case key.Matches(msg, m.km.Pair):
		if len(m.snaps) < 2 {
			m.status = "pair mode needs two snapshots"
			return m, nil
		}
		if m.sites.PairMode() {
			return m.leavePair()
		}
		return m.recompute(true)
	case key.Matches(msg, m.km.Export):
		if m.opts.Export == nil {
			m.status = "export is not available here"
			return m, nil
		}
		m.prompt = promptExportFormat
		return m, nil
	}
	if m.sites.PairMode() {
		b, t := m.asked.base, m.asked.tgt
		switch {
		case key.Matches(msg, m.km.BasePrev):
			b--
		case key.Matches(msg, m.km.BaseNext):
			b++
		case key.Matches(msg, m.km.TargetPrev):
			t--
		case key.Matches(msg, m.km.TargetNext):
			t++
		case key.Matches(msg, m.km.PickPair):
			m.screen = screenPick
			m.pick = NewPick(m.snaps, m.asked.base, m.asked.tgt, m.unit(), pickKeyMap(m.km), m.st)
			m.pick.SetSize(m.width, m.bodyHeight())
			return m, nil
		}
		last := len(m.snaps) - 1
		if why := pairEnd(b, t, last, m.snaps); why != "" {
			// Nothing moves past the ends of the series: say so,
			// rather than leave the key looking dead.
			m.status = why
		}
		b, t = max(min(b, last), 0), max(min(t, last), 0)
		if b != m.asked.base || t != m.asked.tgt {
			m.asked.base, m.asked.tgt = b, t
			return m.recompute(true)
		}
	} else if key.Matches(msg, m.km.BasePrev, m.km.BaseNext, m.km.TargetPrev, m.km.TargetNext) {
		m.status = "[ ] { } move the base and target of a pair diff: p starts one"
		return m, nil
	}
	return m.routeBody(msg)
}

// cycleVerdict narrows the sites to the next verdict present (statuses in
// pair mode), after the last back to all, keeping the typed expression.
func (m Model) cycleVerdict() Model {
	classes := m.sites.Classes()
	if len(classes) == 0 {
		m.status = "no verdicts to filter by"
		return m
	}
	next := classes[0]
	if i := slices.Index(classes, m.sites.Class()); i >= 0 {
		next = ""
		if i+1 < len(classes) {
			next = classes[i+1]
		}
	}
	m.filter.SetClass(next)
	m.sites.SetFilter(m.filter.Regexp(), next)
	if next == "" {
		m.status = "every verdict"
		if m.sites.PairMode() {
			m.status = "every status"
		}
	}
	return m
}

// pairEnd says why base b or target t, one step past the series' ends
// (0…last), did not move; "" when both are inside.
func pairEnd(b, t, last int, snaps []dumpdiff.SnapshotInfo) string {
	name := func(i int) string { return snapLabel(snaps, i) }
	switch {
	case b < 0:
		return "the base is already the first snapshot, " + name(0)
	case b > last:
		return "the base is already the last snapshot, " + name(last)
	case t < 0:
		return "the target is already the first snapshot, " + name(0)
	case t > last:
		return "the target is already the last snapshot, " + name(last)
	}
	return ""
}

// leavePair goes back to the trend, recomputing it when the metric or the
// grouping changed while in pair mode.
func (m Model) leavePair() (Model, tea.Cmd) {
	t, p := m.sites.Trend(), m.sites.Pair()
	if t == nil || p == nil || dumpdiff.MetricID(t.Metric, m.metrics) != dumpdiff.MetricID(p.Metric, m.metrics) || t.GroupBy != p.GroupBy {
		return m.recompute(false)
	}
	m.sites.ShowTrend()
	m.asked = m.shown()
	return m, nil
}

func (m Model) openDetail() (Detail, bool) {
	s, ok := m.sites.Selected()
	if !ok {
		return Detail{}, false
	}
	s.metricID = dumpdiff.MetricID(s.metric, m.metrics)
	d := NewDetail(s, m.km, m.st)
	d.SetSize(m.width, m.bodyHeight())
	return d, true
}

func (m Model) onDetailKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.km.Back):
		m.screen = screenSites
		return m, nil
	case key.Matches(msg, m.km.Tree):
		f, ok := m.detail.Frame()
		if !ok {
			return m, nil
		}
		return m.openTree(f.Name())
	}
	return m.routeBody(msg)
}

// openTree shows the call tree of focus, or of the selected site's innermost
// frame when focus is empty.
func (m Model) openTree(focus string) (Model, tea.Cmd) {
	if focus == "" {
		fs, ok := m.sites.SelectedFrames()
		if !ok {
			return m, nil
		}
		if len(fs) == 0 {
			m.status = "this site has no frames"
			return m, nil
		}
		focus = fs[0].Name()
	}
	// The tree sums over the sites in view: the filter narrows it too.
	src, suffix := m.sites.TreeSource()
	// Summing 100 000 stacks takes a while: it runs as a command, and the
	// tree opens when it is built, unless the user went elsewhere.
	m.treeSeq++
	m.treeBusy = true
	seq, from, unit := m.treeSeq, m.screen, m.unit()
	return m, func() tea.Msg {
		return treeMsg{seq: seq, from: from, tree: BuildCallTree(src(), focus), unit: unit, suffix: suffix}
	}
}

// treeMsg carries a built call tree back to Update.
type treeMsg struct {
	seq          int
	from         screen // the screen t was pressed on
	tree         CallTree
	unit, suffix string
}

func (m Model) onTree(msg treeMsg) Model {
	if msg.seq != m.treeSeq {
		return m
	}
	m.treeBusy = false
	if msg.from != m.screen || m.showHelp || m.prompt != promptNone {
		return m // the user moved on
	}
	m.tree = NewTree(msg.tree, msg.unit, msg.suffix, m.km, m.st)
	m.tree.SetSize(m.width, m.bodyHeight())
	if m.screen != screenTree {
		m.back = m.screen
	}
	m.screen = screenTree
	return m
}

func (m Model) onTreeKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	if key.Matches(msg, m.km.Back) {
		m.screen = m.back
		return m, nil
	}
	if key.Matches(msg, m.km.Tree) {
		// Re-centre the tree on the frame under the cursor.
		if f := m.tree.Selected(); f != "" {
			return m.openTree(f)
		}
		return m, nil
	}
	return m.routeBody(msg)
}

// openFlame builds the flame graph of the sites in view (the filter narrows
// it too) in a command, as the call tree is built, and shows it when done.
func (m Model) openFlame() (Model, tea.Cmd) {
	if !m.sites.HasResult() {
		return m, nil
	}
	src, suffix := m.sites.TreeSource()
	m.flameSeq++
	m.flameBusy = true
	seq, unit := m.flameSeq, m.unit()
	return m, func() tea.Msg {
		sites := src()
		return flameMsg{seq: seq, root: BuildFlame(sites), total: len(sites), unit: unit, suffix: suffix}
	}
}

// flameMsg carries a built flame graph back to Update.
type flameMsg struct {
	seq          int
	root         *CallNode
	total        int
	unit, suffix string
}

func (m Model) onFlame(msg flameMsg) Model {
	if msg.seq != m.flameSeq {
		return m
	}
	m.flameBusy = false
	if m.screen != screenSites || m.showHelp || m.prompt != promptNone {
		return m // the user moved on
	}
	m.flame = NewFlame(msg.root, msg.total, msg.unit, msg.suffix, flameKeyMap(m.km), m.st)
	m.flame.SetSize(m.width, m.bodyHeight())
	m.screen = screenFlame
	return m
}

func (m Model) onFlameKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.km.Back):
		if m.flame.Zoomed() {
			m.flame.Unzoom()
		} else {
			m.screen = screenSites
		}
		return m, nil
	case key.Matches(msg, m.km.Tree):
		// The call tree of the selected frame; esc comes back here.
		if f := m.flame.Selected(); f != "" {
			return m.openTree(f)
		}
		return m, nil
	}
	return m.routeBody(msg)
}

func (m Model) onPickKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.km.Back):
		m.screen = screenSites
		return m, nil
	case key.Matches(msg, m.km.Open):
		m.screen = screenSites
		return m.recompute(true)
	}
	var cmd tea.Cmd
	m.pick, cmd = m.pick.Update(msg)
	m.asked.base, m.asked.tgt = m.pick.Pair()
	return m, cmd
}

func (m Model) onFilterKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.filter.KeyMap.Cancel):
		m.prompt = promptNone
		m.filter.Clear()
		m.filter.Blur()
		m.sites.SetFilter(nil, "")
		return m, nil
	case key.Matches(msg, m.filter.KeyMap.Accept):
		m.prompt = promptNone
		m.filter.Blur()
		return m, nil
	}
	var cmd tea.Cmd
	before, beforeClass := m.filter.Regexp(), m.filter.Class()
	m.filter, cmd = m.filter.Update(msg)
	// Filtering 100 000 sites costs milliseconds and puts the cursor on the
	// first match: only a new expression or verdict does it.
	if re, c := m.filter.Regexp(), m.filter.Class(); m.filter.Err() == "" && (re != before || c != beforeClass) {
		m.sites.SetFilter(re, c)
	}
	return m, cmd
}

func (m Model) onExportFormatKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	if key.Matches(msg, m.export.KeyMap.Cancel) {
		m.prompt = promptNone
		return m, nil
	}
	var done bool
	if m.export, done = m.export.UpdateFormat(msg); !done {
		return m, nil
	}
	m.prompt = promptExportName
	return m, m.export.FocusName(m.exportStem())
}

// fileStem is a file name up to its first dot, made safe for a file name.
func fileStem(name string) string {
	stem, _, _ := strings.Cut(name, ".")
	return strings.Map(func(r rune) rune {
		if r == '/' || r == ' ' || r < 0x20 {
			return '_'
		}
		return r
	}, stem)
}

// exportStem suggests a file name, less the extension, for the current view.
func (m *Model) exportStem() string {
	if m.sites.PairMode() {
		// Named by the pair's files, less their extensions.
		base, tgt := m.shownPair()
		b, t := fileStem(snapLabel(m.snaps, base)), fileStem(snapLabel(m.snaps, tgt))
		if b == t || b == "" || t == "" {
			b, t = fmt.Sprint(base+1), fmt.Sprint(tgt+1)
		}
		return "dumpdiff-compare-" + b + "-" + t
	}
	return "dumpdiff-trend"
}

func (m Model) onExportNameKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.export.KeyMap.CancelName):
		m.prompt = promptNone
		m.export.Blur()
		return m, nil
	case key.Matches(msg, m.export.KeyMap.Accept):
		m.prompt = promptNone
		m.export.Blur()
		path := m.export.Path()
		if path == "" {
			m.err = "export: no file name"
			return m, nil
		}
		m.status = "writing " + path + "…"
		return m, runExport(m.opts.Export, path, m.export.Format(), m.sites.ViewResult())
	}
	var cmd tea.Cmd
	m.export, cmd = m.export.Update(msg)
	return m, cmd
}
