package parsers

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"github.com/klauspost/compress/zstd"
)

// heaptrackRecordings lists the committed heaptrack recordings.
func heaptrackRecordings(t testing.TB) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("..", "testdata", "heaptrack", "*", "*.zst"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no heaptrack recordings under testdata/heaptrack (%v)", err)
	}
	return paths
}

// readEach reads every snapshot of the file at path with split.
func readEach(t *testing.T, path string, split SplitOptions) []*Snapshot {
	t.Helper()
	var snaps []*Snapshot
	err := OpenEach(path, &Options{Split: split}, func(s *Snapshot) error {
		snaps = append(snaps, s)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return snaps
}

// heaptrackStack names a sample's stack the way heaptrack_print's
// flame-graph output does: outermost first, from main, "function (file)".
func heaptrackStack(smp *profile.Sample) string {
	var frames []string
	for _, loc := range smp.Location {
		if len(loc.Line) == 0 {
			frames = append(frames, fmt.Sprintf("%#x", loc.Address))
			continue
		}
		for _, ln := range loc.Line {
			frames = append(frames, fmt.Sprintf("%s (%s)", ln.Function.Name, filepath.Base(ln.Function.Filename)))
		}
	}
	if i := slices.IndexFunc(frames, func(f string) bool { return strings.HasPrefix(f, "main (") }); i >= 0 {
		frames = frames[:i+1]
	}
	slices.Reverse(frames)
	return strings.Join(frames, ";")
}

// innermostFunction names a sample's innermost frame: its function, or its
// address when it has none.
func innermostFunction(smp *profile.Sample) string {
	if loc := smp.Location[0]; len(loc.Line) > 0 {
		return loc.Line[0].Function.Name
	} else {
		return fmt.Sprintf("%#x", loc.Address)
	}
}

// readLeakedStacks reads heaptrack_print -F --flamegraph-cost-type leaked:
// "main (f.c);...;leak (f.c); 4194304" per line, summed by stack.
func readLeakedStacks(t *testing.T, path string) map[string]int64 {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		i := strings.LastIndex(line, "; ")
		n, err := strconv.ParseInt(line[i+2:], 10, 64)
		if i < 0 || err != nil {
			t.Fatalf("%s: malformed line %q", path, line)
		}
		out[line[:i]] += n
	}
	return out
}

// TestHeaptrackLeaksMatchHeaptrackPrint: what a whole recording leaves live
// at its end equals, stack by stack and to the byte, what heaptrack_print
// reports as never freed; the totals and the per-function lines of
// heaptrack_print -l agree at its printed precision.
func TestHeaptrackLeaksMatchHeaptrackPrint(t *testing.T) {
	for _, path := range heaptrackRecordings(t) {
		t.Run(filepath.Base(filepath.Dir(path))+"/"+filepath.Base(path), func(t *testing.T) {
			snaps := readEach(t, path, SplitOptions{})
			if len(snaps) != 1 {
				t.Fatalf("got %d snapshots, want 1", len(snaps))
			}
			s := snaps[0]
			if s.Format != FormatHeaptrack || s.Producer != "heaptrack 1.4.0" || !s.Symbolized || s.RSS <= 0 {
				t.Errorf("got format %s producer %q symbolized %v RSS %d, want heaptrack, heaptrack 1.4.0, true, > 0", s.Format, s.Producer, s.Symbolized, s.RSS)
			}
			got := map[string]int64{}
			byFunction := map[string][2]int64{} // innermost function: live bytes, allocations
			for _, smp := range s.Profile.Sample {
				got[heaptrackStack(smp)] += smp.Value[1]
				fn := innermostFunction(smp)
				v := byFunction[fn]
				byFunction[fn] = [2]int64{v[0] + smp.Value[1], v[1] + smp.Value[2]}
			}
			want := readLeakedStacks(t, strings.TrimSuffix(path, ".zst")+".leaked-stacks.txt")
			for k, w := range want {
				if got[k] != w {
					t.Errorf("stack %s: got %d bytes live, want %d (heaptrack_print)", k, got[k], w)
				}
			}
			for k, g := range got {
				if _, ok := want[k]; !ok && g != 0 {
					t.Errorf("stack %s: got %d bytes live, heaptrack_print has no such stack", k, g)
				}
			}
			checkLeakReport(t, strings.TrimSuffix(path, ".zst")+".leaks.txt", s.Totals()[1], byFunction)
		})
	}
}

// leakReportLine matches heaptrack_print -l's merged entries and total:
//
//	33.55M leaked over 16 calls from
//	total memory leaked: 65.14M
var (
	leakReportLine  = regexp.MustCompile(`^([0-9.]+)([KMGT]?)B? leaked over (\d+) calls from$`)
	leakReportTotal = regexp.MustCompile(`^total memory leaked: ([0-9.]+)([KMGT]?)B?$`)
)

// checkLeakReport compares heaptrack_print -l's report with the live bytes
// and allocation counts per innermost function. Its sizes are decimal
// (K = 1000) with two decimals, so they match within half a last digit.
func checkLeakReport(t *testing.T, path string, total int64, byFunction map[string][2]int64) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	near := func(v string, unit string, got int64) bool {
		x, _ := strconv.ParseFloat(v, 64)
		scale := map[string]float64{"": 1, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}[unit]
		slack := 0.5
		if i := strings.IndexByte(v, '.'); i >= 0 {
			slack = 0.5 / float64(pow10(len(v)-i-1))
		}
		return float64(got) >= (x-slack)*scale && float64(got) <= (x+slack)*scale
	}
	lines := strings.Split(string(data), "\n")
	entries, sawTotal := 0, false
	for i, l := range lines {
		if m := leakReportTotal.FindStringSubmatch(l); m != nil {
			sawTotal = true
			if !near(m[1], m[2], total) {
				t.Errorf("%s: total leaked %s%s, got %d", path, m[1], m[2], total)
			}
		}
		m := leakReportLine.FindStringSubmatch(l)
		if m == nil || i+1 >= len(lines) {
			continue
		}
		fn := lines[i+1]
		entries++
		got := byFunction[fn]
		if calls, _ := strconv.ParseInt(m[3], 10, 64); !near(m[1], m[2], got[0]) || calls != got[1] {
			t.Errorf("%s: %s leaked %s%s over %s calls, got %d bytes over %d allocations", path, fn, m[1], m[2], m[3], got[0], got[1])
		}
	}
	if entries == 0 || !sawTotal {
		t.Errorf("%s: found %d leak entries and total %v, want some and a total", path, entries, sawTotal)
	}
}

func pow10(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}

// TestHeaptrackSplit: the one-process recording cut by --every and by
// --lifecycle-marker gives N snapshots, each holding exactly the planted
// bytes at the end of its lifecycle; RSS is sampled in each.
func TestHeaptrackSplit(t *testing.T) {
	path := filepath.Join("..", "testdata", "heaptrack", "c-lifecycle", "lifecycle.zst")
	for _, split := range []SplitOptions{
		{Every: 500 * time.Millisecond},
		{Marker: regexp.MustCompile(`^task_open$`)},
	} {
		t.Run(fmt.Sprintf("every=%v,marker=%v", split.Every, split.Marker), func(t *testing.T) {
			snaps := readEach(t, path, split)
			if len(snaps) != 8 {
				t.Fatalf("got %d snapshots, want 8", len(snaps))
			}
			for i, s := range snaps {
				k := int64(i + 1)
				live := map[string]int64{}
				for _, smp := range s.Profile.Sample {
					live[innermostFunction(smp)] += smp.Value[1]
				}
				want := map[string]int64{
					"leaky_operator_open": k * 4194304, "register_metrics": k * 256000,
					"warmup_cache_fill": min(k, 2) * 12582912, "load_config": 524288, "transient_buffer_alloc": 0,
				}
				for fn, w := range want {
					if live[fn] != w {
						t.Errorf("lifecycle %d: %s got %d bytes live, want %d", k, fn, live[fn], w)
					}
				}
				if s.Lifecycle != i || s.RSS < 1<<20 || s.Name != fmt.Sprintf("%s#%d", path, i+1) {
					t.Errorf("lifecycle %d: got name %s lifecycle %d RSS %d, want %s#%d, %d, RSS > 1 MiB", k, s.Name, s.Lifecycle, s.RSS, path, k, i)
				}
				if err := s.Profile.CheckValid(); err != nil {
					t.Errorf("lifecycle %d: %v", k, err)
				}
			}
		})
	}
}

// TestHeaptrackGolden pins the snapshots of two recordings: one restart
// recording whole, and the one-process recording cut every 500 ms.
func TestHeaptrackGolden(t *testing.T) {
	dir := filepath.Join("..", "testdata", "heaptrack")
	for _, c := range []struct {
		path   string
		split  SplitOptions
		golden string
	}{
		{"c-restart/restart-lc2.zst", SplitOptions{}, "c-restart/restart-lc2.golden"},
		{"c-lifecycle/lifecycle.zst", SplitOptions{Every: 500 * time.Millisecond}, "c-lifecycle/lifecycle.every-500ms.golden"},
	} {
		t.Run(c.path, func(t *testing.T) {
			var b bytes.Buffer
			for _, s := range readEach(t, filepath.Join(dir, c.path), c.split) {
				fmt.Fprintf(&b, "lifecycle: %d\nrss: %d\n", s.Lifecycle, s.RSS)
				b.Write(dumpSnapshot(s))
				b.WriteString("\n")
			}
			golden(t, filepath.Join(dir, c.golden), b.Bytes())
		})
	}
}

// decompressedRecording returns the content of a committed recording.
func decompressedRecording(t testing.TB, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := zstd.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(zr); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// parseAll reads data (any compression) whole and returns its one snapshot.
func parseAll(t *testing.T, data []byte, name string) *Snapshot {
	t.Helper()
	s, err := Parse(bytes.NewReader(data), name, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestHeaptrackCompressions: older heaptrack builds write gzip, and a user
// may decompress a recording: the same recording reads the same from zstd,
// gzip and plain text.
func TestHeaptrackCompressions(t *testing.T) {
	path := filepath.Join("..", "testdata", "heaptrack", "c-restart", "restart-lc3.zst")
	zst, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	plain := decompressedRecording(t, path)
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write(plain)
	w.Close()
	want := dumpSnapshot(parseAll(t, zst, "rec"))
	for name, data := range map[string][]byte{"gzip": gz.Bytes(), "plain": plain} {
		if got := dumpSnapshot(parseAll(t, data, "rec")); !bytes.Equal(got, want) {
			t.Errorf("%s: got\n%s\nwant (zstd)\n%s", name, got, want)
		}
	}
}

// TestHeaptrackTruncated: a recording cut anywhere reads up to its last
// whole line, with one warning naming the file and the byte offset where
// the whole lines end; its live bytes equal those of the recording cut at
// that line. A zstd stream cut short reads the same way.
func TestHeaptrackTruncated(t *testing.T) {
	plain := decompressedRecording(t, filepath.Join("..", "testdata", "heaptrack", "c-lifecycle", "lifecycle.zst"))
	for _, cut := range []int{len(plain) / 3, len(plain) / 2, len(plain) - 2} {
		end := bytes.LastIndexByte(plain[:cut], '\n') + 1
		if end == cut {
			cut++ // cut inside a line, not at its end
		}
		t.Run(strconv.Itoa(cut), func(t *testing.T) {
			got := parseAll(t, plain[:cut], "lifecycle.heaptrack")
			want := parseAll(t, plain[:end], "lifecycle.heaptrack")
			if len(got.Warnings) != 1 {
				t.Fatalf("got warnings %v, want one", got.Warnings)
			}
			w := got.Warnings[0].Error()
			if !errors.Is(got.Warnings[0], ErrTruncated) || !strings.Contains(w, "lifecycle.heaptrack byte "+strconv.Itoa(end)+":") {
				t.Errorf("got warning %q, want one naming lifecycle.heaptrack byte %d and truncation", w, end)
			}
			if g, w := got.Totals(), want.Totals(); !slices.Equal(g, w) {
				t.Errorf("got totals %v, want %v (the recording up to its last whole line)", g, w)
			}
		})
	}
	t.Run("zstd", func(t *testing.T) {
		// Blocks of 1 KiB, as a long recording has many: a cut loses
		// only the last.
		var z bytes.Buffer
		enc, err := zstd.NewWriter(&z, zstd.WithEncoderConcurrency(1))
		if err != nil {
			t.Fatal(err)
		}
		for b := plain; len(b) > 0; b = b[min(1024, len(b)):] {
			enc.Write(b[:min(1024, len(b))])
			enc.Flush()
		}
		enc.Close()
		got := parseAll(t, z.Bytes()[:z.Len()*2/3], "lifecycle.zst")
		if len(got.Warnings) != 1 || !errors.Is(got.Warnings[0], ErrTruncated) || !strings.Contains(got.Warnings[0].Error(), "lifecycle.zst byte ") {
			t.Errorf("got warnings %v, want one saying lifecycle.zst is truncated at a byte offset", got.Warnings)
		}
		if got.Totals()[2] == 0 {
			t.Error("got no allocations, want those of the whole lines before the cut")
		}
	})
}

// TestHeaptrackErrors: damaged recordings are one error naming the file and
// the line; so are other formats forced with --input-format heaptrack.
func TestHeaptrackErrors(t *testing.T) {
	head := "v 10400 3\nX ./w\nI 1000 5e2939\ns 4 main\ni 55d1f311c7a5 1 1\nt 1 0\na 10 1\n"
	for _, c := range []struct {
		name, input, want string
	}{
		{"empty", "", "x.zst: empty file"},
		{"garbage", "\x00\x01garbage", "unrecognized snapshot format"},
		{"v0", "v 10000\ns main\n", "x.zst line 1: file format version 0"},
		{"too new", "v 20000 4\n", "x.zst line 1: file format version 4 (heaptrack 2.0.0) is newer than this reader knows (3)"},
		{"unknown line", head + "z 1\n", "x.zst line 8: unknown line \"z 1\""},
		{"bad hex", head + "+ 1g\n", "x.zst line 8: allocation info: want a hex number, got \"1g\""},
		{"undefined info", head + "+ 1\n", "x.zst line 8: allocation info 0x1 not defined (1 so far)"},
		{"undefined stack", head + "a 10 5\n", "x.zst line 8: stack 0x5 not defined (1 so far)"},
		{"undefined string", head + "i 1 9\n", "x.zst line 8: module string 0x9 not defined (1 so far)"},
		{"bad string length", head + "s 9 abc\n", "x.zst line 8: string of length 0x9 holds 0x3 bytes"},
		{"overflow", head + "c 10000000000000000\n", "x.zst line 8: time: \"10000000000000000\" overflows 64 bits"},
		{"second version", head + "v 10400 3\n", "x.zst line 8: second version line"},
		{"trailing field", head + "+ 0 1\n", "x.zst line 8: unexpected \"1\" at the end of the line"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(c.input), "x.zst", nil)
			var pe *ParseError
			if err == nil || !errors.As(err, &pe) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got error %v, want a *ParseError containing %q", err, c.want)
			}
		})
	}
	jem, err := os.ReadFile(filepath.Join("..", "testdata", "jemalloc", "c-lifecycle", "jeprof-lc1.txt"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Parse(bytes.NewReader(jem), "other.txt", &Options{Format: FormatHeaptrack})
	if err == nil || !strings.HasPrefix(err.Error(), "parse heaptrack recording other.txt line 1: want a version line") {
		t.Errorf("another format read as heaptrack: got %v, want an error at line 1 asking for a version line", err)
	}
}

// TestHeaptrackPID: heaptrack's own file names carry the pid, which the
// recording itself does not.
func TestHeaptrackPID(t *testing.T) {
	plain := decompressedRecording(t, filepath.Join("..", "testdata", "heaptrack", "c-restart", "restart-lc1.zst"))
	for name, want := range map[string]int{"/tmp/heaptrack.lifecycle-heaptrack.4242.zst": 4242, "heaptrack.worker.17.gz": 17, "restart-lc1.zst": 0} {
		if got := parseAll(t, plain, name).PID; got != want {
			t.Errorf("%s: got pid %d, want %d", name, got, want)
		}
	}
}

// TestHeaptrackDetect: recordings are detected through zstd and from their
// plain text; a text that only starts with "v " is not one.
func TestHeaptrackDetect(t *testing.T) {
	for _, path := range heaptrackRecordings(t)[:1] {
		if f, err := DetectFile(path); err != nil || f != FormatHeaptrack {
			t.Errorf("%s: got %s %v, want heaptrack", path, f, err)
		}
	}
	for in, want := range map[string]bool{
		"v 10400 3\nX ./a\n": true, "v 10200\ns main\n": true, "v 10400 3\n": true,
		"v 1.2 3\nX a\n": false, "v 10400 3\nhello\n": false, "version 2\n": false,
	} {
		if got := looksLikeHeaptrack([]byte(in)); got != want {
			t.Errorf("looksLikeHeaptrack(%q) = %v, want %v", in, got, want)
		}
	}
}

// FuzzReadHeaptrack: no input panics or hangs; errors are *ParseError and
// every snapshot holds a valid profile.
func FuzzReadHeaptrack(f *testing.F) {
	f.Add([]byte("v 10400 3\nX ./w\nI 1000 5e2939\ns 4 main\ni 55d1f311c7a5 1 1 0 2a\nt 1 0\na 10 1\n+ 0\nc a\nR 3\n- 0\n"))
	// The start of real recordings (whole ones make each run, and the
	// minimisation of what it finds, slow).
	for _, p := range heaptrackRecordings(f)[:2] {
		plain := decompressedRecording(f, p)
		f.Add(plain[:bytes.LastIndexByte(plain[:4096], '\n')+1])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, split := range []SplitOptions{{}, {Every: 50 * time.Millisecond}, {Marker: regexp.MustCompile(`^main$`)}} {
			var snaps []*Snapshot
			err := ReadHeaptrack(bufio.NewReader(bytes.NewReader(data)), "fuzz", split, func(s *Snapshot) error {
				snaps = append(snaps, s)
				return nil
			})
			if err != nil {
				var pe *ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("got error %T %v, want a *ParseError", err, err)
				}
				continue
			}
			for _, s := range snaps {
				if err := s.Profile.CheckValid(); err != nil {
					t.Fatalf("invalid profile: %v", err)
				}
			}
		}
	})
}
