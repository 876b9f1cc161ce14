package jfr

import (
	"fmt"
	"strconv"
)

// Type is a class of the chunk's metadata: an event type, a constant pool
// type or a value type, with its fields in the order they are written.
type Type struct {
	ID     uint64
	Name   string
	Super  string // "jdk.jfr.Event" for events
	Simple bool   // a type whose values are its single field's (enums)
	Fields []Field
}

// Field is one field of a Type.
type Field struct {
	Name string
	Type uint64
	// Pool: the value is an id into the constant pool of Type.
	Pool bool
	// Array: the value is a count then that many values.
	Array bool
}

// FieldIndex returns the index of the field called name, or -1.
func (t *Type) FieldIndex(name string) int {
	for i, f := range t.Fields {
		if f.Name == name {
			return i
		}
	}
	return -1
}

// maxDepth bounds the nesting of metadata elements and of values: real
// metadata nests four deep, a hostile file must not exhaust the stack.
const maxDepth = 32

// metadataParser reads the metadata event's element tree.
type metadataParser struct {
	d       *decoder
	strings []string
	types   map[uint64]*Type
	byName  map[string]*Type
}

// parseMetadata reads the metadata event at the decoder's position.
func parseMetadata(d *decoder) (map[uint64]*Type, map[string]*Type, *Error) {
	start := d.offset()
	md, typ := d.record("the metadata")
	d = &md
	if d.err == nil && typ != 0 {
		d.failAt(start, fmt.Errorf("want the metadata event (type 0), got type %d", typ))
	}
	d.varint() // start time
	d.varint() // duration
	d.varint() // metadata id
	p := &metadataParser{d: d, types: map[uint64]*Type{}, byName: map[string]*Type{}}
	n := d.count(d.left(), "metadata string count")
	p.strings = make([]string, 0, min(n, d.left()))
	for i := 0; i < n && d.err == nil; i++ {
		s, _, ref := d.str()
		if ref {
			d.fail("metadata string %d refers to the string pool", i)
		}
		p.strings = append(p.strings, s)
	}
	p.element(0, nil)
	return p.types, p.byName, d.err
}

// element reads one element and its children; parent is the class an
// element "field" belongs to.
func (p *metadataParser) element(depth int, parent *Type) {
	d := p.d
	if depth > maxDepth {
		d.fail("metadata nests deeper than %d elements", maxDepth)
		return
	}
	name := p.string()
	nattr := d.count(d.left()/2, "metadata attribute count")
	attrs := make(map[string]string, min(nattr, 8))
	for i := 0; i < nattr && d.err == nil; i++ {
		k := p.string()
		attrs[k] = p.string()
	}
	var class *Type
	switch name {
	case "class":
		class = p.class(attrs)
	case "field":
		if parent != nil {
			p.field(parent, attrs)
		}
	}
	nchild := d.count(d.left()/3, "metadata child count")
	for i := 0; i < nchild && d.err == nil; i++ {
		p.element(depth+1, class)
	}
}

func (p *metadataParser) string() string {
	at := p.d.offset()
	i := p.d.varint()
	if i >= uint64(len(p.strings)) {
		if p.d.err == nil {
			p.d.failAt(at, fmt.Errorf("metadata string index %d out of %d", i, len(p.strings)))
		}
		return ""
	}
	return p.strings[i]
}

func (p *metadataParser) class(attrs map[string]string) *Type {
	id, err := strconv.ParseUint(attrs["id"], 10, 64)
	if err != nil {
		p.d.fail("metadata class %q has id %q", attrs["name"], attrs["id"])
		return nil
	}
	t := &Type{ID: id, Name: attrs["name"], Super: attrs["superType"], Simple: attrs["simpleType"] == "true"}
	p.types[id] = t
	p.byName[t.Name] = t
	return t
}

func (p *metadataParser) field(t *Type, attrs map[string]string) {
	typ, err := strconv.ParseUint(attrs["class"], 10, 64)
	if err != nil {
		p.d.fail("metadata field %s.%s has type %q", t.Name, attrs["name"], attrs["class"])
		return
	}
	t.Fields = append(t.Fields, Field{
		Name:  attrs["name"],
		Type:  typ,
		Pool:  attrs["constantPool"] == "true",
		Array: attrs["dimension"] == "1",
	})
}
