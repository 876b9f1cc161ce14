package tui

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/charmbracelet/x/ansi"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/loader"
	"github.com/dumpdiff/dumpdiff/parsers"
	"github.com/dumpdiff/dumpdiff/parsers/symbolize"
)

// plain is what the user reads: the view without styling.
func plain(m Model) string { return ansi.Strip(m.Render()) }

func TestCursorNavigation(t *testing.T) {
	m := started(t, realSeries(t), Options{}, 80, 24)
	n := m.Table().Len()
	rows := m.bodyHeight() - 1
	if n <= rows {
		t.Fatalf("got %d sites, want a series with more than one screen (%d rows) of them", n, rows)
	}
	tests := []struct {
		keys []string
		want int
	}{
		{[]string{"down"}, 1},
		{[]string{"j", "j", "k"}, 1},
		{[]string{"up"}, 0},
		{[]string{"G"}, n - 1},
		{[]string{"G", "g"}, 0},
		{[]string{"pgdown"}, rows},
		{[]string{"pgdown", "pgup"}, 0},
		{[]string{"G", "j", "j"}, n - 1},
	}
	for _, tt := range tests {
		got := press(t, m, tt.keys...).Table().Cursor()
		if got != tt.want {
			t.Errorf("keys %v: got cursor %d, want %d", tt.keys, got, tt.want)
		}
	}
	// The mouse wheel scrolls.
	w, _ := m.update(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	if got := w.Table().Cursor(); got != 3 {
		t.Errorf("wheel down: got cursor %d, want 3", got)
	}
}

func TestLeakOnTopOfRealSeries(t *testing.T) {
	m := started(t, realSeries(t), Options{}, 80, 24)
	i := m.Table().Selected()
	top := m.Trend().Sites[i]
	if top.Title != "main.(*leakyOperator).open" || top.Verdict != dumpdiff.VerdictLeak {
		t.Errorf("top row: got %s %s, want leak main.(*leakyOperator).open", top.Verdict, top.Title)
	}
}

func TestSortCycle(t *testing.T) {
	m := started(t, newFake(), Options{}, 80, 24)
	var got []string
	for range 5 {
		m = press(t, m, "s")
		c := m.Table().SortColumn()
		name := ""
		if c >= 0 {
			name = m.sites.columns()[c].Title
		}
		got = append(got, name)
	}
	want := []string{"growth/lc", "total", "site", "", "growth/lc"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("sort columns: got %q, want %q", got, want)
	}
	// Sorted by total, the largest total growth comes first.
	m = started(t, newFake(), Options{}, 80, 24)
	m = press(t, m, "s", "s")
	first := m.Trend().Sites[m.Table().Items()[0]]
	if first.Key != "leakyOpen" {
		t.Errorf("first by total: got %s, want leakyOpen", first.Key)
	}
	last := m.Trend().Sites[m.Table().Items()[m.Table().Len()-1]]
	if last.Key != "shrink" {
		t.Errorf("last by total: got %s, want shrink", last.Key)
	}
}

func TestFilter(t *testing.T) {
	m := started(t, newFake(), Options{}, 80, 24)
	m = press(t, m, "/")
	m = typeText(t, m, "warm|session")
	if got := m.Table().Len(); got != 2 {
		t.Errorf("filter warm|session: got %d rows, want 2", got)
	}
	// A bad expression keeps the last good filter and says why.
	m = typeText(t, m, "(")
	if got := m.Table().Len(); got != 2 {
		t.Errorf("bad filter: got %d rows, want the last good filter's 2", got)
	}
	if !strings.Contains(plain(m), "bad filter: missing closing )") {
		t.Errorf("bad filter: error line missing from\n%s", plain(m))
	}
	m = press(t, m, "backspace", "enter")
	if m.filter.Regexp() == nil || m.prompt != promptNone {
		t.Fatalf("enter: got filter %v prompt %d, want the filter kept and the prompt closed", m.filter.Regexp(), m.prompt)
	}
	// Keys are commands again; esc clears the filter.
	m = press(t, m, "j")
	if got := m.Table().Cursor(); got != 1 {
		t.Errorf("after the filter: got cursor %d, want 1", got)
	}
	m = press(t, m, "esc")
	if got := m.Table().Len(); got != 6 {
		t.Errorf("esc: got %d rows, want all 6", got)
	}
	// esc while typing clears it too.
	m = press(t, m, "/", "x", "esc")
	if m.filter.Regexp() != nil || m.Table().Len() != 6 {
		t.Errorf("esc while typing: got filter %v and %d rows, want none and 6", m.filter.Regexp(), m.Table().Len())
	}
}

func TestMetricAndGroupByCycle(t *testing.T) {
	f := newFake()
	m := started(t, f, Options{}, 80, 24)
	m = press(t, m, "m")
	if got := f.asked[len(f.asked)-1].Metric; got != "alloc_objects" {
		t.Errorf("m after inuse_space: asked metric %q, want alloc_objects (the next, wrapping)", got)
	}
	if got := m.Trend().Metric.Name; got != "alloc_objects" {
		t.Errorf("m: shown metric %q, want alloc_objects", got)
	}
	m = press(t, m, "c")
	if got := m.shown().opts.GroupBy; got != dumpdiff.GroupByFunction {
		t.Errorf("c: got group-by %s, want function", got)
	}
	// A failing computation shows an error and keeps what was shown.
	f.failOn = dumpdiff.GroupByCategory
	m = press(t, m, "c", "c")
	if got := m.shown().opts.GroupBy; got != dumpdiff.GroupByLine {
		t.Errorf("failed c: got group-by %s, want line kept", got)
	}
	if !strings.Contains(m.Err(), `no snapshot has a "category" label`) {
		t.Errorf("failed c: got error %q, want the engine's", m.Err())
	}
	// The next c steps past the failed grouping, back to stack.
	m = press(t, m, "c")
	if got := m.shown().opts.GroupBy; got != dumpdiff.GroupByStack || m.Err() != "" {
		t.Errorf("c after failure: got group-by %s and error %q, want stack and none", got, m.Err())
	}
}

// TestGroupByCategoryWithoutLabels cycles c on the real Go series, which
// has no category label: an error that fits the footer, no crash, and c
// goes on to stack.
func TestGroupByCategoryWithoutLabels(t *testing.T) {
	// The Go series carries no labels: c offers stack, function and line,
	// never category (which could only fail).
	m := started(t, realSeries(t), Options{}, 80, 24)
	var got []dumpdiff.GroupBy
	for range 3 {
		m = press(t, m, "c")
		got = append(got, m.shown().opts.GroupBy)
		if m.Err() != "" {
			t.Errorf("c to %s: got error %q, want none", m.shown().opts.GroupBy, m.Err())
		}
	}
	if want := []dumpdiff.GroupBy{dumpdiff.GroupByFunction, dumpdiff.GroupByLine, dumpdiff.GroupByStack}; !slices.Equal(got, want) {
		t.Errorf("c c c: got %v, want %v", got, want)
	}
	// NMT detail has its categories: c reaches category.
	n := started(t, cachedSeries(t, nmtDetailGlob), Options{}, 80, 24)
	n = press(t, n, "c", "c", "c")
	if n.shown().opts.GroupBy != dumpdiff.GroupByCategory || n.Err() != "" {
		t.Errorf("NMT c c c: got by %s and error %q, want category", n.shown().opts.GroupBy, n.Err())
	}
}

func TestStaleResultIgnored(t *testing.T) {
	f := newFake()
	m := started(t, f, Options{}, 80, 24)
	// Two quick m presses: the first answer arrives after the second question.
	m1, cmd1 := m.update(keyMsg("m"))
	m2, cmd2 := m1.update(keyMsg("m"))
	m3, _ := m2.update(cmd2())
	m4, _ := m3.update(cmd1())
	if got := m4.Trend().Metric.Name; got != "alloc_space" {
		t.Errorf("got metric %s after a stale answer, want alloc_space", got)
	}
}

func TestDetailAndBack(t *testing.T) {
	m := started(t, realSeries(t), Options{}, 120, 40)
	m = press(t, m, "enter")
	if m.Screen() != "detail" {
		t.Fatalf("enter: got screen %s, want detail", m.Screen())
	}
	v := plain(m)
	for _, want := range []string{"Call stack", "main.(*leakyOperator).open", "main.operatorOpen", "main.go:68", "r² 1.000", "Value per lifecycle", "32.0 MiB"} {
		if !strings.Contains(v, want) {
			t.Errorf("detail lacks %q:\n%s", want, v)
		}
	}
	m = press(t, m, "j")
	if f, _ := m.detail.Frame(); f.Function != "main.operatorOpen" {
		t.Errorf("j in detail: got frame %q, want main.operatorOpen", f.Function)
	}
	m = press(t, m, "esc")
	if m.Screen() != "sites" {
		t.Errorf("esc: got screen %s, want sites", m.Screen())
	}
	m = press(t, m, "enter", "backspace")
	if m.Screen() != "sites" {
		t.Errorf("backspace: got screen %s, want sites", m.Screen())
	}
}

func TestCallTreeScreen(t *testing.T) {
	m := started(t, realSeries(t), Options{}, 100, 30)
	m = press(t, m, "t")
	if m.Screen() != "tree" {
		t.Fatalf("t: got screen %s, want tree", m.Screen())
	}
	if got := m.tree.Selected(); got != "main.operatorOpen" {
		t.Errorf("tree cursor: got %q, want the first caller main.operatorOpen", got)
	}
	// Collapse the open chain at its top, then open it again.
	before := len(m.tree.rows)
	m = press(t, m, "left")
	if len(m.tree.rows) >= before {
		t.Errorf("left: got %d rows, want fewer than %d", len(m.tree.rows), before)
	}
	m = press(t, m, "enter")
	if len(m.tree.rows) != before {
		t.Errorf("enter: got %d rows, want %d again", len(m.tree.rows), before)
	}
	// t on a caller re-centres the tree there; its callees include the leak.
	m = press(t, m, "t")
	if m.tree.tree.Focus != "main.operatorOpen" {
		t.Errorf("t in tree: got focus %q, want main.operatorOpen", m.tree.tree.Focus)
	}
	if !strings.Contains(plain(m), "main.(*leakyOperator).open") {
		t.Errorf("re-centred tree lacks the leaking callee:\n%s", plain(m))
	}
	m = press(t, m, "esc")
	if m.Screen() != "sites" {
		t.Errorf("esc: got screen %s, want sites", m.Screen())
	}
	// From a detail, t opens the tree of the frame under the cursor and esc goes back there.
	m = press(t, m, "enter", "j", "j", "t")
	if m.tree.tree.Focus != "main.taskOpen" {
		t.Errorf("t in detail: got focus %q, want main.taskOpen", m.tree.tree.Focus)
	}
	m = press(t, m, "esc")
	if m.Screen() != "detail" {
		t.Errorf("esc from a detail's tree: got %s, want detail", m.Screen())
	}
}

func TestPairMode(t *testing.T) {
	m := started(t, newFake(), Options{}, 80, 24)
	m = press(t, m, "p")
	if m.Pair() == nil || !m.sites.PairMode() {
		t.Fatal("p: want a pair diff")
	}
	if m.asked.base != 0 || m.asked.tgt != 7 {
		t.Errorf("p: got pair %d→%d, want 0→7", m.asked.base, m.asked.tgt)
	}
	steps := []struct {
		key       string
		base, tgt int
	}{
		{"]", 1, 7}, {"]", 2, 7}, {"[", 1, 7}, {"[", 0, 7}, {"[", 0, 7},
		{"{", 0, 6}, {"}", 0, 7}, {"}", 0, 7},
	}
	for _, s := range steps {
		m = press(t, m, s.key)
		if m.asked.base != s.base || m.asked.tgt != s.tgt || m.Pair().Base.Lifecycle != s.base || m.Pair().Target.Lifecycle != s.tgt {
			t.Errorf("%s: got pair %d→%d showing %d→%d, want %d→%d", s.key, m.asked.base, m.asked.tgt,
				m.Pair().Base.Lifecycle, m.Pair().Target.Lifecycle, s.base, s.tgt)
		}
	}
	// Pick from the list: base on #2, target on #5.
	m = press(t, m, "P", "g", "j", "j", "b", "j", "j", "j", "t", "enter")
	if m.Screen() != "sites" || m.Pair().Base.Lifecycle != 2 || m.Pair().Target.Lifecycle != 5 {
		t.Errorf("pick: got screen %s pair %d→%d, want sites 2→5", m.Screen(), m.Pair().Base.Lifecycle, m.Pair().Target.Lifecycle)
	}
	top := m.Pair().Sites[m.Table().Selected()]
	if top.Key != "leakyOpen" || top.Delta != 12*mib {
		t.Errorf("pair top: got %s %+d, want leakyOpen +12 MiB", top.Key, top.Delta)
	}
	m = press(t, m, "p")
	if m.sites.PairMode() {
		t.Error("p again: want the trend back")
	}
	// A metric changed in pair mode carries over to the trend.
	m = press(t, m, "p", "m", "p")
	if m.sites.PairMode() || m.Trend().Metric.Name != "alloc_objects" {
		t.Errorf("m in pair mode, then p: got pair mode %v and metric %s, want the trend of alloc_objects", m.sites.PairMode(), m.Trend().Metric.Name)
	}
}

func TestExport(t *testing.T) {
	type call struct {
		path   string
		format ExportFormat
		trend  *dumpdiff.TrendResult
		pair   *dumpdiff.CompareResult
	}
	var got []call
	export := func(path string, f ExportFormat, view dumpdiff.Result) error {
		// One result of either kind: the call records which.
		tr, _ := view.(*dumpdiff.TrendResult)
		p, _ := view.(*dumpdiff.CompareResult)
		got = append(got, call{path, f, tr, p})
		if strings.Contains(path, "fail") {
			return errors.New("disk full")
		}
		return nil
	}
	dir := t.TempDir()
	t.Chdir(dir)
	m := started(t, newFake(), Options{Export: export}, 80, 24)
	m = press(t, m, "/")
	m = typeText(t, m, "leaky|session")
	m = press(t, m, "enter", "e", "c", "enter")
	if len(got) != 1 {
		t.Fatalf("got %d exports, want 1", len(got))
	}
	want := filepath.Join(dir, "dumpdiff-trend.csv")
	if got[0].path != want || got[0].format != ExportCSV || got[0].trend == nil || len(got[0].trend.Sites) != 2 {
		t.Errorf("export: got %s %s with %d sites, want %s csv with the 2 filtered sites", got[0].path, got[0].format, len(got[0].trend.Sites), want)
	}
	if !strings.Contains(m.Status(), "wrote "+want) {
		t.Errorf("status: got %q, want it to say where", m.Status())
	}
	// Markdown of the pair, to a name typed over the suggestion.
	m = press(t, m, "esc", "p", "e", "m")
	// The fake's files are all heap.N.pb.gz: their stems do not tell the
	// pair apart, so it is named by position, counted from 1.
	if got := m.export.Name(); got != "dumpdiff-compare-1-8.md" {
		t.Errorf("suggested name: got %q, want dumpdiff-compare-1-8.md", got)
	}
	for range len(m.export.Name()) {
		m = press(t, m, "backspace")
	}
	m = typeText(t, m, "fail.md")
	m = press(t, m, "enter")
	if len(got) != 2 || got[1].format != ExportMarkdown || got[1].pair == nil {
		t.Fatalf("second export: got %+v, want a markdown pair export", got)
	}
	if m.Err() != "export: disk full" {
		t.Errorf("failed export: got error %q, want export: disk full", m.Err())
	}
	// The next key clears the message; the footer says where the cursor is.
	if got := press(t, m, "j"); got.Err() != "" || !strings.Contains(plain(got), "site 2 of 6") {
		t.Errorf("a key after the error: got error %q, want it cleared and the position shown:\n%s", got.Err(), plain(got))
	}
	// ~/ is the home directory.
	t.Setenv("HOME", dir)
	m = press(t, m, "e", "j")
	for range len(m.export.Name()) {
		m = press(t, m, "backspace")
	}
	m = typeText(t, m, "~/x.json")
	m = press(t, m, "enter")
	if want := filepath.Join(dir, "x.json"); got[len(got)-1].path != want {
		t.Errorf("~/x.json: got path %s, want %s", got[len(got)-1].path, want)
	}
	// esc cancels the prompt.
	m = press(t, m, "e", "esc")
	if m.prompt != promptNone || len(got) != 3 {
		t.Errorf("esc: got prompt %d and %d exports, want none and 3", m.prompt, len(got))
	}
	if _, err := os.Stat(filepath.Join(dir, "dumpdiff-trend.csv")); err == nil {
		t.Error("the fake exporter wrote nothing, yet a file exists")
	}
}

func TestHelpAndQuit(t *testing.T) {
	m := started(t, newFake(), Options{}, 80, 24)
	m = press(t, m, "?")
	if !strings.Contains(plain(m), "pick pair") {
		t.Errorf("?: help lacks the pair keys:\n%s", plain(m))
	}
	m = press(t, m, "x")
	if m.showHelp {
		t.Error("a key should close the help")
	}
	for _, k := range []string{"q", "ctrl+c"} {
		_, cmd := m.update(keyMsg(k))
		if cmd == nil {
			t.Fatalf("%s: got no command, want quit", k)
		}
		if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Errorf("%s: want tea.Quit", k)
		}
	}
	// In the filter prompt, q is text, not quit.
	m = press(t, m, "/", "q")
	if m.filter.Regexp() == nil || m.filter.Regexp().String() != "q" {
		t.Errorf("q in the filter: got filter %v, want q", m.filter.Regexp())
	}
}

func TestViewSetsAltScreenAndMouse(t *testing.T) {
	m := started(t, newFake(), Options{}, 80, 24)
	v := m.View()
	if !v.AltScreen || v.MouseMode != tea.MouseModeCellMotion {
		t.Errorf("got AltScreen %v MouseMode %v, want true and cell motion", v.AltScreen, v.MouseMode)
	}
}

func TestWarningsShown(t *testing.T) {
	f := newFake()
	f.trend.Warnings = []error{errors.New("parse jemalloc dump a.heap line 7: skipped \x1b[2Jthread line")}
	m := started(t, f, Options{}, 100, 30)
	if !strings.Contains(plain(m), "1 warning (?)") {
		t.Errorf("header lacks the warning count:\n%s", plain(m))
	}
	m = press(t, m, "?")
	if v := m.Render(); !strings.Contains(v, "line 7: skipped \uFFFD[2Jthread line") {
		t.Errorf("help lacks the cleaned warning:\n%s", v)
	}
}

// TestMetricCycleNMT cycles m through a real NMT series, which has two
// metrics named malloc (bytes and count): every metric is reached once,
// malloc/count included, and the header names it so.
func TestMetricCycleNMT(t *testing.T) {
	s := loadSeries(t, "../testdata/nmt/jdk17-summary/lc-*.txt", loader.Options{})
	m := started(t, s, Options{Query: dumpdiff.Options{GroupBy: dumpdiff.GroupByCategory}}, 100, 30)
	all := s.Metrics()
	seen := map[dumpdiff.Metric]bool{m.Trend().Metric: true}
	for range len(all) - 1 {
		m = press(t, m, "m")
		if m.Err() != "" {
			t.Fatalf("m: got error %q", m.Err())
		}
		seen[m.Trend().Metric] = true
	}
	if len(seen) != len(all) {
		t.Errorf("m %d times: got %d distinct metrics %v, want all %d: %v", len(all)-1, len(seen), seen, len(all), all)
	}
	for i := 0; m.Trend().Metric != (dumpdiff.Metric{Name: "malloc", Unit: "count"}); i++ {
		if i == len(all) {
			t.Fatalf("m %d times: never reached malloc/count", i)
		}
		m = press(t, m, "m")
	}
	if head := strings.Split(plain(m), "\n")[0]; !strings.HasSuffix(head, "· malloc/count") {
		t.Errorf("header: got %q, want it to name malloc/count", head)
	}
	m = press(t, m, "m")
	if got := m.Trend().Metric; got == (dumpdiff.Metric{Name: "malloc", Unit: "count"}) {
		t.Errorf("m after malloc/count: still %v", got)
	}
}

// TestDiffFilePair opens a real NMT summary.diff (a pair in one file, two
// snapshots) in pair mode at 80x24: the header keeps the total delta, and
// [ ] { } stay within the two snapshots.
func TestDiffFilePair(t *testing.T) {
	// One file is a pair (baseline, current) whatever --order says, and a
	// two-snapshot series opens on its pair diff: one step has no trend.
	s := loadSeries(t, "../testdata/nmt/jdk17-diff/summary.diff.txt", loader.Options{Order: dumpdiff.OrderName})
	m := started(t, s, Options{Title: "testdata/nmt/jdk17-diff/summary.diff.txt"}, 80, 24)
	if !m.sites.PairMode() || m.Err() != "" {
		t.Fatalf("start: got pair mode %v, error %q, want the pair diff", m.sites.PairMode(), m.Err())
	}
	head := strings.Split(plain(m), "\n")[1]
	// The two snapshots of one file are named by it, shortened in the
	// middle to fit: "(baseline)" and the file's end tell them apart.
	if !strings.Contains(head, "base summ…eline) → target summ…ff.txt · Δ total +40.8 MiB") {
		t.Errorf("pair header: got %q, want the two names shortened and the whole delta", head)
	}
	m = press(t, m, "[", "{", "}")
	if m.asked.base != 0 || m.asked.tgt != 1 {
		t.Errorf("[ { }: got pair %d→%d, want 0→1", m.asked.base, m.asked.tgt)
	}
	m = press(t, m, "enter")
	if v := plain(m); strings.Contains(v, "category Other") || !strings.Contains(v, "+500.0%") {
		t.Errorf("detail of Other: want no repeated category and the delta %%:\n%s", v)
	}
	if w, h := lipgloss.Size(m.View().Content); w != 80 || h != 24 {
		t.Errorf("got a %dx%d view, want 80x24", w, h)
	}
	if m = press(t, m, "esc", "p"); m.sites.PairMode() || m.Trend() == nil {
		t.Errorf("p: got pair mode %v, want the trend", m.sites.PairMode())
	}
}

// TestCallTreeOffUpdate checks that t builds the tree in a command, not in
// Update, and that a tree that arrives after the user moved on is dropped.
func TestCallTreeOffUpdate(t *testing.T) {
	m := started(t, realSeries(t), Options{}, 100, 30)
	m1, cmd := m.update(keyMsg("t"))
	if cmd == nil || m1.Screen() != "sites" || !strings.Contains(plain(m1), "computing…") {
		t.Fatalf("t: got screen %s and command %v, want sites, computing…, and a command", m1.Screen(), cmd != nil)
	}
	msg := cmd()
	m2 := press(t, m1, "enter")
	m3, _ := m2.update(msg)
	if m3.Screen() != "detail" || strings.Contains(plain(m3), "computing…") {
		t.Errorf("tree after enter: got screen %s, want the detail kept and computing… gone", m3.Screen())
	}
	m4, _ := m1.update(msg)
	if m4.Screen() != "tree" {
		t.Errorf("tree in time: got screen %s, want tree", m4.Screen())
	}
}

// TestMouseWheelEveryScreen scrolls each screen with the wheel: the
// cursor moves down three rows, then back up.
func TestMouseWheelEveryScreen(t *testing.T) {
	down, up := tea.MouseWheelMsg{Button: tea.MouseWheelDown}, tea.MouseWheelMsg{Button: tea.MouseWheelUp}
	wheel := func(m Model, msg tea.Msg) Model {
		t.Helper()
		m, _ = m.update(msg)
		return m
	}
	// The detail: the wheel walks the frames of the leak's stack.
	m := press(t, started(t, realSeries(t), Options{}, 80, 24), "enter")
	m = wheel(m, down)
	if f, _ := m.detail.Frame(); f.Function != "main.runLifecycle" {
		t.Errorf("wheel down in the detail: got frame %q, want main.runLifecycle", f.Function)
	}
	m = wheel(m, up)
	if f, _ := m.detail.Frame(); f.Function != "main.(*leakyOperator).open" {
		t.Errorf("wheel up in the detail: got frame %q, want the leak", f.Function)
	}
	// The tree.
	m = press(t, started(t, realSeries(t), Options{}, 80, 24), "t")
	before := m.tree.cursor
	m = wheel(m, down)
	if m.tree.cursor != before+3 {
		t.Errorf("wheel down in the tree: got cursor %d, want %d", m.tree.cursor, before+3)
	}
	// The pick list of pair mode.
	m = press(t, started(t, realSeries(t), Options{}, 80, 24), "p", "P", "g")
	m = wheel(wheel(m, down), down)
	if m.pick.Cursor() != 2 {
		t.Errorf("wheel down twice in the pick list: got %d, want 2", m.pick.Cursor())
	}
}

// TestDoubleEsc goes back twice on esc esc typed quickly, which the
// terminal delivers as one alt+esc.
func TestDoubleEsc(t *testing.T) {
	m := press(t, started(t, realSeries(t), Options{}, 100, 30), "enter", "t")
	if m.Screen() != "tree" {
		t.Fatalf("enter t: got screen %s, want tree", m.Screen())
	}
	m, cmd := m.update(tea.KeyPressMsg{Code: tea.KeyEscape, Mod: tea.ModAlt})
	m = drain(t, m, cmd)
	if m.Screen() != "sites" {
		t.Errorf("alt+esc from the tree of a detail: got screen %s, want sites", m.Screen())
	}
}

// TestOneSite walks every screen of a result with a single site.
func TestOneSite(t *testing.T) {
	q := dumpdiff.Options{Focus: regexp.MustCompile(`leakyOperator`)}
	for _, keys := range [][]string{nil, {"j", "G", "pgdown"}, {"enter", "j"}, {"t", "j", "enter"}, {"p"}, {"p", "enter"}, {"p", "P"}, {"s", "s", "s"}, {"/", "x"}, {"?"}} {
		m := started(t, realSeries(t), Options{Query: q}, 80, 24)
		if n := m.Table().Len(); n != 1 {
			t.Fatalf("--focus leakyOperator: got %d sites, want 1", n)
		}
		m = press(t, m, keys...)
		v := m.View().Content
		if w, h := lipgloss.Size(v); w != 80 || h != 24 {
			t.Errorf("keys %v: got a %dx%d view, want 80x24", keys, w, h)
		}
		if m.Err() != "" {
			t.Errorf("keys %v: got error %q", keys, m.Err())
		}
	}
}

// TestFilterSurvivesNewResult keeps a filter across a result with more
// sites than the one it was typed over: leaving pair mode for the trend
// must not run the old filter over the new sites.
func TestFilterSurvivesNewResult(t *testing.T) {
	m := started(t, cachedSeries(t, nmtDetailGlob), Options{}, 80, 24)
	m = press(t, m, "p", "/", "x", "enter")
	pairSites := len(m.Pair().Sites)
	m = press(t, m, "p")
	if m.sites.PairMode() || len(m.Trend().Sites) <= pairSites {
		t.Fatalf("p: got pair mode %v and %d trend sites, want the trend with more than %d", m.sites.PairMode(), len(m.Trend().Sites), pairSites)
	}
	if got := m.Table().Len(); got == 0 || got == len(m.Trend().Sites) {
		t.Errorf("p with /x/: got %d rows of %d, want the filtered few", got, len(m.Trend().Sites))
	}
	for _, k := range []string{"c", "m", "p"} {
		m = press(t, m, k) // each result replaces the sites under the filter
	}
	if !strings.Contains(plain(m), "matching /x/") {
		t.Errorf("c m p: got no filter in the footer:\n%s", plain(m))
	}
}

// TestFilterRecompilesOnlyOnEdit: keys that move the prompt's cursor leave
// the expression, its compiled form and the filtered table alone.
func TestFilterRecompilesOnlyOnEdit(t *testing.T) {
	m := started(t, realSeries(t), Options{}, 100, 30)
	m = press(t, m, "/")
	m = typeText(t, m, "main")
	re := m.filter.Regexp()
	if re == nil {
		t.Fatal("got no filter after typing main")
	}
	m = press(t, m, "left", "left", "right")
	if m.filter.Regexp() != re {
		t.Errorf("cursor keys recompiled the filter")
	}
	m = press(t, m, "backspace")
	if got := m.filter.Regexp(); got == re || got.String() != "man" {
		t.Errorf("got filter %v after backspace, want a new man", got)
	}
}

// TestHeaderRSS: a heaptrack recording cut into lifecycles has RSS
// samples; the header shows the RSS growth beside the traced total's.
func TestHeaderRSS(t *testing.T) {
	s := loadSeries(t, "../testdata/heaptrack/c-lifecycle/lifecycle.zst",
		loader.Options{Parse: parsers.Options{Split: parsers.SplitOptions{Every: 500 * time.Millisecond}}})
	m := started(t, s, Options{}, 100, 30)
	if h := plain(m); !strings.Contains(h, "total +4.7 MiB/lc · rss +4.6 MiB/lc · floor +4.8 KiB/lc · by stack") {
		t.Errorf("header lacks the RSS growth:\n%s", h)
	}
	m = started(t, newFake(), Options{}, 100, 30)
	if h := plain(m); strings.Contains(h, "rss ") {
		t.Errorf("a series without RSS: got a header with rss:\n%s", h)
	}
}

// TestEngineErrorNamesItsStepOnce: an engine error that starts with its own
// step ("trend needs at least two snapshots") is not prefixed with it again.
func TestEngineErrorNamesItsStepOnce(t *testing.T) {
	s, err := loader.Load([]string{"../testdata/pprof/go-lifecycle/lc1.pb.gz"}, loader.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := started(t, s, Options{}, 100, 24)
	if !strings.Contains(m.Err(), "trend needs at least two snapshots") || strings.Contains(m.Err(), "trend: trend") {
		t.Errorf("got error %q, want the engine's, its step named once", m.Err())
	}
}

// TestVerdictFilter cycles v through the verdicts present, types a verdict
// into the filter beside an expression, and checks that pair mode drops a
// verdict it has no such status for.
func TestVerdictFilter(t *testing.T) {
	m := started(t, newFake(), Options{}, 80, 24)
	for _, want := range []struct {
		class string
		n     int
	}{{"leak", 2}, {"plateau", 1}, {"noise", 2}, {"shrinking", 1}, {"", 6}} {
		m = press(t, m, "v")
		if got := m.sites.Class(); got != want.class || m.Table().Len() != want.n {
			t.Errorf("v: got verdict %q with %d rows, want %q with %d", got, m.Table().Len(), want.class, want.n)
		}
	}
	m = press(t, m, "v")
	if !strings.Contains(plain(m), "site 1 of 2 matching verdict leak (of 6)") {
		t.Errorf("v: position line lacks the verdict:\n%s", plain(m))
	}
	// The prompt opens on the verdict; an expression narrows it further.
	m = press(t, m, "/")
	if got := m.filter.input.Value(); got != "verdict:leak" {
		t.Errorf("/ after v: got %q in the prompt, want verdict:leak", got)
	}
	m = typeText(t, m, " session")
	if m.Table().Len() != 1 || m.sites.Class() != "leak" || m.filter.Regexp().String() != "session" {
		t.Errorf("verdict:leak session: got %d rows, verdict %q, re %v; want 1, leak, session", m.Table().Len(), m.sites.Class(), m.filter.Regexp())
	}
	// A verdict that does not exist keeps the last good filter (/verdict/,
	// typed on the way) and says why.
	m = press(t, m, "esc", "/")
	m = typeText(t, m, "verdict:nope")
	if m.sites.Class() != "" || !strings.Contains(plain(m), `bad filter: no verdict "nope"`) {
		t.Errorf("verdict:nope: got verdict %q in\n%s\nwant none and the error", m.sites.Class(), plain(m))
	}
	m = press(t, m, "esc", "/")
	m = typeText(t, m, "verdict:noise")
	m = press(t, m, "enter")
	if m.Table().Len() != 2 {
		t.Errorf("verdict:noise: got %d rows, want 2", m.Table().Len())
	}
	// Pair mode has statuses, not verdicts: the noise filter goes, and v
	// cycles the statuses present.
	m = press(t, m, "p")
	if m.sites.Class() != "" || m.filter.Class() != "" || m.Table().Len() != 6 {
		t.Errorf("pair mode: got verdict %q/%q with %d rows, want none and 6", m.sites.Class(), m.filter.Class(), m.Table().Len())
	}
	m = press(t, m, "v")
	if m.sites.Class() != "grown" || !strings.Contains(plain(m), "matching status grown") {
		t.Errorf("v in pair mode: got %q in\n%s\nwant status grown", m.sites.Class(), plain(m))
	}
}

// TestReverseAndNextLeak checks r (reverse order, the selection kept) and
// n/N (the next and previous leak, wrapping around with a word).
func TestReverseAndNextLeak(t *testing.T) {
	m := started(t, newFake(), Options{}, 80, 24)
	m = press(t, m, "n")
	if got := m.Table().Selected(); got != 1 || m.Status() != "" {
		t.Errorf("n: got item %d status %q, want 1 and none", got, m.Status())
	}
	m = press(t, m, "n")
	if got := m.Table().Selected(); got != 0 || m.Status() != "wrapped to the first leak" {
		t.Errorf("n at the last leak: got item %d status %q, want 0, wrapped", got, m.Status())
	}
	m = press(t, m, "N")
	if got := m.Table().Selected(); got != 1 || m.Status() != "wrapped to the last leak" {
		t.Errorf("N at the first leak: got item %d status %q, want 1, wrapped", got, m.Status())
	}
	m = press(t, m, "r")
	if got := m.Table().Items(); got[0] != 5 || got[5] != 0 || m.Table().Selected() != 1 {
		t.Errorf("r: got order %v with item %d selected, want ranks reversed and 1 kept", got, m.Table().Selected())
	}
	if v := plain(m); !strings.Contains(v, "#▴") || !strings.Contains(v, "rank order reversed") {
		t.Errorf("r: header or position does not say reversed:\n%s", v)
	}
	// Sorting keeps the reversal: by growth, smallest first.
	m = press(t, m, "s")
	if got := m.Table().Items(); got[0] != 5 || got[5] != 0 || !strings.Contains(plain(m), "sorted by growth/lc, reversed") {
		t.Errorf("s after r: got order %v in\n%s", got, plain(m))
	}
	m = press(t, m, "r", "v", "v")
	if m.sites.Class() != "plateau" {
		t.Fatalf("v v: got %q, want plateau", m.sites.Class())
	}
	if m = press(t, m, "n"); m.Status() != "no leak in view" {
		t.Errorf("n without leaks: got status %q, want no leak in view", m.Status())
	}
}

// TestWarningsGrouped reads c-restart with a symbolizer that finds no
// binary: the warning every snapshot repeats is counted and listed once,
// with what to do about it.
func TestWarningsGrouped(t *testing.T) {
	sym := symbolize.New(symbolize.Options{SearchDirs: []string{t.TempDir()}})
	s := loadSeries(t, cRestartGlob, loader.Options{Parse: parsers.Options{Symbolizer: sym}})
	if n := len(s.Warnings()); n != 8 {
		t.Fatalf("got %d warnings from the series, want 8 (one per snapshot)", n)
	}
	m := started(t, s, Options{}, 100, 40)
	if v := plain(m); !strings.Contains(v, "1 warning (?)") {
		t.Errorf("header: want 1 warning:\n%s", v)
	}
	m = press(t, m, "?")
	v := plain(m)
	if got := strings.Count(v, "frames named by module and offset"); got != 1 {
		t.Errorf("help: got the warning %d times, want once:\n%s", got, v)
	}
	for _, want := range []string{"8 snapshots: symbolize", "--symbols DIR"} {
		if !strings.Contains(v, want) {
			t.Errorf("help lacks %q:\n%s", want, v)
		}
	}
}

// TestCumulativeMetricHeader switches m to a cumulative metric: the header
// says in words that freed allocations count as growth, and only then.
func TestCumulativeMetricHeader(t *testing.T) {
	m := started(t, newFake(), Options{}, 120, 24)
	const says = "counts freed allocations as growth"
	if strings.Contains(plain(m), says) {
		t.Errorf("inuse_space: header should not warn:\n%s", plain(m))
	}
	m = press(t, m, "m")
	if v := plain(m); m.metricID() != "alloc_objects" || !strings.Contains(v, "alloc_objects "+says) {
		t.Errorf("m to %s: header lacks the warning:\n%s", m.metricID(), v)
	}
}

// TestPairEnds presses [ and } at the ends of the series: nothing moves,
// and the status line says why; in the trend the keys say what they are for.
func TestPairEnds(t *testing.T) {
	f := newFake()
	m := started(t, f, Options{}, 100, 24)
	m = press(t, m, "[")
	if !strings.Contains(m.Status(), "p starts one") {
		t.Errorf("[ in the trend: got status %q, want what [ is for", m.Status())
	}
	m = press(t, m, "p")
	asked := len(f.asked)
	m = press(t, m, "[")
	if m.asked.base != 0 || len(f.asked) != asked || m.Status() != "the base is already the first snapshot, heap.0.pb.gz" {
		t.Errorf("[ at the start: got base %d, %d new queries, status %q", m.asked.base, len(f.asked)-asked, m.Status())
	}
	if !strings.Contains(plain(m), "the base is already the first snapshot") {
		t.Errorf("[ at the start: the footer does not say why:\n%s", plain(m))
	}
	m = press(t, m, "}")
	if m.asked.tgt != 7 || m.Status() != "the target is already the last snapshot, heap.7.pb.gz" {
		t.Errorf("} at the end: got target %d, status %q", m.asked.tgt, m.Status())
	}
	m = press(t, m, "]")
	if m.asked.base != 1 || m.Status() != "" {
		t.Errorf("]: got base %d, status %q, want 1 and none", m.asked.base, m.Status())
	}
}

// TestExportEveryFormat offers every format of the command line, each
// chosen by its first letter, and shows where the file will go.
func TestExportEveryFormat(t *testing.T) {
	var got []ExportFormat
	var paths []string
	export := func(path string, f ExportFormat, _ dumpdiff.Result) error {
		got, paths = append(got, f), append(paths, path)
		return nil
	}
	dir := t.TempDir()
	m := started(t, realSeries(t), Options{Export: export, ExportDir: dir}, 120, 24)
	m = press(t, m, "e")
	if v := plain(m); !strings.Contains(v, "[j]son [c]sv [m]arkdown [h]tml [p]prof [t]ext") {
		t.Errorf("e: the prompt does not offer every format:\n%s", v)
	}
	m = press(t, m, "esc")
	for _, k := range []string{"j", "c", "m", "h", "p", "t"} {
		m = press(t, m, "e", k)
		if k == "h" {
			if v := plain(m); !strings.Contains(v, "file: dumpdiff-trend.html") || !strings.Contains(v, "→ "+filepath.Join(dir, "dumpdiff-trend.html")) {
				t.Errorf("e h: want the name and where it goes:\n%s", v)
			}
		}
		m = press(t, m, "enter")
	}
	want := []ExportFormat{ExportJSON, ExportCSV, ExportMarkdown, ExportHTML, ExportPprof, ExportText}
	if !slices.Equal(got, want) {
		t.Errorf("formats: got %v, want %v", got, want)
	}
	if len(paths) == 6 && (paths[4] != filepath.Join(dir, "dumpdiff-trend.pb.gz") || paths[5] != filepath.Join(dir, "dumpdiff-trend.txt")) {
		t.Errorf("paths: got %v, want the export directory and each format's extension", paths)
	}
}
