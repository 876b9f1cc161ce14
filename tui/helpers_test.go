package tui

import (
	"path/filepath"
	"sync"
	"testing"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/loader"
	"github.com/dumpdiff/dumpdiff/parsers"
	"github.com/dumpdiff/dumpdiff/parsers/symbolize"
)

// drain runs cmd and feeds its message back to the model, as the program
// would, following commands until none is left.
func drain(t testing.TB, m Model, cmd tea.Cmd) Model {
	t.Helper()
	for range 20 {
		if cmd == nil {
			return m
		}
		msg := cmd()
		switch msg := msg.(type) {
		case nil, tea.QuitMsg:
			return m
		case tea.BatchMsg:
			for _, c := range msg {
				m = drain(t, m, c)
			}
			return m
		}
		m, cmd = m.update(msg)
	}
	t.Fatal("commands did not settle")
	return m
}

// keyMsg builds the message a terminal key press produces: a name such as
// "down", "enter", "esc", "pgdown", "ctrl+c", or one printable character.
func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r := []rune(k)
	if len(r) != 1 {
		panic("keyMsg: unknown key " + k)
	}
	return tea.KeyPressMsg{Code: r[0], Text: k}
}

// press sends keys one by one, running the commands they return.
func press(t testing.TB, m Model, keys ...string) Model {
	t.Helper()
	for _, k := range keys {
		var cmd tea.Cmd
		m, cmd = m.update(keyMsg(k))
		m = drain(t, m, cmd)
	}
	return m
}

// typeText types s into whatever has focus.
func typeText(t testing.TB, m Model, s string) Model {
	t.Helper()
	for _, r := range s {
		m = press(t, m, string(r))
	}
	return m
}

// started returns an explorer of eng at w × h with its first result in.
func started(t testing.TB, eng Engine, opts Options, w, h int) Model {
	t.Helper()
	m := New(eng, opts)
	m.SetSize(w, h)
	return drain(t, m, m.Init())
}

// realSeries loads the committed Go heap series (testdata/pprof/go-lifecycle):
// eight real profiles from the generator, with a planted leak.
func realSeries(t testing.TB) *dumpdiff.Series {
	t.Helper()
	return cachedSeries(t, goGlob)
}

// plainStyles has no styling at all, so a rendered view holds no escape
// sequence but what a name smuggles in.
func plainStyles() Styles {
	s := DefaultStyles()
	p := lipgloss.NewStyle()
	s.Title, s.Subtle, s.Header, s.Selected, s.Error, s.Status = p, p, p, p, p, p
	s.Section, s.Bar, s.Grow, s.Shrink, s.Prompt = p, p, p, p, p
	for k := range s.Verdicts {
		s.Verdicts[k] = p
	}
	for k := range s.Statuses {
		s.Statuses[k] = p
	}
	for k := range s.Flame {
		s.Flame[k] = p
	}
	s.Help.ShortKey, s.Help.ShortDesc, s.Help.ShortSeparator = p, p, p
	s.Help.FullKey, s.Help.FullDesc, s.Help.FullSeparator, s.Help.Ellipsis = p, p, p, p
	return s
}

// loadSeries loads committed snapshots matching glob, in name order.
func loadSeries(t testing.TB, glob string, opts loader.Options) *dumpdiff.Series {
	t.Helper()
	paths, err := filepath.Glob(glob)
	if err != nil || len(paths) == 0 {
		t.Fatalf("glob %s: got %d files, %v", glob, len(paths), err)
	}
	if opts.Order == "" {
		opts.Order = dumpdiff.OrderName
	}
	s, err := loader.Load(paths, opts)
	if err != nil {
		t.Fatalf("load %s: %v", glob, err)
	}
	return s
}

// The committed series the view tests open besides the Go one.
const (
	goGlob        = "../testdata/pprof/go-lifecycle/lc*.pb.gz"
	jvmGlob       = "../testdata/jemalloc/jvm/jeprof.*.heap"
	nmtDetailGlob = "../testdata/nmt/jdk17-detail/lc-*.txt.gz"
	// jemalloc series of address-only dumps, symbolised from testdata/bin.
	churnGlob    = "../testdata/jemalloc/churn-256k/lc*.heap.gz"
	cRestartGlob = "../testdata/jemalloc/c-restart/restart-lc*.heap"
)

var (
	seriesMu    sync.Mutex
	seriesCache = map[string]*dumpdiff.Series{}
)

// symbolizedSeries loads a committed series of address-only dumps once per
// test binary, symbolised from testdata/bin as --symbols testdata/bin does.
func symbolizedSeries(t testing.TB, glob string) *dumpdiff.Series {
	t.Helper()
	seriesMu.Lock()
	defer seriesMu.Unlock()
	if s := seriesCache["sym:"+glob]; s != nil {
		return s
	}
	sym := symbolize.New(symbolize.Options{SearchDirs: []string{filepath.Join("..", "testdata", "bin")}})
	s := loadSeries(t, glob, loader.Options{Parse: parsers.Options{Symbolizer: sym}})
	seriesCache["sym:"+glob] = s
	return s
}

// cachedSeries loads a committed series once per test binary.
func cachedSeries(t testing.TB, glob string) *dumpdiff.Series {
	t.Helper()
	seriesMu.Lock()
	defer seriesMu.Unlock()
	if s := seriesCache[glob]; s != nil {
		return s
	}
	s := loadSeries(t, glob, loader.Options{})
	seriesCache[glob] = s
	return s
}
