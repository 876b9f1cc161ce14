package symbolize

import (
	"bufio"
	"debug/dwarf"
	"debug/elf"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/pprof/profile"

	"github.com/dumpdiff/dumpdiff/parsers"
)

const (
	testdata = "../../testdata"
	binDir   = testdata + "/bin"
)

// series returns the dumps of a committed series in name order.
func series(t testing.TB, format, name string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(testdata, format, name, "*.heap"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no dumps in %s/%s/%s", testdata, format, name)
	}
	sort.Strings(files)
	return files
}

func open(t testing.TB, path string, sym parsers.Symbolizer) *parsers.Snapshot {
	t.Helper()
	s, err := parsers.Open(path, &parsers.Options{Symbolizer: sym})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// refText is the flat column of a jeprof / google-pprof --text --show_bytes report.
type refText struct {
	total int64
	flat  map[string]int64
	order []string
}

// refLine matches one row of jeprof/google-pprof --text --show_bytes:
//
//	33554432  51.2%  51.2% 33554432  51.2% leaky_operator_open
var refLine = regexp.MustCompile(`^\s*(\d+)\s+[\d.]+%\s+[\d.]+%\s+(\d+)\s+[\d.]+%\s+(.+?)\s*$`)

func readRef(t testing.TB, path string) refText {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := refText{flat: map[string]int64{}}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "Total: "); ok {
			out.total, _ = strconv.ParseInt(strings.TrimSuffix(rest, " B"), 10, 64)
		} else if m := refLine.FindStringSubmatch(sc.Text()); m != nil {
			if flat, _ := strconv.ParseInt(m[1], 10, 64); flat > 0 {
				name := refDecoration.ReplaceAllString(m[3], "")
				if _, seen := out.flat[name]; !seen {
					out.order = append(out.order, name)
				}
				out.flat[name] += flat
			}
		}
	}
	if out.total == 0 {
		t.Fatalf("%s: no Total line", path)
	}
	return out
}

// flatByFunction sums the metric by the function jeprof and google-pprof
// show in their flat column: they drop every location up to the last one
// (counting from the allocation) whose innermost function is an allocator
// frame, the profile's drop_frames here, and credit the innermost function
// of the next location. Names are compared without parameter lists.
func flatByFunction(t testing.TB, s *parsers.Snapshot, metric string) (map[string]int64, int64) {
	t.Helper()
	drop := regexp.MustCompile("^(" + s.Profile.DropFrames + ")$")
	i := s.MetricIndex(metric)
	if i < 0 {
		t.Fatalf("%s: no %s metric", s.Name, metric)
	}
	flat := map[string]int64{}
	var total int64
	for _, smp := range s.Profile.Sample {
		total += smp.Value[i]
		first := 0
		for k, loc := range smp.Location {
			if len(loc.Line) > 0 && drop.MatchString(shortName(loc.Line[0].Function.Name)) {
				first = k + 1
			}
		}
		if first >= len(smp.Location) {
			flat["(allocator)"] += smp.Value[i]
			continue
		}
		loc := smp.Location[first]
		if len(loc.Line) == 0 {
			flat[fmt.Sprintf("%#x", loc.Address)] += smp.Value[i]
			continue
		}
		flat[shortName(loc.Line[0].Function.Name)] += smp.Value[i]
	}
	return flat, total
}

// shortName drops a C++ parameter list, as jeprof's ShortFunctionName and
// pprof's simplified names do: "os::malloc(unsigned long, MEMFLAGS)" → "os::malloc".
func shortName(name string) string {
	if i := strings.IndexByte(name, '('); i > 0 && !strings.HasPrefix(name[i:], "(anonymous namespace)") {
		return name[:i]
	}
	return name
}

// refName undoes jeprof's decorations: "os::malloc@c21ae0" (overloads told
// apart by address) and "inl_alloc (inline)".
var refDecoration = regexp.MustCompile(`(@[0-9a-f]+| \(inline\))$`)

// TestTopSitesMatchReference symbolises the first and last dump of every
// committed jemalloc and tcmalloc series with the committed binaries and
// checks each site that jeprof / google-pprof printed: the same function
// name, and bytes within 1%.
func TestTopSitesMatchReference(t *testing.T) {
	sym := New(Options{SearchDirs: []string{binDir}})
	for _, c := range []struct{ format, series, tool string }{
		{"jemalloc", "c-lifecycle", "jeprof"},
		{"jemalloc", "c-sampled", "jeprof"},
		{"jemalloc", "c-restart", "jeprof"},
		{"jemalloc", "c-threads", "jeprof"},
		{"tcmalloc", "c-lifecycle", "google-pprof"},
		{"tcmalloc", "c-restart", "google-pprof"},
		{"jemalloc", "jvm", "jeprof"},
	} {
		if c.series == "jvm" && !haveLibjvm(t) {
			continue
		}
		files := series(t, c.format, c.series)
		for _, lc := range []struct {
			ref  string
			dump string
		}{{c.tool + "-lc1.txt", files[0]}, {c.tool + "-lc8.txt", files[len(files)-1]}} {
			t.Run(c.format+"/"+c.series+"/"+lc.ref, func(t *testing.T) {
				ref := readRef(t, filepath.Join(testdata, c.format, c.series, lc.ref))
				s := open(t, lc.dump, sym)
				// The program's own binary must be read; system libraries
				// depend on this machine (and Java frames, JIT code in
				// anonymous mappings, have no symbols at all).
				if m := s.Profile.Mapping[0]; !m.HasFunctions {
					t.Errorf("got main mapping %s unsymbolised, want symbols; warnings %v", m.File, s.Warnings)
				}
				flat, total := flatByFunction(t, s, "inuse_space")
				if d := math.Abs(float64(total-ref.total)) / float64(ref.total); d > 0.01 {
					t.Errorf("got total %d, want %d (%s) within 1%%", total, ref.total, c.tool)
				}
				for rank, name := range ref.order {
					want := ref.flat[name]
					// Sites under 1% of the total are inside system libraries
					// (libc, ld.so, libstdc++) whose names depend on the
					// debug files installed here: reported, not required.
					errorf := t.Errorf
					if want*100 < ref.total {
						errorf = t.Logf
					}
					if strings.Contains(name, "@@") {
						// jeprof names an address in stripped libstdc++ by the
						// nearest exported symbol before it (nm without sizes),
						// which does not contain it; we name it by module and
						// offset instead. Check that such a site exists.
						if got := moduleOffsetFlat(flat, "libstdc++"); got != want {
							errorf("%s: got %d bytes in libstdc+++0x… frames, want %d", name, got, want)
						}
						continue
					}
					got, ok := flat[name]
					if !ok {
						errorf("rank %d: %s (%d bytes in %s) missing; got sites %v", rank+1, name, want, c.tool, keys(flat))
						continue
					}
					if d := math.Abs(float64(got-want)) / float64(want); d > 0.01 {
						errorf("rank %d: %s: got %d bytes, want %d (%s) within 1%%", rank+1, name, got, want, c.tool)
					}
					t.Logf("%-24s %10d %10d %s", name, got, want, c.tool)
				}
			})
		}
	}
}

// haveLibjvm reports whether this machine has the libjvm.so that ran the
// committed JVM series (same build ID, as truth.json records it): its frames
// can only be symbolised with that very library.
func haveLibjvm(t *testing.T) bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdata, "jemalloc", "jvm", "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	var truth struct {
		Libjvm  string `json:"libjvm"`
		BuildID string `json:"libjvm_build_id"`
	}
	if err := json.Unmarshal(b, &truth); err != nil {
		t.Fatal(err)
	}
	if got := readBuildID(truth.Libjvm); got != truth.BuildID {
		t.Logf("JVM series skipped: %s has build ID %q here, the dumps were made with %q", truth.Libjvm, got, truth.BuildID)
		return false
	}
	return true
}

func moduleOffsetFlat(flat map[string]int64, module string) int64 {
	var n int64
	for k, v := range flat {
		if strings.HasPrefix(k, module) && strings.Contains(k, "+0x") {
			n += v
		}
	}
	return n
}

// keys returns m's keys in order, for failure messages.
func keys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// TestLinesAndMappings checks file:line, the mapping flags and the build ID
// on the committed jemalloc binary.
func TestLinesAndMappings(t *testing.T) {
	files := series(t, "jemalloc", "c-lifecycle")
	s := open(t, files[len(files)-1], New(Options{SearchDirs: []string{binDir}}))
	var found bool
	for _, loc := range s.Profile.Location {
		for _, ln := range loc.Line {
			if ln.Function.Name != "leaky_operator_open" {
				continue
			}
			found = true
			if !strings.HasSuffix(ln.Function.Filename, "lifecycle.c") || ln.Line <= 0 {
				t.Errorf("leaky_operator_open: got %s:%d, want lifecycle.c and a line", ln.Function.Filename, ln.Line)
			}
		}
	}
	if !found {
		t.Fatal("no leaky_operator_open frame")
	}
	m := s.Profile.Mapping[0]
	if filepath.Base(m.File) != "lifecycle-jemalloc" {
		t.Fatalf("got main mapping %s, want lifecycle-jemalloc", m.File)
	}
	if !m.HasFunctions || !m.HasFilenames || !m.HasLineNumbers || !m.HasInlineFrames {
		t.Errorf("got flags functions %v filenames %v lines %v inline %v, want all true", m.HasFunctions, m.HasFilenames, m.HasLineNumbers, m.HasInlineFrames)
	}
	if want := readBuildID(filepath.Join(binDir, "lifecycle-jemalloc")); m.BuildID != want || want == "" {
		t.Errorf("got build ID %q, want %q", m.BuildID, want)
	}
}

// TestRestartKeysWithoutBinaries symbolises two dumps from different
// processes (PIE, so addresses differ) with no binary to read: the frames get
// module+offset names, and the leak's stack has the same names in both.
func TestRestartKeysWithoutBinaries(t *testing.T) {
	files := series(t, "jemalloc", "c-restart")
	sym := New(Options{})
	var stacks [2]map[string]bool
	var addrs [2]map[uint64]bool
	for i, f := range []string{files[0], files[len(files)-1]} {
		s, err := parsers.Open(f, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range s.Profile.Mapping {
			m.File = filepath.Join("/nonexistent", filepath.Base(m.File)) // as on a machine without the binaries
		}
		warns := sym.Symbolize(s.Profile)
		if len(warns) == 0 || !strings.Contains(warns[0].Error(), "binary not on this machine: frames named by module and offset") {
			t.Errorf("got warnings %v, want one per missing binary", warns)
		}
		if s.Profile.HasFunctions() {
			t.Error("got HasFunctions true, want false: no binary was read")
		}
		stacks[i], addrs[i] = map[string]bool{}, map[uint64]bool{}
		for _, smp := range s.Profile.Sample {
			var names []string
			for _, loc := range smp.Location {
				if len(loc.Line) != 1 {
					t.Fatalf("got %d lines at %#x, want 1 (a module+offset name)", len(loc.Line), loc.Address)
				}
				names = append(names, loc.Line[0].Function.Name)
				if loc.Mapping == s.Profile.Mapping[0] {
					addrs[i][loc.Address] = true
				}
			}
			stacks[i][strings.Join(names, " ")] = true
		}
	}
	var common int
	for k := range stacks[0] {
		if stacks[1][k] {
			common++
		}
	}
	for a := range addrs[0] {
		if addrs[1][a] {
			t.Errorf("address %#x in both processes: want the restart series to move the binary", a)
		}
	}
	if common < 5 {
		t.Errorf("got %d stacks named the same in both processes, want every program stack (at least 5): %v", common, keys(stacks[0]))
	}
}

func TestModuleOffset(t *testing.T) {
	m := &profile.Mapping{Start: 0x7f0000001000, Limit: 0x7f0000009000, Offset: 0x1000, File: "/usr/lib/libfoo.so.1 (deleted)"}
	for _, c := range []struct {
		loc  *profile.Location
		want string
	}{
		{&profile.Location{Address: 0x7f0000001a2a, Mapping: m}, "libfoo.so.1+0x1a2a"},
		{&profile.Location{Address: 0x1234}, ""},
		{&profile.Location{Address: 0x7f0000001a2a, Mapping: &profile.Mapping{Start: 0x7f0000001000, File: "[vdso]"}}, ""},
		{&profile.Location{Address: 0x7f0000001a2a, Mapping: &profile.Mapping{Start: 0x7f0000001000}}, ""},
	} {
		if got := ModuleOffset(c.loc); got != c.want {
			t.Errorf("ModuleOffset(%#x in %v): got %q, want %q", c.loc.Address, c.loc.Mapping, got, c.want)
		}
	}
}

// mainOnly returns the last dump of c-lifecycle with its main binary's
// mapping renamed to a path that does not exist, so only SearchDirs can
// provide it; the library mappings are dropped from the profile's locations
// so the test does not depend on this machine's libraries.
func mainOnly(t *testing.T) *profile.Profile {
	t.Helper()
	files := series(t, "jemalloc", "c-lifecycle")
	s, err := parsers.Open(files[len(files)-1], nil)
	if err != nil {
		t.Fatal(err)
	}
	main := s.Profile.Mapping[0]
	main.File = "/nonexistent/lifecycle-jemalloc"
	for _, loc := range s.Profile.Location {
		if loc.Mapping != main {
			loc.Mapping = nil
		}
	}
	return s.Profile
}

// names returns the function names of the main binary's frames.
func names(p *profile.Profile) []string {
	seen := map[string]bool{}
	var out []string
	for _, loc := range p.Location {
		for _, ln := range loc.Line {
			if !seen[ln.Function.Name] {
				seen[ln.Function.Name] = true
				out = append(out, ln.Function.Name)
			}
		}
	}
	sort.Strings(out)
	return out
}

func TestBadBinaries(t *testing.T) {
	good, err := os.ReadFile(filepath.Join(binDir, "lifecycle-jemalloc"))
	if err != nil {
		t.Fatal(err)
	}
	goodID := readBuildID(filepath.Join(binDir, "lifecycle-jemalloc"))
	type setup func(t *testing.T, dir string) // fills the search dir
	write := func(data []byte) setup {
		return func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, "lifecycle-jemalloc"), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	type badBinaryCase struct {
		name     string
		setup    setup
		buildID  string // set on the mapping
		wantWarn string // substring of the one warning; "" for none
		wantSyms bool   // program functions resolved
	}
	cases := []badBinaryCase{
		{"found by base name", write(good), "", "", true},
		{"found by build ID under another name", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, "renamed.bin"), good, 0o644); err != nil {
				t.Fatal(err)
			}
		}, goodID, "", true},
		{"build ID mismatch", write(good), "0123456789abcdef", "has build ID " + goodID + ", want 0123456789abcdef", false},
		{"missing", func(*testing.T, string) {}, "", "binary not on this machine nor in", false},
		{"empty file", write(nil), "", "not an ELF file", false},
		{"truncated to 64 bytes", write(good[:64]), "", "not a readable ELF file", false},
		{"truncated to 3000 bytes", write(good[:3000]), "", "", false},
		{"truncated by half", write(good[:len(good)/2]), "", "", false},
		{"a directory", func(t *testing.T, dir string) {
			if err := os.Mkdir(filepath.Join(dir, "lifecycle-jemalloc"), 0o755); err != nil {
				t.Fatal(err)
			}
		}, "", "binary not on this machine nor in", false},
		{"a text file", write([]byte("#!/bin/sh\necho hi\n")), "", "not an ELF file", false},
	}
	// Another program's ELF under the same name: its code starts at another
	// file offset, so it cannot be the mapped binary.
	if other, err := os.ReadFile("/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"); err == nil && hostMachine() == elf.EM_X86_64 {
		cases = append(cases, badBinaryCase{"another binary", write(other), "", "has no executable segment at file offset 0x1000: not the binary of this mapping", false})
	} else {
		t.Log("no libjemalloc.so.2 here (apt-get install libjemalloc-dev): the wrong-binary case is skipped")
	}
	if foreign := foreignELF(t); foreign != nil {
		cases = append(cases, badBinaryCase{"foreign architecture", write(foreign), "", "ELF for RISCV, want " + machineName(hostMachine()), false})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			c.setup(t, dir)
			p := mainOnly(t)
			p.Mapping[0].BuildID = c.buildID
			warns := New(Options{SearchDirs: []string{dir}}).Symbolize(p)
			var texts []string
			for _, w := range warns {
				texts = append(texts, w.Error())
			}
			switch {
			case c.wantWarn == "" && c.wantSyms && len(warns) > 0:
				t.Errorf("got warnings %q, want none", texts)
			case c.wantWarn != "" && (len(warns) != 1 || !strings.Contains(texts[0], c.wantWarn)):
				t.Errorf("got warnings %q, want one containing %q", texts, c.wantWarn)
			}
			got := names(p)
			hasLeak := false
			for _, n := range got {
				hasLeak = hasLeak || n == "leaky_operator_open"
				if !c.wantSyms && !strings.HasPrefix(n, "lifecycle-jemalloc+0x") {
					t.Errorf("got frame %q, want only lifecycle-jemalloc+0x… names", n)
				}
			}
			if c.wantSyms != hasLeak {
				t.Errorf("got names %v, want leaky_operator_open resolved: %v", got, c.wantSyms)
			}
			if !c.wantSyms && len(warns) == 0 {
				t.Errorf("got no warning, want one saying why the frames are unsymbolised")
			}
		})
	}
}

// foreignELF returns an executable of another architecture found on this
// machine (the Go distribution's debug/elf test files), or nil.
func foreignELF(t *testing.T) []byte {
	t.Helper()
	if hostMachine() == elf.EM_RISCV {
		t.Log("host is riscv64: no foreign-architecture case")
		return nil
	}
	p := filepath.Join(runtime.GOROOT(), "src", "debug", "elf", "testdata", "gcc-riscv64-linux-exec")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Logf("no foreign-architecture ELF on this machine (%v): case skipped", err)
		return nil
	}
	return b
}

// TestTruncatedEverywhere cuts the binary at many lengths; every cut must
// give names or a warning, never a panic.
func TestTruncatedEverywhere(t *testing.T) {
	good, err := os.ReadFile(filepath.Join(binDir, "lifecycle-jemalloc"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for n := 0; n < len(good); n += len(good)/40 + 1 {
		path := filepath.Join(dir, fmt.Sprintf("cut%d", n), "lifecycle-jemalloc")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, good[:n], 0o644); err != nil {
			t.Fatal(err)
		}
		p := mainOnly(t)
		New(Options{SearchDirs: []string{filepath.Dir(path)}}).Symbolize(p)
		if len(names(p)) == 0 {
			t.Errorf("cut at %d bytes: got no frame names, want symbols or module+offset names", n)
		}
	}
}

// TestCorruptedEverywhere overwrites a window of the binary with 0xff at
// many places (headers, symbol table, DWARF): never a panic, always names.
func TestCorruptedEverywhere(t *testing.T) {
	good, err := os.ReadFile(filepath.Join(binDir, "lifecycle-jemalloc"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	const window = 256
	for at := 0; at < len(good); at += len(good)/60 + 1 {
		bad := append([]byte(nil), good...)
		for i := at; i < at+window && i < len(bad); i++ {
			bad[i] = 0xff
		}
		sub := filepath.Join(dir, fmt.Sprintf("at%d", at))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(sub, "lifecycle-jemalloc"), bad, 0o644); err != nil {
			t.Fatal(err)
		}
		p := mainOnly(t)
		New(Options{SearchDirs: []string{sub}}).Symbolize(p)
		if len(names(p)) == 0 {
			t.Errorf("corrupted at %d: got no frame names, want symbols or module+offset names", at)
		}
	}
}

// TestCacheAndConcurrency symbolises a whole series concurrently with one
// Symbolizer: each ELF file is read once and results equal a serial run.
func TestCacheAndConcurrency(t *testing.T) {
	files := series(t, "jemalloc", "c-lifecycle")
	serial := New(Options{SearchDirs: []string{binDir}})
	want := map[string][]string{}
	for _, f := range files {
		want[f] = names(open(t, f, serial).Profile)
	}
	perDump := serial.opened.Load()

	sym := New(Options{SearchDirs: []string{binDir}})
	var wg sync.WaitGroup
	got := make([][]string, len(files))
	errs := make([]error, len(files))
	for i, f := range files {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := parsers.Open(f, &parsers.Options{Symbolizer: sym})
			if err != nil {
				errs[i] = err
				return
			}
			got[i] = names(s.Profile)
		}()
	}
	wg.Wait()
	for i, f := range files {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if strings.Join(got[i], ",") != strings.Join(want[f], ",") {
			t.Errorf("%s: got names %v, want %v", f, got[i], want[f])
		}
	}
	if n := sym.opened.Load(); n != perDump {
		t.Errorf("got %d ELF reads for %d dumps, want %d (each binary once)", n, len(files), perDump)
	}
	t.Logf("%d dumps, %d ELF files read", len(files), sym.opened.Load())
}

// inlineSource is a C program whose allocation helper gets inlined.
const inlineSource = `#include <stdlib.h>
#include <string.h>
static inline void *fill(size_t n) { void *p = malloc(n); memset(p, 7, n); return p; }
__attribute__((noinline)) void *outer(size_t n) { return fill(n * 3); }
int main(int argc, char **argv) { return outer(argc) == 0; }
`

// TestInlinedFrames builds a small program with gcc (skipped without gcc),
// finds the inlined call of fill in its DWARF, and checks that a lookup
// there yields fill then outer, with the call line of fill in outer, as
// addr2line -i prints them.
func TestInlinedFrames(t *testing.T) {
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc is not installed (apt-get install gcc): inlined-frame test skipped")
	}
	bin, f, d := buildELF(t, "inl.c", inlineSource, gcc, "-g", "-O2")
	var pc uint64
	r := d.Reader()
	for {
		e, err := r.Next()
		if err != nil || e == nil {
			break
		}
		if e.Tag == dwarf.TagInlinedSubroutine {
			if rs, err := d.Ranges(e); err == nil && len(rs) > 0 {
				pc = rs[0][0]
				break
			}
		}
	}
	if pc == 0 {
		t.Fatal("gcc inlined nothing: no DW_TAG_inlined_subroutine")
	}
	// Place the binary as the kernel would: the segment holding pc mapped
	// at an arbitrary page-aligned base.
	var seg *elf.Prog
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD && p.Flags&elf.PF_X != 0 && pc >= p.Vaddr && pc < p.Vaddr+p.Filesz {
			seg = p
		}
	}
	if seg == nil {
		t.Fatal("no executable segment holds the inlined code")
	}
	const base = 0x7f1234560000
	pageOff := seg.Off &^ 0xfff
	m := &profile.Mapping{ID: 1, Start: base, Limit: base + seg.Filesz + 0x2000, Offset: pageOff, File: bin}
	addr := base + (pc - seg.Vaddr + seg.Off - pageOff)
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "inuse_space", Unit: "bytes"}},
		Mapping:    []*profile.Mapping{m},
		Location:   []*profile.Location{{ID: 1, Address: addr, Mapping: m}},
	}
	p.Sample = []*profile.Sample{{Location: p.Location, Value: []int64{1}}}
	if warns := New(Options{}).Symbolize(p); len(warns) > 0 {
		t.Fatalf("got warnings %v", warns)
	}
	lines := p.Location[0].Line
	var got []string
	for _, l := range lines {
		got = append(got, fmt.Sprintf("%s:%d", l.Function.Name, l.Line))
	}
	if len(lines) != 2 || lines[0].Function.Name != "fill" || lines[1].Function.Name != "outer" || lines[1].Line != 4 {
		t.Errorf("got frames %v, want fill:<line> then outer:4", got)
	}
	// When binutils is here, compare with addr2line itself.
	if a2l, err := exec.LookPath("addr2line"); err == nil {
		out, err := exec.Command(a2l, "-f", "-i", "-e", bin, fmt.Sprintf("%#x", pc)).Output()
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		ls := strings.Split(strings.TrimSpace(string(out)), "\n")
		for i := 0; i+1 < len(ls); i += 2 {
			n := ls[i+1][strings.LastIndex(ls[i+1], ":")+1:]
			if j := strings.IndexByte(n, ' '); j >= 0 {
				n = n[:j]
			}
			want = append(want, ls[i]+":"+n)
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("got frames %v, want %v (addr2line -f -i)", got, want)
		}
	}
}

// BenchmarkParseSymbolize parses and symbolises one dump of a series with a
// Symbolizer that has already read the binaries (the series case).
func BenchmarkParseSymbolize(b *testing.B) {
	files := series(b, "jemalloc", "c-lifecycle")
	data, err := os.ReadFile(files[len(files)-1])
	if err != nil {
		b.Fatal(err)
	}
	sym := New(Options{SearchDirs: []string{binDir}})
	b.ReportAllocs()
	for b.Loop() {
		s, err := parsers.Parse(strings.NewReader(string(data)), files[len(files)-1], &parsers.Options{Symbolizer: sym})
		if err != nil || !s.Symbolized {
			b.Fatal(err, s.Warnings)
		}
	}
}

// BenchmarkParseSymbolizeCold includes reading every mapped ELF file (and
// libc's separate debug file when installed): the first dump of a series.
func BenchmarkParseSymbolizeCold(b *testing.B) {
	files := series(b, "jemalloc", "c-lifecycle")
	data, err := os.ReadFile(files[len(files)-1])
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		sym := New(Options{SearchDirs: []string{binDir}})
		if _, err := parsers.Parse(strings.NewReader(string(data)), files[len(files)-1], &parsers.Options{Symbolizer: sym}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestDemangleName(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"_ZN2os6mallocEm8MEMFLAGS", "os::malloc"},
		{"_ZN2os6mallocEm8MEMFLAGSRK15NativeCallStack", "os::malloc"},
		{"_ZNSt6vectorIiSaIiEE9push_backERKi", "std::vector::push_back"},
		{"_Znwm", "operator new"},
		{"leaky_operator_open", "leaky_operator_open"},
		{"_ZN7rocksdb5Arena15AllocateAlignedEmmPNS_6LoggerE", "rocksdb::Arena::AllocateAligned"},
	} {
		if got := demangleName(c.in); got != c.want {
			t.Errorf("demangleName(%q): got %q, want %q", c.in, got, c.want)
		}
	}
}

// TestStrippedRestartSeries symbolises the cxx-restart series: a stripped
// C++ program (no symbols of its own), a fresh process per dump, with a
// dlopen'ed library. The library's exported plugin_alloc is named from its
// dynamic symbols and holds exactly what jeprof says; the program's own
// frames read cxxapp-jemalloc+0x…, and, everything being kept, every such
// site of lifecycle 1 is again in lifecycle 3 under the same name,
// whatever the addresses of the new process.
func TestStrippedRestartSeries(t *testing.T) {
	sym := New(Options{SearchDirs: []string{binDir}})
	files := series(t, "jemalloc", "cxx-restart")
	if len(files) != 3 {
		t.Fatalf("got %d dumps, want 3", len(files))
	}
	var flats []map[string]int64
	for k, f := range files {
		s := open(t, f, sym)
		flat, _ := flatByFunction(t, s, "inuse_space")
		flats = append(flats, flat)
		if got, want := flat["plugin_alloc"], int64(k+1)<<20; got != want {
			t.Errorf("%s: got plugin_alloc %d bytes, want %d", f, got, want)
		}
		own := 0
		for name := range flat {
			if strings.HasPrefix(name, "cxxapp-jemalloc+0x") {
				own++
			}
		}
		if own < 4 {
			t.Errorf("%s: got %d sites named cxxapp-jemalloc+0x…, want at least 4; sites %v", f, own, keys(flat))
		}
	}
	ref := readRef(t, filepath.Join(testdata, "jemalloc", "cxx-restart", "jeprof-lc3.txt"))
	if got, want := flats[2]["plugin_alloc"], ref.flat["plugin_alloc"]; got != want {
		t.Errorf("lc3: got plugin_alloc %d, want %d (jeprof)", got, want)
	}
	for name, v := range flats[0] {
		if strings.HasPrefix(name, "cxxapp-jemalloc+0x") && flats[2][name] < v {
			t.Errorf("%s: got %d bytes in lc3, want at least lc1's %d (same site after a restart)", name, flats[2][name], v)
		}
	}
}
