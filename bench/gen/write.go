package main

import (
	"bufio"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os"

	"github.com/klauspost/compress/gzip"
)

// writeSnapshot writes lifecycle lc of k as a gzipped profile.proto, in the
// field order of the Go runtime and the pprof library: sample types,
// samples, mappings, locations, functions, then the string table. Ids are
// renumbered and samples shuffled per file; mappings move (ASLR). It
// returns the file's size.
func writeSnapshot(path string, m *model, stacks []stack, lc, k int, rng *rand.Rand) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	cw := &countWriter{w: f}
	bw := bufio.NewWriterSize(cw, 1<<20)
	zw, err := gzip.NewWriterLevel(bw, gzip.BestSpeed) // the Go runtime's level
	if err != nil {
		return 0, err
	}
	w := &protoWriter{w: bufio.NewWriterSize(zw, 1<<20), strings: map[string]uint64{"": 0}, order: []string{""}}
	// This file's ids: a permutation of the model's locations and functions.
	locID := permutation(rng, len(m.locations))
	fnID := permutation(rng, len(m.functions))
	slide := uint64(rng.IntN(1<<16)) << 21 // ASLR
	w.sampleTypes()
	var total float64
	for i := range stacks {
		if stacks[i].kind == ordinary {
			total += stacks[i].base
		}
	}
	order := rng.Perm(len(stacks))
	for _, i := range order {
		s := &stacks[i]
		inuse := s.inuse(rng, lc, k, total)
		objs := math.Ceil(inuse / s.objSize)
		if inuse == 0 {
			objs = 0
		}
		allocs := objs * float64(2+lc)
		w.sample(s.locs, locID, [4]int64{int64(allocs), int64(allocs * s.objSize), int64(objs), int64(inuse)})
	}
	for i, mp := range m.maps {
		w.mapping(uint64(i+1), mp.base+slide, mp.base+slide+mp.size, mp.file, mp.buildID)
	}
	for i := range m.locations {
		l := &m.locations[i]
		w.location(locID[i], uint64(l.mapping+1), m.maps[l.mapping].base+slide+l.offset, l.lines, fnID)
	}
	for i := range m.functions {
		fn := &m.functions[i]
		w.function(fnID[i], fn.name, fn.system, fn.file)
	}
	w.tail(lc)
	if err := w.w.Flush(); err != nil {
		return 0, err
	}
	if err := zw.Close(); err != nil {
		return 0, err
	}
	if err := bw.Flush(); err != nil {
		return 0, err
	}
	return cw.n, f.Close()
}

// permutation numbers n things from 1 in a random order.
func permutation(rng *rand.Rand, n int) []uint64 {
	ids := make([]uint64, n)
	for i, p := range rng.Perm(n) {
		ids[i] = uint64(p + 1)
	}
	return ids
}

type countWriter struct {
	w *os.File
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// protoWriter writes the fields of a perftools.profiles.Profile message.
type protoWriter struct {
	w       *bufio.Writer
	strings map[string]uint64
	order   []string
	buf     []byte
	msg     []byte
}

func (w *protoWriter) str(s string) uint64 {
	if i, ok := w.strings[s]; ok {
		return i
	}
	i := uint64(len(w.order))
	w.strings[s] = i
	w.order = append(w.order, s)
	return i
}

func appendTag(b []byte, field, wire int) []byte {
	return binary.AppendUvarint(b, uint64(field<<3|wire))
}

func appendVarintField(b []byte, field int, v uint64) []byte {
	if v == 0 {
		return b
	}
	return binary.AppendUvarint(appendTag(b, field, 0), v)
}

func appendBytesField(b []byte, field int, v []byte) []byte {
	b = binary.AppendUvarint(appendTag(b, field, 2), uint64(len(v)))
	return append(b, v...)
}

// top writes a length-delimited top-level field from w.msg.
func (w *protoWriter) top(field int) {
	w.buf = appendBytesField(w.buf[:0], field, w.msg)
	w.w.Write(w.buf)
}

func (w *protoWriter) sampleTypes() {
	for _, t := range [][2]string{{"alloc_objects", "count"}, {"alloc_space", "bytes"}, {"inuse_objects", "count"}, {"inuse_space", "bytes"}} {
		w.msg = appendVarintField(w.msg[:0], 1, w.str(t[0]))
		w.msg = appendVarintField(w.msg, 2, w.str(t[1]))
		w.top(1)
	}
}

// sample writes a sample: locations innermost first, as pprof wants (the
// model's stacks are root first).
func (w *protoWriter) sample(locs []int32, ids []uint64, vals [4]int64) {
	var packed []byte
	for i := len(locs) - 1; i >= 0; i-- {
		packed = binary.AppendUvarint(packed, ids[locs[i]])
	}
	w.msg = appendBytesField(w.msg[:0], 1, packed)
	var pv []byte
	for _, v := range vals {
		pv = binary.AppendUvarint(pv, uint64(v))
	}
	w.msg = appendBytesField(w.msg, 2, pv)
	w.top(2)
}

func (w *protoWriter) mapping(id, start, limit uint64, file, buildID string) {
	w.msg = appendVarintField(w.msg[:0], 1, id)
	w.msg = appendVarintField(w.msg, 2, start)
	w.msg = appendVarintField(w.msg, 3, limit)
	w.msg = appendVarintField(w.msg, 5, w.str(file))
	w.msg = appendVarintField(w.msg, 6, w.str(buildID))
	for field := 7; field <= 10; field++ {
		w.msg = appendVarintField(w.msg, field, 1)
	}
	w.top(3)
}

func (w *protoWriter) location(id, mapping, addr uint64, lines []locLine, fnID []uint64) {
	w.msg = appendVarintField(w.msg[:0], 1, id)
	w.msg = appendVarintField(w.msg, 2, mapping)
	w.msg = appendVarintField(w.msg, 3, addr)
	for _, ln := range lines {
		var lb []byte
		lb = appendVarintField(lb, 1, fnID[ln.function])
		lb = appendVarintField(lb, 2, uint64(ln.line))
		w.msg = appendBytesField(w.msg, 4, lb)
	}
	w.top(4)
}

func (w *protoWriter) function(id uint64, name, system, file string) {
	w.msg = appendVarintField(w.msg[:0], 1, id)
	w.msg = appendVarintField(w.msg, 2, w.str(name))
	w.msg = appendVarintField(w.msg, 3, w.str(system))
	w.msg = appendVarintField(w.msg, 4, w.str(file))
	w.top(5)
}

// tail writes the string table, then the scalar fields (time, period).
func (w *protoWriter) tail(lc int) {
	space, bytes := w.str("space"), w.str("bytes")
	for _, s := range w.order {
		w.msg = append(w.msg[:0], s...)
		w.top(6)
	}
	w.buf = appendVarintField(w.buf[:0], 9, uint64(1_767_225_600+3600*lc)*1e9) // time_nanos, an hour apart
	w.w.Write(w.buf)
	w.msg = appendVarintField(w.msg[:0], 1, space)
	w.msg = appendVarintField(w.msg, 2, bytes)
	w.top(11) // period_type
	w.buf = appendVarintField(w.buf[:0], 12, 512*1024)
	w.w.Write(w.buf)
}
