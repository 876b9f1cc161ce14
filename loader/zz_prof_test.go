package loader

import (
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
)

func cpu() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestZZProf(t *testing.T) {
	dir := os.Getenv("SERIES")
	if dir == "" {
		t.Skip()
	}
	paths, _, _ := ExpandPaths([]string{dir})
	c0, t0 := cpu(), time.Now()
	s, err := Load(paths, Options{KeepRetained: true})
	if err != nil {
		t.Fatal(err)
	}
	c1, t1 := cpu(), time.Now()
	res, err := s.Trend(dumpdiff.Options{Top: 5})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("load %v (cpu %v) trend %v (cpu %v) sites %d", t1.Sub(t0), c1-c0, time.Since(t1), cpu()-c1, res.SiteCount)
}
