package columnar

import (
	"bytes"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Strings is a read-only view of an Arrow string column's offsets and
// bytes, for loops that index values without the array's method calls.
type Strings struct {
	offs []int32
	data []byte
	base int32
	n    int
}

// StringsOf views a.
func StringsOf(a *array.String) Strings {
	offs := a.ValueOffsets()
	return Strings{offs: offs, data: a.ValueBytes(), base: offs[0], n: a.Len()}
}

// Len returns the number of values.
func (s Strings) Len() int { return s.n }

// At returns value i; the bytes belong to the column.
func (s Strings) At(i int) []byte {
	return s.data[s.offs[i]-s.base : s.offs[i+1]-s.base]
}

// Check says how a kernel reports bad values: into Issues, for data column
// Col, with code Bad for a value it cannot convert, and, when Required, with
// code Missing for an empty one.
type Check struct {
	Issues   *Issues
	Col      int
	Required bool
	Missing  Code
	Bad      Code
}

func (c *Check) missing(row int) {
	if c.Required {
		c.Issues.Add(row, c.Col, c.Missing, 0)
	}
}

// rowOf returns the source row of the i-th selected value.
func rowOf(sel []int32, i int) int {
	if sel == nil {
		return i
	}
	return int(sel[i])
}

// count returns how many values a kernel visits.
func count(in Strings, sel []int32) int {
	if sel == nil {
		return in.Len()
	}
	return len(sel)
}

// parsed is a builder of fixed-width values that parse kernels fill.
type parsed[T any] interface {
	Reserve(int)
	UnsafeAppend(T)
	UnsafeAppendBoolToBitmap(bool)
}

// parseColumn parses the selected values of in (all of them when sel is
// nil) into out, one value per selected row. Empty values and bad ones
// become nulls; bad ones also add an issue. parse is called only for
// non-empty values.
func parseColumn[T any](in Strings, sel []int32, out parsed[T], c Check, parse func([]byte) (T, bool)) {
	n := count(in, sel)
	out.Reserve(n)
	for i := range n {
		row := rowOf(sel, i)
		v := in.At(row)
		if len(v) == 0 {
			c.missing(row)
			out.UnsafeAppendBoolToBitmap(false)
			continue
		}
		x, ok := parse(v)
		if !ok {
			c.Issues.Add(row, c.Col, c.Bad, 0)
			out.UnsafeAppendBoolToBitmap(false)
			continue
		}
		out.UnsafeAppend(x)
	}
}

// Float64s parses decimal numbers (see ParseDecimal).
func Float64s(in Strings, sel []int32, out *array.Float64Builder, c Check) {
	parseColumn(in, sel, out, c, ParseDecimal)
}

// Int64s parses whole numbers (see ParseInteger).
func Int64s(in Strings, sel []int32, out *array.Int64Builder, c Check) {
	parseColumn(in, sel, out, c, ParseInteger)
}

// Timestamps parses ISO-8601 date-times into microseconds UTC (see
// ParseTimestamp).
func Timestamps(in Strings, sel []int32, out *array.TimestampBuilder, c Check) {
	parseColumn(in, sel, out, c, func(v []byte) (arrow.Timestamp, bool) {
		us, ok := ParseTimestamp(v)
		return arrow.Timestamp(us), ok
	})
}

// Bools parses booleans; an empty value becomes def (never null), so a
// column with a default is never missing.
func Bools(in Strings, sel []int32, out *array.BooleanBuilder, def bool, c Check) {
	n := count(in, sel)
	out.Reserve(n)
	for i := range n {
		row := rowOf(sel, i)
		v := in.At(row)
		if len(v) == 0 {
			out.UnsafeAppend(def)
			continue
		}
		b, ok := ParseBool(v)
		if !ok {
			c.Issues.Add(row, c.Col, c.Bad, 0)
			out.UnsafeAppend(def)
			continue
		}
		out.UnsafeAppend(b)
	}
}

// Texts copies the selected values; empty ones become nulls.
func Texts(in Strings, sel []int32, out *array.StringBuilder, c Check) {
	n := count(in, sel)
	out.Reserve(n)
	if sel == nil {
		out.ReserveData(len(in.data))
	}
	for i := range n {
		row := rowOf(sel, i)
		v := in.At(row)
		if len(v) == 0 {
			c.missing(row)
			out.AppendNull()
			continue
		}
		out.Append(bstr(v))
	}
}

// TextsView returns in with its empty values marked null, sharing in's
// offsets and bytes instead of copying them: only the validity bitmap is
// new. ok is false when in is a slice (offset not 0); use Texts then.
func TextsView(mem memory.Allocator, in *array.String, c Check) (_ arrow.Array, ok bool) {
	d := in.Data()
	if d.Offset() != 0 || in.NullN() != 0 {
		return nil, false
	}
	n := in.Len()
	offs := in.ValueOffsets()
	var bitmap *memory.Buffer
	nulls := 0
	for i := range n {
		if offs[i+1] != offs[i] {
			continue
		}
		if bitmap == nil {
			bitmap = newBuffer(mem, int(bitutil.BytesForBits(int64(n))))
			bits := bitmap.Bytes()
			clear(bits)
			bitutil.SetBitsTo(bits, 0, int64(n), true)
		}
		bitutil.ClearBit(bitmap.Bytes(), i)
		nulls++
		c.missing(i)
	}
	out := array.NewData(arrow.BinaryTypes.String, n, []*memory.Buffer{bitmap, d.Buffers()[1], d.Buffers()[2]}, nil, nulls, 0)
	if bitmap != nil {
		bitmap.Release()
	}
	defer out.Release()
	return array.MakeFromData(out), true
}

// Lists splits the selected values on sep into lists of trimmed, non-empty
// items; an empty value becomes a null list.
func Lists(in Strings, sel []int32, out *array.ListBuilder, sep byte, c Check) {
	n := count(in, sel)
	out.Reserve(n)
	items := out.ValueBuilder().(*array.StringBuilder)
	// Room for every item up front: no more items than separators plus
	// values, no more bytes than the values hold.
	size, seps := 0, 0
	for i := range n {
		v := in.At(rowOf(sel, i))
		size += len(v)
		seps += bytes.Count(v, []byte{sep})
	}
	items.Reserve(seps + n)
	items.ReserveData(size)
	for i := range n {
		row := rowOf(sel, i)
		v := in.At(row)
		if len(TrimSpace(v)) == 0 {
			c.missing(row)
			out.AppendNull()
			continue
		}
		out.Append(true)
		for len(v) > 0 {
			j := bytes.IndexByte(v, sep)
			if j < 0 {
				j = len(v)
			}
			if item := TrimSpace(v[:j]); len(item) > 0 {
				items.UnsafeAppend(item)
			}
			if j == len(v) {
				break
			}
			v = v[j+1:]
		}
	}
}

// Enum matches the selected values, trimmed and in any case, against
// allowed (written in lower case) and writes the allowed spelling; others
// become nulls with an issue.
func Enum(in Strings, sel []int32, out *array.StringBuilder, allowed []string, c Check) {
	n := count(in, sel)
	out.Reserve(n)
	for i := range n {
		row := rowOf(sel, i)
		v := TrimSpace(in.At(row))
		if len(v) == 0 {
			c.missing(row)
			out.AppendNull()
			continue
		}
		k := MatchFold(v, allowed)
		if k < 0 {
			c.Issues.Add(row, c.Col, c.Bad, 0)
			out.AppendNull()
			continue
		}
		out.Append(allowed[k])
	}
}

// MatchFold returns the index of the entry of lower (lower-case ASCII)
// that equals v in any ASCII case, or -1.
func MatchFold(v []byte, lower []string) int {
next:
	for k, s := range lower {
		if len(s) != len(v) {
			continue
		}
		for i := range len(v) {
			c := v[i]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != s[i] {
				continue next
			}
		}
		return k
	}
	return -1
}

// FillDown returns, for every row of in, the last non-empty value at or
// before it, starting from prev; rows before any value get "" and are
// listed in orphans. starts lists the rows where the value changes to a
// new one (a non-empty value different from the one in force): the first
// rows of groups.
func FillDown(in Strings, prev []byte, out *array.StringBuilder, starts []int32, orphans []int32) ([]int32, []int32) {
	n := in.Len()
	out.Reserve(n)
	cur := prev
	for i := range n {
		v := in.At(i)
		if len(v) > 0 && string(v) != string(cur) {
			cur = v
			starts = append(starts, int32(i))
		}
		if len(cur) == 0 {
			orphans = append(orphans, int32(i))
			out.AppendNull()
			continue
		}
		out.Append(bstr(cur))
	}
	return starts, orphans
}

// ListOffsets returns the offsets of a's lists, a[i] being the items
// ListOffsets(a)[i]..[i+1] of a.ListValues(). Unlike List.Offsets, it
// accounts for a being a slice.
func ListOffsets(a *array.List) []int32 {
	off := a.Data().Offset()
	return a.Offsets()[off : off+a.Len()+1]
}
