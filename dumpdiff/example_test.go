package dumpdiff_test

import (
	"fmt"
	"log"
	"path/filepath"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/report"
)

// Load a series of heap profiles, one per task lifecycle, and print the site
// that leaks the most per lifecycle. The series is the committed Go lifecycle
// program (testdata/README.md), which leaks 4 MiB on every open.
func Example() {
	paths, err := dumpdiff.ExpandPaths([]string{"../testdata/pprof/go-lifecycle"})
	if err != nil {
		log.Fatal(err)
	}
	series, err := dumpdiff.Load(paths, dumpdiff.LoadOptions{Order: dumpdiff.OrderName})
	if err != nil {
		log.Fatal(err)
	}
	res, err := series.Trend(dumpdiff.Options{Top: 3})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d snapshots of %s\n", len(res.Snapshots), res.Metric.Name)
	for _, s := range res.Sites {
		if s.Verdict != dumpdiff.VerdictLeak {
			continue
		}
		fmt.Printf("top leak: %s, %s per lifecycle\n", s.Title, report.FormatSignedQuantity(s.Growth, res.Metric.Unit))
		fmt.Printf("allocated at %s:%d\n", filepath.Base(s.Frames[0].File), s.Frames[0].Line)
		break
	}
	// Output:
	// 8 snapshots of inuse_space
	// top leak: main.(*leakyOperator).open, +4.0 MiB per lifecycle
	// allocated at main.go:68
}
