package main

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/loader"
)

// loadTrend loads one series of a batch and ranks all its sites: the caller
// checks --fail-on against every leak, then cuts to --top. The series'
// manifest options override the command line's. Snapshots parse one at a
// time: batch parallelism is across series, so each job holds at most one
// parsed snapshot.
func loadTrend(spec SeriesSpec, lo loader.Options, opts dumpdiff.Options) (*dumpdiff.TrendResult, error) {
	paths := spec.Files
	if spec.Dir != "" {
		var err error
		if paths, lo.Warnings, err = loader.ExpandPaths([]string{spec.Dir}); err != nil {
			return nil, err
		}
	}
	lo.Jobs = 1
	if spec.Order != "" {
		order, err := dumpdiff.ParseOrder(spec.Order)
		if err != nil {
			return nil, err
		}
		lo.Order = order
	}
	if spec.LifecycleRegex != "" {
		// checkSeriesOptions has checked it; the loader checks it again.
		re, err := regexp.Compile(spec.LifecycleRegex)
		if err != nil {
			return nil, err
		}
		lo.LifecycleRegex = re
	}
	if spec.Metric != "" {
		opts.Metric = spec.Metric
	}
	if spec.GroupBy != "" {
		opts.GroupBy = dumpdiff.GroupBy(spec.GroupBy)
	}
	opts.Top = 0
	// Every site is ranked for --fail-on, but only the top ones are shown:
	// the caller builds those whole (TrendResult.Site).
	opts.Stream = true
	series, err := loader.Load(paths, oneMetric(lo, opts.Metric))
	if err != nil {
		return nil, err
	}
	if err := withHints(series.CheckGrouping(opts)); err != nil {
		return nil, err
	}
	return series.Trend(opts)
}

// batchLifecycleRegex compiles a lifecycle regex, which needs a capture group
// for the lifecycle number.
func batchLifecycleRegex(s string) (*regexp.Regexp, error) {
	re, err := regexp.Compile(s)
	if err != nil {
		return nil, fmt.Errorf(`invalid lifecycle_regex "%s": %w`, s, err)
	}
	var lre *dumpdiff.LifecycleRegexError
	if err := dumpdiff.CheckLifecycleRegex(re); errors.As(err, &lre) {
		return nil, fmt.Errorf(`invalid lifecycle_regex "%s": want a capture group for the lifecycle number`, s)
	}
	return re, nil
}
