package parsers

import "io"

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
// (DecodePprof); the other formats are parsed into a Snapshot, which is
// then fed to sink (EmitSnapshot), until their readers feed a sink
// themselves.
func Read(r io.Reader, name string, opts *Options, sink Sink) error {
	if opts == nil {
		opts = &Options{}
	}
	in, closeIn, err := openContent(r, name, opts.MaxDecompressed)
	if err != nil {
		return err
	}
	defer closeIn()
	format := opts.Format
	if format == "" {
		if format, err = detectContent(in, name); err != nil {
			return err
		}
	}
	if format == FormatPprof {
		return decodePprof(in, name, opts.Symbolizer, sink)
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

// decodePprof is DecodePprof with a symboliser for address-only locations.
func decodePprof(r io.Reader, name string, sym Symbolizer, sink Sink) error {
	d := pprofDecoder{name: name, w: newWireReader(r)}
	defer d.release()
	if err := d.read(); err != nil {
		return err
	}
	d.w.release()
	return d.emit(sink, sym)
}
