package tui

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/report"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
)

// viewCase drives the explorer to one screen.
type viewCase struct {
	name  string
	fake  bool   // the hand-built fake instead of the real Go series
	glob  string // another committed series instead of the Go one
	sym   bool   // symbolise glob's series from testdata/bin
	keys  []string
	typed string   // typed after keys
	then  []string // pressed after typed
}

var viewCases = []viewCase{
	{name: "sites"},
	{name: "detail", keys: []string{"enter"}},
	{name: "detail-scrolled", keys: []string{"enter", "G"}},
	{name: "tree", keys: []string{"t"}},
	{name: "tree-from-detail", keys: []string{"enter", "j", "j", "t"}},
	{name: "pair", keys: []string{"p"}},
	{name: "pair-detail", keys: []string{"p", "enter"}},
	{name: "pick", keys: []string{"p", "P"}},
	{name: "help", keys: []string{"?"}},
	{name: "filter", keys: []string{"/"}, typed: "main\\."},
	{name: "filter-error", keys: []string{"/"}, typed: "open("},
	{name: "filter-none", keys: []string{"/"}, typed: "no such (site)?"},
	{name: "filter-none-kept", keys: []string{"/"}, typed: "nosuchsite", then: []string{"enter"}},
	{name: "sorted-by-total", keys: []string{"s", "s"}},
	{name: "export-prompt", keys: []string{"e"}},
	{name: "verdict-leak", fake: true, keys: []string{"v", "n"}},
	{name: "reversed", fake: true, keys: []string{"r"}},
	{name: "fake-sites", fake: true},
	// A JVM under jemalloc: long C++ names through libjvm.so, deep stacks.
	{name: "jvm-sites", glob: jvmGlob},
	{name: "jvm-detail-deep", glob: jvmGlob, keys: []string{"j", "enter"}},
	{name: "jvm-detail-deep-end", glob: jvmGlob, keys: []string{"j", "enter", "G"}},
	{name: "jvm-tree", glob: jvmGlob, keys: []string{"j", "t"}},
	// NMT detail: placeholder [java] frames, categories, C++ signatures.
	{name: "nmt-sites", glob: nmtDetailGlob},
	{name: "nmt-detail", glob: nmtDetailGlob, keys: []string{"j", "j", "enter"}},
	// Low signal under jemalloc's sampling: the leak's caller leads the
	// callees of run_lifecycle, above the churning sites' noise.
	{name: "churn-tree", glob: churnGlob, sym: true, keys: []string{"t", "j", "t"}},
	{name: "flame", keys: []string{"f"}},
	{name: "flame-zoomed", keys: []string{"f", "j", "j", "enter"}},
	{name: "churn-flame", glob: churnGlob, sym: true, keys: []string{"f", "j", "j", "j", "j"}},
	{name: "jvm-flame", glob: jvmGlob, keys: []string{"f", "j", "l"}},
	{name: "fake-hostile-detail", fake: true, keys: []string{"/"}, typed: "evil", then: []string{"enter", "enter"}},
}

// drive builds the explorer at w × h and plays a case.
func drive(t testing.TB, c viewCase, w, h int, st *Styles) Model {
	t.Helper()
	opts := Options{Title: "testdata/pprof/go-lifecycle", Styles: st,
		Export: func(string, ExportFormat, dumpdiff.Result) error { return nil }}
	var m Model
	switch {
	case c.fake:
		m = started(t, newFake(), opts, w, h)
	case c.glob != "":
		opts.Title = filepath.Dir(strings.TrimPrefix(c.glob, "../"))
		s := cachedSeries
		if c.sym {
			s = symbolizedSeries
		}
		m = started(t, s(t, c.glob), opts, w, h)
	default:
		m = started(t, realSeries(t), opts, w, h)
	}
	m = press(t, m, c.keys...)
	m = typeText(t, m, c.typed)
	return press(t, m, c.then...)
}

// TestView compares each screen, styling stripped, with its golden file at
// the two sizes of issue 5. Rewrite them with go test ./tui -update.
func TestView(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		for _, c := range viewCases {
			t.Run(fmt.Sprintf("%s-%dx%d", c.name, size[0], size[1]), func(t *testing.T) {
				m := drive(t, c, size[0], size[1], nil)
				golden.RequireEqual(t, ansi.Strip(m.Render()))
			})
		}
	}
}

// TestViewSize checks that every screen is exactly the terminal's size,
// from tiny to wide, so nothing wraps or scrolls the terminal.
func TestViewSize(t *testing.T) {
	sizes := [][2]int{{80, 24}, {160, 48}, {120, 40}, {100, 30}, {60, 15}, {40, 10}, {20, 5}, {10, 3}, {1, 1}, {250, 70}}
	for _, c := range viewCases {
		for _, s := range sizes {
			m := drive(t, c, s[0], s[1], nil)
			w, h := lipgloss.Size(m.View().Content)
			if w != s[0] || h != s[1] {
				t.Errorf("%s at %dx%d: got a %dx%d view", c.name, s[0], s[1], w, h)
			}
		}
	}
	// A resize keeps the selection and the sort.
	r := press(t, started(t, realSeries(t), Options{}, 80, 24), "s", "j", "j", "j")
	sel := r.Table().Selected()
	r2, _ := r.Update(tea.WindowSizeMsg{Width: 150, Height: 50})
	if got := r2.(Model).Table(); got.Selected() != sel || got.SortColumn() != r.Table().SortColumn() {
		t.Errorf("resize: got item %d sorted by %d, want %d sorted by %d", got.Selected(), got.SortColumn(), sel, r.Table().SortColumn())
	}
	// A resize after the fact re-lays out the screen.
	m := drive(t, viewCases[1], 80, 24, nil)
	next, _ := m.Update(tea.WindowSizeMsg{Width: 132, Height: 43})
	if w, h := lipgloss.Size(next.View().Content); w != 132 || h != 43 {
		t.Errorf("after a resize to 132x43: got %dx%d", w, h)
	}
}

// TestUntrustedNames renders a site whose name carries an escape sequence,
// a carriage return and a bell on every screen that shows names: none of
// them reaches the terminal.
func TestUntrustedNames(t *testing.T) {
	st := plainStyles()
	for _, keys := range [][]string{nil, {"enter"}, {"t"}, {"p"}, {"p", "enter"}} {
		m := started(t, newFake(), Options{Styles: &st}, 100, 30)
		m = press(t, m, "/")
		m = typeText(t, m, "evil")
		m = press(t, m, "enter")
		m = press(t, m, keys...)
		v := m.View().Content
		if !strings.Contains(v, "evil\uFFFD[31m\uFFFDname\uFFFD") {
			t.Errorf("keys %v: the name is not shown with its control characters replaced:\n%s", keys, v)
		}
		if i := strings.IndexAny(v, "\x1b\r\x07"); i >= 0 {
			t.Errorf("keys %v: got a control character %q at byte %d of the view", keys, v[i], i)
		}
	}
}

func TestClean(t *testing.T) {
	tests := []struct{ in, want string }{
		{"main.(*leakyOperator).open", "main.(*leakyOperator).open"},
		{"evil\x1b[31mred", "evil\uFFFD[31mred"},
		{"a\rb\nc\td", "a\uFFFDb\uFFFDc\uFFFDd"},
		{"osc\x1b]8;;http://x\x07link", "osc\uFFFD]8;;http://x\uFFFDlink"},
		{"c1\u009b31m", "c1\uFFFD31m"},
		{"del\x7f", "del\uFFFD"},
		{"bidi\u202egnp.exe", "bidi\uFFFDgnp.exe"},
		{"bad\xffutf8", "bad\uFFFDutf8"},
		{"std::vector<int>::push_back", "std::vector<int>::push_back"},
		{"日本語", "日本語"},
	}
	for _, tt := range tests {
		if got := clean(tt.in); got != tt.want {
			t.Errorf("clean(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestFooterKeepsHelp checks that on every screen, down to 40 columns, the
// footer's last line still offers ? help and q quit: the other keys give
// way first.
func TestFooterKeepsHelp(t *testing.T) {
	for _, c := range viewCases {
		for _, w := range []int{40, 80, 160} {
			m := drive(t, c, w, 24, nil)
			lines := strings.Split(plain(m), "\n")
			last := strings.TrimRight(lines[len(lines)-1], " ")
			if m.prompt != promptNone {
				// q is text in a prompt: the footer says how to leave it.
				if !strings.Contains(last, "esc") && !strings.HasPrefix(last, "bad filter") {
					t.Errorf("%s at %d columns: got footer %q, want the prompt's keys", c.name, w, last)
				}
				continue
			}
			if !strings.HasSuffix(last, "? help • q quit") {
				t.Errorf("%s at %d columns: got footer %q, want it to end with ? help • q quit", c.name, w, last)
			}
		}
	}
}

// TestHeaderLongTitle checks that a long series path gives way to the
// series' facts, keeping its end.
func TestHeaderLongTitle(t *testing.T) {
	title := "/var/lib/flink/taskmanager-7/native-memory/dumps/2026-11-23/jemalloc/c-restart"
	m := started(t, realSeries(t), Options{Title: title}, 80, 24)
	head := strings.Split(plain(m), "\n")[0]
	if !strings.HasSuffix(head, "8 snapshots · pprof · inuse_space") || !strings.Contains(head, "…") || !strings.Contains(head, "/c-restart ") {
		t.Errorf("header: got %q, want the path's end and the facts", head)
	}
	if w := ansi.StringWidth(head); w != 80 {
		t.Errorf("header: got %d cells, want 80", w)
	}
}

// TestNarrowKeepsNames checks that a narrow terminal drops the sparkline
// and totals before the site names, and that a resize keeps the sort.
func TestNarrowKeepsNames(t *testing.T) {
	for _, w := range []int{50, 60, 70} {
		m := started(t, realSeries(t), Options{}, w, 15)
		lines := strings.Split(plain(m), "\n")
		if !strings.Contains(lines[3], "main.(*lea") || !strings.HasSuffix(strings.TrimSpace(lines[3]), "open") {
			t.Errorf("%d columns: got top row %q, want the leak's name", w, lines[3])
		}
	}
	m := press(t, started(t, realSeries(t), Options{}, 120, 30), "s", "s")
	m2, _ := m.Update(tea.WindowSizeMsg{Width: 70, Height: 20})
	if got := m2.(Model).Table().SortTitle(); got != "total" {
		t.Errorf("resize to 70 columns: got sort %q, want total", got)
	}
}

// TestTinyTerminal checks that under ten lines the header and footer take
// one line each, so rows still show, with the keys' line kept.
func TestTinyTerminal(t *testing.T) {
	m := started(t, realSeries(t), Options{}, 40, 6)
	lines := strings.Split(plain(m), "\n")
	if len(lines) != 6 || !strings.Contains(lines[2], "leak") || !strings.Contains(lines[5], "? help") {
		t.Errorf("40x6: want a row of the leak and the keys:\n%s", strings.Join(lines, "\n"))
	}
}

// TestViewFloorAndSignNote: the header states the leak floor, and on the
// go-noisy series a noise site whose slope is up while its total went down
// shows its total with "*" and the position line says why.
func TestViewFloorAndSignNote(t *testing.T) {
	m := started(t, cachedSeries(t, "../testdata/pprof/go-noisy/lc*.pb.gz"), Options{}, 160, 40)
	tr := m.sites.Trend()
	i := slices.IndexFunc(tr.Sites, report.SignsDisagree)
	if i < 0 {
		t.Fatal("go-noisy: no site whose growth and total differ in sign")
	}
	st := tr.Sites[i]
	m.sites.selectKey(st.Key)
	view := ansi.Strip(m.Render())
	if want := "floor " + formatGrowth(tr.Floor.PerLifecycle, "bytes", "/lc"); !strings.Contains(view, want) {
		t.Errorf("header: want %q in\n%s", want, view)
	}
	if want := formatSigned(st.TotalGrowth, "bytes") + "*"; !strings.Contains(view, want) {
		t.Errorf("site %s (%s, growth %v, total %d): want its total marked %q in\n%s", st.Title, st.Verdict, st.Growth, st.TotalGrowth, want, view)
	}
	if !strings.Contains(view, "differ in sign: noise wanders") {
		t.Errorf("position line: want the note on the selected site in\n%s", view)
	}
}

// TestDetailSmall opens the leak's detail at 70×20, where the lifecycle
// bars do not all fit: a line says how many follow, [ and ] scroll them on
// their own, and the footer offers them. Golden at 70×20 and 45×16.
func TestDetailSmall(t *testing.T) {
	m := drive(t, viewCase{keys: []string{"enter"}}, 70, 20, nil)
	v := plain(m)
	for _, want := range []string{"1–3 of 8", "▾ 5 more below · [ ] scroll the lifecycles", "[ ] lifecycles"} {
		if !strings.Contains(v, want) {
			t.Errorf("70x20 detail lacks %q:\n%s", want, v)
		}
	}
	t.Run("70x20", func(t *testing.T) { golden.RequireEqual(t, v) })
	m = press(t, m, "]", "]", "]", "]", "]", "]", "]")
	v = plain(m)
	if !strings.Contains(v, "lc8.pb.gz") || !strings.Contains(v, "▴ 5 above") || strings.Contains(v, "more below") {
		t.Errorf("] to the end: want lc8 last and 5 above:\n%s", v)
	}
	if f, _ := m.detail.Frame(); f.Function != "main.(*leakyOperator).open" {
		t.Errorf("]: got frame %q, want the frame cursor left alone", f.Function)
	}
	m = press(t, m, "[", "[")
	if v = plain(m); !strings.Contains(v, "4–6 of 8") {
		t.Errorf("[ [: want lifecycles 4–6:\n%s", v)
	}
	t.Run("45x16", func(t *testing.T) {
		golden.RequireEqual(t, plain(drive(t, viewCase{keys: []string{"enter"}}, 45, 16, nil)))
	})
}

// TestDetailNeverCutsSilently sweeps the detail's width: a file's line
// number is shown whole or not at all (main.go:68 never reads main.go:6),
// and a name cut short shows an ellipsis.
func TestDetailNeverCutsSilently(t *testing.T) {
	lines := map[string]bool{"68": true, "199": true, "207": true, "241": true, "298": true, "290": true}
	num := regexp.MustCompile(`\.go:(\d+)`)
	for w := 30; w <= 120; w++ {
		v := plain(drive(t, viewCase{keys: []string{"enter"}}, w, 30, nil))
		for _, l := range strings.Split(v, "\n") {
			for _, m := range num.FindAllStringSubmatch(l, -1) {
				if !lines[m[1]] {
					t.Errorf("width %d: got line number %s in %q, want a whole one", w, m[1], l)
				}
			}
			if strings.Contains(l, "leakyOperator") && !strings.Contains(l, "main.(*leakyOperator).open") && !strings.Contains(l, "…") {
				t.Errorf("width %d: got %q, the name cut without an ellipsis", w, l)
			}
		}
	}
}

// TestPickNames lists the snapshots by their files, and by the number
// --lifecycle-regex read from them when it did (churn-gaps has lifecycles
// 1 2 4 5 7 9 10): never by a position that would disagree with the name.
func TestPickNames(t *testing.T) {
	var snaps []dumpdiff.SnapshotInfo
	for _, lc := range []int{1, 2, 4, 5, 7, 9, 10} {
		snaps = append(snaps, dumpdiff.SnapshotInfo{Path: fmt.Sprintf("churn-gaps/lc%d.heap.gz", lc), Lifecycle: lc})
	}
	v := ansi.Strip(renderPick(snaps, 0, 6, 2, "bytes", 60, 12, plainStyles()))
	if !strings.Contains(v, "lc 4    lc4.heap.gz") || strings.Contains(v, "#") {
		t.Errorf("numbered lifecycles: want lc 4 beside lc4.heap.gz and no #:\n%s", v)
	}
	for i := range snaps {
		snaps[i].Lifecycle = i
	}
	v = ansi.Strip(renderPick(snaps, 0, 6, 2, "bytes", 60, 12, plainStyles()))
	if strings.Contains(v, "lc 2 ") || strings.Contains(v, "#") || !strings.Contains(v, "lc4.heap.gz") {
		t.Errorf("positional lifecycles: want the names alone:\n%s", v)
	}
}
