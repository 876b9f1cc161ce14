package parsers

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/google/pprof/profile"
)

// This file holds what the jemalloc and tcmalloc text readers share. Both
// formats write their stacks first and the memory map that places their
// addresses last, while a Sink wants mappings declared before the locations
// that use them. So a reader keeps each distinct address once, and the
// stacks and their counts as varints in pooled blocks (a few bytes per
// number, no object per stack), and feeds the sink once the map is read.

// recordArena holds a reader's records as a stream of varints in pooled
// blocks. A varint never straddles two blocks.
type recordArena struct {
	blocks [][]byte
}

// put appends v.
func (a *recordArena) put(v uint64) {
	k := len(a.blocks) - 1
	if k < 0 || cap(a.blocks[k])-len(a.blocks[k]) < binary.MaxVarintLen64 {
		a.blocks = append(a.blocks, getBlock(arenaBlock))
		k++
	}
	a.blocks[k] = binary.AppendUvarint(a.blocks[k], v)
}

// putFrames appends a stack's location indices.
func (a *recordArena) putFrames(frames []uint32) {
	k := len(a.blocks) - 1
	need := binary.MaxVarintLen32 * len(frames)
	if k < 0 || cap(a.blocks[k])-len(a.blocks[k]) < need {
		a.blocks = append(a.blocks, getBlock(max(arenaBlock, need)))
		k++
	}
	blk := a.blocks[k]
	for _, f := range frames {
		blk = binary.AppendUvarint(blk, uint64(f))
	}
	a.blocks[k] = blk
}

// putInt appends a non-negative count.
func (a *recordArena) putInt(v int64) { a.put(uint64(v)) }

// release gives the blocks back to the pool.
func (a *recordArena) release() {
	for _, b := range a.blocks {
		putBlock(b)
	}
	a.blocks = nil
}

// arenaCursor reads an arena's varints back in order.
type arenaCursor struct {
	blocks [][]byte
	cur    []byte
}

func (a *recordArena) cursor() *arenaCursor { return &arenaCursor{blocks: a.blocks} }

// more reports whether a value is left.
func (c *arenaCursor) more() bool {
	for len(c.cur) == 0 {
		if len(c.blocks) == 0 {
			return false
		}
		c.cur, c.blocks = c.blocks[0], c.blocks[1:]
	}
	return true
}

// get returns the next value; the caller checked more, or knows the
// record's shape.
func (c *arenaCursor) get() uint64 {
	c.more()
	v, n := binary.Uvarint(c.cur)
	c.cur = c.cur[n:]
	return v
}

func (c *arenaCursor) getInt() int64 { return int64(c.get()) }

// heapAddresses interns a dump's addresses, each once, numbered from 0 in
// order of first appearance. It is an open-addressing hash table keyed by
// the return address (never 0), cheaper than a map on the hot path of a
// reader, where every frame of every stack is looked up.
type heapAddresses struct {
	slots []addrSlot // a power of two long, at most half full
	addrs []uint64   // return address − 1, by index
	// hot is a small direct-mapped cache in front of slots: the table of
	// a large dump outgrows the processor's caches, while most frames
	// are a few hot addresses (main loops, allocation wrappers).
	hot *[hotAddrs]addrSlot
}

const hotAddrs = 4096

type addrSlot struct {
	ret uint64 // the return address; 0 for an empty slot
	i   uint32
}

// intern returns the index of return address ret (not 0), adding
// ret − 1 the first time.
func (h *heapAddresses) intern(ret uint64) uint32 {
	hash := addrHash(ret)
	if h.hot == nil {
		h.hot = new([hotAddrs]addrSlot)
	}
	hot := &h.hot[hash>>52&(hotAddrs-1)]
	if hot.ret == ret {
		return hot.i
	}
	if 2*(len(h.addrs)+1) > len(h.slots) {
		h.grow()
	}
	mask := uint64(len(h.slots) - 1)
	for k := hash & mask; ; k = (k + 1) & mask {
		s := &h.slots[k]
		if s.ret == ret {
			*hot = *s
			return s.i
		}
		if s.ret == 0 {
			i := uint32(len(h.addrs))
			*s = addrSlot{ret, i}
			*hot = *s
			h.addrs = append(h.addrs, ret-1)
			return i
		}
	}
}

// lookup returns the index of the address a (a return address − 1).
func (h *heapAddresses) lookup(a uint64) (uint32, bool) {
	if len(h.slots) == 0 {
		return 0, false
	}
	mask := uint64(len(h.slots) - 1)
	for k := addrHash(a+1) & mask; ; k = (k + 1) & mask {
		switch s := h.slots[k]; s.ret {
		case a + 1:
			return s.i, true
		case 0:
			return 0, false
		}
	}
}

func (h *heapAddresses) grow() {
	n := max(1024, 2*len(h.slots))
	h.slots = make([]addrSlot, n)
	mask := uint64(n - 1)
	for i, a := range h.addrs {
		k := addrHash(a+1) & mask
		for h.slots[k].ret != 0 {
			k = (k + 1) & mask
		}
		h.slots[k] = addrSlot{a + 1, uint32(i)}
	}
}

// addrHash mixes an address so that nearby addresses spread (Fibonacci
// hashing, then the high bits folded down).
func addrHash(a uint64) uint64 {
	a *= 0x9e3779b97f4a7c15
	return a ^ a>>29
}

// parseStackAddresses reads the hexadecimal addresses of a stack line
// ("0x7f16818a2630 0x7f16818a2d21 …") into frames, as location indices of
// addr − 1 (return addresses point after the call; one byte back is inside
// it). It keeps the first maxStackDepth and reports whether there were
// more. cut says that the line was cut at maxTextLine, so that its last
// field may be a piece of an address.
func parseStackAddresses(b []byte, cut bool, locs *heapAddresses, frames []uint32) (_ []uint32, deep bool, err *addressError) {
	l := newAddressList(b, cut)
	for {
		a, ok, err := l.next(len(frames))
		if !ok {
			return frames, l.deep, err
		}
		frames = append(frames, locs.intern(a))
	}
}

// addressList walks the addresses of a stack line, for the jemalloc and
// tcmalloc readers alike, without allocating.
type addressList struct {
	b    []byte
	deep bool // the line holds more than maxStackDepth addresses, or was cut
}

// newAddressList starts on b; cut says that the line was cut at
// maxTextLine, so its last field (perhaps a piece of an address) is dropped.
func newAddressList(b []byte, cut bool) addressList {
	if cut {
		if i := bytes.LastIndexAny(b, " \t"); i >= 0 {
			b = b[:i]
		}
	}
	return addressList{b: b, deep: cut}
}

// next returns the next address, given how many were kept so far; ok is
// false at the end of the line, past maxStackDepth, or with err set at a
// field that is not an address.
func (l *addressList) next(kept int) (a uint64, ok bool, err *addressError) {
	f, rest, a, valid := cutAddress(l.b)
	if len(f) == 0 {
		return 0, false, nil
	}
	l.b = rest
	if kept == maxStackDepth {
		l.deep = true
		return 0, false, nil
	}
	if !valid {
		return 0, false, &addressError{field: string(f), noPrefix: len(f) < 2 || f[0] != '0' || f[1] != 'x' && f[1] != 'X'}
	}
	return a, true, nil
}

// cutAddress splits b at its first field, as cutField does, and reads the
// field as a non-zero address "0x…" in the same pass.
func cutAddress(b []byte) (field, rest []byte, a uint64, ok bool) {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	j := i
	ok = len(b)-i > 2 && b[i] == '0' && (b[i+1] == 'x' || b[i+1] == 'X')
	if ok {
		j += 2
	}
	for ; j < len(b) && b[j] != ' ' && b[j] != '\t'; j++ {
		d := hexDigit[b[j]]
		if d < 0 || a>>60 != 0 {
			ok = false
		}
		a = a<<4 | uint64(d&15)
	}
	return b[i:j], b[j:], a, ok && a != 0
}

// addressError is a field of a stack line that is no address.
type addressError struct {
	field    string
	noPrefix bool // it does not start with 0x
}

func (e *addressError) Error() string {
	if e.noPrefix {
		return fmt.Sprintf("malformed address %q: want 0x…", clip(e.field, 30))
	}
	return fmt.Sprintf("malformed address %q", clip(e.field, 30))
}

// maxMappings bounds the executable mappings a dump's memory map may
// declare: a process maps at most vm.max_map_count areas (65530 by
// default), and a map of millions is no process's.
const maxMappings = 1 << 20

// Why a /proc/self/maps line does not read.
var (
	errMapsFields = errors.New("want address range, permissions, offset, device and inode")
	errMapsRange  = errors.New("malformed address range")
	errMapsNums   = errors.New("malformed address range or offset")
	errMapsPerms  = errors.New("malformed permissions")
)

// parseMapsLine reads one /proc/self/maps line (trimmed). It returns nil,
// nil for mappings that cannot hold code (no x permission).
//
//	5594c23ff000-5594c2400000 r-xp 00001000 fe:00 9978062    /tmp/jt/leak
func parseMapsLine(text []byte) (*profile.Mapping, error) {
	// Fields: range perms offset dev inode [path, which may hold spaces]
	var f [5][]byte
	rest := text
	for i := range f {
		f[i], rest = cutField(rest)
		if len(f[i]) == 0 {
			return nil, errMapsFields
		}
	}
	lo, hi, ok := bytes.Cut(f[0], []byte("-"))
	if !ok {
		return nil, errMapsRange
	}
	start, ok1 := parseHex(lo)
	limit, ok2 := parseHex(hi)
	off, ok3 := parseHex(f[2])
	if !ok1 || !ok2 || !ok3 || limit <= start {
		return nil, errMapsNums
	}
	if len(f[1]) != 4 {
		return nil, errMapsPerms
	}
	if f[1][2] != 'x' {
		return nil, nil
	}
	return &profile.Mapping{Start: start, Limit: limit, Offset: off, File: string(bytes.TrimSpace(rest))}, nil
}

// mainFirst numbers the mappings from 1 with the main binary's first (the
// first file-backed one that is no shared library), as pprof does.
func mainFirst(ms []*profile.Mapping) []*profile.Mapping {
	main := -1
	for i, m := range ms {
		base := path.Base(m.File)
		if m.File == "" || strings.HasPrefix(m.File, "[") || strings.Contains(base, ".so") {
			continue
		}
		main = i
		break
	}
	if main > 0 {
		ms = slices.Concat(ms[main:main+1], ms[:main], ms[main+1:])
	}
	for i, m := range ms {
		m.ID = uint64(i + 1)
	}
	return ms
}

// placeAddresses returns, for each address, the index in ms of the
// mapping holding it (-1 for none), the number of addresses outside every
// mapping and the first of them.
func placeAddresses(addrs []uint64, ms []*profile.Mapping) (in []int32, outside int, first uint64) {
	byStart := make([]int, len(ms))
	for i := range byStart {
		byStart[i] = i
	}
	sort.SliceStable(byStart, func(i, j int) bool { return ms[byStart[i]].Start < ms[byStart[j]].Start })
	in = make([]int32, len(addrs))
	for k, a := range addrs {
		i := sort.Search(len(byStart), func(i int) bool { return ms[byStart[i]].Limit > a })
		if i < len(byStart) && ms[byStart[i]].Start <= a {
			in[k] = int32(byStart[i])
			continue
		}
		in[k] = -1
		if outside == 0 {
			first = a
		}
		outside++
	}
	return in, outside, first
}

// heapTables are a dump's mappings and locations, ready to feed a sink.
type heapTables struct {
	maps  []*profile.Mapping
	addrs []uint64
	in    []int32 // mapping index per address, -1 for none
	// symbolized holds the locations after symbolisation, nil without a
	// symboliser.
	symbolized *profile.Profile
}

// miniProfile is the mappings and locations as a profile without
// samples, for a symboliser to fill in.
func (t *heapTables) miniProfile() *profile.Profile {
	p := &profile.Profile{Mapping: t.maps}
	locs := make([]profile.Location, len(t.addrs))
	p.Location = make([]*profile.Location, len(t.addrs))
	for i, a := range t.addrs {
		locs[i] = profile.Location{ID: uint64(i + 1), Address: a}
		if m := t.in[i]; m >= 0 {
			locs[i].Mapping = t.maps[m]
		}
		p.Location[i] = &locs[i]
	}
	return p
}

// symbolize names the addresses with sym and returns its warnings.
func (t *heapTables) symbolize(sym Symbolizer) []error {
	p := t.symbolized
	if p == nil {
		p = t.miniProfile()
	}
	if !needsSymbols(p) {
		return nil
	}
	t.symbolized = p
	return sym.Symbolize(p)
}

// emit declares the mappings and locations (ids: index + 1).
func (t *heapTables) emit(sink Sink) error {
	for _, m := range t.maps {
		rec := Mapping{ID: m.ID, Start: m.Start, Limit: m.Limit, Offset: m.Offset, File: m.File, BuildID: m.BuildID,
			HasFunctions: m.HasFunctions, HasFilenames: m.HasFilenames, HasLineNumbers: m.HasLineNumbers, HasInlineFrames: m.HasInlineFrames}
		if err := sink.Mapping(&rec); err != nil {
			return err
		}
	}
	var lines []Line
	rec := new(Location)
	for i, a := range t.addrs {
		*rec = Location{ID: uint64(i + 1), Address: a}
		if m := t.in[i]; m >= 0 {
			rec.MappingID = t.maps[m].ID
		}
		if t.symbolized != nil {
			lines = lines[:0]
			for _, ln := range t.symbolized.Location[i].Line {
				f := ln.Function
				lines = append(lines, Line{Function: f.Name, SystemName: f.SystemName, FunctionID: f.ID, File: f.Filename,
					StartLine: f.StartLine, Line: ln.Line, Column: ln.Column})
			}
			rec.Lines = lines
		}
		if err := sink.Location(rec); err != nil {
			return err
		}
	}
	return nil
}

// skip drops the next n values.
func (c *arenaCursor) skip(n int) {
	for range n {
		c.get()
	}
}
