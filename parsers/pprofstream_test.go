package parsers

import (
	"bytes"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/google/pprof/profile"
)

// decodeFixture reads a pprof fixture through the streaming decoder into
// snapshots, gunzipping as Open does.
func decodeFixture(t testing.TB, path string) (*Snapshot, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	in, closeIn, err := openContent(f, path, 0, true)
	if err != nil {
		return nil, err
	}
	defer closeIn()
	var b SnapshotBuilder
	if err := DecodePprof(in, path, &b); err != nil {
		return nil, err
	}
	if len(b.Snapshots()) != 1 {
		t.Fatalf("%s: decoded %d snapshots, want 1", path, len(b.Snapshots()))
	}
	return b.Snapshots()[0], nil
}

// TestDecodePprofAgrees decodes every committed pprof fixture with the
// streaming decoder and with the pprof library (ParsePprof) and checks that
// the two snapshots dump the same: metadata, totals, every sample.
func TestDecodePprofAgrees(t *testing.T) {
	n := 0
	for _, path := range fixtureFiles(t) {
		if f, _ := DetectFile(path); f != FormatPprof || strings.HasSuffix(path, ".heap") {
			continue // a profile.proto only (java.heap is pprof's legacy Java text)
		}
		if data, _ := os.ReadFile(path); bytes.HasPrefix(data, []byte(javaHeapzHeader)) {
			continue // text the pprof library reads: no protobuf
		}
		n++
		want, err := Open(path, nil)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		got, err := decodeFixture(t, path)
		if err != nil {
			t.Fatalf("%s: streaming decoder: %v", path, err)
		}
		if w, g := dumpSnapshot(want), dumpSnapshot(got); !bytes.Equal(w, g) {
			t.Errorf("%s: streaming decoder differs from the pprof library:\n%s", path, firstDiff(w, g))
		}
	}
	if n < 10 {
		t.Fatalf("checked %d pprof fixtures, want the committed ones", n)
	}
}

// TestDecodePprofBadInput: damaged profiles are errors naming the file and
// the byte, never a panic or a partial snapshot.
func TestDecodePprofBadInput(t *testing.T) {
	good, err := os.ReadFile("../testdata/pprof/go-lifecycle/lc1.pb.gz")
	if err != nil {
		t.Fatal(err)
	}
	in, closeIn, err := openContent(bytes.NewReader(good), "lc1", 0, true)
	if err != nil {
		t.Fatal(err)
	}
	raw := new(bytes.Buffer)
	if _, err := raw.ReadFrom(in); err != nil {
		t.Fatal(err)
	}
	closeIn()
	data := raw.Bytes()
	cases := []struct {
		name    string
		input   []byte
		wantErr string
	}{
		{"empty", nil, "empty file"},
		{"truncated", data[:len(data)/2], "byte "},
		{"garbage tag", append([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, data...), "bad varint"},
		{"wrong wire type", append([]byte{0x08, 0x01}, data...), "wire type"},
		{"no sample types", []byte{0x32, 0x00}, "no sample types"},
		{"huge field", []byte{0x32, 0xff, 0xff, 0xff, 0xff, 0x0f}, "larger than any profile"},
	}
	for _, c := range cases {
		var b SnapshotBuilder
		err := DecodePprof(bytes.NewReader(c.input), "x.pb", &b)
		if err == nil || !strings.Contains(err.Error(), c.wantErr) || !strings.Contains(err.Error(), "x.pb") {
			t.Errorf("%s: got error %v, want one naming x.pb and saying %q", c.name, err, c.wantErr)
		}
		if len(b.Snapshots()) != 0 {
			t.Errorf("%s: a snapshot came out of a damaged profile", c.name)
		}
	}
}

// splitSink is a ParallelSink that records which run each sample came in.
type splitSink struct {
	SnapshotBuilder
	first []int
	runs  []*runSink
}

type runSink struct {
	samples int
	values  int64
}

func (r *runSink) Sample(locations []uint64, values []int64, labelSet uint64) error {
	r.samples++
	r.values += values[len(values)-1]
	return nil
}

func (s *splitSink) ForkSamples(first []int) ([]SampleSink, error) {
	s.first = first
	out := make([]SampleSink, len(first))
	for k := range first {
		r := &runSink{}
		s.runs = append(s.runs, r)
		out[k] = r
	}
	return out, nil
}

func (s *splitSink) JoinSamples() error { return nil }

// TestDecodePprofSplitsLargeSnapshots: a large profile's samples are split
// into consecutive runs for a ParallelSink, every sample in exactly one run.
func TestDecodePprofSplitsLargeSnapshots(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(3))
	f := &profile.Function{ID: 1, Name: "f"}
	l := &profile.Location{ID: 1, Line: []profile.Line{{Function: f}}}
	p := &profile.Profile{SampleType: []*profile.ValueType{{Type: "inuse_space", Unit: "bytes"}},
		Function: []*profile.Function{f}, Location: []*profile.Location{l}}
	n := minParallelSamples + 1001
	var want int64
	for i := range n {
		p.Sample = append(p.Sample, &profile.Sample{Location: []*profile.Location{l}, Value: []int64{int64(i)}})
		want += int64(i)
	}
	var buf bytes.Buffer
	if err := p.WriteUncompressed(&buf); err != nil {
		t.Fatal(err)
	}
	var s splitSink
	if err := DecodePprof(&buf, "big.pb", &s); err != nil {
		t.Fatal(err)
	}
	if len(s.runs) != 3 || s.first[0] != 0 {
		t.Fatalf("got %d runs starting at %v, want 3 from 0", len(s.runs), s.first)
	}
	var got int64
	total := 0
	for k, r := range s.runs {
		if k+1 < len(s.first) && r.samples != s.first[k+1]-s.first[k] {
			t.Errorf("run %d: %d samples, want %d", k, r.samples, s.first[k+1]-s.first[k])
		}
		total += r.samples
		got += r.values
	}
	if total != n || got != want {
		t.Errorf("runs got %d samples summing to %d, want %d summing to %d", total, got, n, want)
	}
}
