package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// dirNames lists the names in dir, sorted.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.csv")
	if err := Write(path, func(w io.Writer) error {
		_, err := io.WriteString(w, "first\n")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "first\n" {
		t.Errorf("got %q, want %q", got, "first\n")
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fi.Mode().Perm(), os.FileMode(0o644); got != want {
		t.Errorf("new file mode: got %v, want %v", got, want)
	}

	// An existing file is replaced and keeps its mode.
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, func(w io.Writer) error {
		_, err := io.WriteString(w, "second\n")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "second\n" {
		t.Errorf("got %q, want %q", got, "second\n")
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("replaced file mode: got %v, want %v", fi.Mode().Perm(), os.FileMode(0o600))
	}
	if got := dirNames(t, dir); len(got) != 1 {
		t.Errorf("directory holds %q, want only out.csv", got)
	}
}

func TestWriteFailure(t *testing.T) {
	errBoom := errors.New("boom")
	// A writer that has written a lot (more than the buffer) before failing.
	failing := func(w io.Writer) error {
		if _, err := io.WriteString(w, strings.Repeat("x", 1<<20)); err != nil {
			return err
		}
		return errBoom
	}

	t.Run("new file", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "out.html")
		err := Write(path, failing)
		if !errors.Is(err, errBoom) {
			t.Fatalf("got error %v, want one wrapping %v", err, errBoom)
		}
		if got, want := err.Error(), "write "+path+": boom"; got != want {
			t.Errorf("got error %q, want %q", got, want)
		}
		if got := dirNames(t, dir); len(got) != 0 {
			t.Errorf("failed write left %q, want an empty directory", got)
		}
	})

	t.Run("existing file", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "out.html")
		if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := Write(path, failing); !errors.Is(err, errBoom) {
			t.Fatalf("got error %v, want one wrapping %v", err, errBoom)
		}
		if got, _ := os.ReadFile(path); string(got) != "old" {
			t.Errorf("failed write changed the file to %d bytes, want it untouched", len(got))
		}
		if got := dirNames(t, dir); len(got) != 1 {
			t.Errorf("directory holds %q, want only out.html", got)
		}
	})

	t.Run("missing directory", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "no", "such", "out.csv")
		err := Write(path, func(io.Writer) error { return nil })
		if err == nil || !strings.HasPrefix(err.Error(), "write "+path+": ") || strings.Contains(err.Error(), ".tmp-") {
			t.Errorf("got error %v, want one naming %s and not the temporary file", err, path)
		}
	})

	t.Run("directory as target", func(t *testing.T) {
		dir := t.TempDir()
		err := Write(dir, func(io.Writer) error { return nil })
		if err == nil {
			t.Fatalf("got no error writing over a directory")
		}
		if got := dirNames(t, dir); len(got) != 0 {
			t.Errorf("failed write left %q", got)
		}
	})
}

// TestWriteFileAtomicSpecialFiles: -o /dev/stdout (or any device or named
// pipe) is written in place, never replaced by a regular file, and -o
// through a symbolic link replaces the linked file and keeps the link.
func TestWriteSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	// Hold the pipe open for reading and writing (Linux allows it without
	// blocking), so the writer's open does not wait and a missing write
	// reads as nothing rather than hanging.
	fd, err := syscall.Open(fifo, syscall.O_RDWR|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Skipf("open pipe: %v", err)
	}
	defer syscall.Close(fd)
	if err := Write(fifo, func(w io.Writer) error {
		_, err := io.WriteString(w, "through the pipe\n")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100)
	n, _ := syscall.Read(fd, buf)
	if s := string(buf[:max(n, 0)]); s != "through the pipe\n" {
		t.Errorf("pipe read: got %q, want %q", s, "through the pipe\n")
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("after the write: got mode %v (%v), want the named pipe still there", fi.Mode(), err)
	}

	real := filepath.Join(dir, "real.csv")
	link := filepath.Join(dir, "link.csv")
	if err := os.WriteFile(real, []byte("old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real.csv", link); err != nil {
		t.Fatal(err)
	}
	if err := Write(link, func(w io.Writer) error {
		_, err := io.WriteString(w, "new\n")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("link: got mode %v (%v), want a symbolic link still", fi.Mode(), err)
	}
	if b, _ := os.ReadFile(real); string(b) != "new\n" {
		t.Errorf("linked file: got %q, want %q", b, "new\n")
	}
	if fi, _ := os.Stat(real); fi.Mode().Perm() != 0o600 {
		t.Errorf("linked file mode: got %v, want 0600 kept", fi.Mode().Perm())
	}
	if names := dirNames(t, dir); len(names) != 3 {
		t.Errorf("directory: got %v, want link.csv, pipe, real.csv and no temporary file", names)
	}
}
