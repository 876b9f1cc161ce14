package report

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// readCSV parses out as RFC 4180 and checks every row has the header's width.
func readCSV(t *testing.T, out []byte) [][]string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(out))
	rows, err := r.ReadAll() // ReadAll enforces equal field counts (FieldsPerRecord 0)
	if err != nil {
		t.Fatalf("output is not valid CSV: %v\n%s", err, out)
	}
	return rows
}

func TestWriteTrendCSV(t *testing.T) {
	res := handTrend()
	var buf bytes.Buffer
	if err := WriteTrendCSV(&buf, res); err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, buf.Bytes())
	if got, want := len(rows), 1+len(res.Sites); got != want {
		t.Fatalf("got %d rows, want %d", got, want)
	}
	wantHeader := append(slices.Clone(trendCSVHeader), "lc_0", "lc_1", "lc_2", "lc_3")
	if !slices.Equal(rows[0], wantHeader) {
		t.Errorf("header: got %q, want %q", rows[0], wantHeader)
	}
	col := func(name string) int {
		t.Helper()
		i := slices.Index(rows[0], name)
		if i < 0 {
			t.Fatalf("no column %q", name)
		}
		return i
	}
	for i, s := range res.Sites {
		row := rows[i+1]
		if got, want := row[col("rank")], strconv.Itoa(s.Rank); got != want {
			t.Errorf("row %d rank: got %s, want %s", i, got, want)
		}
		if got, want := row[col("title")], clean(s.Title); got != want {
			t.Errorf("row %d title: got %q, want %q", i, got, want)
		}
		if got, want := row[col("verdict")], string(s.Verdict); got != want {
			t.Errorf("row %d verdict: got %s, want %s", i, got, want)
		}
		if got, want := row[col("total_growth")], strconv.FormatInt(s.TotalGrowth, 10); got != want {
			t.Errorf("row %d total_growth: got %s, want %s", i, got, want)
		}
		for j, v := range s.Values {
			if got, want := row[col("lc_"+strconv.Itoa(j))], strconv.FormatInt(v, 10); got != want {
				t.Errorf("row %d lc_%d: got %s, want %s", i, j, got, want)
			}
		}
	}
	// Exact integers, not rounded or scaled: the leak grows by 4 MiB.
	if got, want := rows[1][col("growth_per_lifecycle")], "4194304"; got != want {
		t.Errorf("growth: got %s, want %s", got, want)
	}
	// The slope keeps its fraction; r² of a flat site is an empty cell, not NaN.
	if got, want := rows[2][col("growth_per_lifecycle")], "833.3333333333334"; got != want {
		t.Errorf("fractional growth: got %s, want %s", got, want)
	}
	if got := rows[3][col("r2")]; got != "" {
		t.Errorf("NaN r2: got %q, want empty", got)
	}
	// Outermost frame first, like folded stacks.
	if got, want := rows[1][col("stack")], "main.main;main.run;main.(*Op).Open"; got != want {
		t.Errorf("stack: got %q, want %q", got, want)
	}
	// Commas force quoting; the raw text must hold the quoted field.
	if !strings.Contains(buf.String(), `"std::map<int, std::string>::insert|x"`) {
		t.Errorf("function name with a comma is not quoted:\n%s", buf.String())
	}
	if strings.Contains(buf.String(), "\x1b") {
		t.Errorf("control character reached the CSV")
	}
}

func TestWriteCompareCSV(t *testing.T) {
	res := handCompare()
	var buf bytes.Buffer
	if err := WriteCompareCSV(&buf, res); err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, buf.Bytes())
	if !slices.Equal(rows[0], compareCSVHeader) {
		t.Errorf("header: got %q, want %q", rows[0], compareCSVHeader)
	}
	want := [][]string{
		{"1", "grown", "4194304", "8388608", "4194304", "100", "", "main.leak", "main.leak", "main.main;main.leak"},
		{"2", "new", "0", "3000", "3000", "", "", "f(a, b)|g", "f(a, b)|g", "main.main;f(a, b)|g"},
		{"3", "shrunk", "5000", "1000", "-4000", "-80", "", "main.free", "main.free", "main.main;main.free"},
	}
	for i, w := range want {
		if !slices.Equal(rows[i+1], w) {
			t.Errorf("row %d: got %q, want %q", i+1, rows[i+1], w)
		}
	}
}
