package columnar

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"
)

func strArray(mem memory.Allocator, vals ...string) *array.String {
	b := array.NewStringBuilder(mem)
	defer b.Release()
	b.AppendValues(vals, nil)
	return b.NewStringArray()
}

// TestKernels runs each kernel over a raw column, with and without a
// selection, and checks the typed output and the issues it records.
func TestKernels(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	const bad, miss Code = 7, 9
	tests := []struct {
		name   string
		in     []string
		sel    []int32
		run    func(in Strings, sel []int32, c Check) arrow.Array
		want   []string // ValueStr of each output value
		issues []int32  // rows with an issue
		codes  []Code
	}{
		{
			name: "float64s", in: []string{"1.5", "", "n/a", " 2 "},
			run: func(in Strings, sel []int32, c Check) arrow.Array {
				b := array.NewFloat64Builder(mem)
				defer b.Release()
				Float64s(in, sel, b, c)
				return b.NewArray()
			},
			want: []string{"1.5", "(null)", "(null)", "2"}, issues: []int32{1, 2}, codes: []Code{miss, bad},
		},
		{
			name: "float64s selected", in: []string{"1.5", "", "n/a", " 2 "}, sel: []int32{3, 0},
			run: func(in Strings, sel []int32, c Check) arrow.Array {
				b := array.NewFloat64Builder(mem)
				defer b.Release()
				Float64s(in, sel, b, c)
				return b.NewArray()
			},
			want: []string{"2", "1.5"},
		},
		{
			name: "int64s", in: []string{"3", "3.0", "3.5", ""},
			run: func(in Strings, sel []int32, c Check) arrow.Array {
				b := array.NewInt64Builder(mem)
				defer b.Release()
				Int64s(in, sel, b, c)
				return b.NewArray()
			},
			want: []string{"3", "3", "(null)", "(null)"}, issues: []int32{2, 3}, codes: []Code{bad, miss},
		},
		{
			name: "bools default false", in: []string{"TRUE", "", "no", "maybe"},
			run: func(in Strings, sel []int32, c Check) arrow.Array {
				b := array.NewBooleanBuilder(mem)
				defer b.Release()
				Bools(in, sel, b, false, c)
				return b.NewArray()
			},
			want: []string{"true", "false", "false", "false"}, issues: []int32{3}, codes: []Code{bad},
		},
		{
			name: "timestamps", in: []string{"2020-09-16T10:38:06+0100", "yesterday", ""},
			run: func(in Strings, sel []int32, c Check) arrow.Array {
				b := array.NewTimestampBuilder(mem, &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"})
				defer b.Release()
				Timestamps(in, sel, b, c)
				return b.NewArray()
			},
			want: []string{"2020-09-16T09:38:06Z", "(null)", "(null)"}, issues: []int32{1, 2}, codes: []Code{bad, miss},
		},
		{
			name: "texts", in: []string{"a", "", "c"}, sel: []int32{2, 1},
			run: func(in Strings, sel []int32, c Check) arrow.Array {
				b := array.NewStringBuilder(mem)
				defer b.Release()
				Texts(in, sel, b, c)
				return b.NewArray()
			},
			want: []string{"c", "(null)"}, issues: []int32{1}, codes: []Code{miss},
		},
		{
			name: "lists", in: []string{"a; b;;c", "", " ; "},
			run: func(in Strings, sel []int32, c Check) arrow.Array {
				b := array.NewListBuilder(mem, arrow.BinaryTypes.String)
				defer b.Release()
				Lists(in, sel, b, ';', c)
				return b.NewArray()
			},
			want: []string{`["a","b","c"]`, "(null)", "[]"}, issues: []int32{1}, codes: []Code{miss},
		},
		{
			name: "enum", in: []string{"Paid", " placed ", "shipped"},
			run: func(in Strings, sel []int32, c Check) arrow.Array {
				b := array.NewStringBuilder(mem)
				defer b.Release()
				Enum(in, sel, b, []string{"placed", "paid"}, c)
				return b.NewArray()
			},
			want: []string{"paid", "placed", "(null)"}, issues: []int32{2}, codes: []Code{bad},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw := strArray(mem, tc.in...)
			defer raw.Release()
			var is Issues
			out := tc.run(StringsOf(raw), tc.sel, Check{Issues: &is, Col: 4, Required: true, Missing: miss, Bad: bad})
			defer out.Release()
			var got []string
			for i := range out.Len() {
				got = append(got, out.ValueStr(i))
			}
			require.Equal(t, tc.want, got)
			require.Equal(t, tc.issues, is.Row)
			require.Equal(t, tc.codes, is.Code)
			for _, c := range is.Col {
				require.Equal(t, int32(4), c)
			}
		})
	}
}

func TestTextsView(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	raw := strArray(mem, "a", "", "ccc", "")
	var is Issues
	v, ok := TextsView(mem, raw, Check{Issues: &is, Col: 1, Required: true, Missing: 3})
	require.True(t, ok)
	raw.Release() // the view keeps the buffers alive
	require.Equal(t, 2, v.NullN())
	require.Equal(t, []string{"a", "(null)", "ccc", "(null)"}, []string{v.ValueStr(0), v.ValueStr(1), v.ValueStr(2), v.ValueStr(3)})
	require.Equal(t, []int32{1, 3}, is.Row)
	v.Release()

	// A slice is refused: the caller copies instead.
	raw = strArray(mem, "a", "b")
	s := array.NewSlice(raw, 1, 2).(*array.String)
	_, ok = TextsView(mem, s, Check{Issues: &is})
	require.False(t, ok)
	s.Release()
	raw.Release()
}

func TestFillDown(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	for _, tc := range []struct {
		prev    string
		in      []string
		want    []string
		starts  []int32
		orphans []int32
	}{
		{"", []string{"", "A", "", "A", "B", ""}, []string{"(null)", "A", "A", "A", "B", "B"}, []int32{1, 4}, []int32{0}},
		{"A", []string{"", "A", "B"}, []string{"A", "A", "B"}, []int32{2}, nil},
		{"A", []string{"B", "A"}, []string{"B", "A"}, []int32{0, 1}, nil},
	} {
		raw := strArray(mem, tc.in...)
		b := array.NewStringBuilder(mem)
		starts, orphans := FillDown(StringsOf(raw), []byte(tc.prev), b, nil, nil)
		out := b.NewArray()
		var got []string
		for i := range out.Len() {
			got = append(got, out.ValueStr(i))
		}
		require.Equal(t, tc.want, got)
		require.Equal(t, tc.starts, starts)
		require.Equal(t, tc.orphans, orphans)
		out.Release()
		b.Release()
		raw.Release()
	}
}
