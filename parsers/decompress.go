package parsers

import (
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
)

// This file is the decompression layer every reader sits on: gzip with
// github.com/klauspost/compress (about twice the speed of compress/gzip),
// decompressed ahead in its own goroutine so that a large file's
// decompression, which is serial, overlaps with its decoding; and a limit
// on the decompressed size of gzip and zstd input, so that a small bomb
// cannot take the machine down.

// DefaultMaxDecompressed is how many bytes a gzipped input may decompress
// to unless Options.MaxDecompressed says otherwise (--max-decompressed):
// 1 GiB, five times the largest real snapshot we have seen, and beyond what
// a gzip of a few MB may hold without being an attack.
const DefaultMaxDecompressed int64 = 1 << 30

// ErrTooLarge means a gzipped input decompressed to more than the limit.
var ErrTooLarge = errors.New("decompressed input exceeds the limit")

// gunzip returns a reader of r's decompressed content, read ahead in its
// own goroutine when ahead is set (not worth it to sniff a format),
// failing past limit bytes (≤ 0: DefaultMaxDecompressed;
// use a negative MaxDecompressed for no limit), and a function that stops
// it. Errors are marked so that parsers report a damaged file rather than
// a syntax error.
func gunzip(r io.Reader, limit int64, ahead bool) (io.Reader, func(), error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, nil, fmt.Errorf("gzip: %w", err)
	}
	in := limited(&decompressedReader{r: gz, codec: "gzip"}, limit)
	if !ahead {
		return in, func() {}, nil
	}
	ra := newReadAhead(in)
	// The goroutine may still be reading gz when the caller is done: it
	// stops at its next block, or when the caller closes the file under it.
	return ra, ra.stop, nil
}

// limited returns r failing past limit bytes (≤ 0 and not negative:
// DefaultMaxDecompressed; negative: r itself).
func limited(r io.Reader, limit int64) io.Reader {
	switch {
	case limit < 0:
		return r
	case limit == 0:
		limit = DefaultMaxDecompressed
	}
	return &limitReader{r: r, limit: limit}
}

// limitReader fails once more than limit bytes came through.
type limitReader struct {
	r     io.Reader
	n     int64
	limit int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n > l.limit {
		return 0, l.tooLarge()
	}
	m, err := l.r.Read(p)
	l.n += int64(m)
	if l.n > l.limit {
		return m - int(l.n-l.limit-1), l.tooLarge()
	}
	return m, err
}

func (l *limitReader) tooLarge() error {
	return fmt.Errorf("%w at byte %d: more than %d bytes (--max-decompressed raises the limit)", ErrTooLarge, l.limit+1, l.limit)
}

// readAhead reads r in its own goroutine, a few blocks ahead of the
// consumer.
type readAhead struct {
	chunks chan readChunk
	free   chan []byte
	done   chan struct{}
	cur    readChunk
	buf    []byte // the block cur came in, to give back
}

type readChunk struct {
	b   []byte
	err error
}

const (
	readAheadBlock = 256 << 10
	readAheadDepth = 4
)

func newReadAhead(r io.Reader) *readAhead {
	ra := &readAhead{
		chunks: make(chan readChunk, readAheadDepth),
		free:   make(chan []byte, readAheadDepth+1),
		done:   make(chan struct{}),
	}
	for range readAheadDepth + 1 {
		ra.free <- getBlock(readAheadBlock)[:readAheadBlock]
	}
	go ra.fill(r)
	return ra
}

// fill reads blocks until r ends or fails, or the consumer stops.
func (ra *readAhead) fill(r io.Reader) {
	for {
		var b []byte
		select {
		case b = <-ra.free:
		case <-ra.done:
			return
		}
		n, err := io.ReadAtLeast(r, b, len(b))
		if err == io.ErrUnexpectedEOF {
			err = io.EOF
		}
		select {
		case ra.chunks <- readChunk{b[:n], err}:
		case <-ra.done:
			return
		}
		if err != nil {
			return
		}
	}
}

func (ra *readAhead) Read(p []byte) (int, error) {
	for len(ra.cur.b) == 0 {
		if ra.cur.err != nil {
			return 0, ra.cur.err
		}
		if ra.buf != nil {
			ra.free <- ra.buf
		}
		ra.cur = <-ra.chunks
		ra.buf = ra.cur.b[:cap(ra.cur.b)]
	}
	n := copy(p, ra.cur.b)
	ra.cur.b = ra.cur.b[n:]
	return n, nil
}

// stop ends the goroutine; the reader must not be used after.
func (ra *readAhead) stop() {
	close(ra.done)
}
