package report

import (
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/google/pprof/profile"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/parsers"
)

// InspectSchema is the JSON schema of `dumpdiff inspect --format json`,
// beside TrendSchema and CompareSchema. A schema version never renames or
// drops a field.
const InspectSchema = "dumpdiff.inspect/v1"

// InspectedSnapshot is one snapshot in `dumpdiff inspect --format json`
// (InspectSchema): what the file holds, before any engine work.
type InspectedSnapshot struct {
	Path       string             `json:"path"`
	Format     parsers.Format     `json:"format"`
	Variant    string             `json:"variant,omitempty"`
	Producer   string             `json:"producer,omitempty"`
	Metrics    []InspectedMetric  `json:"metrics"`
	Default    string             `json:"default_metric"`
	Samples    int                `json:"samples"`
	Stacks     int                `json:"stacks"`
	Mappings   int                `json:"mappings"`
	Period     int64              `json:"period"`
	PeriodUnit string             `json:"period_unit,omitempty"`
	Unsampled  bool               `json:"unsampled"`
	Symbolized bool               `json:"symbolized"`
	Time       *time.Time         `json:"time"`
	PID        *int               `json:"pid"`
	RSS        int64              `json:"rss,omitempty"` // resident bytes, when the producer samples it (heaptrack)
	Warnings   []string           `json:"warnings"`
	Baseline   *InspectedSnapshot `json:"baseline,omitempty"`
}

// InspectedMetric is one metric of an InspectedSnapshot, with its total.
type InspectedMetric struct {
	Name  string `json:"name"`
	Unit  string `json:"unit"`
	Total int64  `json:"total"`
}

// DescribeSnapshot says what a parsed snapshot holds, for inspect.
func DescribeSnapshot(s *parsers.Snapshot) *InspectedSnapshot {
	totals := s.Totals()
	out := &InspectedSnapshot{
		Path: s.Name, Format: s.Format, Variant: s.Variant, Producer: s.Producer,
		Default: dumpdiff.RetainedMetric(s), Samples: len(s.Profile.Sample), Stacks: distinctStacks(s.Profile),
		Mappings: len(s.Profile.Mapping), Period: s.Period, PeriodUnit: s.PeriodUnit,
		Unsampled: s.Unsampled, Symbolized: s.Symbolized, RSS: s.RSS, Warnings: []string{},
	}
	for i, m := range s.Metrics() {
		out.Metrics = append(out.Metrics, InspectedMetric{Name: m.Name, Unit: m.Unit, Total: totals[i]})
	}
	if !s.Time.IsZero() {
		t := s.Time
		out.Time = &t
	}
	if s.PID != 0 {
		pid := s.PID
		out.PID = &pid
	}
	for _, w := range s.Warnings {
		out.Warnings = append(out.Warnings, w.Error())
	}
	if s.Baseline != nil {
		out.Baseline = DescribeSnapshot(s.Baseline)
	}
	return out
}

// distinctStacks counts samples with different location sequences.
func distinctStacks(p *profile.Profile) int {
	seen := make(map[string]struct{}, len(p.Sample))
	var b strings.Builder
	for _, s := range p.Sample {
		b.Reset()
		for _, l := range s.Location {
			b.WriteString(strconv.FormatUint(l.ID, 36))
			b.WriteByte(',')
		}
		seen[b.String()] = struct{}{}
	}
	return len(seen)
}

// WriteInspectJSON writes snapshots described by DescribeSnapshot as one
// InspectSchema document; names are kept exact, escaped as EscapeJSON does.
func WriteInspectJSON(w io.Writer, snaps []*InspectedSnapshot) error {
	doc := struct {
		Schema    string               `json:"schema"`
		Snapshots []*InspectedSnapshot `json:"snapshots"`
	}{InspectSchema, snaps}
	if doc.Snapshots == nil {
		doc.Snapshots = []*InspectedSnapshot{}
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(EscapeJSON(out), '\n'))
	return err
}
