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

// SampleBudget bounds the encoded samples that the pprof readers sharing
// it hold at once (the samples of a profile are kept until its locations
// have been read, a file's decompressed size for a large profile) to the
// most that one reader has held. A loader that reads the next large file
// while the previous one's samples are replayed then holds no more samples
// than reading the files one at a time: the replay gives its blocks back
// as it passes them, and the next reader waits for them when it would go
// over. A reader waits only for the blocks of readers whose stream has
// ended, which are being replayed and will give them back, never for
// another reader still reading. The zero value is ready to use.
type SampleBudget struct {
	mu        sync.Mutex
	cond      sync.Cond
	held      int64 // bytes of blocks held by every reader
	replaying int64 // of which by readers whose stream has ended
	limit     int64 // the most one reader has held
}

// take waits until n more bytes fit, then counts them held.
func (b *SampleBudget) take(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cond.L == nil {
		b.cond.L = &b.mu
	}
	for b.replaying > 0 && b.held+n > b.limit {
		b.cond.Wait()
	}
	b.held += n
}

// give counts n bytes no longer held, by a reader whose stream has ended
// when replayed is set.
func (b *SampleBudget) give(n int64, replayed bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.held -= n
	if replayed {
		b.replaying -= n
	}
	if b.cond.L != nil {
		b.cond.Broadcast()
	}
}

// ended counts a reader's n bytes as being replayed: its stream has ended.
func (b *SampleBudget) ended(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.replaying += n
	b.limit = max(b.limit, n)
}
