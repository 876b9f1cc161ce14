package parsers

import (
	"bufio"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// jemallocDumps lists the committed jemalloc dumps, per series directory, in name order.
func jemallocDumps(t testing.TB) map[string][]string {
	t.Helper()
	files, err := filepath.Glob("../testdata/jemalloc/*/*.heap")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no jemalloc dumps under ../testdata/jemalloc")
	}
	sort.Strings(files)
	series := map[string][]string{}
	for _, f := range files {
		dir := filepath.Dir(f)
		series[dir] = append(series[dir], f)
	}
	return series
}

func TestJemallocGolden(t *testing.T) {
	for _, files := range jemallocDumps(t) {
		for _, f := range files {
			t.Run(filepath.Base(filepath.Dir(f))+"/"+filepath.Base(f), func(t *testing.T) {
				s, err := Open(f, nil)
				if err != nil {
					t.Fatal(err)
				}
				if s.Format != FormatJemalloc {
					t.Fatalf("got format %s, want %s", s.Format, FormatJemalloc)
				}
				if err := s.Profile.CheckValid(); err != nil {
					t.Fatalf("invalid profile: %v", err)
				}
				golden(t, f+".golden", dumpSnapshot(s))
			})
		}
	}
}

// jeprofText is what jeprof --text --show_bytes printed for a dump.
type jeprofText struct {
	total int64
	flat  map[string]int64 // function → flat bytes
	order []string         // functions with flat bytes, as printed
}

// jeprofLine matches one row of jeprof/google-pprof --text --show_bytes:
//
//	33554432  51.2%  51.2% 33554432  51.2% leaky_operator_open
var jeprofLine = regexp.MustCompile(`^\s*(\d+)\s+[\d.]+%\s+[\d.]+%\s+(\d+)\s+[\d.]+%\s+(.+?)\s*$`)

// readJeprofText reads a committed jeprof or google-pprof text report.
func readJeprofText(t testing.TB, path string) jeprofText {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := jeprofText{flat: map[string]int64{}}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "Total: "); ok {
			out.total, err = strconv.ParseInt(strings.TrimSuffix(rest, " B"), 10, 64)
			if err != nil {
				t.Fatalf("%s: bad total line %q", path, line)
			}
			continue
		}
		if m := jeprofLine.FindStringSubmatch(line); m != nil {
			flat, _ := strconv.ParseInt(m[1], 10, 64)
			if flat > 0 {
				out.flat[m[3]] += flat
				out.order = append(out.order, m[3])
			}
		}
	}
	if out.total == 0 {
		t.Fatalf("%s: no Total line", path)
	}
	return out
}

// TestJemallocTotalsMatchJeprof checks the unsampled inuse total of the first
// and last dump of each series against the total jeprof printed for it
// (jeprof-lc1.txt and jeprof-lc<N>.txt, or jeprof-first.txt and
// jeprof-last.txt where the number of dumps is jemalloc's choice), and the
// alloc_space total against jeprof --alloc_space (jeprof-alloc-*.txt) where
// the series has accumulated counts.
func TestJemallocTotalsMatchJeprof(t *testing.T) {
	for dir, files := range jemallocDumps(t) {
		for _, c := range []struct{ refs, dump string }{
			{"lc1.txt first.txt", files[0]},
			{fmt.Sprintf("lc%d.txt last.txt", len(files)), files[len(files)-1]},
		} {
			found := false
			for _, metric := range []string{"inuse_space", "alloc_space"} {
				for _, suffix := range strings.Fields(c.refs) {
					name := "jeprof-" + suffix
					if metric == "alloc_space" {
						name = "jeprof-alloc-" + suffix
					}
					ref := filepath.Join(dir, name)
					if _, err := os.Stat(ref); err != nil {
						continue
					}
					found = true
					want := readJeprofText(t, ref).total
					s, err := Open(c.dump, nil)
					if err != nil {
						t.Fatal(err)
					}
					i := s.MetricIndex(metric)
					if i < 0 {
						t.Errorf("%s: no %s metric, want it (jeprof %s)", c.dump, metric, name)
						continue
					}
					got := s.Totals()[i]
					if rel := math.Abs(float64(got-want)) / float64(want); rel > 0.01 {
						t.Errorf("%s: got %s total %d, want %d (jeprof, %s) within 1%%", c.dump, metric, got, want, name)
					} else {
						t.Logf("%s: %s %d, jeprof %d (%.4f%% off)", c.dump, metric, got, want, 100*rel)
					}
				}
			}
			if !found {
				t.Errorf("%s: missing jeprof reference (jeprof-{%s})", dir, c.refs)
			}
		}
	}
}

func TestJemallocScale(t *testing.T) {
	for _, c := range []struct {
		n, s, period int64
		want         float64
	}{
		{1, 524288, 524288, 1 / (1 - math.Exp(-1))},
		{8, 131083, 524288, 1 / (1 - math.Exp(-131083.0/8/524288))},
		{0, 0, 524288, 1},
		{2, 33554432, 1, 1},
	} {
		if got := jemallocScale(c.n, c.s, c.period); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("jemallocScale(%d, %d, %d): got %v, want %v", c.n, c.s, c.period, got, c.want)
		}
	}
}

// sampledThreads is a stack from a real jemalloc 5.3 dump at the default
// sampling period (a C program whose four threads each leak 64 × 16 KiB),
// cut down to one stack. jemalloc unbiases each line on its own, so the
// thread lines add up to 131084 bytes while t* says 131083.
const sampledThreads = `heap_v2/524288
  t*: 8: 131083 [0: 0]
  t1: 2: 32771 [0: 0]
  t2: 2: 32771 [0: 0]
  t3: 2: 32771 [0: 0]
  t4: 2: 32771 [0: 0]
@ 0x7f35f40a2630 0x7f35f4022045 0x555c2222f2a2
  t*: 8: 131083 [0: 0]
  t1: 2: 32771 [0: 0]
  t2: 2: 32771 [0: 0]
  t3: 2: 32771 [0: 0]
  t4: 2: 32771 [0: 0]

MAPPED_LIBRARIES:
555c2222e000-555c2222f000 r--p 00000000 fe:00 9978062                    /tmp/leak
555c2222f000-555c22230000 r-xp 00001000 fe:00 9978062                    /tmp/leak
7f35f4000000-7f35f40b0000 r-xp 00000000 fe:00 326790                     /usr/lib/x86_64-linux-gnu/libjemalloc.so.2
`

func TestJemallocThreads(t *testing.T) {
	s, err := ParseJemalloc(strings.NewReader(sampledThreads), "threads.heap")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Warnings) > 0 {
		t.Errorf("got warnings %v, want none", s.Warnings)
	}
	factor := jemallocScale(8, 131083, 524288)
	wantBytes := int64(math.Round(131083 * factor))
	wantObjs := int64(math.Round(8 * factor))
	if got := s.Totals(); got[0] != wantObjs || got[1] != wantBytes {
		t.Errorf("got totals %v, want [%d %d] (the t* line scaled as jeprof does)", got, wantObjs, wantBytes)
	}
	if len(s.Profile.Sample) != 4 {
		t.Fatalf("got %d samples, want one per thread (4)", len(s.Profile.Sample))
	}
	for i, smp := range s.Profile.Sample {
		if got, want := smp.Label["thread"], []string{strconv.Itoa(i + 1)}; len(got) != 1 || got[0] != want[0] {
			t.Errorf("sample %d: got thread label %v, want %v", i, got, want)
		}
		if d := smp.Value[1] - wantBytes/4; d < -1 || d > 1 {
			t.Errorf("sample %d: got %d bytes, want a quarter of %d", i, smp.Value[1], wantBytes)
		}
		if len(smp.Location) != 3 || smp.Location[2].Address != 0x555c2222f2a2-1 {
			t.Errorf("sample %d: got locations %v, want 3 with the last at return address − 1", i, smp.Location)
		}
	}
	if s.PID != 0 || s.Period != 524288 || !s.Unsampled {
		t.Errorf("got pid %d period %d unsampled %v, want 0 524288 true", s.PID, s.Period, s.Unsampled)
	}
	if m := s.Profile.Sample[0].Location[2].Mapping; m == nil || m.File != "/tmp/leak" || m.Offset != 0x1000 || m.ID != 1 {
		t.Errorf("got mapping %+v, want /tmp/leak at offset 0x1000 as mapping 1 (main binary first)", m)
	}
}

func TestJemallocPIDFromName(t *testing.T) {
	for _, c := range []struct {
		name string
		pid  int
	}{
		{"/var/tmp/jeprof.4242.7.m3.heap", 4242},
		{"prof.17.0.f.heap", 17},
		{"x.17.0.i12.heap", 17},
		{"restart-lc1.heap", 0},
		{"jeprof.heap", 0},
	} {
		s, err := ParseJemalloc(strings.NewReader(sampledThreads), c.name)
		if err != nil {
			t.Fatal(err)
		}
		if s.PID != c.pid {
			t.Errorf("%s: got pid %d, want %d", c.name, s.PID, c.pid)
		}
	}
}

// realDump returns the text of a committed dump, for cutting and damaging.
func realDump(t testing.TB) string {
	t.Helper()
	files := jemallocDumps(t)["../testdata/jemalloc/c-lifecycle"]
	if len(files) == 0 {
		t.Fatal("no c-lifecycle dumps")
	}
	b, err := os.ReadFile(files[len(files)-1])
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// lineOf returns the 1-based line number of the first line of text holding sub.
func lineOf(t testing.TB, text, sub string) int {
	t.Helper()
	i := strings.Index(text, sub)
	if i < 0 {
		t.Fatalf("%q not in the dump", sub)
	}
	return strings.Count(text[:i], "\n") + 1
}

func TestParseJemallocErrors(t *testing.T) {
	dump := realDump(t)
	mapped := strings.Index(dump, "MAPPED_LIBRARIES:")
	secondStack := strings.Index(dump[strings.Index(dump, "@ 0x")+1:], "@ 0x") + strings.Index(dump, "@ 0x") + 1
	firstStar := strings.Index(dump[secondStack:], "t*:") + secondStack
	stackLine := strings.Count(dump[:secondStack], "\n") + 1
	for _, c := range []struct {
		name, input string
		want        string // the whole error text
		is          error
	}{
		{"empty", "", `parse jemalloc dump x.heap: empty file`, ErrEmpty},
		{"garbage", "\x00\x01\x02garbage\n", `parse jemalloc dump x.heap line 1: want header "heap_v2/<sample period>", got "\x00\x01\x02garbage"`, nil},
		{"tcmalloc file", "heap profile:    1:  1048576 [    1:  1048576] @ heapprofile\n", `parse jemalloc dump x.heap line 1: want header "heap_v2/<sample period>", got "heap profile:    1:  1048576 [    1:  10…"`, nil},
		{"zero period", "heap_v2/0\n", `parse jemalloc dump x.heap line 1: malformed sample period "0"`, nil},
		{"header only", "heap_v2/1\n", `parse jemalloc dump x.heap line 1: truncated: no process total line "t*:"`, ErrTruncated},
		{"cut between stacks", dump[:secondStack], `parse jemalloc dump x.heap line ` + strconv.Itoa(stackLine-1) + `: truncated: no MAPPED_LIBRARIES section after the last stack`, ErrTruncated},
		{"cut after an address line", dump[:firstStar], `parse jemalloc dump x.heap line ` + strconv.Itoa(stackLine) + `: truncated: stack has no "t*:" line`, ErrTruncated},
		{"cut inside a thread line", dump[:firstStar+6], `parse jemalloc dump x.heap line ` + strconv.Itoa(stackLine+1) + `: truncated: dump ends inside thread line "t*: ` + strings.TrimSpace(dump[firstStar+4:firstStar+6]) + `"`, ErrTruncated},
		{"cut inside MAPPED_LIBRARIES:", dump[:mapped+6], `parse jemalloc dump x.heap line ` + strconv.Itoa(lineOf(t, dump, "MAPPED_LIBRARIES:")) + `: truncated: dump ends inside line "MAPPED"`, ErrTruncated},
		{"stack line without @", dump[:secondStack] + dump[secondStack+2:], `parse jemalloc dump x.heap line ` + strconv.Itoa(stackLine) + `: want "@ 0x…", got "` + clip(strings.TrimSpace(strings.SplitN(dump[secondStack+2:], "\n", 2)[0]), 60) + `"`, nil},
		{"garbled count", "heap_v2/1\n  t*: 1x: 20 [0: 0]\n", `parse jemalloc dump x.heap line 2: malformed thread line "t*: 1x: 20 [0: 0]"`, nil},
		{"negative count", "heap_v2/1\n  t*: -1: 20 [0: 0]\n", `parse jemalloc dump x.heap line 2: malformed thread line "t*: -1: 20 [0: 0]"`, nil},
		{"garbled address", "heap_v2/1\n  t*: 1: 20 [0: 0]\n@ 0x7f1 0xzz\n  t*: 1: 20 [0: 0]\n", `parse jemalloc dump x.heap line 3: malformed address "0xzz"`, nil},
		{"address without 0x", "heap_v2/1\n  t*: 1: 20 [0: 0]\n@ 7f1\n", `parse jemalloc dump x.heap line 3: malformed address "7f1": want 0x…`, nil},
		{"empty stack", "heap_v2/1\n  t*: 1: 20 [0: 0]\n@\n", `parse jemalloc dump x.heap line 3: stack line "@" has no addresses`, nil},
		{"thread line before t*", "heap_v2/1\n  t*: 1: 20 [0: 0]\n@ 0x7f1\n  t0: 1: 20 [0: 0]\n", `parse jemalloc dump x.heap line 4: thread line before the stack's "t*:" line`, nil},
		{"two t* lines", "heap_v2/1\n  t*: 1: 20 [0: 0]\n@ 0x7f1\n  t*: 1: 20 [0: 0]\n  t*: 1: 20 [0: 0]\n", `parse jemalloc dump x.heap line 5: second "t*:" line in one stack`, nil},
		{"stack without counts", "heap_v2/1\n  t*: 1: 20 [0: 0]\n@ 0x7f1\n@ 0x7f2\n", `parse jemalloc dump x.heap line 3: stack has no "t*:" line`, nil},
		{"stray text", dump[:mapped-1] + "hello\n" + dump[mapped:], `parse jemalloc dump x.heap line ` + strconv.Itoa(lineOf(t, dump, "MAPPED_LIBRARIES:")-1) + `: want "@ 0x…", got "hello"`, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := ParseJemalloc(strings.NewReader(c.input), "x.heap")
			if err == nil {
				t.Fatalf("got a snapshot with totals %v, want error %s", s.Totals(), c.want)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("got %T %v, want *ParseError", err, err)
			}
			if err.Error() != c.want {
				t.Errorf("got error\n  %s\nwant\n  %s", err, c.want)
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("got error %v, want one wrapping %v", err, c.is)
			}
		})
	}
}

func TestParseJemallocWarnings(t *testing.T) {
	dump := realDump(t)
	mappedLine := lineOf(t, dump, "MAPPED_LIBRARIES:")
	// Cut in the middle of the first library line after the main binary's.
	libLine := strings.Index(dump, "/usr/lib/")
	cut := dump[:libLine+5]
	// Remove the mapping that holds the program's code: its return addresses
	// then fall outside every mapping.
	exec := regexp.MustCompile(`(?m)^[0-9a-f]+-[0-9a-f]+ r-xp .*lifecycle-jemalloc\n`)
	noExec := exec.ReplaceAllString(dump, "")
	// A damaged map line is skipped with a warning.
	afterMapped := strings.Index(dump, "MAPPED_LIBRARIES:\n") + len("MAPPED_LIBRARIES:\n")
	badMap := dump[:afterMapped] + "zzzz-yyyy r-xp 0 0 0 /x\n" + dump[afterMapped:]
	for _, c := range []struct {
		name, input string
		want        []string // warning texts, in order
	}{
		{"cut inside MAPPED_LIBRARIES", cut, []string{
			`parse jemalloc dump x.heap line ` + strconv.Itoa(strings.Count(cut, "\n")+1) + `: MAPPED_LIBRARIES cut off at "` + clip(strings.TrimSpace(cut[strings.LastIndex(cut, "\n")+1:]), 60) + `": addresses in the missing mappings cannot be symbolised`,
			// The library mappings that were cut off hold jemalloc's and libc's frames.
			"outside every executable mapping",
		}},
		{"address outside every mapping", noExec, nil},
		{"damaged map line", badMap, []string{
			`parse jemalloc dump x.heap line ` + strconv.Itoa(mappedLine+1) + `: skipped memory map line "zzzz-yyyy r-xp 0 0 0 /x": malformed address range or offset`,
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := ParseJemalloc(strings.NewReader(c.input), "x.heap")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, w := range s.Warnings {
				got = append(got, w.Error())
			}
			if c.want == nil { // outside every mapping: the count and first address vary with the dump
				if len(got) != 1 || !strings.Contains(got[0], "addresses outside every executable mapping (first 0x") {
					t.Fatalf("got warnings %q, want one about addresses outside every mapping", got)
				}
				var pe *ParseError
				if !errors.As(s.Warnings[0], &pe) || pe.Line <= 1 || pe.Line >= mappedLine {
					t.Errorf("got warning %v, want it to name a stack line", s.Warnings[0])
				}
				return
			}
			match := len(got) == len(c.want)
			for i := 0; match && i < len(got); i++ {
				match = got[i] == c.want[i] || !strings.HasPrefix(c.want[i], "parse") && strings.Contains(got[i], c.want[i])
			}
			if !match {
				t.Errorf("got warnings\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(c.want, "\n  "))
			}
			full, _ := ParseJemalloc(strings.NewReader(dump), "x.heap")
			if g, w := s.Totals(), full.Totals(); g[1] != w[1] {
				t.Errorf("got inuse_space %d, want %d (the counts are all there)", g[1], w[1])
			}
		})
	}
}

// FuzzParseJemalloc checks that no input panics or hangs the parser, and
// that what it accepts is a valid profile with non-negative values.
func FuzzParseJemalloc(f *testing.F) {
	for _, files := range jemallocDumps(f) {
		for _, p := range files {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Add([]byte(sampledThreads))
	f.Add([]byte("heap_v2/1\n  t*: 1: 20 [0: 0]\n@ 0x7f1\n  t*: 1: 20 [0: 0]\n  t0: 1: 20 [0: 0]\n\nMAPPED_LIBRARIES:\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseJemalloc(strings.NewReader(string(data)), "fuzz.heap")
		if !checkParsed(t, s, err) {
			return
		}
		for _, v := range s.Totals() {
			if v < 0 {
				t.Fatalf("got negative total %d", v)
			}
		}
	})
}

// accumStack is one stack of a real jemalloc 5.3 dump taken with
// prof_accum:true at the default period (the same program as sampledThreads),
// where the bracketed pair counts every sampled allocation ever made.
const accumStack = `heap_v2/524288
  t*: 5: 20480 [7: 28672]
  t0: 5: 20480 [7: 28672]
@ 0x7f35f40a2630 0x555c2222f312
  t*: 5: 20480 [7: 28672]
  t0: 5: 20480 [7: 28672]

MAPPED_LIBRARIES:
555c2222f000-555c22230000 r-xp 00001000 fe:00 9978062                    /tmp/leak
`

func TestJemallocAccum(t *testing.T) {
	s, err := ParseJemalloc(strings.NewReader(accumStack), "accum.heap")
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, m := range s.Metrics() {
		types = append(types, m.Name+"/"+m.Unit)
	}
	if got, want := strings.Join(types, " "), "inuse_objects/count inuse_space/bytes alloc_objects/count alloc_space/bytes"; got != want {
		t.Fatalf("got sample types %s, want %s", got, want)
	}
	in, acc := jemallocScale(5, 20480, 524288), jemallocScale(7, 28672, 524288)
	want := []int64{int64(math.Round(5 * in)), int64(math.Round(20480 * in)), int64(math.Round(7 * acc)), int64(math.Round(28672 * acc))}
	if got := s.Totals(); fmtInts(got) != fmtInts(want) {
		t.Errorf("got totals %v, want %v", got, want)
	}
	if s.DefaultMetric() != "inuse_space" {
		t.Errorf("got default metric %s, want inuse_space", s.DefaultMetric())
	}
}

func fmtInts(v []int64) string {
	var parts []string
	for _, x := range v {
		parts = append(parts, strconv.FormatInt(x, 10))
	}
	return strings.Join(parts, " ")
}

// TestJemallocThreadsReal checks the thread labels of a real dump from a
// program whose operators run on several threads: samples of one stack (one
// per thread) add up to that stack's t* line scaled as jeprof does.
func TestJemallocThreadsReal(t *testing.T) {
	files := jemallocDumps(t)["../testdata/jemalloc/c-threads"]
	if len(files) == 0 {
		t.Fatal("no c-threads dumps")
	}
	path := files[len(files)-1]
	s, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Each stack's t* line (the line after "@ …"), scaled, by address text.
	want := map[string]int64{}
	lines := strings.Split(string(text), "\n")
	for i := 0; i+1 < len(lines); i++ {
		if !strings.HasPrefix(lines[i], "@") {
			continue
		}
		id, c, _, ok := parseThreadLine([]byte(strings.TrimSpace(lines[i+1])))
		if !ok || string(id) != "*" {
			t.Fatalf("line %d: want a t* line after the stack", i+2)
		}
		f := jemallocScale(c[0], c[1], s.Profile.Period)
		want[strings.Join(strings.Fields(lines[i])[1:], " ")] += int64(math.Round(float64(c[1]) * f))
	}
	got := map[string]int64{}
	threads := map[string]bool{}
	for _, smp := range s.Profile.Sample {
		var addrs []string
		for _, l := range smp.Location {
			addrs = append(addrs, "0x"+strconv.FormatUint(l.Address+1, 16))
		}
		got[strings.Join(addrs, " ")] += smp.Value[1]
		for _, th := range smp.Label["thread"] {
			threads[th] = true
		}
	}
	if len(threads) < 2 {
		t.Errorf("got thread labels %v, want several", threads)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("stack %.40s…: got %d bytes over its thread samples, want %d (t* scaled)", k, got[k], w)
		}
	}
}

// TestJemallocThreadNames reads a dump with jemalloc's thread names
// (prof_sys_thread_name:true: "t5: 16: 131072 [0: 0] pool-grower" in the
// header): every sample of a named thread carries label thread_name, and
// the two "pool-grower" threads hold what their header lines say.
func TestJemallocThreadNames(t *testing.T) {
	s, err := Open("../testdata/jemalloc/cxx-thread-names/names-lc2.heap", nil)
	if err != nil {
		t.Fatal(err)
	}
	i := s.MetricIndex("inuse_space")
	var grower int64
	for _, smp := range s.Profile.Sample {
		if smp.Label["thread_name"] == nil {
			t.Errorf("got a sample of thread %v without thread_name", smp.Label["thread"])
			continue
		}
		if smp.Label["thread_name"][0] == "pool-grower" {
			grower += smp.Value[i]
		}
	}
	if grower != 131072+131328 {
		t.Errorf("got %d bytes on pool-grower threads, want %d (their header lines)", grower, 131072+131328)
	}
	// Per-stack thread lines carry no name: one that does is damaged.
	bad := "heap_v2/1\n  t*: 1: 8 [0: 0]\n  t0: 1: 8 [0: 0] main\n@ 0x1\n  t*: 1: 8 [0: 0]\n  t0: 1: 8 [0: 0] main\n\nMAPPED_LIBRARIES:\n"
	if _, err := ParseJemalloc(strings.NewReader(bad), "x.heap"); err == nil || !strings.Contains(err.Error(), "line 6: malformed thread line") {
		t.Errorf("got %v, want a malformed thread line error at line 6", err)
	}
}

// TestUnsampleClamped: a stack whose count is far above its bytes (no real
// dump has one) makes the unsampling factor enormous; the value is clamped,
// never wrapped negative. The jemalloc input is a fuzzer's find.
func TestUnsampleClamped(t *testing.T) {
	je, err := ParseJemalloc(strings.NewReader("heap_v2/1\nt*:0:0[0:0] \n@0X1\nt*:7000000000:1[0:0]\nMAPPED_LIBRARIES:"), "clamp.heap")
	if err != nil {
		t.Fatal(err)
	}
	tc, err := ParseTcmalloc(strings.NewReader("heap profile: 7000000000: 1 [7000000000: 1] @ heap_v2/2\n7000000000: 1 [7000000000: 1] @ 0x1\n"), "clamp.prof")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*Snapshot{je, tc} {
		for i, v := range s.Totals() {
			if v < 0 || v > 1<<53 {
				t.Errorf("%s: total %d of %s out of [0, 2^53]", s.Name, v, s.Profile.SampleType[i].Type)
			}
		}
	}
}
