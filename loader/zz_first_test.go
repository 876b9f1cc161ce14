package loader

import (
	"os"
	"testing"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/parsers"
)

func TestZZFirst(t *testing.T) {
	path := os.Getenv("PB")
	if path == "" {
		t.Skip()
	}
	for i := 0; i < 4; i++ {
		bl := dumpdiff.NewBuilder(dumpdiff.BuildOptions{KeepRetained: true})
		if err := parsers.ReadFile(path, nil, bl.NewInput(path)); err != nil {
			t.Fatal(err)
		}
	}
}
