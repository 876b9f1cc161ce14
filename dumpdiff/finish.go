package dumpdiff

import (
	"errors"
	"fmt"
)

// SeriesOptions say how a Builder's snapshots make a series.
type SeriesOptions struct {
	// Order puts the snapshots in lifecycle order; "" means OrderName. It is
	// ignored when the lifecycles are numbered (Input.SetLifecycle) and when
	// the series is one input's own (an NMT .diff pair, a split recording).
	Order Order
}

// Series ends the build and returns the series: the inputs' snapshots in
// the order the inputs were created, then ordered by opts. A single input
// that holds several snapshots (an NMT .diff's baseline and current side, a
// recording split into lifecycles) is a series by itself, in its own order.
// Each input must be done (its reader returned) before Series is called.
func (b *Builder) Series(opts SeriesOptions) (*Series, error) {
	b.mu.Lock()
	inputs := b.inputs
	b.mu.Unlock()
	if len(inputs) == 0 {
		return nil, errors.New("no snapshots given")
	}
	s := &Series{frames: b.frames, stacks: b.stacks, labels: b.labels}
	b.mu.Lock()
	s.warnings = append(s.warnings, b.warnings...)
	b.mu.Unlock()
	numbered := false
	seriesInOneInput := false
	for _, in := range inputs {
		snaps, err := in.seriesSnaps(len(inputs) > 1)
		if err != nil {
			return nil, err
		}
		numbered = numbered || in.lifecycle >= 0
		seriesInOneInput = len(snaps) > 1
		for k, t := range snaps {
			switch {
			case in.lifecycle >= 0:
				t.info.Lifecycle = in.lifecycle
			case seriesInOneInput:
				t.info.Lifecycle = k
			default:
				t.info.Lifecycle = -1
			}
			s.warnings = append(s.warnings, t.warnings...)
			s.snaps = append(s.snaps, t)
		}
		s.warnings = append(s.warnings, in.warnings...)
	}
	if b.opts.KeepRetained {
		if err := s.checkRetainedKept(); err != nil {
			return nil, err
		}
	}
	if !numbered && !seriesInOneInput {
		if w := orderWarning(s.snaps, opts.Order); w != nil {
			s.warnings = append(s.warnings, w)
		}
	}
	if !seriesInOneInput {
		if err := s.oneKind(); err != nil {
			return nil, err
		}
		if err := s.order(opts.Order, numbered); err != nil {
			return nil, err
		}
	}
	if err := s.checkMetrics(); err != nil {
		return nil, err
	}
	s.format = s.snaps[0].info.Format
	for _, t := range s.snaps[1:] {
		if t.info.Format != s.format {
			s.format = ""
		}
	}
	s.number()
	return s, nil
}

// seriesSnaps checks a done input and returns the snapshots it gives the
// series; beside other inputs (many), a .diff stands for its current side
// and a split recording is refused.
func (in *Input) seriesSnaps(many bool) ([]*snapTable, error) {
	if in.lastErr != nil {
		return nil, in.lastErr
	}
	if in.cur != nil {
		return nil, fmt.Errorf("%s: the reader stopped inside a snapshot (a bug in dumpdiff)", in.name)
	}
	snaps := in.snaps
	if many {
		snaps = dropBaselines(snaps)
	}
	if len(snaps) == 0 {
		return nil, fmt.Errorf("%s holds no snapshot", in.name)
	}
	if len(snaps) > 1 && many {
		return nil, fmt.Errorf("%s holds %d lifecycles (a recording split by --every or --lifecycle-marker); give it alone, or give one recording per lifecycle without splitting", in.name, len(snaps))
	}
	if in.lifecycle >= 0 && len(snaps) > 1 && !snaps[0].baseline {
		return nil, fmt.Errorf("%s numbers its own lifecycles (a split recording): --lifecycle-regex numbers one file per lifecycle", in.name)
	}
	return snaps, nil
}

func dropBaselines(snaps []*snapTable) []*snapTable {
	var out []*snapTable
	for _, t := range snaps {
		if !t.baseline {
			out = append(out, t)
		}
	}
	return out
}

// checkRetainedKept returns ErrMetricsNotKept when some snapshot kept a
// metric other than the series' default.
func (s *Series) checkRetainedKept() error {
	def := s.DefaultMetric()
	for _, t := range s.snaps {
		j := metricIndex(t.metrics, def)
		if j >= 0 && t.cols.vals[j] == nil {
			return ErrMetricsNotKept
		}
	}
	return nil
}

// number computes the dense numbering of the finished tables.
func (s *Series) number() {
	for i := range shardCount {
		s.stackBase[i+1] = s.stackBase[i] + len(s.stacks.shards[i].recs)
		s.frameBase[i+1] = s.frameBase[i] + len(s.frames.shards[i].recs)
	}
}
