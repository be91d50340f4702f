package pipeline

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"ingot/columnar"
	"ingot/issue"
	"ingot/transform"
)

var testCodes = transform.Codes{Cast: issue.CastFailed, Timestamp: issue.TimestampPattern,
	Missing: issue.MissingAttribute, Attr: issue.BadAttribute}

// rawBatch builds a raw batch of string columns (nil values are nulls).
func rawBatch(mem memory.Allocator, names []string, cols ...[]*string) *columnar.Batch {
	var arrs []arrow.Array
	n := len(cols[0])
	for _, c := range cols {
		b := array.NewStringBuilder(mem)
		for _, v := range c {
			if v == nil {
				b.AppendNull()
			} else {
				b.Append(*v)
			}
		}
		arrs = append(arrs, b.NewArray())
		b.Release()
	}
	for k := range 2 {
		b := array.NewInt64Builder(mem)
		for i := range n {
			b.Append(int64(i + 2 + k*100))
		}
		arrs = append(arrs, b.NewArray())
		b.Release()
	}
	rec := array.NewRecordBatch(columnar.RawSchema(names, nil), arrs, int64(n))
	for _, a := range arrs {
		a.Release()
	}
	return &columnar.Batch{Source: "in.csv", Rec: rec}
}

func s(v string) *string { return &v }

// TestTransformBatch: the reader's issues follow their columns through
// renames and deletes; the transforms' issues are added on the columns
// they concern; provenance passes through.
func TestTransformBatch(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := rawBatch(mem, []string{"a", "b", "c"},
		[]*string{s("1"), s("x"), s(" 3 ")},
		[]*string{s("p"), s("q"), s("r")},
		[]*string{s("12/1/10 8:26"), s("nope"), nil})
	b.Issues.Add(0, 1, issue.InvalidUTF8, 1) // on b, deleted: now the row's
	b.Issues.Add(2, 0, issue.BareQuote, 2)   // on a, renamed to qty
	b.Issues.Add(1, columnar.RowLevel, issue.FieldCount, 2)
	p, err := transform.Compile([]transform.Step{
		{Op: transform.OpRename, Field: "a", To: "qty"},
		{Op: transform.OpDelete, Field: "b"},
		{Op: transform.OpCast, Field: "qty", Cast: transform.KindInteger},
		{Op: transform.OpTimestamp, Field: "c", Pattern: "M/d/yy H:mm"},
	}, testCodes)
	require.NoError(t, err)
	var tb, ty [][]transform.ValueType
	out, err := TransformBatch(p, b, mem, &tb, &ty)
	require.NoError(t, err)
	b.Release()
	defer out.Release()
	require.Equal(t, []string{"qty", "c", columnar.LineColumn, columnar.OffsetColumn}, fieldNames(out.Rec.Schema()))
	require.Equal(t, []int64{2, 3, 4}, out.Lines())
	require.Equal(t, []int64{102, 103, 104}, out.Offsets())
	require.Equal(t, "3", out.Field(0).Value(2), `" 3 " cast to 3`)
	require.Equal(t, "x", out.Field(0).Value(1), "a failed cast keeps its value")
	require.Equal(t, "2010-12-01T08:26:00Z", out.Field(1).Value(0))
	require.True(t, out.Field(1).IsNull(2), "a null stays null")
	type is struct {
		row, col int32
		code     columnar.Code
	}
	var got []is
	for k := range out.Issues.Code {
		got = append(got, is{out.Issues.Row[k], out.Issues.Col[k], out.Issues.Code[k]})
	}
	require.Equal(t, []is{
		{0, columnar.RowLevel, issue.InvalidUTF8},
		{2, 0, issue.BareQuote},
		{1, columnar.RowLevel, issue.FieldCount},
		{1, 0, issue.CastFailed},
		{1, 1, issue.TimestampPattern},
	}, got)
}

// TestTransformBatchTypes: a JSON batch keeps each column's value types:
// an untouched column its own, a mapped one the types its map gave.
func TestTransformBatchTypes(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := rawBatch(mem, []string{"tier", "tags"},
		[]*string{s("1"), s("1"), s("true"), nil},
		[]*string{s(`["a"]`), s(`{"k":1}`), nil, nil})
	b.Types = []columnar.ValueTypes{
		{Row: []columnar.ValueType{columnar.TypeNumber, columnar.TypeString, columnar.TypeBool, columnar.TypeAbsent}},
		{Row: []columnar.ValueType{columnar.TypeArray, columnar.TypeObject, columnar.TypeNull, columnar.TypeAbsent}},
	}
	p, err := transform.Compile([]transform.Step{{Op: transform.OpMap, Field: "tier", Map: &transform.ValueMap{Entries: []transform.MapEntry{
		{From: transform.Value{Type: transform.TypeNumber, Text: "1"}, To: transform.Value{Type: transform.TypeString, Text: "one"}},
		{From: transform.Value{Type: transform.TypeBool, Text: "true"}, To: transform.Value{Type: transform.TypeNumber, Text: "7"}},
	}}}}, testCodes)
	require.NoError(t, err)
	var tb, ty [][]transform.ValueType
	out, err := TransformBatch(p, b, mem, &tb, &ty)
	require.NoError(t, err)
	b.Release()
	defer out.Release()
	require.Equal(t, []string{"one", "1", "7", ""}, []string{out.Field(0).Value(0), out.Field(0).Value(1), out.Field(0).Value(2), out.Field(0).Value(3)})
	want := []columnar.ValueType{columnar.TypeString, columnar.TypeString, columnar.TypeNumber, columnar.TypeNull}
	for r, w := range want {
		require.Equal(t, w, out.Types[0].At(r), "row %d", r)
	}
	require.Equal(t, columnar.TypeArray, out.Types[1].At(0), "an untouched column keeps its types")
	require.Equal(t, columnar.TypeAbsent, out.Types[1].At(3))
}

// TestIssueArgsMatchTransform: the Args the transforms give their issues
// (a cast's kind, an attribute's type) are what package issue's messages
// read.
func TestIssueArgsMatchTransform(t *testing.T) {
	require.Equal(t, [4]int64{int64(issue.CastString), int64(issue.CastInteger), int64(issue.CastFloat), int64(issue.CastBool)},
		[4]int64{int64(transform.KindText), int64(transform.KindInteger), int64(transform.KindFloat), int64(transform.KindBool)})
	for i, name := range transform.AttrTypeNames() {
		at, ok := transform.ParseAttrType(name)
		require.True(t, ok)
		require.Equal(t, int64(i), int64(at))
	}
	require.Equal(t, int64(issue.AttrEmail), int64(transform.AttrEmail))
	require.Equal(t, int64(issue.AttrSelect), int64(transform.AttrSelect))
	require.Equal(t, int64(issue.AttrDate), int64(transform.AttrDate))
}

func fieldNames(sc *arrow.Schema) []string {
	var out []string
	for _, f := range sc.Fields() {
		out = append(out, f.Name)
	}
	return out
}
