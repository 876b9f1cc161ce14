package main

import (
	"fmt"
	"regexp"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
)

// loadTrend loads one series of a batch and ranks all its sites (the caller
// cuts to --top after checking --fail-on against every leak). Snapshots
// parse one at a time: batch parallelism is across series, so each job holds
// one parsed snapshot at most.
func loadTrend(spec SeriesSpec) (*dumpdiff.TrendResult, error) {
	paths := spec.Files
	if spec.Dir != "" {
		var err error
		if paths, err = dumpdiff.ExpandPaths([]string{spec.Dir}); err != nil {
			return nil, err
		}
	}
	order, err := dumpdiff.ParseOrder(spec.Order)
	if err != nil {
		return nil, err
	}
	lo := dumpdiff.LoadOptions{Order: order, Jobs: 1}
	if spec.LifecycleRegex != "" {
		if lo.LifecycleRegex, err = batchLifecycleRegex(spec.LifecycleRegex); err != nil {
			return nil, err
		}
	}
	series, err := dumpdiff.Load(paths, lo)
	if err != nil {
		return nil, err
	}
	return series.Trend(dumpdiff.Options{Metric: spec.Metric, GroupBy: dumpdiff.GroupBy(spec.GroupBy)})
}

// batchLifecycleRegex compiles a lifecycle regex, which needs a capture group
// for the lifecycle number.
func batchLifecycleRegex(s string) (*regexp.Regexp, error) {
	re, err := regexp.Compile(s)
	if err != nil {
		return nil, fmt.Errorf(`invalid lifecycle_regex "%s": %w`, s, err)
	}
	if re.NumSubexp() < 1 {
		return nil, fmt.Errorf(`invalid lifecycle_regex "%s": want a capture group for the lifecycle number`, s)
	}
	return re, nil
}
