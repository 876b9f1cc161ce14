package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/progress"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/dumpdiff/dumpdiff/report"
)

// LoadFunc loads a series, reporting how far it got through progress (from
// any goroutine, as often as it likes: the UI keeps the latest). It runs
// in a goroutine started by a tea.Cmd, never in Update.
type LoadFunc func(progress func(LoadProgress)) (Engine, error)

// LoadProgress is how far a load got: Done of Total snapshot files read
// (Path the last), and, when the loader counts them, Read of Size bytes
// of input, which moves while a few large files are read.
type LoadProgress struct {
	Done, Total int
	Path        string
	Read, Size  int64
}

// progressMsg is one progress report of a load.
type progressMsg LoadProgress

// loadedMsg ends a load.
type loadedMsg struct {
	eng Engine
	err error
}

// Loader is the model shown while a series loads: a progress bar with the
// file being parsed. When the load ends it hands over to the explorer (New),
// or quits with the error, which Err returns.
type Loader struct {
	load   LoadFunc
	opts   Options
	msgs   chan tea.Msg
	bar    progress.Model
	km     KeyMap
	st     Styles
	at     LoadProgress
	err    error
	width  int
	height int
}

var _ tea.Model = Loader{}

// NewLoader returns a model that runs load and then explores its series with opts.
func NewLoader(load LoadFunc, opts Options) Loader {
	l := Loader{load: load, opts: opts, msgs: make(chan tea.Msg, 64), km: DefaultKeyMap(), st: DefaultStyles(), width: 80, height: 24}
	if opts.KeyMap != nil {
		l.km = *opts.KeyMap
	}
	if opts.Styles != nil {
		l.st = *opts.Styles
	}
	l.bar = progress.New(progress.WithDefaultBlend(), progress.WithWidth(40))
	return l
}

// Err returns the load error after the program quit, nil otherwise.
func (l Loader) Err() error { return l.err }

// Init starts the load and waits for its first message.
func (l Loader) Init() tea.Cmd {
	msgs, load := l.msgs, l.load
	return func() tea.Msg {
		go func() {
			eng, err := load(func(p LoadProgress) {
				// Drop a report when the UI is behind: only the latest matters.
				select {
				case msgs <- progressMsg(p):
				default:
				}
			})
			msgs <- loadedMsg{eng, err}
		}()
		return <-msgs
	}
}

// next waits for the load's next message.
func (l Loader) next() tea.Cmd {
	msgs := l.msgs
	return func() tea.Msg { return <-msgs }
}

// Update follows the load and hands over to the explorer at its end.
func (l Loader) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		l.width, l.height = msg.Width, msg.Height
	case tea.KeyPressMsg:
		if key.Matches(msg, l.km.Quit) || msg.String() == "ctrl+c" {
			l.err = errInterrupted
			return l, tea.Quit
		}
	case progressMsg:
		l.at = LoadProgress(msg)
		return l, l.next()
	case loadedMsg:
		if msg.err != nil {
			l.err = msg.err
			return l, tea.Quit
		}
		m := New(msg.eng, l.opts)
		m.SetSize(l.width, l.height)
		return m, m.Init()
	}
	return l, nil
}

// errInterrupted is the Loader's error when the user quits before the end.
var errInterrupted = fmt.Errorf("interrupted while loading")

// ErrInterrupted reports whether err means the user quit during the load.
func ErrInterrupted(err error) bool { return err == errInterrupted }

// View renders the loading screen.
func (l Loader) View() tea.View {
	v := tea.NewView(l.Render())
	v.AltScreen = true
	v.WindowTitle = "dumpdiff explore"
	return v
}

// Render is the loading screen as exactly width × height cells.
func (l Loader) Render() string {
	w := max(min(l.width-4, 60), 10)
	bar := l.bar
	bar.SetWidth(w)
	at := l.at
	pct := 0.0
	status := "starting…"
	switch {
	case at.Size > 0:
		// Bytes move while a few large files are read; files only when one ends.
		pct = min(1, float64(at.Read)/float64(at.Size))
		status = fmt.Sprintf("read %s of %s · parsed %d of %d snapshots",
			report.FormatQuantity(float64(at.Read), "bytes"), report.FormatQuantity(float64(at.Size), "bytes"), at.Done, at.Total)
	case at.Total > 0:
		pct = float64(at.Done) / float64(at.Total)
		status = fmt.Sprintf("parsed %d of %d snapshots", at.Done, at.Total)
	}
	file := ansi.TruncateLeft(clean(at.Path), max(ansi.StringWidth(clean(at.Path))-w, 0), "…")
	block := []string{
		l.st.Title.Render("dumpdiff explore") + l.st.Subtle.Render(" · loading the series"),
		"",
		bar.ViewAs(pct),
		status,
		l.st.Subtle.Render(file),
	}
	top := max((l.height-len(block))/2, 0)
	left := strings.Repeat(" ", max((l.width-w)/2, 0))
	lines := make([]string, top, l.height)
	for _, b := range block {
		lines = append(lines, left+b)
	}
	return fit(lines, l.width, l.height)
}
