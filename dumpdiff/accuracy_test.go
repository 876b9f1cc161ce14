package dumpdiff

import (
	"debug/elf"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dumpdiff/dumpdiff/parsers"
	"github.com/dumpdiff/dumpdiff/parsers/symbolize"
)

// truth is the ground truth the generators (testdata/gen) write beside each
// series: what was planted, per lifecycle.
type truth struct {
	Metric        string `json:"metric"`
	Libjvm        string `json:"libjvm"`
	LibjvmBuildID string `json:"libjvm_build_id"`
	Leaks         []struct {
		Function          string  `json:"function"`
		Category          string  `json:"category"`
		Site              string  `json:"site"`
		BytesPerLifecycle float64 `json:"bytes_per_lifecycle"`
		BytesDelta        int64   `json:"bytes_delta"`
		// Verdict is what the planted leak must read as, when it is not
		// "leak" (a leak across a process restart is a saw-tooth).
		Verdict Verdict `json:"verdict"`
	} `json:"leaks"`
	Plateau []string `json:"plateau"`
	Noise   []string `json:"noise"`
	// GrowthTolerancePct is how far the measured growth of the planted
	// leak may be from the truth: 5 for exact series, 10 for sampled ones.
	GrowthTolerancePct float64 `json:"growth_tolerance_pct"`
	// SamplingBlind names the functions whose verdict sampling leaves to
	// chance (too few samples per lifecycle): of those only "a decoy is
	// not a leak" is checked.
	SamplingBlind []string `json:"sampling_blind"`
}

func readTruth(t *testing.T, dir string) truth {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tr truth
	if err := json.Unmarshal(data, &tr); err != nil {
		t.Fatalf("%s/truth.json: %v", dir, err)
	}
	return tr
}

// elfBuildID reads the GNU build ID of an ELF file, "" when there is none.
func elfBuildID(path string) string {
	f, err := elf.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sec := f.Section(".note.gnu.build-id")
	if sec == nil {
		return ""
	}
	data, err := sec.Data()
	if err != nil || len(data) < 16 {
		return ""
	}
	// Note header: namesz, descsz, type (4 bytes each), then "GNU\0", then the ID.
	namesz := f.ByteOrder.Uint32(data[0:4])
	descsz := f.ByteOrder.Uint32(data[4:8])
	start := 12 + (namesz+3)&^3
	if uint32(len(data)) < start+descsz {
		return ""
	}
	return hex.EncodeToString(data[start : start+descsz])
}

// loadReal loads a committed series with the symboliser the CLI uses, so
// address-only dumps name their functions from testdata/bin.
func loadReal(t *testing.T, args ...string) *Series {
	t.Helper()
	paths, err := ExpandPaths(args)
	if err != nil {
		t.Fatal(err)
	}
	sym := symbolize.New(symbolize.Options{SearchDirs: []string{filepath.Join("..", "testdata", "bin")}})
	s, err := Load(paths, LoadOptions{Parse: parsers.Options{Symbolizer: sym}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// checkGrowth compares a measured growth with the truth, within tol
// percent (5 when the truth does not say).
func checkGrowth(t *testing.T, series, what string, got, want, tol float64) {
	t.Helper()
	if tol == 0 {
		tol = 5
	}
	errPct := 100 * (got - want) / want
	t.Logf("%s: %s planted %.0f B/lc, measured %.0f B/lc (%+.2f%%)", series, what, want, got, errPct)
	if math.Abs(errPct) > tol {
		t.Errorf("%s: growth of %s got %.0f, want %.0f ± %.0f%%", series, what, got, want, tol)
	}
}

// checkVerdicts finds each named site of res (by title) and checks its
// verdict. For the sites sampling leaves to chance (blind), only "a decoy
// is not a leak" is checked.
func checkVerdicts(t *testing.T, res *TrendResult, want map[string]Verdict, blind []string) {
	t.Helper()
	byTitle := map[string]TrendSite{}
	for _, st := range res.Sites {
		byTitle[st.Title] = st
	}
	names := make([]string, 0, len(want))
	for n := range want {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		st, ok := byTitle[n]
		if !ok {
			t.Errorf("no site %s", n)
			continue
		}
		t.Logf("%s: %s, growth %.0f/lc, values %v", n, st.Verdict, st.Growth, st.Values)
		if slices.Contains(blind, n) {
			if want[n] != VerdictLeak && st.Verdict == VerdictLeak {
				t.Errorf("%s: verdict got leak, want no leak (values %v)", n, st.Values)
			}
			continue
		}
		if st.Verdict != want[n] {
			t.Errorf("%s: verdict got %s, want %s (values %v)", n, st.Verdict, want[n], st.Values)
		}
	}
}

// TestAccuracyProgramSeries: the lifecycle programs (Go, C with tcmalloc, C
// with jemalloc, a JVM under jemalloc). The planted leak ranks first with
// verdict leak and growth within 5%; the second leak is leak (when the
// sampling period can resolve it); the warm-up cache is plateau; the
// fluctuating pool is noise; nothing else is called a leak.
func TestAccuracyProgramSeries(t *testing.T) {
	for _, name := range []string{
		"pprof/go-lifecycle", "pprof/go-sampled", "pprof/go-noisy",
		"tcmalloc/c-lifecycle", "tcmalloc/c-restart", "tcmalloc/c-sampled",
		"jemalloc/c-lifecycle", "jemalloc/c-sampled", "jemalloc/c-restart", "jemalloc/c-threads",
		"jemalloc/jvm",
	} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("..", "testdata", name)
			tr := readTruth(t, dir)
			if tr.Libjvm != "" {
				// The JVM's frames are named from this machine's libjvm.so;
				// another build of it has other offsets.
				if id := elfBuildID(tr.Libjvm); id != tr.LibjvmBuildID {
					t.Skipf("the JVM series needs %s with build ID %s, found %q", tr.Libjvm, tr.LibjvmBuildID, id)
				}
			}
			s := loadReal(t, dir)

			// The default view (the format's retained-bytes metric, group by
			// stack): the planted leak is first.
			res, err := s.Trend(Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Metric.Unit != "bytes" {
				t.Errorf("default metric got %v, want a byte metric like %s", res.Metric, tr.Metric)
			}
			top, leak := res.Sites[0], tr.Leaks[0]
			if top.Title != leak.Function || top.Verdict != VerdictLeak {
				t.Fatalf("rank 1 got %s (%s), want %s (leak)", top.Title, top.Verdict, leak.Function)
			}
			checkGrowth(t, name, leak.Function, top.Growth, leak.BytesPerLifecycle, tr.GrowthTolerancePct)

			res, err = s.Trend(Options{GroupBy: GroupByFunction})
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]Verdict{}
			for _, l := range tr.Leaks {
				want[l.Function] = VerdictLeak
			}
			for _, f := range tr.Plateau {
				want[f] = VerdictPlateau
			}
			for _, f := range tr.Noise {
				want[f] = VerdictNoise
			}
			checkVerdicts(t, res, want, tr.SamplingBlind)
			planted := map[string]bool{}
			for _, l := range tr.Leaks {
				planted[l.Function] = true
			}
			// The JVM's own sites move a little; only the programs we wrote
			// are fully known.
			if !strings.HasPrefix(name, "jemalloc/jvm") {
				for _, st := range res.Sites {
					if st.Verdict == VerdictLeak && !planted[st.Title] {
						t.Errorf("%s: got leak (growth %.0f, values %v), want no leak outside the truth", st.Title, st.Growth, st.Values)
					}
				}
			}
		})
	}
}

// TestAccuracyNMT: JVM Native Memory Tracking series (JDK 17 and 25).
// Summaries by category rank Other (the direct-memory leak) first; detail
// series rank the leaking site first; the plateau categories are not leaks.
func TestAccuracyNMT(t *testing.T) {
	for _, name := range []string{
		"nmt/jdk17-summary", "nmt/jdk25-summary", "nmt/jdk17-summary-mb", "nmt/jdk25-summary-mb",
		"nmt/jdk17-detail", "nmt/jdk25-detail",
	} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("..", "testdata", name)
			tr := readTruth(t, dir)
			s := loadReal(t, dir)
			leak := tr.Leaks[0]
			res, err := s.Trend(Options{Metric: tr.Metric, GroupBy: GroupByCategory})
			if err != nil {
				t.Fatal(err)
			}
			if top := res.Sites[0]; top.Title != leak.Category || top.Verdict != VerdictLeak {
				t.Fatalf("by category, rank 1 got %s (%s), want %s (leak)", top.Title, top.Verdict, leak.Category)
			} else {
				checkGrowth(t, name, leak.Category, top.Growth, leak.BytesPerLifecycle, tr.GrowthTolerancePct)
			}
			for _, st := range res.Sites {
				if slices.Contains(tr.Plateau, st.Title) && st.Verdict == VerdictLeak {
					t.Errorf("category %s: got leak, want not a leak (values %v)", st.Title, st.Values)
				}
			}
			if leak.Site == "" {
				return
			}
			res, err = s.Trend(Options{Metric: tr.Metric})
			if err != nil {
				t.Fatal(err)
			}
			top := res.Sites[0]
			if top.Title != leak.Site || top.Verdict != VerdictLeak {
				t.Fatalf("by stack, rank 1 got %s (%s), want %s (leak)", top.Title, top.Verdict, leak.Site)
			}
			checkGrowth(t, name, top.Key, top.Growth, leak.BytesPerLifecycle, tr.GrowthTolerancePct)
		})
	}
}

// TestAccuracyNMTDiff: one summary.diff file is a pair (baseline, current);
// Compare shows the leak's delta exactly.
func TestAccuracyNMTDiff(t *testing.T) {
	for _, name := range []string{"nmt/jdk17-diff", "nmt/jdk25-diff"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("..", "testdata", name)
			tr := readTruth(t, dir)
			s := loadReal(t, filepath.Join(dir, "summary.diff.txt"))
			if s.Len() != 2 {
				t.Fatalf("got %d snapshots, want the baseline and the current side", s.Len())
			}
			res, err := s.Compare(0, 1, Options{Metric: tr.Metric, GroupBy: GroupByCategory})
			if err != nil {
				t.Fatal(err)
			}
			top, leak := res.Sites[0], tr.Leaks[0]
			t.Logf("%s: %s delta %d, want %d", name, top.Title, top.Delta, leak.BytesDelta)
			if top.Title != leak.Category || top.Delta != leak.BytesDelta || top.Status != StatusGrown {
				t.Errorf("rank 1 got %s %+d (%s), want %s %+d (grown)", top.Title, top.Delta, top.Status, leak.Category, leak.BytesDelta)
			}
		})
	}
}

// TestAccuracyShapes: the go-shapes series (testdata/gen/goshapes) plants
// one site per growth shape that a verdict rule could get wrong: a leak that
// starts at lifecycle 3, one absent from one snapshot, a 4 KiB/lifecycle leak
// beside a steady 100 MiB site, a leak that grows in quanta every third
// lifecycle and ends the series on a flat stretch, and a site that grows
// for four lifecycles from the third on and is then freed. The slow leak
// is under the default floor (0.01% of the median total, about 11 KiB per
// lifecycle here): a creep, ranked right after the leaks, and a leak with
// the floor off.
func TestAccuracyShapes(t *testing.T) {
	dir := filepath.Join("..", "testdata", "pprof", "go-shapes")
	tr := readTruth(t, dir)
	s := loadReal(t, dir)
	res, err := s.Trend(Options{GroupBy: GroupByFunction})
	if err != nil {
		t.Fatal(err)
	}
	off, err := s.Trend(Options{GroupBy: GroupByFunction, MinGrowth: -1})
	if err != nil {
		t.Fatal(err)
	}
	want, wantOff := map[string]Verdict{}, map[string]Verdict{}
	var order []Verdict
	for _, l := range tr.Leaks {
		v := VerdictLeak
		if l.Verdict != "" {
			v = l.Verdict
		}
		want[l.Function], wantOff[l.Function] = v, VerdictLeak
		order = append(order, v)
		for _, st := range res.Sites {
			if st.Title == l.Function {
				checkGrowth(t, "go-shapes", l.Function, st.Growth, l.BytesPerLifecycle, tr.GrowthTolerancePct)
			}
		}
	}
	// Leaks rank first, then creeps.
	slices.SortStableFunc(order, func(a, b Verdict) int { return verdictRank(a) - verdictRank(b) })
	for i, v := range order {
		if res.Sites[i].Verdict != v {
			t.Errorf("rank %d: got %s (%s), want a %s (leaks first, then creeps)", i+1, res.Sites[i].Title, res.Sites[i].Verdict, v)
		}
	}
	for _, r := range []map[string]Verdict{want, wantOff} {
		r["main.burstThenFreed"] = VerdictGone
		r["main.steadyBaseline"] = VerdictSteady
	}
	checkVerdicts(t, res, want, nil)
	checkVerdicts(t, off, wantOff, nil)
	if f := res.Floor; f.Share != DefaultMinGrowthShare || f.PerLifecycle != math.Round(f.Share*float64(f.MedianTotal)) {
		t.Errorf("floor got %+v, want %g of the median total", f, DefaultMinGrowthShare)
	}
	if f := off.Floor; f.PerLifecycle != 0 {
		t.Errorf("floor with MinGrowth < 0 got %+v, want off", f)
	}
}

// TestAccuracyGlobOrder: the files of a 15-lifecycle series in the byte
// order a shell glob gives (lc1 lc10 … lc15 lc2 … lc9). By default they are
// sorted naturally and the planted leak ranks first as a leak; kept in that
// order (--order args) the series warns that the names are in byte order.
func TestAccuracyGlobOrder(t *testing.T) {
	dir := filepath.Join("..", "testdata", "jemalloc", "churn-256k")
	tr := readTruth(t, dir)
	paths, err := filepath.Glob(filepath.Join(dir, "lc*.heap.gz"))
	if err != nil || len(paths) != 15 {
		t.Fatalf("glob: got %d files (%v), want 15", len(paths), err)
	}
	if !slices.IsSorted(paths) || filepath.Base(paths[1]) != "lc10.heap.gz" {
		t.Fatalf("glob order: got %v, want byte order with lc10 second", paths)
	}
	sym := symbolize.New(symbolize.Options{SearchDirs: []string{filepath.Join("..", "testdata", "bin")}})
	for _, order := range []Order{"", OrderArgs} {
		s, err := Load(paths, LoadOptions{Order: order, Parse: parsers.Options{Symbolizer: sym}})
		if err != nil {
			t.Fatal(err)
		}
		warned := false
		for _, w := range s.Warnings() {
			warned = warned || strings.Contains(w.Error(), "byte order")
		}
		res, err := s.Trend(Options{GroupBy: GroupByFunction})
		if err != nil {
			t.Fatal(err)
		}
		top := res.Sites[0]
		t.Logf("order %q: rank 1 %s (%s), warned %v", order, top.Title, top.Verdict, warned)
		switch order {
		case "":
			if warned || top.Title != tr.Leaks[0].Function || top.Verdict != VerdictLeak {
				t.Errorf("natural order: got rank 1 %s (%s), warned %v; want %s (leak) and no warning", top.Title, top.Verdict, warned, tr.Leaks[0].Function)
			}
		case OrderArgs:
			if !warned {
				t.Errorf("--order args on glob order: got no warning about byte order")
			}
		}
	}
}

// TestAccuracyNMTKinds: every jcmd output of one JVM saved in one directory
// (the JDK 17 series: 6 summaries, the same 6 at scale=MB, 6 detail
// reports and a summary.diff, 19 files) is not a series of 19 lifecycles.
// With one complete series of each kind, the detail reports are used and a
// warning says so; the leak is Other at 8 MiB per lifecycle. With the kinds
// incomplete, it is an error naming them.
func TestAccuracyNMTKinds(t *testing.T) {
	dir := t.TempDir()
	link := func(from, to string) {
		t.Helper()
		abs, err := filepath.Abs(filepath.Join("..", "testdata", "nmt", from))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(abs, filepath.Join(dir, to)); err != nil {
			t.Fatal(err)
		}
	}
	for k := 1; k <= 6; k++ {
		link(fmt.Sprintf("jdk17-summary/lc-%02d.txt", k), fmt.Sprintf("summary-%d.txt", k))
		link(fmt.Sprintf("jdk17-summary-mb/lc-%02d.txt", k), fmt.Sprintf("summary-mb-%d.txt", k))
		link(fmt.Sprintf("jdk17-detail/lc-%02d.txt.gz", k), fmt.Sprintf("detail-%d.txt.gz", k))
	}
	link("jdk17-diff/summary.diff.txt", "summary.diff.txt")
	s := loadReal(t, dir)
	var warned string
	for _, w := range s.Warnings() {
		if strings.Contains(w.Error(), "NMT reports of 4 kinds") {
			warned = w.Error()
		}
	}
	t.Logf("warning: %s", warned)
	if s.Len() != 6 || !strings.Contains(warned, "using the 6 detail (scale=KB) reports (detail-1.txt.gz … detail-6.txt.gz)") ||
		!strings.Contains(warned, "1 summary.diff (scale=KB): summary.diff.txt") {
		t.Fatalf("got %d snapshots, warning %q; want the 6 detail reports and a warning naming the other kinds", s.Len(), warned)
	}
	res, err := s.Trend(Options{GroupBy: GroupByCategory})
	if err != nil {
		t.Fatal(err)
	}
	if top := res.Sites[0]; top.Title != "Other" || top.Verdict != VerdictLeak || top.Growth != 8<<20 {
		t.Errorf("rank 1 got %s (%s, %v/lc), want Other (leak, 8 MiB/lc)", top.Title, top.Verdict, top.Growth)
	}
	for k := 4; k <= 6; k++ {
		os.Remove(filepath.Join(dir, fmt.Sprintf("summary-mb-%d.txt", k)))
	}
	paths, err := ExpandPaths([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Load(paths, LoadOptions{})
	if err == nil || !strings.Contains(err.Error(), "NMT reports of 4 kinds, which do not make one series: ") ||
		!strings.Contains(err.Error(), "6 summary (scale=KB): summary-1.txt … summary-6.txt") ||
		!strings.Contains(err.Error(), "3 summary (scale=MB): summary-mb-1.txt … summary-mb-3.txt") {
		t.Errorf("incomplete kinds: got %v, want an error naming each kind and its files", err)
	}
}

// TestAccuracyHeaptrack: heaptrack recordings of the C lifecycle program,
// one process cut into lifecycles (by time and by marker, as truth.json's
// split says) and one recording per restart. heaptrack records every
// allocation, so the planted leaks grow by exactly their bytes per
// lifecycle; the decoys are not leaks.
func TestAccuracyHeaptrack(t *testing.T) {
	for _, name := range []string{"heaptrack/c-lifecycle", "heaptrack/c-restart"} {
		dir := filepath.Join("..", "testdata", name)
		var tr struct {
			truth
			Split []struct {
				Every  string `json:"every"`
				Marker string `json:"lifecycle_marker"`
			} `json:"split"`
		}
		data, err := os.ReadFile(filepath.Join(dir, "truth.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &tr); err != nil {
			t.Fatal(err)
		}
		splits := []parsers.SplitOptions{{}}
		if len(tr.Split) > 0 {
			splits = nil
		}
		for _, sp := range tr.Split {
			var o parsers.SplitOptions
			if sp.Every != "" {
				if o.Every, err = time.ParseDuration(sp.Every); err != nil {
					t.Fatal(err)
				}
			}
			if sp.Marker != "" {
				o.Marker = regexp.MustCompile(sp.Marker)
			}
			splits = append(splits, o)
		}
		for _, split := range splits {
			t.Run(fmt.Sprintf("%s/every=%v,marker=%v", name, split.Every, split.Marker), func(t *testing.T) {
				paths, err := ExpandPaths([]string{dir})
				if err != nil {
					t.Fatal(err)
				}
				s, err := Load(paths, LoadOptions{Parse: parsers.Options{Split: split}})
				if err != nil {
					t.Fatal(err)
				}
				if s.Len() != 8 {
					t.Fatalf("got %d snapshots, want 8", s.Len())
				}
				res, err := s.Trend(Options{GroupBy: GroupByFunction})
				if err != nil {
					t.Fatal(err)
				}
				for i, l := range tr.Leaks {
					st := res.Sites[i]
					if st.Title != l.Function || st.Verdict != VerdictLeak || st.Growth != l.BytesPerLifecycle {
						t.Errorf("rank %d: got %s (%s, %.0f B/lc), want %s (leak, exactly %.0f B/lc)", i+1, st.Title, st.Verdict, st.Growth, l.Function, l.BytesPerLifecycle)
					}
				}
				want := map[string]Verdict{}
				for _, l := range tr.Leaks {
					want[l.Function] = VerdictLeak
				}
				for _, f := range tr.Plateau {
					want[f] = VerdictPlateau
				}
				for _, f := range tr.Noise {
					want[f] = VerdictNoise
				}
				checkVerdicts(t, res, want, nil)
				for _, st := range res.Sites[len(tr.Leaks):] {
					if st.Verdict == VerdictLeak {
						t.Errorf("%s: got leak (values %v), want no leak outside the truth", st.Title, st.Values)
					}
				}
				for _, sn := range res.Snapshots {
					if sn.RSS <= sn.Total {
						t.Errorf("%s: got RSS %d, want more than the %d bytes heaptrack traced", sn.Path, sn.RSS, sn.Total)
					}
				}
			})
		}
	}
}
