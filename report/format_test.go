package report

import (
	"bytes"
	"strings"
	"testing"
)

// TestWriteDispatch checks that Write, the one dispatcher, writes exactly
// what the format's own writer writes, for either kind of result.
func TestWriteDispatch(t *testing.T) {
	trend, cmp := handTrend(), handCompare()
	for _, f := range Formats {
		var got, want bytes.Buffer
		if err := Write(&got, trend, f, Options{}); err != nil {
			t.Fatalf("Write trend %s: %v", f, err)
		}
		switch f {
		case FormatTable:
			WriteTrendTable(&want, trend, TableOptions{})
		case FormatJSON:
			WriteTrendJSON(&want, trend)
		case FormatCSV:
			WriteTrendCSV(&want, trend)
		case FormatMarkdown:
			WriteTrendMarkdown(&want, trend)
		case FormatPprof:
			WriteTrendPprof(&want, trend)
		case FormatHTML:
			WriteTrendHTML(&want, trend, HTMLOptions{})
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) || got.Len() == 0 {
			t.Errorf("Write trend %s: output differs from the format's writer", f)
		}
		got.Reset()
		want.Reset()
		err := Write(&got, cmp, f, Options{})
		switch f {
		case FormatTable:
			WriteCompareTable(&want, cmp, TableOptions{})
		case FormatJSON:
			WriteCompareJSON(&want, cmp)
		case FormatCSV:
			WriteCompareCSV(&want, cmp)
		case FormatMarkdown:
			WriteCompareMarkdown(&want, cmp)
		case FormatPprof:
			WriteComparePprof(&want, cmp)
		case FormatHTML:
			WriteCompareHTML(&want, cmp, HTMLOptions{})
		}
		if err != nil || !bytes.Equal(got.Bytes(), want.Bytes()) || got.Len() == 0 {
			t.Errorf("Write compare %s: error %v or output differs from the format's writer", f, err)
		}
	}
	for _, f := range []Format{"yaml", ""} {
		if err := Write(&bytes.Buffer{}, trend, f, Options{}); err == nil || !strings.Contains(err.Error(), `"`+string(f)+`"`) {
			t.Errorf("Write trend %q: got error %v, want one naming the format", f, err)
		}
		if err := Write(&bytes.Buffer{}, cmp, f, Options{}); err == nil || !strings.Contains(err.Error(), `"`+string(f)+`"`) {
			t.Errorf("Write compare %q: got error %v, want one naming the format", f, err)
		}
	}
	if err := Write(&bytes.Buffer{}, nil, FormatJSON, Options{}); err == nil {
		t.Error("Write of no result: got no error")
	}
}
