package parsers

// liveTable maps the address of each open allocation of a recording to its
// size and stack. A recording replays millions of events, each one lookup,
// so this is an open-addressing table with linear probing and backward-shift
// deletion (no tombstones to clean up), about three times faster than a Go
// map here; address 0 marks an empty slot and is kept aside. A slot holds
// its key beside its value, so that a lookup in a table larger than the
// caches (hundreds of thousands of live allocations) misses once, not twice.
type liveTable struct {
	slots []liveSlot
	n     int
	zero  liveAlloc
	hasZ  bool
	shift uint
}

type liveSlot struct {
	key uint64
	v   liveAlloc
}

type liveAlloc struct {
	size  int64
	stack uint32
	objs  uint32 // allocations the entry stands for: 1, more when sampled
}

func (t *liveTable) init() {
	t.slots = make([]liveSlot, 1<<10)
	t.shift = 64 - 10
}

// slot is where the probe for key starts: Fibonacci hashing spreads the
// aligned addresses of an allocator over the table.
func (t *liveTable) slot(key uint64) int {
	return int((key * 0x9e3779b97f4a7c15) >> t.shift)
}

func (t *liveTable) put(key uint64, v liveAlloc) { t.swap(key, v) }

// swap sets key's value to v and returns the value it replaces, if any: an
// allocation at an address still live costs one probe, not a remove and a
// put.
func (t *liveTable) swap(key uint64, v liveAlloc) (liveAlloc, bool) {
	if key == 0 {
		old, had := t.zero, t.hasZ
		t.zero, t.hasZ = v, true
		return old, had
	}
	if 4*(t.n+1) > 3*len(t.slots) {
		t.grow()
	}
	mask := len(t.slots) - 1
	for i := t.slot(key); ; i = (i + 1) & mask {
		s := &t.slots[i]
		switch s.key {
		case 0:
			s.key, s.v = key, v
			t.n++
			return liveAlloc{}, false
		case key:
			old := s.v
			s.v = v
			return old, true
		}
	}
}

func (t *liveTable) remove(key uint64) (liveAlloc, bool) {
	if key == 0 {
		v, ok := t.zero, t.hasZ
		t.zero, t.hasZ = liveAlloc{}, false
		return v, ok
	}
	mask := len(t.slots) - 1
	i := t.slot(key)
	for ; t.slots[i].key != key; i = (i + 1) & mask {
		if t.slots[i].key == 0 {
			return liveAlloc{}, false
		}
	}
	v := t.slots[i].v
	// Backward-shift: move later entries of the probe run into the hole
	// when their home slot does not lie between the hole and them.
	for j := (i + 1) & mask; t.slots[j].key != 0; j = (j + 1) & mask {
		home := t.slot(t.slots[j].key)
		if (j > i && (home <= i || home > j)) || (j < i && home <= i && home > j) {
			t.slots[i] = t.slots[j]
			i = j
		}
	}
	t.slots[i] = liveSlot{}
	t.n--
	return v, true
}

func (t *liveTable) grow() {
	old := t.slots
	t.slots = make([]liveSlot, 2*len(old))
	t.shift--
	t.n = 0
	for _, s := range old {
		if s.key != 0 {
			t.put(s.key, s.v)
		}
	}
}
