package parsers

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// addSeeds adds every committed snapshot matching the globs (relative to the
// repository's testdata/) as a fuzz seed; seeds run in every go test.
func addSeeds(f *testing.F, globs ...string) {
	f.Helper()
	for _, g := range globs {
		paths, err := filepath.Glob(filepath.Join("..", "testdata", g))
		if err != nil {
			f.Fatal(err)
		}
		for _, p := range paths {
			data, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			if len(data) <= 1<<20 {
				f.Add(data)
			}
		}
	}
}

// FuzzParse feeds arbitrary bytes through detection and whichever parser
// claims them: no input may panic or hang, and a nil error means a usable
// snapshot.
func FuzzParse(f *testing.F) {
	f.Add(realGoHeapProfile(f))
	f.Add([]byte("heap profile: 1: 2 [3: 4] @ heapprofile\n1: 2 [3: 4] @ 0x1 0x2\n\nMAPPED_LIBRARIES:\n"))
	addSeeds(f, "pprof/*/*.pb.gz", "pprof/go-forms/*/lc1.*", "tcmalloc/*/*.heap", "jemalloc/*/*.heap", "nmt/*/*.txt", "nmt/*/*.out",
		"heaptrack/*/restart-lc1.zst", "jfr/*/*.jfr", "jfr/other/*.jfr", "jfr/*/sampled-collapsed/lc-1.txt.gz")
	f.Fuzz(func(t *testing.T, data []byte) {
		snap, err := Parse(bytes.NewReader(data), "fuzz", nil)
		if err != nil {
			if snap != nil {
				t.Errorf("got a snapshot and an error %v", err)
			}
			return
		}
		if snap.Profile == nil || len(snap.Profile.SampleType) == 0 {
			t.Errorf("got a snapshot without sample types")
		}
		snap.Totals()
		snap.DefaultMetric()
	})
}

// FuzzParseTcmalloc exercises the legacy heap text path directly: no panic,
// errors are *ParseError with no snapshot, and a snapshot holds a valid
// profile.
func FuzzParseTcmalloc(f *testing.F) {
	f.Add([]byte("heap profile: 1: 2 [3: 4] @ heapprofile\n1: 2 [3: 4] @ 0x1 0x2\n\nMAPPED_LIBRARIES:\n00400000-00401000 r-xp 00000000 00:00 0 /bin/x\n"))
	addSeeds(f, "tcmalloc/*/*.heap", "pprof/go-forms/text/lc1.txt")
	f.Fuzz(func(t *testing.T, data []byte) {
		if snap, err := ParseTcmalloc(bytes.NewReader(data), "fuzz"); checkParsed(t, snap, err) {
			snap.Totals()
		}
	})
}

// checkParsed fails the test unless a parser returned either no snapshot
// and a *ParseError, or no error and a snapshot with a valid profile. It
// reports whether there is a snapshot to look at further.
func checkParsed(t *testing.T, snap *Snapshot, err error) bool {
	t.Helper()
	if err != nil {
		var pe *ParseError
		if snap != nil || !errors.As(err, &pe) {
			t.Fatalf("got snapshot %v and error %T %v, want nil and a *ParseError", snap != nil, err, err)
		}
		return false
	}
	if err := snap.Profile.CheckValid(); err != nil {
		t.Fatalf("invalid profile: %v", err)
	}
	return true
}

// FuzzDecodePprof checks the streaming pprof decoder against the pprof
// library on arbitrary bytes: no panic; errors are *ParseError values with
// no snapshot; and where the library reads a valid profile, the decoder
// reads the same one (same dump: metadata, totals, every sample).
func FuzzDecodePprof(f *testing.F) {
	addSeeds(f, "pprof/*/*.pb.gz")
	f.Fuzz(func(t *testing.T, data []byte) {
		in, closeIn, err := openContent(bytes.NewReader(data), "fuzz", 0, true)
		if err != nil {
			return
		}
		raw := new(bytes.Buffer)
		_, rerr := raw.ReadFrom(in)
		closeIn()
		if rerr != nil {
			return
		}
		var b SnapshotBuilder
		err = DecodePprof(bytes.NewReader(raw.Bytes()), "fuzz", &b)
		got := b.Snapshots()
		if err != nil {
			var pe *ParseError
			if len(got) != 0 || !errors.As(err, &pe) {
				t.Fatalf("got %d snapshots and error %T %v, want none and a *ParseError", len(got), err, err)
			}
		}
		want, werr := ParsePprof(bytes.NewReader(raw.Bytes()), "fuzz")
		if werr != nil || err != nil {
			return
		}
		if w, g := dumpSnapshot(want), dumpSnapshot(got[0]); !bytes.Equal(w, g) {
			t.Fatalf("the streaming decoder differs from the pprof library:\n%s", firstDiff(w, g))
		}
	})
}

// FuzzParseCollapsed reads arbitrary text as collapsed stacks: no panic,
// errors are *ParseError with no snapshot, a snapshot holds a valid
// profile.
func FuzzParseCollapsed(f *testing.F) {
	f.Add([]byte("main_[j];Op.open_[0];os::malloc;malloc_hook 100\nmain;operator new(unsigned long) 7\n"))
	f.Add([]byte("a;b 1\r\n\na;;b 2\n"))
	if gz, err := os.Open(filepath.Join("..", "testdata", "jfr", "jdk17", "sampled-collapsed", "lc-1.txt.gz")); err == nil {
		in, closeIn, err := openContent(gz, "seed", 0, false)
		if err == nil {
			data, _ := io.ReadAll(in)
			f.Add(data)
			closeIn()
		}
		gz.Close()
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if snap, err := ParseCollapsed(bytes.NewReader(data), "fuzz", ""); checkParsed(t, snap, err) {
			snap.Totals()
		}
	})
}
