package parsers

import (
	"bytes"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// fixtureFiles lists every committed snapshot file: each file under
// testdata/{pprof,tcmalloc,jemalloc,nmt} whose content is in a format the
// parsers read (goldens, notes and reference outputs are skipped).
func fixtureFiles(t testing.TB) []string {
	t.Helper()
	var out []string
	for _, dir := range []string{"pprof", "tcmalloc", "jemalloc", "nmt"} {
		root := filepath.Join("..", "testdata", dir)
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.HasSuffix(path, ".golden") {
				return err
			}
			if _, err := DetectFile(path); errors.Is(err, ErrUnrecognized) || errors.Is(err, ErrEmpty) {
				return nil
			}
			out = append(out, path)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(out) < 50 {
		t.Fatalf("found %d fixture files, want the committed ones (at least 50)", len(out))
	}
	return out
}

// TestSinkRoundTrip feeds every fixture through EmitSnapshot into a
// SnapshotBuilder and checks that the rebuilt snapshot (and its baseline)
// dumps exactly as the parsed one.
func TestSinkRoundTrip(t *testing.T) {
	for _, path := range fixtureFiles(t) {
		snap, err := Open(path, nil)
		if err != nil {
			continue // the error cases have their own tests
		}
		var b SnapshotBuilder
		if err := EmitSnapshot(snap, &b); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		got := b.Snapshots()
		if len(got) != 1 {
			t.Fatalf("%s: rebuilt %d snapshots, want 1", path, len(got))
		}
		if want, have := dumpSnapshot(snap), dumpSnapshot(got[0]); !bytes.Equal(want, have) {
			t.Errorf("%s: rebuilt snapshot differs:\n%s", path, firstDiff(want, have))
		}
		if (snap.Baseline == nil) != (got[0].Baseline == nil) {
			t.Fatalf("%s: baseline lost or invented", path)
		}
		if snap.Baseline != nil {
			if want, have := dumpSnapshot(snap.Baseline), dumpSnapshot(got[0].Baseline); !bytes.Equal(want, have) {
				t.Errorf("%s: rebuilt baseline differs:\n%s", path, firstDiff(want, have))
			}
		}
	}
}

// firstDiff shows the first line where two dumps differ.
func firstDiff(a, b []byte) string {
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return "want: " + al[i] + "\n got: " + bl[i]
		}
	}
	return "one dump is a prefix of the other"
}
