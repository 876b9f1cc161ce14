package symbolize

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"debug/elf"
	byteorder "encoding/binary"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Hostile binaries are made in the tests from the real lifecycle-jemalloc
// (x86-64, little-endian ELF64) by rewriting section headers; the bombs
// behind them are generated, never committed.

// elfSection is one ELF64 section header, as found in the file.
type elfSection struct {
	at     int // offset of the header in the file
	name   string
	flags  uint64
	offset uint64
	size   uint64
}

// elfSections lists the section headers of an ELF64 little-endian file.
func elfSections(t testing.TB, data []byte) []elfSection {
	t.Helper()
	le := byteorder.LittleEndian
	shoff := int(le.Uint64(data[0x28:]))
	shentsize, shnum, shstrndx := int(le.Uint16(data[0x3a:])), int(le.Uint16(data[0x3c:])), int(le.Uint16(data[0x3e:]))
	hdr := func(i int) []byte { return data[shoff+i*shentsize:] }
	strOff := le.Uint64(hdr(shstrndx)[0x18:])
	var out []elfSection
	for i := range shnum {
		h := hdr(i)
		n := strOff + uint64(le.Uint32(h))
		end := bytes.IndexByte(data[n:], 0)
		out = append(out, elfSection{at: shoff + i*shentsize, name: string(data[n : int(n)+end]),
			flags: le.Uint64(h[0x08:]), offset: le.Uint64(h[0x18:]), size: le.Uint64(h[0x20:])})
	}
	return out
}

// setSection rewrites the flags, offset and size of the header of section name.
func setSection(t testing.TB, data []byte, name string, flags, offset, size uint64) {
	t.Helper()
	for _, s := range elfSections(t, data) {
		if s.name == name {
			le := byteorder.LittleEndian
			le.PutUint64(data[s.at+0x08:], flags)
			le.PutUint64(data[s.at+0x18:], offset)
			le.PutUint64(data[s.at+0x20:], size)
			return
		}
	}
	t.Fatalf("no section %s", name)
}

// compressSection appends to data an SHF_COMPRESSED body for section name
// (an ELF64 compression header claiming claim bytes, then stream) and points
// the section's header at it.
func compressSection(t testing.TB, data []byte, name string, claim uint64, stream []byte) []byte {
	t.Helper()
	chdr := make([]byte, 24)
	byteorder.LittleEndian.PutUint32(chdr, uint32(elf.COMPRESS_ZLIB))
	byteorder.LittleEndian.PutUint64(chdr[8:], claim)
	byteorder.LittleEndian.PutUint64(chdr[16:], 1)
	off := uint64(len(data))
	data = append(append(data, chdr...), stream...)
	setSection(t, data, name, uint64(elf.SHF_COMPRESSED), off, uint64(len(chdr)+len(stream)))
	return data
}

// zerosZlib returns a zlib stream that inflates to n MiB of zeros, built
// without compressing them: past the first two, every flushed MiB of zeros
// deflates to the same bytes, so they are repeated.
func zerosZlib(t testing.TB, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	mib := make([]byte, 1<<20)
	var chunks [][]byte
	for range 3 {
		w.Write(mib)
		w.Flush()
		chunks = append(chunks, bytes.Clone(buf.Bytes()))
		buf.Reset()
	}
	w.Close()
	final := bytes.Clone(buf.Bytes())
	if !bytes.Equal(chunks[1], chunks[2]) {
		t.Fatal("flushed MiBs of zeros deflate differently: cannot repeat them")
	}
	out := []byte{0x78, 0xda} // zlib header, best compression
	out = append(out, chunks[0]...)
	for range n - 1 {
		out = append(out, chunks[1]...)
	}
	out = append(out, final...)
	// Adler-32 of n MiB of zeros: s1 stays 1, s2 adds 1 per byte.
	sum := uint32((n<<20)%65521)<<16 | 1
	return byteorder.BigEndian.AppendUint32(out, sum)
}

func TestZerosZlib(t *testing.T) {
	r, err := zlib.NewReader(bytes.NewReader(zerosZlib(t, 5)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if err != nil || len(got) != 5<<20 || bytes.ContainsFunc(got, func(r rune) bool { return r != 0 }) {
		t.Fatalf("got %d bytes, %v; want 5 MiB of zeros and a good checksum", len(got), err)
	}
}

// TestHostileSections: a binary whose headers claim what it does not hold,
// or more than the limit, is skipped with a warning before anything is
// read; a file that is not ELF is said to be so without echoing it.
func TestHostileSections(t *testing.T) {
	good, err := os.ReadFile(filepath.Join(binDir, "lifecycle-jemalloc"))
	if err != nil {
		t.Fatal(err)
	}
	clone := func() []byte { return bytes.Clone(good) }
	pastEnd := clone()
	setSection(t, pastEnd, ".debug_info", 0, uint64(len(good))-16, 3<<30)
	bomb := compressSection(t, clone(), ".debug_info", 3840<<20, zerosZlib(t, 1))
	spread := clone() // each under the limit, together over it
	for _, name := range []string{".debug_info", ".debug_abbrev", ".debug_line", ".debug_str", ".debug_rnglists"} {
		spread = compressSection(t, spread, name, 300<<20, zerosZlib(t, 1))
	}
	aliased := clone() // every DWARF section on the same, real, bytes: fine
	for _, s := range elfSections(t, aliased) {
		if strings.HasPrefix(s.name, ".debug_") {
			setSection(t, aliased, s.name, 0, 0, uint64(len(good)))
		}
	}
	cases := []struct {
		name     string
		data     []byte
		limit    int64
		wantWarn string
	}{
		{"section past the end", pastEnd, 0, "damaged ELF file: section .debug_info ends at byte"},
		{"compressed section claiming 3.75 GiB", bomb, 0, "section .debug_info holds 3.8 GiB, over the 1.0 GiB read from one binary at most"},
		{"sections adding up over the limit", spread, 0, "symbol and debug sections hold over 1.0 GiB"},
		{"sections sharing bytes, over a small limit", aliased, 64 << 10, "symbol and debug sections hold over"},
		// The sections read hold 14.4 KiB on disk; with the symbol
		// tables counted six times, 25.6 KiB.
		{"the symbol table counts what it costs", clone(), 20 << 10, "symbol and debug sections hold over"},
		{"secrets", []byte("root:$y$j9T$secret:19000:0:99999:7:::\n"), 0, "not an ELF file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "lifecycle-jemalloc"), c.data, 0o644); err != nil {
				t.Fatal(err)
			}
			p := mainOnly(t)
			warns := New(Options{SearchDirs: []string{dir}, MaxDebugBytes: c.limit}).Symbolize(p)
			if len(warns) != 1 || !strings.Contains(warns[0].Error(), c.wantWarn) {
				t.Fatalf("got warnings %v, want one containing %q", warns, c.wantWarn)
			}
			if msg := warns[0].Error(); strings.Contains(msg, "root") || strings.Contains(msg, "114 111") {
				t.Errorf("the warning echoes the file: %q", msg)
			}
			for _, n := range names(p) {
				if !strings.HasPrefix(n, "lifecycle-jemalloc+0x") {
					t.Errorf("got frame %q, want the binary skipped: module+offset names only", n)
				}
			}
		})
	}
	// The limit counts uncompressed sizes, not the file: the real binary
	// passes the default, and the same DWARF sharing bytes stays under it.
	for name, data := range map[string][]byte{"real": clone(), "aliased under the default": aliased} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "lifecycle-jemalloc"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		p := mainOnly(t)
		New(Options{SearchDirs: []string{dir}}).Symbolize(p)
		found := false
		for _, n := range names(p) {
			found = found || n == "leaky_operator_open"
		}
		if !found {
			t.Errorf("%s: got %v, want the binary read", name, names(p))
		}
	}
}

// TestOversizedDebugFile: a separate debug file over the limit is skipped
// with a warning; the stripped binary's own dynamic symbols still name
// what they can.
func TestOversizedDebugFile(t *testing.T) {
	good, err := os.ReadFile(filepath.Join(binDir, "lifecycle-jemalloc"))
	if err != nil {
		t.Fatal(err)
	}
	id := readBuildID(filepath.Join(binDir, "lifecycle-jemalloc"))
	if id == "" {
		t.Skip("lifecycle-jemalloc has no build ID")
	}
	dir := t.TempDir()
	stripped := bytes.Clone(good)
	for _, s := range elfSections(t, stripped) {
		if s.name == ".symtab" || strings.HasPrefix(s.name, ".debug_") {
			// Renamed away: no symbol table and no DWARF in the binary.
			byteorder.LittleEndian.PutUint32(stripped[s.at+4:], uint32(elf.SHT_PROGBITS))
			setSection(t, stripped, s.name, 0, 0, 0)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "lifecycle-jemalloc"), stripped, 0o644); err != nil {
		t.Fatal(err)
	}
	debug := compressSection(t, bytes.Clone(good), ".debug_info", 3840<<20, zerosZlib(t, 1))
	dbgPath := filepath.Join(dir, ".build-id", id[:2], id[2:]+".debug")
	if err := os.MkdirAll(filepath.Dir(dbgPath), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dbgPath, debug, 0o644); err != nil {
		t.Fatal(err)
	}
	p := mainOnly(t)
	warns := New(Options{SearchDirs: []string{dir}}).Symbolize(p)
	if len(warns) != 1 || !strings.Contains(warns[0].Error(), "separate debug file skipped") || !strings.Contains(warns[0].Error(), "over the 1.0 GiB") {
		t.Fatalf("got warnings %v, want one saying the debug file was skipped for its size", warns)
	}
}
