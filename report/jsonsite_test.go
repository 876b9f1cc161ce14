package report

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
)

// encodingJSON is how encoding/json writes one element of "sites", the
// reference the hand-written writers are held to.
func encodingJSON(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("    ", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return EscapeJSON(bytes.TrimRight(buf.Bytes(), "\n"))
}

// TestSiteJSONMatchesEncodingJSON writes random sites, with strings full of
// what JSON must escape (quotes, controls, invalid UTF-8, U+2028, HTML
// characters, what Clean refuses) and floats of every kind, by hand and
// with encoding/json then EscapeJSON: the bytes must be the same.
func TestSiteJSONMatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	pieces := []string{"a", "operator new(unsigned long)", "\u200b", "\u202e", "\ufeff", "\u0085", "abcdefgh", "abcdefg\"", "0123456789abcdef", `"`, `\`, "\n", "\t", "\b", "\f", "\r", "\x01", "\x1f", "\x7f",
		"<&>", "\u2028", "\u2029", "é", "\xff", "\xe2\x80", "日本", "\U0001F600", " ", ";", "std::vector<int>"}
	str := func() string {
		var b []byte
		for range rng.IntN(6) {
			b = append(b, pieces[rng.IntN(len(pieces))]...)
		}
		return string(b)
	}
	floats := []float64{0, 1, -1, 0.5, 1e-7, 123456789.125, 1e15, 1e21, -3e22, math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 4194304, 1.0 / 3}
	fl := func() float64 { return floats[rng.IntN(len(floats))] }
	for range 500 {
		var frames []dumpdiff.Frame
		for range rng.IntN(4) {
			frames = append(frames, dumpdiff.Frame{Function: str(), File: str(), Line: rng.Int64N(1000) - 10, Module: str()})
		}
		var values []int64
		for range rng.IntN(4) {
			values = append(values, rng.Int64()-rng.Int64())
		}
		ts := dumpdiff.TrendSite{Site: dumpdiff.Site{Rank: rng.IntN(1000), Key: str(), Title: str(), Frames: frames, Category: str()}, Values: values,
			Growth: fl(), TotalGrowth: rng.Int64() - rng.Int64(), R2: fl(), MKP: fl(), Monotonic: fl(), Verdict: dumpdiff.Verdict(str())}
		if got, want := appendTrendSiteJSON(nil, ts), encodingJSON(t, trendSiteJSON(ts)); !bytes.Equal(got, want) {
			t.Fatalf("trend site:\n got %s\nwant %s", got, want)
		}
		ps := dumpdiff.PairSite{Site: dumpdiff.Site{Rank: rng.IntN(1000), Key: str(), Title: str(), Frames: frames, Category: str()},
			Base: rng.Int64(), Target: -rng.Int64(), Delta: rng.Int64(), DeltaPct: fl(), Status: dumpdiff.PairStatus(str())}
		want := encodingJSON(t, jsonPairSite{Rank: ps.Rank, Key: ps.Key, Title: ps.Title, Frames: framesJSON(ps.Frames), Category: ps.Category,
			Base: ps.Base, Target: ps.Target, Delta: ps.Delta, DeltaPct: jsonFloat(ps.DeltaPct), Status: string(ps.Status)})
		if got := appendPairSiteJSON(nil, ps); !bytes.Equal(got, want) {
			t.Fatalf("pair site:\n got %s\nwant %s", got, want)
		}
	}
}

// TestPlainASCII8 holds the eight-byte test to a byte-by-byte one, on every
// byte value at every position among plain ones.
func TestPlainASCII8(t *testing.T) {
	plain := func(s string) bool {
		for i := range len(s) {
			if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
				return false
			}
		}
		return true
	}
	for pos := range 8 {
		for c := range 256 {
			b := []byte("abcdefgh")
			b[pos] = byte(c)
			if got, want := plainASCII8(string(b)), plain(string(b)); got != want {
				t.Fatalf("%q: got %v, want %v", b, got, want)
			}
		}
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for range 100000 {
		b := make([]byte, 8)
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		if got, want := plainASCII8(string(b)), plain(string(b)); got != want {
			t.Fatalf("%q: got %v, want %v", b, got, want)
		}
	}
}
