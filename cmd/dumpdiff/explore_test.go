package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/report"
	"github.com/dumpdiff/dumpdiff/tui"
)

func TestNewCmdExploreFlags(t *testing.T) {
	tests := []struct {
		args    []string
		wantErr string
		check   func(*ExploreOptions) bool
	}{
		{args: []string{"--demo"}, check: func(o *ExploreOptions) bool {
			return o.Demo && len(o.Files) == 0 && o.Engine.GroupBy == dumpdiff.GroupByStack && o.Engine.Top == 0
		}},
		{args: []string{"-m", "alloc_space", "--group-by", "function", "--limit", "1GiB", "--order", "name", "--focus", "main\\.", "dir"},
			check: func(o *ExploreOptions) bool {
				return o.Engine.Metric == "alloc_space" && o.Engine.GroupBy == dumpdiff.GroupByFunction && o.Engine.Limit == 1<<30 &&
					o.Load.Order == dumpdiff.OrderName && o.Engine.Focus.String() == "main\\." && o.Files[0] == "dir"
			}},
		{args: []string{"--min-growth", "0.5%", "--order", "args", "dir"}, check: func(o *ExploreOptions) bool {
			return o.Engine.MinGrowth == 0 && o.Engine.MinGrowthShare == 0.005 && o.Load.Order == dumpdiff.OrderArgs
		}},
		{args: []string{"--min-growth", "64KiB", "dir"}, check: func(o *ExploreOptions) bool {
			return o.Engine.MinGrowth == 64<<10 && o.Load.Order == dumpdiff.OrderName
		}},
		{args: []string{"--min-growth", "lots", "a"}, wantErr: "invalid --min-growth"},
		{args: []string{"--demo", "x.pb.gz"}, wantErr: "--demo takes no files"},
		{args: nil, wantErr: "explore needs snapshot files, a directory, or --demo"},
		{args: []string{"--input-format", "png", "a"}, wantErr: `invalid --input-format "png"`},
		{args: []string{"--group-by", "file", "a"}, wantErr: `invalid --group-by "file"`},
		{args: []string{"--focus", "(", "a"}, wantErr: `invalid --focus "("`},
		{args: []string{"--limit", "lots", "a"}, wantErr: "invalid --limit"},
	}
	for _, tt := range tests {
		var got *ExploreOptions
		cmd := newCmdExplore(&IOStreams{}, func(o *ExploreOptions) error { got = o; return nil })
		cmd.SetArgs(tt.args)
		cmd.SetOut(&strings.Builder{})
		cmd.SetErr(&strings.Builder{})
		err := cmd.Execute()
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%v: got error %v, want %q", tt.args, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got == nil || !tt.check(got) {
			t.Errorf("%v: got %+v, %v", tt.args, got, err)
		}
	}
}

func TestExploreNeedsTerminal(t *testing.T) {
	_, stderr, code := runCmd(t, "explore", "--demo")
	if code != exitError || !strings.Contains(stderr, "explore needs a terminal") {
		t.Errorf("piped explore: got exit %d and %q, want 1 and a one-line reason", code, stderr)
	}
}

// tmuxSession drives the real binary in a detached tmux server of its own.
type tmuxSession struct {
	t      *testing.T
	socket string
}

func (s tmuxSession) run(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", s.socket, "-f", "/dev/null"}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %v: %v: %s", args, err, out)
	}
	return string(out)
}

func (s tmuxSession) screen() string { return s.run("capture-pane", "-p", "-t", "e2e") }

// styledScreen is the pane with its colours and attributes as escape sequences.
func (s tmuxSession) styledScreen() string { return s.run("capture-pane", "-p", "-e", "-t", "e2e") }

func (s tmuxSession) keys(keys ...string) {
	s.run(append([]string{"send-keys", "-t", "e2e"}, keys...)...)
}

// waitScreen polls the pane until ok accepts it.
func (s tmuxSession) waitScreen(what string, ok func(string) bool) string {
	s.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		scr := s.screen()
		if ok(scr) {
			return scr
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("timed out waiting for %s; screen:\n%s", what, scr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// siteRows are the table rows of a sites screen, top first.
func siteRows(scr string) []string {
	lines := strings.Split(scr, "\n")
	for i, l := range lines {
		if strings.Contains(l, "verdict") && strings.Contains(l, "growth/lc") {
			var rows []string
			for _, r := range lines[i+1:] {
				if strings.TrimSpace(r) == "" || strings.HasPrefix(r, "site ") {
					break
				}
				rows = append(rows, r)
			}
			return rows
		}
	}
	return nil
}

// TestExploreInTmux runs the real binary on the committed Go series in tmux
// at 120×40 and reads the screen: the leak is at the top, enter shows its
// call stack, / filters, q exits with status 0.
func TestExploreInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and drives it in tmux; skipped with -short")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed (apt-get install tmux): cannot run the terminal end-to-end test")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "dumpdiff")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	series, err := filepath.Abs("../../testdata/pprof/go-lifecycle")
	if err != nil {
		t.Fatal(err)
	}
	status := filepath.Join(dir, "status")
	s := tmuxSession{t: t, socket: filepath.Join(dir, "tmux.sock")}
	shell := bin + " explore --order name " + series + "; echo $? > " + status + "; sleep 30"
	s.run("new-session", "-d", "-s", "e2e", "-x", "120", "-y", "40", "sh", "-c", shell)
	t.Cleanup(func() { exec.Command("tmux", "-S", s.socket, "kill-server").Run() })

	scr := s.waitScreen("the sites screen", func(scr string) bool { return len(siteRows(scr)) > 3 })
	top := siteRows(scr)[0]
	if !strings.Contains(top, "leak") || !strings.Contains(top, "main.(*leakyOperator).open") {
		t.Errorf("top row: got %q, want the leak main.(*leakyOperator).open", top)
	}
	if !strings.Contains(top, "+4.0 MiB/lc") {
		t.Errorf("top row: got %q, want +4.0 MiB/lc", top)
	}

	s.keys("Enter")
	scr = s.waitScreen("the call stack", func(scr string) bool { return strings.Contains(scr, "Call stack") })
	for _, frame := range []string{"main.(*leakyOperator).open", "main.operatorOpen", "main.taskOpen", "main.runLifecycle", "main.main"} {
		if !strings.Contains(scr, frame) {
			t.Errorf("detail lacks frame %s:\n%s", frame, scr)
		}
	}

	// A real resize (SIGWINCH) to 80x24: the detail still shows the whole
	// chart and the keys.
	s.run("resize-window", "-t", "e2e", "-x", "80", "-y", "24")
	s.waitScreen("the detail at 80x24", func(scr string) bool {
		lines := strings.Split(strings.TrimRight(scr, "\n"), "\n")
		return len(lines) == 24 && strings.Contains(scr, "lc8.pb.gz") && strings.Contains(lines[23], "? help")
	})
	s.run("resize-window", "-t", "e2e", "-x", "120", "-y", "40")

	s.keys("Escape")
	s.waitScreen("the sites screen again", func(scr string) bool { return len(siteRows(scr)) > 3 })
	s.keys("/")
	s.keys("-l", "registerMetrics")
	s.keys("Enter")
	scr = s.waitScreen("the filtered table", func(scr string) bool {
		return len(siteRows(scr)) == 1 && strings.Contains(scr, "matching /registerMetrics/")
	})
	if row := siteRows(scr)[0]; !strings.Contains(row, "main.registerMetrics") || !strings.Contains(row, "leak") {
		t.Errorf("filtered row: got %q, want the second leak main.registerMetrics", row)
	}

	s.keys("q")
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := os.ReadFile(status)
		if err == nil && len(b) > 0 {
			if got := strings.TrimSpace(string(b)); got != "0" {
				t.Errorf("exit status: got %s, want 0", got)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("q did not end the program; screen:\n%s", s.screen())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestExploreNoColorInTmux checks on a real terminal that the leak's verdict
// is red by default and that NO_COLOR removes every colour but not the word.
func TestExploreNoColorInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and drives it in tmux; skipped with -short")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed (apt-get install tmux): cannot run the terminal end-to-end test")
	}
	bin := filepath.Join(t.TempDir(), "dumpdiff")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	anyColour := regexp.MustCompile(`\x1b\[[0-9;]*(3[0-7]|9[0-7]|38;[25]|4[0-7]|10[0-7]|48;[25])[;m]`)
	for _, noColor := range []bool{false, true} {
		s := tmuxSession{t: t, socket: filepath.Join(t.TempDir(), "tmux.sock")}
		env := "env -u NO_COLOR TERM=screen-256color "
		if noColor {
			env = "env NO_COLOR=1 TERM=screen-256color "
		}
		s.run("new-session", "-d", "-s", "e2e", "-x", "100", "-y", "30", "sh", "-c", env+bin+" explore --demo; sleep 30")
		t.Cleanup(func() { exec.Command("tmux", "-S", s.socket, "kill-server").Run() })
		s.waitScreen("the sites screen", func(scr string) bool { return len(siteRows(scr)) > 3 })
		styled := s.styledScreen()
		exec.Command("tmux", "-S", s.socket, "kill-server").Run()
		hasColour := anyColour.MatchString(styled)
		if hasColour == noColor {
			t.Errorf("NO_COLOR=%v: got colour %v on screen, want %v:\n%q", noColor, hasColour, !noColor, styled)
		}
		if !strings.Contains(styled, "leak") {
			t.Errorf("NO_COLOR=%v: the verdict word is missing", noColor)
		}
	}
}

// TestExportView writes each export format of the explorer through report's
// writers and reads back the file.
func TestExportView(t *testing.T) {
	res := &dumpdiff.TrendResult{
		ResultHeader: dumpdiff.ResultHeader{Metric: dumpdiff.Metric{Name: "inuse_space", Unit: "bytes"}},
		Snapshots:    []dumpdiff.SnapshotInfo{{Path: "a", Lifecycle: 0}, {Path: "b", Lifecycle: 1}},
		Sites: []dumpdiff.TrendSite{{Site: dumpdiff.Site{Rank: 1, Key: "k", Title: "main.leak"}, Values: []int64{1, 2},
			Growth: 1, TotalGrowth: 1, Verdict: dumpdiff.VerdictLeak}},
		Total: dumpdiff.TrendTotal{Growth: 1, Values: []int64{1, 2}},
	}
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	for _, f := range []tui.ExportFormat{tui.ExportJSON, tui.ExportCSV, tui.ExportMarkdown, tui.ExportHTML, tui.ExportPprof, tui.ExportText} {
		path := filepath.Join(t.TempDir(), "out")
		if err := exportView(path, f, res); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if f == tui.ExportHTML {
			// The page says where it came from: checked in report.
			if !strings.Contains(string(got), "main.leak") || !strings.Contains(string(got), "2023-11-14") {
				t.Errorf("html: want the site and the report's time in the page")
			}
			continue
		}
		var want strings.Builder
		rf, ro := f.ReportFormat()
		if err := report.Write(&want, res, rf, ro); err != nil {
			t.Fatal(err)
		}
		if string(got) != want.String() || (f != tui.ExportPprof && !strings.Contains(string(got), "main.leak")) {
			t.Errorf("%s: got %q, want report's %q", f, got, want.String())
		}
	}
	// Text is the aligned table a terminal shows, without colour.
	if rf, ro := tui.ExportText.ReportFormat(); rf != report.FormatTable || !ro.Table.Aligned || ro.Table.Color {
		t.Errorf("text: got %s aligned %v colour %v, want an aligned table without colour", rf, ro.Table.Aligned, ro.Table.Color)
	}
}

// TestExportViewErrors writes exports where they cannot go: the error names
// the file once and says why, and nothing is left behind.
func TestExportViewErrors(t *testing.T) {
	res := &dumpdiff.TrendResult{ResultHeader: dumpdiff.ResultHeader{Metric: dumpdiff.Metric{Name: "inuse_space", Unit: "bytes"}}}
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ path, want string }{
		{filepath.Join(dir, "no", "such", "dir", "x.json"), "no such file or directory"},
		{filepath.Join(file, "x.json"), "not a directory"},
		{dir, "is a directory"},
	}
	for _, tt := range tests {
		err := exportView(tt.path, tui.ExportJSON, res)
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Count(err.Error(), tt.path) != 1 {
			t.Errorf("export to %s: got %v, want one mention of the path and %q", tt.path, err, tt.want)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("got %d entries in %s, want only the file: no temporary left", len(ents), dir)
	}
}
