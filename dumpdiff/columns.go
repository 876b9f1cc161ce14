package dumpdiff

import (
	"encoding/binary"
	"slices"
)

// This file stores a reduced snapshot compactly: its entries, one per
// distinct (stack, label set), sorted by stack id and encoded as columns of
// varints: the stack ids as differences from the previous entry's, the label
// sets, and one column per metric. A series of ten large profiles keeps
// millions of entries, and this keeps each at a few bytes instead of forty.

// snapCols is one snapshot's entries.
type snapCols struct {
	n      int
	stacks []byte   // uvarint deltas of stack ids, ascending
	labels []byte   // uvarint label id + 1 per entry; nil when no entry has labels
	vals   [][]byte // per metric, zigzag varints; nil for a metric not kept
}

// colReader reads one column.
type colReader struct{ b []byte }

// next returns the column's next varint.
func (r *colReader) next() uint64 {
	if b := r.b; len(b) > 0 && b[0] < 0x80 {
		r.b = b[1:]
		return uint64(b[0])
	}
	v, n := binary.Uvarint(r.b)
	r.b = r.b[n:]
	return v
}

// nextInt returns the column's next zigzag varint.
func (r *colReader) nextInt() int64 {
	u := r.next()
	return int64(u>>1) ^ -int64(u&1)
}

// rawEntries are a snapshot's entries while its samples arrive: one per
// distinct (stack, label set), values added up, in arrival order.
type rawEntries struct {
	stacks []uint32
	labels []labelID
	next   []int32 // the previous entry with the same stack, -1 when none
	vals   []int64 // len(stacks) × kept metrics
	any    bool    // some entry has labels
}

// reset empties the entries, keeping their memory.
func (e *rawEntries) reset() {
	e.stacks, e.labels, e.next, e.vals, e.any = e.stacks[:0], e.labels[:0], e.next[:0], e.vals[:0], false
}

// grow makes room for n more entries of nk kept values each, so that a
// run of samples whose size is known does not regrow its columns by
// doubling (a copy of everything so far, and fresh pages, each time).
func (e *rawEntries) grow(n, nk int) {
	e.stacks = slices.Grow(e.stacks, n)
	e.labels = slices.Grow(e.labels, n)
	e.next = slices.Grow(e.next, n)
	e.vals = slices.Grow(e.vals, n*nk)
}

// entryParts are a snapshot's entries, in one part per sampler that made
// some (see sampler): an entry is known by its index over all parts.
type entryParts []*rawEntries

// locate returns the part and the index in it of entry i.
func (ps entryParts) locate(i int) (*rawEntries, int) {
	for _, p := range ps {
		if i < len(p.stacks) {
			return p, i
		}
		i -= len(p.stacks)
	}
	panic("entry index out of range")
}

// encode sorts the entries by stack id, adds up those that several parts
// made for the same stack and label set, and encodes them; kept[i] says
// whether metric i's values are in the parts' vals (nk per entry, in
// metric order). sc is reused working memory; each column is copied out at
// its exact size.
func (ps entryParts) encode(kept []bool, nk int, sc *encodeScratch) snapCols {
	n, anyLabel := 0, false
	for _, p := range ps {
		n += len(p.stacks)
		anyLabel = anyLabel || p.any
	}
	order := slices.Grow(sc.order[:0], 2*n)[:2*n]
	i := 0
	for _, p := range ps {
		for _, st := range p.stacks {
			order[i] = uint64(st)<<32 | uint64(i)
			i++
		}
	}
	sortByHigh32(order[:n], order[n:])
	sc.order = order
	order = order[:n]
	if len(ps) > 1 {
		order = ps.mergeDups(order, nk)
		n = len(order)
	}
	c := snapCols{n: n, vals: make([][]byte, len(kept))}
	b := sc.col[:0]
	prev := uint64(0)
	for _, o := range order {
		st := o >> 32
		b = binary.AppendUvarint(b, st-prev)
		prev = st
	}
	c.stacks = slices.Clone(b)
	if anyLabel {
		b = b[:0]
		for _, o := range order {
			p, j := ps.locate(int(uint32(o)))
			b = binary.AppendUvarint(b, uint64(p.labels[j]+1))
		}
		c.labels = slices.Clone(b)
	}
	col := 0
	for m, k := range kept {
		if !k {
			continue
		}
		b = b[:0]
		for _, o := range order {
			p, j := ps.locate(int(uint32(o)))
			v := p.vals[j*nk+col]
			b = binary.AppendUvarint(b, uint64(v<<1^v>>63))
		}
		c.vals[m] = slices.Clone(b)
		col++
	}
	sc.col = b
	return c
}

// mergeDups adds up the entries of order (sorted by stack) that share a
// stack and a label set, and returns order without the ones added to
// another.
func (ps entryParts) mergeDups(order []uint64, nk int) []uint64 {
	out := order[:0]
	run := 0 // where the current stack's entries start in out
	for _, o := range order {
		if len(out) == 0 || out[len(out)-1]>>32 != o>>32 {
			run = len(out)
		}
		pi, i := ps.locate(int(uint32(o)))
		merged := false
		for _, q := range out[run:] {
			pj, j := ps.locate(int(uint32(q)))
			if pj.labels[j] == pi.labels[i] {
				for m := range nk {
					pj.vals[j*nk+m] += pi.vals[i*nk+m]
				}
				merged = true
				break
			}
		}
		if !merged {
			out = append(out, o)
		}
	}
	return out
}

// encodeScratch is encode's reused working memory.
type encodeScratch struct {
	order []uint64
	col   []byte
}

// sortByHigh32 sorts a by its high 32 bits, stably: a radix sort, two
// passes of 16 bits, skipping a pass whose digit is the same throughout.
// tmp is as long as a.
func sortByHigh32(a, tmp []uint64) {
	if len(a) < 2 {
		return
	}
	src, dst := a, tmp
	for shift := uint(32); shift < 64; shift += 16 {
		var count [1 << 16]int
		for _, v := range src {
			count[(v>>shift)&0xffff]++
		}
		if count[(src[0]>>shift)&0xffff] == len(src) {
			continue
		}
		sum := 0
		for i, c := range count {
			count[i] = sum
			sum += c
		}
		for _, v := range src {
			d := (v >> shift) & 0xffff
			dst[count[d]] = v
			count[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &a[0] {
		copy(a, src)
	}
}
