package dumpdiff

import (
	"hash/maphash"
	"slices"
	"strings"
	"sync"
	"unsafe"
)

// keyClasses groups the stacks whose frames have the same keys: a site by
// stack is such a class (stacks that differ only in line numbers are one
// site). Built once per series, on the first query by stack.
type keyClasses struct {
	once  sync.Once
	keyOf []int32 // by dense frame: its key's number (equal keys, equal numbers)
	class []int32 // by dense stack
	n     int
	// tokRank orders the pieces of joined keys: for key k, tokRank[2k] is
	// the rank of "k;" (a frame with more after it) and tokRank[2k+1] the
	// rank of "k" (the last frame), among all such pieces. nil when some
	// key holds ";" or there are too many pieces for keyPrefix.
	tokRank []uint32
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
	semis := false
	for shard := range s.frames.shards {
		for local, f := range s.frames.shards[shard].recs {
			id, ok := ids[f.Function]
			if !ok {
				id = int32(len(ids))
				ids[f.Function] = id
				semis = semis || strings.Contains(f.Function, ";")
			}
			keyOf[s.frameBase[shard]+local] = id
		}
	}
	k.keyOf = keyOf
	if !semis {
		k.tokRank = rankTokens(ids)
	}
	k.class = make([]int32, s.numStacks())
	if len(ids) == len(keyOf) && !semis {
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
	if semis {
		// A key holds ";": two different key sequences may join to the
		// same key ("a;b" and "a", "b"), so the joined key is the class.
		keysOf = func(dst []int32, st stackID) []int32 {
			dst = dst[:0]
			for _, c := range []byte(s.stackKey(st)) {
				dst = append(dst, int32(c))
			}
			return dst
		}
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

// rankTokens orders the pieces a joined key is made of (see tokRank).
// Comparing two joined keys is comparing their sequences of piece ranks,
// since no key holds ";": the pieces "k;" cannot be prefixes of one
// another, and "k" is a prefix of "k;" only.
func rankTokens(ids map[string]int32) []uint32 {
	if 2*len(ids) >= 1<<prefixBits-1 {
		return nil
	}
	keys := make([]string, len(ids))
	for k, id := range ids {
		keys[id] = k
	}
	toks := make([]int32, 2*len(keys))
	for i := range toks {
		toks[i] = int32(i)
	}
	slices.SortFunc(toks, func(x, y int32) int {
		a, b := keys[x/2], keys[y/2]
		n := min(len(a), len(b))
		if c := strings.Compare(a[:n], b[:n]); c != 0 {
			return c
		}
		// One is a prefix of the other: what follows ends the tie: the end
		// of the key (a last piece) sorts first, then ";", then the rest.
		ta, tb := a+";", b+";"
		if x%2 == 1 {
			ta = a
		}
		if y%2 == 1 {
			tb = b
		}
		return strings.Compare(ta, tb)
	})
	rank := make([]uint32, len(toks))
	for r, t := range toks {
		rank[t] = uint32(r)
	}
	return rank
}

// prefixBits is the width of one piece's rank in keyPrefix.
const prefixBits = 21

// keyPrefix orders stacks by their first three key pieces: comparing two
// stacks' prefixes as numbers is comparing the start of their joined keys,
// and equal prefixes leave the rest to compareStackKeys. 0 when the series
// has no piece ranks.
func (s *Series) keyPrefix(st stackID) uint64 {
	k := s.keyClasses()
	if k.tokRank == nil {
		return 0
	}
	fs := s.stackFrames(st)
	var p uint64
	for i := range 3 {
		p <<= prefixBits
		if i < len(fs) {
			t := 2 * k.keyOf[s.denseFrame(fs[i])]
			if i == len(fs)-1 {
				t++
			}
			p |= uint64(k.tokRank[t] + 1)
		}
	}
	return p
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
