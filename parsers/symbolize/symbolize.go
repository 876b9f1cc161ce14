// Package symbolize fills in function names, source files, line numbers and
// inlined frames for profiles whose locations carry only addresses and
// mappings: jemalloc heap_v2 and gperftools (tcmalloc) heap dumps, whose
// MAPPED_LIBRARIES section names the files the addresses fall in.
//
// It reads the mapped ELF files with debug/elf and debug/dwarf: function
// names from the symbol table (.symtab, else .dynsym) and, when the binary has
// DWARF, file:line and inlined frames as addr2line -i reports them, so names
// equal what jeprof and google-pprof print. C++ and Rust names are demangled
// and simplified as pprof does by default ("os::malloc", no parameters or
// template arguments); Function.SystemName keeps the mangled name. It never
// executes anything, reads only regular files, and turns a corrupt, truncated
// or foreign-architecture ELF into a warning.
//
// # Finding the binary
//
// For a mapping, the binary is looked up first in the search directories
// (Options.SearchDirs: a file whose GNU build ID equals the mapping's, or a
// file with the mapping's base name), then at the mapping's own path; this is
// the order pprof uses with PPROF_BINARY_PATH, so a --symbols directory of
// production binaries wins over different builds installed here. When both
// the mapping and the file carry a build ID they must be equal.
//
// # Frames without symbols
//
// A frame in a file-backed mapping that gets no symbol (the binary is
// missing, or stripped with no symbol covering the address) gets a Function
// named after its module and file offset, as ModuleOffset spells it (the
// rule of package parsers/framekey, which the engine keys such frames by
// too; a file that reads "(deleted)" in the maps is the same module):
//
//	libfoo.so.1+0x1a2b
//
// where the offset is Location.Address − Mapping.Start + Mapping.Offset, and
// Location.Address is already the return address − 1 (the parsers' rule). The
// name is the same in every process that maps the same file, whatever the
// load address, so sites still match across restarts. Frames outside every
// file-backed mapping keep a bare address. Mappings whose binary was read are
// marked HasFunctions (and HasFilenames, HasLineNumbers, HasInlineFrames when
// it has DWARF), as pprof does; the others are not, so
// Profile.HasFunctions() stays false when a binary was missing.
//
// # Limits
//
// A dump can name any file, and a binary can claim anything in its section
// headers. Before reading a binary, Symbolize checks that the sections it
// reads (symbol tables, DWARF) lie inside the file and that, uncompressed,
// they hold no more than Options.MaxDebugBytes (1 GiB by default); a binary
// that fails is skipped with a warning, and a separate debug file that fails
// is skipped with a warning while the binary's own symbols are still used.
// A file that is not ELF is reported as "not an ELF file", without echoing
// its content.
//
// Binaries are cached by build ID, else by path, size and modification time,
// so a series of dumps of one process reads each ELF file once. A Symbolizer
// is safe for concurrent use.
package symbolize

import (
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/pprof/profile"

	"github.com/dumpdiff/dumpdiff/parsers/framekey"
)

// Options configure a Symbolizer.
type Options struct {
	// SearchDirs are directories searched (not recursively) for binaries,
	// before the paths named in the dump: by build ID when the mapping has
	// one, else by base name. Default none.
	SearchDirs []string
	// Machine is the architecture binaries must be built for; a binary of
	// another gives a warning and stays unread. Default: the architecture
	// this program runs on.
	Machine elf.Machine
	// MaxDebugBytes is the most symbol-table and debug-section data read
	// from one ELF file, uncompressed (symbol tables count six times their
	// size, what they cost in memory); a file with more is skipped with a
	// warning. Default (0): DefaultMaxDebugBytes. Negative: no limit.
	MaxDebugBytes int64
}

// Symbolizer symbolises profiles; see the package documentation. Create one
// with New; it is safe for concurrent use.
type Symbolizer struct {
	dirs     []string
	machine  elf.Machine
	maxDebug int64

	opened atomic.Int64 // ELF files read, for tests of the cache

	mu      sync.Mutex
	byStat  map[statKey]*binary // path, size, mtime → binary
	byBuild map[string]*binary  // build ID → binary
	dirIDs  map[string]map[string]string
}

type statKey struct {
	path  string
	size  int64
	mtime time.Time
}

// New returns a Symbolizer that looks for binaries in opts.SearchDirs and at
// the paths the dumps name.
func New(opts Options) *Symbolizer {
	m := opts.Machine
	if m == elf.EM_NONE {
		m = hostMachine()
	}
	maxDebug := opts.MaxDebugBytes
	if maxDebug == 0 {
		maxDebug = DefaultMaxDebugBytes
	}
	return &Symbolizer{
		dirs:     append([]string(nil), opts.SearchDirs...),
		machine:  m,
		maxDebug: maxDebug,
		byStat:   map[statKey]*binary{},
		byBuild:  map[string]*binary{},
		dirIDs:   map[string]map[string]string{},
	}
}

func hostMachine() elf.Machine {
	switch runtime.GOARCH {
	case "amd64":
		return elf.EM_X86_64
	case "386":
		return elf.EM_386
	case "arm64":
		return elf.EM_AARCH64
	case "arm":
		return elf.EM_ARM
	case "riscv64":
		return elf.EM_RISCV
	case "ppc64", "ppc64le":
		return elf.EM_PPC64
	case "s390x":
		return elf.EM_S390
	case "loong64":
		return elf.EM_LOONGARCH
	case "mips", "mipsle", "mips64", "mips64le":
		return elf.EM_MIPS
	}
	return elf.EM_NONE
}

// ModuleOffset names a location by the base name of its mapped file and the
// offset of its address within that file, "libfoo.so.1+0x1a2b"; it returns
// "" when the location has no file-backed mapping. This is the name Symbolize
// gives frames it cannot symbolise, and a key that survives restarts.
func ModuleOffset(loc *profile.Location) string {
	m := loc.Mapping
	if m == nil || loc.Address < m.Start {
		return ""
	}
	file := framekey.MappedFile(m.File)
	if file == "" || strings.HasPrefix(file, "[") {
		return "" // a pseudo-file ("[vdso]"): left to the engine, which keys it by the same rule
	}
	return framekey.String(framekey.Module(file), loc.Address-m.Start+m.Offset)
}

// Symbolize fills in the functions and lines of every location of p that has
// an address but no lines. It returns one warning per problem (a missing or
// unreadable binary, a binary that does not match its mapping), never fails.
func (s *Symbolizer) Symbolize(p *profile.Profile) []error {
	var warns []error
	funcs := newFuncTable(p)
	type mstate struct {
		bin      *binary
		bad      int    // addresses outside the binary's loadable segments
		badAddr  uint64 // first of them
		resolved bool
	}
	states := map[*profile.Mapping]*mstate{}
	for _, loc := range p.Location {
		if loc.Address == 0 || len(loc.Line) > 0 || loc.Mapping == nil {
			continue
		}
		m := loc.Mapping
		st := states[m]
		if st == nil {
			st = &mstate{}
			states[m] = st
			bin, err := s.binaryFor(m)
			if err != nil {
				warns = append(warns, err)
			}
			if bin != nil && !bin.matches(m) {
				warns = append(warns, fmt.Errorf("symbolize %s: %s has no executable segment at file offset %#x: not the binary of this mapping, frames named by module and offset",
					m.File, bin.path, m.Offset))
				bin = nil
			}
			st.bin = bin
		}
		var frames []frame
		if st.bin != nil {
			off := loc.Address - m.Start + m.Offset
			if vaddr, ok := st.bin.vaddr(off); ok {
				frames = st.bin.lookup(vaddr)
				st.resolved = true
			} else {
				if st.bad == 0 {
					st.badAddr = loc.Address
				}
				st.bad++
			}
		}
		if len(frames) == 0 {
			if name := ModuleOffset(loc); name != "" {
				loc.Line = []profile.Line{{Function: funcs.get(name, name, "")}}
			}
			continue
		}
		loc.Line = make([]profile.Line, len(frames))
		for i, f := range frames {
			loc.Line[i] = profile.Line{Function: funcs.get(f.name, f.sysName, f.file), Line: f.line}
		}
	}
	// Report and mark mappings in a stable order.
	for _, m := range p.Mapping {
		st := states[m]
		if st == nil || st.bin == nil {
			continue
		}
		if st.bad > 0 {
			warns = append(warns, fmt.Errorf("symbolize %s: %d addresses (first %#x) fall outside the loadable segments of %s: the binary does not match the dump",
				m.File, st.bad, st.badAddr, st.bin.path))
		}
		if st.resolved {
			m.HasFunctions = true
			if st.bin.dwarf != nil {
				m.HasFilenames, m.HasLineNumbers, m.HasInlineFrames = true, true, true
			}
		}
		if m.BuildID == "" {
			m.BuildID = st.bin.buildID
		}
	}
	p.Function = funcs.list
	return warns
}

// funcTable dedupes profile.Functions by name, system name and file.
type funcTable struct {
	byKey  map[[3]string]*profile.Function
	list   []*profile.Function
	nextID uint64
}

func newFuncTable(p *profile.Profile) *funcTable {
	t := &funcTable{byKey: map[[3]string]*profile.Function{}, list: p.Function}
	for _, f := range p.Function {
		t.byKey[[3]string{f.Name, f.SystemName, f.Filename}] = f
		if f.ID > t.nextID {
			t.nextID = f.ID
		}
	}
	return t
}

func (t *funcTable) get(name, sys, file string) *profile.Function {
	k := [3]string{name, sys, file}
	if f := t.byKey[k]; f != nil {
		return f
	}
	t.nextID++
	f := &profile.Function{ID: t.nextID, Name: name, SystemName: sys, Filename: file}
	t.byKey[k] = f
	t.list = append(t.list, f)
	return f
}

// binaryFor finds and loads the binary for m, or explains why there is none.
func (s *Symbolizer) binaryFor(m *profile.Mapping) (*binary, error) {
	file := framekey.MappedFile(m.File)
	if file == "" || strings.HasPrefix(file, "[") {
		return nil, nil // anonymous or kernel-provided ([vdso]): nothing to read
	}
	var problems []string
	try := func(path string) *binary {
		b, err := s.load(path)
		if err != nil {
			problems = append(problems, err.Error())
			return nil
		}
		if m.BuildID != "" && b.buildID != "" && !strings.EqualFold(m.BuildID, b.buildID) {
			problems = append(problems, fmt.Sprintf("%s has build ID %s, want %s", path, b.buildID, m.BuildID))
			return nil
		}
		return b
	}
	// found returns b, with the warning of a part of it left unread.
	found := func(b *binary) (*binary, error) {
		if b.warning != nil {
			return b, fmt.Errorf("symbolize %s: %w", m.File, b.warning)
		}
		return b, nil
	}
	if m.BuildID != "" {
		for _, dir := range s.dirs {
			if p := s.dirBuildIDs(dir)[strings.ToLower(m.BuildID)]; p != "" {
				if b := try(p); b != nil {
					return found(b)
				}
			}
		}
	}
	base := filepath.Base(file)
	for _, dir := range s.dirs {
		p := filepath.Join(dir, base)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			if b := try(p); b != nil {
				return found(b)
			}
		}
	}
	if filepath.IsAbs(file) {
		if _, err := os.Stat(file); err == nil {
			if b := try(file); b != nil {
				return found(b)
			}
		}
	}
	if len(problems) == 0 {
		where := "not on this machine"
		if len(s.dirs) > 0 {
			where += " nor in " + strings.Join(s.dirs, ", ")
		}
		return nil, &UnresolvedError{File: m.File, Why: "binary " + where, Missing: true}
	}
	return nil, &UnresolvedError{File: m.File, Why: strings.Join(problems, "; ")}
}

// UnresolvedError is the warning for a mapping whose binary could not be
// read, so its frames stay named by module and offset. Front ends use it to
// say what to do (give the binary's directory with --symbols).
type UnresolvedError struct {
	File string // the mapping's path, as the snapshot names it
	Why  string // "binary not on this machine nor in DIR", or what went wrong reading it
	// Missing is set when no file of that name or build ID was found.
	Missing bool
}

func (e *UnresolvedError) Error() string {
	return fmt.Sprintf("symbolize %s: %s: frames named by module and offset", e.File, e.Why)
}

// dirBuildIDs indexes the regular ELF files of dir by build ID, once.
func (s *Symbolizer) dirBuildIDs(dir string) map[string]string {
	s.mu.Lock()
	idx, ok := s.dirIDs[dir]
	s.mu.Unlock()
	if ok {
		return idx
	}
	idx = map[string]string{}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		fi, err := os.Stat(p)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if id := readBuildID(p); id != "" {
			if _, dup := idx[id]; !dup {
				idx[id] = p
			}
		}
	}
	s.mu.Lock()
	s.dirIDs[dir] = idx
	s.mu.Unlock()
	return idx
}

// load returns the binary at path, reading it at most once per build ID or
// per (path, size, mtime).
func (s *Symbolizer) load(path string) (*binary, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	key := statKey{path, fi.Size(), fi.ModTime()}
	s.mu.Lock()
	b := s.byStat[key]
	if b == nil {
		b = &binary{path: path}
		s.byStat[key] = b
	}
	s.mu.Unlock()
	b.once.Do(func() {
		s.opened.Add(1)
		// A copy of an already loaded binary (same build ID, another path)
		// shares its tables instead of reading them again.
		claim := func(id string) *binary {
			s.mu.Lock()
			defer s.mu.Unlock()
			if prev := s.byBuild[id]; prev != nil {
				return prev
			}
			s.byBuild[id] = b
			return nil
		}
		b.err = b.open(s.machine, s.maxDebug, s.debugRoots(), claim)
	})
	if b.err != nil {
		return nil, b.err
	}
	if a := b.alias; a != nil {
		a.once.Do(func() {}) // waits until a is loaded
		if a.err != nil {
			return nil, a.err
		}
		return a, nil
	}
	return b, nil
}

// debugRoots are the directories whose .build-id/xx/yyyy.debug trees may hold
// separate debug files (Debian's *-dbg and *-dbgsym packages install them
// under /usr/lib/debug): the search directories first.
func (s *Symbolizer) debugRoots() []string {
	return append(append([]string(nil), s.dirs...), "/usr/lib/debug")
}

// readBuildID returns the GNU build ID of the ELF file at path, "" when it
// has none or is not ELF.
func readBuildID(path string) (id string) {
	defer func() {
		if recover() != nil {
			id = ""
		}
	}()
	f, err := openELF(path, -1)
	if err != nil {
		return ""
	}
	defer f.Close()
	return buildID(f.File)
}

// buildID reads the NT_GNU_BUILD_ID note, from the section when there is a
// section table, else from PT_NOTE segments.
func buildID(f *elf.File) string {
	var notes [][]byte
	// A note is a few dozen bytes; a compressed or huge one is not read.
	if sec := f.Section(".note.gnu.build-id"); sec != nil && sec.Flags&elf.SHF_COMPRESSED == 0 && sec.Size < 1<<20 {
		if d, err := sec.Data(); err == nil {
			notes = append(notes, d)
		}
	}
	if len(notes) == 0 {
		for _, p := range f.Progs {
			if p.Type == elf.PT_NOTE && p.Filesz < 1<<20 {
				d := make([]byte, p.Filesz)
				if _, err := p.ReadAt(d, 0); err == nil {
					notes = append(notes, d)
				}
			}
		}
	}
	for _, d := range notes {
		for len(d) >= 12 {
			namesz := uint64(f.ByteOrder.Uint32(d[0:]))
			descsz := uint64(f.ByteOrder.Uint32(d[4:]))
			typ := f.ByteOrder.Uint32(d[8:])
			nameEnd := 12 + align4(namesz)
			descEnd := nameEnd + align4(descsz)
			if namesz > uint64(len(d)) || descsz > uint64(len(d)) || descEnd > uint64(len(d)) {
				break
			}
			if typ == 3 && namesz == 4 && string(d[12:15]) == "GNU" {
				return fmt.Sprintf("%x", d[nameEnd:nameEnd+descsz])
			}
			d = d[descEnd:]
		}
	}
	return ""
}

func align4(n uint64) uint64 { return (n + 3) &^ 3 }

// frame is one symbolised frame; a lookup returns innermost first.
type frame struct {
	name, sysName, file string
	line                int64
}

// binary is one loaded ELF file with its symbol tables. Lookups are cached
// per virtual address.
type binary struct {
	path    string
	once    sync.Once
	err     error
	warning error // a part left unread: a separate debug file over the limits
	buildID string
	loads   []elf.ProgHeader // PT_LOAD segments
	syms    []symbol         // function symbols sorted by address
	dwarf   *dwarfIndex
	alias   *binary // the loaded binary with the same build ID, if any

	mu    sync.Mutex
	cache map[uint64][]frame
}

type symbol struct {
	addr, size uint64
	name       string
	global     bool
}

// open reads the ELF headers, build ID, symbols and DWARF of b.path, once
// its sections passed openELF's checks with limit. Any panic inside
// debug/elf or debug/dwarf on a damaged file becomes an error.
func (b *binary) open(want elf.Machine, limit int64, debugRoots []string, claim func(buildID string) *binary) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: damaged ELF file (%v)", b.path, r)
		}
	}()
	f, err := openELF(b.path, limit)
	if err != nil {
		return err
	}
	defer f.Close()
	if want != elf.EM_NONE && f.Machine != want {
		return fmt.Errorf("%s: ELF for %s, want %s", b.path, machineName(f.Machine), machineName(want))
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD {
			b.loads = append(b.loads, p.ProgHeader)
		}
	}
	if len(b.loads) == 0 {
		return fmt.Errorf("%s: ELF file has no loadable segments", b.path)
	}
	b.buildID = buildID(f.File)
	if b.buildID != "" {
		if prev := claim(b.buildID); prev != nil {
			b.alias = prev
			return nil
		}
	}
	syms, symErr := f.Symbols()
	d, dwErr := f.DWARF()
	if (symErr != nil || dwErr != nil) && b.buildID != "" {
		// Stripped: a separate debug file with the same build ID has the
		// full symbol table and the DWARF, at the same virtual addresses.
		df, warning := openDebugFile(b.buildID, want, limit, debugRoots)
		b.warning = warning
		if df != nil {
			defer df.Close()
			if ds, err := df.Symbols(); err == nil && len(ds) > 0 {
				syms, symErr = ds, nil
			}
			if dd, err := df.DWARF(); err == nil {
				d, dwErr = dd, nil
			}
		}
	}
	if symErr != nil || len(syms) == 0 {
		syms, _ = f.DynamicSymbols()
	}
	b.syms = functionSymbols(syms)
	if dwErr == nil && d != nil {
		b.dwarf = newDwarfIndex(d)
	}
	b.cache = map[uint64][]frame{}
	return nil
}

// openDebugFile opens root/.build-id/xx/yyyy.debug for the first root that
// has it with the right build ID and machine, or returns nil. A debug file
// that fails openELF's checks with limit is skipped, and said in the warning.
func openDebugFile(id string, want elf.Machine, limit int64, roots []string) (*elfFile, error) {
	if len(id) < 3 {
		return nil, nil
	}
	var warning error
	for _, root := range roots {
		p := filepath.Join(root, ".build-id", id[:2], id[2:]+".debug")
		fi, err := os.Stat(p)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		f, err := openELF(p, limit)
		if err != nil {
			if warning == nil {
				warning = fmt.Errorf("separate debug file skipped: %w", err)
			}
			continue
		}
		if (want == elf.EM_NONE || f.Machine == want) && buildID(f.File) == id {
			return f, nil
		}
		f.Close()
	}
	return nil, warning
}

// functionSymbols keeps the defined function symbols, sorted by address;
// among aliases at one address a global symbol first, then the shortest
// name, then the first alphabetically, so the choice is deterministic.
func functionSymbols(syms []elf.Symbol) []symbol {
	var out []symbol
	for _, s := range syms {
		t := elf.ST_TYPE(s.Info)
		if (t != elf.STT_FUNC && t != elf.STT_GNU_IFUNC) || s.Value == 0 || s.Section == elf.SHN_UNDEF {
			continue
		}
		name := s.Name
		if i := strings.Index(name, "@"); i > 0 { // versioned dynamic names: memcpy@@GLIBC_2.14
			name = name[:i]
		}
		out = append(out, symbol{addr: s.Value, size: s.Size, name: name, global: elf.ST_BIND(s.Info) == elf.STB_GLOBAL})
	}
	sort.Slice(out, func(i, j int) bool {
		x, y := out[i], out[j]
		if x.addr != y.addr {
			return x.addr < y.addr
		}
		if x.global != y.global {
			return x.global
		}
		if len(x.name) != len(y.name) {
			return len(x.name) < len(y.name)
		}
		return x.name < y.name
	})
	return out
}

func machineName(m elf.Machine) string {
	return strings.TrimPrefix(m.String(), "EM_")
}

// matches reports whether the mapping can be one of b's executable
// segments: the kernel maps a segment from its file offset rounded down to a
// page (4 KiB, or up to 64 KiB on some arm64 and ppc64 kernels). A binary
// rebuilt or replaced since the dump usually fails this; one with the same
// layout cannot be told apart without a build ID in the dump.
func (b *binary) matches(m *profile.Mapping) bool {
	for _, p := range b.loads {
		if p.Flags&elf.PF_X != 0 && (p.Off&^0xfff == m.Offset || p.Off&^0xffff == m.Offset) {
			return true
		}
	}
	return false
}

// vaddr converts a file offset to the link-time virtual address through the
// PT_LOAD segment that holds it.
func (b *binary) vaddr(off uint64) (uint64, bool) {
	for _, p := range b.loads {
		if p.Flags&elf.PF_X != 0 && off >= p.Off && off < p.Off+p.Filesz {
			return off - p.Off + p.Vaddr, true
		}
	}
	return 0, false
}

// lookup symbolises one virtual address, innermost frame first.
func (b *binary) lookup(pc uint64) []frame {
	b.mu.Lock()
	defer b.mu.Unlock()
	if fr, ok := b.cache[pc]; ok {
		return fr
	}
	fr := b.lookupLocked(pc)
	b.cache[pc] = fr
	return fr
}

func (b *binary) lookupLocked(pc uint64) (fr []frame) {
	if b.dwarf != nil {
		func() {
			defer func() {
				if recover() != nil {
					fr = nil // damaged DWARF: fall back to the symbol table
				}
			}()
			fr = b.dwarf.lookup(pc)
		}()
		if len(fr) > 0 {
			// DWARF names some member functions without their class
			// (GCC gives a destructor's DIE no linkage name:
			// "~_State_impl"); the symbol of the out-of-line function
			// says whose it is, as llvm-symbolizer and addr2line show it.
			last := &fr[len(fr)-1]
			if !strings.Contains(last.name, "::") {
				if s, ok := b.symbolAt(pc); ok {
					if d := demangleName(s.name); strings.HasSuffix(d, "::"+last.name) {
						last.name, last.sysName = d, s.name
					}
				}
			}
			return fr
		}
	}
	s, ok := b.symbolAt(pc)
	if !ok {
		return nil
	}
	return []frame{{name: demangleName(s.name), sysName: s.name}}
}

// symbolAt returns the function symbol that covers pc.
func (b *binary) symbolAt(pc uint64) (symbol, bool) {
	i := sort.Search(len(b.syms), func(i int) bool { return b.syms[i].addr > pc }) - 1
	if i < 0 {
		return symbol{}, false
	}
	// Aliases share the address; the preferred one sorts first.
	for i > 0 && b.syms[i-1].addr == b.syms[i].addr {
		i--
	}
	s := b.syms[i]
	if s.size > 0 && pc >= s.addr+s.size {
		return symbol{}, false
	}
	if s.size == 0 && i+1 < len(b.syms) && pc >= b.syms[i+1].addr {
		return symbol{}, false
	}
	return s, true
}
