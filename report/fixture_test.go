package report

import (
	"math"
	"time"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/parsers"
)

// Hand-built results for renderer unit tests: they hold the awkward names
// (commas, pipes, backticks, angle brackets, control characters) that real
// series rarely contain. Tests on real series live in real_test.go.

const mib = 1 << 20

func handTrend() *dumpdiff.TrendResult {
	snaps := make([]dumpdiff.SnapshotInfo, 4)
	for i := range snaps {
		snaps[i] = dumpdiff.SnapshotInfo{Path: "series/heap." + string(rune('0'+i)) + ".pb.gz", Format: parsers.FormatPprof, Lifecycle: i, Total: int64(10+4*i) * mib,
			Time: time.Date(2025, 3, 1, 10, 15*i, 0, 0, time.UTC), PID: 4242}
	}
	return &dumpdiff.TrendResult{
		ResultHeader: dumpdiff.ResultHeader{Metric: dumpdiff.Metric{Name: "inuse_space", Unit: "bytes"}, GroupBy: dumpdiff.GroupByStack, SiteCount: 9},

		Snapshots: snaps,
		Total:     dumpdiff.TrendTotal{Growth: 4 * mib, Values: []int64{10 * mib, 14 * mib, 18 * mib, 22 * mib}},
		Floor:     dumpdiff.Floor{PerLifecycle: 1677.7216, Share: 0.0001, MedianTotal: 16 * mib},
		Sites: []dumpdiff.TrendSite{
			{
				Site: dumpdiff.Site{Rank: 1, Key: "main.(*Op).Open;main.run", Title: "main.(*Op).Open", Frames: []dumpdiff.Frame{
					{Function: "main.(*Op).Open", File: "/src/leak/op.go", Line: 42},
					{Function: "main.run", File: "/src/leak/main.go", Line: 10},
					{Function: "main.main", File: "/src/leak/main.go", Line: 3},
				}},

				Values: []int64{4 * mib, 8 * mib, 12 * mib, 16 * mib}, Growth: 4 * mib, TotalGrowth: 12 * mib,
				R2: 1, MKP: 0.0412, Monotonic: 1, Verdict: dumpdiff.VerdictLeak,
			},
			{
				Site: dumpdiff.Site{Rank: 2, Key: "std::map<int, std::string>::insert|x", Title: "std::map<int, std::string>::insert|x", Frames: []dumpdiff.Frame{
					{Function: "std::map<int, std::string>::insert|x", Module: "libapp.so"},
					{Function: "`weird` *name*_", Module: "libapp.so"},
				}},

				Values: []int64{0, 1000, 1500, 2500}, Growth: 833.3333333333334, TotalGrowth: 2500,
				R2: 0.96, MKP: 0.0894, Monotonic: 1, Verdict: dumpdiff.VerdictLeak,
			},
			{
				Site: dumpdiff.Site{Rank: 3, Key: "cache.warm", Title: "cache.warm\x1b[31m", Frames: []dumpdiff.Frame{{Function: "cache.warm\x1b[31m", File: "cache.go", Line: 7}}},

				Values: []int64{6 * mib, 6 * mib, 6 * mib, 6 * mib}, Growth: 0, TotalGrowth: 0,
				R2: math.NaN(), MKP: 1, Monotonic: 1, Verdict: dumpdiff.VerdictPlateau,
			},
			{
				Site:   dumpdiff.Site{Rank: 4, Key: "Other", Title: "Other", Category: "Other"},
				Values: []int64{3000, 1000, 2000, 500}, Growth: -700, TotalGrowth: -2500,
				R2: 0.4, MKP: 0.3, Monotonic: 0.33, Verdict: dumpdiff.VerdictNoise,
			},
		},
	}
}

func handCompare() *dumpdiff.CompareResult {
	return &dumpdiff.CompareResult{
		ResultHeader: dumpdiff.ResultHeader{Metric: dumpdiff.Metric{Name: "inuse_space", Unit: "bytes"}, GroupBy: dumpdiff.GroupByStack, SiteCount: 3},

		Base:   dumpdiff.SnapshotInfo{Path: "a.pb.gz", Format: parsers.FormatPprof, Lifecycle: 0, Total: 10 * mib},
		Target: dumpdiff.SnapshotInfo{Path: "b.pb.gz", Format: parsers.FormatPprof, Lifecycle: 1, Total: 14 * mib},
		Sites: []dumpdiff.PairSite{
			{
				Site: dumpdiff.Site{Rank: 1, Key: "main.leak", Title: "main.leak", Frames: []dumpdiff.Frame{{Function: "main.leak", File: "main.go", Line: 5}, {Function: "main.main", File: "main.go", Line: 2}}},

				Base: 4 * mib, Target: 8 * mib, Delta: 4 * mib, DeltaPct: 100, Status: dumpdiff.StatusGrown,
			},
			{
				Site: dumpdiff.Site{Rank: 2, Key: "f(a, b)|g", Title: "f(a, b)|g", Frames: []dumpdiff.Frame{{Function: "f(a, b)|g"}, {Function: "main.main", File: "main.go", Line: 2}}},

				Base: 0, Target: 3000, Delta: 3000, DeltaPct: math.Inf(1), Status: dumpdiff.StatusNew,
			},
			{
				Site: dumpdiff.Site{Rank: 3, Key: "main.free", Title: "main.free", Frames: []dumpdiff.Frame{{Function: "main.free", File: "main.go", Line: 9}, {Function: "main.main", File: "main.go", Line: 2}}},

				Base: 5000, Target: 1000, Delta: -4000, DeltaPct: -80, Status: dumpdiff.StatusShrunk,
			},
		},
	}
}

// handProvenance is where handTrend's report says it came from.
func handProvenance() Provenance {
	return Provenance{
		Version:   "v1.2.3 (git 0123456789ab, 2025-03-01T09:00:00Z)",
		Command:   "dumpdiff trend --format html -o leak.html series/",
		Directory: "/incidents/42/series",
		Generated: time.Date(2025, 3, 1, 11, 0, 0, 0, time.UTC),
	}
}
