package parsers

import "sync"

// Readers keep large byte blocks (read buffers, the encoded samples of a
// pprof file) for one file at a time. Fresh memory costs a page fault per
// page on first use, as much as the decoding it holds, so blocks of the
// usual sizes go back to a pool when a file is done and the next file's
// reader takes them. The pool holds at most blockPoolMax bytes, so an idle
// process does not keep a large file's blocks.

// blockPoolMax bounds the bytes the pool keeps.
const blockPoolMax = 256 << 20

var blockPool struct {
	sync.Mutex
	free  map[int][][]byte // by capacity
	bytes int
}

// getBlock returns an empty byte slice with capacity size, reused when the
// pool has one.
func getBlock(size int) []byte {
	blockPool.Lock()
	defer blockPool.Unlock()
	if l := blockPool.free[size]; len(l) > 0 {
		b := l[len(l)-1]
		blockPool.free[size] = l[:len(l)-1]
		blockPool.bytes -= cap(b)
		return b[:0]
	}
	return make([]byte, 0, size)
}

// putBlock gives b back to the pool; only the usual sizes are kept.
func putBlock(b []byte) {
	if c := cap(b); c != arenaBlock && c != wireBufSize {
		return
	}
	blockPool.Lock()
	defer blockPool.Unlock()
	if blockPool.bytes+cap(b) > blockPoolMax {
		return
	}
	if blockPool.free == nil {
		blockPool.free = map[int][][]byte{}
	}
	blockPool.free[cap(b)] = append(blockPool.free[cap(b)], b[:0])
	blockPool.bytes += cap(b)
}

// ReleaseBuffers empties the pool of read buffers and the pprof decoders
// kept between files, once a load is done, so that the memory of the
// largest file read does not stay with the process.
func ReleaseBuffers() {
	releaseDecoders()
	blockPool.Lock()
	defer blockPool.Unlock()
	blockPool.free, blockPool.bytes = nil, 0
}
