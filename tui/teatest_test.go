package tui

import (
	"bytes"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/loader"
)

// loadGoSeries is the LoadFunc explore builds, over the committed Go series.
func loadGoSeries(progress func(LoadProgress)) (Engine, error) {
	paths, err := filepath.Glob(goGlob)
	if err != nil {
		return nil, err
	}
	return loader.Load(paths, loader.Options{Order: dumpdiff.OrderName, Progress: func(done, total int, path string) {
		progress(LoadProgress{Done: done, Total: total, Path: path})
	}})
}

func waitFor(t *testing.T, tm *teatest.TestModel, what string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(what)) },
		teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

// TestProgramSmoke runs the real program loop: the loader parses the Go
// series, hands over to the explorer, enter opens the leak's detail, q quits.
func TestProgramSmoke(t *testing.T) {
	tm := teatest.NewTestModel(t, NewLoader(loadGoSeries, Options{}), teatest.WithInitialTermSize(100, 30))
	waitFor(t, tm, "leakyOperator")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	waitFor(t, tm, "Call stack")
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	final := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second))
	m, ok := final.(Model)
	if !ok {
		t.Fatalf("final model: got %T, want tui.Model", final)
	}
	if m.Screen() != "detail" || m.Trend() == nil || m.Trend().Sites[0].Title != "main.(*leakyOperator).open" {
		t.Errorf("final: got screen %s, want the detail of the leak", m.Screen())
	}
}

// TestLoaderError quits with the load's error, for explore to print.
func TestLoaderError(t *testing.T) {
	boom := errors.New("parse pprof profile lc3.pb.gz: unexpected EOF")
	load := func(progress func(LoadProgress)) (Engine, error) {
		progress(LoadProgress{Done: 1, Total: 3, Path: "lc1.pb.gz"})
		return nil, boom
	}
	tm := teatest.NewTestModel(t, NewLoader(load, Options{}))
	final := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second))
	l, ok := final.(Loader)
	if !ok || !errors.Is(l.Err(), boom) {
		t.Errorf("final: got %T with error %v, want the Loader with the load error", final, l.Err())
	}
}

// TestLoaderProgress renders a load in progress.
func TestLoaderProgress(t *testing.T) {
	l := NewLoader(nil, Options{})
	next, _ := l.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	next, cmd := next.Update(progressMsg{Done: 3, Total: 8, Path: "/data/series/\x1b[2Jheap.0003.pb.gz"})
	if cmd == nil {
		t.Error("progress: want a command waiting for the next message")
	}
	v := next.(Loader).Render()
	for _, want := range []string{"parsed 3 of 8 snapshots", "\uFFFD[2Jheap.0003.pb.gz", "38%"} {
		if !bytes.Contains([]byte(v), []byte(want)) {
			t.Errorf("loading screen lacks %q:\n%s", want, v)
		}
	}
	if bytes.Contains([]byte(v), []byte("\x1b[2J")) {
		t.Error("loading screen passes an escape sequence from a file name through")
	}
	// A few large files: the bar follows the bytes read.
	next, _ = next.Update(progressMsg{Done: 0, Total: 2, Path: "lc1.pb.gz", Read: 150 << 20, Size: 200 << 20})
	v = next.(Loader).Render()
	for _, want := range []string{"read 150.0 MiB of 200.0 MiB", "parsed 0 of 2 snapshots", "75%"} {
		if !bytes.Contains([]byte(v), []byte(want)) {
			t.Errorf("loading screen lacks %q:\n%s", want, v)
		}
	}
}

// TestColourFollowsProfile runs the program on a 256-colour profile, then
// on the ASCII profile that NO_COLOR selects: the first screen has the
// leak's red, the second no colour at all but the same words. (That
// NO_COLOR selects ASCII on a real terminal is checked in tmux by the
// explore end-to-end test.)
func TestColourFollowsProfile(t *testing.T) {
	run := func(p colorprofile.Profile) string {
		tm := teatest.NewTestModel(t, NewLoader(loadGoSeries, Options{}), teatest.WithInitialTermSize(100, 30),
			teatest.WithProgramOptions(tea.WithColorProfile(p)))
		var out []byte
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
			out = append(out, b...)
			return bytes.Contains(out, []byte("registerMetrics"))
		}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
		tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
		tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
		return string(out)
	}
	red := regexp.MustCompile(`\x1b\[[0-9;]*31[;m]`)
	anyColour := regexp.MustCompile(`\x1b\[[0-9;]*(3[0-7]|9[0-7]|38;[25]|4[0-7]|10[0-7]|48;[25])[;m]`)
	if coloured := run(colorprofile.ANSI256); !red.MatchString(coloured) {
		t.Error("on a colour profile: the leak verdict is not red")
	}
	plain := run(colorprofile.ASCII)
	if m := anyColour.FindString(plain); m != "" {
		t.Errorf("on the ASCII profile: got colour sequence %q", m)
	}
	if !strings.Contains(plain, "leak") {
		t.Error("on the ASCII profile: the verdict words are missing")
	}
}
