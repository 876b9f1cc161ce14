package parsers

import (
	"errors"
	"io"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// fakeStacks names stack i by the functions in names[i], innermost first.
type fakeStacks [][]string

func (f fakeStacks) AppendFrames(dst []RecordedFrame, stack uint32) []RecordedFrame {
	for _, fn := range f[stack] {
		dst = append(dst, RecordedFrame{Function: fn, Module: "worker"})
	}
	return dst
}

// record replays a scripted recording and returns the live bytes per
// innermost function of each snapshot emitted.
func record(t *testing.T, split SplitOptions, script func(r *Recorder) error) []map[string]int64 {
	t.Helper()
	stacks := fakeStacks{{"leak", "open"}, {"tmp", "process"}, {"cache", "init"}, {"buf", "open"}}
	var got []map[string]int64
	r, err := NewRecorder(RecordingInfo{Name: "rec", Format: FormatPprof}, split, stacks, func(s *Snapshot) error {
		if want := len(got); s.Lifecycle != want {
			t.Errorf("snapshot %s: got lifecycle %d, want %d", s.Name, s.Lifecycle, want)
		}
		if err := s.Profile.CheckValid(); err != nil {
			t.Errorf("snapshot %s: invalid profile: %v", s.Name, err)
		}
		m := map[string]int64{}
		for _, smp := range s.Profile.Sample {
			m[smp.Location[0].Line[0].Function.Name] += smp.Value[1]
		}
		got = append(got, m)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := script(r); err != nil {
		t.Fatal(err)
	}
	return got
}

// lifecycles scripts n task lifecycles 1s apart: open leaks 100 bytes and
// allocates a buffer freed at close, processing allocates and frees, and the
// first lifecycle fills a cache that stays.
func lifecycles(n int) func(r *Recorder) error {
	return func(r *Recorder) error {
		addr := uint64(0x1000)
		next := func() uint64 { addr += 0x40; return addr }
		for k := 0; k < n; k++ {
			t0 := int64(k) * int64(time.Second)
			steps := []func() error{
				func() error { return r.Alloc(t0+1, next(), 100, 0) },
			}
			buf := next()
			steps = append(steps, func() error { return r.Alloc(t0+2, buf, 50, 3) })
			if k == 0 {
				steps = append(steps, func() error { return r.Alloc(t0+3, next(), 1000, 2) })
			}
			for i := 0; i < 5; i++ {
				a := next()
				tt := t0 + int64(10+i)
				steps = append(steps,
					func() error { return r.Alloc(tt, a, 7, 1) },
					func() error { return r.Free(tt+1, a) })
			}
			steps = append(steps, func() error { return r.Free(t0+int64(500*time.Millisecond), buf) })
			for _, s := range steps {
				if err := s(); err != nil {
					return err
				}
			}
		}
		return r.Finish(int64(n) * int64(time.Second))
	}
}

func TestRecorderMarker(t *testing.T) {
	got := record(t, SplitOptions{Marker: regexp.MustCompile(`^open$`)}, lifecycles(4))
	if len(got) != 4 {
		t.Fatalf("got %d snapshots, want 4", len(got))
	}
	for k, m := range got {
		if want := int64(100 * (k + 1)); m["leak"] != want {
			t.Errorf("lifecycle %d: got leak %d, want %d", k, m["leak"], want)
		}
		if m["cache"] != 1000 || m["buf"] != 0 || m["tmp"] != 0 {
			t.Errorf("lifecycle %d: got cache %d buf %d tmp %d, want 1000 0 0", k, m["cache"], m["buf"], m["tmp"])
		}
	}
}

func TestRecorderEvery(t *testing.T) {
	// Cut at 1s, 2s, 3s and the end (4s): the same four snapshots.
	got := record(t, SplitOptions{Every: time.Second}, lifecycles(4))
	if len(got) != 4 {
		t.Fatalf("got %d snapshots, want 4", len(got))
	}
	for k, m := range got {
		if want := int64(100 * (k + 1)); m["leak"] != want {
			t.Errorf("lifecycle %d: got leak %d, want %d", k, m["leak"], want)
		}
	}
	// A last stretch shorter than half of --every is no lifecycle.
	got = record(t, SplitOptions{Every: 3 * time.Second}, lifecycles(4))
	if len(got) != 1 {
		t.Errorf("--every 3s over 4s: got %d snapshots, want 1", len(got))
	}
}

func TestRecorderWhole(t *testing.T) {
	got := record(t, SplitOptions{}, lifecycles(3))
	if len(got) != 1 || got[0]["leak"] != 300 || got[0]["cache"] != 1000 {
		t.Fatalf("got %v, want one snapshot with leak 300 and cache 1000", got)
	}
}

func TestRecorderMarkerNeverAllocates(t *testing.T) {
	r, err := NewRecorder(RecordingInfo{Name: "rec"}, SplitOptions{Marker: regexp.MustCompile(`nowhere`)},
		fakeStacks{{"leak"}}, func(*Snapshot) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Alloc(1, 0x10, 8, 0); err != nil {
		t.Fatal(err)
	}
	err = r.Finish(2)
	if err == nil || !strings.Contains(err.Error(), "nowhere") {
		t.Fatalf("got %v, want an error naming the marker", err)
	}
}

func TestSplitOptionsCheck(t *testing.T) {
	if err := (SplitOptions{Every: time.Second, Marker: regexp.MustCompile("x")}).Check(); err == nil {
		t.Error("--every with --lifecycle-marker: got no error")
	}
	if err := (SplitOptions{Every: -1}).Check(); err == nil {
		t.Error("negative --every: got no error")
	}
}

// TestLiveTable checks the open-addressing table against a Go map under a
// random mix of inserts, overwrites and removals, address 0 included.
func TestLiveTable(t *testing.T) {
	var lt liveTable
	lt.init()
	want := map[uint64]liveAlloc{}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200000; i++ {
		k := uint64(rng.IntN(5000)) * 16
		if rng.IntN(3) == 0 {
			v, ok := lt.remove(k)
			w, wok := want[k]
			if ok != wok || v != w {
				t.Fatalf("step %d: remove(%#x) = %v %v, want %v %v", i, k, v, ok, w, wok)
			}
			delete(want, k)
			continue
		}
		v := liveAlloc{size: int64(i), stack: uint32(i % 7)}
		lt.put(k, v)
		want[k] = v
	}
	for k, w := range want {
		if v, ok := lt.remove(k); !ok || v != w {
			t.Fatalf("final remove(%#x) = %v %v, want %v true", k, v, ok, w)
		}
	}
	if lt.n != 0 {
		t.Errorf("got %d entries left, want 0", lt.n)
	}
}

func BenchmarkLiveTable(b *testing.B) {
	var lt liveTable
	lt.init()
	rng := rand.New(rand.NewPCG(1, 2))
	addrs := make([]uint64, 1<<16)
	for i := range addrs {
		addrs[i] = 0x7f0000000000 + uint64(rng.IntN(1<<30))*16
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a := addrs[i&(len(addrs)-1)]
		if _, ok := lt.remove(a); !ok {
			lt.put(a, liveAlloc{size: 64})
		}
	}
}

// TestParseEachRecording reads a recording format through ParseEach and
// Parse: every lifecycle is emitted in order, and Parse, which returns one
// snapshot, refuses a recording that splits into several.
func TestParseEachRecording(t *testing.T) {
	const fake Format = "fake-recording"
	recordingReaders[fake] = func(_ io.Reader, name string, split SplitOptions, emit func(*Snapshot) error) error {
		r, err := NewRecorder(RecordingInfo{Name: name, Format: fake}, split, fakeStacks{{"leak", "open"}}, emit)
		if err != nil {
			return err
		}
		for k := 0; k < 3; k++ {
			if err := r.Alloc(int64(k)*int64(time.Second)+1, uint64(0x100+k*16), 10, 0); err != nil {
				return err
			}
		}
		return r.Finish(3 * int64(time.Second))
	}
	defer delete(recordingReaders, fake)

	opts := &Options{Format: fake, Split: SplitOptions{Marker: regexp.MustCompile(`^open$`)}}
	var names []string
	err := ParseEach(strings.NewReader("x"), "rec", opts, func(s *Snapshot) error {
		names = append(names, s.Name)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"rec#1", "rec#2", "rec#3"}; !slices.Equal(names, want) {
		t.Errorf("got snapshots %v, want %v", names, want)
	}
	if _, err := Parse(strings.NewReader("x"), "rec", opts); err == nil || !strings.Contains(err.Error(), "3 lifecycles") {
		t.Errorf("Parse of a split recording: got %v, want an error saying it splits into 3 lifecycles", err)
	}
	snap, err := Parse(strings.NewReader("x"), "rec", &Options{Format: fake})
	if err != nil {
		t.Fatal(err)
	}
	if got := snap.Totals()[1]; got != 30 {
		t.Errorf("whole recording: got %d live bytes, want 30", got)
	}
}

// TestRecorderMarkerSlowOpen: a traced open that allocates for longer than
// --marker-window, in small steps, is one lifecycle: a lifecycle starts
// after a quiet gap of the window, not a window after its first allocation.
func TestRecorderMarkerSlowOpen(t *testing.T) {
	got := record(t, SplitOptions{Marker: regexp.MustCompile(`^open$`), MarkerWindow: 100 * time.Millisecond}, func(r *Recorder) error {
		addr := uint64(0x1000)
		for k := 0; k < 3; k++ {
			t0 := int64(k) * int64(time.Second)
			// 30 marker allocations 10 ms apart: a 300 ms open.
			for i := 0; i < 30; i++ {
				addr += 0x40
				if err := r.AllocByStack(t0+int64(i)*int64(10*time.Millisecond), 10, 0); err != nil {
					return err
				}
			}
			if err := r.Alloc(t0+int64(400*time.Millisecond), addr+0x10000, 7, 2); err != nil {
				return err
			}
		}
		return r.Finish(3 * int64(time.Second))
	})
	if len(got) != 3 {
		t.Fatalf("got %d snapshots, want 3", len(got))
	}
	for k, m := range got {
		if want := int64(300 * (k + 1)); m["leak"] != want || m["cache"] != int64(7*(k+1)) {
			t.Errorf("lifecycle %d: got leak %d cache %d, want %d and %d", k, m["leak"], m["cache"], want, 7*(k+1))
		}
	}
}

// TestRecorderFreeByStack: frees named by stack and size release what
// AllocByStack recorded; a free the stack never allocated is counted as a
// free of memory from before the recording, with a warning.
func TestRecorderFreeByStack(t *testing.T) {
	var snaps []*Snapshot
	r, err := NewRecorder(RecordingInfo{Name: "rec", Format: FormatHeaptrack}, SplitOptions{}, fakeStacks{{"leak"}, {"tmp"}},
		func(s *Snapshot) error { snaps = append(snaps, s); return nil })
	if err != nil {
		t.Fatal(err)
	}
	steps := []error{
		r.AllocByStack(1, 100, 0), r.AllocByStack(2, 50, 1), r.AllocByStack(3, 50, 1),
		r.FreeByStack(4, 50, 1), r.FreeByStack(5, 50, 1), r.FreeByStack(6, 50, 1),
	}
	if err := errors.Join(steps...); err != nil {
		t.Fatal(err)
	}
	r.Warn(errors.New("cut short"))
	if err := r.Finish(7); err != nil {
		t.Fatal(err)
	}
	if len(snaps) != 1 {
		t.Fatalf("got %d snapshots, want 1", len(snaps))
	}
	if tot := snaps[0].Totals(); !slices.Equal(tot, []int64{1, 100, 3, 200}) {
		t.Errorf("got totals %v, want [1 100 3 200]", tot)
	}
	var msgs []string
	for _, w := range snaps[0].Warnings {
		msgs = append(msgs, w.Error())
	}
	if want := []string{"parse heaptrack recording rec: 1 frees of memory allocated before the recording started were ignored", "cut short"}; !slices.Equal(msgs, want) {
		t.Errorf("got warnings %q, want %q", msgs, want)
	}
}

// TestRecorderMaxLifecycles: a split that would cut more than
// MaxLifecycles lifecycles (a tiny --every against a long or damaged clock,
// a marker that allocates all the time) is an error naming the recording,
// not snapshots without end.
func TestRecorderMaxLifecycles(t *testing.T) {
	for _, split := range []SplitOptions{{Every: time.Millisecond}, {Marker: regexp.MustCompile(`^open$`), MarkerWindow: time.Nanosecond}} {
		emitted := 0
		r, err := NewRecorder(RecordingInfo{Name: "rec", Format: FormatHeaptrack}, split, fakeStacks{{"leak", "open"}},
			func(*Snapshot) error { emitted++; return nil })
		if err != nil {
			t.Fatal(err)
		}
		for i := int64(0); err == nil && i < 2*MaxLifecycles; i++ {
			err = r.AllocByStack(i*int64(time.Millisecond), 8, 0)
		}
		if err == nil {
			err = r.AllocByStack(1<<62, 8, 0)
		}
		if err == nil || !strings.Contains(err.Error(), "parse heaptrack recording rec: ") || !strings.Contains(err.Error(), "more than 10000 lifecycles") || emitted >= MaxLifecycles {
			t.Errorf("%+v: got %v after %d snapshots, want an error naming rec and the limit, before %d snapshots", split, err, emitted, MaxLifecycles)
		}
	}
}
