package symbolize

import (
	"debug/dwarf"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/pprof/profile"
)

// cxxInlineSource is a C++ program whose -O2 build has many addresses where
// the line table holds several rows (inlined calls starting or ending there,
// and "views" of zero-length rows).
const cxxInlineSource = `#include <map>
#include <string>
#include <thread>
#include <vector>
namespace app {
template <typename T> struct Pool {
  std::vector<T*> items;
  __attribute__((noinline)) void grow(size_t n) { for (size_t i = 0; i < n; i++) items.push_back(new T[1024]); }
};
std::map<std::string, std::vector<char>> cache;
__attribute__((noinline)) void fill_cache(int lc) { for (int i = 0; i < 64; i++) cache["k" + std::to_string(lc)].resize(8192); }
static inline void inl(std::vector<std::string>& v, int i) { v.push_back(std::string(100 + i, 'x')); }
__attribute__((noinline)) void strings(std::vector<std::string>& v) { for (int i = 0; i < 500; i++) inl(v, i); }
}
int main(int argc, char** argv) {
  app::Pool<double> pool; std::vector<std::string> strs;
  for (int lc = 1; lc <= argc; lc++) {
    std::thread([&] { pool.grow(16); }).join();
    app::fill_cache(lc);
    app::strings(strs);
  }
  return 0;
}
`

// TestLinesMatchAddr2line builds a C++ program with g++ -O2 -g and checks,
// at every address where the line table has more than one row, that the
// symboliser reports the same frames (file and line, innermost first) as
// addr2line -i, and the same name for the outermost function as
// llvm-symbolizer when it is installed. Where rows share an address, the
// last one describes the instruction (the earlier ones cover zero bytes).
func TestLinesMatchAddr2line(t *testing.T) {
	gxx, err1 := exec.LookPath("g++")
	a2l, err2 := exec.LookPath("addr2line")
	if err1 != nil || err2 != nil {
		t.Skip("g++ or addr2line is not installed (apt-get install g++ binutils): line tables not compared with addr2line")
	}
	bin, f, d := buildELF(t, "app.cpp", cxxInlineSource, gxx, "-g", "-O2", "-pthread")
	var seg *elf.Prog
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD && p.Flags&elf.PF_X != 0 {
			seg = p
		}
	}
	if seg == nil {
		t.Fatal("no executable segment")
	}
	// Addresses with several line rows, inside the executable segment.
	count := map[uint64]int{}
	r := d.Reader()
	for {
		e, err := r.Next()
		if err != nil || e == nil {
			break
		}
		lr, err := d.LineReader(e)
		if err == nil && lr != nil {
			var le dwarf.LineEntry
			for lr.Next(&le) == nil {
				if !le.EndSequence && le.Address >= seg.Vaddr && le.Address < seg.Vaddr+seg.Filesz {
					count[le.Address]++
				}
			}
		}
		r.SkipChildren()
	}
	var pcs []uint64
	for a, n := range count {
		if n > 1 {
			pcs = append(pcs, a)
		}
	}
	sort.Slice(pcs, func(i, j int) bool { return pcs[i] < pcs[j] })
	if len(pcs) < 20 {
		t.Fatalf("got %d addresses with several line rows, want at least 20", len(pcs))
	}
	const base = 0x7f1234560000
	pageOff := seg.Off &^ 0xfff
	m := &profile.Mapping{ID: 1, Start: base, Limit: base + seg.Filesz + 0x2000, Offset: pageOff, File: bin}
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "inuse_space", Unit: "bytes"}},
		Mapping:    []*profile.Mapping{m},
	}
	args := []string{"-i", "-e", bin}
	for i, pc := range pcs {
		loc := &profile.Location{ID: uint64(i + 1), Address: base + (pc - seg.Vaddr + seg.Off - pageOff), Mapping: m}
		p.Location = append(p.Location, loc)
		p.Sample = append(p.Sample, &profile.Sample{Location: []*profile.Location{loc}, Value: []int64{1}})
		args = append(args, fmt.Sprintf("%#x", pc))
	}
	New(Options{}).Symbolize(p)
	// addr2line -i prints one "file:line" per frame; -a separates addresses.
	out, err := exec.Command(a2l, append([]string{"-a"}, args...)...).Output()
	if err != nil {
		t.Fatal(err)
	}
	var want [][]string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if strings.HasPrefix(l, "0x") {
			want = append(want, nil)
			continue
		}
		if j := strings.Index(l, " (discriminator"); j >= 0 {
			l = l[:j]
		}
		want[len(want)-1] = append(want[len(want)-1], filepath.Base(l))
	}
	if len(want) != len(pcs) {
		t.Fatalf("addr2line answered %d addresses, want %d", len(want), len(pcs))
	}
	bad := 0
	for i, loc := range p.Location {
		var got []string
		for _, ln := range loc.Line {
			got = append(got, fmt.Sprintf("%s:%d", filepath.Base(ln.Function.Filename), ln.Line))
		}
		if !sameFrames(got, want[i]) {
			if bad++; bad <= 5 {
				t.Errorf("%#x: got frames %v, want %v (addr2line -i)", pcs[i], got, want[i])
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d addresses differ from addr2line", bad, len(pcs))
	}

	// Function names of the outermost (not inlined) frame, against
	// llvm-symbolizer (addr2line -i misnames inlined chains in binutils
	// 2.40). It prints demangled names with template arguments and
	// parameters; ours leave both out (as pprof and jeprof show them), so
	// its names are shortened the same way.
	llvm, err := exec.LookPath("llvm-symbolizer")
	if err != nil {
		t.Log("llvm-symbolizer is not installed (apt-get install llvm): function names not compared")
		return
	}
	out, err = exec.Command(llvm, append([]string{"--obj=" + bin, "--inlining", "--demangle"}, args[3:]...)...).Output()
	if err != nil {
		t.Fatal(err)
	}
	var wantNames []string
	for _, block := range strings.Split(strings.TrimSpace(string(out)), "\n\n") {
		ls := strings.Split(block, "\n")
		if len(ls) < 2 {
			wantNames = append(wantNames, "")
			continue
		}
		// GCC's split-off cold part of f is the symbol f.cold, still f.
		wantNames = append(wantNames, strings.TrimSuffix(stripTemplatesAndParams(ls[len(ls)-2]), ".cold"))
	}
	if len(wantNames) != len(pcs) {
		t.Fatalf("llvm-symbolizer answered %d addresses, want %d", len(wantNames), len(pcs))
	}
	bad = 0
	for i, loc := range p.Location {
		if len(loc.Line) == 0 {
			t.Errorf("%#x: got no frames, want %q", pcs[i], wantNames[i])
			continue
		}
		if got := stripTemplatesAndParams(loc.Line[len(loc.Line)-1].Function.Name); got != wantNames[i] {
			if bad++; bad <= 5 {
				t.Errorf("%#x: got function %q, want %q (llvm-symbolizer)", pcs[i], got, wantNames[i])
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d addresses have other function names than llvm-symbolizer", bad, len(pcs))
	}
}

// stripTemplatesAndParams shortens a demangled C++ name to what pprof
// shows: no template arguments, no parameter list, no return type
// ("void std::vector<int>::push_back(int const&)" → "std::vector::push_back").
func stripTemplatesAndParams(s string) string {
	var b strings.Builder
	depth := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '<' && !strings.HasSuffix(b.String(), "operator"):
			depth++
		case c == '>' && depth > 0:
			depth--
		case c == '(' && depth == 0 && !strings.HasPrefix(s[i:], "(anonymous namespace)"):
			return lastWord(b.String())
		case depth == 0:
			b.WriteByte(c)
		}
	}
	return lastWord(b.String())
}

// lastWord drops a return type: "void app::Pool::grow" → "app::Pool::grow".
func lastWord(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, ' '); i >= 0 && !strings.Contains(s[i:], "operator") && !strings.HasSuffix(s[:i], "operator") {
		return s[i+1:]
	}
	return s
}

// sameFrames compares file:line frames. addr2line (binutils 2.40) names
// the compile unit's own file for a few compiler-generated functions
// (std::thread's _State_impl destructor) whose line rows say std_thread.h,
// as objdump --dwarf=decodedline shows; such a frame matches by line.
func sameFrames(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] == want[i] {
			continue
		}
		_, gl, _ := strings.Cut(got[i], ":")
		wf, wl, _ := strings.Cut(want[i], ":")
		if wf != "app.cpp" || gl != wl {
			return false
		}
	}
	return true
}

// buildELF writes source to a temporary file called srcName, compiles it
// with compiler and flags, and opens the binary and its DWARF data. The
// binary is closed when the test ends.
func buildELF(t *testing.T, srcName, source, compiler string, flags ...string) (string, *elf.File, *dwarf.Data) {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, srcName)
	bin := strings.TrimSuffix(src, filepath.Ext(src))
	if err := os.WriteFile(src, []byte(source), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append(flags, "-o", bin, src)
	if out, err := exec.Command(compiler, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", filepath.Base(compiler), err, out)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	d, err := f.DWARF()
	if err != nil {
		t.Fatal(err)
	}
	return bin, f, d
}
