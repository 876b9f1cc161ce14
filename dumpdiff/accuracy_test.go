package dumpdiff

import (
	"debug/elf"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// truth is the ground truth the generator (testdata/gen/gen.sh) writes
// beside each series.
type truth struct {
	Format  string `json:"format"`
	Metric  string `json:"metric"`
	Sampled bool   `json:"sampled"`
	Binary  string `json:"binary"`
	Leaks   []struct {
		Function          string  `json:"function"`
		BytesPerLifecycle float64 `json:"bytes_per_lifecycle"`
	} `json:"leaks"`
	Plateau []string `json:"plateau"`
	Noise   []string `json:"noise"`
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

// elfNamer names "binary+0xoffset" frame keys from the ELF symbol table of
// the series' binary, so that tests of address-only dumps can speak of
// functions; symbolisation proper is package parsers' job. Return addresses
// point after the call, so offset − 1 is looked up, as pprof does.
func elfNamer(t *testing.T, bin string) func(string) string {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatalf("open binary for names: %v", err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	progs := f.Progs
	base := filepath.Base(bin)
	return func(key string) string {
		mod, off, ok := strings.Cut(key, "+0x")
		if !ok || mod != base {
			return key
		}
		o, err := strconv.ParseUint(off, 16, 64)
		if err != nil {
			return key
		}
		for _, p := range progs {
			if p.Type != elf.PT_LOAD || o < p.Off || o >= p.Off+p.Filesz {
				continue
			}
			addr := o - p.Off + p.Vaddr - 1
			for _, s := range syms {
				if elf.ST_TYPE(s.Info) == elf.STT_FUNC && addr >= s.Value && addr < s.Value+s.Size {
					return s.Name
				}
			}
		}
		return key
	}
}

// TestAccuracyRealSeries runs trend on every committed series that has a
// truth.json and a parser on this branch, and checks the verdicts and growth
// against what the generator planted.
func TestAccuracyRealSeries(t *testing.T) {
	series := []string{
		"pprof/go-lifecycle", "pprof/go-sampled", "pprof/go-noisy",
		"tcmalloc/c-lifecycle", "tcmalloc/c-restart",
	}
	for _, name := range series {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("..", "testdata", name)
			tr := readTruth(t, dir)
			paths, err := ExpandPaths([]string{dir})
			if err != nil {
				t.Fatal(err)
			}
			s, err := Load(paths, LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			nameOf := func(k string) string { return k }
			if tr.Binary != "" {
				nameOf = elfNamer(t, filepath.Join("..", tr.Binary))
			}

			// The default view (group by stack): the planted leak is first.
			res, err := s.Trend(Options{Metric: tr.Metric})
			if err != nil {
				t.Fatal(err)
			}
			top := res.Sites[0]
			leak := tr.Leaks[0]
			if got := nameOf(top.Title); got != leak.Function || top.Verdict != VerdictLeak {
				t.Fatalf("rank 1 got %s (%s), want %s (leak)", got, top.Verdict, leak.Function)
			}
			errPct := 100 * (top.Growth - leak.BytesPerLifecycle) / leak.BytesPerLifecycle
			t.Logf("%s: %s planted %.0f B/lc, measured %.0f B/lc (%+.2f%%), r2 %.3f, mk_p %.2g",
				name, leak.Function, leak.BytesPerLifecycle, top.Growth, errPct, top.R2, top.MKP)
			if math.Abs(errPct) > 5 {
				t.Errorf("growth of %s got %.0f, want %.0f ± 5%%", leak.Function, top.Growth, leak.BytesPerLifecycle)
			}

			// Per function: the second leak, the plateau and the noise.
			res, err = s.Trend(Options{Metric: tr.Metric, GroupBy: GroupByFunction})
			if err != nil {
				t.Fatal(err)
			}
			byName := map[string]TrendSite{}
			for _, st := range res.Sites {
				byName[nameOf(st.Key)] = st
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
			fns := make([]string, 0, len(want))
			for fn := range want {
				fns = append(fns, fn)
			}
			slices.Sort(fns)
			for _, fn := range fns {
				v := want[fn]
				st, ok := byName[fn]
				if !ok {
					t.Errorf("no site for %s", fn)
					continue
				}
				t.Logf("%s: %s %s growth %.0f B/lc", name, fn, st.Verdict, st.Growth)
				if st.Verdict != v {
					t.Errorf("%s: verdict got %s, want %s (values %v)", fn, st.Verdict, v, st.Values)
				}
			}
			// Nothing else is called a leak with more growth than the
			// smallest planted one.
			for _, st := range res.Sites {
				fn := nameOf(st.Key)
				if st.Verdict == VerdictLeak && want[fn] != VerdictLeak {
					t.Errorf("%s: got leak (growth %.0f, values %v), want no leak outside the truth", fn, st.Growth, st.Values)
				}
			}
		})
	}
}
