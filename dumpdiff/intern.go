package dumpdiff

import (
	"hash/maphash"
	"math/bits"
	"slices"
	"strings"
	"sync"
	"unsafe"
)

// This file holds the tables that every input of a series interns into:
// frames, stacks (sequences of frames) and label sets. Inputs are reduced
// concurrently, so each table is split into shards, each behind its own
// mutex, picked by a hash of what is interned; an id packs the shard and
// the position within it. Ids therefore depend on the interleaving of the
// inputs, but nothing a result shows does: sites are ordered by their
// content, and a site's representative stack is the one seen first in
// series order (stackRec.first), not the one with the lowest id.

// An id is 31 bits: the shard, then the position. The top bit stays free
// (Input marks allocator frames with it).
const (
	shardBits  = 6
	shardCount = 1 << shardBits
	localBits  = 31 - shardBits
	localMask  = 1<<localBits - 1
)

// packID joins a shard and a position in it.
func packID(shard, local int) uint32 { return uint32(shard)<<localBits | uint32(local) }

// unpackID splits an id into its shard and position.
func unpackID(id uint32) (shard, local int) { return int(id >> localBits), int(id & localMask) }

// nameTable interns the strings frames are made of: function, file and
// module names. A frame is then a few numbers, quick to hash and compare,
// however long its C++ name.
type nameTable struct {
	seed   maphash.Seed
	shards [shardCount]nameShard
}

type nameShard struct {
	mu    sync.Mutex
	names hashIndex[string]
}

func newNameTable() *nameTable {
	return &nameTable{seed: maphash.MakeSeed()}
}

// intern returns the id of s.
func (t *nameTable) intern(s string) uint32 {
	h := maphash.String(t.seed, s)
	shard := int(h >> (64 - shardBits))
	sh := &t.shards[shard]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	local, ok := sh.names.find(h, s)
	if !ok {
		local = sh.names.add(h, s, t.hash)
	}
	return packID(shard, int(local))
}

// hash is the hash names are sharded and looked up by.
func (t *nameTable) hash(s string) uint64 { return maphash.String(t.seed, s) }

// str returns the string with id id.
func (t *nameTable) str(id uint32) string {
	shard, local := unpackID(id)
	sh := &t.shards[shard]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return sh.names.keys[local]
}

// frameKey is a frame by the ids of its names (see nameTable).
type frameKey struct {
	fn, file, module uint32
	line             int64
}

// frameTable interns frames.
type frameTable struct {
	names  *nameTable
	shards [shardCount]frameShard
}

type frameShard struct {
	mu sync.Mutex
	// keys index the shard's frames, by position in recs. Every location of
	// every file looks its frames up here, most of them found.
	keys hashIndex[frameKey]
	recs []Frame
	// trims holds, per frame, what each numbered trimmer decided about it:
	// bit 2k says trimmer k decided, bit 2k+1 that it is an allocator frame.
	// Each decision is made once per series, not once per file.
	trims []uint32
}

func newFrameTable() *frameTable {
	return &frameTable{names: newNameTable()}
}

// intern returns the id of the frame k (whose function is named fn) and
// whether tr trims it.
func (t *frameTable) intern(k frameKey, fn string, tr *trimmer) (frameID, bool) {
	h := frameHash(k)
	shard := int(h >> (64 - shardBits))
	sh := &t.shards[shard]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	local, ok := sh.keys.find(h, k)
	if !ok {
		local = sh.keys.add(h, k, frameHash)
		sh.recs = append(sh.recs, Frame{Function: fn, File: t.names.str(k.file), Line: k.line, Module: t.names.str(k.module)})
		sh.trims = append(sh.trims, 0)
	}
	id := frameID(packID(shard, int(local)))
	if tr.slot < 0 {
		return id, tr.isAllocator(fn)
	}
	bits := sh.trims[local] >> (2 * tr.slot)
	if bits&1 != 0 {
		return id, bits&2 != 0
	}
	alloc := tr.isAllocator(fn)
	b := uint32(1)
	if alloc {
		b = 3
	}
	sh.trims[local] |= b << (2 * tr.slot)
	return id, alloc
}

// hashIndex finds keys by their position in a shard (names, frames):
// open addressing, a slot holding the low 32 bits of a key's hash and its
// position + 1, 0 when empty. The hash that picked the shard then finds the
// key in one slot and one comparison, where a Go map hashed it again.
type hashIndex[K comparable] struct {
	slots []uint64
	keys  []K // by position
}

// slot is where a key of hash h is first looked for in a table of 1<<bits
// slots: below the shard's bits, the hash's highest (the multiplicative
// hash mixes into its high bits).
func slot(h uint64, bits int) uint64 { return h << shardBits >> (64 - bits) }

// find returns the position of the key k, of hash h.
func (x *hashIndex[K]) find(h uint64, k K) (uint32, bool) {
	if len(x.slots) == 0 {
		return 0, false
	}
	mask := uint64(len(x.slots) - 1)
	for i := slot(h, bits.TrailingZeros(uint(len(x.slots)))); ; i = (i + 1) & mask {
		v := x.slots[i]
		if v == 0 {
			return 0, false
		}
		if uint32(v>>32) == uint32(h) && x.keys[uint32(v)-1] == k {
			return uint32(v) - 1, true
		}
	}
}

// add appends the key k, of hash h, and returns its position; past half
// full, the slots double and every key is placed again by hash.
func (x *hashIndex[K]) add(h uint64, k K, hash func(K) uint64) uint32 {
	local := uint32(len(x.keys))
	x.keys = append(x.keys, k)
	if 2*len(x.keys) > len(x.slots) {
		x.slots = make([]uint64, max(64, 2*len(x.slots)))
		for i, key := range x.keys[:local] {
			x.place(hash(key), uint32(i))
		}
	}
	x.place(h, local)
	return local
}

// place puts position local, of hash h, in the first free slot for it.
func (x *hashIndex[K]) place(h uint64, local uint32) {
	mask := uint64(len(x.slots) - 1)
	i := slot(h, bits.TrailingZeros(uint(len(x.slots))))
	for x.slots[i] != 0 {
		i = (i + 1) & mask
	}
	x.slots[i] = uint64(uint32(h))<<32 | uint64(local+1)
}

// frameHash is the hash intern shards and looks frames up by.
func frameHash(k frameKey) uint64 {
	return (uint64(k.fn)*0x9e3779b97f4a7c15 ^ uint64(k.file)*0xc2b2ae3d27d4eb4f ^ uint64(k.line)) * 0x165667b19e3779f9
}

// frame returns the frame with id f. Only for a finished table.
func (t *frameTable) frame(f frameID) *Frame {
	shard, local := unpackID(uint32(f))
	return &t.shards[shard].recs[local]
}

// stackTable interns stacks: sequences of frame ids, innermost first.
type stackTable struct {
	seed   maphash.Seed
	shards [shardCount]stackShard
}

// stackShard is an open-addressing hash table over the shard's stacks.
// Each stack lives in a chunk as a header (its position in the shard, its
// length, where it was first seen) followed by its frames, so that a
// lookup touches the slot and then one place in a chunk. A chunk is never
// copied to grow, and a stack never straddles two.
type stackShard struct {
	mu     sync.Mutex
	slots  []uint64 // 0 empty, else (hash's high 32 bits) << 32 | off
	recs   []stackRec
	chunks [][]uint32
	touch  uint64 // what internShard's loads read, kept so they are not optimised away
}

// A stack's header in its chunk: position, length, first (two words).
const (
	hdrLocal = iota
	hdrN
	hdrFirstLo
	hdrFirstHi
	hdrLen
)

// arenaChunk is the size of a chunk, in words; a longer stack gets a chunk
// of its own.
const arenaChunk = 1 << 16

// stackRec is one distinct stack: its hash (to grow the table) and where
// it lives, chunk << 16 | offset of its header. The header's first is where
// the stack was first seen, in series order (input, snapshot within the
// input, sample): it picks a site's representative stack the same way
// whatever order the inputs were reduced in.
type stackRec struct {
	hash uint64
	off  uint32
}

func newStackTable() *stackTable { return &stackTable{seed: maphash.MakeSeed()} }

// hashFrames hashes a stack: its frame ids' bytes, with the table's seed.
func (t *stackTable) hashFrames(fs []frameID) uint64 {
	if len(fs) == 0 {
		return maphash.Bytes(t.seed, nil)
	}
	return maphash.Bytes(t.seed, unsafe.Slice((*byte)(unsafe.Pointer(&fs[0])), 4*len(fs)))
}

// intern returns the id of the stack fs (copying fs when it is new) and
// records that it was seen at pos.
func (t *stackTable) intern(fs []frameID, pos uint64) stackID {
	h := t.hashFrames(fs)
	shard := int(h >> (64 - shardBits))
	sh := &t.shards[shard]
	sh.mu.Lock()
	hdr := sh.find(h, fs)
	if hdr == nil {
		hdr = sh.insert(h, fs, pos)
	} else if pos < firstOf(hdr) {
		hdr[hdrFirstLo], hdr[hdrFirstHi] = uint32(pos), uint32(pos>>32)
	}
	local := int(hdr[hdrLocal])
	sh.mu.Unlock()
	return stackID(packID(shard, local))
}

func firstOf(hdr []uint32) uint64 { return uint64(hdr[hdrFirstHi])<<32 | uint64(hdr[hdrFirstLo]) }

// find returns the header of stack fs, nil when it is new.
func (sh *stackShard) find(h uint64, fs []frameID) []uint32 {
	if len(sh.slots) == 0 {
		return nil
	}
	mask := uint64(len(sh.slots) - 1)
	tag := h >> 32
	for i := h & mask; ; i = (i + 1) & mask {
		s := sh.slots[i]
		if s == 0 {
			return nil
		}
		if s>>32 != tag {
			continue
		}
		hdr := sh.at(uint32(s))
		if int(hdr[hdrN]) == len(fs) && sameFrames(frameIDs(hdr[hdrLen:hdrLen+len(fs)]), fs) {
			return hdr
		}
	}
}

// sameFrames reports whether a and b, of the same length, hold the same
// frames: compared as bytes, which the runtime does many at a time, where
// slices.Equal compares one id after another (a stack is some thirty).
func sameFrames(a, b []frameID) bool {
	if len(a) == 0 {
		return len(b) == 0
	}
	return unsafe.String((*byte)(unsafe.Pointer(&a[0])), 4*len(a)) == unsafe.String((*byte)(unsafe.Pointer(&b[0])), 4*len(b))
}

// at returns the header (and frames) at off.
func (sh *stackShard) at(off uint32) []uint32 {
	c := sh.chunks[off>>16]
	return c[off&0xffff:]
}

func (sh *stackShard) insert(h uint64, fs []frameID, pos uint64) []uint32 {
	if 2*(len(sh.recs)+1) > len(sh.slots) {
		sh.grow()
	}
	need := hdrLen + len(fs)
	k := len(sh.chunks) - 1
	if k < 0 || len(sh.chunks[k])+need > cap(sh.chunks[k]) {
		sh.chunks = append(sh.chunks, make([]uint32, 0, max(arenaChunk, need)))
		k++
	}
	c := sh.chunks[k]
	off := uint32(k)<<16 | uint32(len(c))
	c = append(c, uint32(len(sh.recs)), uint32(len(fs)), uint32(pos), uint32(pos>>32))
	for _, f := range fs {
		c = append(c, uint32(f))
	}
	sh.chunks[k] = c
	sh.recs = append(sh.recs, stackRec{hash: h, off: off})
	sh.place(h, off)
	return sh.at(off)
}

func (sh *stackShard) place(h uint64, off uint32) {
	mask := uint64(len(sh.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		if sh.slots[i] == 0 {
			sh.slots[i] = h>>32<<32 | uint64(off)
			return
		}
	}
}

func (sh *stackShard) grow() {
	n := max(64, 2*len(sh.slots))
	sh.slots = make([]uint64, n)
	for _, r := range sh.recs {
		sh.place(r.hash, r.off)
	}
}

// frames returns the frames of stack st. Only for a finished table.
func (t *stackTable) frames(st stackID) []frameID {
	shard, local := unpackID(uint32(st))
	sh := &t.shards[shard]
	hdr := sh.at(sh.recs[local].off)
	n := int(hdr[hdrN])
	return frameIDs(hdr[hdrLen : hdrLen+n : hdrLen+n])
}

// first returns where stack st was first seen. Only for a finished table.
func (t *stackTable) first(st stackID) uint64 {
	shard, local := unpackID(uint32(st))
	sh := &t.shards[shard]
	return firstOf(sh.at(sh.recs[local].off))
}

// labelTable interns label sets: the string labels of a sample, sorted.
type labelTable struct {
	mu   sync.Mutex
	idx  map[string]labelID
	sets [][]labelPair
}

func newLabelTable() *labelTable { return &labelTable{idx: map[string]labelID{}} }

// intern returns the id of the label set ls (sorted by key, then value),
// or -1 for an empty set.
func (t *labelTable) intern(ls []labelPair) labelID {
	if len(ls) == 0 {
		return -1
	}
	var kb strings.Builder
	for _, p := range ls {
		kb.WriteString(p.k)
		kb.WriteByte(0)
		kb.WriteString(p.v)
		kb.WriteByte(0)
	}
	key := kb.String()
	t.mu.Lock()
	defer t.mu.Unlock()
	if id, ok := t.idx[key]; ok {
		return id
	}
	id := labelID(len(t.sets))
	t.sets = append(t.sets, slices.Clone(ls))
	t.idx[key] = id
	return id
}

// stackBatch queues stacks to intern together. Interning one stack costs
// two or three cache misses (its slot, its frames), each waiting for the
// one before; a batch sorted by shard interns every stack of a shard under
// one lock, touching all their slots, then all their frames, before
// comparing anything, so that the misses overlap.
type stackBatch struct {
	items  []batchItem
	frames []frameID
	vals   []int64 // the kept values of each item
	order  []int32 // items by shard
	ids    []stackID
}

type batchItem struct {
	hash   uint64
	pos    uint64
	off, n uint32 // frames[off:off+n]
	label  labelID
}

// batchSize is how many stacks a batch holds: enough for several per shard.
const batchSize = 4096

func (b *stackBatch) add(t *stackTable, fs []frameID, pos uint64, label labelID, values []int64, keep []bool) {
	b.items = append(b.items, batchItem{hash: t.hashFrames(fs), pos: pos, off: uint32(len(b.frames)), n: uint32(len(fs)), label: label})
	b.frames = append(b.frames, fs...)
	for m, v := range values {
		if keep[m] {
			b.vals = append(b.vals, v)
		}
	}
}

func (b *stackBatch) full() bool { return len(b.items) >= batchSize }

func (b *stackBatch) reset() {
	b.items, b.frames, b.vals = b.items[:0], b.frames[:0], b.vals[:0]
}

// internBatch interns every stack of b and returns their ids, in b's order.
func (t *stackTable) internBatch(b *stackBatch) []stackID {
	var count [shardCount + 1]int32
	for i := range b.items {
		count[b.items[i].hash>>(64-shardBits)+1]++
	}
	for s := 1; s <= shardCount; s++ {
		count[s] += count[s-1]
	}
	b.order = slices.Grow(b.order[:0], len(b.items))[:len(b.items)]
	next := count
	for i := range b.items {
		s := b.items[i].hash >> (64 - shardBits)
		b.order[next[s]] = int32(i)
		next[s]++
	}
	b.ids = slices.Grow(b.ids[:0], len(b.items))[:len(b.items)]
	for s := range shardCount {
		if count[s] < count[s+1] {
			t.internShard(s, b, b.order[count[s]:count[s+1]])
		}
	}
	return b.ids
}

// internShard interns the items of b at idx, all in shard s.
func (t *stackTable) internShard(s int, b *stackBatch, idx []int32) {
	sh := &t.shards[s]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if len(sh.slots) > 0 {
		// Touch every slot, then every first candidate's frames: the loads
		// are independent, so their misses overlap.
		mask := uint64(len(sh.slots) - 1)
		var touch uint64
		for _, i := range idx {
			touch += sh.slots[b.items[i].hash&mask]
		}
		for _, i := range idx {
			h := b.items[i].hash
			if v := sh.slots[h&mask]; v != 0 && v>>32 == h>>32 {
				hdr := sh.at(uint32(v))
				touch += uint64(hdr[hdrN]) + uint64(hdr[min(len(hdr)-1, hdrLen+int(b.items[i].n))])
			}
		}
		sh.touch += touch
	}
	for _, i := range idx {
		it := &b.items[i]
		fs := b.frames[it.off : it.off+it.n]
		hdr := sh.find(it.hash, fs)
		if hdr == nil {
			hdr = sh.insert(it.hash, fs, it.pos)
		} else if it.pos < firstOf(hdr) {
			hdr[hdrFirstLo], hdr[hdrFirstHi] = uint32(it.pos), uint32(it.pos>>32)
		}
		b.ids[i] = stackID(packID(s, int(hdr[hdrLocal])))
	}
}
