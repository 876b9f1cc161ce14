package loader_test

import (
	"fmt"
	"log"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/loader"
)

// Load a directory of snapshots as trend does: files read in parallel, each
// reduced as it is read, the series in natural order of the names.
func ExampleLoad() {
	paths, warnings, err := loader.ExpandPaths([]string{"../testdata/pprof/go-lifecycle"})
	if err != nil {
		log.Fatal(err)
	}
	series, err := loader.Load(paths, loader.Options{Order: dumpdiff.OrderName, Warnings: warnings})
	if err != nil {
		log.Fatal(err)
	}
	res, err := series.Trend(dumpdiff.Options{Top: 1})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(series.Len(), "snapshots; first:", res.Sites[0].Title, res.Sites[0].Verdict)
	// Output:
	// 8 snapshots; first: main.(*leakyOperator).open leak
}
