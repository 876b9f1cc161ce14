// Package tui is dumpdiff's terminal explorer (dumpdiff explore), built on
// Bubble Tea v2. It renders what the engine computed: a ranked trend, a pair
// diff, a site's statistics and stack, and a call tree that only sums the
// engine's per-site values. It never parses snapshots and never computes
// statistics; every engine call runs in a tea.Cmd, never in Update.
package tui

import (
	"fmt"
	"slices"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
)

// screen is what the body of the root model shows.
type screen int

const (
	screenSites screen = iota
	screenDetail
	screenTree
	screenPick
)

// prompt is the input line of the footer, when one is open.
type prompt int

const (
	promptNone prompt = iota
	promptFilter
	promptExportFormat
	promptExportName
)

// groupBys is the order c cycles through.
var groupBys = []dumpdiff.GroupBy{dumpdiff.GroupByStack, dumpdiff.GroupByFunction, dumpdiff.GroupByLine, dumpdiff.GroupByCategory}

// Model is the explorer's root model: a thin shell that routes keys to the
// screen in front, starts engine computations as commands and lays out the
// header, body and footer.
type Model struct {
	eng   Engine
	opts  Options
	km    KeyMap
	st    Styles
	snaps []dumpdiff.SnapshotInfo

	metrics []dumpdiff.Metric
	// groupAsked is the grouping c asked for last, "" once a result came.
	groupAsked dumpdiff.GroupBy
	query      dumpdiff.Options // what the shown result answers
	want       dumpdiff.Options // what was asked last
	seq        int
	busy       bool
	// treeSeq numbers call tree builds; treeBusy is set while one runs.
	treeSeq  int
	treeBusy bool

	trendQ    dumpdiff.Options // the query the sites' trend answers
	base, tgt int              // the pair asked for last

	screen screen
	back   screen // where esc returns from the tree
	sites  Sites
	detail Detail
	tree   Tree
	pick   Pick

	prompt prompt
	filter Filter
	export Export

	help     help.Model
	showHelp bool
	status   string
	err      string

	width, height int
}

var _ tea.Model = Model{}

// New returns the explorer over a loaded series. It asks the engine only
// for the series' metrics and snapshots; the first trend is computed by the
// command Init returns.
func New(eng Engine, opts Options) Model {
	m := Model{eng: eng, opts: opts, km: DefaultKeyMap(), st: DefaultStyles()}
	if opts.KeyMap != nil {
		m.km = *opts.KeyMap
	}
	if opts.Styles != nil {
		m.st = *opts.Styles
	}
	m.snaps = eng.Snapshots()
	m.metrics = eng.Metrics()
	m.want = opts.Query
	if m.want.GroupBy == "" {
		m.want.GroupBy = dumpdiff.GroupByStack
	}
	m.query = m.want
	m.base, m.tgt = 0, max(len(m.snaps)-1, 0)
	k := m.km
	m.sites = NewSites(TableKeyMap{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}, m.st)
	m.help = help.New()
	m.help.Styles = m.st.Help
	m.filter = NewFilter(m.st)
	m.export = NewExport(m.st)
	m.busy = true
	m.width, m.height = 80, 24
	m.layout()
	return m
}

// Init starts the first computation: the trend, or the pair diff when the
// series is two snapshots (such as one NMT .diff file), since one step
// gives a trend no verdicts to show.
func (m Model) Init() tea.Cmd {
	if len(m.snaps) == 2 {
		return computePair(m.eng, m.seq, m.want, m.base, m.tgt)
	}
	return computeTrend(m.eng, m.seq, m.want)
}

// SetSize lays the screens out for a terminal of w × h cells.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = max(w, 1), max(h, 1)
	m.layout()
}

func (m *Model) layout() {
	bh := m.bodyHeight()
	m.sites.SetSize(m.width, bh)
	m.detail.SetSize(m.width, bh)
	m.tree.SetSize(m.width, bh)
	m.pick.SetSize(m.width, bh)
	m.help.SetWidth(m.width)
	m.filter.SetWidth(m.width)
	m.export.SetWidth(m.width)
}

// Trend returns the trend shown, nil before the first result.
func (m Model) Trend() *dumpdiff.TrendResult { return m.sites.Trend() }

// Pair returns the pair diff shown in pair mode.
func (m Model) Pair() *dumpdiff.CompareResult { return m.sites.Pair() }

// Table returns the sites table.
func (m Model) Table() Table { return m.sites.Table() }

// Screen names the screen in front: "sites", "detail", "tree" or "pick".
func (m Model) Screen() string {
	return [...]string{"sites", "detail", "tree", "pick"}[m.screen]
}

// Err returns the error line shown, "" when none.
func (m Model) Err() string { return m.err }

// Status returns the status line shown.
func (m Model) Status() string { return m.status }

// unit is the unit of the result shown.
func (m Model) unit() string { return m.sites.Unit() }

// recompute asks the engine for the current query: a pair diff of base and
// target when pair is set, else the trend. The mode changes when the answer
// arrives, so a failure leaves the screen as it was.
func (m Model) recompute(pair bool) (Model, tea.Cmd) {
	m.seq++
	m.busy = true
	if pair {
		return m, computePair(m.eng, m.seq, m.want, m.base, m.tgt)
	}
	return m, computeTrend(m.eng, m.seq, m.want)
}

// Update routes messages: results, window sizes, mouse and keys.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	return m.update(msg)
}

func (m Model) update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.SetSize(msg.Width, msg.Height)
		return m, nil
	case resultMsg:
		m = m.onResult(msg)
		// The picker marks the pair and shows totals in the unit shown.
		m.pick.SetPair(m.base, m.tgt)
		m.pick.SetUnit(m.unit())
		return m, nil
	case treeMsg:
		return m.onTree(msg), nil
	case exportedMsg:
		if msg.err != nil {
			m.err, m.status = msg.err.Error(), ""
		} else {
			m.err, m.status = "", "wrote "+msg.path
		}
		return m, nil
	case tea.MouseWheelMsg:
		return m.routeBody(msg)
	case tea.KeyPressMsg:
		return m.onKey(msg)
	}
	var cmd tea.Cmd
	switch m.prompt {
	case promptFilter:
		m.filter, cmd = m.filter.Update(msg)
	case promptExportName:
		m.export, cmd = m.export.Update(msg)
	}
	return m, cmd
}

func (m Model) onResult(msg resultMsg) Model {
	if msg.seq != m.seq {
		return m // a newer question is on its way
	}
	m.busy = false
	if msg.err != nil {
		m.err = msg.err.Error()
		m.want = m.query // go back to what is shown
		m.base, m.tgt = m.shownPair()
		return m
	}
	m.err, m.groupAsked = "", ""
	m.query = msg.query
	if msg.trend != nil {
		m.trendQ = msg.query
		m.sites.SetTrend(msg.trend, msg.callers)
	} else {
		m.base, m.tgt = msg.base, msg.tgt
		m.sites.SetPair(msg.pair, msg.callers)
	}
	if m.screen == screenDetail || m.screen == screenTree {
		m.screen = screenSites
	}
	return m
}

// shownPair is the base and target of the pair diff on screen, or the
// defaults (first and last) before there is one.
func (m Model) shownPair() (int, int) {
	p := m.sites.Pair()
	if p == nil {
		return 0, max(len(m.snaps)-1, 0)
	}
	return m.pairIndex(p.Base), m.pairIndex(p.Target)
}

// pairIndex finds a snapshot's index in the series.
func (m Model) pairIndex(s dumpdiff.SnapshotInfo) int {
	for i, x := range m.snaps {
		if x.Path == s.Path && x.Lifecycle == s.Lifecycle {
			return i
		}
	}
	return 0
}

func (m Model) onKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	if msg.String() == "ctrl+c" {
		return m, tea.Quit
	}
	if msg.String() == "alt+esc" {
		// Two quick presses of esc reach us as one alt+esc (esc is also
		// the start of escape sequences): they mean back, twice.
		esc := tea.KeyPressMsg{Code: tea.KeyEscape}
		m, c1 := m.onKey(esc)
		m, c2 := m.onKey(esc)
		return m, tea.Batch(c1, c2)
	}
	if m.prompt == promptNone {
		// A message stays until the next key: then the footer shows
		// where the cursor is again. A failed first result keeps its
		// error, as there is nothing else to show.
		m.status = ""
		if m.sites.HasResult() {
			m.err = ""
		}
	}
	switch m.prompt {
	case promptFilter:
		return m.onFilterKey(msg)
	case promptExportFormat:
		return m.onExportFormatKey(msg)
	case promptExportName:
		return m.onExportNameKey(msg)
	}
	if m.showHelp {
		if key.Matches(msg, m.km.Quit) {
			return m, tea.Quit
		}
		m.showHelp = false // any key closes the help
		return m, nil
	}
	switch {
	case key.Matches(msg, m.km.Quit):
		return m, tea.Quit
	case key.Matches(msg, m.km.Help):
		m.showHelp = true
		return m, nil
	}
	switch m.screen {
	case screenDetail:
		return m.onDetailKey(msg)
	case screenTree:
		return m.onTreeKey(msg)
	case screenPick:
		return m.onPickKey(msg)
	}
	return m.onSitesKey(msg)
}

func (m Model) onSitesKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.km.Open):
		if d, ok := m.openDetail(); ok {
			m.detail, m.screen = d, screenDetail
		}
		return m, nil
	case key.Matches(msg, m.km.Back):
		if m.filter.Regexp() != nil {
			m.filter.Clear()
			m.sites.SetFilter(nil)
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
	case key.Matches(msg, m.km.Metric):
		if len(m.metrics) < 2 {
			m.status = "only one metric in this series"
			return m, nil
		}
		// Metrics go by their ID: NMT has malloc/bytes and malloc/count,
		// and "malloc" alone would always select the first.
		// The last asked metric, not the shown one, so quick presses
		// step on while a result is on its way.
		cur := m.want.Metric
		if cur == "" {
			cur = m.metricID()
		}
		i := slices.IndexFunc(m.metrics, func(x dumpdiff.Metric) bool {
			return dumpdiff.MetricID(x, m.metrics) == cur || x.Name == cur
		})
		m.want.Metric = dumpdiff.MetricID(m.metrics[(i+1)%len(m.metrics)], m.metrics)
		return m.recompute(m.sites.PairMode())
	case key.Matches(msg, m.km.GroupBy):
		// Step on from the last grouping asked, even if it failed (no
		// category label): else c would ask for it again and again.
		from := m.groupAsked
		if from == "" {
			from = m.want.GroupBy
		}
		i := slices.Index(groupBys, from)
		m.want.GroupBy = groupBys[(i+1)%len(groupBys)]
		m.groupAsked = m.want.GroupBy
		return m.recompute(m.sites.PairMode())
	case key.Matches(msg, m.km.Tree):
		return m.openTree("")
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
		b, t := m.base, m.tgt
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
			m.pick = NewPick(m.snaps, m.base, m.tgt, m.unit(), pickKeyMap(m.km), m.st)
			m.pick.SetSize(m.width, m.bodyHeight())
			return m, nil
		}
		b, t = max(min(b, len(m.snaps)-1), 0), max(min(t, len(m.snaps)-1), 0)
		if b != m.base || t != m.tgt {
			m.base, m.tgt = b, t
			return m.recompute(true)
		}
	}
	return m.routeBody(msg)
}

// leavePair goes back to the trend, recomputing it when the metric or the
// grouping changed while in pair mode.
func (m Model) leavePair() (Model, tea.Cmd) {
	if m.trendQ.Metric != m.query.Metric || m.trendQ.GroupBy != m.query.GroupBy {
		return m.recompute(false)
	}
	m.sites.ShowTrend()
	return m, nil
}

// routeBody hands navigation and the mouse to the screen in front.
func (m Model) routeBody(msg tea.Msg) (Model, tea.Cmd) {
	var cmd tea.Cmd
	switch m.screen {
	case screenSites:
		m.sites, cmd = m.sites.Update(msg)
	case screenDetail:
		m.detail, cmd = m.detail.Update(msg)
	case screenTree:
		m.tree, cmd = m.tree.Update(msg)
	case screenPick:
		m.pick, cmd = m.pick.Update(msg)
	}
	return m, cmd
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
		return m.openTree(frameName(f))
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
		focus = frameName(fs[0])
	}
	// The tree sums over the sites in view: the filter narrows it too.
	sites, suffix := m.sites.TreeSites()
	// Summing 100 000 stacks takes a while: it runs as a command, and the
	// tree opens when it is built, unless the user went elsewhere.
	m.treeSeq++
	m.treeBusy = true
	seq, from, unit := m.treeSeq, m.screen, m.unit()
	return m, func() tea.Msg {
		return treeMsg{seq: seq, from: from, tree: BuildCallTree(sites, focus), unit: unit, suffix: suffix}
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
	m.base, m.tgt = m.pick.Pair()
	return m, cmd
}

func (m Model) onFilterKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.filter.KeyMap.Cancel):
		m.prompt = promptNone
		m.filter.Clear()
		m.filter.Blur()
		m.sites.SetFilter(nil)
		return m, nil
	case key.Matches(msg, m.filter.KeyMap.Accept):
		m.prompt = promptNone
		m.filter.Blur()
		return m, nil
	}
	var cmd tea.Cmd
	m.filter, cmd = m.filter.Update(msg)
	if m.filter.Err() == "" {
		m.sites.SetFilter(m.filter.Regexp())
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

// exportStem suggests a file name, less the extension, for the current view.
func (m Model) exportStem() string {
	if m.sites.PairMode() {
		return fmt.Sprintf("dumpdiff-compare-%d-%d", m.base, m.tgt)
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
		trend, pair := m.sites.ViewResult()
		return m, runExport(m.opts.Export, path, m.export.Format(), trend, pair)
	}
	var cmd tea.Cmd
	m.export, cmd = m.export.Update(msg)
	return m, cmd
}

// metricID names the shown metric as --metric would: malloc/count when
// another metric is also named malloc.
func (m Model) metricID() string {
	if !m.sites.HasResult() {
		return ""
	}
	return dumpdiff.MetricID(m.sites.Metric(), m.metrics)
}

// warnings are the shown result's warnings: skipped lines, unresolved
// binaries, rounded values.
func (m Model) warnings() []error { return m.sites.Warnings() }
