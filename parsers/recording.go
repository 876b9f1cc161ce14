package parsers

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"time"

	"github.com/google/pprof/profile"
)

// This file turns a recording of allocations and frees (async-profiler's
// nativemem events, heaptrack's allocation trace) into snapshots of what was
// still live per stack: one snapshot at the end of each lifecycle, so that a
// single recording across N task restarts is a series by itself. The format
// readers decode their files into Recorder calls; splitting and bookkeeping
// live here, once, for every recorder.

// SplitOptions say where the lifecycles of one recording end. The zero value
// makes the whole recording one lifecycle: one snapshot of what was live at
// its end (what was never freed, for a process that exited).
type SplitOptions struct {
	// Every ends a lifecycle every Every of recording time (--every). The
	// recording's last, shorter stretch counts as a lifecycle when it lasted
	// at least half of Every.
	Every time.Duration
	// Marker starts a lifecycle at an allocation by a stack with a frame
	// whose function matches it (--lifecycle-marker), e.g. the operator's
	// open method. The snapshot of a lifecycle is taken just before the next
	// one starts, and at the end of the recording for the last one; what was
	// recorded before the first marker allocation is no lifecycle.
	Marker *regexp.Regexp
	// MarkerWindow: a marker allocation less than MarkerWindow after the
	// previous one belongs to the same lifecycle (one open() may allocate
	// many times, several subtasks may open together, and a traced open is
	// slow: heaptrack's took 150 ms for 100 allocations on a loaded
	// machine); a lifecycle starts after a quiet gap. 0 means
	// DefaultMarkerWindow.
	MarkerWindow time.Duration
}

// DefaultMarkerWindow is the quiet gap between marker allocations that
// starts a new lifecycle: longer than the gaps inside one traced open,
// short against a task's life.
const DefaultMarkerWindow = 100 * time.Millisecond

// MaxLifecycles bounds the lifecycles one recording is cut into: a
// duration or marker that would cut more (or a damaged clock) is refused
// rather than emitting snapshots without end.
const MaxLifecycles = 10000

// Enabled reports whether the options split a recording at all.
func (o SplitOptions) Enabled() bool { return o.Every > 0 || o.Marker != nil }

// Check refuses contradictory options.
func (o SplitOptions) Check() error {
	if o.Every < 0 {
		return fmt.Errorf("--every %v: want a positive duration", o.Every)
	}
	if o.Every > 0 && o.Marker != nil {
		return errors.New("--every and --lifecycle-marker both split a recording: choose one")
	}
	return nil
}

// RecordedFrame is one frame of a recorded stack. A symbolised frame has a
// Function (File and Line when known); an unsymbolised one names its Module
// and the Offset within it, which survives ASLR and restarts.
type RecordedFrame struct {
	Function string
	File     string
	Line     int64
	// Module is the mapped file's path or name, "" when unknown.
	Module string
	// Offset is the frame's address within Module (file offset), used when
	// Function is empty.
	Offset uint64
}

// StackSource resolves a reader's stack ids to frames, innermost first. It
// is asked once per stack, when the stack first goes into a snapshot or is
// checked for a marker frame. A stack with no frames is left out of the
// snapshots: a reader records such allocations only so that their frees
// pair up (async-profiler's own allocations, say).
type StackSource interface {
	AppendFrames(dst []RecordedFrame, stack uint32) []RecordedFrame
}

// RecordingInfo describes a recording for the snapshots cut from it.
type RecordingInfo struct {
	Name     string
	Format   Format
	Variant  string
	Producer string
	// Start is the wall-clock time at recording time 0, zero when unknown.
	Start time.Time
	PID   int
	// Period is the sampling interval in bytes, 0 when every allocation
	// was recorded; values are then already scaled by the reader.
	Period int64
	// DropFrames is a regexp of allocator frames for the site trimmer.
	DropFrames string
	// Symbolized says that the recorder already named every frame it could
	// (heaptrack does): a frame without a function keeps its module and
	// address, and no symboliser looks at it again. Its Offset may then be
	// an absolute address (heaptrack keeps no load addresses), which only
	// identifies the frame within one recording.
	Symbolized bool
}

// Recorder replays a recording's allocations and frees in time order and
// emits a snapshot of the live memory per stack at each lifecycle's end.
// Memory is bounded by the open allocations and the stacks that hold them.
// Times are nanoseconds since the recording started and must not decrease
// (readers sort what their format interleaves).
type Recorder struct {
	info   RecordingInfo
	split  SplitOptions
	stacks StackSource
	emit   func(*Snapshot) error

	live     liveTable
	perStack []stackTotals // by stack id
	marker   []int8        // by stack id: 0 unknown, 1 has a marker frame, -1 not
	frames   []RecordedFrame
	// Every distinct frame once (frameList, by id), and each stack as frame
	// ids, resolved on first use: a snapshot then costs an index per frame,
	// not a hash of its strings.
	frameIndex  map[RecordedFrame]int32
	frameList   []RecordedFrame
	stackFrames [][]int32 // by stack id; nil until resolved

	now       int64 // time of the last event
	cut       int64 // end of the current lifecycle (Every), or its start (Marker)
	lastMark  int64 // Marker: time of the last marker allocation
	inCycle   bool  // Marker: the first marker allocation has been seen
	emitted   int
	lastRSS   int64
	unmatched int64 // frees of addresses never allocated in the recording
	warnings  []error
}

type stackTotals struct {
	liveObjs, liveBytes   int64
	allocObjs, allocBytes int64
}

// NewRecorder returns a Recorder that calls emit with each snapshot as soon
// as its lifecycle ends; an error from emit stops the replay.
func NewRecorder(info RecordingInfo, split SplitOptions, stacks StackSource, emit func(*Snapshot) error) (*Recorder, error) {
	if err := split.Check(); err != nil {
		return nil, err
	}
	if split.Marker != nil && split.MarkerWindow <= 0 {
		split.MarkerWindow = DefaultMarkerWindow
	}
	r := &Recorder{info: info, split: split, stacks: stacks, emit: emit, frameIndex: map[RecordedFrame]int32{}}
	r.live.init()
	if split.Every > 0 {
		r.cut = int64(split.Every)
	}
	return r, nil
}

// advance moves the clock to t, ending every lifecycle of --every that
// ended before t.
func (r *Recorder) advance(t int64) error {
	if t < r.now {
		t = r.now
	}
	if r.split.Every > 0 && t >= r.cut && int64(r.emitted)+(t-r.cut)/int64(r.split.Every)+1 >= MaxLifecycles {
		return &ParseError{Format: r.info.Format, Name: r.info.Name,
			Err: fmt.Errorf("--every %v cuts the recording (%v long at least) into more than %d lifecycles: choose a longer duration", r.split.Every, time.Duration(t), MaxLifecycles)}
	}
	for r.split.Every > 0 && t >= r.cut {
		if err := r.snapshot(r.cut); err != nil {
			return err
		}
		r.cut += int64(r.split.Every)
	}
	r.now = t
	return nil
}

// Alloc records size bytes allocated at addr at time t by stack. An address
// that is still live is taken as freed first (the recorder missed a free).
func (r *Recorder) Alloc(t int64, addr uint64, size int64, stack uint32) error {
	return r.AllocSample(t, addr, size, 1, stack)
}

// AllocSample records a sampled allocation at addr at time t by stack that
// stands for count allocations of size bytes in all: the reader has scaled
// both up from what the sample recorded (async-profiler's nativemem=N), so
// live and allocated totals estimate the real process. count is at least 1.
func (r *Recorder) AllocSample(t int64, addr uint64, size, count int64, stack uint32) error {
	if err := r.advance(t); err != nil {
		return err
	}
	if r.split.Marker != nil && r.isMarker(stack) {
		if err := r.markerAlloc(t); err != nil {
			return err
		}
	}
	count = min(max(count, 1), math.MaxUint32)
	if old, ok := r.live.swap(addr, liveAlloc{size: size, stack: stack, objs: uint32(count)}); ok {
		r.release(old)
	}
	st := r.totals(stack)
	st.liveObjs += count
	st.liveBytes += size
	st.allocObjs += count
	st.allocBytes += size
	return nil
}

// AllocByStack records size bytes allocated at time t by stack, for
// recordings that name the allocation a free releases by its size and stack
// rather than by its address (heaptrack's); FreeByStack records the free.
// Such allocations take no room in the table of open allocations.
func (r *Recorder) AllocByStack(t int64, size int64, stack uint32) error {
	if err := r.advance(t); err != nil {
		return err
	}
	if r.split.Marker != nil && r.isMarker(stack) {
		if err := r.markerAlloc(t); err != nil {
			return err
		}
	}
	st := r.totals(stack)
	st.liveObjs++
	st.liveBytes += size
	st.allocObjs++
	st.allocBytes += size
	return nil
}

// FreeByStack records that an allocation of size bytes by stack, recorded
// with AllocByStack, was freed at time t. A free of more allocations than
// the stack made counts as a free of memory allocated before the recording.
func (r *Recorder) FreeByStack(t int64, size int64, stack uint32) error {
	if err := r.advance(t); err != nil {
		return err
	}
	if st := r.totals(stack); st.liveObjs == 0 {
		r.unmatched++
		return nil
	}
	r.release(liveAlloc{size: size, stack: stack})
	return nil
}

// Warn adds a problem that did not stop the reader (a recording cut short)
// to the next snapshot the recorder emits.
func (r *Recorder) Warn(err error) {
	r.warnings = append(r.warnings, err)
}

// Free records that the allocation at addr was freed at time t. Freeing an
// address the recording never saw allocated (it was allocated before the
// recording began) changes nothing.
func (r *Recorder) Free(t int64, addr uint64) error {
	if err := r.advance(t); err != nil {
		return err
	}
	if old, ok := r.live.remove(addr); ok {
		r.release(old)
	} else {
		r.unmatched++
	}
	return nil
}

// RSS records the process's resident set size at time t, when the recorder
// samples it (heaptrack does).
func (r *Recorder) RSS(t int64, bytes int64) error {
	if err := r.advance(t); err != nil {
		return err
	}
	r.lastRSS = bytes
	return nil
}

// Finish ends the recording at time end (the last event's time when
// smaller) and emits the last lifecycle's snapshot. It fails when a marker
// was set and never allocated.
func (r *Recorder) Finish(end int64) error {
	if err := r.advance(end); err != nil {
		return err
	}
	switch {
	case r.split.Marker != nil:
		if !r.inCycle {
			return &ParseError{Format: r.info.Format, Name: r.info.Name,
				Err: fmt.Errorf("no allocation in the recording has a frame matching --lifecycle-marker %q", r.split.Marker)}
		}
		return r.snapshot(r.now)
	case r.split.Every > 0:
		lastStart := r.cut - int64(r.split.Every)
		if r.emitted == 0 || r.now-lastStart >= int64(r.split.Every)/2 {
			return r.snapshot(r.now)
		}
		return nil
	}
	return r.snapshot(r.now)
}

func (r *Recorder) markerAlloc(t int64) error {
	quiet := t-r.lastMark >= int64(r.split.MarkerWindow)
	r.lastMark = t
	if r.inCycle && !quiet {
		return nil
	}
	if r.inCycle {
		if r.emitted+1 >= MaxLifecycles {
			return &ParseError{Format: r.info.Format, Name: r.info.Name,
				Err: fmt.Errorf("--lifecycle-marker %q starts more than %d lifecycles: choose a frame that allocates once per task start, or a longer --marker-window", r.split.Marker, MaxLifecycles)}
		}
		// The state just before this lifecycle's first allocation is what
		// the previous one left behind.
		if err := r.snapshot(t); err != nil {
			return err
		}
	}
	r.inCycle = true
	r.cut = t
	return nil
}

func (r *Recorder) release(a liveAlloc) {
	st := r.totals(a.stack)
	st.liveObjs -= int64(max(a.objs, 1)) // 0: one allocation (FreeByStack)
	st.liveBytes -= a.size
}

func (r *Recorder) totals(stack uint32) *stackTotals {
	if int(stack) >= len(r.perStack) {
		r.perStack = slices.Grow(r.perStack, int(stack)+1-len(r.perStack))[:int(stack)+1]
	}
	return &r.perStack[stack]
}

func (r *Recorder) isMarker(stack uint32) bool {
	if int(stack) >= len(r.marker) {
		r.marker = slices.Grow(r.marker, int(stack)+1-len(r.marker))[:int(stack)+1]
	}
	if m := r.marker[stack]; m != 0 {
		return m > 0
	}
	r.marker[stack] = -1
	for _, id := range r.stackFrameIDs(stack) {
		if f := r.frameList[id].Function; f != "" && r.split.Marker.MatchString(f) {
			r.marker[stack] = 1
			break
		}
	}
	return r.marker[stack] > 0
}

// stackFrameIDs returns the frames of stack as ids into r.frameList,
// asking the StackSource the first time.
func (r *Recorder) stackFrameIDs(stack uint32) []int32 {
	if int(stack) >= len(r.stackFrames) {
		r.stackFrames = slices.Grow(r.stackFrames, int(stack)+1-len(r.stackFrames))[:int(stack)+1]
	}
	if ids := r.stackFrames[stack]; ids != nil {
		return ids
	}
	r.frames = r.stacks.AppendFrames(r.frames[:0], stack)
	ids := make([]int32, len(r.frames))
	for i, f := range r.frames {
		id, ok := r.frameIndex[f]
		if !ok {
			id = int32(len(r.frameList))
			r.frameIndex[f] = id
			r.frameList = append(r.frameList, f)
		}
		ids[i] = id
	}
	r.stackFrames[stack] = ids
	return ids
}

// Metrics of a recorded snapshot: what is live at its time, and what was
// allocated since the recording started (freed or not).
var recordedSampleTypes = []*profile.ValueType{
	{Type: "inuse_objects", Unit: "count"},
	{Type: "inuse_space", Unit: "bytes"},
	{Type: "alloc_objects", Unit: "count"},
	{Type: "alloc_space", Unit: "bytes"},
}

// snapshot emits the live memory per stack at time t as one snapshot.
func (r *Recorder) snapshot(t int64) error {
	p := &profile.Profile{
		SampleType:        slices.Clone(recordedSampleTypes),
		DefaultSampleType: "inuse_space",
		DropFrames:        r.info.DropFrames,
		DurationNanos:     t,
	}
	if r.info.Period > 0 {
		p.PeriodType = &profile.ValueType{Type: "space", Unit: "bytes"}
		p.Period = r.info.Period
	}
	// Resolve the stacks first, so that samples, their values and their
	// location lists each come out of one allocation.
	nstacks, nframes := 0, 0
	for id := range r.perStack {
		if st := &r.perStack[id]; st.liveObjs != 0 || st.liveBytes != 0 || st.allocObjs != 0 {
			nstacks++
			nframes += len(r.stackFrameIDs(uint32(id)))
		}
	}
	b := recordedProfileBuilder{p: p, frames: r.frameList, locs: make([]*profile.Location, len(r.frameList)),
		fns: map[[2]string]*profile.Function{}, maps: map[string]*profile.Mapping{},
		samples: make([]profile.Sample, 0, nstacks), vals: make([]int64, 0, 4*nstacks), stackLocs: make([]*profile.Location, 0, nframes)}
	p.Sample = make([]*profile.Sample, 0, nstacks)
	for id := range r.perStack {
		st := &r.perStack[id]
		if st.liveObjs == 0 && st.liveBytes == 0 && st.allocObjs == 0 || len(r.stackFrames[id]) == 0 {
			continue // nothing held, or a stack the reader leaves out (see StackSource)
		}
		b.sample(r.stackFrames[id], st.liveObjs, st.liveBytes, st.allocObjs, st.allocBytes)
	}
	r.emitted++
	name := r.info.Name // a recording read whole is one snapshot: the file's
	if r.split.Enabled() {
		name = fmt.Sprintf("%s#%d", r.info.Name, r.emitted)
	}
	snap := newSnapshot(name, r.info.Format, p)
	snap.Variant, snap.Producer, snap.PID = r.info.Variant, r.info.Producer, r.info.PID
	snap.Lifecycle = r.emitted - 1
	if !r.info.Start.IsZero() {
		snap.Time = r.info.Start.Add(time.Duration(t))
		p.TimeNanos = snap.Time.UnixNano()
	}
	if r.info.Period > 0 {
		snap.Period, snap.PeriodUnit, snap.Unsampled = r.info.Period, "bytes", true
	}
	snap.RSS = r.lastRSS
	snap.Symbolized = p.HasFunctions()
	if r.info.Symbolized {
		snap.Symbolized = true
		for _, m := range p.Mapping {
			m.HasFunctions = true
		}
	}
	// A sampled recording frees many allocations it did not sample: those
	// frees say nothing.
	if r.emitted == 1 && r.unmatched > 0 && r.info.Period == 0 {
		snap.Warnings = append(snap.Warnings, &ParseError{Format: r.info.Format, Name: r.info.Name,
			Err: fmt.Errorf("%d frees of memory allocated before the recording started were ignored", r.unmatched)})
	}
	snap.Warnings = append(snap.Warnings, r.warnings...)
	r.warnings = nil
	return r.emit(snap)
}

// recordedProfileBuilder builds one snapshot's profile: a location per
// distinct frame and a mapping per module.
type recordedProfileBuilder struct {
	p      *profile.Profile
	frames []RecordedFrame     // the recorder's frames, by id
	locs   []*profile.Location // by frame id; nil until a sample has it
	fns    map[[2]string]*profile.Function
	maps   map[string]*profile.Mapping
	// Slabs the samples are cut from, sized for the snapshot.
	samples   []profile.Sample
	vals      []int64
	stackLocs []*profile.Location
}

func (b *recordedProfileBuilder) sample(ids []int32, vals ...int64) {
	b.vals = append(b.vals, vals...)
	start := len(b.stackLocs)
	for _, id := range ids {
		b.stackLocs = append(b.stackLocs, b.location(id))
	}
	b.samples = append(b.samples, profile.Sample{
		Value:    b.vals[len(b.vals)-len(vals) : len(b.vals) : len(b.vals)],
		Location: b.stackLocs[start:len(b.stackLocs):len(b.stackLocs)],
	})
	b.p.Sample = append(b.p.Sample, &b.samples[len(b.samples)-1])
}

func (b *recordedProfileBuilder) location(id int32) *profile.Location {
	if l := b.locs[id]; l != nil {
		return l
	}
	f := b.frames[id]
	l := &profile.Location{ID: uint64(len(b.p.Location) + 1), Mapping: b.mapping(f.Module)}
	if f.Function != "" {
		fn := b.fns[[2]string{f.Function, f.File}]
		if fn == nil {
			fn = &profile.Function{ID: uint64(len(b.p.Function) + 1), Name: f.Function, SystemName: f.Function, Filename: f.File}
			b.p.Function = append(b.p.Function, fn)
			b.fns[[2]string{f.Function, f.File}] = fn
		}
		l.Line = []profile.Line{{Function: fn, Line: f.Line}}
	} else {
		// Mappings start at 0 with offset 0, so the address is the offset
		// within the module: the "module+0x…" key of an unsymbolised frame.
		l.Address = f.Offset
	}
	b.p.Location = append(b.p.Location, l)
	b.locs[id] = l
	return l
}

func (b *recordedProfileBuilder) mapping(module string) *profile.Mapping {
	if module == "" {
		return nil
	}
	if m, ok := b.maps[module]; ok {
		return m
	}
	m := &profile.Mapping{ID: uint64(len(b.p.Mapping) + 1), File: module, Limit: ^uint64(0)}
	b.p.Mapping = append(b.p.Mapping, m)
	b.maps[module] = m
	return m
}
