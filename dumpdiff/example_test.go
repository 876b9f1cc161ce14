package dumpdiff_test

import (
	"fmt"
	"log"
	"path/filepath"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/parsers"
	"github.com/dumpdiff/dumpdiff/report"
)

// Build a series from heap profiles, one per task lifecycle, and print the
// site that leaks the most per lifecycle. Each file is read as a stream
// into its Input of the Builder, which reduces it as it is read; package
// loader does the same for directories, on every core. The series is the
// committed Go lifecycle program (testdata/README.md), which leaks 4 MiB
// on every open.
func Example() {
	paths, err := filepath.Glob("../testdata/pprof/go-lifecycle/lc*.pb.gz")
	if err != nil {
		log.Fatal(err)
	}
	b := dumpdiff.NewBuilder(dumpdiff.BuildOptions{})
	for _, p := range paths {
		if err := parsers.ReadFile(p, nil, b.NewInput(p)); err != nil {
			log.Fatal(err)
		}
	}
	series, err := b.Series(dumpdiff.SeriesOptions{Order: dumpdiff.OrderName})
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
