package validate

import (
	"math"
	"strconv"
)

// barChart is the geometry of one inline SVG bar chart, computed in Go
// and drawn by the report template: every coordinate is a number and
// every text goes through html/template's escaping.
type barChart struct {
	ID     string // the element id, also used for aria-labelledby
	Title  string
	Desc   string // one sentence for screen readers and the caption
	Width  int
	Height int
	// The plot area.
	Left, Top, Right, Bottom float64
	XLabel, YLabel           string
	Bars                     []svgBar
	XTicks, YTicks           []svgTick
	Legend                   []svgLegend
	// Horizontal is true for the top-issues chart: bars grow to the right
	// and the categories are on the Y axis.
	Horizontal bool
}

// svgBar is one rectangle with its tooltip; ValueX/ValueY place an
// optional value label.
type svgBar struct {
	X, Y, W, H     float64
	Class          string
	Tip            string
	Value          string
	ValueX, ValueY float64
}

// svgTick is a tick mark with its label at (X, Y).
type svgTick struct {
	X, Y   float64
	Label  string
	Rotate bool
	Anchor string // start, middle, end
}

type svgLegend struct {
	X, Y  float64
	Class string
	Label string
}

// niceTicks returns round tick values from 0 to at least max: about n
// steps of 1, 2 or 5 times a power of ten, and at least 1 (the charts
// count things).
func niceTicks(max float64, n int) []float64 {
	if max <= 0 {
		return []float64{0, 1}
	}
	raw := math.Max(max/float64(n), 1) // counts: whole steps
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	step := p
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			step = m * p
			break
		}
	}
	var ticks []float64
	for v := 0.0; ; v += step {
		ticks = append(ticks, v)
		if v >= max {
			break
		}
	}
	return ticks
}

// tickLabel formats a tick value: grouped integers, else up to two decimals.
func tickLabel(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return group(int64(v))
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// columnChart lays out vertical bars, one per category, each made of
// stacked segments (values[i][k] for segment k, with class classes[k]).
// Every labelEvery-th category gets its label on the X axis.
func columnChart(id, title, desc, xLabel, yLabel string, cats []string, values [][]int64, classes, legend []string, labelEvery int, rotate bool) *barChart {
	c := &barChart{ID: id, Title: title, Desc: desc, Width: 960, Height: 340, XLabel: xLabel, YLabel: yLabel,
		Left: 76, Top: 34, Right: 944, Bottom: 260}
	if !rotate {
		c.Height, c.Bottom = 310, 250
	}
	var max int64
	for _, vs := range values {
		var s int64
		for _, v := range vs {
			s += v
		}
		max = maxInt(max, s)
	}
	ticks := niceTicks(float64(max), 5)
	top := ticks[len(ticks)-1]
	h := c.Bottom - c.Top
	for _, t := range ticks {
		c.YTicks = append(c.YTicks, svgTick{X: c.Left - 8, Y: c.Bottom - t/top*h, Label: tickLabel(t), Anchor: "end"})
	}
	n := len(cats)
	if n == 0 {
		return c
	}
	// Slots of at most 80 units, centred: a chart of a few bars keeps
	// them narrow.
	slot := math.Min((c.Right-c.Left)/float64(n), 80)
	off := c.Left + ((c.Right-c.Left)-slot*float64(n))/2
	w := math.Max(slot*0.8, 1)
	labelEvery = max1(labelEvery)
	for i, cat := range cats {
		x := off + float64(i)*slot + (slot-w)/2
		y := c.Bottom
		var total int64
		for k, v := range values[i] {
			total += v
			if v == 0 {
				continue
			}
			bh := float64(v) / top * h
			y -= bh
			tip := cat + ": " + group(v)
			if len(legend) > k && legend[k] != "" {
				tip += " " + legend[k]
			}
			c.Bars = append(c.Bars, svgBar{X: x, Y: y, W: w, H: bh, Class: classes[k], Tip: tip})
		}
		if n <= 16 && total > 0 && len(c.Bars) > 0 {
			b := &c.Bars[len(c.Bars)-1]
			b.Value, b.ValueX, b.ValueY = group(total), x+w/2, y-5
		}
		if i%labelEvery == 0 || n <= 16 {
			t := svgTick{X: x + w/2, Y: c.Bottom + 16, Label: cat, Anchor: "middle"}
			if rotate {
				t.Rotate, t.Anchor, t.Y = true, "end", c.Bottom+12
			}
			c.XTicks = append(c.XTicks, t)
		}
	}
	for k, l := range legend {
		c.Legend = append(c.Legend, svgLegend{X: c.Right - 330 + float64(k)*170, Y: 12, Class: classes[k], Label: l})
	}
	return c
}

// rowChart lays out horizontal bars, one per category, longest first as
// given.
func rowChart(id, title, desc, xLabel string, cats []string, values []int64, classes []string, notes []string) *barChart {
	const rowH = 26
	c := &barChart{ID: id, Title: title, Desc: desc, Width: 960, XLabel: xLabel, Horizontal: true,
		Left: 330, Top: 16, Right: 880}
	c.Bottom = c.Top + float64(len(cats))*rowH
	c.Height = int(c.Bottom) + 50
	var max int64
	for _, v := range values {
		max = maxInt(max, v)
	}
	ticks := niceTicks(float64(max), 5)
	top := ticks[len(ticks)-1]
	wid := c.Right - c.Left
	for _, t := range ticks {
		c.XTicks = append(c.XTicks, svgTick{X: c.Left + t/top*wid, Y: c.Bottom + 16, Label: tickLabel(t), Anchor: "middle"})
	}
	for i, cat := range cats {
		y := c.Top + float64(i)*rowH
		bw := float64(values[i]) / top * wid
		tip := cat + ": " + group(values[i])
		if i < len(notes) && notes[i] != "" {
			tip += " (" + notes[i] + ")"
		}
		c.Bars = append(c.Bars, svgBar{X: c.Left, Y: y + 4, W: math.Max(bw, 1), H: rowH - 8, Class: classes[i], Tip: tip,
			Value: group(values[i]), ValueX: c.Left + bw + 6, ValueY: y + rowH/2 + 4})
		c.YTicks = append(c.YTicks, svgTick{X: c.Left - 8, Y: y + rowH/2 + 4, Label: cat, Anchor: "end"})
	}
	return c
}

func maxInt(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

func max1(n int) int {
	if n < 1 {
		return 1
	}
	return n
}
