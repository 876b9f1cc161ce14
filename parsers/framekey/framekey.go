// Package framekey is the one rule that names a frame without symbols. The
// engine keys address-only frames by it and the symbolizer names the frames
// it cannot resolve by it, so a frame has one key whichever of them names
// it: "libfoo.so.1+0x1a2b", the base name of the mapped file (without the
// " (deleted)" of a file replaced while mapped) and the offset within it.
// It is a leaf package so that parsers, parsers/symbolize and the engine
// can all use it.
package framekey

import (
	"path/filepath"
	"strconv"
	"strings"
)

// MappedFile is a mapping's file without the " (deleted)" that
// /proc/self/maps appends to a file replaced or removed while it is mapped:
// a binary deployed under a running process is still the file it mapped.
func MappedFile(file string) string {
	return strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(file), "(deleted)"))
}

// Module is the module an address-only frame is keyed by: the base name
// of its mapping's MappedFile ("libfoo.so.1"), "" when the mapping names no
// file.
func Module(file string) string {
	f := MappedFile(file)
	if f == "" {
		return ""
	}
	return filepath.Base(f)
}

// Append appends the key of an address-only frame to b: its module
// (Module, "?" when unknown) and the frame's offset within the mapped
// file, "libfoo.so.1+0x1a2b". The offset is Location.Address −
// Mapping.Start + Mapping.Offset, the same in every process that maps the
// file, so the key survives restarts and ASLR.
func Append(b []byte, module string, offset uint64) []byte {
	if module == "" {
		b = append(b, '?')
	} else {
		b = append(b, module...)
	}
	b = append(b, "+0x"...)
	return strconv.AppendUint(b, offset, 16)
}

// String is Append's key as a string.
func String(module string, offset uint64) string {
	return string(Append(make([]byte, 0, len(module)+19), module, offset))
}
