package parsers

import (
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/google/pprof/profile"
)

// This file is the second half of the streaming pprof decoder: once the
// stream has ended, check the tables and feed them to a Sink.

// sampleArena keeps the encoded samples of a profile in large blocks: per
// sample the distance from the previous sample's stream offset and its
// length (varints), then its bytes. No object per sample.
type sampleArena struct {
	blocks  [][]byte
	n       int
	lastOff int64
	// budget, when set, counts the bytes of blocks held (taken) against
	// the readers' shared bound; done says the stream has ended.
	budget *SampleBudget
	taken  int64
	done   bool
}

// arenaBlock is the size of an arena block; a larger sample gets a block of
// its own.
const arenaBlock = 1 << 20

func (a *sampleArena) add(b []byte, off int64) {
	need := 2*binary.MaxVarintLen64 + len(b)
	if k := len(a.blocks); k == 0 || cap(a.blocks[k-1])-len(a.blocks[k-1]) < need {
		size := max(arenaBlock, need)
		if a.budget != nil {
			a.budget.take(int64(size))
			a.taken += int64(size)
		}
		a.blocks = append(a.blocks, getBlock(size))
	}
	blk := a.blocks[len(a.blocks)-1]
	blk = binary.AppendUvarint(blk, uint64(off-a.lastOff))
	blk = binary.AppendUvarint(blk, uint64(len(b)))
	a.blocks[len(a.blocks)-1] = append(blk, b...)
	a.lastOff = off
	a.n++
}

// arenaPos is a place in a sampleArena: before sample index, which starts
// at blocks[block][at], where the previous sample's stream offset is off.
type arenaPos struct {
	block, at int
	off       int64
	index     int
}

// each calls fn with every sample's bytes and stream offset, in order.
func (a *sampleArena) each(fn func(b []byte, off int64) error) error {
	return a.eachFrom(arenaPos{}, a.n, false, fn)
}

// eachFrom calls fn with count samples from p on. With free set, the
// blocks it goes past are given back to the pool as it goes (the last
// pass over the samples), where the next file's reader takes them: a
// file's samples then shrink as they are replayed while the next file's
// grow. A block that p starts inside of may hold another run's samples
// and is left to release; a block this run leaves with samples still to
// go holds none of the next run's.
func (a *sampleArena) eachFrom(p arenaPos, count int, free bool, fn func(b []byte, off int64) error) error {
	off := p.off
	for bi := p.block; bi < len(a.blocks) && count > 0; bi++ {
		blk := a.blocks[bi]
		if bi == p.block {
			blk = blk[p.at:]
		}
		for len(blk) > 0 && count > 0 {
			d, n := uvarint(blk)
			l, m := uvarint(blk[n:])
			off += int64(d)
			blk = blk[n+m:]
			if err := fn(blk[:l], off); err != nil {
				return err
			}
			blk = blk[l:]
			count--
		}
		if free && count > 0 && (bi != p.block || p.at == 0) {
			a.free(bi)
		}
	}
	return nil
}

// split returns the places where n runs of about equal numbers of samples
// start.
func (a *sampleArena) split(n int) []arenaPos {
	per := (a.n + n - 1) / n
	out := []arenaPos{{}}
	var off int64
	index := 0
	for bi, blk := range a.blocks {
		for at := 0; at < len(blk); {
			if index > 0 && index%per == 0 && len(out) < n && out[len(out)-1].index != index {
				out = append(out, arenaPos{block: bi, at: at, off: off, index: index})
			}
			d, k := uvarint(blk[at:])
			l, m := uvarint(blk[at+k:])
			off += int64(d)
			at += k + m + int(l)
			index++
		}
	}
	return out
}

// end marks the stream ended: from now on the blocks are only replayed.
func (a *sampleArena) end() {
	a.done = true
	if a.budget != nil {
		a.budget.ended(a.taken)
	}
}

// free gives block bi back to the pool and the budget. Replay runs free
// blocks of their own concurrently, so the budget, not a.taken, counts.
func (a *sampleArena) free(bi int) {
	b := a.blocks[bi]
	a.blocks[bi] = nil
	if a.budget != nil {
		a.budget.give(int64(cap(b)), a.done)
	}
	putBlock(b)
}

// release gives the arena's blocks back for the next file's samples.
func (a *sampleArena) release() {
	for bi, b := range a.blocks {
		if b != nil {
			a.free(bi)
		}
	}
	*a = sampleArena{}
}

// idIndex finds a table entry by its id: a slice when ids are dense (pprof
// writers number from 1), a map otherwise.
type idIndex struct {
	dense  []int32 // by id: entry+1, 0 when absent
	sparse map[uint64]int32
	full   uint64 // when > 0, every id from 1 to full is present, and no other
}

// newIDIndex indexes ids, refusing 0 and duplicates as profile.CheckValid does.
func newIDIndex(n int, id func(i int) uint64, what string) (idIndex, error) {
	var x idIndex
	top := uint64(0)
	for i := range n {
		top = max(top, id(i))
	}
	if top <= uint64(2*n+64) {
		x.dense = make([]int32, top+1)
	} else {
		x.sparse = make(map[uint64]int32, n)
	}
	for i := range n {
		v := id(i)
		if v == 0 {
			return x, fmt.Errorf("malformed profile: found %s with reserved id 0", what)
		}
		if _, ok := x.find(v); ok {
			return x, fmt.Errorf("malformed profile: multiple %ss with id %d", what, v)
		}
		if x.dense != nil {
			x.dense[v] = int32(i + 1)
		} else {
			x.sparse[v] = int32(i)
		}
	}
	if top == uint64(n) {
		x.full = top // n distinct non-zero ids up to n: all of 1…n
	}
	return x, nil
}

// has reports whether id is in the index; with ids 1…n, without a lookup.
func (x *idIndex) has(id uint64) bool {
	if x.full > 0 {
		return id-1 < x.full
	}
	_, ok := x.find(id)
	return ok
}

func (x *idIndex) find(id uint64) (int, bool) {
	if x.dense != nil {
		if id < uint64(len(x.dense)) && x.dense[id] > 0 {
			return int(x.dense[id] - 1), true
		}
		return 0, false
	}
	i, ok := x.sparse[id]
	return int(i), ok
}

// pprofTables are the decoded tables, checked and indexed.
type pprofTables struct {
	maps, fns, locs idIndex
	fnNames         [][3]string // name, system name, file
	symbolized      *profile.Profile
}

// emit checks the decoded profile and feeds it to sink. sym, when set,
// names address-only locations first.
func (d *pprofDecoder) emit(sink Sink, sym Symbolizer) error {
	h, err := d.header()
	if err != nil {
		return err
	}
	t, err := d.tables()
	if err != nil {
		return d.fail(-1, err)
	}
	var warnings []error
	if sym != nil && d.needsSymbols() {
		t.symbolized = d.miniProfile(t)
		warnings = sym.Symbolize(t.symbolized)
	}
	if err := sink.Begin(h); err != nil {
		return err
	}
	if err := d.emitMappings(sink, t); err != nil {
		return err
	}
	if err := d.emitLocations(sink, t); err != nil {
		return err
	}
	if err := d.replaySamples(sink, t, len(h.Metrics)); err != nil {
		return err
	}
	return sink.End(warnings)
}

// tables indexes mappings, functions and locations and resolves function
// names, with profile.CheckValid's checks.
func (d *pprofDecoder) tables() (*pprofTables, error) {
	t := &pprofTables{}
	var err error
	if t.maps, err = newIDIndex(len(d.mappings), func(i int) uint64 { return d.mappings[i].id }, "mapping"); err != nil {
		return nil, err
	}
	if t.fns, err = newIDIndex(len(d.functions), func(i int) uint64 { return d.functions[i].id }, "function"); err != nil {
		return nil, err
	}
	if t.locs, err = newIDIndex(len(d.locations), func(i int) uint64 { return d.locations[i].id }, "location"); err != nil {
		return nil, err
	}
	for _, m := range d.mappings {
		if _, err := d.str(m.file, "a mapping's file"); err != nil {
			return nil, err
		}
		if _, err := d.str(m.buildID, "a mapping's build id"); err != nil {
			return nil, err
		}
	}
	t.fnNames = make([][3]string, len(d.functions))
	for i, f := range d.functions {
		for k, x := range [3]int64{f.name, f.sysName, f.file} {
			if t.fnNames[i][k], err = d.str(x, "a function name"); err != nil {
				return nil, err
			}
		}
	}
	for _, l := range d.locations {
		for _, ln := range d.lines[l.lines[0]:l.lines[1]] {
			if _, ok := t.fns.find(ln.function); !ok {
				return nil, fmt.Errorf("malformed profile: location id: %d has a line with nil function", l.id)
			}
		}
	}
	return t, nil
}

// needsSymbols reports whether some location has an address but no lines.
func (d *pprofDecoder) needsSymbols() bool {
	for _, l := range d.locations {
		if l.lines[0] == l.lines[1] && l.address != 0 {
			return true
		}
	}
	return false
}

// miniProfile is the profile's mappings and locations, without samples,
// for a Symbolizer to fill in.
func (d *pprofDecoder) miniProfile(t *pprofTables) *profile.Profile {
	p := &profile.Profile{}
	for _, m := range d.mappings {
		p.Mapping = append(p.Mapping, &profile.Mapping{
			ID: m.id, Start: m.start, Limit: m.limit, Offset: m.offset, File: d.strings[m.file], BuildID: d.strings[m.buildID],
			HasFunctions: m.flags[0], HasFilenames: m.flags[1], HasLineNumbers: m.flags[2], HasInlineFrames: m.flags[3],
		})
	}
	fns := make([]*profile.Function, len(d.functions))
	for i, f := range d.functions {
		fns[i] = &profile.Function{ID: f.id, Name: t.fnNames[i][0], SystemName: t.fnNames[i][1], Filename: t.fnNames[i][2], StartLine: f.startLine}
	}
	p.Function = fns
	for _, l := range d.locations {
		pl := &profile.Location{ID: l.id, Address: l.address, IsFolded: l.folded}
		if mi, ok := t.maps.find(l.mapping); ok {
			pl.Mapping = p.Mapping[mi]
		}
		for _, ln := range d.lines[l.lines[0]:l.lines[1]] {
			fi, _ := t.fns.find(ln.function)
			pl.Line = append(pl.Line, profile.Line{Function: fns[fi], Line: ln.line, Column: ln.column})
		}
		p.Location = append(p.Location, pl)
	}
	return p
}

func (d *pprofDecoder) emitMappings(sink Sink, t *pprofTables) error {
	for i, m := range d.mappings {
		rec := Mapping{
			ID: m.id, Start: m.start, Limit: m.limit, Offset: m.offset, File: d.strings[m.file], BuildID: d.strings[m.buildID],
			HasFunctions: m.flags[0], HasFilenames: m.flags[1], HasLineNumbers: m.flags[2], HasInlineFrames: m.flags[3],
		}
		if t.symbolized != nil {
			pm := t.symbolized.Mapping[i]
			rec.HasFunctions, rec.HasFilenames, rec.HasLineNumbers, rec.HasInlineFrames = pm.HasFunctions, pm.HasFilenames, pm.HasLineNumbers, pm.HasInlineFrames
		}
		if err := sink.Mapping(&rec); err != nil {
			return err
		}
	}
	return nil
}

func (d *pprofDecoder) emitLocations(sink Sink, t *pprofTables) error {
	var lines []Line
	rec := new(Location) // one record for all: the sink copies what it keeps
	for i, l := range d.locations {
		*rec = Location{ID: l.id, Address: l.address, IsFolded: l.folded}
		if _, ok := t.maps.find(l.mapping); ok {
			rec.MappingID = l.mapping
		}
		lines = lines[:0]
		if t.symbolized != nil {
			for _, ln := range t.symbolized.Location[i].Line {
				f := ln.Function
				lines = append(lines, Line{Function: f.Name, SystemName: f.SystemName, File: f.Filename, StartLine: f.StartLine, Line: ln.Line, Column: ln.Column})
			}
		} else {
			for _, ln := range d.lines[l.lines[0]:l.lines[1]] {
				fi, _ := t.fns.find(ln.function)
				names := &t.fnNames[fi]
				lines = append(lines, Line{Function: names[0], SystemName: names[1], File: names[2], FunctionID: ln.function,
					StartLine: d.functions[fi].startLine, Line: ln.line, Column: ln.column})
			}
		}
		rec.Lines = lines
		if err := sink.Location(rec); err != nil {
			return err
		}
	}
	return nil
}

// sampleReplay holds the buffers reused across samples.
type sampleReplay struct {
	d       *pprofDecoder
	t       *pprofTables
	sink    Sink       // declares label sets
	out     SampleSink // takes the samples
	frozen  bool       // sets is complete and shared: only read it
	metrics int
	locs    []uint64
	vals    []uint64
	ivals   []int64
	key     []byte
	sets    map[string]uint64
	labels  []Label
}

// minParallelSamples is the smallest snapshot whose samples are replayed
// by several goroutines: below it, splitting costs more than it saves.
const minParallelSamples = 1 << 15

// replaySamples decodes the kept samples and feeds them to sink: split
// into runs, one goroutine each, when the sink takes that (ParallelSink)
// and the snapshot is large.
func (d *pprofDecoder) replaySamples(sink Sink, t *pprofTables, metrics int) error {
	r := &sampleReplay{d: d, t: t, sink: sink, out: sink, metrics: metrics, sets: map[string]uint64{}}
	ps, ok := sink.(ParallelSink)
	n := runtime.GOMAXPROCS(0)
	if !ok || n < 2 || d.samples.n < minParallelSamples {
		return d.samples.each(r.sample)
	}
	// Label sets are declared first, in sample order, so that every run
	// finds them (and their ids are as a sequential replay makes them).
	if err := d.samples.each(r.declareLabels); err != nil {
		return err
	}
	runs := d.samples.split(n)
	first := make([]int, len(runs))
	for k, p := range runs {
		first[k] = p.index
	}
	samplers, err := ps.ForkSamples(first)
	if err != nil {
		return err
	}
	errs := make([]error, len(runs))
	var wg sync.WaitGroup
	for k, p := range runs {
		count := d.samples.n - p.index
		if k+1 < len(runs) {
			count = runs[k+1].index - p.index
		}
		run := &sampleReplay{d: d, t: t, out: samplers[k], metrics: metrics, sets: r.sets, frozen: true}
		wg.Go(func() { errs[k] = d.samples.eachFrom(p, count, true, run.sample) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return ps.JoinSamples()
}

// declareLabels declares the label set of one sample, when it is new.
func (r *sampleReplay) declareLabels(b []byte, off int64) error {
	r.key = r.key[:0]
	for len(b) > 0 {
		if _, _, rest, ok := packedField(b); ok {
			b = rest
			continue
		}
		f, rest, err := nextField(b)
		if err != nil {
			return r.d.fail(off, err)
		}
		b = rest
		if f.num == 3 && f.typ == wireBytes {
			r.key = binary.AppendUvarint(r.key, uint64(len(f.bytes)))
			r.key = append(r.key, f.bytes...)
		}
	}
	if _, err := r.labelSet(); err != nil {
		return r.d.fail(off, err)
	}
	return nil
}

// packedField recognises, at the start of a sample's bytes, its packed
// location ids (field 1) or packed values (field 2), the two fields nearly
// every sample is made of, without the general field decoder: it returns
// the field's number, its payload and the bytes after it. ok is false for
// any other field and for a length that overruns the sample, which the
// general decoder then takes (and words the error for).
func packedField(b []byte) (num byte, payload, rest []byte, ok bool) {
	c := b[0]
	if c != 1<<3|wireBytes && c != 2<<3|wireBytes {
		return 0, nil, nil, false
	}
	l, n := uvarint(b[1:])
	if n <= 0 || l > uint64(len(b)-1-n) {
		return 0, nil, nil, false
	}
	return c >> 3, b[1+n : 1+n+int(l)], b[1+n+int(l):], true
}

func (r *sampleReplay) sample(b []byte, off int64) error {
	r.locs, r.vals, r.key = r.locs[:0], r.vals[:0], r.key[:0]
	for len(b) > 0 {
		if num, p, rest, ok := packedField(b); ok {
			b = rest
			var err error
			if num == 1 {
				r.locs, err = appendPacked(r.locs, p)
			} else {
				r.vals, err = appendPacked(r.vals, p)
			}
			if err != nil {
				return r.d.fail(off, err)
			}
			continue
		}
		f, rest, err := nextField(b)
		if err != nil {
			return r.d.fail(off, err)
		}
		b = rest
		switch f.num {
		case 1:
			r.locs, err = appendVarints(r.locs, f)
		case 2:
			r.vals, err = appendVarints(r.vals, f)
		case 3:
			if f.typ != wireBytes {
				err = fmt.Errorf("corrupt or truncated protobuf: a sample label has wire type %d", f.typ)
			}
			r.key = binary.AppendUvarint(r.key, uint64(len(f.bytes)))
			r.key = append(r.key, f.bytes...)
		}
		if err != nil {
			return r.d.fail(off, err)
		}
	}
	if len(r.vals) != r.metrics {
		return r.d.fail(off, fmt.Errorf("malformed profile: mismatch: sample has %d values vs. %d types", len(r.vals), r.metrics))
	}
	for _, id := range r.locs {
		if !r.t.locs.has(id) {
			return r.d.fail(off, fmt.Errorf("malformed profile: a sample refers to location %d, which the profile does not have", id))
		}
	}
	set, err := r.labelSet()
	if err != nil {
		return r.d.fail(off, err)
	}
	r.ivals = r.ivals[:0]
	for _, v := range r.vals {
		r.ivals = append(r.ivals, int64(v))
	}
	return r.out.Sample(r.locs, r.ivals, set)
}

// labelSet returns the id of the sample's label set (r.key holds its
// encoded labels), declaring it the first time; 0 when it has none.
func (r *sampleReplay) labelSet() (uint64, error) {
	if len(r.key) == 0 {
		return 0, nil
	}
	if id, ok := r.sets[string(r.key)]; ok {
		return id, nil
	}
	if r.frozen {
		return 0, errors.New("a label set was not declared before the samples were split (a bug in dumpdiff)")
	}
	r.labels = r.labels[:0]
	for b := r.key; len(b) > 0; {
		n, k := uvarint(b)
		l, err := r.decodeLabel(b[k : k+int(n)])
		if err != nil {
			return 0, err
		}
		if l != nil {
			r.labels = append(r.labels, *l)
		}
		b = b[k+int(n):]
	}
	id := uint64(0)
	if len(r.labels) > 0 {
		id = uint64(len(r.sets) + 1)
		if err := r.sink.LabelSet(id, r.labels); err != nil {
			return 0, err
		}
	}
	r.sets[string(r.key)] = id
	return id, nil
}

// decodeLabel reads one Label message the way profile.Parse does: a string
// label when str is set, else a numeric one when num or num_unit is; nil
// when it is neither.
func (r *sampleReplay) decodeLabel(b []byte) (*Label, error) {
	var key, str, num, unit uint64
	err := eachField(b, func(f msgField) error {
		if f.num < 1 || f.num > 4 {
			return nil
		}
		v, err := varintField(f)
		switch f.num {
		case 1:
			key = v
		case 2:
			str = v
		case 3:
			num = v
		case 4:
			unit = v
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	d := r.d
	l := &Label{}
	if l.Key, err = d.str(int64(key), "a label key"); err != nil {
		return nil, err
	}
	switch {
	case str != 0:
		l.Str, err = d.str(int64(str), "a label value")
	case num != 0 || unit != 0:
		l.IsNum, l.Num = true, int64(num)
		if unit != 0 {
			l.NumUnit, err = d.str(int64(unit), "a label unit")
		}
	default:
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return l, nil
}
