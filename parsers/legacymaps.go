package parsers

import (
	"bytes"
	"sort"
	"strings"

	"github.com/google/pprof/profile"

	"github.com/dumpdiff/dumpdiff/parsers/framekey"
)

// This file places the addresses of a legacy heap profile (tcmalloc, Go
// text) in its memory map with the pprof library's rules, so that the
// streaming reader gives the mappings the library gave: adjacent pieces of
// one file merged, the main binary first, the /anon_hugepage and 0x400000
// quirks, and one catch-all mapping for addresses outside every mapping
// (Go's text has no map at all).

// parseProcMapsLine reads a /proc/self/maps line as the library's
// procMapsRE does: the mapping (nil for a mapping without x permission)
// and true, or false when the line has another form, left to the library.
//
//	5594c23ff000-5594c2400000 r-xp 00001000 fe:00 9978062    /tmp/jt/leak
func parseProcMapsLine(text []byte) (*profile.Mapping, bool) {
	var f [5][]byte
	rest := text
	for i := range f {
		if f[i], rest = cutField(rest); len(f[i]) == 0 {
			return nil, false
		}
	}
	lo, hi, ok := bytes.Cut(f[0], []byte("-"))
	start, ok1 := parseHex(lo)
	limit, ok2 := parseHex(hi)
	off, ok3 := parseHex(f[2])
	devA, devB, ok4 := bytes.Cut(f[3], []byte(":"))
	_, ok5 := parseHex(devA)
	_, ok6 := parseHex(devB)
	_, ok7 := parseDecimal(f[4])
	perms := len(bytes.Trim(f[1], "-rwxp")) == 0 // the library's [-rwxp]+
	if !ok || !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 || !ok7 || !perms {
		return nil, false
	}
	if bytes.IndexByte(f[1], 'x') < 0 {
		return nil, true
	}
	file, _ := cutField(rest) // the library keeps the path's first word
	return &profile.Mapping{Start: start, Limit: limit, Offset: off, File: string(file)}, true
}

// massageLegacyMappings merges adjacent pieces of one mapped file and puts
// the main binary first, as the library's massageMappings does.
func massageLegacyMappings(ms []*profile.Mapping) []*profile.Mapping {
	if len(ms) > 1 {
		out := []*profile.Mapping{ms[0]}
		for _, m := range ms[1:] {
			lm := out[len(out)-1]
			if adjacentMappings(lm, m) {
				lm.Limit = m.Limit
				if m.File != "" {
					lm.File = m.File
				}
				if m.BuildID != "" {
					lm.BuildID = m.BuildID
				}
				continue
			}
			out = append(out, m)
		}
		ms = out
	}
	for i, m := range ms {
		file := framekey.MappedFile(m.File)
		if file == "" || isLibraryName(file) || file[0] == '[' {
			continue
		}
		ms[0], ms[i] = ms[i], ms[0]
		break
	}
	return ms
}

// adjacentMappings reports whether m2 continues m1: the same file and
// build id where both have one, m2 starting where m1 ends, and offsets
// that follow where both have one.
func adjacentMappings(m1, m2 *profile.Mapping) bool {
	if m1.File != "" && m2.File != "" && m1.File != m2.File {
		return false
	}
	if m1.BuildID != "" && m2.BuildID != "" && m1.BuildID != m2.BuildID {
		return false
	}
	if m1.Limit != m2.Start {
		return false
	}
	return m1.Offset == 0 || m2.Offset == 0 || m1.Offset+(m1.Limit-m1.Start) == m2.Offset
}

// isLibraryName reports whether a file name is a shared library's:
// "….so" or "….so.1", "….so_2".
func isLibraryName(file string) bool {
	if strings.HasSuffix(file, ".so") {
		return true
	}
	for i := strings.Index(file, ".so"); i >= 0; {
		j := i + 3
		if j+1 < len(file) && (file[j] == '.' || file[j] == '_') && file[j+1] >= '0' && file[j+1] <= '9' {
			return true
		}
		k := strings.Index(file[j:], ".so")
		if k < 0 {
			break
		}
		i = j + k
	}
	return false
}

// placeLegacyAddresses assigns each address its mapping as the library's
// remapMappingIDs does, and returns the mappings (possibly one more, the
// catch-all) numbered from 1 and each address's mapping index (-1 for
// address 0, which the library leaves without one).
func placeLegacyAddresses(addrs []uint64, ms []*profile.Mapping) ([]*profile.Mapping, []int32) {
	if len(ms) > 1 && strings.HasPrefix(ms[0].File, "/anon_hugepage") && ms[0].Limit == ms[1].Start {
		ms = ms[1:]
	}
	if len(ms) > 0 {
		if m := ms[0]; m.Start-m.Offset == 0x400000 {
			m.Start, m.Offset = 0x400000, 0
		}
	}
	in := make([]int32, len(addrs))
	idx := newMappingIndex(ms)
	fake := int32(-1)
	for k, a := range addrs {
		if a == 0 {
			in[k] = -1
			continue
		}
		if i := idx.find(a); i >= 0 {
			in[k] = int32(i)
			continue
		}
		if i := splitMappingStart(ms, a); i >= 0 {
			// The library widens the mapping to its first piece.
			ms[i].Start -= ms[i].Offset
			ms[i].Offset = 0
			idx = newMappingIndex(ms)
			in[k] = int32(i)
			continue
		}
		if fake < 0 {
			ms = append(ms, &profile.Mapping{Limit: ^uint64(0)})
			fake = int32(len(ms) - 1)
		}
		in[k] = fake
	}
	for i, m := range ms {
		m.ID = uint64(i + 1)
	}
	return ms, in
}

// splitMappingStart returns the first mapping whose missing first piece
// (a mapping split into adjacent ranges, of which the map lists only the
// later) holds a, or -1.
func splitMappingStart(ms []*profile.Mapping, a uint64) int {
	for i, m := range ms {
		if m.Offset != 0 && m.Start-m.Offset <= a && a < m.Start {
			return i
		}
	}
	return -1
}

// mappingIndex finds the first mapping, in list order, that holds an
// address, by binary search over the mappings sorted by start.
type mappingIndex struct {
	ms      []*profile.Mapping
	byStart []int
	overlap bool
}

func newMappingIndex(ms []*profile.Mapping) *mappingIndex {
	x := &mappingIndex{ms: ms, byStart: make([]int, len(ms))}
	for i := range x.byStart {
		x.byStart[i] = i
	}
	sort.SliceStable(x.byStart, func(i, j int) bool { return ms[x.byStart[i]].Start < ms[x.byStart[j]].Start })
	var end uint64
	for k, i := range x.byStart {
		if k > 0 && ms[i].Start < end {
			x.overlap = true
		}
		end = max(end, ms[i].Limit)
	}
	return x
}

// find returns the index of the first mapping holding a, or -1.
func (x *mappingIndex) find(a uint64) int {
	// The last mapping starting at or before a.
	k := sort.Search(len(x.byStart), func(k int) bool { return x.ms[x.byStart[k]].Start > a }) - 1
	if !x.overlap {
		if k >= 0 && a < x.ms[x.byStart[k]].Limit {
			return x.byStart[k]
		}
		return -1
	}
	// Overlapping mappings (never in /proc/self/maps): the lowest list
	// index among those holding a.
	best := -1
	for ; k >= 0; k-- {
		if i := x.byStart[k]; a < x.ms[i].Limit && (best < 0 || i < best) {
			best = i
		}
	}
	return best
}
