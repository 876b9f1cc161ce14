// Package tui is dumpdiff's terminal explorer (dumpdiff explore), built on
// Bubble Tea v2. It renders what the engine computed: a ranked trend, a pair
// diff, a site's statistics and stack, and a call tree and a flame graph
// that only sum the engine's per-site values (self and cumulative growth,
// and the verdicts beneath each frame). It never parses snapshots and never
// computes statistics; every engine call runs in a tea.Cmd, never in Update,
// and so do the sums over every site.
package tui

import (
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
	screenFlame
)

// prompt is the input line of the footer, when one is open.
type prompt int

const (
	promptNone prompt = iota
	promptFilter
	promptExportFormat
	promptExportName
)

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
	// groupings are what c cycles: the groupings the series can give
	// (a grouping the engine refused is dropped).
	groupings []dumpdiff.GroupBy
	// asked is the question asked last, the one field the keys change;
	// what the screen shows is read off the results themselves.
	asked query
	seq   int
	busy  bool
	// treeSeq numbers call tree builds; treeBusy is set while one runs.
	treeSeq  int
	treeBusy bool

	screen screen
	back   screen // where esc returns from the tree
	sites  Sites
	detail Detail
	tree   Tree
	pick   Pick
	flame  Flame
	// flameSeq numbers flame graph builds; flameBusy is set while one runs.
	flameSeq  int
	flameBusy bool

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
	m.asked = query{opts: opts.Query, base: 0, tgt: max(len(m.snaps)-1, 0)}
	m.groupings = supportedGroupings(eng, opts.Query)
	if m.asked.opts.GroupBy == "" {
		m.asked.opts.GroupBy = dumpdiff.GroupByStack
	}
	// A series of two snapshots opens on its pair diff: one step gives a
	// trend no verdicts to show.
	m.asked.pair = len(m.snaps) == 2
	m.sites = NewSites(tableKeyMap(m.km), m.st)
	m.help = help.New()
	m.help.Styles = m.st.Help
	m.filter = NewFilter(m.st)
	m.export = NewExport(m.st, opts.ExportDir)
	m.busy = true
	m.width, m.height = 80, 24
	m.layout()
	return m
}

// checker is an Engine that can tell a query it would refuse without
// computing it (*dumpdiff.Series.Check).
type checker interface {
	Check(dumpdiff.Options) error
}

// supportedGroupings are the groupings c offers: every one, less those the
// engine says the series cannot give (category without labels).
func supportedGroupings(eng Engine, q dumpdiff.Options) []dumpdiff.GroupBy {
	c, ok := eng.(checker)
	if !ok {
		return groupBys
	}
	// Only the grouping is in question here: the metric is checked when
	// it is asked for.
	q.Metric = ""
	var out []dumpdiff.GroupBy
	for _, g := range groupBys {
		q.GroupBy = g
		if g == dumpdiff.GroupByStack || c.Check(q) == nil {
			out = append(out, g)
		}
	}
	return out
}

// query is a question to the engine: the options (metric, grouping and
// the rest of the command line's), and in pair mode the pair's snapshots.
type query struct {
	opts      dumpdiff.Options
	pair      bool
	base, tgt int // the pair's snapshots, kept while the trend is shown
}

// command is the engine computation that answers q.
func (q query) command(eng Engine, seq int) tea.Cmd {
	if q.pair {
		return computePair(eng, seq, q.opts, q.base, q.tgt)
	}
	return computeTrend(eng, seq, q.opts)
}

// Init starts the first computation: the trend, or the pair diff when the
// series is two snapshots (such as one NMT .diff file).
func (m Model) Init() tea.Cmd { return m.asked.command(m.eng, m.seq) }

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
	m.flame.SetSize(m.width, bh)
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

// Screen names the screen in front: "sites", "detail", "tree", "pick" or "flame".
func (m Model) Screen() string {
	return [...]string{"sites", "detail", "tree", "pick", "flame"}[m.screen]
}

// Err returns the error line shown, "" when none.
func (m Model) Err() string { return m.err }

// Status returns the status line shown.
func (m Model) Status() string { return m.status }

// unit is the unit of the result shown.
func (m *Model) unit() string { return m.sites.Unit() }

// recompute asks the engine the question asked, in pair mode when pair is
// set. The screen changes when the answer arrives, so a failure leaves it
// as it was.
func (m Model) recompute(pair bool) (Model, tea.Cmd) {
	m.seq++
	m.busy = true
	m.asked.pair = pair
	return m, m.asked.command(m.eng, m.seq)
}

// shown is the question the screen answers, read off its result: the
// question asked before the first result.
func (m *Model) shown() query {
	q := m.asked
	if !m.sites.HasResult() {
		return q
	}
	q.opts.Metric = m.metricID()
	q.opts.GroupBy = m.sites.GroupBy()
	q.pair = m.sites.PairMode()
	q.base, q.tgt = m.shownPair()
	return q
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
		m.pick.SetPair(m.asked.base, m.asked.tgt)
		m.pick.SetUnit(m.unit())
		return m, nil
	case treeMsg:
		return m.onTree(msg), nil
	case flameMsg:
		return m.onFlame(msg), nil
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
		if g := msg.query.GroupBy; g != m.shown().opts.GroupBy && g != dumpdiff.GroupByStack {
			// The engine cannot group this series so: c stops offering it.
			m.groupings = slices.DeleteFunc(slices.Clone(m.groupings), func(x dumpdiff.GroupBy) bool { return x == g })
		}
		m.asked = m.shown() // go back to what is shown
		return m
	}
	m.err = ""
	m.sites.SetResult(msg.shown)
	m.asked = m.shown()
	// A verdict filter the new mode has no such class for is dropped.
	m.filter.SetClass(m.sites.Class())
	if m.screen == screenDetail || m.screen == screenTree || m.screen == screenFlame {
		m.screen = screenSites
	}
	return m
}

// shownPair is the base and target of the pair diff on screen, or the
// defaults (first and last) before there is one.
func (m *Model) shownPair() (int, int) {
	p := m.sites.Pair()
	if p == nil {
		return 0, max(len(m.snaps)-1, 0)
	}
	return m.pairIndex(p.Base), m.pairIndex(p.Target)
}

// pairIndex finds a snapshot's index in the series.
func (m *Model) pairIndex(s dumpdiff.SnapshotInfo) int {
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
	case screenFlame:
		return m.onFlameKey(msg)
	}
	return m.onSitesKey(msg)
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
	case screenFlame:
		m.flame, cmd = m.flame.Update(msg)
	}
	return m, cmd
}

// metricID names the shown metric as --metric would: malloc/count when
// another metric is also named malloc.
func (m *Model) metricID() string {
	if !m.sites.HasResult() {
		return ""
	}
	return dumpdiff.MetricID(m.sites.Metric(), m.metrics)
}

// warnings are the shown result's warnings: skipped lines, unresolved
// binaries, rounded values.
// Repeats are folded into one (groupWarnings).
func (m *Model) warnings() []warning { return groupWarnings(m.sites.Warnings()) }
