package loader

import (
	"os"
	"runtime"
	"runtime/pprof"
	"testing"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
)

func TestZZHeap(t *testing.T) {
	dir := os.Getenv("SERIES")
	if dir == "" {
		t.Skip()
	}
	runtime.MemProfileRate = 64 << 10
	paths, _, _ := ExpandPaths([]string{dir})
	s, err := Load(paths, Options{KeepRetained: true})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Trend(dumpdiff.Options{Top: 5})
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	f, _ := os.Create("/tmp/heap.out")
	pprof.WriteHeapProfile(f)
	f.Close()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("sites %d heapinuse %d MB sys %d MB", res.SiteCount, ms.HeapInuse>>20, ms.Sys>>20)
	runtime.KeepAlive(s)
}
