// Package demo holds the sample series that `dumpdiff explore --demo` opens:
// a copy of testdata/pprof/go-lifecycle, eight real Go heap profiles written
// by the generator in testdata/gen (one per task lifecycle; one operator
// leaks 4 MiB per lifecycle, a second site 256 KiB, a warm-up cache
// plateaus). It is a copy because go:embed cannot reach a parent directory
// and a package under testdata/ is not built; TestSameAsTestdata keeps the
// copy identical to the original.
package demo

import (
	"embed"
	"fmt"
	"io/fs"
	"slices"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/parsers"
)

//go:embed go-lifecycle/*.pb.gz
var files embed.FS

// Name names the demo series in the explorer's header.
const Name = "demo: go-lifecycle"

// Paths lists the demo snapshots in lifecycle order.
func Paths() []string {
	paths, err := fs.Glob(files, "go-lifecycle/*.pb.gz")
	if err != nil {
		panic(err) // the pattern is a constant
	}
	slices.SortFunc(paths, dumpdiff.NaturalCompare)
	return paths
}

// Open parses one embedded snapshot; path is one of Paths.
func Open(path string) (*parsers.Snapshot, error) {
	f, err := files.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open demo snapshot: %w", err)
	}
	defer f.Close()
	return parsers.Parse(f, path, nil)
}
