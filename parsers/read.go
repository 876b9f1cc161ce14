package parsers

import (
	"io"
	"sync"
)

// ReadFile reads every snapshot in the file at path into sink: the
// streaming counterpart of OpenEach. The format is detected from the content
// (or forced by opts.Format); gzipped files are decompressed first.
func ReadFile(path string, opts *Options, sink Sink) error {
	f, err := openFile(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return Read(f, path, opts, sink)
}

// Read reads every snapshot in r into sink (see ReadFile). name labels
// errors and the snapshots. pprof profiles are decoded as a stream
// (DecodePprof), the text formats line by line (textReaders); the other
// formats are parsed into a Snapshot, which is then fed to sink
// (EmitSnapshot), until their readers feed a sink themselves.
func Read(r io.Reader, name string, opts *Options, sink Sink) error {
	if opts == nil {
		opts = &Options{}
	}
	if opts.OnRead != nil {
		r = &countingReader{r: r, on: opts.OnRead}
	}
	in, closeIn, format, err := openFormat(r, name, opts)
	if err != nil {
		return err
	}
	defer closeIn()
	if format == FormatPprof && isJavaHeapz(in) {
		return readJavaHeapz(in, name, sink)
	}
	if format == FormatPprof {
		return decodePprof(in, name, opts, sink)
	}
	if read, ok := textReaders[format]; ok {
		return read(in, name, opts.Symbolizer, sink)
	}
	if read, ok := recordingReaders[format]; ok {
		return read(in, name, opts.Split, func(snap *Snapshot) error {
			symbolizeSnapshot(snap, opts)
			return EmitSnapshot(snap, sink)
		})
	}
	snap, err := parseSnapshot(in, name, format, opts)
	if err != nil {
		return err
	}
	return EmitSnapshot(snap, sink)
}

// decodePprof is DecodePprof with opts' symboliser for address-only
// locations, sample budget and OnDecoded; opts may be nil.
func decodePprof(r io.Reader, name string, opts *Options, sink Sink) error {
	if opts == nil {
		opts = &Options{}
	}
	d := getDecoder(name, r)
	defer putDecoder(d)
	d.samples.budget = opts.Samples
	if err := d.read(); err != nil {
		return err
	}
	d.w.release()
	d.samples.end()
	if opts.OnDecoded != nil {
		opts.OnDecoded()
	}
	return d.emit(sink, opts.Symbolizer)
}

// decoders keeps pprof decoders between files: their tables are large
// (a table entry per location, line and function of a big profile), and
// fresh memory costs a page fault per page on first use, as much as the
// decoding it holds; a table grown by doubling for every file is also most
// of a load's garbage. A free list rather than a sync.Pool, which the
// collector empties every cycle or two (a large file lasts several), and
// emptied by ReleaseBuffers once a load is done.
var decoders struct {
	sync.Mutex
	free []*pprofDecoder
}

// maxFreeDecoders bounds the decoders kept: one per file read at once is
// what a load reuses.
const maxFreeDecoders = 16

// getDecoder returns a decoder for one stream, with its tables emptied.
func getDecoder(name string, r io.Reader) *pprofDecoder {
	decoders.Lock()
	d := new(pprofDecoder)
	if n := len(decoders.free); n > 0 {
		d = decoders.free[n-1]
		decoders.free[n-1] = nil
		decoders.free = decoders.free[:n-1]
	}
	decoders.Unlock()
	*d = pprofDecoder{
		name: name, w: newWireReader(r),
		sampleTypes: d.sampleTypes[:0], mappings: d.mappings[:0], functions: d.functions[:0],
		locations: d.locations[:0], lines: d.lines[:0], comments: d.comments[:0],
		strings: d.strings[:0],
	}
	return d
}

// putDecoder gives the decoder's buffers back; nothing it decoded may be
// used after, but the strings, which the sink may keep.
func putDecoder(d *pprofDecoder) {
	d.release()
	clear(d.strings) // the sink may keep them; the table must not
	d.w = nil
	decoders.Lock()
	if len(decoders.free) < maxFreeDecoders {
		decoders.free = append(decoders.free, d)
	}
	decoders.Unlock()
}

// releaseDecoders forgets the free decoders (see ReleaseBuffers).
func releaseDecoders() {
	decoders.Lock()
	decoders.free = nil
	decoders.Unlock()
}

// countingReader reports the size of every read.
type countingReader struct {
	r  io.Reader
	on func(n int)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.on(n)
	}
	return n, err
}
