package parsers

// liveTable maps the address of each open allocation of a recording to its
// size and stack. A recording replays millions of events, each one lookup,
// so this is an open-addressing table with linear probing and backward-shift
// deletion (no tombstones to clean up), about three times faster than a Go
// map here; address 0 marks an empty slot and is kept aside.
type liveTable struct {
	keys  []uint64
	vals  []liveAlloc
	n     int
	zero  liveAlloc
	hasZ  bool
	shift uint
}

type liveAlloc struct {
	size  int64
	stack uint32
}

func (t *liveTable) init() {
	t.keys = make([]uint64, 1<<10)
	t.vals = make([]liveAlloc, 1<<10)
	t.shift = 64 - 10
}

// slot is where the probe for key starts: Fibonacci hashing spreads the
// aligned addresses of an allocator over the table.
func (t *liveTable) slot(key uint64) int {
	return int((key * 0x9e3779b97f4a7c15) >> t.shift)
}

func (t *liveTable) put(key uint64, v liveAlloc) {
	if key == 0 {
		t.zero, t.hasZ = v, true
		return
	}
	if 4*(t.n+1) > 3*len(t.keys) {
		t.grow()
	}
	mask := len(t.keys) - 1
	for i := t.slot(key); ; i = (i + 1) & mask {
		switch t.keys[i] {
		case 0:
			t.keys[i], t.vals[i] = key, v
			t.n++
			return
		case key:
			t.vals[i] = v
			return
		}
	}
}

func (t *liveTable) remove(key uint64) (liveAlloc, bool) {
	if key == 0 {
		v, ok := t.zero, t.hasZ
		t.zero, t.hasZ = liveAlloc{}, false
		return v, ok
	}
	mask := len(t.keys) - 1
	i := t.slot(key)
	for ; t.keys[i] != key; i = (i + 1) & mask {
		if t.keys[i] == 0 {
			return liveAlloc{}, false
		}
	}
	v := t.vals[i]
	// Backward-shift: move later entries of the probe run into the hole
	// when their home slot does not lie between the hole and them.
	for j := (i + 1) & mask; t.keys[j] != 0; j = (j + 1) & mask {
		home := t.slot(t.keys[j])
		if (j > i && (home <= i || home > j)) || (j < i && home <= i && home > j) {
			t.keys[i], t.vals[i] = t.keys[j], t.vals[j]
			i = j
		}
	}
	t.keys[i], t.vals[i] = 0, liveAlloc{}
	t.n--
	return v, true
}

func (t *liveTable) grow() {
	keys, vals := t.keys, t.vals
	t.keys = make([]uint64, 2*len(keys))
	t.vals = make([]liveAlloc, 2*len(keys))
	t.shift--
	t.n = 0
	for i, k := range keys {
		if k != 0 {
			t.put(k, vals[i])
		}
	}
}
