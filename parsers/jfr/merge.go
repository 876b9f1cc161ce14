package jfr

import (
	"errors"
	"slices"
)

// cursor walks one run during a merge.
type cursor struct {
	d   decoder
	ev  Event
	run int // index in the sorted runs: ties in time go to the earlier run
}

// mergeRuns calls each with the events of all runs in time order: a k-way
// merge that opens a run only when the merge reaches its first event's
// time, so the heap holds just the runs that overlap in time (about one
// per buffer the profiler writes concurrently), not every run of the chunk.
func (c *Chunk) mergeRuns(each func(*Event) error) error {
	runs := slices.Clone(c.events.runs)
	slices.SortStableFunc(runs, func(a, b run) int {
		switch {
		case a.first < b.first:
			return -1
		case a.first > b.first:
			return 1
		}
		return a.start - b.start
	})
	var h cursorHeap
	nextRun := 0
	for {
		// Open every run that starts no later than the earliest pending event.
		for nextRun < len(runs) && (len(h) == 0 || runs[nextRun].first <= h[0].ev.Time) {
			rn := runs[nextRun]
			cur := &cursor{d: decoder{b: c.data[:rn.end], pos: rn.start, base: c.Offset}, run: nextRun}
			nextRun++
			if c.next(&cur.d, &cur.ev) {
				h.push(cur)
			} else if cur.d.err != nil {
				return cur.d.err
			}
		}
		if len(h) == 0 {
			return nil
		}
		cur := h[0]
		if err := each(&cur.ev); err != nil {
			return err
		}
		if c.next(&cur.d, &cur.ev) {
			h.fix0()
		} else {
			if cur.d.err != nil {
				return cur.d.err
			}
			h.pop0()
		}
	}
}

// cursorHeap is a min-heap of cursors by (event time, run).
type cursorHeap []*cursor

func (h cursorHeap) less(i, j int) bool {
	a, b := h[i], h[j]
	return a.ev.Time < b.ev.Time || (a.ev.Time == b.ev.Time && a.run < b.run)
}

func (h *cursorHeap) push(c *cursor) {
	*h = append(*h, c)
	for i := len(*h) - 1; i > 0; {
		p := (i - 1) / 2
		if !h.less(i, p) {
			break
		}
		(*h)[i], (*h)[p] = (*h)[p], (*h)[i]
		i = p
	}
}

func (h *cursorHeap) pop0() {
	n := len(*h) - 1
	(*h)[0] = (*h)[n]
	*h = (*h)[:n]
	h.fix0()
}

// fix0 restores the heap after the root's key grew.
func (h cursorHeap) fix0() {
	for i := 0; ; {
		l, small := 2*i+1, i
		if l < len(h) && h.less(l, small) {
			small = l
		}
		if r := l + 1; r < len(h) && h.less(r, small) {
			small = r
		}
		if small == i {
			return
		}
		h[i], h[small] = h[small], h[i]
		i = small
	}
}

// BatchSize is how many events Batches hands over at a time.
const BatchSize = 4096

// errStopped ends the decoding goroutine of Batches when the caller failed.
var errStopped = errors.New("stopped")

// Batches calls each with the chunk's native-memory events in time order,
// BatchSize at a time, decoding the next batches in a goroutine of its own
// while each works on one: the decoder and the caller's bookkeeping
// overlap on two cores. A batch is reused once each returns. An error from
// each stops the walk and is returned.
func (c *Chunk) Batches(each func([]Event) error) error {
	const inFlight = 4
	full := make(chan []Event, inFlight)
	free := make(chan []Event, inFlight)
	for range inFlight {
		free <- make([]Event, 0, BatchSize)
	}
	stop := make(chan struct{})
	var decodeErr error
	go func() {
		defer close(full)
		buf := <-free
		decodeErr = c.Events(func(ev *Event) error {
			buf = append(buf, *ev)
			if len(buf) < BatchSize {
				return nil
			}
			select {
			case full <- buf:
			case <-stop:
				return errStopped
			}
			select {
			case buf = <-free:
			case <-stop:
				return errStopped
			}
			return nil
		})
		if decodeErr == nil && len(buf) > 0 {
			select {
			case full <- buf:
			case <-stop:
			}
		}
	}()
	var err error
	for batch := range full {
		if err == nil {
			if err = each(batch); err != nil {
				close(stop)
			}
		}
		free <- batch[:0] // never blocks: there are inFlight batches in all
	}
	if err != nil {
		return err
	}
	return decodeErr
}
