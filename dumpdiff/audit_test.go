package dumpdiff

import (
	"bytes"
	"fmt"
	"math"
	"regexp"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/dumpdiff/dumpdiff/parsers"
)

// auditRetained keeps what allocsLifecycle allocates, so the allocs
// profile's inuse_space sees it.
var auditRetained [][]byte

//go:noinline
func allocsLifecycle() {
	auditRetained = append(auditRetained, make([]byte, 1<<20))
	for range 64 {
		_ = make([]byte, 64<<10) // allocated and dropped: alloc_space grows, inuse does not
	}
}

// TestAllocsProfileRanksRetainedMemory loads real Go "allocs" profiles
// (the form net/http/pprof serves at /debug/pprof/allocs), whose default
// sample type is alloc_space: the series still ranks inuse_space, and asking
// for alloc_space warns that it counts freed allocations too.
func TestAllocsProfileRanksRetainedMemory(t *testing.T) {
	old := runtime.MemProfileRate
	runtime.MemProfileRate = 1
	defer func() { runtime.MemProfileRate = old; auditRetained = nil }()
	var snaps []*parsers.Snapshot
	for i := range 4 {
		allocsLifecycle()
		runtime.GC()
		var buf bytes.Buffer
		if err := pprof.Lookup("allocs").WriteTo(&buf, 0); err != nil {
			t.Fatal(err)
		}
		snap, err := parsers.Parse(&buf, fmt.Sprintf("allocs-%d.pb.gz", i), nil)
		if err != nil {
			t.Fatal(err)
		}
		if snap.Profile.DefaultSampleType != "alloc_space" {
			t.Fatalf("allocs profile default sample type: got %q, want alloc_space", snap.Profile.DefaultSampleType)
		}
		snaps = append(snaps, snap)
	}
	s := loadSnaps(t, LoadOptions{}, snaps...)
	if got := s.DefaultMetric(); got != "inuse_space" {
		t.Errorf("default metric: got %s, want inuse_space", got)
	}
	res, err := s.Trend(Options{GroupBy: GroupByFunction, Focus: regexp.MustCompile(`allocsLifecycle`)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Metric.Name != "inuse_space" || len(res.Sites) != 1 || math.Abs(res.Sites[0].Growth-(1<<20)) > 0.01*(1<<20) {
		t.Fatalf("got metric %s, sites %+v, want inuse_space with one site growing 1 MiB per lifecycle", res.Metric.Name, res.Sites)
	}
	for _, w := range res.Warnings {
		if strings.Contains(w.Error(), "every allocation") {
			t.Errorf("inuse_space trend warns %q, want no cumulative-metric warning", w)
		}
	}
	res, err = s.Trend(Options{Metric: "alloc_space", GroupBy: GroupByFunction})
	if err != nil {
		t.Fatal(err)
	}
	warned := false
	for _, w := range res.Warnings {
		warned = warned || strings.Contains(w.Error(), "metric alloc_space counts every allocation")
	}
	if !warned {
		t.Errorf("alloc_space trend warnings: got %v, want one about a cumulative metric", res.Warnings)
	}
}

// TestOrder: the series is in natural order of the names by default (a
// shell glob's lc1 lc10 lc11 lc2 becomes lc1 lc2 … lc11), and the growth is
// the leak's; --order args keeps the order given and warns when the names
// are in the byte order a glob gives or the snapshots' own times disagree
// with the order. Natural order warns only about the times.
func TestOrder(t *testing.T) {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	mk := func(name string, minute int) *parsers.Snapshot {
		s := buildSnapshot(name, []sample{{stack: []string{"leak"}, value: int64(minute+1) * 100}})
		s.Time = base.Add(time.Duration(minute) * time.Minute)
		return s
	}
	load := func(o Order, snaps ...*parsers.Snapshot) (*Series, string) {
		t.Helper()
		s := loadSnaps(t, LoadOptions{Order: o}, snaps...)
		var out []string
		for _, w := range s.Warnings() {
			out = append(out, w.Error())
		}
		return s, strings.Join(out, "; ")
	}
	var glob []*parsers.Snapshot
	for _, i := range []int{1, 10, 11, 2, 3, 4, 5, 6, 7, 8, 9} {
		glob = append(glob, mk(fmt.Sprintf("lc%d.pb.gz", i), i))
	}
	s, got := load("", glob...)
	if got != "" {
		t.Errorf("glob, default order: got warning %q, want none", got)
	}
	res, err := s.Trend(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if st := res.Sites[0]; st.Verdict != VerdictLeak || st.Growth != 100 || res.Snapshots[1].Path != "lc2.pb.gz" {
		t.Errorf("glob, default order: got %s growing %v with lc %s second, want a leak of 100 with lc2 second", st.Verdict, st.Growth, res.Snapshots[1].Path)
	}
	if _, got := load(OrderArgs, glob...); !strings.Contains(got, "puts lc11.pb.gz before lc2.pb.gz") {
		t.Errorf("glob, --order args: got warning %q, want one naming lc11.pb.gz before lc2.pb.gz", got)
	}
	if _, got := load(OrderArgs, mk("b", 1), mk("a", 0), mk("c", 2)); !strings.Contains(got, "a was taken before b") {
		t.Errorf("time order, --order args: got warning %q, want one saying a was taken before b", got)
	}
	if _, got := load("", mk("a", 1), mk("b", 0), mk("c", 2)); !strings.Contains(got, "b was taken before a") || !strings.Contains(got, "natural order") {
		t.Errorf("time order, default order: got warning %q, want one saying b was taken before a", got)
	}
	if _, got := load(OrderArgs, mk("lc1", 0), mk("lc2", 1), mk("lc10", 2)); got != "" {
		t.Errorf("in order, --order args: got warning %q, want none", got)
	}
	if _, got := load(OrderTime, mk("b", 1), mk("a", 0), mk("c", 2)); got != "" {
		t.Errorf("--order time: got warning %q, want none", got)
	}
}

// TestVerdictsGeneralize checks the verdict rules on shapes no committed
// series has: leaks that start late, miss a snapshot or grow in quanta, a
// slow leak beside a large steady site, memory that is freed after growing.
func TestVerdictsGeneralize(t *testing.T) {
	const mib = 1 << 20
	tests := []struct {
		name string
		y    []float64
		want Verdict
	}{
		{"leak from lifecycle 3", []float64{0, 0, 0, 4, 8, 12, 16, 20}, VerdictLeak},
		{"leak missing one snapshot", []float64{4, 8, 12, 0, 20, 24, 28, 32}, VerdictLeak},
		{"slow leak on a large base", []float64{400 * mib, 400*mib + 4096, 400*mib + 8192, 400*mib + 12288, 400*mib + 16384, 400*mib + 20480}, VerdictLeak},
		{"leak on every other restart", []float64{0, 0, 4, 4, 8, 8, 12, 12, 16, 16}, VerdictLeak},
		// Sampled in quanta of three lifecycles, ending on a flat stretch
		// shorter than the cadence: the next quantum is not overdue.
		{"leak in quanta of three", []float64{512, 512, 512, 1024, 1024, 1024, 1536, 1536, 1536}, VerdictLeak},
		// The same quanta, but the stretch since the last rise is as long
		// as the cadence and then some: it stopped.
		{"quanta that stopped", []float64{512, 512, 1024, 1024, 1536, 1536, 1536, 1536, 1536, 1536}, VerdictPlateau},
		{"grew then freed", []float64{0, 0, 5, 10, 15, 0, 0, 0}, VerdictGone},
		{"grew from the start then freed", []float64{5, 10, 15, 20, 0, 0}, VerdictGone},
		{"steady 400 MiB", []float64{400 * mib, 400 * mib, 400 * mib, 400 * mib, 400 * mib}, VerdictSteady},
		{"noisy stop", []float64{10, 20, 30, 40, 50, 51, 50, 52}, VerdictPlateau},
		// One step is all two snapshots show: not a leak, not a plateau.
		{"two snapshots, grown", []float64{10, 20}, VerdictNoise},
		{"two snapshots, appeared", []float64{0, 20}, VerdictNew},
		{"two snapshots, vanished", []float64{20, 0}, VerdictGone},
	}
	for _, tt := range tests {
		st := newStatScratch(len(tt.y))
		a := st.analyze(seq(len(tt.y)), tt.y)
		if a.verdict != tt.want {
			t.Errorf("%s %v: got %s (growth %.1f, p↑ %.4f), want %s", tt.name, tt.y, a.verdict, a.growth, a.mk.PUp, tt.want)
		}
	}
}

// TestTwoSnapshotTrendWarns: a trend over two snapshots calls nothing a leak
// (a warm-up cache would be one) and says why.
func TestTwoSnapshotTrendWarns(t *testing.T) {
	s := loadSnaps(t, LoadOptions{},
		buildSnapshot("a", []sample{{stack: []string{"cache"}, value: 100}}),
		buildSnapshot("b", []sample{{stack: []string{"cache"}, value: 200}}))
	res, err := s.Trend(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Sites[0].Verdict; got != VerdictNoise {
		t.Errorf("verdict: got %s, want noise", got)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0].Error(), "2 snapshots are one step") {
		t.Errorf("warnings: got %v, want one about two snapshots", res.Warnings)
	}
}

func TestVerdictBlipIsNoise(t *testing.T) {
	for _, y := range [][]float64{{0, 0, 0, 0, 0, 0, 64, 0}, {0, 0, 0, 0, 64, 64, 0, 0}} {
		st := newStatScratch(len(y))
		if a := st.analyze(seq(len(y)), y); a.verdict != VerdictNoise {
			t.Errorf("%v: got %s, want noise (a transient blip is not a site that went away)", y, a.verdict)
		}
	}
}

// TestLateLeakGrowth: a leak that starts late in a long series is a leak
// growing at its own rate, not at the rate its flat start dilutes it to;
// a site that stepped once late and stayed is still a plateau, and a flat
// start followed by noise is still noise (growth -1: not checked).
func TestLateLeakGrowth(t *testing.T) {
	late := func(pre, post int, base float64) []float64 {
		var y []float64
		for range pre {
			y = append(y, base)
		}
		for k := 1; k <= post; k++ {
			y = append(y, base+float64(k)*4096)
		}
		return y
	}
	tests := []struct {
		name   string
		y      []float64
		want   Verdict
		growth float64
	}{
		{"absent for 20 of 30, then +4 KiB/lc", late(20, 10, 0), VerdictLeak, 4096},
		{"steady for 20 of 30, then +4 KiB/lc", late(20, 10, 1<<20), VerdictLeak, 4096},
		{"absent for 25 of 30, then +4 KiB/lc", late(25, 5, 0), VerdictLeak, 4096},
		{"late step then flat", []float64{0, 0, 0, 0, 0, 112, 112, 112}, VerdictPlateau, -1},
		{"flat then noise", []float64{7, 7, 7, 7, 9, 3, 8, 2, 9, 4}, VerdictNoise, -1},
	}
	for _, tt := range tests {
		st := newStatScratch(len(tt.y))
		a := st.analyze(seq(len(tt.y)), tt.y)
		if a.verdict != tt.want || (tt.growth >= 0 && a.growth != tt.growth) {
			t.Errorf("%s: got %s growing %.1f/lc, want %s growing %.0f/lc", tt.name, a.verdict, a.growth, tt.want, tt.growth)
		}
	}
}

// TestSampledVerdicts: values (KB) read from real jemalloc series at the
// default 512 KiB period (testdata/gen/churn, the runs of the detection-limit
// sweep in testdata/README.md "churn"). A sampled leak of small objects grows
// in quanta of one period and may end on a flat stretch that sampling
// explains; a thread pool that stopped growing gains no quanta; a site that
// changes by one or two samples is no evidence of anything.
func TestSampledVerdicts(t *testing.T) {
	const q = 524288
	tests := []struct {
		name string
		y    []float64 // KB
		want Verdict
	}{
		// 285 KB/lc leak, 8 snapshots: one quantum in the last 4 where 2 were due.
		{"leak, late quantum", []float64{0, 525, 1051, 1577, 2103, 2103, 2103, 2629}, VerdictLeak},
		// 285 KB/lc leak, 30 snapshots: the last 8 flat, 4 quanta in the last 15.
		{"leak, flat end", []float64{1051, 1051, 1051, 2098, 2098, 2622, 3147, 3147, 3147, 3672, 3672, 4197, 4197, 4197, 4722, 4722, 4722, 4722, 5247, 5247, 5772, 5772, 6297, 6297, 6297, 6297, 6297, 6297, 6297, 6297}, VerdictLeak},
		// Thread pool: 2 MiB of 64 KiB contexts in lifecycles 1-4, then none.
		{"pool that stopped", []float64{557, 1115, 2231, 4462, 4462, 4462, 4462, 4462}, VerdictPlateau},
		// A churning site of ~50 KB: zero, one or two samples at random.
		{"one or two samples", []float64{0, 0, 524, 524, 524, 1048, 524, 1573}, VerdictNoise},
		{"one sample that stayed", []float64{0, 0, 0, 0, 0, 524, 525, 526}, VerdictNoise},
		// A churning site whose working set is drawn again every lifecycle:
		// it gives back more than it keeps (MK p↑ 0.002).
		{"churning working set", []float64{1053, 525, 1579, 3160, 527, 4210, 2633, 2636, 2636, 5794, 8422, 4208, 3154, 4732, 4740}, VerdictNoise},
		// Go (testdata/gen/goservice, no leak): a map of sessions that
		// survives lifecycles, entries added and deleted at random; its
		// wandering is serially correlated (MK p↑ 2e-5).
		{"wandering session map", []float64{0, 0, 0, 1069, 2118, 1069, 1594, 1594, 1594, 2644, 1594, 2119, 2644, 3169, 2644, 3693, 3168, 2643, 3168, 2119}, VerdictNoise},
		// Go, 116 KB/lc leak in a map never cleared: a sampled map table
		// freed when the map grew is a small fall.
		{"leaking map", []float64{524, 524, 524, 1049, 1049, 1049, 1573, 1573, 2118, 2118, 2118, 3167, 3692, 3692, 3692, 4216, 4216, 3671, 4196, 4196}, VerdictLeak},
	}
	for _, tt := range tests {
		y := make([]float64, len(tt.y))
		for i, v := range tt.y {
			y[i] = 1000 * v
		}
		st := newStatScratch(len(y))
		st.quantum = q
		a := st.analyze(seq(len(y)), y)
		if a.verdict != tt.want {
			t.Errorf("%s %v: got %s (growth %.0f, p↑ %.4f), want %s", tt.name, tt.y, a.verdict, a.growth, a.mk.PUp, tt.want)
		}
	}
}
