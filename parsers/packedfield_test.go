package parsers

import (
	"bytes"
	"testing"
)

// TestPackedField: the replay's shortcut takes a sample's packed location
// ids and values, and leaves every other field, and any length that
// overruns the sample, to the general decoder.
func TestPackedField(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      []byte
		ok      bool
		num     byte
		payload []byte
		rest    []byte
	}{
		{"locations", []byte{0x0a, 2, 5, 6, 0x12, 1, 9}, true, 1, []byte{5, 6}, []byte{0x12, 1, 9}},
		{"values", []byte{0x12, 1, 9}, true, 2, []byte{9}, []byte{}},
		{"empty payload", []byte{0x0a, 0}, true, 1, []byte{}, []byte{}},
		{"unpacked location", []byte{0x08, 5}, false, 0, nil, nil},
		{"label", []byte{0x1a, 2, 8, 1}, false, 0, nil, nil},
		{"length overruns", []byte{0x0a, 3, 5, 6}, false, 0, nil, nil},
		{"length cut off", []byte{0x12, 0x80}, false, 0, nil, nil},
		{"tag alone", []byte{0x0a}, false, 0, nil, nil},
	} {
		num, payload, rest, ok := packedField(tc.in)
		if ok != tc.ok || num != tc.num || !bytes.Equal(payload, tc.payload) || !bytes.Equal(rest, tc.rest) {
			t.Errorf("%s: got %d %v %v %v, want %d %v %v %v", tc.name, num, payload, rest, ok, tc.num, tc.payload, tc.rest, tc.ok)
		}
	}
}
