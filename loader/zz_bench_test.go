package loader

import (
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/parsers"
)

type nullSink struct{}

func (nullSink) Begin(h *parsers.Header) error                 { return nil }
func (nullSink) Mapping(m *parsers.Mapping) error              { return nil }
func (nullSink) Location(l *parsers.Location) error            { return nil }
func (nullSink) LabelSet(id uint64, ls []parsers.Label) error  { return nil }
func (nullSink) Sample(l []uint64, v []int64, ls uint64) error { return nil }
func (nullSink) End(w []error) error                           { return nil }

func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_THREAD, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestZZCPU(t *testing.T) {
	path := os.Getenv("PB")
	if path == "" {
		t.Skip()
	}
	var all []time.Duration
	bl := dumpdiff.NewBuilder(dumpdiff.BuildOptions{KeepRetained: true})
	for i := 0; i < 8; i++ {
		var ru0, ru1 syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
		var err error
		if i%2 == 0 {
			err = parsers.ReadFile(path, nil, nullSink{})
		} else {
			err = parsers.ReadFile(path, nil, bl.NewInput(path))
		}
		if err != nil {
			t.Fatal(err)
		}
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
		d := time.Duration(ru1.Utime.Nano() - ru0.Utime.Nano() + ru1.Stime.Nano() - ru0.Stime.Nano())
		all = append(all, d)
	}
	t.Logf("null/input cpu: %v", all)
}
