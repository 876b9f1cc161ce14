// Command dumpdiff finds native memory leaks by comparing memory snapshots
// (pprof, tcmalloc, jemalloc, JVM NMT) taken across task restarts.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
