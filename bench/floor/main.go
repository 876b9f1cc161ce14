// Command floor measures the physical floor of reading a series of gzipped
// profile.proto files: decompress each file (github.com/klauspost/compress,
// as dumpdiff does) and walk every field of every message, keeping nothing.
// No reader of these files can be faster than this on the same cores, so
// bench/run.sh states dumpdiff's times as ratios to it.
//
//	floor [-j N] [-mode scan|gunzip] FILE...
//
// It prints one line: seconds, input and output MB, and a checksum of what
// it decoded, so that no work is optimised away.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"
)

func main() {
	jobs := flag.Int("j", 2, "files read at once")
	mode := flag.String("mode", "scan", "scan (gunzip and walk every field) or gunzip (decompress only)")
	flag.Parse()
	files := flag.Args()
	if len(files) == 0 || (*mode != "scan" && *mode != "gunzip") {
		fmt.Fprintln(os.Stderr, "usage: floor [-j N] [-mode scan|gunzip] FILE...")
		os.Exit(2)
	}
	t0 := time.Now()
	var (
		mu       sync.Mutex
		in, out  int64
		sum      uint64
		firstErr error
		wg       sync.WaitGroup
	)
	work := make(chan string)
	for range *jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []byte
			for path := range work {
				var n, m int64
				var s uint64
				var err error
				buf, n, m, s, err = readFile(path, *mode == "scan", buf)
				mu.Lock()
				in, out, sum = in+n, out+m, sum+s
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("%s: %w", path, err)
				}
				mu.Unlock()
			}
		}()
	}
	for _, f := range files {
		work <- f
	}
	close(work)
	wg.Wait()
	if firstErr != nil {
		fmt.Fprintln(os.Stderr, "floor:", firstErr)
		os.Exit(1)
	}
	sec := time.Since(t0).Seconds()
	fmt.Printf("floor mode=%s files=%d j=%d seconds=%.3f in_MB=%.1f out_MB=%.1f sum=%x\n",
		*mode, len(files), *jobs, sec, float64(in)/1e6, float64(out)/1e6, sum)
}

// readFile decompresses a file into buf (reused between files) and, for
// scan, walks it; it returns the buffer, the compressed and decompressed
// sizes and a checksum.
func readFile(path string, scan bool, buf []byte) ([]byte, int64, int64, uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		return buf, 0, 0, 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return buf, 0, 0, 0, err
	}
	zr, err := gzip.NewReader(bufio.NewReaderSize(f, 256<<10))
	if err != nil {
		return buf, 0, 0, 0, err
	}
	if !scan {
		n, err := io.Copy(io.Discard, zr)
		return buf, fi.Size(), n, uint64(n), err
	}
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := zr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return buf, 0, 0, 0, err
		}
	}
	sum, err := walk(buf, 0)
	return buf, fi.Size(), int64(len(buf)), sum, err
}

var errBad = errors.New("malformed protobuf")

// varint decodes the varint at the start of b; most are one byte.
func varint(b []byte) (uint64, int) {
	if len(b) > 0 && b[0] < 0x80 {
		return uint64(b[0]), 1
	}
	var x uint64
	for i := 0; i < len(b) && i < 10; i++ {
		c := b[i]
		x |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return x, i + 1
		}
	}
	return 0, 0
}

// walk visits every field of a message. Length-delimited fields of the
// messages a profile nests (samples, locations and their lines, labels,
// value types, mappings, functions) are walked in turn; packed varints are
// decoded one by one; strings are only summed by length.
func walk(b []byte, depth int) (uint64, error) {
	var sum uint64
	for len(b) > 0 {
		tag, n := varint(b)
		if n == 0 {
			return sum, errBad
		}
		b = b[n:]
		switch tag & 7 {
		case 0:
			v, n := varint(b)
			if n == 0 {
				return sum, errBad
			}
			sum += v
			b = b[n:]
		case 1:
			if len(b) < 8 {
				return sum, errBad
			}
			b = b[8:]
		case 5:
			if len(b) < 4 {
				return sum, errBad
			}
			b = b[4:]
		case 2:
			l, n := varint(b)
			if n == 0 || l > uint64(len(b)-n) {
				return sum, errBad
			}
			field := b[n : n+int(l)]
			b = b[n+int(l):]
			s, err := walkBytes(tag>>3, field, depth)
			if err != nil {
				return sum, err
			}
			sum += s
		default:
			return sum, errBad
		}
	}
	return sum, nil
}

// walkBytes handles one length-delimited field at depth (0: Profile).
func walkBytes(field uint64, b []byte, depth int) (uint64, error) {
	switch {
	case depth == 0 && field == 6: // a string of the table
		return uint64(len(b)), nil
	case depth == 0 && field == 13, depth == 1 && (field == 1 || field == 2): // packed varints
		var sum uint64
		for len(b) > 0 {
			v, n := varint(b)
			if n == 0 {
				return sum, errBad
			}
			sum += v
			b = b[n:]
		}
		return sum, nil
	case depth < 2: // a nested message: sample, location, line, label, ...
		return walk(b, depth+1)
	}
	return uint64(len(b)), nil
}
