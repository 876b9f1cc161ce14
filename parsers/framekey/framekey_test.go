package framekey

import "testing"

func TestKey(t *testing.T) {
	tests := []struct {
		file   string
		offset uint64
		module string
		key    string
	}{
		{"/usr/lib/x86_64-linux-gnu/libfoo.so.1", 0x1a2b, "libfoo.so.1", "libfoo.so.1+0x1a2b"},
		// A file replaced or removed while mapped is still the file.
		{"/opt/app/bin/server (deleted)", 0x1a2b, "server", "server+0x1a2b"},
		{"  /opt/app/bin/server   (deleted) ", 0x10, "server", "server+0x10"},
		{"[vdso]", 0x7f, "[vdso]", "[vdso]+0x7f"},
		{"", 0x1a2b, "", "?+0x1a2b"},
		{" (deleted)", 0, "", "?+0x0"},
	}
	for _, tt := range tests {
		if got := Module(tt.file); got != tt.module {
			t.Errorf("Module(%q): got %q, want %q", tt.file, got, tt.module)
		}
		if got := String(Module(tt.file), tt.offset); got != tt.key {
			t.Errorf("String(Module(%q), %#x): got %q, want %q", tt.file, tt.offset, got, tt.key)
		}
		if got := string(Append([]byte("x;"), Module(tt.file), tt.offset)); got != "x;"+tt.key {
			t.Errorf("Append(%q): got %q, want %q", tt.file, got, "x;"+tt.key)
		}
	}
}
