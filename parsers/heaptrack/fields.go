package heaptrack

import (
	"errors"
	"fmt"
	"math"
)

// fields is the rest of a line: hex numbers separated by single spaces, as
// heaptrack writes them.
type fields []byte

var errNoField = errors.New("missing")

// uint64 reads the next number.
func (f *fields) uint64(what string) (uint64, error) {
	b := *f
	var v uint64
	i := 0
	for ; i < len(b) && b[i] != ' '; i++ {
		c := b[i]
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		default:
			return 0, fmt.Errorf("%s: want a hex number, got %q", what, clipField(b))
		}
		if v>>60 != 0 {
			return 0, fmt.Errorf("%s: %q overflows 64 bits", what, clipField(b))
		}
		v = v<<4 | uint64(d)
	}
	if i == 0 {
		return 0, fmt.Errorf("%s: %w", what, errNoField)
	}
	if i < len(b) {
		i++ // the space
	}
	*f = b[i:]
	return v, nil
}

func (f *fields) uint32(what string) (uint32, error) {
	v, err := f.uint64(what)
	if err == nil && v > math.MaxUint32 {
		err = fmt.Errorf("%s: %#x out of range", what, v)
	}
	return uint32(v), err
}

func (f *fields) int64(what string) (int64, error) {
	v, err := f.uint64(what)
	if err == nil && v > math.MaxInt64 {
		err = fmt.Errorf("%s: %#x out of range", what, v)
	}
	return int64(v), err
}

func (f fields) done() bool { return len(f) == 0 }

// end refuses anything left on the line.
func (f fields) end() error {
	if len(f) > 0 {
		return fmt.Errorf("unexpected %q at the end of the line", clipField(f))
	}
	return nil
}

func clipField(b []byte) string {
	for i, c := range b {
		if c == ' ' {
			return string(b[:i])
		}
	}
	return clip(b)
}
