package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestWriteBatchJSON(t *testing.T) {
	var buf bytes.Buffer
	res := handTrend()
	if err := WriteBatchJSON(&buf, BatchSeries{Name: "tm-1", Result: res, FailOn: 1 << 20, Offenders: []int{1}}); err != nil {
		t.Fatal(err)
	}
	if err := WriteBatchJSON(&buf, BatchSeries{Name: "tm-2", Err: errors.New("parse pprof profile x.pb.gz:\nunexpected EOF")}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2 (one per series):\n%s", len(lines), buf.String())
	}
	var ok map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &ok); err != nil {
		t.Fatalf("line 1: %v", err)
	}
	if ok["schema"] != BatchSchema || ok["snapshot_count"] != float64(4) || ok["site_count"] != float64(9) {
		t.Errorf("line 1: got schema %v, snapshot_count %v, site_count %v", ok["schema"], ok["snapshot_count"], ok["site_count"])
	}
	sites := ok["sites"].([]any)
	if got := sites[2].(map[string]any)["r2"]; got != nil {
		t.Errorf("r2 of a flat site: got %v, want null", got)
	}
	if got := sites[0].(map[string]any)["growth_per_lifecycle"]; got != float64(4<<20) {
		t.Errorf("growth: got %v, want %d", got, 4<<20)
	}
	if got := ok["fail_on"].(map[string]any)["offenders"].([]any); len(got) != 1 || got[0] != float64(1) {
		t.Errorf("fail_on offenders: got %v, want [1]", got)
	}
	if want := `{"schema":"dumpdiff.batch/v1","name":"tm-2","error":"parse pprof profile x.pb.gz: unexpected EOF","snapshot_count":0,"snapshots":[],"site_count":0,"sites":[]}`; lines[1] != want {
		t.Errorf("failed series:\ngot  %s\nwant %s", lines[1], want)
	}
}

func TestBatchCSV(t *testing.T) {
	var buf bytes.Buffer
	w := NewBatchCSV(&buf)
	if err := w.Write(BatchSeries{Name: "a,b", Result: handTrend()}); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(BatchSeries{Name: "bad", Err: errors.New("boom")}); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(rows), 1+4+1; got != want {
		t.Fatalf("got %d rows, want %d", got, want)
	}
	if rows[1][0] != "a,b" || rows[1][7] != "leak" || rows[1][8] != "4194304" || rows[1][14] != "1677.7216" {
		t.Errorf("first site row: got %q", rows[1])
	}
	if last := rows[5]; last[0] != "bad" || last[len(last)-1] != "boom" || last[6] != "" {
		t.Errorf("failed series row: got %q", last)
	}
}
