package main

import (
	"bytes"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
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
