// Package report renders engine results for people and programs: aligned
// text tables, JSON, CSV, Markdown, pprof and HTML. It computes nothing the
// engine did not; it only names, formats, scales and writes to an io.Writer.
//
// Write is the one exporter: it takes a dumpdiff.Result (a trend or a pair
// diff) and a Format, and picks the format's writer for the result's kind.
// Sites are named by dumpdiff.DistinctTitles in every format, and cut to a
// width by ShortName and ShortTitle, so a site reads the same in the table,
// the exports and the explorer. Clean is the one sanitiser of untrusted
// names (EscapeJSON its JSON form). The JSON schemas live here:
// TrendSchema, CompareSchema and InspectSchema (dumpdiff inspect).
//
// It deliberately does not parse flags (internal/size reads sizes), open
// or replace files (internal/atomicfile), or run the engine.
package report
