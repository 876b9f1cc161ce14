package heaptrack

import (
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// events reads every event of a recording.
func events(t *testing.T, d *Decoder) []Event {
	t.Helper()
	var out []Event
	for {
		ev, err := d.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ev)
	}
}

// TestDecoderFrames: frames come innermost first, an instruction pointer's
// inlined functions as frames of their own after the function it is in;
// a frame without a function keeps its module and address; stack ids
// number only the stacks that allocate.
func TestDecoderFrames(t *testing.T) {
	// Lines as heaptrack 1.4 writes them (cut from a recording of the C
	// lifecycle program): call_init is inlined into call_init at
	// dl-init.c:0x1a, and 7f1013aa57b9 is in libstdc++ without a symbol.
	rec := `v 10400 3
X ./lifecycle -n 8
I 1000 5e2939
s 24 /lib/x86_64-linux-gnu/libstdc++.so.6
s 1b /lib64/ld-linux-x86-64.so.2
s 9 call_init
s f ./elf/dl-init.c
s 8 _dl_init
i 7f1013aabb03 2 5 4 79
t 1 0
i 7f1013aaba1d 2 3 4 4a 3 4 1a
t 2 1
i 7f1013aa57b9 1
t 3 2
a 11c00 3
c a
+ 0
R 3ab
- 0
`
	d := NewDecoder(strings.NewReader(rec))
	h, err := d.ReadHeader()
	if err != nil {
		t.Fatal(err)
	}
	if h.Version != 0x010400 || h.FileVersion != 3 || h.Command != "./lifecycle -n 8" || h.PageSize != 4096 || h.VersionString() != "1.4.0" {
		t.Errorf("got header %+v, want heaptrack 1.4.0, format 3, command ./lifecycle -n 8, pages of 4096 bytes", h)
	}
	want := []Event{{Kind: Alloc, Time: 10, Size: 0x11c00, Stack: 1}, {Kind: RSS, Time: 10, Size: 0x3ab * 4096}, {Kind: Free, Time: 10, Size: 0x11c00, Stack: 1}}
	if got := events(t, d); !slices.Equal(got, want) {
		t.Errorf("got events %+v, want %+v", got, want)
	}
	if d.Stacks() != 1 {
		t.Errorf("got %d stacks, want 1 (three stack nodes, one allocates)", d.Stacks())
	}
	frames := d.AppendFrames(nil, 1)
	wantFrames := []Frame{
		{Module: "/lib/x86_64-linux-gnu/libstdc++.so.6", IP: 0x7f1013aa57b9},
		{Function: "call_init", File: "./elf/dl-init.c", Line: 0x4a, Module: "/lib64/ld-linux-x86-64.so.2", IP: 0x7f1013aaba1d},
		{Function: "call_init", File: "./elf/dl-init.c", Line: 0x1a, Module: "/lib64/ld-linux-x86-64.so.2", IP: 0x7f1013aaba1d},
		{Function: "_dl_init", File: "./elf/dl-init.c", Line: 0x79, Module: "/lib64/ld-linux-x86-64.so.2", IP: 0x7f1013aabb03},
	}
	if !slices.Equal(frames, wantFrames) {
		t.Errorf("got frames\n%+v\nwant\n%+v", frames, wantFrames)
	}
	if got := d.AppendFrames(nil, 7); got != nil {
		t.Errorf("unknown stack: got frames %v, want none", got)
	}
}

// TestDecoderOldFormats: file format 1 and 2 strings run to the end of the
// line (spaces included); heaptrack 1.0 wrote only its own version, 1.2.0,
// which is format 1; a function without a file is a frame without a line.
func TestDecoderOldFormats(t *testing.T) {
	for _, v := range []string{"v 10200", "v 10300 2"} {
		rec := v + "\ns operator new(unsigned long)\ni 4005d0 0 1\nt 1 0\na 20 1\n+ 0\n"
		d := NewDecoder(strings.NewReader(rec))
		evs := events(t, d)
		if len(evs) != 1 || evs[0].Size != 0x20 {
			t.Fatalf("%s: got events %+v, want one allocation of 32 bytes", v, evs)
		}
		want := []Frame{{Function: "operator new(unsigned long)", IP: 0x4005d0}}
		if got := d.AppendFrames(nil, evs[0].Stack); !slices.Equal(got, want) {
			t.Errorf("%s: got frames %+v, want %+v", v, got, want)
		}
	}
}

// TestDecoderLongLine: a line longer than the read buffer (a C++ name of
// 300 000 characters) is read whole.
func TestDecoderLongLine(t *testing.T) {
	name := strings.Repeat("std::vector<", 25000)
	rec := "v 10400 3\ns " + strconv.FormatInt(int64(len(name)), 16) + " " + name + "\ni 1 0 1\nt 1 0\na 8 1\n+ 0\n"
	d := NewDecoder(strings.NewReader(rec))
	evs := events(t, d)
	if got := d.AppendFrames(nil, evs[0].Stack); len(got) != 1 || got[0].Function != name {
		t.Errorf("got %d frames, want one named with the %d-character string", len(got), len(name))
	}
}

// TestDecoderTruncated: a last line without its newline is an error
// wrapping ErrTruncated at that line's offset, after every event before it.
func TestDecoderTruncated(t *testing.T) {
	rec := "v 10400 3\ns 1 f\ni 1 0 1\nt 1 0\na 8 1\n+ 0\n+ 0\n- "
	d := NewDecoder(strings.NewReader(rec))
	n := 0
	var err error
	for err == nil {
		_, err = d.Next()
		n++
	}
	var se *SyntaxError
	if !errors.Is(err, ErrTruncated) || !errors.As(err, &se) || se.Offset != int64(len(rec)-2) || se.Line != 8 || n != 3 {
		t.Errorf("got %d events then %v (%+v), want 2 events then a truncation at line 8, byte %d", n-1, err, se, len(rec)-2)
	}
	if d.Offset() != int64(len(rec)-2) || d.Line() != 7 {
		t.Errorf("got offset %d after line %d, want %d after 7", d.Offset(), d.Line(), len(rec)-2)
	}
}
