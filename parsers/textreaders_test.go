package parsers

import (
	"bytes"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dumpdiff/dumpdiff/parsers/symbolize"
)

// TestReadAgreesWithOpen reads every committed fixture both ways: Read
// into a SnapshotBuilder (the streaming path that trend and compare take)
// and Open (inspect, the pprof export, the library API). One reader serves
// both, so they must dump alike, baselines included, with and without a
// symboliser (testdata/bin holds the binaries of the jemalloc and tcmalloc
// dumps).
func TestReadAgreesWithOpen(t *testing.T) {
	sym := symbolize.New(symbolize.Options{SearchDirs: []string{filepath.Join("..", "testdata", "bin")}})
	for _, opts := range []*Options{nil, {Symbolizer: sym}} {
		for _, path := range fixtureFiles(t) {
			want, err := Open(path, opts)
			if err != nil {
				continue // the error cases have their own tests
			}
			var b SnapshotBuilder
			if err := ReadFile(path, opts, &b); err != nil {
				t.Fatalf("%s: Open read it, Read says %v", path, err)
			}
			got := b.Snapshots()
			if len(got) != 1 {
				t.Fatalf("%s: Read built %d snapshots, want 1", path, len(got))
			}
			if w, g := dumpSnapshot(want), dumpSnapshot(got[0]); !bytes.Equal(w, g) {
				t.Errorf("%s (symboliser %v): Read differs from Open:\n%s", path, opts != nil, firstDiff(w, g))
			}
			if (want.Baseline == nil) != (got[0].Baseline == nil) {
				t.Fatalf("%s: baseline lost or invented", path)
			}
			if want.Baseline != nil {
				if w, g := dumpSnapshot(want.Baseline), dumpSnapshot(got[0].Baseline); !bytes.Equal(w, g) {
					t.Errorf("%s: Read's baseline differs from Open's:\n%s", path, firstDiff(w, g))
				}
			}
		}
	}
}

// TestNMTSiteValuesFastAgreesWithSlow reads every call-site value line of
// every committed NMT report, and variants of each (diff deltas, commas,
// types with spaces), both with the hand-written reader and with the
// regular expressions it stands in for: same category and values, or the
// same error.
func TestNMTSiteValuesFastAgreesWithSlow(t *testing.T) {
	var lines []string
	for _, path := range fixtureFiles(t) {
		if f, _ := DetectFile(path); f != FormatNMT {
			continue
		}
		for l := range strings.Lines(string(readReport(t, path))) {
			if l = strings.TrimSpace(l); strings.HasPrefix(l, "(") && !isOmittedSitesLine([]byte(l)) {
				lines = append(lines, l)
			}
		}
	}
	lines = append(lines,
		"(malloc=98306KB type=Other +81920KB #13 +10)", "(malloc=0KB type=Arena Chunk -32KB)", "(malloc=424KB, #1000)",
		"(malloc=5KB, type=Thread Stack #2)", "(malloc=5KB type=A +1KB+2 #3)", "(malloc=5MB type=Other #1)", "(malloc=5KB type= #1)",
		"(malloc=5KB type=Other #1 +2KB)", "(malloc=99999999999999999999KB #1)", "(malloc=5KB #99999999999999999999)",
		"(reserved=29696KB +8192KB, committed=2352KB +836KB Type=Thread Stack)", "(reserved=1KB, committed=1KB Tag=a,b)",
		"(reserved=1KB, committed=1KB Tag=a(b))", "(reserved=1KB, committed=1KB, peak=2KB)",
		"(mmap: reserved=1KB, committed=1KB Type=Thread Stack, peak=2KB)", "(mmap: reserved=1KB, committed=1KB, at peak)",
		"(mmap: reserved=1KB, committed=1KB Tag=x(y)", "(26KB +11KB #19 +8)", "(26KB)", "(26XB #1)", "(26KB +11 #1)", "((malloc=1KB tag=Other #1) (peak=2KB #1))",
	)
	p := &nmtParser{name: "x", unit: "KB", scale: 1024, cats: map[string]*nmtCategory{}}
	fastOnes, good := 0, 0
	for _, l := range lines {
		var fast, slow nmtSite
		if p.siteValuesFast(&nmtSite{}, []byte(strings.Replace(l, "((", "(", 1))) {
			fastOnes++
		}
		errFast := p.parseSiteValues(&fast, []byte(l))
		norm := strings.TrimPrefix(l, "(")
		if !strings.HasPrefix(norm, "(") {
			norm = "(" + norm
		}
		errSlow := p.parseSiteValuesSlow(&slow, norm)
		if errSlow == nil {
			good++
		}
		if fmt.Sprint(errFast) != fmt.Sprint(errSlow) || fast.category != slow.category || fast.vals != slow.vals {
			t.Errorf("%q:\n got %q %v %v\nwant %q %v %v (the regular expressions)", l, fast.category, fast.vals, errFast, slow.category, slow.vals, errSlow)
		}
	}
	// Summary lines ("(classes #908)") and other scales than KB are no
	// site values here: the regular expressions refuse them too.
	if good < 500 || fastOnes < good*9/10 {
		t.Errorf("of %d value lines, %d read and %d without regular expressions; want the committed reports' (hundreds, nearly all of them)", len(lines), good, fastOnes)
	}
}

// nmtRegionLine is what parseRegionLine reads, as a regular expression:
// a region of the Virtual memory map,
// "[0x00000000f0000000 - 0x0000000100000000] reserved and committed 262144KB for Java Heap from",
// or a committed sub-region "[0x… - 0x…] committed 87360KB from".
var nmtRegionLine = regexp.MustCompile(`^\s*\[0x[0-9A-Fa-f]+ - 0x[0-9A-Fa-f]+\] (reserved and committed|reserved|committed) (\d+)([A-Za-z]*)(?: for (.+?))?(?: from)?\s*$`)

// TestNMTRegionLinesAgreeWithRegexp reads every region line of the
// committed detail reports, and variants, with parseRegionLine and with
// the regular expression it stands in for.
func TestNMTRegionLinesAgreeWithRegexp(t *testing.T) {
	var lines []string
	for _, path := range fixtureFiles(t) {
		if f, _ := DetectFile(path); f != FormatNMT {
			continue
		}
		for l := range strings.Lines(string(readReport(t, path))) {
			if l = strings.TrimSpace(l); strings.HasPrefix(l, "[0x") && strings.Contains(l, " - 0x") {
				lines = append(lines, l)
			}
		}
	}
	n := len(lines)
	lines = append(lines,
		"[0x1 - 0x2] reserved 4KB", "[0x1 - 0x2] reserved 4KB for from", "[0x1 - 0x2] reserved 4KB for X from from",
		"[0x1 - 0x2] reserved 4KB from", "[0x1 - 0x2] committed 4KB for", "[0x1 - 0x2] reserved and committed 4 for Thread Stack from",
		"[0x1 - 0x2] reserved 4KB for A B", "[0x1 - 0x2] reserved 4KBfor X", "[0x1 - 0x2] reserved x4KB", "[0x1 -0x2] reserved 4KB",
		"[0xAb - 0xcD] reserved 4KB for X", "[0x - 0x2] reserved 4KB",
	)
	for _, l := range lines {
		kind, digits, unit, cat, ok := parseRegionLine([]byte(l))
		got := fmt.Sprintf("%v %s %s %s %s", ok, kind, digits, unit, cat)
		want := "false    "
		if m := nmtRegionLine.FindStringSubmatch(l); m != nil {
			want = fmt.Sprintf("true %s %s %s %s", m[1], m[2], m[3], m[4])
		}
		if got != want {
			t.Errorf("%q: got %s, want %s (the regular expression)", l, got, want)
		}
	}
	if n < 1000 {
		t.Errorf("checked %d region lines of the committed reports, want thousands", n)
	}
}
