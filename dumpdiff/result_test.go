package dumpdiff

import (
	"reflect"
	"testing"
)

// TestResultShape: a trend and a pair diff answer the same questions
// through Result, whole or streamed: the header, the sites' shared part
// (as Site(i) gives it) and the snapshots they come from.
func TestResultShape(t *testing.T) {
	s := loadSnaps(t, LoadOptions{}, leakSeries(4)...)
	for _, stream := range []bool{false, true} {
		opts := Options{Stream: stream, Top: 2}
		trend, err := s.Trend(opts)
		if err != nil {
			t.Fatal(err)
		}
		pair, err := s.Compare(0, 3, opts)
		if err != nil {
			t.Fatal(err)
		}
		if held := trend.Sites[0].Key != "" && pair.Sites[0].Key != ""; held == stream {
			t.Fatalf("stream %v: the sites hold their keys: %v", stream, held)
		}
		whole := map[string]func(i int) Site{
			"trend": func(i int) Site { return trend.Site(i).Site },
			"pair":  func(i int) Site { return pair.Site(i).Site },
		}
		for kind, r := range map[string]Result{"trend": trend, "pair": pair} {
			h := r.Header()
			if h.Metric.Name != "inuse_space" || h.GroupBy != GroupByStack || h.SiteCount < r.Len() || r.Len() != 2 {
				t.Errorf("%s (stream %v): got header %+v with %d sites", kind, stream, *h, r.Len())
			}
			for i := range r.Len() {
				got := r.SiteAt(i)
				if want := whole[kind](i); !reflect.DeepEqual(got, want) || got.Key == "" || got.Rank != i+1 {
					t.Errorf("%s (stream %v) site %d: got %+v, want %+v", kind, stream, i, got, want)
				}
			}
		}
		if got := trend.Sources(); len(got) != 4 || got[3].Total != trend.Total.Values[3] {
			t.Errorf("trend sources: got %+v", got)
		}
		if got := pair.Sources(); len(got) != 2 || got[0] != pair.Base || got[1] != pair.Target {
			t.Errorf("pair sources: got %+v", got)
		}
	}
}
