package jfr

import "math"

// kind is how a field's value is written.
type kind uint8

const (
	kindVarint kind = iota // integers of any width and constant pool ids
	kindByte               // boolean, byte
	kindFloat              // 4 bytes
	kindDouble             // 8 bytes
	kindString             // a string in one of the encodings
	kindStruct             // the fields of another type, inline
)

// fieldKind says how a value of f is written (ignoring Array).
func (c *Chunk) fieldKind(f Field) kind {
	if f.Pool {
		return kindVarint
	}
	return c.typeKind(f.Type)
}

// typeKind says how a value of the type with id typ is written.
func (c *Chunk) typeKind(typ uint64) kind {
	t := c.types[typ]
	if t == nil {
		return kindStruct // skipValue reports the unknown type
	}
	switch t.Name {
	case "boolean", "byte":
		return kindByte
	case "char", "short", "int", "long":
		return kindVarint
	case "float":
		return kindFloat
	case "double":
		return kindDouble
	case "java.lang.String":
		return kindString
	}
	return kindStruct
}

// skipValue moves past one value of field f (an array if f is one).
func (c *Chunk) skipValue(d *decoder, f Field, depth int) {
	n := 1
	if f.Array {
		n = d.count(d.left(), "array length")
	}
	k := c.fieldKind(f)
	for i := 0; i < n && d.err == nil; i++ {
		before := d.pos
		c.skipKind(d, k, f.Type, depth)
		if d.pos == before && d.err == nil {
			// A value that takes no bytes would let an array's count make
			// the walk as long as it likes.
			d.fail("field %s: values of type %d take no bytes", f.Name, f.Type)
		}
	}
}

// skipKind moves past one value written as k, of type typ.
func (c *Chunk) skipKind(d *decoder, k kind, typ uint64, depth int) {
	switch k {
	case kindVarint:
		d.varint()
	case kindByte:
		d.skip(1, "a byte value")
	case kindFloat:
		d.skip(4, "a float value")
	case kindDouble:
		d.skip(8, "a double value")
	case kindString:
		d.str()
	case kindStruct:
		c.skipStruct(d, typ, depth+1)
	}
}

func (c *Chunk) skipStruct(d *decoder, typ uint64, depth int) {
	t := c.types[typ]
	switch {
	case t == nil:
		d.fail("value of type %d, which the metadata does not define", typ)
		return
	case depth > maxDepth:
		d.fail("values nest deeper than %d", maxDepth)
		return
	}
	for _, f := range t.Fields {
		c.skipValue(d, f, depth)
	}
}

// value is one decoded scalar field: a number (integers, pool ids) or a
// string (inline, or a reference into the string pool).
type value struct {
	num   uint64
	str   string
	isRef bool // str is unresolved: num is a string pool id
}

// readFlat reads a value of type t whose fields are scalars, into vals
// (one per field; arrays and nested structs are skipped and read as 0).
func (c *Chunk) readFlat(d *decoder, t *Type, vals []value) []value {
	vals = vals[:0]
	for _, f := range t.Fields {
		var v value
		switch k := c.fieldKind(f); {
		case f.Array || k == kindStruct:
			c.skipValue(d, f, 1)
		case k == kindVarint:
			v.num = d.varint()
		case k == kindByte:
			v.num = uint64(d.byte1())
		case k == kindString:
			v.str, v.num, v.isRef = d.str()
		default:
			c.skipValue(d, f, 1)
		}
		vals = append(vals, v)
	}
	return vals
}

// asInt32 clamps a decoded integer (line numbers, byte code indexes) to
// int32, which is what the JVM writes.
func asInt32(v uint64) int32 {
	if v > math.MaxInt32 {
		return int32(uint32(v))
	}
	return int32(v)
}
