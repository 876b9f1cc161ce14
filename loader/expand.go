package loader

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/parsers"
)

// skipInDir reports whether a directory entry is not a snapshot by its
// name: hidden files, golden files, and the JSON, Markdown and README files
// that series directories carry beside their dumps (truth.json, notes).
func skipInDir(name string) bool {
	lower := strings.ToLower(name)
	return strings.HasPrefix(name, ".") ||
		strings.HasSuffix(lower, ".golden") ||
		strings.HasSuffix(lower, ".json") ||
		strings.HasSuffix(lower, ".md") ||
		strings.HasPrefix(lower, "readme")
}

// ExpandPaths replaces each directory argument by the snapshot files in it,
// in natural order (not recursive); files are kept as given. In a
// directory, a file is a snapshot when its content is in a format
// parsers.Detect recognises (collapsed stacks only when the directory holds
// no snapshots of another format: they are its reports). Text that is no snapshot (notes, the reference
// outputs kept beside a series) is skipped quietly; binary data that is no
// snapshot (a file of zeros, a damaged dump) is skipped with a warning
// naming it, and so is a second name of a file already listed (a symlink
// alias such as latest.pb.gz, a hard link). A file that cannot be read, or
// that starts like a snapshot, is kept, so that Load names the problem. A
// directory with no snapshot files is an error.
func ExpandPaths(args []string) (paths []string, warnings []error, err error) {
	for _, a := range args {
		fi, err := os.Stat(a)
		if err != nil {
			return nil, nil, err
		}
		if !fi.IsDir() {
			paths = append(paths, a)
			continue
		}
		files, warns, err := expandDir(a)
		if err != nil {
			return nil, nil, err
		}
		paths = append(paths, files...)
		warnings = append(warnings, warns...)
	}
	return paths, warnings, nil
}

// expandDir lists the snapshot files of one directory.
func expandDir(dir string) ([]string, []error, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	var files, collapsed []string
	var warns []error
	for _, e := range ents {
		if e.IsDir() || skipInDir(e.Name()) {
			continue
		}
		path := filepath.Join(dir, e.Name())
		if !e.Type().IsRegular() {
			if fi, err := os.Stat(path); err != nil || !fi.Mode().IsRegular() {
				continue
			}
		}
		format, skip, why := skipByContent(path)
		switch {
		case skip:
			if why != "" {
				warns = append(warns, fmt.Errorf("skipped %s: %s", path, why))
			}
			continue
		case format == parsers.FormatCollapsed:
			collapsed = append(collapsed, path)
			continue
		}
		files = append(files, path)
	}
	// Collapsed stacks are what tools print from a snapshot or a recording
	// (heaptrack_print -F, jfrconv): beside files of another format they
	// are its reports, not lifecycles of their own.
	if len(files) == 0 {
		files = collapsed
	}
	slices.SortFunc(files, dumpdiff.NaturalCompare)
	files, aliases := dropAliases(files)
	warns = append(warns, aliases...)
	if len(files) == 0 {
		return nil, nil, fmt.Errorf("directory %s has no snapshot files", dir)
	}
	return files, warns, nil
}

// skipByContent names a directory entry's format, or reports that it is no
// snapshot, and why when that deserves a warning (binary data); "" for
// text, which series directories hold on purpose.
func skipByContent(path string) (parsers.Format, bool, string) {
	f, err := parsers.DetectFile(path)
	if !errors.Is(err, parsers.ErrUnrecognized) {
		return f, false, ""
	}
	if strings.Contains(err.Error(), "(binary data") {
		return "", true, "not a snapshot in any format dumpdiff reads (binary data)"
	}
	return "", true, ""
}

// dropAliases keeps one name per file: where several names are the same
// file, the first that is not a symlink (else the first), with a warning
// for each other.
func dropAliases(files []string) ([]string, []error) {
	type named struct {
		path    string
		symlink bool
	}
	byID := map[fileID][]named{}
	for _, f := range files {
		id, ok := identity(f)
		if !ok {
			continue
		}
		fi, err := os.Lstat(f)
		byID[id] = append(byID[id], named{f, err == nil && fi.Mode()&os.ModeSymlink != 0})
	}
	drop := map[string]string{} // alias → the name kept
	for _, names := range byID {
		if len(names) < 2 {
			continue
		}
		keep := names[0]
		for _, n := range names {
			if !n.symlink {
				keep = n
				break
			}
		}
		for _, n := range names {
			if n.path != keep.path {
				drop[n.path] = keep.path
			}
		}
	}
	var out []string
	var warns []error
	for _, f := range files {
		if k, ok := drop[f]; ok {
			warns = append(warns, fmt.Errorf("skipped %s: the same file as %s", f, k))
			continue
		}
		out = append(out, f)
	}
	return out, warns
}
