package report

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/pprof/profile"
)

// exportPprof runs a pprof writer and re-opens its output with the pprof
// library, returning both the bytes and the profile.
func exportPprof(t *testing.T, write func(io.Writer) error) ([]byte, *profile.Profile) {
	t.Helper()
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		t.Fatal(err)
	}
	p, err := profile.Parse(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("re-open: %v", err)
	}
	return buf.Bytes(), p
}

// topRow is one line of `go tool pprof -top`.
type topRow struct{ flat, cum int64 }

// pprofTop writes data to a file and runs `go tool pprof -top` on it with
// exact byte units and nothing dropped, returning the rows by function name.
func pprofTop(t *testing.T, data []byte, args ...string) map[string]topRow {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("go tool pprof: go is not on PATH: %v", err)
	}
	path := filepath.Join(t.TempDir(), "out.pb.gz")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	cmdArgs := append([]string{"tool", "pprof", "-top", "-unit=byte", "-nodefraction=0", "-nodecount=100000"}, args...)
	cmd := exec.Command(goBin, append(cmdArgs, path)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go tool pprof %s: %v\n%s", strings.Join(cmdArgs, " "), err, stderr.String())
	}
	return parseTop(t, out)
}

// parseTop reads the table of `go tool pprof -top -unit=byte` output.
func parseTop(t *testing.T, out []byte) map[string]topRow {
	t.Helper()
	rows := map[string]topRow{}
	inTable := false
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) >= 5 && f[0] == "flat" && f[1] == "flat%" {
			inTable = true
			continue
		}
		if !inTable || len(f) < 6 {
			continue
		}
		rows[strings.Join(f[5:], " ")] = topRow{parsePprofBytes(t, f[0]), parsePprofBytes(t, f[3])}
	}
	if len(rows) == 0 {
		t.Fatalf("go tool pprof printed no rows:\n%s", out)
	}
	return rows
}

// parsePprofBytes reads a -unit=byte value such as "4194304B", "-4000B" or "0".
func parsePprofBytes(t *testing.T, s string) int64 {
	t.Helper()
	v, err := strconv.ParseInt(strings.TrimSuffix(s, "B"), 10, 64)
	if err != nil {
		t.Fatalf("pprof value %q: %v", s, err)
	}
	return v
}

func TestWriteComparePprof(t *testing.T) {
	res := handCompare()
	// Re-open with the pprof library: one target sample and one negated,
	// labelled base sample per site.
	data, p := exportPprof(t, func(w io.Writer) error { return WriteComparePprof(w, res) })
	if got, want := p.SampleType[0].Type, "inuse_space"; got != want {
		t.Errorf("sample type: got %s, want %s", got, want)
	}
	var base, target int64
	for _, s := range p.Sample {
		if s.DiffBaseSample() {
			base += s.Value[0]
		} else {
			target += s.Value[0]
		}
	}
	var wantBase, wantTarget int64
	for _, s := range res.Sites {
		wantBase -= s.Base
		wantTarget += s.Target
	}
	if base != wantBase || target != wantTarget {
		t.Errorf("base, target sums: got %d, %d, want %d, %d", base, target, wantBase, wantTarget)
	}
	// go tool pprof -top shows the delta per site.
	rows := pprofTop(t, data)
	for _, s := range res.Sites {
		if got := rows[s.Frames[0].Function].flat; got != s.Delta {
			t.Errorf("pprof -top flat of %s: got %d, want %d", s.Frames[0].Function, got, s.Delta)
		}
	}
	// main.main calls every site: its cum is the sum of the deltas.
	var sum int64
	for _, s := range res.Sites {
		sum += s.Delta
	}
	if got := rows["main.main"].cum; got != sum {
		t.Errorf("pprof -top cum of main.main: got %d, want %d", got, sum)
	}
}

func TestWriteTrendPprof(t *testing.T) {
	res := handTrend()
	data, p := exportPprof(t, func(w io.Writer) error { return WriteTrendPprof(w, res) })
	var types []string
	for _, st := range p.SampleType {
		types = append(types, st.Type+"/"+st.Unit)
	}
	if got, want := strings.Join(types, " "), "growth_per_lifecycle/bytes total_growth/bytes last/bytes"; got != want {
		t.Errorf("sample types: got %s, want %s", got, want)
	}
	// Every site with a non-zero value is one sample, stack innermost first.
	if got, want := len(p.Sample), len(res.Sites); got != want {
		t.Fatalf("got %d samples, want %d", got, want)
	}
	leak := p.Sample[0]
	if got, want := leak.Location[0].Line[0].Function.Name, "main.(*Op).Open"; got != want {
		t.Errorf("leaf: got %s, want %s", got, want)
	}
	if got, want := leak.Location[0].Line[0].Line, int64(42); got != want {
		t.Errorf("leaf line: got %d, want %d", got, want)
	}
	if got, want := leak.Label["verdict"], []string{"leak"}; len(got) != 1 || got[0] != want[0] {
		t.Errorf("verdict label: got %q, want %q", got, want)
	}
	if want := FloorText(res.Floor, "bytes"); !slices.Contains(p.Comments, want) {
		t.Errorf("comments: got %q, want the leak floor %q", p.Comments, want)
	}

	rows := pprofTop(t, data)
	if got, want := rows["main.(*Op).Open"].flat, int64(4*mib); got != want {
		t.Errorf("growth of the leak: got %d, want %d", got, want)
	}
	if got, want := rows["Other"].flat, int64(-700); got != want {
		t.Errorf("growth of Other: got %d, want %d", got, want)
	}
	rows = pprofTop(t, data, "-sample_index=total_growth")
	if got, want := rows["main.(*Op).Open"].flat, int64(12*mib); got != want {
		t.Errorf("total growth of the leak: got %d, want %d", got, want)
	}
	// -tagfocus on the verdict label keeps only the leaks.
	rows = pprofTop(t, data, "-tagfocus=verdict=leak")
	if _, ok := rows["Other"]; ok {
		t.Errorf("-tagfocus verdict=leak kept the noise site Other")
	}
	if got, want := rows["main.main"].cum, int64(4*mib); got != want {
		t.Errorf("leak growth under main.main: got %d, want %d", got, want)
	}
}
