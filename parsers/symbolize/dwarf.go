package symbolize

import (
	"debug/dwarf"
	"slices"
	"sort"

	"github.com/ianlancetaylor/demangle"
)

// dwarfIndex answers "which function, file, line and inlined calls hold this
// address" from DWARF, the way addr2line -f -i -C does. Only the compile
// units' ranges are read up front; a unit's subprograms and line table are
// read the first time an address falls in it, so a large library with
// separate debug info (libc) costs little when few of its functions appear.
// Callers serialise access (binary.mu): debug/dwarf readers are not shared.
type dwarfIndex struct {
	d     *dwarf.Data
	units []unitRange
	funcs map[dwarf.Offset][]funcRange // per compile unit, sorted by low
	cus   map[dwarf.Offset]*cuLines
}

// unitRange is one address range of a compile unit.
type unitRange struct {
	low, high uint64
	cu        dwarf.Offset
}

// funcRange is one address range of a concrete (out-of-line) subprogram.
type funcRange struct {
	low, high uint64
	entry     dwarf.Offset // the subprogram DIE
}

type cuLines struct {
	rows  []lineRow
	files []*dwarf.LineFile
}

type lineRow struct {
	addr uint64
	file string
	line int
	end  bool // end_sequence: no code at addr
}

func newDwarfIndex(d *dwarf.Data) *dwarfIndex {
	x := &dwarfIndex{d: d, funcs: map[dwarf.Offset][]funcRange{}, cus: map[dwarf.Offset]*cuLines{}}
	r := d.Reader()
	for {
		e, err := r.Next()
		if err != nil || e == nil {
			break
		}
		if e.Tag == dwarf.TagCompileUnit || e.Tag == dwarf.TagPartialUnit {
			for _, rg := range codeRanges(d, e) {
				x.units = append(x.units, unitRange{low: rg[0], high: rg[1], cu: e.Offset})
			}
		}
		if e.Children {
			r.SkipChildren()
		}
	}
	if len(x.units) == 0 {
		return nil
	}
	sort.Slice(x.units, func(i, j int) bool {
		if x.units[i].low != x.units[j].low {
			return x.units[i].low < x.units[j].low
		}
		return x.units[i].cu < x.units[j].cu
	})
	return x
}

// codeRanges are e's non-empty address ranges [low, high); none when the
// entry has no usable ranges (a declaration, or a damaged attribute).
func codeRanges(d *dwarf.Data, e *dwarf.Entry) [][2]uint64 {
	ranges, err := d.Ranges(e)
	if err != nil {
		return nil
	}
	return slices.DeleteFunc(ranges, func(rg [2]uint64) bool { return rg[1] <= rg[0] })
}

// unitFuncs indexes the subprograms of the compile unit at cu, once.
func (x *dwarfIndex) unitFuncs(cu dwarf.Offset) []funcRange {
	if fs, ok := x.funcs[cu]; ok {
		return fs
	}
	var fs []funcRange
	r := x.d.Reader()
	r.Seek(cu)
	if e, err := r.Next(); err == nil && e != nil && e.Children {
		for depth := 1; depth > 0; {
			e, err := r.Next()
			if err != nil || e == nil {
				break
			}
			if e.Tag == 0 {
				depth--
				continue
			}
			if e.Tag == dwarf.TagSubprogram {
				for _, rg := range codeRanges(x.d, e) {
					fs = append(fs, funcRange{low: rg[0], high: rg[1], entry: e.Offset})
				}
				// Inlined calls are found at lookup time, under the subprogram.
				if e.Children {
					r.SkipChildren()
				}
				continue
			}
			if e.Children {
				depth++ // namespaces, classes: C++ definitions may nest there
			}
		}
	}
	sort.Slice(fs, func(i, j int) bool {
		if fs[i].low != fs[j].low {
			return fs[i].low < fs[j].low
		}
		return fs[i].entry < fs[j].entry
	})
	x.funcs[cu] = fs
	return fs
}

// find returns the compile unit and subprogram ranges that hold pc.
func (x *dwarfIndex) find(pc uint64) (dwarf.Offset, *funcRange) {
	i := sort.Search(len(x.units), func(i int) bool { return x.units[i].low > pc }) - 1
	for j := i; j >= 0 && j > i-8; j-- { // unit ranges rarely overlap; look a little back
		u := x.units[j]
		if pc < u.low || pc >= u.high {
			continue
		}
		fs := x.unitFuncs(u.cu)
		k := sort.Search(len(fs), func(k int) bool { return fs[k].low > pc }) - 1
		for l := k; l >= 0 && l > k-4; l-- {
			if pc >= fs[l].low && pc < fs[l].high {
				return u.cu, &fs[l]
			}
		}
	}
	return 0, nil
}

// lookup returns the frames at pc, innermost (most deeply inlined) first, or
// nil when no subprogram covers pc.
func (x *dwarfIndex) lookup(pc uint64) []frame {
	cu, fr := x.find(pc)
	if fr == nil {
		return nil
	}
	r := x.d.Reader()
	r.Seek(fr.entry)
	sub, err := r.Next()
	if err != nil || sub == nil {
		return nil
	}
	// Walk the subprogram's children, descending only into entries whose
	// ranges hold pc, collecting the inlined calls from outermost inwards.
	var chain []*dwarf.Entry
	depth := 0
	if sub.Children {
		depth = 1
	}
	for depth > 0 {
		e, err := r.Next()
		if err != nil || e == nil {
			break
		}
		if e.Tag == 0 {
			depth--
			continue
		}
		holds, hasRanges := x.holds(e, pc)
		if e.Tag == dwarf.TagInlinedSubroutine && holds {
			chain = append(chain, e)
		}
		if !e.Children {
			continue
		}
		if holds || (!hasRanges && e.Tag == dwarf.TagLexDwarfBlock) {
			depth++
			continue
		}
		r.SkipChildren()
	}

	lines := x.lines(cu)
	file, line := lines.at(pc)
	name, sys := x.name(sub, 0)
	frames := make([]frame, 0, len(chain)+1)
	for k := len(chain) - 1; k >= 0; k-- {
		n, s := x.name(chain[k], 0)
		frames = append(frames, frame{name: n, sysName: s, file: file, line: int64(line)})
		// The caller's position is where this inlined call was made.
		file, line = lines.file(chain[k].Val(dwarf.AttrCallFile)), intVal(chain[k].Val(dwarf.AttrCallLine))
	}
	frames = append(frames, frame{name: name, sysName: sys, file: file, line: int64(line)})
	if frames[0].name == "" {
		return nil
	}
	for k := range frames {
		if frames[k].name == "" {
			frames[k].name = "??"
		}
	}
	return frames
}

// holds reports whether e's address ranges contain pc, and whether e has
// ranges at all.
func (x *dwarfIndex) holds(e *dwarf.Entry, pc uint64) (holds, hasRanges bool) {
	if e.Val(dwarf.AttrLowpc) == nil && e.Val(dwarf.AttrRanges) == nil {
		return false, false
	}
	ranges, err := x.d.Ranges(e)
	if err != nil {
		return false, true
	}
	for _, rg := range ranges {
		if pc >= rg[0] && pc < rg[1] {
			return true, true
		}
	}
	return false, true
}

// name returns the demangled and raw name of a subprogram or inlined call,
// following abstract_origin and specification references: the linkage
// (mangled) name when there is one, as addr2line -C prints, else the plain name.
func (x *dwarfIndex) name(e *dwarf.Entry, depth int) (string, string) {
	if s, ok := e.Val(dwarf.AttrLinkageName).(string); ok && s != "" {
		return demangleName(s), s
	}
	if s, ok := e.Val(attrMIPSLinkageName).(string); ok && s != "" {
		return demangleName(s), s
	}
	plain, _ := e.Val(dwarf.AttrName).(string)
	var refName, refSys string
	if depth < 4 {
		for _, a := range []dwarf.Attr{dwarf.AttrAbstractOrigin, dwarf.AttrSpecification} {
			off, ok := e.Val(a).(dwarf.Offset)
			if !ok {
				continue
			}
			r := x.d.Reader()
			r.Seek(off)
			if ref, err := r.Next(); err == nil && ref != nil {
				if refName, refSys = x.name(ref, depth+1); refName != "" {
					break
				}
			}
		}
	}
	// A linkage name found through a reference beats a plain name here.
	if refName != "" && (refSys != refName || plain == "") {
		return refName, refSys
	}
	return plain, plain
}

// attrMIPSLinkageName is DW_AT_MIPS_linkage_name, which older GCCs write
// instead of DW_AT_linkage_name.
const attrMIPSLinkageName dwarf.Attr = 0x2007

// lines returns the line table of the compile unit at off, read once.
func (x *dwarfIndex) lines(off dwarf.Offset) *cuLines {
	if c := x.cus[off]; c != nil {
		return c
	}
	c := &cuLines{}
	x.cus[off] = c
	r := x.d.Reader()
	r.Seek(off)
	cu, err := r.Next()
	if err != nil || cu == nil {
		return c
	}
	lr, err := x.d.LineReader(cu)
	if err != nil || lr == nil {
		return c
	}
	c.files = lr.Files()
	var le dwarf.LineEntry
	for lr.Next(&le) == nil {
		row := lineRow{addr: le.Address, line: le.Line, end: le.EndSequence}
		if le.File != nil {
			row.file = le.File.Name
		}
		c.rows = append(c.rows, row)
	}
	// At one address an end_sequence row (the end of the previous sequence)
	// sorts before the rows that start the next one.
	sort.SliceStable(c.rows, func(i, j int) bool {
		if c.rows[i].addr != c.rows[j].addr {
			return c.rows[i].addr < c.rows[j].addr
		}
		return c.rows[i].end && !c.rows[j].end
	})
	return c
}

// at returns the file and line of the row that covers pc.
func (c *cuLines) at(pc uint64) (string, int) {
	i := sort.Search(len(c.rows), func(i int) bool { return c.rows[i].addr > pc }) - 1
	// Among rows at one address the last describes the instruction: each
	// row covers the addresses up to the next row, so the earlier ones
	// (GCC's location views, an inlined call's caller line) cover nothing.
	// addr2line and llvm-symbolizer read the table the same way.
	if i < 0 || c.rows[i].end {
		return "", 0
	}
	return c.rows[i].file, c.rows[i].line
}

// file returns the name of file index v (DW_AT_call_file) in the unit's table.
func (c *cuLines) file(v any) string {
	i := intVal(v)
	if i < 0 || i >= len(c.files) || c.files[i] == nil {
		return ""
	}
	return c.files[i].Name
}

func intVal(v any) int {
	switch n := v.(type) {
	case int64:
		return int(n)
	case uint64:
		return int(n)
	}
	return 0
}

// demangleName demangles C++ and Rust symbol names the way pprof does by
// default, and as jeprof shortens them: no parameter lists, template
// arguments or return types ("_ZN2os6mallocEm8MEMFLAGS" → "os::malloc").
// Other names stay as they are. Overloads then share a name, as in pprof;
// Function.SystemName keeps the mangled name that tells them apart.
func demangleName(s string) string {
	return demangle.Filter(s, demangle.NoParams, demangle.NoEnclosingParams, demangle.NoTemplateParams)
}
