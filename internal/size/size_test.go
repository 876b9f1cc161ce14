package size

import "testing"

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"4096", 4096}, {"1MiB", 1 << 20}, {"1 MB", 1 << 20}, {"512k", 512 << 10}, {"1.5GiB", 3 << 29}, {"2g", 2 << 30},
	} {
		got, err := Parse(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("Parse(%q) = %d, %v, want %d", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "MiB", "-1", "1 parsec", "1e999"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q): got no error, want one", bad)
		}
	}
}
