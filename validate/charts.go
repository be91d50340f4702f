package validate

import (
	"math"
	"slices"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Charts holds the data the report's charts are drawn from that the rest
// of the report does not have (report.json "charts"; the top issues chart
// uses Issues). Every figure is exact: it is counted over every record,
// not over the summary's sample.
type Charts struct {
	// RecordsPerMonth counts the valid records (committed, or to be
	// committed on a dry run) per month of their creation, oldest first,
	// months without records left out.
	RecordsPerMonth []MonthCount `json:"records_per_month"`
	// TotalsHistogram is the distribution of the orders' totals; absent
	// when the import holds no valid order.
	TotalsHistogram *Histogram `json:"totals_histogram,omitempty"`
}

// MonthCount is the number of records of one month.
type MonthCount struct {
	// Month is YYYY-MM, the value of the created_month partition.
	Month string `json:"month"`
	// Records is the number of valid records created in Month; Changed
	// how many of them are added or updated (the rest are unchanged).
	Records int64 `json:"records"`
	Changed int64 `json:"changed"`
}

// Histogram counts values in bins [Lo, Hi). The bins are fixed before any
// value is seen, on a 1-2-5 logarithmic scale (…, 10, 20, 50, 100, …), so
// that they can be counted exactly while the import streams and still
// read well when a few values are a thousand times the typical one; the
// first bin holds the values below 1 (zero and negative ones included),
// and empty bins at either end are left out.
type Histogram struct {
	// Table and Column name what is counted, e.g. orders.total.
	Table  string `json:"table"`
	Column string `json:"column"`
	// Scale is "log125": bin edges 1, 2, 5 times powers of ten.
	Scale string `json:"scale"`
	Bins  []Bin  `json:"bins"`
	// Count is the sum of the bins' counts.
	Count int64 `json:"count"`
	// Superseded is how many of Count are orders that a later run of the
	// same order replaced: the histogram is built while the rows stream,
	// before supersession is settled, so Count - Superseded is the number
	// of valid records.
	Superseded int64 `json:"superseded,omitempty"`
	// Negative is how many of the first bin's values are below zero.
	Negative int64 `json:"negative,omitempty"`
}

// Bin is one bar of a Histogram: Count values v with Lo <= v < Hi. The
// first bin has no lower bound (Lo is null in JSON) and the last may have
// no upper bound (Hi is null).
type Bin struct {
	Lo    *float64 `json:"lo"`
	Hi    *float64 `json:"hi"`
	Count int64    `json:"count"`
}

// histEdges are the 1-2-5 edges from 1 to 5e12; a value v >= 1 falls in
// bin i+1 when histEdges[i] <= v < histEdges[i+1].
var histEdges = func() []float64 {
	var e []float64
	for p := 1.0; p < 1e13; p *= 10 {
		e = append(e, p, 2*p, 5*p)
	}
	return e
}()

// histBin returns the bin of v: 0 below 1, else 1 + the index of the
// largest edge <= v. A NaN counts in bin 0.
func histBin(v float64) int {
	if !(v >= 1) {
		return 0
	}
	i, found := slices.BinarySearch(histEdges, v)
	if found {
		return i + 1
	}
	return i
}

// histEdgesMoney are histEdges in ten-thousandths (money's scale): the
// largest, 5e12, is 5e16, well inside int64.
var histEdgesMoney = func() []int64 {
	e := make([]int64, len(histEdges))
	for i, x := range histEdges {
		e[i] = int64(x) * 1e4
	}
	return e
}()

// histBinMoney is histBin for a money value v in ten-thousandths, exact:
// 0.9999 is below 1, 1.0000 is in the bin from 1.
func histBinMoney(v int64) int {
	if v < histEdgesMoney[0] {
		return 0
	}
	i, found := slices.BinarySearch(histEdgesMoney, v)
	if found {
		return i + 1
	}
	return i
}

// ChartCollector counts what Charts needs while the writer streams the
// valid records through, per source file (so that the records of a file
// that fails later can be left out). Adding allocates nothing once a
// file's months are known. It is not safe for concurrent use: the writer
// calls it from one goroutine.
type ChartCollector struct {
	files []fileCharts
	// schema is the last schema seen and total the index of its "total"
	// column (-1 if none): looked up once, not per record.
	schema *arrow.Schema
	total  int
}

type fileCharts struct {
	months   map[string]*[2]int64 // partition value (YYYY-MM) → records, changed
	bins     [1 + 3*13]int64      // see histBin
	negative int64
}

// ChartDrop is a valid record that a later one of the same key
// superseded after the writer had counted it: its source file, its
// partition value (YYYY-MM for orders) and whether it was added or
// updated rather than unchanged.
type ChartDrop struct {
	File      int
	Partition string
	Changed   bool
}

func (c *ChartCollector) file(i int) *fileCharts {
	for len(c.files) <= i {
		c.files = append(c.files, fileCharts{months: map[string]*[2]int64{}})
	}
	return &c.files[i]
}

// AddRecords counts rec, records of the kind's main table (orders) from
// source file file, all in partition (the created_month, YYYY-MM) and
// all changed (added or updated) or all unchanged. The totals come from
// rec's "total" column, if it has one of type DECIMAL(18,4) (money,
// binned exactly) or float64.
func (c *ChartCollector) AddRecords(file int, partition string, changed bool, rec arrow.RecordBatch) {
	f := c.file(file)
	n := rec.NumRows()
	m := f.months[partition]
	if m == nil {
		m = new([2]int64)
		f.months[partition] = m
	}
	m[0] += n
	if changed {
		m[1] += n
	}
	if sc := rec.Schema(); sc != c.schema {
		c.schema, c.total = sc, -1
		if idx := sc.FieldIndices("total"); len(idx) > 0 {
			c.total = idx[0]
		}
	}
	if c.total < 0 {
		return
	}
	switch col := rec.Column(c.total).(type) {
	case *array.Decimal128: // money, DECIMAL(18,4): binned exactly
		vals := col.Values()
		nulls := col.NullN() > 0
		for i := range vals {
			if nulls && col.IsNull(i) {
				continue
			}
			v := int64(vals[i].LowBits())
			f.bins[histBinMoney(v)]++
			if v < 0 {
				f.negative++
			}
		}
	case *array.Float64:
		vals := col.Float64Values()
		nulls := col.NullN() > 0
		for i, v := range vals {
			if nulls && col.IsNull(i) {
				continue
			}
			f.bins[histBin(v)]++
			if v < 0 {
				f.negative++
			}
		}
	}
}

// Charts returns the charts of the files that did not fail, with the
// superseded runs drops taken out of the months (the histogram counts
// them, see Histogram.Superseded). It returns nil when nothing was
// counted.
func (c *ChartCollector) Charts(failed func(file int) bool, drops []ChartDrop) *Charts {
	months := map[string]*[2]int64{}
	var bins [len(fileCharts{}.bins)]int64
	var negative, superseded int64
	any := false
	for i := range c.files {
		if failed != nil && failed(i) {
			continue
		}
		f := &c.files[i]
		for m, n := range f.months {
			any = true
			t := months[m]
			if t == nil {
				t = new([2]int64)
				months[m] = t
			}
			t[0] += n[0]
			t[1] += n[1]
		}
		for b, n := range f.bins {
			bins[b] += n
		}
		negative += f.negative
	}
	for _, d := range drops {
		if failed != nil && failed(d.File) {
			continue
		}
		superseded++
		if t := months[d.Partition]; t != nil {
			t[0]--
			if d.Changed {
				t[1]--
			}
		}
	}
	if !any {
		return nil
	}
	ch := &Charts{RecordsPerMonth: []MonthCount{}}
	keys := make([]string, 0, len(months))
	for m := range months {
		keys = append(keys, m)
	}
	slices.Sort(keys)
	for _, m := range keys {
		if t := months[m]; t[0] > 0 {
			ch.RecordsPerMonth = append(ch.RecordsPerMonth, MonthCount{Month: m, Records: t[0], Changed: t[1]})
		}
	}
	lo, hi := -1, -1
	var count int64
	for b, n := range bins {
		if n > 0 {
			if lo < 0 {
				lo = b
			}
			hi = b
			count += n
		}
	}
	if count > 0 {
		h := &Histogram{Table: "orders", Column: "total", Scale: "log125", Count: count, Superseded: superseded, Negative: negative}
		for b := lo; b <= hi; b++ {
			bin := Bin{Count: bins[b]}
			if b > 0 {
				bin.Lo = ptr(histEdges[b-1])
			}
			if b < len(histEdges) {
				bin.Hi = ptr(histEdges[b])
			}
			h.Bins = append(h.Bins, bin)
		}
		ch.TotalsHistogram = h
	}
	return ch
}

func ptr(f float64) *float64 { return &f }

// binLabel renders a bin's range for people: "< 1", "10–20", "≥ 5,000".
func binLabel(b Bin) string {
	switch {
	case b.Lo == nil && b.Hi == nil:
		return "all"
	case b.Lo == nil:
		return "< " + shortNumber(*b.Hi)
	case b.Hi == nil:
		return "≥ " + shortNumber(*b.Lo)
	}
	return shortNumber(*b.Lo) + "–" + shortNumber(*b.Hi)
}

// shortNumber writes 1-2-5 edges compactly: 500, 2k, 50k, 1M, 2G.
func shortNumber(v float64) string {
	for _, u := range []struct {
		div  float64
		unit string
	}{{1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}} {
		if math.Abs(v) >= u.div {
			return strconv.FormatFloat(v/u.div, 'f', -1, 64) + u.unit
		}
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}
