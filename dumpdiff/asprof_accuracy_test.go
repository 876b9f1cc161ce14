package dumpdiff

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dumpdiff/dumpdiff/parsers"
)

// asprofTruth is testdata/jfr/jdkNN/truth.json (testdata/gen/asprof/gen.sh).
type asprofTruth struct {
	EveryMs int              `json:"every_ms"`
	Marker  string           `json:"marker"`
	Sampled map[string]int64 `json:"sampled"`
	Leaks   []struct {
		Function          string  `json:"function"`
		BytesPerLifecycle float64 `json:"bytes_per_lifecycle"`
	} `json:"leaks"`
	PlateauFrames []string `json:"plateau_frames"`
	NoLeak        []string `json:"no_leak"`
}

// TestAccuracyAsyncProfiler: async-profiler nativemem recordings of the
// Flink-like TaskManager on JDK 17 and 25 (testdata/jfr). From the .jfr cut
// into lifecycles by time (--every) and by the operator's open()
// (--lifecycle-marker), and from jfrconv's collapsed and pprof conversions
// at each lifecycle's end, trend ranks the Java method that leaks first as
// leak, with the planted 8 MiB per lifecycle within 2 % (every allocation
// recorded) or 10 % (sampled); no site of the warm-up is a leak; the same
// JVM with the leak fixed has no leak at all, even without the leak floor.
func TestAccuracyAsyncProfiler(t *testing.T) {
	for _, jdk := range []string{"jdk17", "jdk25"} {
		dir := filepath.Join("..", "testdata", "jfr", jdk)
		data, err := os.ReadFile(filepath.Join(dir, "truth.json"))
		if err != nil {
			t.Fatal(err)
		}
		var tr asprofTruth
		if err := json.Unmarshal(data, &tr); err != nil {
			t.Fatalf("%s/truth.json: %v", dir, err)
		}
		splits := map[string]parsers.SplitOptions{
			"every": {Every: time.Duration(tr.EveryMs) * time.Millisecond},
			// A profiled open() pauses for up to 300 ms between two
			// allocations on a loaded machine (async-profiler walks every
			// stack): one restart must not read as two.
			"marker": {Marker: regexp.MustCompile(tr.Marker), MarkerWindow: time.Second},
		}
		for _, input := range []string{"leak.jfr.gz", "leak-sampled.jfr", "collapsed", "pprof", "sampled-collapsed", "sampled-pprof", "fixed.jfr.gz"} {
			path := filepath.Join(dir, input)
			if _, err := os.Stat(path); err != nil {
				continue // conversions of every allocation are committed for one JDK only
			}
			for how, split := range splits {
				if !strings.Contains(input, ".jfr") {
					if how == "marker" {
						continue // a conversion is one file per lifecycle already
					}
					split = parsers.SplitOptions{}
				}
				t.Run(jdk+"/"+input+"/"+how, func(t *testing.T) {
					s := loadSplit(t, path, split)
					res, err := s.Trend(Options{})
					if err != nil {
						t.Fatal(err)
					}
					checkAsprof(t, res, tr, input)
					if strings.HasPrefix(input, "fixed") {
						// Not even a trend below the leak floor: nothing of
						// the program or the (interpreted) JVM grows.
						if res, err = s.Trend(Options{MinGrowth: -1}); err != nil {
							t.Fatal(err)
						}
						checkAsprof(t, res, tr, input)
					}
				})
			}
		}
	}
}

func loadSplit(t *testing.T, path string, split parsers.SplitOptions) *Series {
	t.Helper()
	paths, err := ExpandPaths([]string{path})
	if err != nil {
		t.Fatal(err)
	}
	s, err := Load(paths, LoadOptions{Parse: parsers.Options{Split: split}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// checkAsprof checks one trend of testdata/jfr against its truth.
func checkAsprof(t *testing.T, res *TrendResult, tr asprofTruth, input string) {
	t.Helper()
	if len(res.Snapshots) != 6 {
		t.Errorf("got %d lifecycles, want 6", len(res.Snapshots))
	}
	for _, st := range res.Sites {
		for _, f := range tr.PlateauFrames {
			if strings.Contains(st.Key, f) && st.Verdict == VerdictLeak {
				t.Errorf("warm-up site %s: got leak (values %v), want no leak", st.Key, st.Values)
			}
		}
	}
	if strings.HasPrefix(input, "fixed") {
		for _, st := range res.Sites {
			if st.Verdict == VerdictLeak {
				t.Errorf("JVM without the leak: %s is a leak (growth %.0f, values %v)", st.Key, st.Growth, st.Values)
			}
		}
		return
	}
	top, leak := res.Sites[0], tr.Leaks[0]
	if top.Title != leak.Function || top.Verdict != VerdictLeak {
		t.Fatalf("rank 1 got %s (%s), want %s (leak)", top.Title, top.Verdict, leak.Function)
	}
	period, sampled := tr.Sampled[input]
	switch {
	case !sampled:
		checkGrowth(t, input, leak.Function, top.Growth, leak.BytesPerLifecycle, 2)
	case strings.Contains(input, ".jfr"):
		checkGrowth(t, input, leak.Function, top.Growth, leak.BytesPerLifecycle, 10)
	default:
		// jfrconv sums the sizes of the sampled allocations and does not
		// write the interval: a conversion holds raw sample sums, 8 KiB per
		// sampled chunk, about 16 samples of the 1024 per lifecycle.
		samples := top.Growth / 8192
		checkGrowth(t, input+" (samples × interval)", leak.Function, samples*float64(period), leak.BytesPerLifecycle, 10)
	}
}
