package parsers

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// update rewrites golden files instead of comparing with them:
//
//	go test ./parsers -update
var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with the file at path, or rewrites the file with -update.
// On a mismatch it writes got beside it as path+".got" for diffing.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file: %v (run go test ./parsers -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		_ = os.WriteFile(path+".got", got, 0o644)
		t.Errorf("got %s, want %s (differs from the golden file; see diff %s %s.got)", firstDiff(got, want), path, path, path)
	}
}

// firstDiff describes the first line where got and want differ.
func firstDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d %q", i+1, gl) + ", want " + fmt.Sprintf("%q", wl) + " and so on; got"
		}
	}
	return "the same lines"
}

// snapshotText is a stable text dump of a Snapshot for golden files: the
// metadata, warnings, sample types, mappings and every sample with its
// values, labels and frames (function names when symbolised, else
// mapping-relative addresses, so the text does not depend on load addresses
// being printed in some order).
func snapshotText(s *Snapshot) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "format: %s\nvariant: %s\nproducer: %s\npid: %d\nperiod: %d %s\nunsampled: %v\nsymbolized: %v\n",
		s.Format, s.Variant, s.Producer, s.PID, s.Period, s.PeriodUnit, s.Unsampled, s.Symbolized)
	if !s.Time.IsZero() {
		fmt.Fprintf(&b, "time: %s\n", s.Time.Format("2006-01-02T15:04:05.000000000Z07:00"))
	}
	for _, w := range s.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", strings.ReplaceAll(w.Error(), s.Name, "NAME"))
	}
	p := s.Profile
	var types []string
	for _, st := range p.SampleType {
		types = append(types, st.Type+"/"+st.Unit)
	}
	fmt.Fprintf(&b, "sample types: %s (default %s)\n", strings.Join(types, " "), s.DefaultMetric())
	if p.PeriodType != nil {
		fmt.Fprintf(&b, "profile period: %d %s/%s\n", p.Period, p.PeriodType.Type, p.PeriodType.Unit)
	}
	if p.DropFrames != "" {
		fmt.Fprintf(&b, "drop frames: %s\n", p.DropFrames)
	}
	fmt.Fprintf(&b, "totals: %v\n", s.Totals())
	for _, m := range p.Mapping {
		fmt.Fprintf(&b, "mapping %d: %#x-%#x offset %#x %s\n", m.ID, m.Start, m.Limit, m.Offset, m.File)
	}
	var lines []string
	for _, smp := range p.Sample {
		var keys []string
		for k := range smp.Label {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var labels []string
		for _, k := range keys {
			labels = append(labels, k+"="+strings.Join(smp.Label[k], ","))
		}
		var frames []string
		for _, loc := range smp.Location {
			switch {
			case len(loc.Line) > 0:
				for _, ln := range loc.Line {
					frames = append(frames, ln.Function.Name)
				}
			case loc.Mapping != nil:
				frames = append(frames, fmt.Sprintf("m%d+%#x", loc.Mapping.ID, loc.Address-loc.Mapping.Start))
			default:
				frames = append(frames, fmt.Sprintf("%#x", loc.Address))
			}
		}
		lines = append(lines, fmt.Sprintf("sample %v {%s} %s", smp.Value, strings.Join(labels, " "), strings.Join(frames, " ")))
	}
	for _, l := range lines { // in parse order: that order is part of what is tested
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.Bytes()
}
