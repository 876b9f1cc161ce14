package parsers

import "sort"

// This file builds an NMT report's profile: its sites, then per category
// the remainder "not in Details" that keeps the totals exact, then
// "[unattributed]". A detail report's categories and sites attribute some
// memory differently, and the remainders reconcile them so that none is
// negative beyond rounding:
//
//   - Arenas. The summary counts the arena chunks a category's arenas hold
//     under that category ("(arena=196KB #6)" in Compiler), while Details
//     lists every chunk's malloc under Arena Chunk (ChunkPool::allocate).
//     Each category's arenas move from its remainder to Arena Chunk's;
//     otherwise Arena Chunk reads about −0.6 MiB and Compiler +0.2 MiB.
//   - Reservations that cover two categories. The compressed class space
//     reservation holds both Class and Shared class space (the CDS
//     archive); Details lists it once under one tag, while the summary and
//     the Virtual memory map split it. Such a site is split by the map
//     (splitBySpans); otherwise Class read −13.6 MiB on JDK 25.
//   - Rounding. Every site is rounded to the report's scale, so the sites
//     of a category can add up to a little more than the category (Module
//     −2 KB). What is left negative goes to "[unattributed]", which holds
//     the rounding of Total against the categories too.

// side feeds one side of the report, with values chosen by pick, to e.
func (p *nmtParser) side(pick func(*nmtVals) [nmtSlots]int64, e *nmtEmitter) error {
	siteSum := map[string]*[nmtSlots]int64{}
	for _, s := range p.sites {
		v := pick(&s.vals)
		e.add(s.frames, s.category, v)
		ss := siteSum[s.category]
		if ss == nil {
			ss = &[nmtSlots]int64{}
			siteSum[s.category] = ss
		}
		addSlots(ss, v)
	}
	rest := p.unattributed(pick, siteSum)
	unattributed := []uint32{p.frames.add(nmtFrame{fn: nmtUnattributed})}
	if !p.detail {
		for _, name := range p.catOrder {
			e.add([]uint32{p.frames.add(nmtFrame{fn: name})}, name, pick(&p.cats[name].vals))
		}
		e.add(unattributed, nmtUnattributed, rest)
		return e.err
	}
	for _, name := range p.catOrder {
		v := p.remainder(name, pick, siteSum)
		for i := range v {
			if v[i] < 0 {
				rest[i] += v[i]
				v[i] = 0
			}
		}
		e.add([]uint32{p.frames.add(nmtFrame{fn: "[" + name + ": not in Details]"})}, name, v)
	}
	e.add(unattributed, nmtUnattributed, rest)
	return e.err
}

// unattributed is the report's Total minus its categories, and minus the
// sites whose type is no summary category (they are covered here, like
// omitted categories).
func (p *nmtParser) unattributed(pick func(*nmtVals) [nmtSlots]int64, siteSum map[string]*[nmtSlots]int64) [nmtSlots]int64 {
	var rest [nmtSlots]int64
	tot := pick(&p.total)
	rest[nmtReserved], rest[nmtCommitted] = tot[nmtReserved], tot[nmtCommitted]
	for _, name := range p.catOrder {
		v := pick(&p.cats[name].vals)
		rest[nmtReserved] -= v[nmtReserved]
		rest[nmtCommitted] -= v[nmtCommitted]
	}
	for name, ss := range siteSum {
		if _, ok := p.cats[name]; !ok {
			rest[nmtReserved] -= ss[nmtReserved]
			rest[nmtCommitted] -= ss[nmtCommitted]
		}
	}
	return rest
}

// nmtArenaChunk is the category whose sites hold every arena chunk.
const nmtArenaChunk = "Arena Chunk"

// remainder is what a detail report's category holds beyond its sites,
// with the arena chunks its arenas use moved to Arena Chunk (see above).
func (p *nmtParser) remainder(name string, pick func(*nmtVals) [nmtSlots]int64, siteSum map[string]*[nmtSlots]int64) [nmtSlots]int64 {
	v := pick(&p.cats[name].vals)
	if ss := siteSum[name]; ss != nil {
		for i := range v {
			v[i] -= ss[i]
		}
	}
	if _, ok := p.cats[nmtArenaChunk]; !ok {
		return v
	}
	if name != nmtArenaChunk {
		a := v[nmtArena]
		v[nmtReserved] -= a
		v[nmtCommitted] -= a
		return v
	}
	var arenas int64
	for _, n := range p.catOrder {
		if n != nmtArenaChunk {
			arenas += pick(&p.cats[n].vals)[nmtArena]
		}
	}
	v[nmtReserved] += arenas
	v[nmtCommitted] += arenas
	v[nmtMalloc] += arenas
	return v
}

func addSlots(dst *[nmtSlots]int64, v [nmtSlots]int64) {
	for i := range v {
		dst[i] += v[i]
	}
}

// nmtMapRegion is a reserved region of the Virtual memory map being read:
// its category, size, committed sub-regions and reserving stack.
type nmtMapRegion struct {
	open                bool // a region is being read
	category            string
	reserved, committed int64
	frames              []uint32
	framesDone          bool // a committed sub-region began: its frames are its own
}

// endRegion files the region being read under its reserving stack.
func (p *nmtParser) endRegion() {
	r := &p.region
	if !r.open {
		return
	}
	r.open = false
	if p.spans == nil {
		p.spans = map[string]map[string]*nmtRegionSum{}
	}
	p.key = appendFramesKey(p.key[:0], r.frames)
	byCat := p.spans[string(p.key)]
	if byCat == nil {
		byCat = map[string]*nmtRegionSum{}
		p.spans[string(p.key)] = byCat
	}
	rs := byCat[r.category]
	if rs == nil {
		rs = &nmtRegionSum{}
		byCat[r.category] = rs
	}
	rs.reserved += r.reserved
	rs.committed += r.committed
	rs.regions++
}

// splitBySpans splits a Details virtual memory site whose reservations the
// Virtual memory map files under other categories than the site's tag
// (the compressed class space: Class and Shared class space in one
// reservation, tagged as one of them) into one site per category, with
// the map's amounts. Only a site whose amounts are exactly what the map
// holds for its stack, and the only site with that stack, is split; one
// with a delta (diff reports have no map) is left as it is.
func (p *nmtParser) splitBySpans() {
	p.endRegion()
	if len(p.spans) == 0 {
		return
	}
	perStack := map[string]int{}
	for _, s := range p.sites {
		p.key = appendFramesKey(p.key[:0], s.frames)
		perStack[string(p.key)]++
	}
	var out []*nmtSite
	for _, s := range p.sites {
		p.key = appendFramesKey(p.key[:0], s.frames)
		parts := p.spanParts(s, p.spans[string(p.key)])
		if perStack[string(p.key)] != 1 || parts == nil {
			out = append(out, s)
			continue
		}
		out = append(out, parts...)
	}
	p.sites = p.sites[:0]
	clear(p.siteIdx)
	for _, s := range out {
		p.key = appendSiteKey(p.key[:0], s.category, s.frames)
		if i, ok := p.siteIdx[string(p.key)]; ok {
			p.sites[i].vals.add(&s.vals)
			continue
		}
		p.siteIdx[string(p.key)] = len(p.sites)
		p.sites = append(p.sites, s)
	}
}

// spanParts is site s split by the map's regions of its stack (byCat), or
// nil when there is nothing to split or the amounts differ.
func (p *nmtParser) spanParts(s *nmtSite, byCat map[string]*nmtRegionSum) []*nmtSite {
	if len(byCat) == 0 || s.vals.cur[nmtMmapReserved] == 0 || s.vals.delta != ([nmtSlots]int64{}) {
		return nil
	}
	names := make([]string, 0, len(byCat))
	var r, c int64
	for n, rs := range byCat {
		names = append(names, n)
		r += rs.reserved
		c += rs.committed
	}
	sort.Strings(names)
	if len(names) == 1 && p.siteCategory(names[0]) == s.category {
		return nil
	}
	if r != s.vals.cur[nmtMmapReserved] || c != s.vals.cur[nmtMmapCommitted] {
		return nil
	}
	var parts []*nmtSite
	for _, n := range names {
		rs := byCat[n]
		part := &nmtSite{frames: s.frames, category: p.siteCategory(n), line: s.line}
		part.vals.cur[nmtReserved], part.vals.cur[nmtMmapReserved] = rs.reserved, rs.reserved
		part.vals.cur[nmtCommitted], part.vals.cur[nmtMmapCommitted] = rs.committed, rs.committed
		parts = append(parts, part)
	}
	return parts
}
