package parsers

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/dumpdiff/dumpdiff/parsers/symbolize"
)

// TestReadAgreesWithOpen reads every committed fixture both ways: Read
// into a SnapshotBuilder (the streaming path that trend and compare take)
// and Open (inspect, the pprof export, the library API). One reader serves
// both, so they must dump alike, baselines included, with and without a
// symboliser (testdata/bin holds the binaries of the jemalloc and tcmalloc
// dumps).
func TestReadAgreesWithOpen(t *testing.T) {
	sym := symbolize.New(symbolize.Options{SearchDirs: []string{filepath.Join("..", "testdata", "bin")}})
	for _, opts := range []*Options{nil, {Symbolizer: sym}} {
		for _, path := range fixtureFiles(t) {
			want, err := Open(path, opts)
			if err != nil {
				continue // the error cases have their own tests
			}
			var b SnapshotBuilder
			if err := ReadFile(path, opts, &b); err != nil {
				t.Fatalf("%s: Open read it, Read says %v", path, err)
			}
			got := b.Snapshots()
			if len(got) != 1 {
				t.Fatalf("%s: Read built %d snapshots, want 1", path, len(got))
			}
			if w, g := dumpSnapshot(want), dumpSnapshot(got[0]); !bytes.Equal(w, g) {
				t.Errorf("%s (symboliser %v): Read differs from Open:\n%s", path, opts != nil, firstDiff(w, g))
			}
			if (want.Baseline == nil) != (got[0].Baseline == nil) {
				t.Fatalf("%s: baseline lost or invented", path)
			}
			if want.Baseline != nil {
				if w, g := dumpSnapshot(want.Baseline), dumpSnapshot(got[0].Baseline); !bytes.Equal(w, g) {
					t.Errorf("%s: Read's baseline differs from Open's:\n%s", path, firstDiff(w, g))
				}
			}
		}
	}
}
