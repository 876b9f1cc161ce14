package jfr

import "fmt"

// Frame is one frame of a stack trace, innermost first in a stack.
type Frame struct {
	Method uint64 // id in the method pool
	Line   int32  // source line, 0 when unknown (compiled frames)
	BCI    int32  // byte code index
	Type   uint64 // id in the frame type pool
}

// Method is an entry of the method pool.
type Method struct {
	Class uint64 // id in the class pool
	Name  uint64 // id in the symbol pool
}

type span struct{ first, n int32 }

// pools are the constant pools a leak hunt reads.
type pools struct {
	stacks     map[uint64]span
	frames     []Frame
	methods    map[uint64]Method
	classes    map[uint64]uint64 // class id -> name symbol id
	symbols    map[uint64]string
	strings    map[uint64]string
	frameTypes map[uint64]string

	// symbolRefs are symbols whose text is a string pool reference,
	// resolved once every pool is read.
	symbolRefs map[uint64]uint64
}

// Stack returns the frames of the stack trace with the given id, innermost
// first, and whether the pool holds it.
func (c *Chunk) Stack(id uint64) ([]Frame, bool) {
	s, ok := c.stacks[id]
	if !ok {
		return nil, false
	}
	return c.frames[s.first : s.first+s.n], true
}

// StackIDs calls each with the id of every stack trace in the pool.
func (c *Chunk) StackIDs(each func(id uint64)) {
	for id := range c.stacks {
		each(id)
	}
}

// MethodName returns the class name (as the JVM spells it,
// "java/nio/ByteBuffer"; empty for a native function) and the method or
// function name of a method id.
func (c *Chunk) MethodName(id uint64) (class, name string, ok bool) {
	m, ok := c.methods[id]
	if !ok {
		return "", "", false
	}
	if cls, ok := c.classes[m.Class]; ok {
		class = c.symbols[cls]
	}
	return class, c.symbols[m.Name], true
}

// FrameType returns the description of a frame type id ("Interpreted",
// "JIT compiled", "Inlined", "C1 compiled", "Native", "C++", "Kernel").
func (c *Chunk) FrameType(id uint64) string { return c.frameTypes[id] }

// maxPools bounds the constant pool records chained in one chunk.
const maxPools = 1 << 16

// readPools reads the chain of constant pool records that ends at the
// header's pool offset, newest first.
func (c *Chunk) readPools() error {
	c.pools = pools{
		stacks: map[uint64]span{}, methods: map[uint64]Method{}, classes: map[uint64]uint64{},
		symbols: map[uint64]string{}, strings: map[uint64]string{}, frameTypes: map[uint64]string{},
		symbolRefs: map[uint64]uint64{},
	}
	off := c.Header.PoolOffset
	for i := 0; ; i++ {
		d := &decoder{b: c.data, pos: int(off), base: c.Offset}
		delta, err := c.readPoolRecord(d)
		if err != nil {
			return err
		}
		if delta == 0 {
			break
		}
		next := off + delta
		if delta > 0 || next < HeaderSize || i == maxPools {
			return &Error{Offset: c.Offset + off, Err: fmt.Errorf("constant pool points to a previous one at chunk offset %d", next)}
		}
		off = next
	}
	for id, ref := range c.symbolRefs {
		c.symbols[id] = c.strings[ref]
	}
	return nil
}

// readPoolRecord reads one constant pool record and returns the offset of
// the previous one relative to it (0 for none).
func (c *Chunk) readPoolRecord(d *decoder) (int64, *Error) {
	start := d.offset()
	r, typ := d.record("a constant pool")
	if r.err == nil && typ != 1 {
		r.failAt(start, fmt.Errorf("want a constant pool (type 1), got type %d", typ))
	}
	r.varint() // start time
	r.varint() // duration
	delta := int64(r.varint())
	r.varint() // flush
	n := r.count(r.left(), "constant pool count")
	for i := 0; i < n && r.err == nil; i++ {
		c.readPool(&r)
	}
	if r.err != nil {
		return 0, r.err
	}
	return delta, nil
}

// readPool reads the entries of one pool: a type id, a count, then an id
// and a value per entry.
func (c *Chunk) readPool(d *decoder) {
	at := d.offset()
	typ := d.varint()
	t := c.types[typ]
	if t == nil {
		if d.err == nil {
			d.failAt(at, fmt.Errorf("constant pool of type %d, which the metadata does not define", typ))
		}
		return
	}
	n := d.count(d.left(), "constant count")
	var vals []value
	for i := 0; i < n && d.err == nil; i++ {
		id := d.varint()
		switch t.Name {
		case "jdk.types.StackTrace":
			c.readStackTrace(d, t, id)
		case "jdk.types.Method":
			vals = c.readFlat(d, t, vals)
			c.methods[id] = Method{Class: field(t, vals, "type").num, Name: field(t, vals, "name").num}
		case "java.lang.Class":
			vals = c.readFlat(d, t, vals)
			c.classes[id] = field(t, vals, "name").num
		case "jdk.types.Symbol":
			vals = c.readFlat(d, t, vals)
			if v := field(t, vals, "string"); v.isRef {
				c.symbolRefs[id] = v.num
			} else {
				c.symbols[id] = v.str
			}
		case "jdk.types.FrameType":
			vals = c.readFlat(d, t, vals)
			c.frameTypes[id] = field(t, vals, "description").str
		case "java.lang.String":
			c.strings[id], _, _ = d.str()
		default:
			c.skipKind(d, c.typeKind(typ), typ, 0)
		}
	}
}

// field returns the value of t's field called name in vals, or a zero
// value when t has no such field.
func field(t *Type, vals []value, name string) value {
	if i := t.FieldIndex(name); i >= 0 && i < len(vals) {
		return vals[i]
	}
	return value{}
}

// readStackTrace reads a jdk.types.StackTrace value: its frames array is
// kept, every other field skipped.
func (c *Chunk) readStackTrace(d *decoder, t *Type, id uint64) {
	first := len(c.frames)
	for _, f := range t.Fields {
		if f.Name != "frames" || !f.Array || f.Pool {
			c.skipValue(d, f, 1)
			continue
		}
		ft := c.types[f.Type]
		if ft == nil {
			d.fail("stack frames of type %d, which the metadata does not define", f.Type)
			return
		}
		n := d.count(d.left(), "stack depth")
		for i := 0; i < n && d.err == nil; i++ {
			before := d.pos
			c.frames = append(c.frames, c.readFrame(d, ft))
			if d.pos == before {
				d.fail("stack frames of type %d take no bytes", f.Type)
			}
		}
	}
	if len(c.frames)-first > 1<<20 {
		d.fail("stack trace %d has %d frames", id, len(c.frames)-first)
		return
	}
	c.stacks[id] = span{first: int32(first), n: int32(len(c.frames) - first)}
}

// readFrame reads a jdk.types.StackFrame value.
func (c *Chunk) readFrame(d *decoder, t *Type) Frame {
	var fr Frame
	for _, f := range t.Fields {
		if f.Array || c.fieldKind(f) != kindVarint {
			c.skipValue(d, f, 1)
			continue
		}
		v := d.varint()
		switch f.Name {
		case "method":
			fr.Method = v
		case "lineNumber":
			fr.Line = asInt32(v)
		case "bytecodeIndex":
			fr.BCI = asInt32(v)
		case "type":
			fr.Type = v
		}
	}
	return fr
}
