// Command goshapes writes a Go heap profile after each of N simulated
// lifecycles, with one allocation site per growth shape that the verdict
// rules must tell apart beyond the plain leak/plateau/noise of golifecycle.
// It produces testdata/pprof/go-shapes (see testdata/README.md, "go-shapes").
//
// Per lifecycle k = 1..N (functions are go:noinline so each keeps a frame):
//
//	steadyBaseline   steady: 100 MiB allocated once, kept
//	leakEveryOpen    leak: +1 MiB every lifecycle
//	lateLeak         leak starting late: +512 KiB from lifecycle 3 on
//	missedOnce       leak held in a list rebuilt each lifecycle: k x 256 KiB,
//	                 except lifecycle 5, where the list is empty (absent once)
//	slowLeak         slow leak: +4 KiB every lifecycle, beside the 100 MiB
//	                 (a creep under dumpdiff's default floor)
//	quantumLeak      leak in quanta: +1 MiB on lifecycles 3, 6, 9, ...
//	burstThenFreed   gone: +256 KiB per lifecycle in lifecycles 3-6, all
//	                 freed from lifecycle 7 on
//
// Run it with `go run ./testdata/gen/goshapes -out DIR` from the module root.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
)

const (
	kib = 1 << 10
	mib = 1 << 20
)

// held is everything the simulated process keeps between lifecycles.
var held struct {
	steady, leaked, late, missing, slow, quanta, burst [][]byte
}

//go:noinline
func steadyBaseline() {
	for range 100 {
		held.steady = append(held.steady, make([]byte, mib))
	}
}

//go:noinline
func leakEveryOpen() { held.leaked = append(held.leaked, make([]byte, mib)) }

//go:noinline
func lateLeak(k int) {
	if k >= 3 {
		held.late = append(held.late, make([]byte, 512*kib))
	}
}

//go:noinline
func missedOnce(k int) {
	held.missing = nil
	if k == 5 {
		return
	}
	for range k {
		held.missing = append(held.missing, make([]byte, 256*kib))
	}
}

//go:noinline
func slowLeak() { held.slow = append(held.slow, make([]byte, 4*kib)) }

//go:noinline
func quantumLeak(k int) {
	if k%3 == 0 {
		held.quanta = append(held.quanta, make([]byte, mib))
	}
}

//go:noinline
func burstThenFreed(k int) {
	switch {
	case k >= 3 && k <= 6:
		held.burst = append(held.burst, make([]byte, 256*kib))
	case k > 6:
		held.burst = nil
	}
}

func main() {
	n := flag.Int("n", 8, "number of lifecycles")
	out := flag.String("out", "", "output directory for lcN.pb.gz (required)")
	flag.Parse()
	if *out == "" || *n < 1 || flag.NArg() != 0 {
		flag.Usage()
		os.Exit(2)
	}
	// Every allocation is recorded, so the profile's bytes are exact.
	runtime.MemProfileRate = 1
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// Slices of slices grow by reallocation; reserve them so only the
	// planted buffers change between lifecycles.
	held.leaked = make([][]byte, 0, *n)
	held.late = make([][]byte, 0, *n)
	held.missing = make([][]byte, 0, *n)
	held.slow = make([][]byte, 0, *n)
	held.quanta = make([][]byte, 0, *n)
	held.burst = make([][]byte, 0, *n)
	steadyBaseline()
	for k := 1; k <= *n; k++ {
		leakEveryOpen()
		lateLeak(k)
		missedOnce(k)
		slowLeak()
		quantumLeak(k)
		burstThenFreed(k)
		runtime.GC()
		path := filepath.Join(*out, fmt.Sprintf("lc%d.pb.gz", k))
		f, err := os.Create(path)
		if err == nil {
			err = pprof.WriteHeapProfile(f)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}
