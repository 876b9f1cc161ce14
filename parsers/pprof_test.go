package parsers

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/pprof/profile"
)

// TestPprofGoldens parses one real snapshot of each pprof and tcmalloc series
// and compares the stable dump with its golden file.
func TestPprofGoldens(t *testing.T) {
	for _, path := range []string{
		"../testdata/pprof/go-lifecycle/lc1.pb.gz",
		"../testdata/pprof/go-sampled/lc1.pb.gz",
		"../testdata/tcmalloc/c-lifecycle/lifecycle.0001.heap",
		"../testdata/pprof/public/go1.2-wiki-godoc.heap",
		"../testdata/pprof/public/gobench.heap",
		"../testdata/pprof/public/java.heap",
	} {
		t.Run(filepath.Base(filepath.Dir(path))+"/"+filepath.Base(path), func(t *testing.T) {
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
	real := string(readTestdata(t, "tcmalloc/c-lifecycle/lifecycle.0008.heap"))
	firstLines := func(n int) string { return strings.Join(strings.SplitAfter(real, "\n")[:n], "") }
	for _, tc := range []struct {
		name, input, want string
	}{
		{"cut after three stacks", firstLines(4), `line 4: truncated: stacks add up to 235: 62572427 [395: 85931972] but the header says 748: 65144715 [1164: 155613124]`},
		{"cut inside a stack line", real[:300], `line 3: truncated: stacks add up to`},
		{"empty line after the header", "heap profile: 1: 2 [3: 4] @ heapprofile\n\n", `line 2: truncated: stacks add up to 0: 0 [0: 0]`},
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

// TestTcmallocSampledMatchesGooglePprof reads tcmalloc's own sampled heap
// profiles (MallocExtension::GetHeapSample, "heap_v2/65536") of a C++
// program: the unsampled totals equal google-pprof's within 1 byte per
// stack (pprof rounds each stack), and the rest of the format's variants
// hold.
func TestTcmallocSampledMatchesGooglePprof(t *testing.T) {
	dir := "../testdata/tcmalloc/cxx-sampled"
	for _, k := range []int{1, 3} {
		s := parseFile(t, fmt.Sprintf("%s/sample-lc%d.heap", dir, k))
		want := readJeprofText(t, fmt.Sprintf("%s/google-pprof-lc%d.txt", dir, k)).total
		got := s.Totals()[s.MetricIndex("space")]
		if d := got - want; d < -int64(len(s.Profile.Sample)) || d > int64(len(s.Profile.Sample)) {
			t.Errorf("lc%d: got space total %d, want %d (google-pprof) within %d", k, got, want, len(s.Profile.Sample))
		}
		if s.Variant != "tcmalloc-sampled" || s.Period != 65536 || !s.Unsampled || len(s.Warnings) != 0 {
			t.Errorf("lc%d: got variant %q, period %d, unsampled %v, warnings %v, want tcmalloc-sampled, 65536, true, none",
				k, s.Variant, s.Period, s.Unsampled, s.Warnings)
		}
	}
}

// TestTcmallocWarnLines reads what GetHeapSample writes with sampling off:
// "%warn" lines before the header, then an empty profile. It parses, with
// one warning (at line 1) that repeats what gperftools said.
func TestTcmallocWarnLines(t *testing.T) {
	s := parseFile(t, "../testdata/tcmalloc/cxx-sampling-off/sampling-off.heap")
	if len(s.Profile.Sample) != 0 || len(s.Warnings) != 1 {
		t.Fatalf("got %d samples, warnings %v, want 0 and one warning", len(s.Profile.Sample), s.Warnings)
	}
	var pe *ParseError
	if w := s.Warnings[0]; !errors.As(w, &pe) || pe.Line != 1 || !strings.Contains(w.Error(), "TCMALLOC_SAMPLE_PARAMETER") {
		t.Errorf("got warning %q, want one at line 1 quoting gperftools' advice", w)
	}
}

// TestTcmallocCutInMemoryMap reads a real dump cut off inside its memory
// map: every count is there, so it parses, with a warning for the map.
func TestTcmallocCutInMemoryMap(t *testing.T) {
	real := readTestdata(t, "tcmalloc/c-lifecycle/lifecycle.0008.heap")
	cut := real[:bytes.Index(real, []byte("MAPPED_LIBRARIES:"))+200]
	s, err := ParseTcmalloc(bytes.NewReader(cut), "cut.heap")
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Totals()[s.MetricIndex("inuse_space")]; got != 65144715 {
		t.Errorf("got inuse_space %d, want 65144715", got)
	}
	if len(s.Warnings) != 1 || !strings.Contains(s.Warnings[0].Error(), "MAPPED_LIBRARIES cut off") {
		t.Errorf("got warnings %v, want one saying MAPPED_LIBRARIES is cut off", s.Warnings)
	}
}

// goStacks sums a metric per stack of function names, innermost first,
// leaving out runtime frames at both ends (Go's debug=1 text does not print
// them; the protobuf has them).
func goStacks(t *testing.T, s *Snapshot, metric string) map[string]int64 {
	t.Helper()
	i := s.MetricIndex(metric)
	if i < 0 {
		t.Fatalf("%s: no %s metric", s.Name, metric)
	}
	out := map[string]int64{}
	for _, smp := range s.Profile.Sample {
		var names []string
		for _, loc := range smp.Location {
			for _, ln := range loc.Line {
				names = append(names, ln.Function.Name)
			}
		}
		lo, hi := 0, len(names)
		for lo < hi && strings.HasPrefix(names[lo], "runtime.") {
			lo++
		}
		for hi > lo && strings.HasPrefix(names[hi-1], "runtime.") {
			hi--
		}
		out[strings.Join(names[lo:hi], ";")] += smp.Value[i]
	}
	return out
}

// TestGoFormsAgree reads the same Go heap profiles written in three forms
// (pprof/go-forms: debug=1 legacy text, gzipped and raw profile.proto, each
// lifecycle's three written after one GC). The text's stacks get their
// function names from its comments; every stack then holds the same in-use
// and allocated bytes as in the protobuf, within pprof's rounding, and the
// raw protobuf has the gzipped one's totals.
func TestGoFormsAgree(t *testing.T) {
	for lc := 1; lc <= 4; lc++ {
		dir := "../testdata/pprof/go-forms/"
		text := parseFile(t, fmt.Sprintf("%stext/lc%d.txt", dir, lc))
		gz := parseFile(t, fmt.Sprintf("%sgz/lc%d.pb.gz", dir, lc))
		raw := parseFile(t, fmt.Sprintf("%sraw/lc%d.pb", dir, lc))
		if text.Variant != "go-heap-text" || !text.Symbolized || len(text.Warnings) != 0 || text.Period != gz.Period {
			t.Errorf("lc%d text: got variant %q, symbolized %v, warnings %v, period %d, want go-heap-text, true, none, %d",
				lc, text.Variant, text.Symbolized, text.Warnings, text.Period, gz.Period)
		}
		// Writing a profile allocates, so a later write may list a few
		// more stacks (with nothing in use since the last GC); totals agree.
		if g, w := fmt.Sprint(raw.Totals()), fmt.Sprint(gz.Totals()); g != w || raw.Variant != "go-heap" {
			t.Errorf("lc%d raw: got totals %s, variant %q, want %s, go-heap", lc, g, raw.Variant, w)
		}
		for _, metric := range []string{"inuse_space", "alloc_space"} {
			got, want := goStacks(t, text, metric), goStacks(t, gz, metric)
			for k, w := range want {
				if g := got[k]; g < w-1 || g > w+1 {
					t.Errorf("lc%d %s %s: got %d, want %d (protobuf)", lc, metric, k, g, w)
				}
			}
			for k, g := range got {
				if _, ok := want[k]; !ok && g != 0 {
					t.Errorf("lc%d %s: got stack %s (%d) that the protobuf does not have", lc, metric, k, g)
				}
			}
		}
	}
}

// TestParsePprofGzipSameChecks: handed the gzipped file directly, ParsePprof
// takes the same checked path as for raw protobuf, so a damaged profile is
// blamed on its protobuf, not on an "unrecognized format".
func TestParsePprofGzipSameChecks(t *testing.T) {
	gz := realGoHeapProfile(t)
	if snap, err := ParsePprof(bytes.NewReader(gz), "heap.pb.gz"); err != nil || snap.DefaultMetric() != "inuse_space" {
		t.Fatalf("got %v, %v, want a Go heap profile", snap, err)
	}
	r, err := gzipReader(gz)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	var damaged bytes.Buffer
	w := gzip.NewWriter(&damaged)
	w.Write(raw[:len(raw)*2/3])
	w.Close()
	_, err = ParsePprof(bytes.NewReader(damaged.Bytes()), "cut.pb.gz")
	if err == nil || !strings.Contains(err.Error(), "protobuf") || strings.Contains(err.Error(), "unrecognized") {
		t.Errorf("got %v, want the protobuf named as the cause", err)
	}
}

// pprofLibraryTotals are the totals the pprof library itself reads from a
// file, the reference for legacy formats that it parses (go tool pprof
// reads all of them).
func pprofLibraryTotals(t *testing.T, data []byte) map[string]int64 {
	t.Helper()
	p, err := profile.ParseData(data)
	if err != nil {
		t.Fatalf("the pprof library: %v", err)
	}
	out := map[string]int64{}
	for _, smp := range p.Sample {
		for i, v := range smp.Value {
			out[p.SampleType[i].Type] += v
		}
	}
	return out
}

// sampleFunctions lists each sample's function names, innermost first.
func sampleFunctions(s *Snapshot) [][]string {
	var out [][]string
	for _, smp := range s.Profile.Sample {
		var names []string
		for _, loc := range smp.Location {
			for _, ln := range loc.Line {
				names = append(names, ln.Function.Name)
			}
		}
		out = append(out, names)
	}
	return out
}

// TestPublicLegacyHeapProfiles reads legacy text heap profiles from other
// projects that go tool pprof reads (testdata/pprof/public, sources in
// testdata/README.md), with the pprof library's totals:
//   - a Go 1.2 debug=1 profile quoted in the Go wiki, whose # comments give
//     the stack line's own addresses (Go 1.11 on print address - 1): every
//     frame is named, and no warning talks of a memory map;
//   - google/pprof's gobench.heap, whose header's allocated counts do not
//     add up to its lines' while the in-use counts do: read, with a warning
//     that names alloc_objects and alloc_space (ranking them is refused);
//   - google/pprof's java.heap, a legacy Java heapz profile.
func TestPublicLegacyHeapProfiles(t *testing.T) {
	for _, tc := range []struct {
		file, variant string
		warnings      int
		first         []string // the first sample's functions, innermost first
	}{
		{"go1.2-wiki-godoc.heap", "go-heap-text", 0, []string{"cnew", "runtime.cnewarray", "makeslice1", "runtime.makeslice",
			"bytes.makeSlice", "bytes.(*Buffer).ReadFrom", "io/ioutil.readAll", "io/ioutil.ReadAll", "godoc/vfs.ReadFile",
			"godoc.func·023", "godoc.(*Corpus).updateMetadata", "godoc.(*Corpus).refreshMetadataLoop"}},
		{"gobench.heap", "go-heap-text", 2, nil},
		{"java.heap", "java-heapz", 0, []string{"com.example.function003", "com.example.function004"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data := readTestdata(t, "pprof/public/"+tc.file)
			s := parseFile(t, "../testdata/pprof/public/"+tc.file)
			if s.Variant != tc.variant || len(s.Warnings) != tc.warnings {
				t.Errorf("got variant %q, warnings %v, want %q and %d warnings", s.Variant, s.Warnings, tc.variant, tc.warnings)
			}
			want := pprofLibraryTotals(t, data)
			for i, m := range s.Metrics() {
				if got := s.Totals()[i]; got != want[m.Name] {
					t.Errorf("%s total: got %d, want %d (the pprof library)", m.Name, got, want[m.Name])
				}
			}
			if tc.first != nil {
				got := sampleFunctions(s)[0]
				if len(got) > len(tc.first) {
					got = got[:len(tc.first)]
				}
				if strings.Join(got, ";") != strings.Join(tc.first, ";") || !s.Symbolized {
					t.Errorf("first sample: got %v (symbolized %v), want %v", got, s.Symbolized, tc.first)
				}
			}
		})
	}
	s := parseFile(t, "../testdata/pprof/public/gobench.heap")
	var me *MetricError
	var pe *ParseError
	if w := s.Warnings[0]; !errors.As(w, &me) || !errors.As(w, &pe) || pe.Line != 16 ||
		strings.Join(me.Metrics, ",") != "alloc_objects,alloc_space" {
		t.Errorf("gobench.heap: got warning %v, want one at line 16 naming alloc_objects and alloc_space", w)
	}
	// Cut before its last stacks, its in-use counts do not add up either:
	// the retained metric would be low, so the file is refused.
	cut := strings.Join(strings.SplitAfter(string(readTestdata(t, "pprof/public/gobench.heap")), "\n")[:10], "")
	if _, err := ParseTcmalloc(strings.NewReader(cut), "gobench.heap"); !errors.Is(err, ErrTruncated) {
		t.Errorf("gobench.heap cut after 10 lines: got %v, want it refused as truncated", err)
	}
}

// goTextOfStacks builds a Go debug=1 heap profile of n stacks from the
// committed one's real stacks (pprof/go-forms/text/lc4.txt), each copy's
// addresses moved so that every stack and its comments are distinct: the
// shape of a service with many allocation sites.
func goTextOfStacks(t testing.TB, n int) []byte {
	t.Helper()
	data, err := os.ReadFile("../testdata/pprof/go-forms/text/lc4.txt")
	if err != nil {
		t.Fatal(err)
	}
	body, _, _ := strings.Cut(string(data), "\n# runtime.MemStats")
	_, body, _ = strings.Cut(body, "\n")
	stacks := strings.Split(strings.TrimSpace(body), "\n\n")
	var b strings.Builder
	var inuse, inuseB, alloc, allocB int64
	var lines []string
	for i := 0; len(lines) < n; i++ {
		st := stacks[i%len(stacks)]
		shift := uint64(i/len(stacks)) << 24
		moved := goTextAddr.ReplaceAllStringFunc(st, func(a string) string {
			v, _ := strconv.ParseUint(a[2:], 16, 64)
			return fmt.Sprintf("0x%x", v+shift)
		})
		c, _, _, _ := scanHeapCounts([]byte(strings.TrimSpace(moved)))
		inuse, inuseB, alloc, allocB = inuse+c[0], inuseB+c[1], alloc+c[2], allocB+c[3]
		lines = append(lines, moved)
	}
	fmt.Fprintf(&b, "heap profile: %d: %d [%d: %d] @ heap/1048576\n", inuse, inuseB, alloc, allocB)
	b.WriteString(strings.Join(lines, "\n\n"))
	b.WriteString("\n\n# runtime.MemStats\n")
	return []byte(b.String())
}

var goTextAddr = regexp.MustCompile(`0x[0-9a-f]+`)

// BenchmarkGoDebug1Text parses Go debug=1 heap text of 2 000 and 4 000
// stacks: naming frames from the comments is one pass, so the time per
// stack stays flat (it grew with the number of stacks before).
func BenchmarkGoDebug1Text(b *testing.B) {
	for _, n := range []int{2000, 4000} {
		data := goTextOfStacks(b, n)
		b.Run(fmt.Sprintf("stacks=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				s, err := ParseTcmalloc(bytes.NewReader(data), "big.txt")
				if err != nil || len(s.Profile.Sample) != n || !s.Symbolized {
					b.Fatalf("got %v, %d samples, want %d named", err, len(s.Profile.Sample), n)
				}
			}
		})
	}
}
