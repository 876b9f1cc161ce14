package loader

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/pprof/profile"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/parsers"
	"github.com/dumpdiff/dumpdiff/parsers/symbolize"
)

// oneSnapshot is a hand-built snapshot with one site.
func oneSnapshot(name string, v int64) *parsers.Snapshot {
	f := &profile.Function{ID: 1, Name: "leak"}
	l := &profile.Location{ID: 1, Line: []profile.Line{{Function: f}}}
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "inuse_space", Unit: "bytes"}},
		Function:   []*profile.Function{f},
		Location:   []*profile.Location{l},
		Sample:     []*profile.Sample{{Location: []*profile.Location{l}, Value: []int64{v}}},
	}
	return &parsers.Snapshot{Name: name, Format: parsers.FormatPprof, Lifecycle: -1, Profile: p}
}

func TestExpandPaths(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	heap := "heap profile: 1: 2 [3: 4] @ heapprofile\n"
	write("x.10.heap", heap)
	write("x.9.heap", heap)
	write("truth.json", "{}")
	write("report.txt", "Showing nodes accounting for 100%\n")
	write(".hidden", heap)
	write("README", heap)
	// A tool's collapsed stacks of the series (heaptrack_print -F) are its
	// report, not a lifecycle.
	write("x.10.stacks.txt", "main;open;malloc 4096\n")
	got, warns, err := ExpandPaths([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "x.9.heap"), filepath.Join(dir, "x.10.heap")}
	if !slices.Equal(got, want) || len(warns) != 0 {
		t.Errorf("got %v and warnings %v, want %v and none (notes are skipped quietly)", got, warns, want)
	}
	// A directory of collapsed stacks alone is a series of them.
	stacks := t.TempDir()
	for _, n := range []string{"lc-2.txt", "lc-10.txt"} {
		if err := os.WriteFile(filepath.Join(stacks, n), []byte("main;open;malloc 4096\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, _, err = ExpandPaths([]string{stacks})
	if want := []string{filepath.Join(stacks, "lc-2.txt"), filepath.Join(stacks, "lc-10.txt")}; err != nil || !slices.Equal(got, want) {
		t.Errorf("collapsed stacks: got %v, %v, want %v", got, err, want)
	}
	empty := t.TempDir()
	if _, _, err := ExpandPaths([]string{empty}); err == nil || err.Error() != "directory "+empty+" has no snapshot files" {
		t.Errorf("empty dir: got %v", err)
	}
	if _, _, err := ExpandPaths([]string{filepath.Join(dir, "missing")}); err == nil {
		t.Error("missing path: got no error")
	}
}

// TestExpandPathsSeesLateNMTHeader: -XX:+PrintNMTStatistics output follows
// whatever the program printed; a directory still counts the file as a
// snapshot when its header comes after more than a few KiB of other output.
func TestExpandPathsSeesLateNMTHeader(t *testing.T) {
	report, err := os.ReadFile("../testdata/nmt/jdk17-exit/exit.txt")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	chatter := bytes.Repeat([]byte("task 7 processed 1000 records\n"), 400) // 12 KiB
	if err := os.WriteFile(filepath.Join(dir, "worker.out"), append(chatter, report...), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), chatter, 0o644); err != nil {
		t.Fatal(err)
	}
	got, _, err := ExpandPaths([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || filepath.Base(got[0]) != "worker.out" {
		t.Errorf("got %v, want only worker.out", got)
	}
}

// copySeries copies the snapshot files of a committed series into a new
// directory and returns it.
func copySeries(t *testing.T, src string) string {
	t.Helper()
	paths, _, err := ExpandPaths([]string{src})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(p)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestCorruptSnapshotInDirectory (issue 12): a damaged file in a series
// directory is never dropped without a word: binary data that is no
// snapshot is skipped with a warning naming it, and a file that starts like
// a snapshot but does not parse is an error, as on the command line.
func TestCorruptSnapshotInDirectory(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 4096)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	random[0] = 0xff // a byte no profile.proto starts with
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(random)
	zw.Close()
	good, err := os.ReadFile("../testdata/pprof/go-lifecycle/lc8.pb.gz")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		content []byte
		warn    string // a warning naming the file, or
		err     string // an error naming it
	}{
		{"zeros", make([]byte, 4096), "not a snapshot in any format dumpdiff reads (binary data)", ""},
		{"gzip of random bytes", gz.Bytes(), "not a snapshot in any format dumpdiff reads (binary data)", ""},
		{"truncated gzip", good[:len(good)/2], "", "truncated"},
		{"damaged gzip", append(append([]byte{}, good[:100]...), random...), "", "gzip"},
		{"empty", nil, "", "empty file"},
		{"truncated profile", mustGunzip(t, good)[:5000], "", "byte "},
	} {
		dir := copySeries(t, "../testdata/pprof/go-lifecycle")
		bad := filepath.Join(dir, "lc5x.pb.gz")
		if err := os.WriteFile(bad, c.content, 0o644); err != nil {
			t.Fatal(err)
		}
		paths, warns, err := ExpandPaths([]string{dir})
		if err == nil {
			var s *dumpdiff.Series
			s, err = Load(paths, Options{Warnings: warns})
			if err == nil {
				warns = s.Warnings()
			}
		}
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) || !strings.Contains(err.Error(), bad) {
				t.Errorf("%s: got error %v, want one naming %s and saying %q", c.name, err, bad, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: got error %v, want the series with a warning", c.name, err)
			continue
		}
		found := false
		for _, w := range warns {
			found = found || strings.Contains(w.Error(), bad) && strings.Contains(w.Error(), c.warn)
		}
		if !found || slices.Contains(paths, bad) {
			t.Errorf("%s: got paths %v and warnings %v, want %s skipped with a warning saying %q", c.name, paths, warns, bad, c.warn)
		}
	}
}

func mustGunzip(t *testing.T, b []byte) []byte {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := out.ReadFrom(zr); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestAliasCountsOnce (issue 12): a symlink or hard link to a snapshot of
// the series is the same lifecycle, not a second one.
func TestAliasCountsOnce(t *testing.T) {
	dir := copySeries(t, "../testdata/pprof/go-lifecycle")
	last := filepath.Join(dir, "lc8.pb.gz")
	if err := os.Symlink(last, filepath.Join(dir, "latest.pb.gz")); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(last, filepath.Join(dir, "lc8.pb.gz.bak")); err != nil {
		t.Fatal(err)
	}
	paths, warns, err := ExpandPaths([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 8 || !slices.Contains(paths, last) {
		t.Errorf("got %d paths %v, want the 8 lifecycles with lc8.pb.gz itself", len(paths), paths)
	}
	if len(warns) != 2 || !strings.Contains(fmt.Sprint(warns), "latest.pb.gz: the same file as "+last) {
		t.Errorf("got warnings %v, want the symlink and the hard link named", warns)
	}
	// Named on the command line, an alias is refused like a path given twice.
	_, err = Load([]string{filepath.Join(dir, "lc1.pb.gz"), last, filepath.Join(dir, "latest.pb.gz")}, Options{})
	if err == nil || !strings.Contains(err.Error(), "are the same file") {
		t.Errorf("got %v, want the alias refused", err)
	}
}

func TestLoadErrors(t *testing.T) {
	_, err := Load([]string{"x/lc1.pb", "x/other.pb"}, Options{LifecycleRegex: regexp.MustCompile(`lc(\d+)`)})
	if want := `lifecycle regex "lc(\\d+)" does not match x/other.pb`; err == nil || err.Error() != want {
		t.Errorf("regex mismatch: got %v, want %s", err, want)
	}
	// A regex without a capture group: the engine's typed error, which the
	// CLI words for its flag.
	_, err = Load([]string{"x/lc1.pb"}, Options{LifecycleRegex: regexp.MustCompile(`lc\d+`)})
	var lre *dumpdiff.LifecycleRegexError
	if want := `lifecycle regex "lc\\d+" has no capture group for the lifecycle number`; !errors.As(err, &lre) || err.Error() != want {
		t.Errorf("regex without a group: got %#v, want a *dumpdiff.LifecycleRegexError %s", err, want)
	}
	_, err = Load([]string{"x/lc1.pb", "y/lc01.pb"}, Options{LifecycleRegex: regexp.MustCompile(`lc(\d+)`)})
	if want := "x/lc1.pb and y/lc01.pb have the same lifecycle 1"; err == nil || err.Error() != want {
		t.Errorf("duplicate lifecycle: got %v, want %s", err, want)
	}
	// The first failing file in series order is reported, however the
	// reads finish.
	bad := errors.New("parse b failed")
	_, err = Load([]string{"a.pb", "b.pb", "c.pb"}, Options{Jobs: 3, Open: func(p string) (*parsers.Snapshot, error) {
		switch p {
		case "a.pb":
			time.Sleep(20 * time.Millisecond)
			return oneSnapshot(p, 1), nil
		case "b.pb":
			time.Sleep(10 * time.Millisecond)
			return nil, bad
		}
		return nil, errors.New("parse c failed")
	}})
	if !errors.Is(err, bad) {
		t.Errorf("first error: got %v, want %v", err, bad)
	}
	if _, err := Load(nil, Options{}); err == nil {
		t.Error("no paths: got no error")
	}
}

// TestLoadParserPanic: a parser that panics on some input becomes an error
// naming the file, not a crash, and the load does not hang.
func TestLoadParserPanic(t *testing.T) {
	_, err := Load([]string{"good", "evil.heap", "good2"}, Options{Open: func(p string) (*parsers.Snapshot, error) {
		if p == "evil.heap" {
			var m map[string]int
			m["boom"]++ // a nil map write: a typical parser bug
		}
		return oneSnapshot(p, 1), nil
	}})
	if err == nil || !strings.Contains(err.Error(), "read evil.heap: parser failed") {
		t.Errorf("got %v, want an error naming evil.heap", err)
	}
}

func TestLoadSameFileTwice(t *testing.T) {
	_, err := Load([]string{"d/lc1.pb.gz", "d/lc2.pb.gz", "d/./lc1.pb.gz"}, Options{Open: func(string) (*parsers.Snapshot, error) {
		t.Fatal("Load parsed a file before refusing the series")
		return nil, nil
	}})
	if want := "d/./lc1.pb.gz is given twice: each snapshot is one lifecycle"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

// TestLoadDeterministic loads real series with one and with many read jobs,
// several times: every result (every site, every grouping) must be
// identical, however the reads interleave.
func TestLoadDeterministic(t *testing.T) {
	for _, dir := range []string{"../testdata/pprof/go-noisy", "../testdata/jemalloc/c-threads", "../testdata/nmt/jdk17-detail"} {
		paths, _, err := ExpandPaths([]string{dir})
		if err != nil {
			t.Fatal(err)
		}
		var first []any
		for run, jobs := range []int{1, 8, 8, 3} {
			var progress []int
			s, err := Load(paths, Options{Jobs: jobs, Progress: func(done, total int, _ string) { progress = append(progress, done) }})
			if err != nil {
				t.Fatal(err)
			}
			if len(progress) != len(paths) || !slices.IsSorted(progress) {
				t.Errorf("jobs=%d: progress calls got %v, want 1..%d", jobs, progress, len(paths))
			}
			var got []any
			for _, by := range []dumpdiff.GroupBy{dumpdiff.GroupByStack, dumpdiff.GroupByFunction, dumpdiff.GroupByLine} {
				res, err := s.Trend(dumpdiff.Options{GroupBy: by})
				if err != nil {
					t.Fatal(err)
				}
				cmp, err := s.Compare(0, s.Len()-1, dumpdiff.Options{GroupBy: by})
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, res, cmp)
			}
			if run == 0 {
				first = got
			} else if !reflect.DeepEqual(first, got) {
				t.Errorf("%s: results with %d read jobs differ from one job", dir, jobs)
			}
		}
	}
}

// TestDecompressedSizeLimit: a gzip that decompresses beyond the limit is
// refused, naming the file and the byte, and --max-decompressed raises it.
func TestDecompressedSizeLimit(t *testing.T) {
	raw := mustGunzip(t, mustRead(t, "../testdata/pprof/go-lifecycle/lc8.pb.gz"))
	dir := t.TempDir()
	path := filepath.Join(dir, "big.pb.gz")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw)
	zw.Close()
	if err := os.WriteFile(path, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	other := "../testdata/pprof/go-lifecycle/lc1.pb.gz"
	limit := int64(len(raw) / 2)
	_, err := Load([]string{other, path}, Options{Parse: parsers.Options{MaxDecompressed: limit}})
	if err == nil || !strings.Contains(err.Error(), path) || !errors.Is(err, parsers.ErrTooLarge) ||
		!strings.Contains(err.Error(), fmt.Sprintf("at byte %d", limit+1)) {
		t.Errorf("got %v, want %s refused at byte %d", err, path, limit+1)
	}
	if _, err := Load([]string{other, path}, Options{Parse: parsers.Options{MaxDecompressed: int64(len(raw))}}); err != nil {
		t.Errorf("with the limit raised: %v", err)
	}
}

func mustRead(t *testing.T, path string) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestStreamingAgreesWithProfiles loads every committed series twice: as
// the CLI does (streaming readers) and through parsers.Open's
// *profile.Profile model, and checks that every result agrees: every
// total, every site, every value, every verdict.
func TestStreamingAgreesWithProfiles(t *testing.T) {
	dirs, err := filepath.Glob("../testdata/*/*")
	if err != nil {
		t.Fatal(err)
	}
	sym := parsers.Options{Symbolizer: symbolize.New(symbolize.Options{SearchDirs: []string{"../testdata/bin"}})}
	checked := 0
	for _, dir := range dirs {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() || strings.Contains(dir, "/gen") || strings.Contains(dir, "/bin") {
			continue
		}
		paths, _, err := ExpandPaths([]string{dir})
		if err != nil {
			continue // not a series directory
		}
		streamed, err := Load(paths, Options{Parse: sym})
		if err != nil {
			continue // mixed or split inputs have their own tests
		}
		parsed, err := Load(paths, Options{Open: func(p string) (*parsers.Snapshot, error) { return parsers.Open(p, &sym) }})
		if err != nil {
			t.Fatalf("%s through parsers.Open: %v", dir, err)
		}
		for _, by := range []dumpdiff.GroupBy{dumpdiff.GroupByStack, dumpdiff.GroupByFunction, dumpdiff.GroupByLine} {
			a, errA := streamed.Trend(dumpdiff.Options{GroupBy: by})
			b, errB := parsed.Trend(dumpdiff.Options{GroupBy: by})
			if (errA == nil) != (errB == nil) || !reflect.DeepEqual(a, b) {
				t.Errorf("%s by %s: the streaming readers and parsers.Open disagree (%v, %v)", dir, by, errA, errB)
			}
			ca, errA := streamed.Compare(0, streamed.Len()-1, dumpdiff.Options{GroupBy: by})
			cb, errB := parsed.Compare(0, parsed.Len()-1, dumpdiff.Options{GroupBy: by})
			if (errA == nil) != (errB == nil) || !reflect.DeepEqual(ca, cb) {
				t.Errorf("%s by %s: compare disagrees between the streaming readers and parsers.Open", dir, by)
			}
		}
		checked++
	}
	if checked < 20 {
		t.Errorf("checked %d series, want every committed one (20 or more)", checked)
	}
}

// writeReplaySeries writes k gzipped profiles of 50 000 samples (enough
// for a replay split over cores) into dir and returns their paths.
func writeReplaySeries(t *testing.T, dir string, k int) []string {
	t.Helper()
	var paths []string
	for lc := range k {
		p := &profile.Profile{SampleType: []*profile.ValueType{{Type: "inuse_objects", Unit: "count"}, {Type: "inuse_space", Unit: "bytes"}}}
		var locs []*profile.Location
		for i := range 500 {
			f := &profile.Function{ID: uint64(i + 1), Name: fmt.Sprintf("fn%d", i)}
			p.Function = append(p.Function, f)
			l := &profile.Location{ID: uint64(i + 1), Line: []profile.Line{{Function: f, Line: int64(i)}}}
			p.Location = append(p.Location, l)
			locs = append(locs, l)
		}
		rng := rand.New(rand.NewPCG(uint64(lc), 1))
		for i := range 50_000 {
			// 20 000 distinct stacks, each in several samples spread over
			// the file; a label on some.
			r := rand.New(rand.NewPCG(uint64(i%20_000), 2))
			stack := []*profile.Location{locs[r.IntN(500)], locs[r.IntN(500)], locs[r.IntN(500)]}
			s := &profile.Sample{Location: stack, Value: []int64{1, int64(8 + rng.IntN(100) + lc*i%7)}}
			if i%7 == 0 {
				s.Label = map[string][]string{"thread": {fmt.Sprint(i % 3)}}
			}
			p.Sample = append(p.Sample, s)
		}
		path := filepath.Join(dir, fmt.Sprintf("lc%d.pb.gz", lc))
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Write(f); err != nil {
			t.Fatal(err)
		}
		f.Close()
		paths = append(paths, path)
	}
	return paths
}

// TestParallelReplayAgrees reads a profile large enough for its samples to
// be split across goroutines (with stacks that repeat across the runs, and
// labels) and checks the series against the one parsers.Open's model gives.
func TestParallelReplayAgrees(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	paths := writeReplaySeries(t, t.TempDir(), 3)
	streamed, err := Load(paths, Options{})
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := Load(paths, Options{Open: func(p string) (*parsers.Snapshot, error) { return parsers.Open(p, nil) }})
	if err != nil {
		t.Fatal(err)
	}
	for _, by := range []dumpdiff.GroupBy{dumpdiff.GroupByStack, dumpdiff.GroupByLine} {
		if !trendsAgree(t, streamed, parsed, by) {
			t.Errorf("by %s: the split replay and parsers.Open disagree", by)
		}
	}
	c, err := streamed.Trend(dumpdiff.Options{GroupBy: dumpdiff.GroupByCategory, Label: "thread"})
	d, _ := parsed.Trend(dumpdiff.Options{GroupBy: dumpdiff.GroupByCategory, Label: "thread"})
	if err != nil || !reflect.DeepEqual(c, d) || len(c.Sites) != 4 {
		t.Errorf("by thread: got %v sites (%v), want the 3 threads and (no thread), as parsers.Open gives", len(c.Sites), err)
	}
}

// trendsAgree ranks both series grouped by by and reports whether the
// results are equal. A ranking that fails, or finds no site, fails the
// test: two failures would otherwise agree.
func trendsAgree(t *testing.T, a, b *dumpdiff.Series, by dumpdiff.GroupBy) bool {
	t.Helper()
	ra, err := a.Trend(dumpdiff.Options{GroupBy: by})
	if err != nil {
		t.Fatal(err)
	}
	rb, err := b.Trend(dumpdiff.Options{GroupBy: by})
	if err != nil {
		t.Fatal(err)
	}
	if len(ra.Sites) == 0 {
		t.Fatalf("by %s: no sites to compare", by)
	}
	return reflect.DeepEqual(ra, rb)
}

// TestLargeFilesOverlap: files too large for two to share the in-flight
// budget (all of them, with a budget of one byte) are read one while the
// previous one is reduced, the next reader taking the blocks the reduction
// gives back; the series is the one read with room for all, and a damaged
// file among them fails the load, naming it, without a hang.
func TestLargeFilesOverlap(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	dir := t.TempDir()
	paths := writeReplaySeries(t, dir, 4)
	want, err := Load(paths, Options{InFlight: 1 << 40})
	if err != nil {
		t.Fatal(err)
	}
	for _, jobs := range []int{1, 2, 4} {
		got, err := Load(paths, Options{InFlight: 1, Jobs: jobs})
		if err != nil {
			t.Fatal(err)
		}
		for _, by := range []dumpdiff.GroupBy{dumpdiff.GroupByStack, dumpdiff.GroupByFunction} {
			if !trendsAgree(t, want, got, by) {
				t.Errorf("jobs=%d by %s: overlapped reads disagree with reads side by side", jobs, by)
			}
		}
	}
	data, err := os.ReadFile(paths[2])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(paths[2], data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := Load(paths, Options{InFlight: 1, Jobs: 2})
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), filepath.Base(paths[2])) {
			t.Errorf("a truncated file among large ones: got %v, want an error naming %s", err, paths[2])
		}
	case <-time.After(time.Minute):
		t.Fatal("a truncated file among large ones: the load hangs")
	}
}

// TestReadProgress: bytes read are reported as the files are read, rising
// to their total size.
func TestReadProgress(t *testing.T) {
	paths, _, err := ExpandPaths([]string{"../testdata/pprof/go-lifecycle"})
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, p := range paths {
		total += fileSize(p)
	}
	var mu sync.Mutex
	var reads []int64
	_, err = Load(paths, Options{ReadProgress: func(read, size int64) {
		mu.Lock()
		defer mu.Unlock()
		if size != total {
			t.Errorf("size %d, want %d", size, total)
		}
		reads = append(reads, read)
	}})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(reads) // calls race one another; the values they carry rise
	if len(reads) < len(paths) || reads[len(reads)-1] < total*9/10 || reads[len(reads)-1] > total {
		t.Errorf("got %d reports ending at %v of %d bytes, want one a file or more, up to nearly all", len(reads), reads[len(reads)-1:], total)
	}
}
