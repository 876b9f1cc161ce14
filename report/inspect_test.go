package report

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/dumpdiff/dumpdiff/parsers"
)

// TestWriteInspectJSON: a real snapshot described and written as one
// dumpdiff.inspect/v1 document that reads back; no snapshots is an empty
// list, not null.
func TestWriteInspectJSON(t *testing.T) {
	snap, err := parsers.Open("../testdata/jemalloc/c-restart/restart-lc2.heap", nil)
	if err != nil {
		t.Fatal(err)
	}
	d := DescribeSnapshot(snap)
	var buf bytes.Buffer
	if err := WriteInspectJSON(&buf, []*InspectedSnapshot{d}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Schema    string              `json:"schema"`
		Snapshots []InspectedSnapshot `json:"snapshots"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("%v in %s", err, buf.Bytes())
	}
	if doc.Schema != InspectSchema || len(doc.Snapshots) != 1 {
		t.Fatalf("got schema %q with %d snapshots, want %q with 1", doc.Schema, len(doc.Snapshots), InspectSchema)
	}
	got := doc.Snapshots[0]
	if got.Format != parsers.FormatJemalloc || got.Default != "inuse_space" || got.Samples != len(snap.Profile.Sample) || got.Stacks == 0 || got.Stacks > got.Samples {
		t.Errorf("got %+v", got)
	}
	buf.Reset()
	if err := WriteInspectJSON(&buf, nil); err != nil {
		t.Fatal(err)
	}
	if want := "{\n  \"schema\": \"dumpdiff.inspect/v1\",\n  \"snapshots\": []\n}\n"; buf.String() != want {
		t.Errorf("no snapshots: got %q, want %q", buf.String(), want)
	}
}
