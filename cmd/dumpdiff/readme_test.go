package main

import (
	"bytes"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/dumpdiff/dumpdiff/loader"
	"github.com/dumpdiff/dumpdiff/tui"
)

// readmeExampleRE matches a README command block whose first line runs
// dumpdiff (installed, or go run ./cmd/dumpdiff), followed by a block with
// what it prints.
var readmeExampleRE = regexp.MustCompile("(?s)```sh\n((?:bin/|go run \\./cmd/)?dumpdiff [^\n]*)\n[^`]*```\n\n?```(?:markdown)?\n(.*?)```\n")

// TestReadmeOutputs runs each README command that is shown with its output,
// on a terminal 100 columns wide without colour, and compares: a README that
// drifts from the program fails here. go test ./cmd/dumpdiff -run
// TestReadmeOutputs -update rewrites the shown outputs in place.
func TestReadmeOutputs(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	matches := readmeExampleRE.FindAllSubmatch(readme, -1)
	if len(matches) < 6 {
		t.Fatalf("got %d README examples with output, want at least 6", len(matches))
	}
	t.Chdir("../..")
	for _, m := range matches {
		line, want := string(m[1]), string(m[2])
		words := strings.Fields(line)
		args := words[slices.IndexFunc(words, func(w string) bool { return strings.HasSuffix(w, "dumpdiff") })+1:]
		var stdout, stderr bytes.Buffer
		ios := &IOStreams{In: strings.NewReader(""), Out: &stdout, ErrOut: &stderr, stdoutTTY: true, width: 100, noColor: true}
		root := newRootCmd(ios)
		root.SetArgs(args)
		root.SetOut(&stdout)
		root.SetErr(&stderr)
		if err := root.Execute(); err != nil {
			t.Errorf("%s: got error %v, want the output the README shows", line, err)
			continue
		}
		if got := stdout.String(); got != want {
			if *update {
				readme = bytes.Replace(readme, m[0], bytes.Replace(m[0], m[2], []byte(got), 1), 1)
				continue
			}
			t.Errorf("%s: got\n%s\nwant what the README shows\n%s", line, got, want)
		}
	}
	if *update {
		if err := os.WriteFile("README.md", readme, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// readmeExploreRE matches an explore screen in the README: the command in
// backquotes, the terminal's size, then the screen in a block.
var readmeExploreRE = regexp.MustCompile("(?s)`(dumpdiff explore [^`]*)`,?\\s+in a\\s+(\\d+)×(\\d+) terminal.*?```\n(.*?)```\n")

// TestReadmeExploreScreens opens each explore screen the README shows, with
// its command's flags at its terminal size, and compares the first screen
// (trailing blanks aside): the example must come out the same on a fresh
// clone. -update rewrites the screens in place.
func TestReadmeExploreScreens(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	matches := readmeExploreRE.FindAllSubmatch(readme, -1)
	if len(matches) < 2 {
		t.Fatalf("got %d README explore screens, want at least 2", len(matches))
	}
	t.Chdir("../..")
	for _, m := range matches {
		line, want := string(m[1]), string(m[4])
		w, _ := strconv.Atoi(string(m[2]))
		h, _ := strconv.Atoi(string(m[3]))
		var got string
		ios := &IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard, stdoutTTY: true}
		cmd := newCmdExplore(ios, func(o *ExploreOptions) error {
			paths, warns, err := loader.ExpandPaths(o.Files)
			if err != nil {
				return err
			}
			o.Load.Warnings = warns
			s, err := loadExplored(paths, o.Load, o.Engine, nil)
			if err != nil {
				return err
			}
			mod := tui.New(s, tui.Options{Query: o.Engine, Title: seriesTitle(o.Files)})
			mod.SetSize(w, h)
			next, _ := mod.Update(mod.Init()())
			got = trimLines(ansi.Strip(next.(tui.Model).Render()))
			return nil
		})
		cmd.SetArgs(strings.Fields(line)[2:])
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		if err := cmd.Execute(); err != nil {
			t.Errorf("%s: %v", line, err)
			continue
		}
		if got != trimLines(want) {
			if *update {
				readme = bytes.Replace(readme, m[0], bytes.Replace(m[0], m[4], []byte(got), 1), 1)
				continue
			}
			t.Errorf("%s at %dx%d: got\n%s\nwant what the README shows\n%s", line, w, h, got, want)
		}
	}
	if *update {
		if err := os.WriteFile("README.md", readme, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// trimLines drops the blanks at the ends of lines, and ends with a newline.
func trimLines(s string) string {
	ls := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range ls {
		ls[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(ls, "\n") + "\n"
}
