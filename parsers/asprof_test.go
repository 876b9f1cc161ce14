package parsers

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// jfrDir is where the committed async-profiler recordings are (see
// testdata/README.md, "jfr").
var jfrDir = filepath.Join("..", "testdata", "jfr")

// TestJFRGolden reads a whole sampled recording as one snapshot (what was
// live when the profiler stopped) and compares it with its golden dump.
func TestJFRGolden(t *testing.T) {
	path := filepath.Join(jfrDir, "jdk17", "leak-sampled.jfr")
	snap, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Format != FormatJFR || snap.Period != 524288 || !snap.Unsampled || snap.PID == 0 || snap.Time.IsZero() {
		t.Errorf("got format %s, period %d, unsampled %v, pid %d, time %v; want jfr, 524288, true, a pid and a time",
			snap.Format, snap.Period, snap.Unsampled, snap.PID, snap.Time)
	}
	if !strings.HasPrefix(snap.Producer, "async-profiler ") || !strings.Contains(snap.Producer, "17.") {
		t.Errorf("producer: got %q, want async-profiler and the JVM's version", snap.Producer)
	}
	golden(t, path+".golden", dumpSnapshot(snap))
}

// TestJFRSplit cuts the committed recordings into lifecycles by time and by
// the operator's open(): six snapshots each, in order, the planted leak's
// live bytes growing by 8 MiB per lifecycle (exactly when every allocation
// was recorded).
func TestJFRSplit(t *testing.T) {
	for _, file := range []string{"jdk17/leak.jfr.gz", "jdk17/leak-sampled.jfr", "jdk25/leak.jfr.gz", "jdk25/leak-sampled.jfr"} {
		tr := readJFRTruth(t, filepath.Dir(file))
		// A profiled open() pauses for up to 300 ms between two allocations
		// on a loaded machine (async-profiler walks every stack).
		marker := SplitOptions{Marker: regexp.MustCompile(tr.Marker), MarkerWindow: time.Second}
		for _, split := range []SplitOptions{{Every: time.Duration(tr.EveryMs) * time.Millisecond}, marker} {
			t.Run(file+"/"+splitName(split), func(t *testing.T) {
				var leak []int64
				var last time.Time
				err := OpenEach(filepath.Join(jfrDir, file), &Options{Split: split}, func(s *Snapshot) error {
					if !s.Time.After(last) {
						t.Errorf("snapshot %s at %v, not after %v", s.Name, s.Time, last)
					}
					last = s.Time
					leak = append(leak, leakBytes(s))
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if len(leak) != 6 {
					t.Fatalf("got %d lifecycles, want 6", len(leak))
				}
				tol := int64(0)
				if strings.Contains(file, "sampled") {
					tol = 8 << 20 / 10 // a sampled count is off by a sample or two
				}
				for k, got := range leak {
					if want := int64(k+1) * 8 << 20; got < want-tol || got > want+tol {
						t.Errorf("lifecycle %d: leak holds %d bytes, want %d ± %d", k+1, got, want, tol)
					}
				}
			})
		}
	}
}

// jfrTruth is what testdata/gen/asprof/gen.sh writes in truth.json about
// how the recordings split.
type jfrTruth struct {
	Lifecycles int    `json:"lifecycles"`
	EveryMs    int    `json:"every_ms"`
	Marker     string `json:"marker"`
}

func readJFRTruth(t *testing.T, jdk string) jfrTruth {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(jfrDir, jdk, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tr jfrTruth
	if err := json.Unmarshal(data, &tr); err != nil || tr.EveryMs <= 0 || tr.Marker == "" {
		t.Fatalf("%s/truth.json: %v (every_ms %d, marker %q)", jdk, err, tr.EveryMs, tr.Marker)
	}
	return tr
}

func splitName(s SplitOptions) string {
	if s.Marker != nil {
		return "marker"
	}
	return "every"
}

// leakBytes sums the live bytes the planted leak allocated: stacks through
// TaskManager$LeakyOperator.allocChunk whose frames inside it are the
// JVM's allocation path (not the classes its first call loads).
func leakBytes(s *Snapshot) int64 {
	alloc := regexp.MustCompile(`^(java/nio/ByteBuffer\.allocateDirect|java/nio/DirectByteBuffer\.<init>|(jdk/internal/misc|sun/misc)/Unsafe\.allocateMemory0?|Unsafe_AllocateMemory0|os::malloc|malloc_hook)$`)
	var sum int64
	for _, smp := range s.Profile.Sample {
		for i, loc := range smp.Location {
			if loc.Line[0].Function.Name != "TaskManager$LeakyOperator.allocChunk" {
				if !alloc.MatchString(loc.Line[0].Function.Name) {
					break
				}
				continue
			}
			if i > 0 {
				sum += smp.Value[1]
			}
			break
		}
	}
	return sum
}

// TestJFRErrors: damaged, foreign and empty recordings fail with one line
// that names the file and the byte where the problem is.
func TestJFRErrors(t *testing.T) {
	dir := t.TempDir()
	rec, err := os.ReadFile(filepath.Join(jfrDir, "jdk17", "leak-sampled.jfr"))
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name, path string
		opts       *Options
		want       string
		sentinel   error
	}{
		{"empty", write("empty.jfr", nil), nil, `read .*empty\.jfr: empty file`, ErrEmpty},
		{"text read as jfr", write("notes.jfr", []byte("some notes\n")), &Options{Format: FormatJFR},
			`parse JFR recording .*notes\.jfr: not a JFR recording: no chunk magic "FLR\\0" at byte 0`, ErrUnrecognized},
		{"header cut", write("head.jfr", rec[:30]), nil, `head\.jfr byte 30: truncated inside the chunk header at byte 0`, ErrTruncated},
		{"chunk cut", write("half.jfr", rec[:len(rec)/2]), nil, `half\.jfr byte \d+: truncated: the chunk at byte 0 says it is \d+ bytes, the file ends after \d+`, ErrTruncated},
		{"killed JVM", filepath.Join(jfrDir, "other", "killed.jfr"), nil, `killed\.jfr byte 16: unfinished recording: the chunk header at byte 0 was never completed`, nil},
		{"JDK Flight Recorder", filepath.Join(jfrDir, "other", "jdk17-flight-recorder.jfr.gz"), nil,
			`flight-recorder\.jfr\.gz byte \d+: no profiler\.Malloc events in its metadata: not an async-profiler nativemem recording`, nil},
		{"CPU profile", filepath.Join(jfrDir, "other", "cpu.jfr"), nil, `cpu\.jfr byte \d+: no native memory events in 1 chunk`, nil},
		{"marker never allocates", filepath.Join(jfrDir, "jdk17", "leak-sampled.jfr"), &Options{Split: SplitOptions{Marker: regexp.MustCompile(`NoSuchOperator`)}},
			`leak-sampled\.jfr: no allocation in the recording has a frame matching --lifecycle-marker "NoSuchOperator"`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := OpenEach(tc.path, tc.opts, func(*Snapshot) error { return nil })
			if err == nil {
				t.Fatal("got no error")
			}
			if strings.Contains(err.Error(), "\n") || !regexp.MustCompile(tc.want).MatchString(err.Error()) {
				t.Errorf("got %q, want one line matching %q", err, tc.want)
			}
			if tc.sentinel != nil && !errors.Is(err, tc.sentinel) {
				t.Errorf("got %v, want errors.Is %v", err, tc.sentinel)
			}
		})
	}
}

// TestCollapsedGolden reads jfrconv's collapsed stacks of the sampled
// recording at the end of its last lifecycle.
func TestCollapsedGolden(t *testing.T) {
	path := filepath.Join(jfrDir, "jdk17", "sampled-collapsed", "lc-6.txt.gz")
	snap, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Format != FormatCollapsed || snap.Metrics()[0] != (Metric{Name: "value", Unit: "bytes"}) {
		t.Errorf("got format %s, metrics %v; want collapsed, value/bytes", snap.Format, snap.Metrics())
	}
	golden(t, filepath.Join(jfrDir, "jdk17", "sampled-collapsed", "lc-6.golden"), dumpSnapshot(snap))
}

// TestCollapsed covers the forms of collapsed stacks dumpdiff reads and the
// lines it refuses.
func TestCollapsed(t *testing.T) {
	in := "main_[j];Op.open_[0];java/nio/ByteBuffer.allocateDirect_[i];os::malloc;malloc_hook 100\n" +
		"\n" +
		"main_[0];Op.open_[j];java/nio/ByteBuffer.allocateDirect_[1];os::malloc;malloc_hook 50\r\n" +
		"main;operator new(unsigned long) 7\n" +
		"main;Op$$Lambda$14/0x0000000800c03000.run_[j] 3\n" +
		"main (lifecycle.c);operator new(unsigned long); 2\n" // heaptrack_print -F
	snap, err := ParseCollapsed(strings.NewReader(in), "in", "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range snap.Profile.Sample {
		var fns []string
		for _, l := range s.Location {
			fns = append(fns, l.Line[0].Function.Name)
		}
		got = append(got, strings.Join(fns, ";")+" "+strconv.FormatInt(s.Value[0], 10))
	}
	want := []string{
		"malloc_hook;os::malloc;java/nio/ByteBuffer.allocateDirect;Op.open;main 100",
		"malloc_hook;os::malloc;java/nio/ByteBuffer.allocateDirect;Op.open;main 50",
		"operator new(unsigned long);main 7",
		"Op$$Lambda$14.run;main 3",
		"operator new(unsigned long);main (lifecycle.c) 2",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got samples\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n := len(snap.Profile.Function); n != 8 {
		t.Errorf("got %d functions, want 8: one per method whatever its tier", n)
	}
	counts, err := ParseCollapsed(strings.NewReader("a;b 3\n"), "in", CollapsedCount)
	if err != nil || counts.Metrics()[0].Unit != "count" {
		t.Errorf("unit count: got %v, %v", counts, err)
	}
	for _, tc := range []struct{ in, want string }{
		{"a;b;c\n", `line 1: want "frame;frame;…;frame VALUE", got "a;b;c"`},
		{"a;b 1\na;b 1.5\n", `line 2: value "1.5": want a count of bytes, a whole number`},
		{"a;b -4\n", `line 1: value "-4"`},
		{"a;;b 4\n", `line 1: empty frame in stack "a;;b"`},
		{"\n\n", `no stacks`},
	} {
		_, err := ParseCollapsed(strings.NewReader(tc.in), "in.txt", "")
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "parse collapsed stacks in.txt") {
			t.Errorf("%q: got %v, want an error naming in.txt with %q", tc.in, err, tc.want)
		}
	}
	if _, err := ParseCollapsed(strings.NewReader("a;b 1\n"), "in", "pages"); err == nil {
		t.Error("unit pages: got no error")
	}
}
