package symbolize

import (
	"bytes"
	"debug/elf"
	byteorder "encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// DefaultMaxDebugBytes is the default of Options.MaxDebugBytes: 1 GiB. The
// debug information of large C++ libraries (libjvm.so with its separate
// debug file) is a few hundred MiB uncompressed.
const DefaultMaxDebugBytes = 1 << 30

// symbolTableWeight is what one byte of a symbol table costs in memory once
// read: a 24-byte ELF symbol becomes a debug/elf Symbol, its name and this
// package's own entry, about 150 bytes.
const symbolTableWeight = 6

// elfFile is an ELF file opened for reading with its sections checked;
// Close closes the file under it (elf.NewFile leaves that to its caller).
type elfFile struct {
	*elf.File
	osf *os.File
}

func (f *elfFile) Close() error { return f.osf.Close() }

// openELF opens the ELF file at path and checks its sections (checkSections)
// before anything in them is read. A file that does not start with the ELF
// magic is "not an ELF file": its first bytes are never echoed, since a dump
// may name any file on the machine (/etc/shadow).
func openELF(path string, limit int64) (*elfFile, error) {
	osf, err := os.Open(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err // "open <path>: …" would name the file twice
		}
		return nil, fmt.Errorf("%s: not a readable ELF file: %v", path, err)
	}
	fi, err := osf.Stat()
	if err != nil {
		osf.Close()
		return nil, fmt.Errorf("%s: not a readable ELF file: %v", path, err)
	}
	var magic [len(elf.ELFMAG)]byte
	if _, err := osf.ReadAt(magic[:], 0); err != nil || string(magic[:]) != elf.ELFMAG {
		osf.Close()
		return nil, fmt.Errorf("%s: not an ELF file", path)
	}
	f, err := elf.NewFile(osf)
	if err != nil {
		osf.Close()
		return nil, fmt.Errorf("%s: not a readable ELF file: %v", path, err)
	}
	if err := checkSections(f, fi.Size(), limit); err != nil {
		osf.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &elfFile{File: f, osf: osf}, nil
}

// checkSections refuses a file whose sections would have the symboliser
// read what the file does not hold or more than limit bytes (limit < 0: no
// limit), judged from the section headers alone: every section it reads
// (symbol and string tables, notes, version tables, DWARF and its
// relocations) must lie inside the file, and their sizes once uncompressed
// (a compressed section states its own) must add up to no more than limit,
// symbol tables counted at what they cost in memory. A header can claim
// gigabytes that a few megabytes of zlib hold, or point a thousand sections
// at the same bytes: both are refused before a byte is decompressed.
func checkSections(f *elf.File, fileSize, limit int64) error {
	var total uint64
	for _, s := range f.Sections {
		if !readBySymbolizer(s) || s.Type == elf.SHT_NOBITS {
			continue
		}
		if end := s.Offset + s.FileSize; end > uint64(fileSize) {
			return fmt.Errorf("damaged ELF file: section %s ends at byte %d, past the end of the file (%d bytes)", printable(s.Name), end, fileSize)
		}
		if limit < 0 {
			continue
		}
		size := uncompressedSize(s)
		if size > uint64(limit) {
			return fmt.Errorf("section %s holds %s, over the %s read from one binary at most", printable(s.Name), byteSize(size), byteSize(uint64(limit)))
		}
		if s.Type == elf.SHT_SYMTAB || s.Type == elf.SHT_DYNSYM {
			size *= symbolTableWeight
		}
		if total += size; total > uint64(limit) {
			return fmt.Errorf("symbol and debug sections hold over %s, the most read from one binary", byteSize(uint64(limit)))
		}
	}
	return nil
}

// readBySymbolizer reports whether debug/elf reads s for Symbols,
// DynamicSymbols, DWARF or the build ID. The loadable code and data
// (allocated PROGBITS: .text, .rodata) are never read.
func readBySymbolizer(s *elf.Section) bool {
	if strings.HasPrefix(s.Name, ".debug_") || strings.HasPrefix(s.Name, ".zdebug_") {
		return true
	}
	switch s.Type {
	case elf.SHT_SYMTAB, elf.SHT_DYNSYM, elf.SHT_STRTAB, elf.SHT_NOTE,
		elf.SHT_GNU_VERSYM, elf.SHT_GNU_VERNEED, elf.SHT_GNU_VERDEF:
		return true
	case elf.SHT_REL, elf.SHT_RELA:
		return s.Flags&elf.SHF_ALLOC == 0 // relocations of DWARF sections
	}
	return false
}

// uncompressedSize is the size s has once read: the size its compression
// header states (debug/elf has read an SHF_COMPRESSED header already; a
// GNU .zdebug section starts with "ZLIB" and the size), else its size on
// disk. An unreadable .zdebug header counts as its size on disk; reading
// the section then fails.
func uncompressedSize(s *elf.Section) uint64 {
	if s.Flags&elf.SHF_COMPRESSED != 0 || !strings.HasPrefix(s.Name, ".zdebug") {
		return s.Size
	}
	var hdr [12]byte
	if _, err := io.ReadFull(io.NewSectionReader(s.ReaderAt, 0, int64(len(hdr))), hdr[:]); err != nil || !bytes.HasPrefix(hdr[:], []byte("ZLIB")) {
		return s.FileSize
	}
	return byteorder.BigEndian.Uint64(hdr[4:])
}

// byteSize reads "3.8 GiB" or "12.0 MiB".
func byteSize(n uint64) string {
	if n >= 1<<30 {
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// printable quotes a section name read from the file when it holds
// anything but plain ASCII, so the warning shows what is there.
func printable(name string) string {
	for i := 0; i < len(name); i++ {
		if name[i] < 0x20 || name[i] >= 0x7f {
			return fmt.Sprintf("%q", name)
		}
	}
	return name
}
