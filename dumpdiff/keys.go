package dumpdiff

import (
	"hash/maphash"
	"slices"
	"sync"
	"unsafe"
)

// keyClasses groups the stacks whose frames have the same keys: a site by
// stack is such a class (stacks that differ only in line numbers are one
// site). Built once per series, on the first query by stack.
type keyClasses struct {
	once  sync.Once
	class []int32 // by dense stack
	n     int
}

// keyClasses returns the series' key classes, building them the first time.
func (s *Series) keyClasses() *keyClasses {
	k := &s.keys
	k.once.Do(func() { s.buildKeyClasses(k) })
	return k
}

func (s *Series) buildKeyClasses(k *keyClasses) {
	// Number the distinct keys of the frames.
	keyOf := make([]int32, s.numFrames())
	ids := map[string]int32{}
	for shard := range s.frames.shards {
		for local, f := range s.frames.shards[shard].recs {
			id, ok := ids[f.Function]
			if !ok {
				id = int32(len(ids))
				ids[f.Function] = id
			}
			keyOf[s.frameBase[shard]+local] = id
		}
	}
	k.class = make([]int32, s.numStacks())
	if len(ids) == len(keyOf) {
		// Every frame has a key of its own: a class is one stack.
		for i := range k.class {
			k.class[i] = int32(i)
		}
		k.n = len(k.class)
		return
	}
	// Open addressing over the classes: a slot holds the high 32 bits of a
	// class's hash and the class + 1; a class is known by its first stack.
	seed := maphash.MakeSeed()
	slots := make([]uint64, max(64, 1<<bitsFor(2*len(k.class))))
	mask := uint64(len(slots) - 1)
	var reps []stackID
	var buf, other []int32
	keysOf := func(dst []int32, st stackID) []int32 {
		dst = dst[:0]
		for _, f := range s.stackFrames(st) {
			dst = append(dst, keyOf[s.denseFrame(f)])
		}
		return dst
	}
	s.eachStack(func(st stackID) {
		buf = keysOf(buf, st)
		h := hashInt32s(seed, buf)
		c := int32(-1)
		i := h & mask
		for ; slots[i] != 0; i = (i + 1) & mask {
			if slots[i]>>32 != h>>32 {
				continue
			}
			cand := int32(uint32(slots[i]) - 1)
			if other = keysOf(other, reps[cand]); slices.Equal(other, buf) {
				c = cand
				break
			}
		}
		if c < 0 {
			c = int32(len(reps))
			reps = append(reps, st)
			slots[i] = h>>32<<32 | uint64(c+1)
		}
		k.class[s.denseStack(st)] = c
	})
	k.n = len(reps)
}

// bitsFor is the number of bits that count to n.
func bitsFor(n int) int {
	b := 0
	for 1<<b < n {
		b++
	}
	return b
}

func hashInt32s(seed maphash.Seed, v []int32) uint64 {
	if len(v) == 0 {
		return maphash.Bytes(seed, nil)
	}
	return maphash.Bytes(seed, unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), 4*len(v)))
}
