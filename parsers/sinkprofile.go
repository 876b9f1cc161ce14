package parsers

import (
	"errors"
	"slices"
	"strings"

	"github.com/google/pprof/profile"
)

// This file joins the two models: EmitSnapshot feeds a parsed Snapshot to a
// Sink (so that a reader that still builds a *profile.Profile reaches every
// sink), and SnapshotBuilder is the Sink that builds Snapshots (so that a
// streaming reader also serves Open, inspect and the pprof export).

// EmitSnapshot feeds snap to sink as a reader would: its Baseline first
// (Header.Baseline set), then snap itself.
func EmitSnapshot(snap *Snapshot, sink Sink) error {
	if b := snap.Baseline; b != nil {
		base := *b
		if base.Name == "" {
			base.Name = snap.Name + " (baseline)"
		}
		if base.Format == "" {
			base.Format = snap.Format
		}
		base.Baseline = nil
		if err := emitOne(&base, true, sink); err != nil {
			return err
		}
	}
	return emitOne(snap, false, sink)
}

// SnapshotHeader describes snap as a Sink's Header.
func SnapshotHeader(snap *Snapshot) *Header {
	h := &Header{
		Name: snap.Name, Format: snap.Format, Variant: snap.Variant, Producer: snap.Producer,
		Lifecycle: snap.Lifecycle, Time: snap.Time, PID: snap.PID, RSS: snap.RSS,
		Period: snap.Period, PeriodUnit: snap.PeriodUnit, Unsampled: snap.Unsampled,
		Metrics: snap.Metrics(),
	}
	p := snap.Profile
	if p == nil {
		return h
	}
	h.DefaultMetric, h.DropFrames, h.KeepFrames = p.DefaultSampleType, p.DropFrames, p.KeepFrames
	pf := &ProfileFields{Period: p.Period, TimeNanos: p.TimeNanos, DurationNanos: p.DurationNanos, Comments: p.Comments}
	if p.PeriodType != nil {
		pf.PeriodType = &Metric{Name: p.PeriodType.Type, Unit: p.PeriodType.Unit}
	}
	if pf.PeriodType != nil || pf.Period != 0 || pf.TimeNanos != 0 || pf.DurationNanos != 0 || len(pf.Comments) > 0 {
		h.Profile = pf
	}
	return h
}

// emitOne feeds one snapshot, without its Baseline. Mappings and locations
// are numbered by position: hand-built profiles may leave ids at zero.
func emitOne(snap *Snapshot, baseline bool, sink Sink) error {
	h := SnapshotHeader(snap)
	h.Baseline = baseline
	if err := sink.Begin(h); err != nil {
		return err
	}
	if p := snap.Profile; p != nil {
		e := profileEmitter{sink: sink, maps: map[*profile.Mapping]uint64{}, locs: map[*profile.Location]uint64{}, labels: map[string]uint64{}}
		if err := e.emit(p); err != nil {
			return err
		}
	}
	return sink.End(snap.Warnings)
}

// profileEmitter walks one profile into a sink.
type profileEmitter struct {
	sink   Sink
	maps   map[*profile.Mapping]uint64
	locs   map[*profile.Location]uint64
	labels map[string]uint64
	lines  []Line
	ids    []uint64
	lbuf   []Label
	key    []byte
}

func (e *profileEmitter) emit(p *profile.Profile) error {
	for _, m := range p.Mapping {
		if _, err := e.mapping(m); err != nil {
			return err
		}
	}
	for _, l := range p.Location {
		if _, err := e.location(l); err != nil {
			return err
		}
	}
	for _, s := range p.Sample {
		if err := e.sample(s); err != nil {
			return err
		}
	}
	return nil
}

func (e *profileEmitter) mapping(m *profile.Mapping) (uint64, error) {
	if m == nil {
		return 0, nil
	}
	if id, ok := e.maps[m]; ok {
		return id, nil
	}
	id := uint64(len(e.maps) + 1)
	e.maps[m] = id
	return id, e.sink.Mapping(&Mapping{
		ID: id, Start: m.Start, Limit: m.Limit, Offset: m.Offset, File: m.File, BuildID: m.BuildID,
		HasFunctions: m.HasFunctions, HasFilenames: m.HasFilenames, HasLineNumbers: m.HasLineNumbers, HasInlineFrames: m.HasInlineFrames,
	})
}

func (e *profileEmitter) location(l *profile.Location) (uint64, error) {
	if id, ok := e.locs[l]; ok {
		return id, nil
	}
	mid, err := e.mapping(l.Mapping)
	if err != nil {
		return 0, err
	}
	id := uint64(len(e.locs) + 1)
	e.locs[l] = id
	e.lines = e.lines[:0]
	for _, ln := range l.Line {
		out := Line{Line: ln.Line, Column: ln.Column}
		if f := ln.Function; f != nil {
			out.Function, out.SystemName, out.File, out.StartLine = f.Name, f.SystemName, f.Filename, f.StartLine
		}
		e.lines = append(e.lines, out)
	}
	return id, e.sink.Location(&Location{ID: id, MappingID: mid, Address: l.Address, Lines: e.lines, IsFolded: l.IsFolded})
}

func (e *profileEmitter) sample(s *profile.Sample) error {
	ids := e.ids[:0]
	for _, l := range s.Location {
		id, err := e.location(l)
		if err != nil {
			return err
		}
		ids = append(ids, id)
	}
	e.ids = ids
	set, err := e.labelSet(s)
	if err != nil {
		return err
	}
	return e.sink.Sample(ids, s.Value, set)
}

// labelSet declares the sample's labels the first time that set is seen
// and returns its id; 0 when the sample has none.
func (e *profileEmitter) labelSet(s *profile.Sample) (uint64, error) {
	if len(s.Label) == 0 && len(s.NumLabel) == 0 {
		return 0, nil
	}
	ls := e.lbuf[:0]
	for k, vs := range s.Label {
		for _, v := range vs {
			ls = append(ls, Label{Key: k, Str: v})
		}
	}
	for k, ns := range s.NumLabel {
		units := s.NumUnit[k]
		for i, n := range ns {
			l := Label{Key: k, Num: n, IsNum: true}
			if i < len(units) {
				l.NumUnit = units[i]
			}
			ls = append(ls, l)
		}
	}
	// Map order is random; a set is its labels in a fixed order.
	slices.SortStableFunc(ls, compareLabels)
	e.lbuf = ls
	key := appendLabelKey(e.key[:0], ls)
	e.key = key
	if id, ok := e.labels[string(key)]; ok {
		return id, nil
	}
	id := uint64(len(e.labels) + 1)
	e.labels[string(key)] = id
	return id, e.sink.LabelSet(id, ls)
}

func compareLabels(a, b Label) int {
	if c := strings.Compare(a.Key, b.Key); c != 0 {
		return c
	}
	if a.IsNum != b.IsNum {
		if a.IsNum {
			return 1
		}
		return -1
	}
	return strings.Compare(a.Str, b.Str)
}

// appendLabelKey appends a byte string that equals for equal label lists.
func appendLabelKey(b []byte, ls []Label) []byte {
	for _, l := range ls {
		b = append(b, l.Key...)
		b = append(b, 0)
		if l.IsNum {
			b = append(b, 1)
			for v := uint64(l.Num); ; v >>= 8 {
				b = append(b, byte(v))
				if v>>8 == 0 {
					break
				}
			}
			b = append(b, 0)
			b = append(b, l.NumUnit...)
		} else {
			b = append(b, 2)
			b = append(b, l.Str...)
		}
		b = append(b, 0)
	}
	return b
}

// SnapshotBuilder is the Sink that builds Snapshots, each with a
// *profile.Profile, from what a reader emits: the model that Open returns.
// A snapshot marked Header.Baseline becomes the Baseline of the next one.
type SnapshotBuilder struct {
	// Emit, when set, is called with each finished snapshot (its Baseline
	// attached) instead of collecting it; an error stops the reader.
	Emit func(*Snapshot) error

	snaps   []*Snapshot
	pending *Snapshot // a Baseline waiting for its snapshot

	cur    *Snapshot
	maps   map[uint64]*profile.Mapping
	locs   map[uint64]*profile.Location
	fns    map[profile.Function]*profile.Function
	labels map[uint64][]Label
}

var _ Sink = (*SnapshotBuilder)(nil)

// Snapshots returns the snapshots built so far, without those that are a
// Baseline (they hang off the next one).
func (b *SnapshotBuilder) Snapshots() []*Snapshot { return b.snaps }

// Begin starts a Snapshot with an empty profile.
func (b *SnapshotBuilder) Begin(h *Header) error {
	p := &profile.Profile{DefaultSampleType: h.DefaultMetric, DropFrames: h.DropFrames, KeepFrames: h.KeepFrames}
	for _, m := range h.Metrics {
		p.SampleType = append(p.SampleType, &profile.ValueType{Type: m.Name, Unit: m.Unit})
	}
	if pf := h.Profile; pf != nil {
		p.Period, p.TimeNanos, p.DurationNanos, p.Comments = pf.Period, pf.TimeNanos, pf.DurationNanos, slices.Clone(pf.Comments)
		if pf.PeriodType != nil {
			p.PeriodType = &profile.ValueType{Type: pf.PeriodType.Name, Unit: pf.PeriodType.Unit}
		}
	}
	s := newSnapshot(h.Name, h.Format, p)
	s.Variant, s.Producer, s.Lifecycle = h.Variant, h.Producer, h.Lifecycle
	s.Time, s.PID, s.RSS = h.Time, h.PID, h.RSS
	s.Period, s.PeriodUnit, s.Unsampled = h.Period, h.PeriodUnit, h.Unsampled
	if h.Baseline {
		// Marked until End, which parks it for the next snapshot.
		s.Baseline = s
	}
	b.cur = s
	b.maps = map[uint64]*profile.Mapping{}
	b.locs = map[uint64]*profile.Location{}
	b.fns = map[profile.Function]*profile.Function{}
	b.labels = map[uint64][]Label{}
	return nil
}

// Mapping adds a profile.Mapping.
func (b *SnapshotBuilder) Mapping(m *Mapping) error {
	if b.cur == nil {
		return errOutsideSnapshot
	}
	p := b.cur.Profile
	pm := &profile.Mapping{
		ID: m.ID, Start: m.Start, Limit: m.Limit, Offset: m.Offset, File: m.File, BuildID: m.BuildID,
		HasFunctions: m.HasFunctions, HasFilenames: m.HasFilenames, HasLineNumbers: m.HasLineNumbers, HasInlineFrames: m.HasInlineFrames,
	}
	p.Mapping = append(p.Mapping, pm)
	b.maps[m.ID] = pm
	return nil
}

// Location adds a profile.Location, sharing Function records between
// locations of the same function.
func (b *SnapshotBuilder) Location(l *Location) error {
	if b.cur == nil {
		return errOutsideSnapshot
	}
	p := b.cur.Profile
	pl := &profile.Location{ID: l.ID, Address: l.Address, IsFolded: l.IsFolded, Mapping: b.maps[l.MappingID]}
	for _, ln := range l.Lines {
		key := profile.Function{Name: ln.Function, SystemName: ln.SystemName, Filename: ln.File, StartLine: ln.StartLine}
		fn := b.fns[key]
		if fn == nil {
			fn = &key
			fn.ID = uint64(len(p.Function) + 1)
			p.Function = append(p.Function, fn)
			b.fns[key] = fn
		}
		pl.Line = append(pl.Line, profile.Line{Function: fn, Line: ln.Line, Column: ln.Column})
	}
	p.Location = append(p.Location, pl)
	b.locs[l.ID] = pl
	return nil
}

// LabelSet keeps a copy of the labels for the samples that refer to them.
func (b *SnapshotBuilder) LabelSet(id uint64, labels []Label) error {
	if b.cur == nil {
		return errOutsideSnapshot
	}
	b.labels[id] = slices.Clone(labels)
	return nil
}

// Sample adds a profile.Sample.
func (b *SnapshotBuilder) Sample(locations []uint64, values []int64, labelSet uint64) error {
	if b.cur == nil {
		return errOutsideSnapshot
	}
	s := &profile.Sample{Value: slices.Clone(values), Location: make([]*profile.Location, 0, len(locations))}
	for _, id := range locations {
		l := b.locs[id]
		if l == nil {
			return errUndeclared
		}
		s.Location = append(s.Location, l)
	}
	for _, l := range b.labels[labelSet] {
		if l.IsNum {
			if s.NumLabel == nil {
				s.NumLabel, s.NumUnit = map[string][]int64{}, map[string][]string{}
			}
			// Units as profile.Parse keeps them: only where some label of
			// the key has one, padded with "" to line up with the numbers.
			if l.NumUnit != "" {
				units := s.NumUnit[l.Key]
				for len(units) < len(s.NumLabel[l.Key]) {
					units = append(units, "")
				}
				s.NumUnit[l.Key] = append(units, l.NumUnit)
			}
			s.NumLabel[l.Key] = append(s.NumLabel[l.Key], l.Num)
			continue
		}
		if s.Label == nil {
			s.Label = map[string][]string{}
		}
		s.Label[l.Key] = append(s.Label[l.Key], l.Str)
	}
	b.cur.Profile.Sample = append(b.cur.Profile.Sample, s)
	return nil
}

// End finishes the snapshot: it becomes the next one's Baseline, or is
// emitted (or kept) with the Baseline before it.
func (b *SnapshotBuilder) End(warnings []error) error {
	s := b.cur
	if s == nil {
		return errOutsideSnapshot
	}
	b.cur, b.maps, b.locs, b.fns, b.labels = nil, nil, nil, nil, nil
	s.Warnings = append(s.Warnings, warnings...)
	s.Symbolized = s.Profile.HasFunctions()
	if s.Baseline == s {
		s.Baseline = nil
		b.pending = s
		return nil
	}
	s.Baseline, b.pending = b.pending, nil
	if b.Emit != nil {
		return b.Emit(s)
	}
	b.snaps = append(b.snaps, s)
	return nil
}

var (
	errOutsideSnapshot = errors.New("sink called outside Begin … End (a reader bug)")
	errUndeclared      = errors.New("sample refers to an undeclared location (a reader bug)")
)
