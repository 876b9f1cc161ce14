package parsers

import (
	"bytes"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/pprof/profile"
)

// legacyHeapFiles are the committed legacy heap profiles: gperftools and
// tcmalloc dumps, and Go's debug=1 text.
func legacyHeapFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, g := range []string{"tcmalloc/*/*.heap", "pprof/go-forms/text/*.txt"} {
		m, err := filepath.Glob(filepath.Join("..", "testdata", g))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("no legacy heap profiles under ../testdata")
	}
	return files
}

// libraryView is what the pprof library and ReadTcmalloc must agree on:
// the profile's types and period, its mappings, and its samples (values,
// block size, addresses and the mapping of each), in a stable order. Go
// text is compared by totals only, since its stacks keep the frames its
// comments name while the library keeps every address.
func libraryView(p *profile.Profile, goText bool) string {
	var b strings.Builder
	for _, st := range p.SampleType {
		fmt.Fprintf(&b, "%s/%s ", st.Type, st.Unit)
	}
	fmt.Fprintf(&b, "period %d %s/%s drop %q keep %q\n", p.Period, p.PeriodType.Type, p.PeriodType.Unit, p.DropFrames, p.KeepFrames)
	for _, m := range p.Mapping {
		fmt.Fprintf(&b, "mapping %d %#x-%#x %#x %s\n", m.ID, m.Start, m.Limit, m.Offset, m.File)
	}
	var samples []string
	totals := make([]int64, len(p.SampleType))
	for _, s := range p.Sample {
		for i, v := range s.Value {
			totals[i] += v
		}
		var l strings.Builder
		fmt.Fprintf(&l, "%v bytes=%v", s.Value, s.NumLabel["bytes"])
		for _, loc := range s.Location {
			fmt.Fprintf(&l, " %#x@%d", loc.Address, loc.Mapping.ID)
		}
		samples = append(samples, l.String())
	}
	fmt.Fprintf(&b, "totals %v, %d samples\n", totals, len(samples))
	if !goText {
		sort.Strings(samples)
		b.WriteString(strings.Join(samples, "\n"))
	}
	return b.String()
}

// TestTcmallocAgreesWithLibrary reads every committed legacy heap profile
// with ReadTcmalloc and with the pprof library's legacy parser: same
// sample types, period, mappings and samples (unsampled values, block
// sizes, addresses, mappings).
func TestTcmallocAgreesWithLibrary(t *testing.T) {
	for _, f := range legacyHeapFiles(t) {
		t.Run(filepath.Base(filepath.Dir(f))+"/"+filepath.Base(f), func(t *testing.T) {
			data := readReport(t, f)
			// The library wants the header first: gperftools' "%warn"
			// lines before it are for dumpdiff alone.
			want, err := profile.ParseData(skipHeapPreamble(data))
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseTcmalloc(bytes.NewReader(data), f)
			if err != nil {
				t.Fatal(err)
			}
			goText := got.Variant == "go-heap-text"
			if g, w := libraryView(got.Profile, goText), libraryView(want, goText); g != w {
				t.Errorf("got\n%s\nwant (the library)\n%s", g, w)
			}
		})
	}
}
