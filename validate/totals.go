package validate

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"ingot/columnar"
)

// TableTotals accumulates the exact statistics of a table's columns over
// every row: counts, nulls, and for numbers and timestamps minima, maxima
// and means (true/false counts for booleans, element counts and mean
// lengths for lists). They cost a nanosecond or two a value, so an import
// keeps them for all its rows and gives the Summariser (DuckDB) only a
// sample for the rest: distinct counts, top values, and the smallest and
// largest strings.
type TableTotals struct {
	schema *arrow.Schema
	cols   []colTotals
	rows   int64
}

type colTotals struct {
	count, nulls   int64
	has            bool // min and max are set
	minF, maxF     float64
	minI, maxI     int64
	sum            float64
	elements       int64
	trues, falses  int64
	numeric, isInt bool
	money          bool           // DECIMAL(18,4): minI, maxI and sumM in ten-thousandths
	sumM           decimal128.Num // exact sum of a money column
}

// NewTableTotals returns empty totals for schema.
func NewTableTotals(schema *arrow.Schema) *TableTotals {
	return &TableTotals{schema: schema, cols: make([]colTotals, schema.NumFields())}
}

// Add counts the rows of rec, whose schema must be the table's.
func (t *TableTotals) Add(rec arrow.RecordBatch) {
	n := int(rec.NumRows())
	t.rows += int64(n)
	for c := range t.cols {
		ct := &t.cols[c]
		a := rec.Column(c)
		ct.count += int64(n)
		ct.nulls += int64(a.NullN())
		switch a := a.(type) {
		case *array.Float64:
			ct.numeric = true
			floats(ct, a, a.Float64Values())
		case *array.Decimal128:
			ct.numeric, ct.money = true, true
			money(ct, a)
		case *array.Int64:
			ct.numeric, ct.isInt = true, true
			ints(ct, a, a.Int64Values())
		case *array.Int32:
			ct.numeric, ct.isInt = true, true
			ints(ct, a, a.Int32Values())
		case *array.Timestamp:
			ct.isInt = true
			ints(ct, a, a.TimestampValues())
		case *array.Boolean:
			for i := range n {
				if a.IsValid(i) {
					if a.Value(i) {
						ct.trues++
					} else {
						ct.falses++
					}
				}
			}
		case *array.List:
			items, ok := a.ListValues().(*array.String)
			if !ok {
				continue
			}
			offs := columnar.ListOffsets(a)
			for i := range n {
				if a.IsNull(i) {
					continue
				}
				ct.sum += float64(offs[i+1] - offs[i])
				for k := offs[i]; k < offs[i+1]; k++ {
					if items.IsValid(int(k)) {
						ct.elements++
					}
				}
			}
		}
	}
}

// floats folds the valid values of a into c: plain comparisons (the
// parsers never produce NaN), and the validity test only when a has nulls.
func floats(c *colTotals, a arrow.Array, vals []float64) {
	nulls := a.NullN() > 0
	for i, v := range vals {
		if nulls && a.IsNull(i) {
			continue
		}
		if !c.has {
			c.minF, c.maxF, c.has = v, v, true
		}
		if v < c.minF {
			c.minF = v
		}
		if v > c.maxF {
			c.maxF = v
		}
		c.sum += v
	}
}

// money folds the valid values of a DECIMAL(18,4) column into c, exactly:
// extremes and a 128-bit sum of ten-thousandths.
func money(c *colTotals, a *array.Decimal128) {
	nulls := a.NullN() > 0
	var part int64 // partial sum; flushed before it could overflow
	for i, x := range a.Values() {
		if nulls && a.IsNull(i) {
			continue
		}
		v := int64(x.LowBits())
		if !c.has {
			c.minI, c.maxI, c.has = v, v, true
		}
		c.minI = min(c.minI, v)
		c.maxI = max(c.maxI, v)
		// |v| ≤ 1e18 - 1 and |part| < 8e18 keep part + v inside int64.
		if part > 7e18 || part < -7e18 {
			c.sumM = c.sumM.Add(decimal128.FromI64(part))
			part = 0
		}
		part += v
	}
	c.sumM = c.sumM.Add(decimal128.FromI64(part))
}

// moneyNumber renders ten-thousandths as an exact JSON number.
func moneyNumber(v int64) json.Number {
	return json.Number(columnar.AppendMoney(nil, v))
}

// moneySum renders a 128-bit sum of ten-thousandths as an exact JSON number.
func moneySum(n decimal128.Num) json.Number {
	s := n.ToString(columnar.MoneyScale)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return json.Number(s)
}

func ints[T int32 | int64 | arrow.Timestamp](c *colTotals, a arrow.Array, vals []T) {
	nulls := a.NullN() > 0
	for i, x := range vals {
		if nulls && a.IsNull(i) {
			continue
		}
		v := int64(x)
		if !c.has {
			c.minI, c.maxI, c.has = v, v, true
		}
		c.minI = min(c.minI, v)
		c.maxI = max(c.maxI, v)
		c.sum += float64(v)
	}
}

// Rows returns the number of rows counted.
func (t *TableTotals) Rows() int64 { return t.rows }

// Apply puts the exact figures into stats (the Summariser's, computed over
// sampled of the rows): Count, Nulls, Mean and Elements are replaced, and
// Min and Max for numbers, timestamps and booleans; Distinct, Top and the
// string extremes stay the sample's, and Sampled says how many rows they
// describe when that is fewer than all. Booleans get exact Top counts.
// Columns missing from stats are added.
func (t *TableTotals) Apply(stats []ColumnStats, sampled int64) []ColumnStats {
	byName := make(map[string]int, len(stats))
	for i, s := range stats {
		byName[s.Column] = i
	}
	for c, f := range t.schema.Fields() {
		i, ok := byName[f.Name]
		if !ok {
			stats = append(stats, ColumnStats{Column: f.Name, Type: f.Type.String()})
			i = len(stats) - 1
		}
		s := &stats[i]
		ct := &t.cols[c]
		s.Count, s.Nulls = ct.count, ct.nulls
		if sampled < t.rows {
			s.Sampled = sampled
		}
		switch {
		case f.Type.ID() == arrow.BOOL:
			s.Min, s.Max = nil, nil
			if ct.trues+ct.falses > 0 {
				s.Min, s.Max = ct.falses == 0, ct.trues > 0
				s.Top = s.Top[:0]
				for _, tv := range []TopValue{{true, ct.trues}, {false, ct.falses}} {
					if tv.Count > 0 {
						s.Top = append(s.Top, tv)
					}
				}
				if len(s.Top) == 2 && s.Top[1].Count > s.Top[0].Count {
					s.Top[0], s.Top[1] = s.Top[1], s.Top[0]
				}
				s.TopApprox = false
			}
		case f.Type.ID() == arrow.TIMESTAMP:
			s.Min, s.Max = nil, nil
			if ct.has {
				s.Min = time.UnixMicro(ct.minI).UTC().Format(time.RFC3339Nano)
				s.Max = time.UnixMicro(ct.maxI).UTC().Format(time.RFC3339Nano)
			}
		case ct.money:
			s.Min, s.Max, s.Mean, s.Sum = nil, nil, nil, ""
			if ct.has {
				s.Min, s.Max = moneyNumber(ct.minI), moneyNumber(ct.maxI)
				s.Sum = moneySum(ct.sumM)
				// The mean is a quotient: exact to the float64 it is
				// printed as, computed from the exact sum.
				m := ct.sumM.ToFloat64(columnar.MoneyScale) / float64(ct.count-ct.nulls)
				s.Mean = &m
			}
		case ct.numeric && ct.isInt:
			s.Min, s.Max, s.Mean = nil, nil, nil
			if ct.has {
				s.Min, s.Max = ct.minI, ct.maxI
				m := ct.sum / float64(ct.count-ct.nulls)
				s.Mean = &m
			}
		case ct.numeric:
			s.Min, s.Max, s.Mean = nil, nil, nil
			if ct.has {
				s.Min, s.Max = ct.minF, ct.maxF
				m := ct.sum / float64(ct.count-ct.nulls)
				s.Mean = &m
			}
		case f.Type.ID() == arrow.LIST:
			s.Elements, s.Mean = ct.elements, nil
			if ct.count > ct.nulls {
				m := ct.sum / float64(ct.count-ct.nulls)
				s.Mean = &m
			}
		}
	}
	return stats
}
