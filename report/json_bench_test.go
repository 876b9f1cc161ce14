package report

import (
	"fmt"
	"io"
	"testing"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
)

// BenchmarkWriteTrendJSON50kSites measures --format json --top 0 on a large
// result: sites are encoded one at a time, so memory stays near one site.
func BenchmarkWriteTrendJSON50kSites(b *testing.B) {
	res := &dumpdiff.TrendResult{ResultHeader: dumpdiff.ResultHeader{Metric: dumpdiff.Metric{Name: "inuse_space", Unit: "bytes"}, GroupBy: dumpdiff.GroupByStack}}
	for i := range 50000 {
		fs := make([]dumpdiff.Frame, 6)
		for k := range fs {
			fs[k] = dumpdiff.Frame{Function: fmt.Sprintf("pkg.fn%d_%d", i, k), File: "/src/pkg/file.go", Line: int64(10 + k)}
		}
		res.Sites = append(res.Sites, dumpdiff.TrendSite{Site: dumpdiff.Site{Rank: i + 1, Key: fmt.Sprint(i), Title: fs[0].Function, Frames: fs},
			Values: []int64{1, 2, 3, 4, 5, 6, 7, 8}, Growth: 1, TotalGrowth: 7, R2: 1, MKP: 0.001, Monotonic: 1, Verdict: dumpdiff.VerdictLeak})
	}
	res.SiteCount = len(res.Sites)
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteTrendJSON(io.Discard, res); err != nil {
			b.Fatal(err)
		}
	}
}
