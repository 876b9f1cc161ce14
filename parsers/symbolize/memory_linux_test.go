//go:build linux

package symbolize

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// bombDirEnv, set, makes TestDebugBombMemory the child: it symbolises with
// the binary in that directory and prints the warnings. bombLimitEnv sets
// the child's MaxDebugBytes (to see the memory the bomb takes without the
// limit: DUMPDIFF_BOMB_LIMIT=-1).
const (
	bombDirEnv   = "DUMPDIFF_BOMB_DIR"
	bombLimitEnv = "DUMPDIFF_BOMB_LIMIT"
)

// TestDebugBombMemory: a binary whose compressed .debug_info really inflates
// to 1.5 GiB (1.6 MB of zlib in the file) is skipped before it is inflated.
// The symbolising runs in a child process, whose peak RSS the kernel
// reports in its rusage.
func TestDebugBombMemory(t *testing.T) {
	if dir := os.Getenv(bombDirEnv); dir != "" {
		limit, _ := strconv.ParseInt(os.Getenv(bombLimitEnv), 10, 64)
		p := mainOnly(t)
		for _, w := range New(Options{SearchDirs: []string{dir}, MaxDebugBytes: limit}).Symbolize(p) {
			fmt.Println("warning:", w)
		}
		return
	}
	good, err := os.ReadFile(filepath.Join(binDir, "lifecycle-jemalloc"))
	if err != nil {
		t.Fatal(err)
	}
	const inflated = 1536 // MiB
	bomb := compressSection(t, bytes.Clone(good), ".debug_info", inflated<<20, zerosZlib(t, inflated))
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "lifecycle-jemalloc"), bomb, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestDebugBombMemory$", "-test.v")
	cmd.Env = append(os.Environ(), bombDirEnv+"="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	peak := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10 // KiB on Linux
	t.Logf("binary of %d KiB claiming %d MiB of DWARF: child peak RSS %d MiB", len(bomb)>>10, inflated, peak>>20)
	const most = 200 << 20
	if peak > most {
		t.Errorf("child peak RSS %d MiB, want under %d MiB", peak>>20, most>>20)
	}
	if !strings.Contains(string(out), "warning:") || !strings.Contains(string(out), "section .debug_info holds 1.5 GiB, over the 1.0 GiB") {
		t.Errorf("child output lacks the warning that the binary was skipped:\n%s", out)
	}
}
