package report

import "testing"

func TestFormatBytes(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want string
	}{
		{0, "0 B"}, {512, "512 B"}, {1536, "1.5 KiB"}, {4 << 20, "4.0 MiB"}, {-4 << 20, "-4.0 MiB"}, {3 << 30, "3.0 GiB"},
	} {
		if got := FormatBytes(tc.in); got != tc.want {
			t.Errorf("FormatBytes(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := FormatSignedQuantity(4<<20, "bytes"); got != "+4.0 MiB" {
		t.Errorf("FormatSignedQuantity = %q, want +4.0 MiB", got)
	}
}

func TestSparkline(t *testing.T) {
	if got := Sparkline([]int64{0, 1, 2, 3, 4, 5, 6, 7}); got != "▁▂▃▄▅▆▇█" {
		t.Errorf("ramp: got %q", got)
	}
	// A flat line is drawn against zero: a steady 512 MiB is a full bar,
	// a flat zero the lowest block.
	if got := Sparkline([]int64{512 << 20, 512 << 20, 512 << 20}); got != "███" {
		t.Errorf("flat at 512 MiB: got %q, want %q", got, "███")
	}
	if got := Sparkline([]int64{0, 0, 0}); got != "▁▁▁" {
		t.Errorf("flat at zero: got %q, want %q", got, "▁▁▁")
	}
	// Anything that moves still spans its own range.
	if got := Sparkline([]int64{100, 101, 100}); got != "▁█▁" {
		t.Errorf("small swing on a high base: got %q, want %q", got, "▁█▁")
	}
}
