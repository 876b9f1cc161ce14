package parsers

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// TestPprofGoldens parses one real snapshot of each pprof and tcmalloc series
// and compares the stable dump with its golden file.
func TestPprofGoldens(t *testing.T) {
	for _, path := range []string{
		"../testdata/pprof/go-lifecycle/lc1.pb.gz",
		"../testdata/pprof/go-sampled/lc1.pb.gz",
		"../testdata/tcmalloc/c-lifecycle/lifecycle.0001.heap",
	} {
		t.Run(filepath.Base(filepath.Dir(path)), func(t *testing.T) {
			snap, err := Open(path, nil)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, path+".golden", dumpSnapshot(snap))
		})
	}
}

func TestTcmallocMetadata(t *testing.T) {
	snap, err := Open("../testdata/tcmalloc/c-lifecycle/lifecycle.0001.heap", nil)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Format != FormatTcmalloc || snap.Variant != "gperftools" || snap.Period != 0 {
		t.Errorf("got %s/%s period %d, want tcmalloc/gperftools period 0", snap.Format, snap.Variant, snap.Period)
	}
	if snap.Symbolized {
		t.Errorf("got symbolized, want address-only frames before symbolisation")
	}
	if len(snap.Profile.Mapping) == 0 {
		t.Errorf("got no mappings, want MAPPED_LIBRARIES parsed")
	}
	for _, l := range snap.Profile.Location {
		if l.Mapping == nil {
			t.Errorf("location %#x has no mapping", l.Address)
		}
	}
}

func TestTcmallocErrors(t *testing.T) {
	for _, tc := range []struct {
		name, input, want string
	}{
		{"bad header", "heap profile: x\n", `line 1: want header like`},
		{"bad sample", "heap profile: 1: 2 [3: 4] @ heapprofile\n1: 2 [3: 4] @ 0x10\n7 bytes @ 0x1\n", `line 3: malformed sample line "7 bytes @ 0x1"`},
		{"jemalloc", "heap_v2/524288\n  t*: 1: 2 [0: 0]\n", `line 1: want header like`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseTcmalloc(strings.NewReader(tc.input), "web-3.heap")
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Format != FormatTcmalloc || pe.Name != "web-3.heap" {
				t.Fatalf("got %v, want a *ParseError for web-3.heap", err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "parse tcmalloc heap profile web-3.heap ") {
				t.Errorf("got %q, want it to contain %q", err, tc.want)
			}
		})
	}
}
