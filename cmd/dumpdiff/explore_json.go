package main

import (
	"encoding/json"
	"io"
	"math"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
)

// The explorer's JSON export writes the engine's result structs, whose
// field names are the dumpdiff.trend/v1 and dumpdiff.compare/v1 schemas of
// DESIGN.md, headed by the schema field. Infinities, which JSON cannot
// hold, become null as the contract's comments say.
// TODO(lead): switch to report.WriteTrendJSON/WriteCompareJSON once they land.

type projectionJSON struct {
	*dumpdiff.Projection
	Lifecycles *float64 `json:"lifecycles,omitempty"`
}

func finite(f float64) *float64 {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil
	}
	return &f
}

func writeTrendJSON(w io.Writer, res *dumpdiff.TrendResult) error {
	out := struct {
		Schema string `json:"schema"`
		*dumpdiff.TrendResult
		Projection *projectionJSON `json:"projection,omitempty"`
	}{Schema: "dumpdiff.trend/v1", TrendResult: res}
	if res.Projection != nil {
		out.Projection = &projectionJSON{res.Projection, finite(res.Projection.Lifecycles)}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

type pairSiteJSON struct {
	dumpdiff.PairSite
	DeltaPct *float64 `json:"delta_pct"`
}

func writeCompareJSON(w io.Writer, res *dumpdiff.CompareResult) error {
	sites := make([]pairSiteJSON, len(res.Sites))
	for i, s := range res.Sites {
		sites[i] = pairSiteJSON{s, finite(s.DeltaPct)}
	}
	out := struct {
		Schema string `json:"schema"`
		*dumpdiff.CompareResult
		Sites []pairSiteJSON `json:"sites"`
	}{Schema: "dumpdiff.compare/v1", CompareResult: res, Sites: sites}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
