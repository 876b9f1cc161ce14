package dumpdiff

import (
	"hash/maphash"
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

// frameTable interns frames.
type frameTable struct {
	seed   maphash.Seed
	shards [shardCount]frameShard
}

type frameShard struct {
	mu   sync.Mutex
	idx  map[Frame]uint32 // frame → position in recs
	recs []Frame
}

func newFrameTable() *frameTable {
	t := &frameTable{seed: maphash.MakeSeed()}
	for i := range t.shards {
		t.shards[i].idx = map[Frame]uint32{}
	}
	return t
}

// intern returns the frame's id.
func (t *frameTable) intern(f Frame) frameID {
	h := maphash.String(t.seed, f.Function)
	shard := int(h >> (64 - shardBits))
	sh := &t.shards[shard]
	sh.mu.Lock()
	local, ok := sh.idx[f]
	if !ok {
		local = uint32(len(sh.recs))
		sh.recs = append(sh.recs, f)
		sh.idx[f] = local
	}
	sh.mu.Unlock()
	return frameID(packID(shard, int(local)))
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

// stackShard is an open-addressing hash table over the shard's stacks,
// whose frames live end to end in one arena.
type stackShard struct {
	mu    sync.Mutex
	slots []uint64 // 0 empty, else (hash's high 32 bits) << 32 | position+1
	recs  []stackRec
	arena []frameID
}

// stackRec is one distinct stack.
type stackRec struct {
	hash   uint64
	off, n uint32 // frames: arena[off:off+n]
	// first is where the stack was first seen, in series order (input,
	// snapshot within the input, sample): it picks a site's representative
	// stack the same way whatever order the inputs were reduced in.
	first uint64
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
	local := sh.find(h, fs)
	if local < 0 {
		local = sh.insert(h, fs, pos)
	} else if r := &sh.recs[local]; pos < r.first {
		r.first = pos
	}
	sh.mu.Unlock()
	return stackID(packID(shard, local))
}

func (sh *stackShard) find(h uint64, fs []frameID) int {
	if len(sh.slots) == 0 {
		return -1
	}
	mask := uint64(len(sh.slots) - 1)
	tag := h >> 32
	for i := h & mask; ; i = (i + 1) & mask {
		s := sh.slots[i]
		if s == 0 {
			return -1
		}
		if s>>32 != tag {
			continue
		}
		r := &sh.recs[uint32(s)-1]
		if r.hash == h && slices.Equal(sh.arena[r.off:r.off+r.n], fs) {
			return int(uint32(s) - 1)
		}
	}
}

func (sh *stackShard) insert(h uint64, fs []frameID, pos uint64) int {
	if 2*(len(sh.recs)+1) > len(sh.slots) {
		sh.grow()
	}
	local := len(sh.recs)
	sh.recs = append(sh.recs, stackRec{hash: h, off: uint32(len(sh.arena)), n: uint32(len(fs)), first: pos})
	sh.arena = append(sh.arena, fs...)
	sh.place(h, local)
	return local
}

func (sh *stackShard) place(h uint64, local int) {
	mask := uint64(len(sh.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		if sh.slots[i] == 0 {
			sh.slots[i] = h>>32<<32 | uint64(local+1)
			return
		}
	}
}

func (sh *stackShard) grow() {
	n := max(64, 2*len(sh.slots))
	sh.slots = make([]uint64, n)
	for i := range sh.recs {
		sh.place(sh.recs[i].hash, i)
	}
}

// frames returns the frames of stack st. Only for a finished table.
func (t *stackTable) frames(st stackID) []frameID {
	shard, local := unpackID(uint32(st))
	sh := &t.shards[shard]
	r := &sh.recs[local]
	return sh.arena[r.off : r.off+r.n : r.off+r.n]
}

// rec returns stack st's record. Only for a finished table.
func (t *stackTable) rec(st stackID) *stackRec {
	shard, local := unpackID(uint32(st))
	return &t.shards[shard].recs[local]
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
