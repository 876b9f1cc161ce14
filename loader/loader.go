// Package loader reads a series of snapshot files into the engine: it
// expands directories, refuses a file given twice (by file identity, through
// symlinks and hard links), numbers lifecycles from file names, reads the
// files in parallel through the streaming readers (package parsers) and feeds
// each to its place in a dumpdiff.Builder, with progress. It ranks nothing
// and prints nothing: the engine computes, the front ends show.
package loader

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/parsers"
)

// Options tune Load. The zero value streams each file through
// parsers.ReadFile, trims the default allocator frames, puts the snapshots
// in natural order of their paths, keeps every metric and reads GOMAXPROCS
// files at a time.
type Options struct {
	// Open reads one snapshot instead of parsers.ReadFile (the demo's
	// embedded files, tests).
	Open func(path string) (*parsers.Snapshot, error)
	// Parse tunes parsers.ReadFile (forced format, symboliser, split of a
	// recording, decompressed-size limit).
	Parse parsers.Options
	// Trim are extra allocator frames to drop (--trim), matched anywhere in
	// the function name.
	Trim []*regexp.Regexp
	// NoTrim keeps every frame, allocator frames included (--no-trim).
	NoTrim bool
	// Order puts the snapshots in lifecycle order; "" means OrderName.
	// Natural order is the default because the shell hands over a glob in
	// byte order (lc1 lc10 lc11 lc2 …), and a series taken in that order
	// turns a steady leak into a saw-tooth that reads as noise.
	Order dumpdiff.Order
	// LifecycleRegex, when set, reads each snapshot's lifecycle number from the
	// first capture group matched in its file's base name; the series is then
	// ordered by that number and growth is per unit of it (gaps allowed).
	LifecycleRegex *regexp.Regexp
	// Jobs is how many files are read at once; 0 means GOMAXPROCS.
	Jobs int
	// InFlight bounds the bytes of the files being read at once (a file's
	// size on disk; a reader holds a few times that while it reads). 0
	// means DefaultInFlight. A file too large for two to fit is read alone,
	// its samples reduced on every core, while the next file is
	// decompressed within the samples' memory of one file (see load).
	InFlight int64
	// Progress, when set, is called after each file is read and reduced,
	// from one goroutine at a time.
	Progress func(done, total int, path string)
	// ReadProgress, when set, is called as the files' bytes are read (every
	// half percent of their total size), from any goroutine: with a few
	// large files, Progress alone would stand still for long.
	ReadProgress func(read, total int64)
	// Metric and KeepRetained keep the values of one metric only (see
	// dumpdiff.BuildOptions): what a one-metric trend or compare needs.
	Metric       string
	KeepRetained bool
	// Warnings are problems found before the load (files ExpandPaths
	// skipped); they come first among the series' warnings.
	Warnings []error
}

// DefaultInFlight is Options.InFlight's default: enough for a pair of
// ~60 MB gzipped profiles, or many small ones.
const DefaultInFlight int64 = 128 << 20

// Load reads the snapshots at paths (files, not directories: see
// ExpandPaths) into a series. Files are read concurrently and each is
// reduced as it is read; the series is in path order (then Order) whatever
// order the reads finish in, and so is the error reported when several
// files fail: the first path's.
func Load(paths []string, opts Options) (*dumpdiff.Series, error) {
	if len(paths) == 0 {
		return nil, errors.New("no snapshots given")
	}
	if err := checkDistinct(paths); err != nil {
		return nil, err
	}
	lifecycles, err := regexLifecycles(paths, opts.LifecycleRegex)
	if err != nil {
		return nil, err
	}
	s, err := load(paths, lifecycles, opts)
	if errors.Is(err, dumpdiff.ErrMetricsNotKept) {
		// The snapshots disagree on their default metric: keep them all.
		opts.KeepRetained = false
		s, err = load(paths, lifecycles, opts)
	}
	return s, err
}

// load reads the files into a Builder with opts.Jobs workers.
//
// It is longer than 80 lines on purpose: the worker pool's state (the
// next path, the bytes in flight, the first failure) is shared by take and
// finish under one mutex, and reads best kept beside the loop that uses it.
func load(paths []string, lifecycles []int, opts Options) (*dumpdiff.Series, error) {
	b := dumpdiff.NewBuilder(dumpdiff.BuildOptions{Trim: opts.Trim, NoTrim: opts.NoTrim, Metric: opts.Metric, KeepRetained: opts.KeepRetained})
	for _, w := range opts.Warnings {
		b.Warn(w)
	}
	inputs := make([]*dumpdiff.Input, len(paths))
	for i, p := range paths {
		inputs[i] = b.NewInput(p)
		if lifecycles != nil {
			inputs[i].SetLifecycle(lifecycles[i])
		}
	}
	jobs := opts.Jobs
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	budget := opts.InFlight
	if budget <= 0 {
		budget = DefaultInFlight
	}
	if opts.ReadProgress != nil {
		opts.Parse.OnRead = readCounter(paths, opts.ReadProgress)
	}
	// large says a file of w bytes is too large for two to share the
	// budget: it is read while the one before it is reduced (see decoded).
	large := func(w int64) bool { return 2*w > budget }
	errs := make([]error, len(paths))
	var (
		mu       sync.Mutex
		room     = sync.NewCond(&mu)
		next     int
		done     int
		inFlight int64
		sawLarge bool // a file too large to share the budget was read
		failed   bool
		wg       sync.WaitGroup
	)
	// take hands out the next path once there is room for it, none once a
	// read failed.
	take := func() (int, int64) {
		mu.Lock()
		defer mu.Unlock()
		if failed || next == len(paths) {
			return -1, 0
		}
		i := next
		next++
		w := fileSize(paths[i])
		for inFlight > 0 && inFlight+w > budget && !failed {
			room.Wait()
		}
		if failed {
			return -1, 0
		}
		inFlight += w
		sawLarge = sawLarge || large(w)
		return i, w
	}
	// A file too large for two to fit in the budget is read alone, and the
	// decompression of its one gzip stream, which is serial, would leave
	// the other cores idle while its samples wait for their locations (a
	// profile writes them last). Such a file (a pprof profile) calls
	// decoded once its stream is read, before its samples are reduced on
	// every core: it gives its bytes back to the budget, so that the next
	// file's decompression overlaps with this one's reduction, after
	// waiting for the reduction before its own (held) to end. samples
	// bounds what the two hold together to what one file held: the next
	// reader takes the blocks that the reduction gives back as it passes
	// them, and waits for them when it is ahead. finish then knows from out
	// that w went back already.
	held := false
	var samples parsers.SampleBudget
	decoded := func(w int64) {
		mu.Lock()
		defer mu.Unlock()
		for held && !failed {
			room.Wait()
		}
		held = true
		inFlight -= w
		room.Broadcast()
	}
	finish := func(i int, w int64, out bool, err error) {
		mu.Lock()
		defer mu.Unlock()
		if out {
			held = false
		} else {
			inFlight -= w
		}
		room.Broadcast()
		errs[i] = err
		if err != nil {
			failed = true
			return
		}
		done++
		if opts.Progress != nil {
			opts.Progress(done, len(paths), paths[i])
		}
	}
	for range min(jobs, len(paths)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, w := take(); i >= 0; i, w = take() {
				po, out := opts.Parse, false
				if large(w) {
					po.Samples = &samples
					caller := po.OnDecoded
					po.OnDecoded = func() {
						if caller != nil {
							caller()
						}
						decoded(w)
						out = true
					}
				}
				err := readInput(paths[i], inputs[i], &opts, &po)
				finish(i, w, out, err)
			}
		}()
	}
	wg.Wait()
	parsers.ReleaseBuffers()
	// What the reads held (read buffers, a large file's encoded samples,
	// decoder tables) is garbage now: collecting it before the series is
	// ranked keeps ranking's tables from piling on top of it, which set the
	// peak RSS (medium tier: 410 MB to 365 MB; large: 1.24 GB to 0.98 GB),
	// for one collection. After a file too large to share the budget, the
	// freed pages also go back to the system at once (the background
	// scavenger keeps them while the heap is under its goal), so that
	// ranking starts from the series' own size (large tier, four
	// interleaved runs: peak RSS 961–1121 MB without, 886–994 MB with).
	// Smaller files leave too little to be worth the page faults of taking
	// pages back (medium tier: 0.3 s more, no smaller peak).
	if sawLarge {
		debug.FreeOSMemory()
	} else {
		runtime.GC()
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return b.Series(dumpdiff.SeriesOptions{Order: opts.Order})
}

// readCounter returns an OnRead that adds up the bytes read from the files
// at paths and calls report every half percent of their total size.
func readCounter(paths []string, report func(read, total int64)) func(n int) {
	var total int64
	for _, p := range paths {
		total += fileSize(p)
	}
	step := max(total/200, 1)
	var read, last atomic.Int64
	return func(n int) {
		r := read.Add(int64(n))
		if l := last.Load(); r-l >= step && last.CompareAndSwap(l, r) {
			report(min(r, total), total)
		}
	}
}

// fileSize is a file's size on disk, 0 when unknown (a pipe).
func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return 0
	}
	return fi.Size()
}

// readInput reads one file into its input, turning a reader's panic into
// an error naming the file.
func readInput(path string, in *dumpdiff.Input, opts *Options, po *parsers.Options) error {
	return parsers.Guard(path, func() error {
		if opts.Open != nil {
			snap, err := opts.Open(path)
			if err != nil {
				return err
			}
			return parsers.EmitSnapshot(snap, in)
		}
		defer in.Close()
		return parsers.ReadFile(path, po, in)
	})
}

// checkDistinct refuses a file given twice: by the same path (a directory
// and a glob of it, an overlapping glob) or through another name (a
// symlink, a hard link). Each would count one lifecycle twice and bend
// every slope.
func checkDistinct(paths []string) error {
	given := make(map[string]bool, len(paths))
	ids := make(map[fileID]string, len(paths))
	for _, p := range paths {
		c := filepath.Clean(p)
		if given[c] {
			return fmt.Errorf("%s is given twice: each snapshot is one lifecycle", p)
		}
		given[c] = true
		id, ok := identity(p)
		if !ok {
			continue // Load names the problem when it reads the file
		}
		if first, dup := ids[id]; dup {
			return fmt.Errorf("%s and %s are the same file: each snapshot is one lifecycle", first, p)
		}
		ids[id] = p
	}
	return nil
}

// fileID identifies a file whatever its name: device and inode.
type fileID struct{ dev, ino uint64 }

// identity returns the file's identity, following symlinks; false when it
// cannot be read or the system does not say.
func identity(path string) (fileID, bool) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileID{}, false
	}
	return sysFileID(fi)
}

// regexLifecycles reads lifecycle numbers from file base names, or returns
// nil when re is nil.
func regexLifecycles(paths []string, re *regexp.Regexp) ([]int, error) {
	if re == nil {
		return nil, nil
	}
	if err := dumpdiff.CheckLifecycleRegex(re); err != nil {
		return nil, err
	}
	out := make([]int, len(paths))
	seen := map[int]string{}
	for i, p := range paths {
		base := filepath.Base(p)
		m := re.FindStringSubmatch(base)
		if m == nil {
			return nil, fmt.Errorf("lifecycle regex %q does not match %s", re, p)
		}
		n, err := strconv.Atoi(m[1])
		if err != nil {
			return nil, fmt.Errorf("lifecycle regex %q matched %q in %s, not a number", re, m[1], p)
		}
		if prev, ok := seen[n]; ok {
			return nil, fmt.Errorf("%s and %s have the same lifecycle %d", prev, p, n)
		}
		seen[n] = p
		out[i] = n
	}
	return out, nil
}
