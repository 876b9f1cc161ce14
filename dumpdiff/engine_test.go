package dumpdiff

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"

	"github.com/dumpdiff/dumpdiff/parsers"
)

// sample is one hand-built sample: its stack (innermost first, function
// names), inuse_space value and optional category label.
type sample struct {
	stack    []string
	value    int64
	category string
}

// buildSnapshot makes a snapshot with sample types inuse_objects and
// inuse_space whose locations are symbolised by the given names.
func buildSnapshot(name string, samples []sample) *parsers.Snapshot {
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "inuse_objects", Unit: "count"}, {Type: "inuse_space", Unit: "bytes"}},
	}
	funcs := map[string]*profile.Function{}
	locs := map[string]*profile.Location{}
	for _, s := range samples {
		var ls []*profile.Location
		for _, fn := range s.stack {
			l, ok := locs[fn]
			if !ok {
				f := &profile.Function{ID: uint64(len(funcs) + 1), Name: fn, Filename: fn + ".c"}
				funcs[fn] = f
				l = &profile.Location{ID: uint64(len(locs) + 1), Line: []profile.Line{{Function: f, Line: 10}}}
				locs[fn] = l
				p.Function = append(p.Function, f)
				p.Location = append(p.Location, l)
			}
			ls = append(ls, l)
		}
		smp := &profile.Sample{Location: ls, Value: []int64{1, s.value}}
		if s.category != "" {
			smp.Label = map[string][]string{"category": {s.category}}
		}
		p.Sample = append(p.Sample, smp)
	}
	return &parsers.Snapshot{Name: name, Format: parsers.FormatPprof, Lifecycle: -1, Profile: p}
}

// loadSnaps loads hand-built snapshots as a series, in order.
func loadSnaps(t *testing.T, opts LoadOptions, snaps ...*parsers.Snapshot) *Series {
	t.Helper()
	byName := map[string]*parsers.Snapshot{}
	var paths []string
	for _, s := range snaps {
		byName[s.Name] = s
		paths = append(paths, s.Name)
	}
	opts.Open = func(path string) (*parsers.Snapshot, error) {
		s, ok := byName[path]
		if !ok {
			return nil, fmt.Errorf("no snapshot %s", path)
		}
		return s, nil
	}
	s, err := Load(paths, opts)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return s
}

// leakSeries is a small series: "leak" grows 100 per lifecycle, "steady"
// stays at 500, both allocated through malloc.
func leakSeries(n int) []*parsers.Snapshot {
	var out []*parsers.Snapshot
	for i := range n {
		out = append(out, buildSnapshot(fmt.Sprintf("s%d", i), []sample{
			{stack: []string{"malloc", "leak", "main"}, value: int64(100 * (i + 1))},
			{stack: []string{"operator new", "steady", "main"}, value: 500},
		}))
	}
	return out
}

func TestTrendIdenticalSnapshots(t *testing.T) {
	snap := leakSeries(1)[0]
	var snaps []*parsers.Snapshot
	for i := range 6 {
		c := *snap
		c.Name = fmt.Sprintf("same%d", i)
		snaps = append(snaps, &c)
	}
	res, err := loadSnaps(t, LoadOptions{}, snaps...).Trend(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total.Growth != 0 {
		t.Errorf("total growth got %v, want 0", res.Total.Growth)
	}
	for _, s := range res.Sites {
		if s.Growth != 0 || s.Verdict != VerdictSteady || s.TotalGrowth != 0 {
			t.Errorf("%s: got growth %v verdict %s, want 0 steady", s.Key, s.Growth, s.Verdict)
		}
	}
}

func TestCompareSameSnapshot(t *testing.T) {
	s := loadSnaps(t, LoadOptions{}, leakSeries(3)...)
	for i := range 3 {
		res, err := s.Compare(i, i, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range res.Sites {
			if p.Delta != 0 || p.Status != StatusUnchanged || p.DeltaPct != 0 {
				t.Errorf("Compare(%d,%d) %s: got delta %d status %s, want 0 unchanged", i, i, p.Key, p.Delta, p.Status)
			}
		}
	}
}

func TestTrendRanksLeakAndTrims(t *testing.T) {
	s := loadSnaps(t, LoadOptions{}, leakSeries(5)...)
	res, err := s.Trend(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Sites) != 2 {
		t.Fatalf("got %d sites, want 2", len(res.Sites))
	}
	top := res.Sites[0]
	if top.Title != "leak" || top.Key != "leak;main" || top.Verdict != VerdictLeak || top.Growth != 100 || top.Rank != 1 {
		t.Errorf("top got %s %q %s %v rank %d, want leak;main leak 100 rank 1", top.Key, top.Title, top.Verdict, top.Growth, top.Rank)
	}
	if got := res.Sites[1].Title; got != "steady" {
		t.Errorf("second site got %q, want steady (operator new trimmed)", got)
	}
	if !reflect.DeepEqual(top.Values, []int64{100, 200, 300, 400, 500}) {
		t.Errorf("values got %v, want 100..500", top.Values)
	}
	if res.Total.Growth != 100 {
		t.Errorf("total growth got %v, want 100", res.Total.Growth)
	}

	// --no-trim keeps the allocator frames: the site is shown by malloc.
	res, err = loadSnaps(t, LoadOptions{NoTrim: true}, leakSeries(5)...).Trend(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Sites[0].Key; got != "malloc;leak;main" {
		t.Errorf("--no-trim key got %q, want malloc;leak;main", got)
	}
	// --trim drops a user frame too.
	res, err = loadSnaps(t, LoadOptions{Trim: []*regexp.Regexp{regexp.MustCompile(`^leak$`)}}, leakSeries(5)...).Trend(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Sites[0].Title; got != "main" {
		t.Errorf("--trim leak: title got %q, want main", got)
	}
}

func TestTrimPprofSemantics(t *testing.T) {
	tests := []struct {
		name  string
		stack []string
		drop  string
		want  string
	}{
		{"allocator chain", []string{"je_prof_backtrace", "imalloc_body", "je_malloc_default", "malloc", "parse", "main"}, "", "parse;main"},
		{"C++ new with arguments", []string{"operator new(unsigned long)", "std::vector<int>::reserve(unsigned long)", "main"}, "", "std::vector<int>::reserve(unsigned long);main"},
		// symbolize prints demangled names without template arguments, as pprof does.
		{"C++ allocator, short names", []string{"operator new", "std::__new_allocator::allocate", "std::allocator_traits::allocate", "app::fill", "main"}, "", "app::fill;main"},
		{"Go runtime", []string{"runtime.mallocgc", "runtime.makeslice", "main.leak", "main.main", "runtime.main"}, "", "main.leak;main.main;runtime.main"},
		{"HotSpot", []string{"os::malloc(unsigned long, MEMFLAGS)", "AllocateHeap(unsigned long, MEMFLAGS)", "Unsafe_AllocateMemory0"}, "", "Unsafe_AllocateMemory0"},
		// Only allocator frames: kept whole (pprof never empties a stack).
		{"all allocator", []string{"malloc", "je_malloc"}, "", "malloc;je_malloc"},
		// Drop cuts at the outermost match: an allocator frame called from
		// a wrapper that drop_frames names goes with it.
		{"profile drop_frames", []string{"malloc", "xmalloc", "work", "main"}, "xmalloc", "work;main"},
	}
	for _, tt := range tests {
		snap := buildSnapshot("a", []sample{{stack: tt.stack, value: 1}})
		snap.Profile.DropFrames = tt.drop
		if tt.name == "HotSpot" {
			snap.Format = parsers.FormatNMT
		}
		s := loadSnaps(t, LoadOptions{}, snap)
		var keys []string
		s.eachStack(func(st stackID) { keys = append(keys, s.stackKey(st)) })
		if got := strings.Join(keys, " "); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestUnsymbolizedKeysSurviveASLR loads two snapshots of the same binary
// mapped at different addresses: the frames must key the same.
func TestUnsymbolizedKeysSurviveASLR(t *testing.T) {
	mk := func(name string, start uint64) *parsers.Snapshot {
		m := &profile.Mapping{ID: 1, Start: start, Limit: start + 0x10000, Offset: 0x1000, File: "/usr/lib/libfoo.so"}
		l1 := &profile.Location{ID: 1, Mapping: m, Address: start + 0x2a2b}
		l2 := &profile.Location{ID: 2, Mapping: m, Address: start + 0x30}
		p := &profile.Profile{
			SampleType: []*profile.ValueType{{Type: "inuse_space", Unit: "bytes"}},
			Mapping:    []*profile.Mapping{m}, Location: []*profile.Location{l1, l2},
			Sample: []*profile.Sample{{Location: []*profile.Location{l1, l2}, Value: []int64{64}}},
		}
		return &parsers.Snapshot{Name: name, Format: parsers.FormatTcmalloc, Profile: p}
	}
	s := loadSnaps(t, LoadOptions{}, mk("a", 0x7f0000000000), mk("b", 0x55aa00000000))
	res, err := s.Trend(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Sites) != 1 {
		t.Fatalf("got %d sites, want 1 (same stack in both)", len(res.Sites))
	}
	if got, want := res.Sites[0].Key, "libfoo.so+0x3a2b;libfoo.so+0x1030"; got != want {
		t.Errorf("key got %q, want %q", got, want)
	}
	if f := res.Sites[0].Frames[0]; f.Module != "libfoo.so" {
		t.Errorf("module got %q, want libfoo.so", f.Module)
	}
}

func TestGroupByAndFilters(t *testing.T) {
	var snaps []*parsers.Snapshot
	for i := range 4 {
		v := int64(1000 * (i + 1))
		snaps = append(snaps, buildSnapshot(fmt.Sprintf("g%d", i), []sample{
			{stack: []string{"malloc", "leak", "a"}, value: v, category: "Other"},
			{stack: []string{"malloc", "leak", "b"}, value: v, category: "Other"},
			{stack: []string{"cache", "a"}, value: 50, category: "Symbol"},
		}))
	}
	s := loadSnaps(t, LoadOptions{}, snaps...)
	check := func(opts Options, want map[string]float64) {
		t.Helper()
		res, err := s.Trend(opts)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]float64{}
		for _, st := range res.Sites {
			got[st.Key] = st.Growth
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%+v: got %v, want %v", opts, got, want)
		}
	}
	check(Options{}, map[string]float64{"leak;a": 1000, "leak;b": 1000, "cache;a": 0})
	check(Options{GroupBy: GroupByFunction}, map[string]float64{"leak": 2000, "cache": 0})
	check(Options{GroupBy: GroupByLine}, map[string]float64{"leak leak.c:10": 2000, "cache cache.c:10": 0})
	check(Options{GroupBy: GroupByCategory}, map[string]float64{"Other": 2000, "Symbol": 0})
	check(Options{Focus: regexp.MustCompile(`^b$`)}, map[string]float64{"leak;b": 1000})
	check(Options{Ignore: regexp.MustCompile(`^b$`)}, map[string]float64{"leak;a": 1000, "cache;a": 0})
	check(Options{Focus: regexp.MustCompile(`leak`), Ignore: regexp.MustCompile(`^a$`)}, map[string]float64{"leak;b": 1000})

	_, err := s.Trend(Options{GroupBy: GroupByCategory, Label: "thread"})
	if err == nil || !strings.Contains(err.Error(), `no "thread" label (available: category)`) {
		t.Errorf("unknown label: got %v, want an error naming the available labels", err)
	}
	plain := loadSnaps(t, LoadOptions{}, leakSeries(2)...)
	if _, err := plain.Trend(Options{GroupBy: GroupByCategory}); err == nil || !strings.Contains(err.Error(), "no labels") {
		t.Errorf("no labels: got %v, want an error saying so", err)
	}
	// The same check, typed, from every entry point, so front ends can
	// word it their way.
	for name, err := range map[string]error{
		"Check":         s.Check(Options{GroupBy: GroupByCategory, Label: "thread"}),
		"CheckGrouping": s.CheckGrouping(Options{GroupBy: GroupByCategory, Label: "thread"}),
		"Compare":       second(s.Compare(0, 1, Options{GroupBy: GroupByCategory, Label: "thread"})),
		"Trend":         second(s.Trend(Options{GroupBy: GroupByCategory, Label: "thread"})),
	} {
		var le *LabelError
		if !errors.As(err, &le) || le.Label != "thread" || !slices.Equal(le.Available, []string{"category"}) || le.GroupBy != GroupByCategory {
			t.Errorf("%s: got %#v, want a *LabelError for thread with category available", name, err)
		}
	}
	if err := plain.CheckGrouping(Options{GroupBy: GroupByCategory}); !errors.As(err, new(*LabelError)) || len(err.(*LabelError).Available) != 0 {
		t.Errorf("no labels: got %#v, want a *LabelError with none available", err)
	}
	if err := s.CheckGrouping(Options{GroupBy: GroupByCategory}); err != nil {
		t.Errorf("category label present: got %v", err)
	}
	if _, err := s.Trend(Options{Metric: "committed"}); err == nil || err.Error() != `unknown metric "committed" (available: inuse_objects, inuse_space)` {
		t.Errorf("unknown metric: got %v", err)
	}
}

func TestVerdicts(t *testing.T) {
	tests := []struct {
		name string
		y    []float64
		want Verdict
	}{
		{"linear leak", []float64{10, 20, 30, 40, 50, 60, 70, 80}, VerdictLeak},
		{"noisy leak", []float64{10, 22, 29, 41, 48, 62, 69, 81}, VerdictLeak},
		{"three strictly growing", []float64{1, 2, 3}, VerdictLeak},
		{"warm-up plateau", []float64{12, 25, 25, 25, 25, 25, 25, 25}, VerdictPlateau},
		{"two-step plateau", []float64{0, 10, 20, 20, 20, 20, 20, 20}, VerdictPlateau},
		{"late step then flat", []float64{0, 0, 0, 0, 0, 112, 112, 112}, VerdictPlateau},
		{"fluctuating", []float64{57, 56, 36, 25, 48, 25, 21, 48}, VerdictNoise},
		// Mostly one of two values: the median absolute residual is 0, but
		// the site fell back, so it did not stay up.
		{"two-valued flicker", []float64{0, 16, 16, 16, 0, 0, 16, 16}, VerdictNoise},
		{"flat", []float64{5, 5, 5, 5}, VerdictSteady},
		{"flat in two snapshots", []float64{5, 5}, VerdictSteady},
		{"flat but absent once", []float64{5, 5, 0, 5, 5}, VerdictNoise},
		{"shrinking", []float64{80, 70, 60, 50, 40, 30, 20, 10}, VerdictShrinking},
		{"new", []float64{0, 0, 0, 0, 0, 0, 7, 9}, VerdictNew},
		{"gone", []float64{9, 9, 0, 0, 0, 0}, VerdictGone},
		// A growing trend that stopped: the last half is flat.
		{"leak that stopped", []float64{10, 20, 30, 40, 50, 50, 50, 50}, VerdictPlateau},
		// A rise lost in the site's own scatter: MK significant by chance
		// ordering, but the fitted rise is small against the spread.
		{"tiny trend in big noise", []float64{100, 300, 90, 320, 110, 330, 120, 340, 130, 350}, VerdictNoise},
	}
	for _, tt := range tests {
		st := newStatScratch(len(tt.y))
		a := st.analyze(seq(len(tt.y)), tt.y)
		if a.verdict != tt.want {
			t.Errorf("%s %v: got %s (growth %.1f, p %.4f), want %s", tt.name, tt.y, a.verdict, a.growth, a.mk.P, tt.want)
		}
	}
}

func TestRankingTiesByKey(t *testing.T) {
	var snaps []*parsers.Snapshot
	for i := range 4 {
		v := int64(10 * (i + 1))
		snaps = append(snaps, buildSnapshot(fmt.Sprintf("r%d", i), []sample{
			{stack: []string{"zeta"}, value: v},
			{stack: []string{"alpha"}, value: v},
			{stack: []string{"big"}, value: 100 - v},
			{stack: []string{"mid"}, value: 5},
		}))
	}
	res, err := loadSnaps(t, LoadOptions{}, snaps...).Trend(Options{Top: 3})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range res.Sites {
		got = append(got, fmt.Sprintf("%d:%s:%s", s.Rank, s.Key, s.Verdict))
	}
	want := []string{"1:alpha:leak", "2:zeta:leak", "3:mid:steady"}
	if !slices.Equal(got, want) || res.SiteCount != 4 {
		t.Errorf("got %v (of %d), want %v (of 4)", got, res.SiteCount, want)
	}
}

func TestProjection(t *testing.T) {
	res, err := loadSnaps(t, LoadOptions{}, leakSeries(4)...).Trend(Options{Limit: 2000})
	if err != nil {
		t.Fatal(err)
	}
	// Totals 600..900, +100 per lifecycle: (2000 − 900)/100 = 11.
	if p := res.Projection; p == nil || p.Lifecycles != 11 || !p.Growing || p.Limit != 2000 {
		t.Errorf("projection got %+v, want 11 lifecycles, growing", p)
	}
	if p := project(100, 50, 0); !math.IsInf(p.Lifecycles, 1) || p.Growing {
		t.Errorf("flat total: got %+v, want +Inf, not growing", p)
	}
}

func TestCompareStatusesAndNormalize(t *testing.T) {
	a := buildSnapshot("a", []sample{{stack: []string{"x"}, value: 100}, {stack: []string{"gone"}, value: 100}, {stack: []string{"y"}, value: 200}})
	b := buildSnapshot("b", []sample{{stack: []string{"x"}, value: 300}, {stack: []string{"new"}, value: 100}, {stack: []string{"y"}, value: 100}})
	s := loadSnaps(t, LoadOptions{}, a, b)
	res, err := s.Compare(0, 1, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range res.Sites {
		got = append(got, fmt.Sprintf("%s %d→%d %+d %s %.0f", p.Key, p.Base, p.Target, p.Delta, p.Status, p.DeltaPct))
	}
	want := []string{"x 100→300 +200 grown 200", "new 0→100 +100 new +Inf", "gone 100→0 -100 gone -100", "y 200→100 -100 shrunk -50"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	// Normalised: base total 400 scaled to 500: x 125, y 250, gone 125.
	res, err = s.Compare(0, 1, Options{Normalize: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Sites[0].Base != 125 || !res.Normalized {
		t.Errorf("normalized base of x got %d, want 125", res.Sites[0].Base)
	}
	if _, err := s.Compare(0, 2, Options{}); err == nil {
		t.Error("Compare out of range: got no error")
	}
}

func TestLoadErrors(t *testing.T) {
	a := buildSnapshot("a.pb", []sample{{stack: []string{"x"}, value: 1}})
	b := buildSnapshot("b.pb", []sample{{stack: []string{"x"}, value: 1}})
	b.Profile.SampleType = []*profile.ValueType{{Type: "alloc_objects", Unit: "count"}, {Type: "alloc_space", Unit: "bytes"}}
	open := func(snaps ...*parsers.Snapshot) func(string) (*parsers.Snapshot, error) {
		return func(p string) (*parsers.Snapshot, error) {
			for _, s := range snaps {
				if s.Name == p {
					return s, nil
				}
			}
			return nil, fmt.Errorf("open %s: no such file", p)
		}
	}
	_, err := Load([]string{"a.pb", "b.pb"}, LoadOptions{Open: open(a, b)})
	if want := "snapshots measure different metrics: a.pb has inuse_objects, inuse_space; b.pb has alloc_objects, alloc_space"; err == nil || err.Error() != want {
		t.Errorf("different metrics: got %v, want %s", err, want)
	}
	// Same names, other units: bytes and counts never add up.
	c := buildSnapshot("c.pb", []sample{{stack: []string{"f"}, value: 1}})
	c.Profile.SampleType = []*profile.ValueType{{Type: "inuse_objects", Unit: "bytes"}, {Type: "inuse_space", Unit: "count"}}
	_, err = Load([]string{"a.pb", "c.pb"}, LoadOptions{Open: open(a, c)})
	if want := "snapshots measure different metrics: a.pb has inuse_objects/count, inuse_space/bytes; c.pb has inuse_objects/bytes, inuse_space/count"; err == nil || err.Error() != want {
		t.Errorf("same names, other units: got %v, want %s", err, want)
	}
	// A shared metric lets such a series load; the one in two units still
	// cannot be ranked.
	d := buildSnapshot("d.pb", []sample{{stack: []string{"f"}, value: 1}})
	d.Profile.SampleType = []*profile.ValueType{{Type: "inuse_objects", Unit: "bytes"}, {Type: "inuse_space", Unit: "bytes"}}
	s, err := Load([]string{"a.pb", "d.pb"}, LoadOptions{Open: open(a, d)})
	if err != nil {
		t.Fatalf("sharing inuse_space/bytes: got %v, want the series loaded", err)
	}
	if _, err := s.Trend(Options{Metric: "inuse_objects"}); err == nil || !strings.Contains(err.Error(), "d.pb lacks inuse_objects in count (it has another unit)") {
		t.Errorf("inuse_objects in count and in bytes: got %v, want d.pb named as lacking it in count", err)
	}
	one := loadSnaps(t, LoadOptions{}, a)
	if _, err := one.Trend(Options{}); err == nil || err.Error() != "trend needs at least two snapshots, got 1" {
		t.Errorf("one snapshot: got %v", err)
	}
	if _, err := Load(nil, LoadOptions{}); err == nil {
		t.Error("no paths: got no error")
	}
}

func TestLoadOrderAndBaseline(t *testing.T) {
	mk := func(name string, v int64, at int) *parsers.Snapshot {
		s := buildSnapshot(name, []sample{{stack: []string{"x"}, value: v}})
		s.Time = time.Date(2026, 1, 1, at, 0, 0, 0, time.UTC)
		return s
	}
	snaps := []*parsers.Snapshot{mk("h.10", 30, 3), mk("h.9", 20, 1), mk("h.1", 10, 2)}
	vals := func(o Order, re *regexp.Regexp) []int64 {
		t.Helper()
		s := loadSnaps(t, LoadOptions{Order: o, LifecycleRegex: re}, snaps...)
		res, err := s.Trend(Options{})
		if err != nil {
			t.Fatal(err)
		}
		return res.Sites[0].Values
	}
	if got := vals(OrderArgs, nil); !slices.Equal(got, []int64{30, 20, 10}) {
		t.Errorf("args order got %v, want 30 20 10", got)
	}
	if got := vals(OrderName, nil); !slices.Equal(got, []int64{10, 20, 30}) {
		t.Errorf("name order got %v, want 10 20 30 (h.1, h.9, h.10)", got)
	}
	if got := vals(OrderTime, nil); !slices.Equal(got, []int64{20, 10, 30}) {
		t.Errorf("time order got %v, want 20 10 30", got)
	}
	s := loadSnaps(t, LoadOptions{LifecycleRegex: regexp.MustCompile(`h\.(\d+)`)}, snaps...)
	res, _ := s.Trend(Options{})
	var lcs []int
	for _, si := range res.Snapshots {
		lcs = append(lcs, si.Lifecycle)
	}
	// Lifecycles 1, 9, 10 with values 10, 20, 30: growth by lifecycle number.
	if !slices.Equal(lcs, []int{1, 9, 10}) || !slices.Equal(res.Sites[0].Values, []int64{10, 20, 30}) {
		t.Errorf("regex lifecycles got %v %v, want [1 9 10] [10 20 30]", lcs, res.Sites[0].Values)
	}

	cur := mk("x.diff", 300, 1)
	cur.Baseline = mk("", 100, 0)
	pair := loadSnaps(t, LoadOptions{}, cur)
	if pair.Len() != 2 {
		t.Fatalf("baseline pair: got %d snapshots, want 2", pair.Len())
	}
	cmp, err := pair.Compare(0, 1, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p := cmp.Sites[0]; p.Base != 100 || p.Target != 300 || cmp.Base.Path != "x.diff (baseline)" {
		t.Errorf("baseline pair: got %s %d→%d, want x.diff (baseline) 100→300", cmp.Base.Path, p.Base, p.Target)
	}
}

func TestNaturalCompare(t *testing.T) {
	in := []string{"heap.10", "heap.9", "heap.1", "a10b2", "a10b10", "a9", "heap.09"}
	slices.SortFunc(in, NaturalCompare)
	want := []string{"a9", "a10b2", "a10b10", "heap.1", "heap.09", "heap.9", "heap.10"}
	if !slices.Equal(in, want) {
		t.Errorf("got %v, want %v", in, want)
	}
}

// TestMemoryGrowsWithSites loads one real snapshot many times: the
// interned tables stay the size of one snapshot's sites, whatever the
// number of snapshots.
func TestMemoryGrowsWithSites(t *testing.T) {
	path := "../testdata/pprof/go-noisy/lc1.pb.gz"
	one, err := Load([]string{path}, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// 40 names for the one file (the same path twice is refused).
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	paths := make([]string, 40)
	for i := range paths {
		paths[i] = filepath.Join(dir, fmt.Sprintf("lc%d.pb.gz", i+1))
		if err := os.Symlink(abs, paths[i]); err != nil {
			t.Fatal(err)
		}
	}
	many, err := Load(paths, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if one.SiteRows() != many.SiteRows() || one.numFrames() != many.numFrames() || one.numStacks() != many.numStacks() {
		t.Errorf("40 copies: got %d rows, %d frames, %d stacks; want %d, %d, %d as for one",
			many.SiteRows(), many.numFrames(), many.numStacks(), one.SiteRows(), one.numFrames(), one.numStacks())
	}
}

func TestRankingEqualGrowthByTotal(t *testing.T) {
	var snaps []*parsers.Snapshot
	for i := range 8 {
		step := int64(0)
		if i > 0 {
			step = 50
		}
		snaps = append(snaps, buildSnapshot(fmt.Sprintf("t%d", i), []sample{
			{stack: []string{"c"}, value: 7},
			{stack: []string{"b"}, value: step},
			{stack: []string{"a"}, value: 5},
		}))
	}
	res, err := loadSnaps(t, LoadOptions{}, snaps...).Trend(Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range res.Sites {
		got = append(got, fmt.Sprintf("%s:%v:%d", s.Key, s.Growth, s.TotalGrowth))
	}
	// All grow 0 per lifecycle; b holds 50 more at the end.
	if want := []string{"b:0:50", "a:0:0", "c:0:0"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestMetricByNameAndUnit loads a real NMT series, whose two "malloc"
// sample types differ only by unit, and selects each.
func TestMetricByNameAndUnit(t *testing.T) {
	paths, err := ExpandPaths([]string{"../testdata/nmt/jdk17-summary"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := Load(paths, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ metric, unit string }{{"malloc", "bytes"}, {"malloc/bytes", "bytes"}, {"malloc/count", "count"}} {
		res, err := s.Trend(Options{Metric: tc.metric, GroupBy: GroupByCategory})
		if err != nil {
			t.Fatalf("%s: %v", tc.metric, err)
		}
		if res.Metric.Name != "malloc" || res.Metric.Unit != tc.unit {
			t.Errorf("-m %s: got %s/%s, want malloc/%s", tc.metric, res.Metric.Name, res.Metric.Unit, tc.unit)
		}
	}
	_, err = s.Trend(Options{Metric: "nope"})
	if err == nil || !strings.Contains(err.Error(), "malloc/bytes, malloc/count") {
		t.Errorf("got %v, want the available metrics with malloc/bytes and malloc/count", err)
	}
}

// TestPlaceholderTitle: on JDK 25 the direct-memory leak's NMT site has only
// Java frames; its title names the category frame that calls it.
func TestPlaceholderTitle(t *testing.T) {
	paths, err := ExpandPaths([]string{"../testdata/nmt/jdk25-detail"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := Load(paths, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Trend(Options{Top: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := res.Sites[0].Title, "[java] ← [Other]"; got != want {
		t.Errorf("got title %q, want %q", got, want)
	}
}

// TestOneFilePairKeepsItsOrder: an NMT summary.diff is baseline then current
// whatever --order says, so the leak still ranks first.
func TestOneFilePairKeepsItsOrder(t *testing.T) {
	for _, order := range []Order{OrderArgs, OrderName, OrderTime} {
		s, err := Load([]string{"../testdata/nmt/jdk17-diff/summary.diff.txt"}, LoadOptions{Order: order})
		if err != nil {
			t.Fatalf("--order %s: %v", order, err)
		}
		res, err := s.Compare(0, 1, Options{GroupBy: GroupByCategory, Top: 1})
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Sites[0].Key; got != "Other" || res.Sites[0].Delta <= 0 {
			t.Errorf("--order %s: got %s with delta %d first, want Other growing", order, got, res.Sites[0].Delta)
		}
	}
}

// TestTrendWarnsAboutRestarts: snapshots from two processes (the pid
// changes mid-series) get a warning naming both runs; the leak, which
// starts again from zero in the second process, is not called a leak.
func TestTrendWarnsAboutRestarts(t *testing.T) {
	var snaps []*parsers.Snapshot
	for i := range 10 {
		s := buildSnapshot(fmt.Sprintf("s%d", i+1), []sample{
			{stack: []string{"malloc", "leak", "main"}, value: int64(100 * (i%5 + 1))},
			{stack: []string{"malloc", "steady", "main"}, value: 500},
		})
		s.PID = 4000 + i/5
		snaps = append(snaps, s)
	}
	res, err := loadSnaps(t, LoadOptions{}, snaps...).Trend(Options{})
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, w := range res.Warnings {
		if strings.Contains(w.Error(), "pid 4000: s1 … s5, pid 4001: s6 … s10") {
			found = true
		}
	}
	if !found {
		t.Errorf("warnings got %v, want one naming pid 4000: s1 … s5 and pid 4001: s6 … s10", res.Warnings)
	}
	for _, st := range res.Sites {
		if st.Title == "leak" && st.Verdict == VerdictLeak {
			t.Errorf("leak across a restart: verdict got leak, want not leak (values %v)", st.Values)
		}
	}
	// One process: no warning.
	for _, s := range snaps {
		s.PID = 4000
	}
	res, err = loadSnaps(t, LoadOptions{}, snaps...).Trend(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range res.Warnings {
		if strings.Contains(w.Error(), "process runs") {
			t.Errorf("one process: got warning %q, want none", w)
		}
	}
}

// TestCheckAgreesWithTrend: Check refuses exactly the queries Trend refuses,
// with the same error, without ranking anything.
func TestCheckAgreesWithTrend(t *testing.T) {
	paths, err := ExpandPaths([]string{"../testdata/pprof/go-lifecycle"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := Load(paths, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []Options{
		{}, {Metric: "alloc_space", GroupBy: GroupByLine},
		{Metric: "nope"}, {GroupBy: GroupByCategory}, {GroupBy: "module"},
	} {
		_, terr := s.Trend(q)
		cerr := s.Check(q)
		if fmt.Sprint(terr) != fmt.Sprint(cerr) {
			t.Errorf("%+v: Check got %v, Trend %v", q, cerr, terr)
		}
	}
}

// TestFloor: a trend that passes every test of a leak but grows less than
// the floor per lifecycle is a creep, ranked right after the leaks. The
// floor is a share of the median total before --focus/--ignore (0.01% by
// default), a size, or off.
func TestFloor(t *testing.T) {
	var snaps []*parsers.Snapshot
	for i := range 6 {
		k := int64(i + 1)
		snaps = append(snaps, buildSnapshot(fmt.Sprintf("f%d", i), []sample{
			{stack: []string{"table", "main"}, value: 10_000_000},
			{stack: []string{"tiny", "main"}, value: 100 * k},
			{stack: []string{"leak", "main"}, value: 10_000 * k},
		}))
	}
	s := loadSnaps(t, LoadOptions{}, snaps...)
	verdicts := func(o Options) (string, Floor) {
		t.Helper()
		res, err := s.Trend(o)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, st := range res.Sites {
			out = append(out, st.Title+":"+string(st.Verdict))
		}
		return strings.Join(out, " "), res.Floor
	}
	tests := []struct {
		name      string
		opts      Options
		want      string
		wantFloor float64
	}{
		// Median total 10 035 350: the floor is 1003.535, 1004 per lifecycle.
		{"default", Options{}, "leak:leak tiny:creep table:steady", 1004},
		{"off", Options{MinGrowth: -1}, "leak:leak tiny:leak table:steady", 0},
		{"size", Options{MinGrowth: 50}, "leak:leak tiny:leak table:steady", 50},
		{"share", Options{MinGrowthShare: 0.01}, "leak:creep tiny:creep table:steady", 100354},
		// The floor is the process's scale, not the focused part's.
		{"focused", Options{Focus: regexp.MustCompile("^tiny$")}, "tiny:creep", 1004},
	}
	for _, tt := range tests {
		got, floor := verdicts(tt.opts)
		if got != tt.want || math.Abs(floor.PerLifecycle-tt.wantFloor) > 1e-6 {
			t.Errorf("%s: got %s (floor %v), want %s (floor %v)", tt.name, got, floor.PerLifecycle, tt.want, tt.wantFloor)
		}
	}
}

// TestGrowthAgreesWithVerdict: growth per lifecycle is measured over the
// stretch the verdict is about, so the number shown agrees with the word:
// a plateau's is what it grows since it reached its level (not a share of
// the step it took), a gone site's is 0 (it has held nothing since).
func TestGrowthAgreesWithVerdict(t *testing.T) {
	tests := []struct {
		y       []float64
		verdict Verdict
		want    float64
	}{
		{[]float64{12, 25, 25, 25, 25, 25, 25, 25}, VerdictPlateau, 0},
		{[]float64{0, 10, 20, 20, 20, 20, 20, 20}, VerdictPlateau, 0},
		{[]float64{0, 0, 0, 0, 0, 112, 112, 112}, VerdictPlateau, 0},
		// Giving a little back since the step: that is what it does now.
		{[]float64{0, 100, 100, 100, 99, 99, 99, 99}, VerdictPlateau, -0.2},
		{[]float64{0, 0, 5, 10, 15, 0, 0, 0}, VerdictGone, 0},
		{[]float64{5, 10, 15, 20, 0, 0}, VerdictGone, 0},
		// A leak that started late: the slope since it started.
		{[]float64{0, 0, 0, 4, 8, 12, 16, 20}, VerdictLeak, 4},
	}
	for _, tt := range tests {
		a := newStatScratch(len(tt.y)).analyze(seq(len(tt.y)), tt.y)
		if a.verdict != tt.verdict || a.growth != tt.want {
			t.Errorf("%v: got %s growth %v, want %s growth %v", tt.y, a.verdict, a.growth, tt.verdict, tt.want)
		}
	}
}

// TestUnreliableMetricRefused: google/pprof's gobench.heap (a Go legacy
// text profile, testdata/pprof/public) has allocated counts whose lines do
// not add up to its header while its in-use counts do. It loads with a
// warning; ranking inuse_space works, ranking alloc_space is refused with
// the warning that names the file and line.
func TestUnreliableMetricRefused(t *testing.T) {
	path := filepath.Join("..", "testdata", "pprof", "public", "gobench.heap")
	var snaps []*parsers.Snapshot
	for _, name := range []string{"gobench-1.heap", "gobench-2.heap"} {
		s, err := parsers.Open(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		s.Name = name
		snaps = append(snaps, s)
	}
	s := loadSnaps(t, LoadOptions{}, snaps...)
	if _, err := s.Trend(Options{Metric: "inuse_space"}); err != nil {
		t.Errorf("inuse_space: got %v, want a trend", err)
	}
	for _, m := range []string{"alloc_space", "alloc_objects"} {
		_, err := s.Trend(Options{Metric: m})
		var me *parsers.MetricError
		if !errors.As(err, &me) || !strings.Contains(err.Error(), "cannot rank "+m+": parse tcmalloc heap profile "+path+" line 16") {
			t.Errorf("%s: got %v, want it refused naming the file and line 16", m, err)
		}
		if err := s.Check(Options{Metric: m}); err == nil {
			t.Errorf("Check %s: got no error, want the same refusal", m)
		}
	}
}

// second is the error of a (result, error) pair.
func second[T any](_ T, err error) error { return err }
