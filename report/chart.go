package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// This file lays out the SVG line charts of the HTML report: plain geometry
// and axis ticks, no HTML. All coordinates are in the SVG's viewBox units.

// svgChart is a line chart of one series of values, laid out for a template.
type svgChart struct {
	Width, Height float64
	// Plot area: left, top, right, bottom edges.
	Left, Top, Right, Bottom float64
	Line                     string // polyline points "x,y x,y …"
	Area                     string // polygon points closing Line down to the baseline
	Points                   []svgPoint
	YTicks                   []svgTick
	XTicks                   []svgTick
	Color                    string
	Label                    string // accessible description of the chart
}

// Mid is the horizontal centre of the plot area, where the x axis title goes.
func (c svgChart) Mid() float64 { return round2((c.Left + c.Right) / 2) }

// svgPoint is one value of a chart, with its tooltip.
type svgPoint struct {
	X, Y  float64
	Title string
}

// svgTick is an axis tick: its position along the axis and its label.
type svgTick struct {
	Pos   float64
	Label string
}

// lineChart lays out values (one per lifecycle, labelled by lifecycles) in a
// width×height box with axes, using unit to label the y axis.
func lineChart(values []int64, lifecycles []int, unit string, width, height float64, color, label string) svgChart {
	c := svgChart{Width: width, Height: height, Left: 64, Top: 12, Right: width - 14, Bottom: height - 38, Color: color, Label: label}
	if len(values) == 0 {
		return c
	}
	lo, hi := values[0], values[0]
	for _, v := range values {
		lo, hi = min(lo, v), max(hi, v)
	}
	// Memory charts start at zero so a small rise does not look like a cliff.
	lo = min(lo, 0)
	ticks, tlo, thi := axisTicks(float64(lo), float64(hi), unit)
	y := func(v float64) float64 {
		if thi == tlo {
			return c.Bottom
		}
		return c.Bottom - (v-tlo)/(thi-tlo)*(c.Bottom-c.Top)
	}
	x := func(i int) float64 {
		if len(values) == 1 {
			return (c.Left + c.Right) / 2
		}
		return c.Left + float64(i)/float64(len(values)-1)*(c.Right-c.Left)
	}
	for _, t := range ticks {
		c.YTicks = append(c.YTicks, svgTick{Pos: round2(y(t)), Label: tickLabel(t, ticks, unit)})
	}
	var line []string
	for i, v := range values {
		px, py := round2(x(i)), round2(y(float64(v)))
		line = append(line, coord(px, py))
		lc := i
		if i < len(lifecycles) {
			lc = lifecycles[i]
		}
		c.Points = append(c.Points, svgPoint{X: px, Y: py, Title: fmt.Sprintf("lifecycle %d: %s", lc, FormatQuantity(float64(v), unit))})
	}
	c.Line = strings.Join(line, " ")
	base := round2(y(max(tlo, 0)))
	c.Area = coord(round2(x(0)), base) + " " + c.Line + " " + coord(round2(x(len(values)-1)), base)
	// Label at most ~10 lifecycles so the axis stays readable.
	step := max(1, (len(values)+9)/10)
	for i := 0; i < len(values); i += step {
		lc := i
		if i < len(lifecycles) {
			lc = lifecycles[i]
		}
		c.XTicks = append(c.XTicks, svgTick{Pos: round2(x(i)), Label: strconv.Itoa(lc)})
	}
	return c
}

// sparkChart is a small line without axes for a table cell.
func sparkChart(values []int64, width, height float64, color string) svgChart {
	c := svgChart{Width: width, Height: height, Left: 2, Top: 2, Right: width - 2, Bottom: height - 2, Color: color}
	if len(values) == 0 {
		return c
	}
	lo, hi := sparkRange(values)
	var line []string
	for i, v := range values {
		px := (c.Left + c.Right) / 2
		if len(values) > 1 {
			px = c.Left + float64(i)/float64(len(values)-1)*(c.Right-c.Left)
		}
		py := c.Bottom // every value zero (sparkRange spans zero otherwise)
		if hi > lo {
			py = c.Bottom - float64(v-lo)/float64(hi-lo)*(c.Bottom-c.Top)
		}
		line = append(line, coord(round2(px), round2(py)))
		c.Points = append(c.Points, svgPoint{X: round2(px), Y: round2(py)})
	}
	c.Line = strings.Join(line, " ")
	return c
}

func coord(x, y float64) string {
	return strconv.FormatFloat(x, 'f', -1, 64) + "," + strconv.FormatFloat(y, 'f', -1, 64)
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

// axisTicks picks 3–6 round tick values covering [lo, hi]: steps of 1, 2 or 5
// times a power of ten, in KiB/MiB/GiB for bytes so labels read "2 MiB"
// rather than "2.1 MB". It returns the ticks and the axis range they span.
func axisTicks(lo, hi float64, unit string) ([]float64, float64, float64) {
	if hi <= lo {
		if hi == 0 {
			return []float64{0}, 0, 1
		}
		lo, hi = min(lo, 0), max(hi, 0)
		if hi == lo {
			return []float64{lo}, lo - 1, lo + 1
		}
	}
	scale := 1.0
	if unit == "bytes" {
		for m := math.Max(math.Abs(lo), math.Abs(hi)); m/scale >= 1024 && scale < 1<<60; {
			scale *= 1024
		}
	}
	raw := (hi - lo) / scale / 4
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	step *= scale
	start := math.Floor(lo/step) * step
	end := math.Ceil(hi/step) * step
	var ticks []float64
	for v := start; v <= end+step/2; v += step {
		ticks = append(ticks, v)
	}
	return ticks, start, end
}

// tickLabel formats an axis tick with just enough decimals to tell the ticks
// apart: "0", "512 KiB", "1.5 MiB".
func tickLabel(v float64, ticks []float64, unit string) string {
	if v == 0 {
		return "0"
	}
	if unit != "bytes" {
		return FormatQuantity(v, unit)
	}
	scale, i := 1.0, 0
	var m float64
	for _, t := range ticks {
		m = math.Max(m, math.Abs(t))
	}
	for m/scale >= 1024 && i < len(binaryPrefixes)-1 {
		scale *= 1024
		i++
	}
	step := math.Abs(ticks[len(ticks)-1]-ticks[0]) / math.Max(1, float64(len(ticks)-1)) / scale
	decimals := 0
	for step < 1 && decimals < 3 && step > 0 {
		step *= 10
		decimals++
	}
	return strconv.FormatFloat(v/scale, 'f', decimals, 64) + " " + binaryPrefixes[i] + "B"
}
