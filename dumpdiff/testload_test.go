package dumpdiff

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"

	"github.com/dumpdiff/dumpdiff/parsers"
)

// LoadOptions are what the engine's tests vary when they build a series;
// package loader has the real loader (directories, parallel reads, file
// identity, lifecycle numbers from names).
type LoadOptions struct {
	// Open returns a hand-built snapshot for a path; nil reads the file
	// with parsers.ReadFile.
	Open   func(path string) (*parsers.Snapshot, error)
	Parse  parsers.Options
	Trim   []*regexp.Regexp
	NoTrim bool
	Order  Order
	// LifecycleRegex numbers the inputs from the first capture group on
	// their base names, as --lifecycle-regex does.
	LifecycleRegex *regexp.Regexp
	Build          BuildOptions // Metric, KeepRetained
}

// Load feeds the snapshots at paths to a Builder, one at a time and in
// order, and returns the series.
func Load(paths []string, opts LoadOptions) (*Series, error) {
	bo := opts.Build
	bo.Trim, bo.NoTrim = opts.Trim, opts.NoTrim
	b := NewBuilder(bo)
	for _, p := range paths {
		in := b.NewInput(p)
		if re := opts.LifecycleRegex; re != nil {
			m := re.FindStringSubmatch(filepath.Base(p))
			if m == nil {
				return nil, fmt.Errorf("lifecycle regex %q does not match %s", re, p)
			}
			n, err := strconv.Atoi(m[1])
			if err != nil {
				return nil, err
			}
			in.SetLifecycle(n)
		}
		var err error
		if opts.Open != nil {
			var snap *parsers.Snapshot
			if snap, err = opts.Open(p); err == nil {
				err = parsers.EmitSnapshot(snap, in)
			}
		} else {
			po := opts.Parse
			err = parsers.ReadFile(p, &po, in)
		}
		if err != nil {
			return nil, err
		}
	}
	return b.Series(SeriesOptions{Order: opts.Order})
}

// ExpandPaths lists the snapshot files of a directory in natural order, as
// the loader does (without its warnings).
func ExpandPaths(dirs []string) ([]string, error) {
	var out []string
	for _, d := range dirs {
		if fi, err := os.Stat(d); err == nil && !fi.IsDir() {
			out = append(out, d)
			continue
		}
		ents, err := os.ReadDir(d)
		if err != nil {
			return nil, err
		}
		var files, collapsed []string
		for _, e := range ents {
			p := filepath.Join(d, e.Name())
			if e.IsDir() || filepath.Ext(p) == ".json" || filepath.Ext(p) == ".golden" || filepath.Ext(p) == ".md" {
				continue
			}
			switch f, err := parsers.DetectFile(p); {
			case errors.Is(err, parsers.ErrUnrecognized):
				continue
			case f == parsers.FormatCollapsed:
				collapsed = append(collapsed, p) // a report, beside snapshots
				continue
			}
			files = append(files, p)
		}
		if len(files) == 0 {
			files = collapsed
		}
		slices.SortFunc(files, NaturalCompare)
		out = append(out, files...)
	}
	return out, nil
}
