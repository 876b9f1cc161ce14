// Command dumpdiff finds native memory leaks by comparing memory snapshots
// (pprof, tcmalloc, jemalloc, JVM NMT) taken across task restarts.
//
// The command is a shell around the packages: it turns flags into
// loader.Options and dumpdiff.Options, loads the series, and hands the
// result to package report (plain output and -o files) or package tui
// (explore). It ranks no sites and renders no engine result itself; the one
// report it writes on its own is inspect's, which describes parsed snapshots
// before any engine runs. main only turns run's result into an exit code, so
// tests call run.
package main

import (
	"os"
	"runtime/debug"
)

func main() {
	if os.Getenv("GOGC") == "" {
		// A tool that hunts memory leaks must not be the process that runs
		// out of memory. Go's default lets the heap grow to twice what was
		// live at the last collection; most of dumpdiff's heap is
		// pointer-free blocks (encoded samples, stack and frame tables)
		// that cost the collector little to mark, so a goal of 1.5× buys
		// peak memory for next to no CPU: peak RSS of the large tier
		// 961–1121 MB to 883–901 MB, medium 336–362 MB to 302–317 MB
		// (MB = 2^20 bytes, as bench/run.sh prints), the same CPU seconds
		// within the machine's noise. GOGC in the environment still wins.
		debug.SetGCPercent(50)
	}
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
