// Package tui is dumpdiff's terminal explorer (dumpdiff explore), built on
// Bubble Tea v2. It renders what the engine computed: a ranked trend, a pair
// diff, a site's statistics and stack, and a call tree that only sums the
// engine's per-site values. It never parses snapshots and never computes
// statistics; every engine call runs in a tea.Cmd, never in Update.
package tui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/report"
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

	trend  *dumpdiff.TrendResult
	trendQ dumpdiff.Options // the query trend answers
	pair   *dumpdiff.CompareResult
	// trendCallers and pairCallers say which caller tells same-named
	// sites apart (distinguishingCallers).
	trendCallers, pairCallers []int32
	pairMode                  bool
	base, tgt                 int

	screen screen
	back   screen // where esc returns from the tree
	table  Table
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
	m.table = NewTable(WithStyles(m.st))
	tk := m.table.KeyMap
	tk.Up, tk.Down, tk.PageUp, tk.PageDown, tk.Top, tk.Bottom = m.km.Up, m.km.Down, m.km.PageUp, m.km.PageDown, m.km.Top, m.km.Bottom
	m.table.KeyMap = tk
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

// chrome is the number of header and footer lines around the body: two
// each, one each on a terminal under ten lines, so the body still shows.
func (m Model) chrome() (header, footer int) {
	if m.height < 10 {
		return 1, 1
	}
	return 2, 2
}

func (m Model) bodyHeight() int {
	h, f := m.chrome()
	return max(m.height-h-f, 1)
}

func (m *Model) layout() {
	bh := m.bodyHeight()
	m.table.SetSize(m.width, bh)
	m.detail.SetSize(m.width, bh)
	m.tree.SetSize(m.width, bh)
	m.pick.SetSize(m.width, bh)
	m.help.SetWidth(m.width)
	m.filter.SetWidth(m.width)
	m.export.SetWidth(m.width)
	if m.trend != nil || m.pair != nil {
		// The columns depend on the width; the selection survives.
		// Narrow screens drop columns, so the sort goes by title.
		sel, sort := m.table.Selected(), m.table.SortTitle()
		m.table.SetColumns(m.columns(), m.siteCount())
		m.table.SetSortTitle(sort)
		m.applyFilter()
		m.table.Select(sel)
	}
}

// Trend returns the trend shown, nil before the first result.
func (m Model) Trend() *dumpdiff.TrendResult { return m.trend }

// Pair returns the pair diff shown in pair mode.
func (m Model) Pair() *dumpdiff.CompareResult { return m.pair }

// Table returns the sites table.
func (m Model) Table() Table { return m.table }

// Screen names the screen in front: "sites", "detail", "tree" or "pick".
func (m Model) Screen() string {
	return [...]string{"sites", "detail", "tree", "pick"}[m.screen]
}

// Err returns the error line shown, "" when none.
func (m Model) Err() string { return m.err }

// Status returns the status line shown.
func (m Model) Status() string { return m.status }

func (m Model) siteCount() int {
	if m.pairMode {
		if m.pair == nil {
			return 0
		}
		return len(m.pair.Sites)
	}
	if m.trend == nil {
		return 0
	}
	return len(m.trend.Sites)
}

func (m Model) unit() string {
	if m.pairMode && m.pair != nil {
		return m.pair.Metric.Unit
	}
	if m.trend != nil {
		return m.trend.Metric.Unit
	}
	return ""
}

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
	sel, wasPair := m.selectedKey(), m.pairMode
	if msg.trend != nil {
		m.trend, m.trendQ, m.trendCallers = msg.trend, msg.query, msg.callers
		m.pairMode = false
	} else {
		m.pair, m.pairCallers = msg.pair, msg.callers
		m.base, m.tgt = msg.base, msg.tgt
		m.pairMode = true
	}
	sort := m.table.SortTitle()
	if m.pairMode != wasPair {
		sort = "" // the two tables have different columns
	}
	m.table.SetColumns(m.columns(), m.siteCount())
	m.table.SetSortTitle(sort)
	m.applyFilter()
	m.selectKey(sel)
	if m.screen == screenDetail || m.screen == screenTree {
		m.screen = screenSites
	}
	return m
}

// selectedKey is the key of the site under the cursor, to keep it selected
// across recomputations.
func (m Model) selectedKey() string {
	i := m.table.Selected()
	if i < 0 {
		return ""
	}
	if m.pairMode && m.pair != nil && i < len(m.pair.Sites) {
		return m.pair.Sites[i].Key
	}
	if !m.pairMode && m.trend != nil && i < len(m.trend.Sites) {
		return m.trend.Sites[i].Key
	}
	return ""
}

func (m *Model) selectKey(k string) {
	if k == "" {
		return
	}
	i := -1
	if m.pairMode && m.pair != nil {
		i = slices.IndexFunc(m.pair.Sites, func(s dumpdiff.PairSite) bool { return s.Key == k })
	} else if !m.pairMode && m.trend != nil {
		i = slices.IndexFunc(m.trend.Sites, func(s dumpdiff.TrendSite) bool { return s.Key == k })
	}
	if i >= 0 {
		m.table.Select(i)
	}
}

// shownPair is the base and target of the pair diff on screen, or the
// defaults (first and last) before there is one.
func (m Model) shownPair() (int, int) {
	if m.pair == nil {
		return 0, max(len(m.snaps)-1, 0)
	}
	return m.pairIndex(m.pair.Base), m.pairIndex(m.pair.Target)
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

// applyFilter shows the sites whose title or key matches the filter.
func (m *Model) applyFilter() {
	re := m.filter.Regexp()
	if re == nil || m.siteCount() == 0 {
		m.table.SetFilter(nil)
		return
	}
	match := re.MatchString
	if lit, complete := re.LiteralPrefix(); complete {
		// Most typed filters are plain text: a substring search is many
		// times faster than the regexp machine on 100 000 sites.
		match = func(s string) bool { return strings.Contains(s, lit) }
	}
	var titleKey func(i int) (string, string)
	if m.pairMode {
		sites := m.pair.Sites
		titleKey = func(i int) (string, string) { return sites[i].Title, sites[i].Key }
	} else {
		sites := m.trend.Sites
		titleKey = func(i int) (string, string) { return sites[i].Title, sites[i].Key }
	}
	m.table.SetFilter(func(i int) bool {
		title, key := titleKey(i)
		return match(title) || (key != title && match(key))
	})
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
		if m.trend != nil || m.pair != nil {
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
			m.applyFilter()
		} else if m.pairMode {
			return m.leavePair()
		}
		return m, nil
	case key.Matches(msg, m.km.Filter):
		m.prompt = promptFilter
		return m, m.filter.Focus()
	case key.Matches(msg, m.km.Sort):
		m.table.CycleSort()
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
		return m.recompute(m.pairMode)
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
		return m.recompute(m.pairMode)
	case key.Matches(msg, m.km.Tree):
		return m.openTree("")
	case key.Matches(msg, m.km.Pair):
		if len(m.snaps) < 2 {
			m.status = "pair mode needs two snapshots"
			return m, nil
		}
		if m.pairMode {
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
	if m.pairMode {
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
	m.pairMode = false
	m.table.SetColumns(m.columns(), m.siteCount())
	m.table.SetSort(-1)
	m.applyFilter()
	return m, nil
}

// routeBody hands navigation and the mouse to the screen in front.
func (m Model) routeBody(msg tea.Msg) (Model, tea.Cmd) {
	var cmd tea.Cmd
	switch m.screen {
	case screenSites:
		m.table, cmd = m.table.Update(msg)
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
	i := m.table.Selected()
	if i < 0 {
		return Detail{}, false
	}
	s := siteInfo{of: m.table.Len(), pos: m.table.Cursor()}
	if m.pairMode {
		s.pair = &m.pair.Sites[i]
		s.snaps = []dumpdiff.SnapshotInfo{m.pair.Base, m.pair.Target}
		s.metric = m.pair.Metric
	} else {
		s.trend = &m.trend.Sites[i]
		s.snaps = m.trend.Snapshots
		s.metric = m.trend.Metric
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
		i := m.table.Selected()
		if i < 0 {
			return m, nil
		}
		var fs []dumpdiff.Frame
		if m.pairMode {
			fs = m.pair.Sites[i].Frames
		} else {
			fs = m.trend.Sites[i].Frames
		}
		if len(fs) == 0 {
			m.status = "this site has no frames"
			return m, nil
		}
		focus = frameName(fs[0])
	}
	// The tree sums over the sites in view: the filter narrows it too.
	items := m.table.Items()
	sites := make([]TreeSite, 0, len(items))
	suffix := "/lc"
	for _, i := range items {
		if m.pairMode {
			s := m.pair.Sites[i]
			sites = append(sites, TreeSite{Frames: s.Frames, Value: float64(s.Delta)})
			suffix = ""
		} else {
			s := m.trend.Sites[i]
			sites = append(sites, TreeSite{Frames: s.Frames, Value: s.Growth})
		}
	}
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
		m.applyFilter()
		return m, nil
	case key.Matches(msg, m.filter.KeyMap.Accept):
		m.prompt = promptNone
		m.filter.Blur()
		return m, nil
	}
	var cmd tea.Cmd
	m.filter, cmd = m.filter.Update(msg)
	if m.filter.Err() == "" {
		m.applyFilter()
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
	if m.pairMode {
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
		trend, pair := m.viewResult()
		return m, runExport(m.opts.Export, path, m.export.Format(), trend, pair)
	}
	var cmd tea.Cmd
	m.export, cmd = m.export.Update(msg)
	return m, cmd
}

// viewResult is the result as the user sees it: filtered and sorted.
func (m Model) viewResult() (*dumpdiff.TrendResult, *dumpdiff.CompareResult) {
	items := m.table.Items()
	if m.pairMode {
		c := *m.pair
		c.Sites = make([]dumpdiff.PairSite, len(items))
		for j, i := range items {
			c.Sites[j] = m.pair.Sites[i]
		}
		return nil, &c
	}
	t := *m.trend
	t.Sites = make([]dumpdiff.TrendSite, len(items))
	for j, i := range items {
		t.Sites[j] = m.trend.Sites[i]
	}
	return &t, nil
}

// shownMetric is the metric of the result on screen.
func (m Model) shownMetric() dumpdiff.Metric {
	if m.pairMode && m.pair != nil {
		return m.pair.Metric
	}
	if m.trend != nil {
		return m.trend.Metric
	}
	return dumpdiff.Metric{}
}

// metricID names the shown metric as --metric would: malloc/count when
// another metric is also named malloc.
func (m Model) metricID() string {
	if m.trend == nil && m.pair == nil {
		return ""
	}
	return dumpdiff.MetricID(m.shownMetric(), m.metrics)
}

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
		body = fit(splitLines(m.renderHelp()), m.width, bh)
	case m.screen == screenDetail:
		body = m.detail.View()
	case m.screen == screenTree:
		body = m.tree.View()
	case m.screen == screenPick:
		body = m.pick.View()
	case m.trend == nil && m.pair == nil:
		msg := "computing…"
		if !m.busy {
			msg = "nothing to show: see the error below"
		}
		body = fit([]string{"", "  " + m.st.Subtle.Render(msg)}, m.width, bh)
	case m.table.Len() == 0:
		// The column headings stay, so the screen does not jump.
		head, _, _ := strings.Cut(m.table.View(), "\n")
		msg := "no sites"
		if re := m.filter.Regexp(); re != nil {
			msg = "no site matches /" + clean(re.String()) + "/ · esc clears the filter"
		}
		body = fit([]string{head, "", "  " + m.st.Subtle.Render(msg)}, m.width, bh)
	default:
		body = m.table.View()
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

func (m Model) header() []string {
	st := m.st
	left := st.Title.Render("dumpdiff explore")
	var facts []string
	if t := m.trend; t != nil {
		format := ""
		if len(t.Snapshots) > 0 {
			format = string(t.Snapshots[0].Format)
		}
		facts = append(facts, fmt.Sprintf("%d snapshots", len(t.Snapshots)), format, m.metricID())
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

	var parts []string
	unit := m.unit()
	if m.pairMode && m.pair != nil {
		p := m.pair
		delta := "Δ total " + formatSigned(p.Target.Total-p.Base.Total, unit)
		pair := fmt.Sprintf("base #%d %s → target #%d %s", p.Base.Lifecycle, baseName(p.Base.Path), p.Target.Lifecycle, baseName(p.Target.Path))
		if ansi.StringWidth(pair+delta)+len("pair ·  · by category") > m.width {
			// The lifecycle numbers say it; the pick list (P) has the files.
			pair = fmt.Sprintf("base #%d → target #%d", p.Base.Lifecycle, p.Target.Lifecycle)
		}
		parts = append(parts, st.Section.Render("pair"), pair, delta)
	} else if t := m.trend; t != nil {
		parts = append(parts, "total "+formatGrowth(t.Total.Growth, unit, "/lc"))
		if pr := t.Projection; pr != nil {
			parts = append(parts, "limit "+report.FormatQuantity(float64(pr.Limit), unit)+" "+formatLifecycles(pr.Lifecycles))
		}
	}
	parts = append(parts, st.Subtle.Render("by "+string(m.query.GroupBy)))
	if n := len(m.warnings()); n > 0 {
		w := "1 warning"
		if n > 1 {
			w = fmt.Sprintf("%d warnings", n)
		}
		parts = append(parts, st.Error.Render(w+" (?)"))
	}
	if m.busy || m.treeBusy {
		parts = append(parts, st.Prompt.Render("computing…"))
	}
	return []string{line1, strings.Join(parts, st.Subtle.Render(" · "))}
}

// joinEnds puts left and right on one line of width w, right-aligned.
func joinEnds(left, right string, w int) string {
	gap := w - lipgloss.Width(left) - lipgloss.Width(right)
	if gap < 1 {
		return left
	}
	return left + strings.Repeat(" ", gap) + right
}

func (m Model) footer() []string {
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

// shortHelp renders the footer's keys, dropping the least important ones
// (the list is in order of importance) until they fit the width; the last
// two, ? help and q quit, always stay, so every other key can be found.
func (m Model) shortHelp(bs []key.Binding) string {
	h := m.help
	h.SetWidth(0) // measure untruncated
	if len(bs) < 2 {
		return h.ShortHelpView(bs)
	}
	rest, always := bs[:len(bs)-2], bs[len(bs)-2:]
	for k := len(rest); k > 0; k-- {
		if v := h.ShortHelpView(append(slices.Clip(rest[:k]), always...)); lipgloss.Width(v) <= m.width {
			return v
		}
	}
	return h.ShortHelpView(always)
}

// position says where the cursor is and what the table holds.
func (m Model) position() string {
	st := m.st
	switch m.screen {
	case screenDetail:
		if n := len(m.detail.site.frames()); n > 0 {
			return st.Subtle.Render(fmt.Sprintf("frame %d of %d", m.detail.frame+1, n))
		}
		return ""
	case screenTree:
		return st.Subtle.Render(fmt.Sprintf("row %d of %d", m.tree.cursor+1, len(m.tree.rows)))
	}
	if m.screen != screenSites || (m.trend == nil && m.pair == nil) {
		return ""
	}
	total := m.siteCount()
	s := fmt.Sprintf("site %d of %d", min(m.table.Cursor()+1, m.table.Len()), m.table.Len())
	if m.table.Len() == 0 {
		s = "no sites"
	}
	if re := m.filter.Regexp(); re != nil {
		s += fmt.Sprintf(" matching /%s/ (of %d)", clean(re.String()), total)
	}
	if !m.pairMode && m.trend != nil && m.trend.SiteCount > total {
		s += fmt.Sprintf(" · top %d of %d", total, m.trend.SiteCount)
	}
	if c := m.table.SortTitle(); c != "" {
		s += " · sorted by " + c
	}
	return st.Subtle.Render(s)
}

// keys are the bindings of the screen in front, for the footer and ? help.
func (m Model) keys() screenKeys {
	k := m.km
	nav := []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}
	switch {
	case m.screen == screenDetail:
		return screenKeys{
			short: []key.Binding{withHelp(k.Up, "↑/↓", "frame"), k.Tree, k.Back, k.Help, k.Quit},
			full:  [][]key.Binding{nav, {k.Tree, k.Back, k.Help, k.Quit}},
		}
	case m.screen == screenTree:
		return screenKeys{
			short: []key.Binding{withHelp(k.Up, "↑/↓", "move"), k.Toggle, withHelp(k.Tree, "t", "re-centre"), k.Back, k.Collapse, k.Help, k.Quit},
			full:  [][]key.Binding{nav, {k.Toggle, k.Collapse, withHelp(k.Tree, "t", "re-centre"), k.Back, k.Help, k.Quit}},
		}
	case m.screen == screenPick:
		return screenKeys{
			short: []key.Binding{withHelp(k.SetBase, "b", "base"), withHelp(k.SetTarget, "t", "target"), withHelp(k.Open, "enter", "compare"), k.Back, withHelp(k.Up, "↑/↓", "move"), k.Help, k.Quit},
			full:  [][]key.Binding{{k.Up, k.Down, k.Top, k.Bottom}, {k.SetBase, k.SetTarget, withHelp(k.Open, "enter", "compare"), k.Back, k.Quit}},
		}
	}
	short := []key.Binding{k.Open, k.Filter, k.Sort, k.Tree, k.Pair, k.Metric, k.GroupBy, k.Export, k.Help, k.Quit}
	pair := []key.Binding{k.Pair, k.BasePrev, k.BaseNext, k.TargetPrev, k.TargetNext, k.PickPair}
	if m.pairMode {
		short = []key.Binding{k.Open, withHelp(k.BasePrev, "[ ]", "base"), withHelp(k.TargetPrev, "{ }", "target"), withHelp(k.Pair, "p", "trend"), k.PickPair, k.Filter, k.Export, k.Help, k.Quit}
	}
	return screenKeys{
		short: short,
		full: [][]key.Binding{nav,
			{k.Open, k.Back, k.Filter, k.Sort, k.Tree},
			{k.Metric, k.GroupBy, k.Export, k.Help, k.Quit},
			pair},
	}
}

func withHelp(b key.Binding, k, desc string) key.Binding {
	b.SetHelp(k, desc)
	return b
}

// warnings are the shown result's warnings: skipped lines, unresolved
// binaries, rounded values.
func (m Model) warnings() []error {
	if m.pairMode && m.pair != nil {
		return m.pair.Warnings
	}
	if m.trend != nil {
		return m.trend.Warnings
	}
	return nil
}

func (m Model) renderHelp() string {
	h := m.help
	h.ShowAll = true
	verdicts := ansi.Wrap("Verdicts: leak (keeps growing) · plateau (grew, then flat) · noise · shrinking · new · gone", max(m.width-4, 10), "")
	out := "\n" + m.st.Section.Render("  Keys") + "\n\n" + indent(h.View(m.keys()), "  ") +
		"\n\n" + m.st.Subtle.Render(indent(verdicts, "  "))
	if ws := m.warnings(); len(ws) > 0 {
		out += "\n\n" + m.st.Section.Render("  Warnings")
		for i, w := range ws {
			if i == 8 {
				out += "\n  " + m.st.Subtle.Render(fmt.Sprintf("… and %d more", len(ws)-i))
				break
			}
			out += "\n" + indent(ansi.Wrap(clean(strings.Join(strings.Fields(w.Error()), " ")), max(m.width-4, 10), ""), "  ")
		}
	}
	return out + "\n\n" + m.st.Subtle.Render("  Press any key to close.")
}

func indent(s, by string) string {
	return by + strings.ReplaceAll(s, "\n", "\n"+by)
}
