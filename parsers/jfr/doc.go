// Package jfr decodes the JDK Flight Recorder files that async-profiler
// writes, as far as a native-memory leak hunt needs them: the chunk header,
// the metadata (event and constant types with their fields), the constant
// pools of stack traces, methods, classes, symbols, strings and frame types,
// and the profiler.Malloc / profiler.Free events of its nativemem mode,
// handed out in time order, with the recording's settings and the JVM's
// name, version and pid.
//
// Bytes in, events and pools out: the package knows nothing of snapshots,
// sites or lifecycles (package parsers builds those), prints nothing and
// keeps no global state. It reads one chunk at a time, so memory is bounded
// by the largest chunk (async-profiler's default chunksize is 100 MB) plus
// what the caller keeps. Events of other types are skipped by their size;
// constant pools of other types are skipped with the metadata's field list.
//
// The format is that of JFR 2.x as async-profiler writes it (its own Java
// reader, converter/one/jfr/JfrReader.java, is the reference): big-endian
// fixed-size header fields, LEB128 variable-length integers everywhere else,
// the metadata right after the header and the constant pools at the end of
// each chunk. Every error names the byte offset in the file where the
// decoder found the problem.
package jfr
