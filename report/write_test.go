package report

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
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

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.csv")
	if err := WriteFileAtomic(path, func(w io.Writer) error {
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
	if err := WriteFileAtomic(path, func(w io.Writer) error {
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

func TestWriteFileAtomicFailure(t *testing.T) {
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
		err := WriteFileAtomic(path, failing)
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
		if err := WriteFileAtomic(path, failing); !errors.Is(err, errBoom) {
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
		err := WriteFileAtomic(path, func(io.Writer) error { return nil })
		if err == nil || !strings.HasPrefix(err.Error(), "write "+path+": ") || strings.Contains(err.Error(), ".tmp-") {
			t.Errorf("got error %v, want one naming %s and not the temporary file", err, path)
		}
	})

	t.Run("directory as target", func(t *testing.T) {
		dir := t.TempDir()
		err := WriteFileAtomic(dir, func(io.Writer) error { return nil })
		if err == nil {
			t.Fatalf("got no error writing over a directory")
		}
		if got := dirNames(t, dir); len(got) != 0 {
			t.Errorf("failed write left %q", got)
		}
	})
}
