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

	"github.com/dumpdiff/dumpdiff/parsers/framekey"
)

// update rewrites golden files: go test ./parsers -update
var update = flag.Bool("update", false, "rewrite golden files with the current output")

// golden compares got with the file at path, or rewrites it under -update.
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
		t.Fatalf("read golden file (run go test ./parsers -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		_ = os.WriteFile(path+".got", got, 0o644)
		t.Errorf("%s differs from its golden file: see diff %s %s.got", path, path, path)
	}
}

// dumpSnapshot is the stable text form of a Snapshot used by golden files:
// metadata, totals, then one line per sample (values, labels, frames innermost
// first), sorted so the order of samples in the file does not matter.
func dumpSnapshot(s *Snapshot) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "name: %s\nformat: %s\nvariant: %s\nproducer: %s\npid: %d\n", filepath.Base(s.Name), s.Format, s.Variant, s.Producer, s.PID)
	if !s.Time.IsZero() {
		fmt.Fprintf(&b, "time: %s\n", s.Time.UTC().Format("2006-01-02T15:04:05.000Z"))
	}
	fmt.Fprintf(&b, "period: %d %s\nunsampled: %v\nsymbolized: %v\n", s.Period, s.PeriodUnit, s.Unsampled, s.Symbolized)
	fmt.Fprintf(&b, "default metric: %s\n", s.DefaultMetric())
	totals := s.Totals()
	for i, m := range s.Metrics() {
		fmt.Fprintf(&b, "total %s/%s: %d\n", m.Name, m.Unit, totals[i])
	}
	for _, w := range s.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", strings.ReplaceAll(w.Error(), s.Name, filepath.Base(s.Name)))
	}
	if p := s.Profile; p != nil {
		if p.DropFrames != "" || p.KeepFrames != "" {
			fmt.Fprintf(&b, "drop_frames: %q keep_frames: %q\n", p.DropFrames, p.KeepFrames)
		}
		fmt.Fprintf(&b, "mappings: %d\n", len(p.Mapping))
		var lines []string
		for _, smp := range p.Sample {
			var l strings.Builder
			fmt.Fprintf(&l, "%v", smp.Value)
			keys := make([]string, 0, len(smp.Label))
			for k := range smp.Label {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				fmt.Fprintf(&l, " %s=%s", k, strings.Join(smp.Label[k], ","))
			}
			for _, loc := range smp.Location {
				if len(loc.Line) == 0 {
					mod := ""
					off := loc.Address
					if loc.Mapping != nil {
						mod = framekey.Module(loc.Mapping.File)
						off = loc.Address - loc.Mapping.Start + loc.Mapping.Offset
					}
					fmt.Fprintf(&l, " | %s", framekey.String(mod, off))
					continue
				}
				for _, ln := range loc.Line {
					fn := "?"
					if ln.Function != nil {
						fn = ln.Function.Name
						if ln.Function.Filename != "" {
							fn += fmt.Sprintf(" (%s:%d)", filepath.Base(ln.Function.Filename), ln.Line)
						}
					}
					fmt.Fprintf(&l, " | %s", fn)
				}
			}
			lines = append(lines, l.String())
		}
		sort.Strings(lines)
		fmt.Fprintf(&b, "samples: %d\n", len(lines))
		for _, l := range lines {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}
