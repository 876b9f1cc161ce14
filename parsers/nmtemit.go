package parsers

// nmtMetrics are the sample types of an NMT snapshot, in slot order.
var nmtMetrics = []Metric{
	{Name: "reserved", Unit: "bytes"},
	{Name: "committed", Unit: "bytes"},
	{Name: "malloc", Unit: "bytes"},
	{Name: "malloc", Unit: "count"},
	{Name: "mmap_reserved", Unit: "bytes"},
	{Name: "mmap_committed", Unit: "bytes"},
	{Name: "arena", Unit: "bytes"},
}

// emit feeds the report to sink: for a diff report its baseline (current
// − delta) first, then its current values.
func (p *nmtParser) emit(sink Sink) error {
	p.splitBySpans()
	p.checkTotal()
	if p.diff {
		base := func(v *nmtVals) (out [nmtSlots]int64) {
			for i := range out {
				out[i] = v.cur[i] - v.delta[i]
			}
			return out
		}
		if err := p.emitSide(sink, true, base); err != nil {
			return err
		}
	}
	return p.emitSide(sink, false, func(v *nmtVals) [nmtSlots]int64 { return v.cur })
}

// emitSide feeds one snapshot, with the values pick chooses.
func (p *nmtParser) emitSide(sink Sink, baseline bool, pick func(*nmtVals) [nmtSlots]int64) error {
	variant := "nmt-summary"
	if p.detail {
		variant = "nmt-detail"
	}
	if p.diff {
		variant += ".diff"
	}
	h := &Header{
		Name: p.name, Format: FormatNMT, Variant: variant, Producer: p.producer, PID: p.pid, Lifecycle: -1,
		Baseline: baseline, Metrics: nmtMetrics, DefaultMetric: "committed",
		Profile: &ProfileFields{Comments: p.comments()},
	}
	if baseline {
		h.Name += " (baseline)"
	}
	if err := sink.Begin(h); err != nil {
		return err
	}
	e := &nmtEmitter{p: p, sink: sink, locs: make([]uint64, len(p.frames.list)), maps: map[string]uint64{}, sets: map[string]uint64{}}
	if err := p.side(pick, e); err != nil {
		return err
	}
	var warnings []error
	if !baseline {
		warnings = p.warnings
	}
	return sink.End(warnings)
}

// nmtEmitter feeds one side's samples, declaring each frame's location,
// each module's mapping and each category's label set the first time a
// sample uses it.
type nmtEmitter struct {
	p      *nmtParser
	sink   Sink
	locs   []uint64 // location id by frame index, 0 while undeclared
	maps   map[string]uint64
	sets   map[string]uint64
	ids    []uint64
	nextID uint64
	lines  [1]Line
	err    error
}

// add feeds one sample, unless its values are all zero.
func (e *nmtEmitter) add(frames []uint32, category string, v [nmtSlots]int64) {
	if e.err != nil || v == [nmtSlots]int64{} {
		return
	}
	e.ids = e.ids[:0]
	for _, f := range frames {
		id, err := e.location(f)
		if err != nil {
			e.err = err
			return
		}
		e.ids = append(e.ids, id)
	}
	set, ok := e.sets[category]
	if !ok {
		set = uint64(len(e.sets) + 1)
		e.sets[category] = set
		if e.err = e.sink.LabelSet(set, []Label{{Key: "category", Str: category}}); e.err != nil {
			return
		}
	}
	e.err = e.sink.Sample(e.ids, v[:], set)
}

// location returns the id of frame f's location, declaring it (and its
// module's mapping) the first time.
func (e *nmtEmitter) location(f uint32) (uint64, error) {
	for int(f) >= len(e.locs) { // frames added after the emitter was made
		e.locs = append(e.locs, 0)
	}
	if id := e.locs[f]; id != 0 {
		return id, nil
	}
	fr := e.p.frames.list[f]
	var mid uint64
	if fr.module != "" {
		mid = e.maps[fr.module]
		if mid == 0 {
			mid = uint64(len(e.maps) + 1)
			e.maps[fr.module] = mid
			if err := e.sink.Mapping(&Mapping{ID: mid, File: fr.module, HasFunctions: true}); err != nil {
				return 0, err
			}
		}
	}
	e.nextID++
	e.locs[f] = e.nextID
	e.lines[0] = Line{Function: fr.fn, SystemName: fr.fn, FunctionID: uint64(f) + 1}
	return e.nextID, e.sink.Location(&Location{ID: e.nextID, MappingID: mid, Lines: e.lines[:]})
}
