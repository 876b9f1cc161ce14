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

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
