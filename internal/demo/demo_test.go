package demo

import (
	"bytes"
	"os"
	"path"
	"testing"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/loader"
)

// TestSameAsTestdata keeps the embedded copy equal to the generated series.
func TestSameAsTestdata(t *testing.T) {
	paths := Paths()
	if len(paths) != 8 {
		t.Fatalf("got %d demo snapshots, want 8", len(paths))
	}
	for _, p := range paths {
		got, err := files.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		orig := "../../testdata/pprof/go-lifecycle/" + path.Base(p)
		want, err := os.ReadFile(orig)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from %s: copy the regenerated series into internal/demo/go-lifecycle", p, orig)
		}
	}
}

// TestLoad loads the demo as explore --demo does and finds the leak on top.
func TestLoad(t *testing.T) {
	s, err := loader.Load(Paths(), loader.Options{Open: Open})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Trend(dumpdiff.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := res.Sites[0].Title, "main.(*leakyOperator).open"; got != want {
		t.Errorf("top site: got %q, want %q", got, want)
	}
	if got := res.Sites[0].Verdict; got != dumpdiff.VerdictLeak {
		t.Errorf("top verdict: got %s, want leak", got)
	}
}
