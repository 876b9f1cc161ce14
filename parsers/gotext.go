package parsers

import (
	"bytes"
	"slices"
)

// This file reads the "#" comments of Go's debug=1 heap profile
// (/debug/pprof/heap?debug=1, pprof.WriteTo(w, 1)), which name the frames
// of the stack line above them:
//
//	1: 262144 [4: 376832] @ 0x51bc1f 0x4a8b3d
//	#	0x51bc1e	main.leak+0x5e		/src/main.go:14
//
// Go 1.11 and later print the stack's return address minus one there, the
// address the pprof library stores; Go 1.10 and earlier printed the return
// address itself, as on the stack line. Inlined calls repeat the address,
// innermost first. Go leaves out runtime frames at both ends of each stack
// (the allocator below the program, runtime.main's caller above): a stack
// keeps the frames Go printed for it, so that it reads as Go printed it and
// no unnamed address ends up in a site key. An address is named by the
// first stack that names it.

// goPending is the last stack line read, held until its comments are.
type goPending struct {
	open  bool
	line  int
	vals  []int64
	block int64
	rets  []uint64 // its addresses, as written
	// comments are the frames its comments name, as written.
	comments []goComment
	// shown are the addresses (return address − 1) its comments named.
	shown []uint64
}

// goComment is one frame comment of a stack.
type goComment struct {
	addr uint64
	goFrame
}

// maxGoComments bounds the comments kept for one stack (Go prints one per
// frame and inlined call: a few per frame at most).
const maxGoComments = 4 * maxStackDepth

func (p *goPending) reset(line int) {
	p.line, p.block, p.vals = line, 0, p.vals[:0]
	p.comments, p.shown = p.comments[:0], p.shown[:0]
}

// isShown reports whether a comment named address a (after nameComments).
func (p *goPending) isShown(a uint64) bool {
	_, ok := slices.BinarySearch(p.shown, a)
	return ok
}

// goFrame is one frame a comment names.
type goFrame struct {
	fn, file string
	line     int64
}

// goNames holds the frames named per address (return address − 1), each
// address by the first stack that names it.
type goNames struct {
	byAddr  map[uint64]*goNamed
	stack   int               // the current stack, counted from 1
	strings map[string]string // function and file names, each kept once
}

type goNamed struct {
	stack  int // the stack that named it
	frames []goFrame
}

// endStack moves on to the next stack.
func (g *goNames) endStack() { g.stack++ }

func (g *goNames) intern(b []byte) string {
	if s, ok := g.strings[string(b)]; ok {
		return s
	}
	if g.strings == nil {
		g.strings = map[string]string{}
	}
	s := string(b)
	g.strings[s] = s
	return s
}

// frames returns what names the address a, nil when nothing does.
func (g *goNames) frames(a uint64) []goFrame {
	if n := g.byAddr[a]; n != nil {
		return n.frames
	}
	return nil
}

// goComment keeps a "#" line under a stack line of Go text for
// nameComments; comments that name no frame ("# runtime.MemStats",
// "# Alloc = …") are skipped.
func (tr *tcmallocReader) goComment(text []byte) {
	if bytes.HasPrefix(text, []byte("# runtime.MemStats")) {
		tr.sawMemStats = true // Go wrote its profile to the end
	}
	p := &tr.pending
	if !p.open || len(p.comments) == maxGoComments {
		return
	}
	a, fn, file, line, ok := parseGoFrameComment(text[1:])
	if !ok {
		return
	}
	g := &tr.goNames
	p.comments = append(p.comments, goComment{addr: a, goFrame: goFrame{fn: g.intern(fn), file: g.intern(file), line: line}})
}

// nameComments files the comments of the pending stack: the addresses
// they show for it, and the frames they name for addresses no earlier
// stack named. Go 1.11 and later print each location's return address
// minus one (inlined calls at consecutive fake return addresses, each
// minus one); Go 1.10 and earlier printed the return address itself, as
// on the stack line. Which one a stack's comments give is told by whether
// every comment's address plus one is on its stack line.
func (tr *tcmallocReader) nameComments() {
	p := &tr.pending
	if len(p.comments) == 0 {
		return
	}
	onLine := append(p.shown[:0], p.rets...) // p.shown serves as scratch
	slices.Sort(onLine)
	shift := uint64(0)
	for _, c := range p.comments {
		if _, ok := slices.BinarySearch(onLine, c.addr+1); !ok {
			shift = 1 // Go 1.10: the address as on the stack line
			break
		}
	}
	g := &tr.goNames
	shown := onLine[:0]
	for _, c := range p.comments {
		a := c.addr - shift
		shown = append(shown, a)
		n := g.byAddr[a]
		if n == nil {
			if g.byAddr == nil {
				g.byAddr = map[uint64]*goNamed{}
			}
			n = &goNamed{stack: g.stack}
			g.byAddr[a] = n
		}
		if n.stack == g.stack {
			n.frames = append(n.frames, c.goFrame)
		}
	}
	slices.Sort(shown)
	p.shown = shown
}

// parseGoFrameComment reads "\t0x51bc1e\tmain.leak+0x5e\t\t/src/main.go:14"
// (a comment line without its "#"): the address, the function without its
// offset, the file and the line.
func parseGoFrameComment(b []byte) (a uint64, fn, file []byte, line int64, ok bool) {
	addr, rest := cutField(b)
	fn, rest = cutField(rest)
	where := trimBlank(rest)
	if len(addr) < 3 || addr[0] != '0' || addr[1] != 'x' {
		return 0, nil, nil, 0, false
	}
	if a, ok = parseHex(addr[2:]); !ok {
		return 0, nil, nil, 0, false
	}
	if i := bytes.LastIndex(fn, []byte("+0x")); i > 0 {
		fn = fn[:i]
	}
	colon := bytes.LastIndexByte(where, ':')
	if len(fn) == 0 || colon <= 0 {
		return 0, nil, nil, 0, false
	}
	if line, ok = parseDecimal(where[colon+1:]); !ok {
		return 0, nil, nil, 0, false
	}
	return a, fn, where[:colon], line, true
}
