package validate

import (
	"math"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"ingot/schema"
)

func TestHistBin(t *testing.T) {
	tests := []struct {
		v    float64
		want string
	}{
		{-3, "< 1"}, {0, "< 1"}, {0.99, "< 1"}, {math.NaN(), "< 1"},
		{1, "1–2"}, {1.99, "1–2"}, {2, "2–5"}, {4.999, "2–5"}, {5, "5–10"}, {10, "10–20"},
		{19.99, "10–20"}, {2557200, "2M–5M"}, {1e12, "1T–2T"}, {5e12, "≥ 5T"}, {math.Inf(1), "≥ 5T"},
	}
	for _, tc := range tests {
		b := histBin(tc.v)
		bin := Bin{}
		if b > 0 {
			bin.Lo = ptr(histEdges[b-1])
		}
		if b < len(histEdges) {
			bin.Hi = ptr(histEdges[b])
		}
		require.Equal(t, tc.want, binLabel(bin), "%v", tc.v)
	}
}

// The money bins agree with the float ones and are exact at the edges.
func TestHistBinMoney(t *testing.T) {
	for _, v := range []int64{-30000, 0, 9999, 10000, 19999, 20000, 49999, 50000, 99999, 100000, 25572000000, 1e16, 5e16, 999_999_999_999_999_999} {
		require.Equal(t, histBin(float64(v)/1e4), histBinMoney(v), "%d", v)
	}
	require.Equal(t, 0, histBinMoney(9999))
	require.Equal(t, 1, histBinMoney(10000))
	require.Equal(t, len(histEdges), histBinMoney(5e16))
	// A float cannot tell 4999999999999.9999 from 5e12; the money bins can.
	require.Equal(t, len(histEdges)-1, histBinMoney(5e16-1))
}

func ordersRec(t *testing.T, totals ...float64) arrow.RecordBatch {
	t.Helper()
	sc := arrow.NewSchema([]arrow.Field{{Name: "order_id", Type: arrow.BinaryTypes.String}, {Name: "total", Type: schema.Money, Nullable: true}}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	for i, v := range totals {
		b.Field(0).(*array.StringBuilder).Append(string(rune('a' + i)))
		if math.IsNaN(v) {
			b.Field(1).AppendNull()
		} else {
			b.Field(1).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(math.Round(v * 1e4))))
		}
	}
	rec := b.NewRecordBatch()
	t.Cleanup(rec.Release)
	return rec
}

func TestChartCollector(t *testing.T) {
	var c ChartCollector
	require.Nil(t, c.Charts(nil, nil), "nothing counted")

	c.AddRecords(0, "2020-09", true, ordersRec(t, 12.5, 30, -4))
	c.AddRecords(0, "2020-09", false, ordersRec(t, 15))
	c.AddRecords(0, "2021-01", true, ordersRec(t, 1000, math.NaN())) // a null total is not binned
	c.AddRecords(1, "2020-09", true, ordersRec(t, 99999))            // file 1 fails
	c.AddRecords(2, "2022-12", false, ordersRec(t, 7))

	ch := c.Charts(func(f int) bool { return f == 1 }, []ChartDrop{{File: 0, Partition: "2020-09", Changed: true}, {File: 1, Partition: "2020-09"}})
	require.Equal(t, []MonthCount{
		{Month: "2020-09", Records: 3, Changed: 2},
		{Month: "2021-01", Records: 2, Changed: 2},
		{Month: "2022-12", Records: 1, Changed: 0},
	}, ch.RecordsPerMonth)
	h := ch.TotalsHistogram
	require.Equal(t, int64(6), h.Count)
	require.Equal(t, int64(1), h.Superseded)
	require.Equal(t, int64(1), h.Negative)
	var labels []string
	var counts []int64
	for _, b := range h.Bins {
		labels = append(labels, binLabel(b))
		counts = append(counts, b.Count)
	}
	require.Equal(t, []string{"< 1", "1–2", "2–5", "5–10", "10–20", "20–50", "50–100", "100–200", "200–500", "500–1k", "1k–2k"}, labels)
	require.Equal(t, []int64{1, 0, 0, 1, 2, 1, 0, 0, 0, 0, 1}, counts)

	t.Run("no allocation once warm", func(t *testing.T) {
		rec := ordersRec(t, 1, 2, 3, 40, 500)
		require.Zero(t, testing.AllocsPerRun(100, func() { c.AddRecords(0, "2020-09", true, rec) }))
	})
}
