package columnar

import (
	"fmt"
	"math"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// JSONRows renders rows of a record as the members of a JSON object
// (`"name":value,...`, without braces), leaving out nulls. The per-column
// encoders are chosen once, so rendering a row is a loop of appends.
type JSONRows struct {
	cols []jsonCol
}

type jsonCol struct {
	key   []byte // `"name":`
	valid []byte // validity bitmap, nil when the column has no nulls
	off   int    // the array's offset into valid
	write func(dst []byte, i int) []byte
}

// NewJSONRows prepares the encoders for rec's columns. rec must outlive
// the JSONRows.
func NewJSONRows(rec arrow.RecordBatch) (*JSONRows, error) {
	j := &JSONRows{cols: make([]jsonCol, 0, rec.NumCols())}
	for i, f := range rec.Schema().Fields() {
		a := rec.Column(i)
		c := jsonCol{key: append(AppendJSONString(nil, []byte(f.Name)), ':')}
		if a.NullN() > 0 {
			c.valid, c.off = a.NullBitmapBytes(), a.Data().Offset()
		}
		switch a := rec.Column(i).(type) {
		case *array.String:
			s := StringsOf(a)
			c.write = func(dst []byte, i int) []byte { return AppendJSONString(dst, s.At(i)) }
		case *array.Float64:
			v := a.Float64Values()
			c.write = func(dst []byte, i int) []byte { return AppendJSONNumber(dst, v[i]) }
		case *array.Decimal128:
			if t := a.DataType().(*arrow.Decimal128Type); t.Scale != MoneyScale {
				return nil, fmt.Errorf("columnar.NewJSONRows: column %s: only DECIMAL(p,%d), found %s", f.Name, MoneyScale, t)
			}
			v := a.Values()
			c.write = func(dst []byte, i int) []byte { return AppendMoney(dst, int64(v[i].LowBits())) }
		case *array.Int64:
			v := a.Int64Values()
			c.write = func(dst []byte, i int) []byte { return strconv.AppendInt(dst, v[i], 10) }
		case *array.Int32:
			v := a.Int32Values()
			c.write = func(dst []byte, i int) []byte { return strconv.AppendInt(dst, int64(v[i]), 10) }
		case *array.Boolean:
			c.write = func(dst []byte, i int) []byte { return strconv.AppendBool(dst, a.Value(i)) }
		case *array.Timestamp:
			if a.DataType().(*arrow.TimestampType).Unit != arrow.Microsecond {
				return nil, fmt.Errorf("columnar.NewJSONRows: column %s: only microsecond timestamps", f.Name)
			}
			v := a.TimestampValues()
			c.write = func(dst []byte, i int) []byte {
				dst = append(dst, '"')
				return append(AppendTimestamp(dst, int64(v[i])), '"')
			}
		case *array.List:
			items, ok := a.ListValues().(*array.String)
			if !ok {
				return nil, fmt.Errorf("columnar.NewJSONRows: column %s: list of %s", f.Name, a.ListValues().DataType())
			}
			s := StringsOf(items)
			offs := ListOffsets(a)
			c.write = func(dst []byte, i int) []byte {
				dst = append(dst, '[')
				for k := offs[i]; k < offs[i+1]; k++ {
					if k > offs[i] {
						dst = append(dst, ',')
					}
					dst = AppendJSONString(dst, s.At(int(k)))
				}
				return append(dst, ']')
			}
		default:
			return nil, fmt.Errorf("columnar.NewJSONRows: column %s: type %s not supported", f.Name, f.Type)
		}
		j.cols = append(j.cols, c)
	}
	return j, nil
}

// Append appends the members of row i to dst.
func (j *JSONRows) Append(dst []byte, i int) []byte {
	first := true
	for k := range j.cols {
		c := &j.cols[k]
		if c.valid != nil && c.valid[(c.off+i)>>3]&(1<<((c.off+i)&7)) == 0 {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, c.key...)
		dst = c.write(dst, i)
	}
	return dst
}

// appendCents writes f when it has at most two decimals, the common case
// for money, without strconv's shortest-representation search.
func appendCents(dst []byte, f float64) ([]byte, bool) {
	c := math.Round(f * 100)
	if c/100 != f || math.Abs(c) >= 1e15 {
		return dst, false
	}
	n := int64(c)
	if n < 0 {
		dst = append(dst, '-')
		n = -n
	}
	dst = strconv.AppendInt(dst, n/100, 10)
	if cents := n % 100; cents != 0 {
		dst = append(dst, '.', byte('0'+cents/10))
		if cents%10 != 0 {
			dst = append(dst, byte('0'+cents%10))
		}
	}
	return dst, true
}
