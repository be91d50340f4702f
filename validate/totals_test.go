package validate

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"
)

func TestTableTotals(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "i", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
		{Name: "l", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
	}, nil)
	batches := []string{
		`[{"s": "m", "f": 2.5, "i": 3, "b": true, "ts": "2020-01-01T00:00:00Z", "l": ["x", "y"]},
		  {"s": null, "f": null, "i": -1, "b": false, "ts": null, "l": null}]`,
		`[{"s": "apple", "f": -1, "i": null, "b": true, "ts": "2022-12-31T23:59:59.5Z", "l": []},
		  {"s": "zebra", "f": 10, "i": 7, "b": true, "ts": "2021-06-01T12:00:00Z", "l": ["a"]},
		  {"s": "mango", "f": 0, "i": 0, "b": true, "ts": "2021-01-01T00:00:00Z", "l": ["zz"]}]`,
	}
	tt := NewTableTotals(schema)
	for _, js := range batches {
		rec, _, err := array.RecordFromJSON(mem, schema, strings.NewReader(js))
		require.NoError(t, err)
		tt.Add(rec)
		rec.Release()
	}
	require.Equal(t, int64(5), tt.Rows())
	sampled := []ColumnStats{
		{Column: "s", Distinct: 4, Top: []TopValue{{"m", 1}}, Min: "apple", Max: "mango"}, // the sample's
		{Column: "f", Min: 0.0, Max: 2.5},                                                 // replaced
	}
	got := tt.Apply(sampled, 2)
	byName := map[string]ColumnStats{}
	for _, s := range got {
		byName[s.Column] = s
	}
	f := func(v float64) *float64 { return &v }
	require.Equal(t, ColumnStats{Column: "s", Count: 5, Nulls: 1, Distinct: 4, Min: "apple", Max: "mango",
		Top: []TopValue{{"m", 1}}, Sampled: 2}, byName["s"], "string extremes are the sample's")
	require.Equal(t, ColumnStats{Column: "f", Count: 5, Nulls: 1, Min: -1.0, Max: 10.0, Mean: f(11.5 / 4), Sampled: 2}, byName["f"])
	require.Equal(t, ColumnStats{Column: "i", Type: "int64", Count: 5, Nulls: 1, Min: int64(-1), Max: int64(7), Mean: f(9.0 / 4), Sampled: 2}, byName["i"])
	require.Equal(t, ColumnStats{Column: "b", Type: "bool", Count: 5, Min: false, Max: true,
		Top: []TopValue{{true, 4}, {false, 1}}, Sampled: 2}, byName["b"])
	require.Equal(t, "2020-01-01T00:00:00Z", byName["ts"].Min)
	require.Equal(t, "2022-12-31T23:59:59.5Z", byName["ts"].Max)
	require.Equal(t, int64(1), byName["ts"].Nulls)
	require.Equal(t, ColumnStats{Column: "l", Type: "list<item: utf8, nullable>", Count: 5, Nulls: 1, Elements: 4,
		Mean: f(1), Sampled: 2}, byName["l"])

	// Without sampling, Sampled stays zero.
	require.Zero(t, tt.Apply(nil, 5)[0].Sampled)
}
