package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"testing"

	"github.com/google/pprof/profile"

	"github.com/dumpdiff/dumpdiff/parsers"
)

var update = flag.Bool("update", false, "rewrite cmd golden files")

// runCmd runs the program in-process and returns stdout, stderr and the exit code.
func runCmd(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, strings.NewReader(""), &stdout, &stderr)
	return stdout.String(), stderr.String(), code
}

// golden runs args and compares stdout and stderr with testdata/<name>.stdout
// and .stderr (a missing file counts as empty), and the exit code with want.
// On a mismatch it writes <name>.got-stdout / .got-stderr beside them.
func golden(t *testing.T, name string, wantCode int, args ...string) {
	t.Helper()
	stdout, stderr, code := runCmd(t, args...)
	if code != wantCode {
		t.Errorf("%s: got exit code %d, want %d\nstderr: %s", name, code, wantCode, stderr)
	}
	for _, out := range []struct{ ext, got string }{{"stdout", stdout}, {"stderr", stderr}} {
		path := filepath.Join("testdata", name+"."+out.ext)
		if *update {
			if out.got == "" {
				os.Remove(path)
				continue
			}
			if err := os.WriteFile(path, []byte(out.got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		gotPath := filepath.Join("testdata", name+".got-"+out.ext)
		if out.got != string(want) {
			os.WriteFile(gotPath, []byte(out.got), 0o644)
			t.Errorf("%s: %s differs from %s (wrote %s)\ngot:\n%s\nwant:\n%s", name, out.ext, path, gotPath, out.got, want)
		} else {
			os.Remove(gotPath)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	golden(t, "no-args-inspect", 1, "inspect")
	golden(t, "bad-flag", 1, "inspect", "--frobnicate", "x")
	golden(t, "bad-output-format", 1, "inspect", "--format", "yaml", "x")
	golden(t, "bad-input-format", 1, "inspect", "--input-format", "perf", "x")
	golden(t, "unknown-command", 1, "frobnicate")
	golden(t, "unknown-command-typo", 1, "trends", "x")
	golden(t, "unknown-command-path", 1, "testdata", "trend")
	golden(t, "bad-number", 1, "trend", "--top", "ten", "x")
}

func TestInspectBadFiles(t *testing.T) {
	golden(t, "inspect-missing", 1, "inspect", "testdata/does-not-exist.heap")
	golden(t, "inspect-directory", 1, "inspect", "testdata")
}

func TestVersion(t *testing.T) {
	stdout, _, code := runCmd(t, "--version")
	if code != 0 || !strings.HasPrefix(stdout, "dumpdiff version ") {
		t.Errorf("got %q (exit %d), want a version line", stdout, code)
	}
}

func TestCompletion(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		stdout, stderr, code := runCmd(t, "completion", shell)
		if code != 0 || !strings.Contains(stdout, "dumpdiff") {
			t.Errorf("completion %s: got exit %d, stderr %q, want a script", shell, code, stderr)
		}
	}
}

func TestNewCmdInspectFlags(t *testing.T) {
	var got *InspectOptions
	cmd := newCmdInspect(newIOStreams(nil, &bytes.Buffer{}, &bytes.Buffer{}), func(o *InspectOptions) error {
		got = o
		return nil
	})
	cmd.SetArgs([]string{"--format", "json", "--input-format", "jemalloc", "a.heap", "b.heap"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Format != "json" || got.InputFormat != "jemalloc" || strings.Join(got.Files, ",") != "a.heap,b.heap" {
		t.Errorf("got %+v, want json, jemalloc, [a.heap b.heap]", got)
	}
}

// TestInspectTotalsMatchPprofLibrary is issue 2's acceptance test: inspect's
// JSON reports the same inuse_space total as the pprof library's own parse,
// for a real Go heap profile and a real gperftools dump.
func TestInspectTotalsMatchPprofLibrary(t *testing.T) {
	for _, path := range []string{
		"../../testdata/pprof/go-lifecycle/lc8.pb.gz",
		"../../testdata/pprof/go-sampled/lc8.pb.gz",
		"../../testdata/tcmalloc/c-lifecycle/lifecycle.0008.heap",
		"../../testdata/tcmalloc/c-restart/restart-lc8.0001.heap",
	} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			p, err := profile.Parse(f)
			if err != nil {
				t.Fatal(err)
			}
			var want int64
			idx := -1
			for i, st := range p.SampleType {
				if st.Type == "inuse_space" {
					idx = i
				}
			}
			for _, s := range p.Sample {
				want += s.Value[idx]
			}
			stdout, stderr, code := runCmd(t, "inspect", "--format", "json", path)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var doc struct {
				Schema    string
				Snapshots []struct {
					Metrics []struct {
						Name  string
						Total int64
					}
				}
			}
			if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
				t.Fatal(err)
			}
			if doc.Schema != "dumpdiff.inspect/v1" || len(doc.Snapshots) != 1 {
				t.Fatalf("got schema %q with %d snapshots", doc.Schema, len(doc.Snapshots))
			}
			var got int64 = -1
			for _, m := range doc.Snapshots[0].Metrics {
				if m.Name == "inuse_space" {
					got = m.Total
				}
			}
			if got != want || want <= 0 {
				t.Errorf("got inuse_space total %d, want %d (pprof library)", got, want)
			}
		})
	}
}

func TestInspectGoldens(t *testing.T) {
	golden(t, "inspect-go-json", 0, "inspect", "--format", "json", "../../testdata/pprof/go-lifecycle/lc1.pb.gz")
	golden(t, "inspect-tcmalloc-piped", 0, "inspect", "--symbols", "../../testdata/bin", "../../testdata/tcmalloc/c-lifecycle/lifecycle.0001.heap")
	// One bad file among good ones: every good one is reported, then exit 1.
	golden(t, "inspect-mixed", 1, "inspect", "--symbols", "../../testdata/bin", "../../testdata/pprof/go-lifecycle/lc1.pb.gz", "testdata/missing.pb.gz", "../../testdata/tcmalloc/c-lifecycle/lifecycle.0001.heap")
}

// TestInspectSymbols checks that --symbols finds the committed binaries of a
// real jemalloc dump whose MAPPED_LIBRARIES name a build path absent here.
func TestInspectSymbols(t *testing.T) {
	dumps, _ := filepath.Glob("../../testdata/jemalloc/c-lifecycle/*.heap")
	if len(dumps) == 0 {
		t.Fatal("no committed jemalloc dumps")
	}
	symbolized := func(args ...string) bool {
		t.Helper()
		stdout, stderr, code := runCmd(t, append([]string{"inspect", "--format", "json"}, args...)...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var doc struct{ Snapshots []struct{ Symbolized bool } }
		if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
			t.Fatal(err)
		}
		return doc.Snapshots[0].Symbolized
	}
	if !symbolized("--symbols", "../../testdata/bin", dumps[0]) {
		t.Errorf("got symbolized false with --symbols testdata/bin, want true")
	}
}

func TestInspectWarnsOnRoundedNMT(t *testing.T) {
	paths, _ := filepath.Glob("../../testdata/nmt/jdk17-summary-mb/*")
	golden(t, "inspect-nmt-mb-piped", 0, "inspect", paths[0])
}

// TestNoColorEnv follows no-color.org: NO_COLOR with a value turns colour
// off, an empty NO_COLOR does not; TERM=dumb turns it off too.
func TestNoColorEnv(t *testing.T) {
	for _, tc := range []struct {
		noColor, term string
		want          bool
	}{
		{"1", "xterm", true},
		{"", "xterm", false},
		{"", "dumb", true},
	} {
		t.Setenv("NO_COLOR", tc.noColor)
		t.Setenv("TERM", tc.term)
		if got := newIOStreams(nil, io.Discard, io.Discard).noColor; got != tc.want {
			t.Errorf("NO_COLOR=%q TERM=%s: got noColor %v, want %v", tc.noColor, tc.term, got, tc.want)
		}
	}
}

// TestBadFilesOneLineEach: every kind of bad input of issue 2 (empty,
// random bytes, a truncated .pb.gz, a PNG, a directory, a missing path)
// gives exit 1 and one stderr line naming the file, from inspect (which
// still reports the good file given with them) and from trend.
func TestBadFilesOneLineEach(t *testing.T) {
	dir := t.TempDir()
	good := "../../testdata/pprof/go-lifecycle/lc1.pb.gz"
	heap, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	random := make([]byte, 4096)
	for i := range random {
		random[i] = byte(i*7919 + i/13)
	}
	files := map[string][]byte{
		"empty.heap":  nil,
		"random.bin":  random,
		"cut.pb.gz":   heap[:len(heap)/2],
		"picture.png": []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"),
	}
	var bad []string
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		bad = append(bad, p)
	}
	sub := filepath.Join(dir, "subdir")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	bad = append(bad, sub, filepath.Join(dir, "missing.pb.gz"))
	slices.Sort(bad)

	stdout, stderr, code := runCmd(t, append([]string{"inspect", good}, bad...)...)
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	if code != 1 || len(lines) != len(bad) || !strings.Contains(stdout, "lc1.pb.gz") {
		t.Fatalf("inspect: got exit %d, %d stderr lines, stdout %q; want 1, %d lines, and the good file reported\nstderr:\n%s",
			code, len(lines), stdout, len(bad), stderr)
	}
	for i, p := range bad {
		if !strings.HasPrefix(lines[i], "dumpdiff: ") || !strings.Contains(lines[i], filepath.Base(p)) {
			t.Errorf("inspect line %d: got %q, want one naming %s", i+1, lines[i], filepath.Base(p))
		}
	}
	for _, p := range bad {
		stdout, stderr, code := runCmd(t, "trend", good, p)
		if code != 1 || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, filepath.Base(p)) {
			t.Errorf("trend %s: got exit %d, stdout %q, stderr %q; want 1, nothing, one line naming the file", filepath.Base(p), code, stdout, stderr)
		}
	}
}

// TestInspectParserPanic: a parser panic on one file is reported as that
// file's error; the other files are still inspected.
func TestInspectParserPanic(t *testing.T) {
	defer func(f func(string, *parsers.Options) (*parsers.Snapshot, error)) { openSnapshot = f }(openSnapshot)
	real := openSnapshot
	openSnapshot = func(path string, o *parsers.Options) (*parsers.Snapshot, error) {
		if strings.HasSuffix(path, "evil.heap") {
			panic("index out of range")
		}
		return real(path, o)
	}
	stdout, stderr, code := runCmd(t, "inspect", "evil.heap", "../../testdata/pprof/go-lifecycle/lc1.pb.gz")
	if code != 1 || !strings.Contains(stdout, "lc1.pb.gz") || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "read evil.heap: parser failed") {
		t.Errorf("got exit %d, stdout %q, stderr %q; want 1, lc1.pb.gz reported, one line naming evil.heap", code, stdout, stderr)
	}
}

// TestInspectAllocsProfileDefault: a Go allocs profile (this test process's
// own) names alloc_space as its default sample type; inspect marks the metric
// trend ranks, inuse_space.
func TestInspectAllocsProfileDefault(t *testing.T) {
	path := filepath.Join(t.TempDir(), "allocs.pb.gz")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		t.Fatal(err)
	}
	f.Close()
	stdout, stderr, code := runCmd(t, "inspect", "--format", "json", path)
	var got struct {
		Snapshots []struct {
			Default string `json:"default_metric"`
		} `json:"snapshots"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil || code != 0 || len(got.Snapshots) != 1 {
		t.Fatalf("got exit %d, %v, stderr %q", code, err, stderr)
	}
	if got.Snapshots[0].Default != "inuse_space" {
		t.Errorf("default metric: got %s, want inuse_space", got.Snapshots[0].Default)
	}
}

// TestHelpExamplesRun runs every example of every command's --help from the
// repository root, as a new user would paste it: the files must exist and
// the command must succeed (or exit 3 for a --fail-on gate). The part after
// a pipe is dropped, -o writes into a temporary directory, and explore's
// examples, which open a terminal UI, only have their files checked.
func TestHelpExamplesRun(t *testing.T) {
	root := newRootCmd(newIOStreams(strings.NewReader(""), io.Discard, io.Discard))
	type example struct{ cmd, line string }
	var examples []example
	for _, c := range append(root.Commands(), root) {
		for _, line := range strings.Split(c.Example, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				examples = append(examples, example{c.Name(), line})
			}
		}
	}
	if len(examples) < 15 {
		t.Fatalf("got %d examples, want the examples of every command", len(examples))
	}
	tmp := t.TempDir()
	t.Chdir("../..")
	for _, ex := range examples {
		line, _, _ := strings.Cut(ex.line, "|")
		fields := strings.Fields(line)
		if len(fields) < 2 || fields[0] != "dumpdiff" {
			t.Errorf("%s example %q: want it to start with dumpdiff and a command", ex.cmd, ex.line)
			continue
		}
		var args []string
		for i := 1; i < len(fields); i++ {
			f := fields[i]
			switch {
			case f == "-o" && i+1 < len(fields):
				args = append(args, f, filepath.Join(tmp, fields[i+1]))
				i++
			case strings.HasPrefix(f, "testdata/"):
				paths, _ := filepath.Glob(f)
				if len(paths) == 0 {
					t.Errorf("%s example %q: got no file for %s, want a committed one", ex.cmd, ex.line, f)
				}
				args = append(args, paths...)
			default:
				args = append(args, f)
			}
		}
		if args[0] == "explore" {
			continue
		}
		_, stderr, code := runCmd(t, args...)
		if code != exitOK && code != exitThreshold {
			t.Errorf("%s example %q: got exit code %d, want 0 or 3\nstderr: %s", ex.cmd, ex.line, code, stderr)
		}
	}
}
