package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"runtime"
	"sync"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
)

// JSON schema names. A schema version never renames or drops a field.
const (
	TrendSchema   = "dumpdiff.trend/v1"
	CompareSchema = "dumpdiff.compare/v1"
)

// jsonFloat is a float64 that encodes NaN and ±Inf, which JSON cannot hold,
// as null, and integral values without an exponent.
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	return appendJSONFloat(nil, float64(f)), nil
}

type jsonMetric struct {
	Name string `json:"name"`
	Unit string `json:"unit"`
}

type jsonSnapshot struct {
	Path      string `json:"path"`
	Format    string `json:"format"`
	Lifecycle int    `json:"lifecycle"`
	Total     int64  `json:"total"`
	RSS       int64  `json:"rss,omitempty"` // resident bytes, when the producer samples it (heaptrack)
}

type jsonFrame struct {
	Function string `json:"function"`
	File     string `json:"file"`
	Line     int64  `json:"line"`
	Module   string `json:"module"`
}

type jsonProjection struct {
	Limit      int64     `json:"limit"`
	Lifecycles jsonFloat `json:"lifecycles"` // null when the total is not growing
	Growing    bool      `json:"growing"`
}

type jsonTrendTotal struct {
	Growth     jsonFloat       `json:"growth_per_lifecycle"`
	Values     []int64         `json:"values"`                             // the snapshots' totals, in series order
	Projection *jsonProjection `json:"projection,omitempty"`               // only with --limit
	RSSGrowth  jsonFloat       `json:"rss_growth_per_lifecycle,omitempty"` // only when every snapshot has an RSS
}

type jsonTrendSite struct {
	Rank      int         `json:"rank"`
	Key       string      `json:"key"`
	Title     string      `json:"title"`
	Frames    []jsonFrame `json:"frames"`
	Category  string      `json:"category"`
	Values    []int64     `json:"values"`
	Growth    jsonFloat   `json:"growth_per_lifecycle"`
	Total     int64       `json:"total_growth"` // last value minus the first
	R2        jsonFloat   `json:"r2"`
	MKP       jsonFloat   `json:"mk_p"`
	Monotonic jsonFloat   `json:"monotonic"`
	Verdict   string      `json:"verdict"`
}

// jsonFloor is the leak floor: trends slower than per_lifecycle are creep.
type jsonFloor struct {
	PerLifecycle jsonFloat  `json:"per_lifecycle"` // metric units per lifecycle; 0 when off
	Share        *jsonFloat `json:"share"`         // share of median_total it was taken from; null when given as a size or off
	MedianTotal  int64      `json:"median_total"`  // median of the snapshots' totals before --focus/--ignore
}

type jsonTrend struct {
	Schema    string          `json:"schema"`
	Metric    jsonMetric      `json:"metric"`
	GroupBy   string          `json:"group_by"`
	Snapshots []jsonSnapshot  `json:"snapshots"`
	Total     jsonTrendTotal  `json:"total"`
	MinGrowth jsonFloor       `json:"min_growth"`
	Sites     []jsonTrendSite `json:"-"`          // streamed last, by writeJSONWithSites
	SiteCount int             `json:"site_count"` // sites before --top
}

func floorJSON(f dumpdiff.Floor) jsonFloor {
	out := jsonFloor{PerLifecycle: jsonFloat(f.PerLifecycle), MedianTotal: f.MedianTotal}
	if f.Share > 0 {
		share := jsonFloat(f.Share)
		out.Share = &share
	}
	return out
}

type jsonPairSite struct {
	Rank     int         `json:"rank"`
	Key      string      `json:"key"`
	Title    string      `json:"title"`
	Frames   []jsonFrame `json:"frames"`
	Category string      `json:"category"`
	Base     int64       `json:"base"`
	Target   int64       `json:"target"`
	Delta    int64       `json:"delta"`
	DeltaPct jsonFloat   `json:"delta_pct"` // null for new sites
	Status   string      `json:"status"`
}

type jsonCompare struct {
	Schema     string         `json:"schema"`
	Metric     jsonMetric     `json:"metric"`
	Base       jsonSnapshot   `json:"base"`
	Target     jsonSnapshot   `json:"target"`
	Normalized bool           `json:"normalized,omitempty"` // base scaled to the target's total (--normalize)
	Sites      []jsonPairSite `json:"-"`                    // streamed last, by writeJSONWithSites
}

func snapshotJSON(s dumpdiff.SnapshotInfo) jsonSnapshot {
	return jsonSnapshot{Path: s.Path, Format: string(s.Format), Lifecycle: s.Lifecycle, Total: s.Total, RSS: s.RSS}
}

func framesJSON(fs []dumpdiff.Frame) []jsonFrame {
	out := make([]jsonFrame, len(fs))
	for i, f := range fs {
		out[i] = jsonFrame{Function: f.Function, File: f.File, Line: f.Line, Module: f.Module}
	}
	return out
}

// WriteTrendJSON writes a trend result in the dumpdiff.trend/v1 schema
// (DESIGN.md): sizes are exact integers in the metric's unit, and a
// statistic that has no finite value is null.
func WriteTrendJSON(w io.Writer, res *dumpdiff.TrendResult) error {
	out := jsonTrend{
		Schema:    TrendSchema,
		Metric:    jsonMetric{Name: res.Metric.Name, Unit: res.Metric.Unit},
		GroupBy:   string(res.GroupBy),
		Snapshots: make([]jsonSnapshot, len(res.Snapshots)),
		Total:     jsonTrendTotal{Growth: jsonFloat(res.Total.Growth), Values: totalValues(res.Total.Values), RSSGrowth: jsonFloat(res.Total.RSSGrowth)},
		MinGrowth: floorJSON(res.Floor),
		SiteCount: res.SiteCount,
	}
	for i, s := range res.Snapshots {
		out.Snapshots[i] = snapshotJSON(s)
	}
	if p := res.Projection; p != nil {
		out.Total.Projection = &jsonProjection{Limit: p.Limit, Lifecycles: jsonFloat(p.Lifecycles), Growing: p.Growing}
	}
	return writeJSONWithSites(w, out, len(res.Sites), func(b []byte, i int) []byte { return appendTrendSiteJSON(b, res.Site(i)) })
}

// totalValues keeps "values" an array in JSON even when there are none.
func totalValues(v []int64) []int64 {
	if v == nil {
		return []int64{}
	}
	return v
}

// WriteCompareJSON writes a pair diff in the dumpdiff.compare/v1 schema.
func WriteCompareJSON(w io.Writer, res *dumpdiff.CompareResult) error {
	out := jsonCompare{
		Schema:     CompareSchema,
		Metric:     jsonMetric{Name: res.Metric.Name, Unit: res.Metric.Unit},
		Base:       snapshotJSON(res.Base),
		Target:     snapshotJSON(res.Target),
		Normalized: res.Normalized,
	}
	return writeJSONWithSites(w, out, len(res.Sites), func(b []byte, i int) []byte { return appendPairSiteJSON(b, res.Site(i)) })
}

// writeJSONWithSites writes head as an indented JSON object with a last
// field "sites" holding n elements, each appended by site (see
// jsonsite.go) as it is written: a result with hundreds of thousands of
// sites is never built (and indented) whole in memory.
func writeJSONWithSites(w io.Writer, head any, n int, site func(b []byte, i int) []byte) error {
	var buf bytes.Buffer
	if err := encodeJSON(&buf, head); err != nil {
		return err
	}
	// Reopen the object: drop its closing "}" line.
	obj := bytes.TrimRight(buf.Bytes(), "\n")
	obj = bytes.TrimRight(obj[:len(obj)-1], "\n")
	bw := bufio.NewWriterSize(w, 256<<10)
	bw.Write(EscapeJSON(obj))
	if n == 0 {
		bw.WriteString(",\n  \"sites\": []\n}\n")
		return bw.Flush()
	}
	bw.WriteString(",\n  \"sites\": [\n")
	if err := writeSites(bw, n, site); err != nil {
		return err
	}
	bw.WriteString("  ]\n}\n")
	return bw.Flush()
}

// appendSiteLine appends site i as a line of the "sites" array of n.
func appendSiteLine(b []byte, i, n int, site func(b []byte, i int) []byte) []byte {
	b = append(b, "    "...)
	b = site(b, i)
	if i < n-1 {
		b = append(b, ',')
	}
	return append(b, '\n')
}

// siteChunk is how many sites one goroutine encodes at a time: a few
// hundred KB of JSON for deep stacks.
const siteChunk = 64

// writeSites writes the n sites, each on its line. With --top 0 a large
// series has hundreds of thousands of sites and gigabytes of JSON, and
// encoding them (building each site's key and frames, escaping every name)
// costs more than ranking them: chunks of sites are encoded on every core
// and written in order, a few chunks ahead of the writer at most, so memory
// stays near a few chunks. A site function must then be safe to call from
// several goroutines at once, as TrendResult.Site and CompareResult.Site
// are.
func writeSites(w io.Writer, n int, site func(b []byte, i int) []byte) error {
	workers := min(runtime.GOMAXPROCS(0), n/(4*siteChunk))
	if workers < 2 {
		var b []byte
		for i := range n {
			b = appendSiteLine(b[:0], i, n, site)
			if _, err := w.Write(b); err != nil { // site escapes what EscapeJSON would
				return err
			}
		}
		return nil
	}
	type chunk struct {
		from int
		out  chan []byte
	}
	// At most ahead chunks wait in order, one more is being written and
	// one more sent: their buffers are reused.
	ahead := 2 * workers
	free := make(chan []byte, ahead+2)
	jobs := make(chan chunk, ahead)
	order := make(chan chunk, ahead)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for c := range jobs {
				var b []byte
				select {
				case b = <-free:
				default:
				}
				for i := c.from; i < min(c.from+siteChunk, n); i++ {
					b = appendSiteLine(b, i, n, site)
				}
				c.out <- b // buffered: never waits
			}
		})
	}
	go func() {
		defer close(order)
		defer close(jobs)
		for from := 0; from < n; from += siteChunk {
			c := chunk{from: from, out: make(chan []byte, 1)}
			select {
			case jobs <- c:
			case <-stop:
				return
			}
			select {
			case order <- c:
			case <-stop:
				return
			}
		}
	}()
	var err error
	for c := range order {
		if err != nil {
			continue // the feeder stops; queued chunks are encoded and dropped
		}
		b := <-c.out
		if _, err = w.Write(b); err != nil { // site escapes what EscapeJSON would
			close(stop)
		}
		select {
		case free <- b[:0]:
		default:
		}
	}
	wg.Wait()
	return err
}

func encodeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
