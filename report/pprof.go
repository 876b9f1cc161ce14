package report

import (
	"io"
	"math"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/google/pprof/profile"
)

// diffBaseLabel is the sample label pprof's own -diff_base puts on the negated
// base samples (google/pprof internal/driver/fetch.go: pbase.SetLabel), so the
// pprof web UI and other tools recognise our compare export as a diff.
const diffBaseLabel = "pprof::base"

// WriteComparePprof writes a pair diff as a gzipped profile.proto in the shape
// `go tool pprof -diff_base BASE TARGET` builds: every site's target value as
// one sample and its base value negated as another, labelled
// pprof::base=true. Summed, they are the delta, so `go tool pprof -top` on the
// file lists each site's delta, and the web UI draws it as a diff.
func WriteComparePprof(w io.Writer, res *dumpdiff.CompareResult) error {
	metric := clean(res.Metric.Name)
	b := newProfileBuilder([]*profile.ValueType{{Type: metric, Unit: clean(res.Metric.Unit)}})
	b.p.DefaultSampleType = metric
	b.p.Comments = []string{
		"dumpdiff compare: " + clean(res.Base.Path) + " -> " + clean(res.Target.Path),
	}
	for i := range res.Sites {
		s := res.Site(i)
		locs := b.stack(s.Frames, s.Title, s.Key, s.Category)
		if s.Target != 0 {
			b.p.Sample = append(b.p.Sample, &profile.Sample{
				Location: locs,
				Value:    []int64{s.Target},
				Label:    siteLabels(s.Category, nil),
			})
		}
		if s.Base != 0 {
			b.p.Sample = append(b.p.Sample, &profile.Sample{
				Location: locs,
				Value:    []int64{-s.Base},
				Label:    siteLabels(s.Category, map[string][]string{diffBaseLabel: {"true"}}),
			})
		}
	}
	return b.write(w)
}

// Sample types of the trend export, in this order.
const (
	growthType      = "growth_per_lifecycle" // the engine's slope, rounded to the unit
	totalGrowthType = "total_growth"         // last value minus first
	lastValueType   = "last"                 // the site's value at the last snapshot
)

// WriteTrendPprof writes a trend as a gzipped profile.proto whose values are
// each site's growth: sample type growth_per_lifecycle (the default; the
// engine's slope rounded to whole units), total_growth (last value minus
// first) and last (the site's value in the last snapshot), all in the metric's
// unit. Each sample carries the site's stack and a "verdict" label, so
// `go tool pprof -http : FILE` draws a flame graph of growth per restart and
// `-tagfocus verdict=leak` keeps only the leaks.
func WriteTrendPprof(w io.Writer, res *dumpdiff.TrendResult) error {
	unit := clean(res.Metric.Unit)
	b := newProfileBuilder([]*profile.ValueType{
		{Type: growthType, Unit: unit},
		{Type: totalGrowthType, Unit: unit},
		{Type: lastValueType, Unit: unit},
	})
	b.p.DefaultSampleType = growthType
	b.p.Comments = []string{
		"dumpdiff trend of " + clean(res.Metric.Name) + ": " + seriesSummary(res.Snapshots),
		FloorText(res.Floor, unit),
	}
	for i := range res.Sites {
		s := res.Site(i)
		var last int64
		if len(s.Values) > 0 {
			last = s.Values[len(s.Values)-1]
		}
		growth := roundGrowth(s.Growth)
		if growth == 0 && s.TotalGrowth == 0 && last == 0 {
			continue
		}
		b.p.Sample = append(b.p.Sample, &profile.Sample{
			Location: b.stack(s.Frames, s.Title, s.Key, s.Category),
			Value:    []int64{growth, s.TotalGrowth, last},
			Label:    siteLabels(s.Category, map[string][]string{"verdict": {string(s.Verdict)}}),
		})
	}
	return b.write(w)
}

// roundGrowth rounds a slope to whole units; NaN and infinities become 0.
func roundGrowth(g float64) int64 {
	if math.IsNaN(g) || math.IsInf(g, 0) {
		return 0
	}
	return int64(math.Round(g))
}

// siteLabels adds the site's category (when it has one) to extra.
func siteLabels(category string, extra map[string][]string) map[string][]string {
	if category == "" {
		return extra
	}
	if extra == nil {
		extra = map[string][]string{}
	}
	extra["category"] = []string{clean(category)}
	return extra
}

// profileBuilder assembles a profile, sharing functions, mappings and
// locations between samples that reach the same frame.
type profileBuilder struct {
	p         *profile.Profile
	functions map[[2]string]*profile.Function
	mappings  map[string]*profile.Mapping
	locations map[locationKey]*profile.Location
}

// locationKey identifies one frame: its function, file, line and module.
type locationKey struct {
	function, file, module string
	line                   int64
}

func newProfileBuilder(types []*profile.ValueType) *profileBuilder {
	return &profileBuilder{
		p:         &profile.Profile{SampleType: types},
		functions: map[[2]string]*profile.Function{},
		mappings:  map[string]*profile.Mapping{},
		locations: map[locationKey]*profile.Location{},
	}
}

// stack returns the locations of frames, innermost first as in profile.proto.
// A site with no frames (grouped by category, or an NMT summary) gets one
// frame named after its title, category or key, so it still shows up.
func (b *profileBuilder) stack(frames []dumpdiff.Frame, title, key, category string) []*profile.Location {
	if len(frames) == 0 {
		name := title
		if name == "" {
			name = category
		}
		if name == "" {
			name = key
		}
		frames = []dumpdiff.Frame{{Function: name}}
	}
	locs := make([]*profile.Location, len(frames))
	for i, f := range frames {
		locs[i] = b.location(f)
	}
	return locs
}

func (b *profileBuilder) location(f dumpdiff.Frame) *profile.Location {
	k := locationKey{function: clean(f.Name()), file: clean(f.File), module: clean(f.Module), line: f.Line}
	if l, ok := b.locations[k]; ok {
		return l
	}
	fk := [2]string{k.function, k.file}
	fn, ok := b.functions[fk]
	if !ok {
		fn = &profile.Function{ID: uint64(len(b.p.Function) + 1), Name: k.function, SystemName: k.function, Filename: k.file}
		b.functions[fk] = fn
		b.p.Function = append(b.p.Function, fn)
	}
	l := &profile.Location{ID: uint64(len(b.p.Location) + 1), Line: []profile.Line{{Function: fn, Line: k.line}}}
	if k.module != "" {
		m, ok := b.mappings[k.module]
		if !ok {
			// Our locations carry no addresses; the mapping only names the
			// module, and says the frames are already symbolised so pprof
			// does not try to symbolise them again.
			m = &profile.Mapping{ID: uint64(len(b.p.Mapping) + 1), File: k.module, HasFunctions: true,
				HasFilenames: k.file != "", HasLineNumbers: k.line > 0}
			b.mappings[k.module] = m
			b.p.Mapping = append(b.p.Mapping, m)
		}
		l.Mapping = m
	}
	b.locations[k] = l
	b.p.Location = append(b.p.Location, l)
	return l
}

// write checks the profile and writes it gzipped.
func (b *profileBuilder) write(w io.Writer) error {
	if err := b.p.CheckValid(); err != nil {
		return err
	}
	return b.p.Write(w)
}
