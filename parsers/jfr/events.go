package jfr

import (
	"fmt"
	"slices"
	"strconv"
)

// Event is one profiler.Malloc or profiler.Free event of async-profiler's
// nativemem mode.
type Event struct {
	Time    int64  // ticks of the chunk's clock (Chunk.Nanos converts)
	Thread  uint64 // id in the thread pool
	Stack   uint64 // id in the stack trace pool
	Address uint64
	Size    int64 // bytes allocated; 0 for a free
}

// Names of the event types read.
const (
	MallocEvent  = "profiler.Malloc"
	FreeEvent    = "profiler.Free"
	settingEvent = "jdk.ActiveSetting"
	jvmEvent     = "jdk.JVMInformation"
)

// noType stands for an event type the metadata does not define.
const noType = ^uint64(0)

// Roles of the fields of a native-memory event.
const (
	roleOther uint8 = iota
	roleTime
	roleThread
	roleStack
	roleAddress
	roleSize
)

// eventIndex is what the scan of a chunk's events found: the layouts of
// the two native-memory event types and the runs of them that are already
// in time order.
type eventIndex struct {
	malloc, free           uint64 // type ids, noType when absent
	mallocRoles, freeRoles []uint8
	runs                   []run
}

// run is a stretch of the chunk whose native-memory events are in time
// order. async-profiler buffers events per thread group and writes a
// buffer when it fills, so a chunk is a few sorted runs per buffer
// written, interleaved in time.
type run struct {
	start, end int   // chunk offsets: first event, end of the last
	first      int64 // time of the first event
}

// layout maps the fields of a native-memory event type to roles; every
// field must be written as an integer.
func (c *Chunk) layout(t *Type) ([]uint8, error) {
	roles := make([]uint8, len(t.Fields))
	for i, f := range t.Fields {
		if f.Array || c.fieldKind(f) != kindVarint {
			return nil, fmt.Errorf("event %s has a field %q this reader cannot decode", t.Name, f.Name)
		}
		switch f.Name {
		case "startTime":
			roles[i] = roleTime
		case "eventThread":
			roles[i] = roleThread
		case "stackTrace":
			roles[i] = roleStack
		case "address":
			roles[i] = roleAddress
		case "size":
			roles[i] = roleSize
		}
	}
	if !slices.Contains(roles, roleTime) || !slices.Contains(roles, roleAddress) {
		return nil, fmt.Errorf("event %s lacks a startTime or address field", t.Name)
	}
	return roles, nil
}

// scanEvents reads the settings and JVM information events and indexes
// the runs of native-memory events.
func (c *Chunk) scanEvents() error {
	ix := &c.events
	ix.malloc, ix.free = noType, noType
	for name, dst := range map[string]*uint64{MallocEvent: &ix.malloc, FreeEvent: &ix.free} {
		if t := c.byName[name]; t != nil {
			roles, err := c.layout(t)
			if err != nil {
				return &Error{Offset: c.Offset + c.Header.MetaOffset, Err: err}
			}
			*dst = t.ID
			if name == MallocEvent {
				ix.mallocRoles = roles
			} else {
				ix.freeRoles = roles
			}
		}
	}
	d := &decoder{b: c.data, pos: HeaderSize, base: c.Offset}
	last := int64(0)
	setting, jvm := c.typeID(settingEvent), c.typeID(jvmEvent)
	for d.left() > 0 {
		at := d.pos
		typ, body, end, ok := recordHeader(d.b, at)
		if !ok {
			d.record("an event") // for the error
			return d.err
		}
		switch {
		case c.isNative(typ):
			t, ok := c.eventTime(d.b[:end], body, typ)
			if !ok {
				return c.badEvent(d, at, end)
			}
			if n := len(ix.runs); n == 0 || t < last {
				ix.runs = append(ix.runs, run{start: at, first: t})
			}
			ix.runs[len(ix.runs)-1].end = end
			last = t
			if typ == ix.malloc {
				c.Mallocs++
			} else {
				c.Frees++
			}
		case typ == setting || typ == jvm:
			r := decoder{b: d.b[:end], pos: body, base: d.base}
			if typ == setting {
				c.readSetting(&r)
			} else {
				c.readJVMInfo(&r)
			}
			if r.err != nil {
				return r.err
			}
		}
		d.pos = end
	}
	return nil
}

// recordHeader reads the size and type of the record at pos of b: its
// body (the fields) starts at body, the next record at end. ok is false
// when the size or type does not fit in b.
func recordHeader(b []byte, pos int) (typ uint64, body, end int, ok bool) {
	size, p := uvarint(b, pos)
	if p < 0 || size < 2 || size > uint64(len(b)-pos) {
		return 0, 0, 0, false
	}
	end = pos + int(size)
	typ, body = uvarint(b[:end], p)
	return typ, body, end, body >= 0
}

// uvarint reads a JFR varint at pos of b (see decoder.varint) and returns
// it and the position after it, or -1 when b ends first: the decoder's hot
// path, without its bookkeeping.
func uvarint(b []byte, pos int) (uint64, int) {
	if pos < len(b) && b[pos] < 0x80 {
		return uint64(b[pos]), pos + 1
	}
	var v uint64
	for shift := uint(0); pos < len(b); shift, pos = shift+7, pos+1 {
		c := b[pos]
		if shift == 56 {
			return v | uint64(c)<<56, pos + 1
		}
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v, pos + 1
		}
	}
	return 0, -1
}

// badEvent records that the native-memory event at [at, end) ends inside
// one of its fields.
func (c *Chunk) badEvent(d *decoder, at, end int) *Error {
	d.failAt(d.base+int64(at), fmt.Errorf("%w inside the %d-byte event at byte %d", ErrTruncated, end-at, d.base+int64(at)))
	return d.err
}

// isNative reports whether typ is profiler.Malloc or profiler.Free.
func (c *Chunk) isNative(typ uint64) bool {
	return typ != noType && (typ == c.events.malloc || typ == c.events.free)
}

func (c *Chunk) typeID(name string) uint64 {
	if t := c.byName[name]; t != nil {
		return t.ID
	}
	return noType
}

// eventTime decodes the fields of a native-memory event of type typ, whose
// body starts at pos of b and ends with b, up to its time: all the scan
// needs.
func (c *Chunk) eventTime(b []byte, pos int, typ uint64) (int64, bool) {
	roles := c.events.freeRoles
	if typ == c.events.malloc {
		roles = c.events.mallocRoles
	}
	for _, role := range roles {
		var v uint64
		if v, pos = uvarint(b, pos); pos < 0 {
			return 0, false
		}
		if role == roleTime {
			return int64(v), true
		}
	}
	return 0, false // layout guarantees a time field
}

// decodeEvent decodes the fields of a native-memory event of type typ,
// whose body starts at pos of b and ends with b. A malloc of size 0 (which
// the profiler never records) reads as size 1 so that it is no free.
func (c *Chunk) decodeEvent(b []byte, pos int, typ uint64, ev *Event) bool {
	roles := c.events.freeRoles
	if typ == c.events.malloc {
		roles = c.events.mallocRoles
	}
	*ev = Event{}
	for _, role := range roles {
		var v uint64
		if v, pos = uvarint(b, pos); pos < 0 {
			return false
		}
		switch role {
		case roleTime:
			ev.Time = int64(v)
		case roleThread:
			ev.Thread = v
		case roleStack:
			ev.Stack = v
		case roleAddress:
			ev.Address = v
		case roleSize:
			ev.Size = int64(v)
		}
	}
	if typ == c.events.malloc && ev.Size <= 0 {
		ev.Size = 1
	}
	return true
}

// readSetting reads a jdk.ActiveSetting event into c.Settings.
func (c *Chunk) readSetting(r *decoder) {
	t := c.byName[settingEvent]
	vals := c.readFlat(r, t, nil)
	if r.err == nil {
		c.Settings[c.text(field(t, vals, "name"))] = c.text(field(t, vals, "value"))
	}
}

// readJVMInfo reads a jdk.JVMInformation event into c.JVM.
func (c *Chunk) readJVMInfo(r *decoder) {
	t := c.byName[jvmEvent]
	vals := c.readFlat(r, t, nil)
	if r.err == nil {
		c.JVM = JVMInfo{Name: c.text(field(t, vals, "jvmName")), Version: c.text(field(t, vals, "jvmVersion"))}
		if pid := field(t, vals, "pid"); pid.num > 0 && pid.num < 1<<31 {
			c.JVM.PID = int(pid.num)
		}
	}
}

// text resolves a string value, following a string pool reference.
func (c *Chunk) text(v value) string {
	if v.isRef {
		return c.strings[v.num]
	}
	return v.str
}

// Events calls each with the chunk's native-memory events in time order
// (events of the same tick in a fixed order). The Event is reused between
// calls. An error from each stops the walk and is returned.
func (c *Chunk) Events(each func(*Event) error) error {
	ix := &c.events
	if len(ix.runs) <= 1 {
		for _, rn := range ix.runs {
			if err := c.walkRun(rn, each); err != nil {
				return err
			}
		}
		return nil
	}
	return c.mergeRuns(each)
}

// walkRun calls each with the events of one run.
func (c *Chunk) walkRun(rn run, each func(*Event) error) error {
	var ev Event
	d := &decoder{b: c.data[:rn.end], pos: rn.start, base: c.Offset}
	for d.left() > 0 {
		if !c.next(d, &ev) {
			break
		}
		if err := each(&ev); err != nil {
			return err
		}
	}
	return errOrNil(d.err)
}

// next decodes the next native-memory event at or after d's position,
// skipping other records; false at the end of d or on an error (in d.err).
func (c *Chunk) next(d *decoder, ev *Event) bool {
	b := d.b
	for pos := d.pos; pos < len(b); {
		typ, body, end, ok := recordHeader(b, pos)
		if !ok {
			d.pos = pos
			d.record("an event") // for the error
			return false
		}
		if c.isNative(typ) {
			d.pos = end
			if !c.decodeEvent(b[:end], body, typ, ev) {
				c.badEvent(d, pos, end)
				return false
			}
			return true
		}
		pos = end
	}
	d.pos = len(b)
	return false
}

func errOrNil(e *Error) error {
	if e == nil {
		return nil
	}
	return e
}

// SettingInt returns a setting as an integer, or ok false when it is
// absent or not a number.
func SettingInt(settings map[string]string, name string) (v int64, ok bool) {
	s, ok := settings[name]
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil
}
