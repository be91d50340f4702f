package validate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"ingot/schema"
)

// recordFromJSON builds a record of schema from a JSON array of rows.
func recordFromJSON(t testing.TB, mem memory.Allocator, schema *arrow.Schema, rows string) arrow.RecordBatch {
	t.Helper()
	rec, _, err := array.RecordFromJSON(mem, schema, strings.NewReader(rows))
	require.NoError(t, err)
	return rec
}

// Three orders in two batches; the second batch starts with an order whose
// optional fields are all null.
const (
	ordersBatch1 = `[
{"order_id":"ORD-1","user_id_type":"email","user_id":"a@example.com","currency":"EUR","total":12.5,"subtotal":10,"tax":1.5,"shipping":1,"discount":0,"refund":0,
 "payment_method":"Visa","shipping_method":"UPS","shipping_country":"France","source":"web","promotions":["SPRING","VIP"],
 "created_at":"2020-09-16T09:38:06Z","last_updated":"2020-09-17T10:00:00Z","fingerprint":"f1","import_id":"imp","source_file":"orders.csv","source_line":2},
{"order_id":"ORD-2","user_id_type":"email","user_id":"b@example.com","currency":"EUR","total":100,"subtotal":80,"tax":15,"shipping":5,"discount":10,"refund":0,
 "payment_method":"Visa","shipping_method":null,"shipping_country":"Germany","source":"web","promotions":["VIP"],
 "created_at":"2021-01-02T03:04:05Z","last_updated":null,"fingerprint":"f2","import_id":"imp","source_file":"orders.csv","source_line":4}
]`
	ordersBatch2 = `[
{"order_id":"ORD-3","user_id_type":"email_sha256","user_id":"c","currency":"USD","total":-2.5,"subtotal":-2.5,"tax":0,"shipping":0,"discount":0,"refund":2.5,
 "payment_method":null,"shipping_method":null,"shipping_country":null,"source":null,"promotions":null,
 "created_at":"2019-12-31T23:59:59.5Z","last_updated":null,"fingerprint":"f3","import_id":"imp","source_file":"orders.csv","source_line":7}
]`
	itemsBatch = `[
{"order_id":"ORD-1","line_no":1,"line_item_id":"L1","product_id":"P1","item_group_id":null,"name":"Shirt","sku":"S1","brand":"Acme","category":"Men",
 "categories":["Men","Shirts"],"currency":"EUR","total":10,"subtotal":10,"tax":0,"shipping":0,"discount":0,"refund":0,"quantity":2,"promotions":[],
 "adult":false,"subscription_duration":null,"size":"M","size_system":"EU","status":"paid","import_id":"imp","source_file":"orders.csv","source_line":2},
{"order_id":"ORD-1","line_no":2,"line_item_id":"L2","product_id":"P2","item_group_id":null,"name":"Hat","sku":"S2","brand":"Acme","category":"Men",
 "categories":["Men","Hats"],"currency":"EUR","total":2.5,"subtotal":2.5,"tax":0,"shipping":0,"discount":0,"refund":0,"quantity":1,"promotions":["VIP"],
 "adult":true,"subscription_duration":86400000,"size":null,"size_system":null,"status":"paid","import_id":"imp","source_file":"orders.csv","source_line":3},
{"order_id":"ORD-2","line_no":1,"line_item_id":"L1","product_id":"P1","item_group_id":"G1","name":"Shirt","sku":"S1","brand":null,"category":null,
 "categories":null,"currency":"EUR","total":100,"subtotal":80,"tax":15,"shipping":5,"discount":10,"refund":0,"quantity":4,"promotions":null,
 "adult":false,"subscription_duration":null,"size":"L","size_system":"EU","status":"fulfilled","import_id":"imp","source_file":"orders.csv","source_line":4}
]`
)

func statsByColumn(stats []ColumnStats) map[string]ColumnStats {
	m := make(map[string]ColumnStats, len(stats))
	for _, s := range stats {
		m[s.Column] = s
	}
	return m
}

func fp(f float64) *float64 { return &f }

func TestSummariserKnownAnswers(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()

	s, err := NewSummariser(ctx, map[string]*arrow.Schema{
		schema.Orders:    schema.OrdersSchema,
		schema.LineItems: schema.LineItemsSchema,
	}, SummaryOptions{Queue: 1})
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()

	var wg sync.WaitGroup
	feed := func(table string, schema *arrow.Schema, batches ...string) {
		defer wg.Done()
		for _, b := range batches {
			rec := recordFromJSON(t, mem, schema, b)
			require.NoError(t, s.Add(ctx, table, rec))
			rec.Release() // the Summariser holds its own references
		}
	}
	wg.Add(2)
	go feed(schema.Orders, schema.OrdersSchema, ordersBatch1, ordersBatch2)
	go feed(schema.LineItems, schema.LineItemsSchema, itemsBatch)
	wg.Wait()

	got, err := s.Finish(ctx)
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.Len(t, got[schema.Orders], len(schema.OrdersSchema.Fields()))
	require.Len(t, got[schema.LineItems], len(schema.LineItemsSchema.Fields()))
	orders, items := statsByColumn(got[schema.Orders]), statsByColumn(got[schema.LineItems])

	tests := []struct {
		name string
		got  ColumnStats
		want ColumnStats
	}{
		{"string", orders["order_id"], ColumnStats{Column: "order_id", Type: "VARCHAR", Count: 3, Distinct: 3, Min: "ORD-1", Max: "ORD-3",
			Top: []TopValue{{"ORD-1", 1}, {"ORD-2", 1}, {"ORD-3", 1}}}},
		{"string with nulls", orders["payment_method"], ColumnStats{Column: "payment_method", Type: "VARCHAR", Count: 3, Nulls: 1, Distinct: 1, Min: "Visa", Max: "Visa",
			Top: []TopValue{{"Visa", 2}}}},
		{"all null", orders["last_updated"], ColumnStats{Column: "last_updated", Type: "TIMESTAMP WITH TIME ZONE", Count: 3, Nulls: 2, Distinct: 1,
			Min: "2020-09-17T10:00:00Z", Max: "2020-09-17T10:00:00Z", Top: []TopValue{{"2020-09-17T10:00:00Z", 1}}}},
		{"money", orders["total"], ColumnStats{Column: "total", Type: "DECIMAL(18,4)", Count: 3, Distinct: 3, Min: json.Number("-2.5"), Max: json.Number("100"), Mean: fp(110.0 / 3),
			Top: []TopValue{{json.Number("-2.5"), 1}, {json.Number("12.5"), 1}, {json.Number("100"), 1}}}},
		{"timestamp", orders["created_at"], ColumnStats{Column: "created_at", Type: "TIMESTAMP WITH TIME ZONE", Count: 3, Distinct: 3,
			Min: "2019-12-31T23:59:59.5Z", Max: "2021-01-02T03:04:05Z",
			Top: []TopValue{{"2019-12-31T23:59:59.5Z", 1}, {"2020-09-16T09:38:06Z", 1}, {"2021-01-02T03:04:05Z", 1}}}},
		{"top ranks by count", orders["user_id_type"], ColumnStats{Column: "user_id_type", Type: "VARCHAR", Count: 3, Distinct: 2, Min: "email", Max: "email_sha256",
			Top: []TopValue{{"email", 2}, {"email_sha256", 1}}}},
		{"list of strings", orders["promotions"], ColumnStats{Column: "promotions", Type: "VARCHAR[]", Count: 3, Nulls: 1, Distinct: 2, Min: "SPRING", Max: "VIP",
			Mean: fp(1.5), Elements: 3, Top: []TopValue{{"VIP", 2}, {"SPRING", 1}}}},
		{"list with empty list", items["promotions"], ColumnStats{Column: "promotions", Type: "VARCHAR[]", Count: 3, Nulls: 1, Distinct: 1, Min: "VIP", Max: "VIP",
			Mean: fp(0.5), Elements: 1, Top: []TopValue{{"VIP", 1}}}},
		{"bool", items["adult"], ColumnStats{Column: "adult", Type: "BOOLEAN", Count: 3, Distinct: 2, Min: false, Max: true,
			Top: []TopValue{{false, 2}, {true, 1}}}},
		{"int64", items["quantity"], ColumnStats{Column: "quantity", Type: "BIGINT", Count: 3, Distinct: 3, Min: int64(1), Max: int64(4), Mean: fp(7.0 / 3),
			Top: []TopValue{{int64(1), 1}, {int64(2), 1}, {int64(4), 1}}}},
		{"int32", items["line_no"], ColumnStats{Column: "line_no", Type: "INTEGER", Count: 3, Distinct: 2, Min: int64(1), Max: int64(2), Mean: fp(4.0 / 3),
			Top: []TopValue{{int64(1), 2}, {int64(2), 1}}}},
		{"int64 mostly null", items["subscription_duration"], ColumnStats{Column: "subscription_duration", Type: "BIGINT", Count: 3, Nulls: 2, Distinct: 1,
			Min: int64(86400000), Max: int64(86400000), Mean: fp(86400000), Top: []TopValue{{int64(86400000), 1}}}},
		{"status", items["status"], ColumnStats{Column: "status", Type: "VARCHAR", Count: 3, Distinct: 2, Min: "fulfilled", Max: "paid",
			Top: []TopValue{{"paid", 2}, {"fulfilled", 1}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// approx_count_distinct is a HyperLogLog: close, not exact.
			require.InDelta(t, tc.want.Distinct, tc.got.Distinct, 1, "distinct")
			tc.got.Distinct = tc.want.Distinct
			if tc.want.Mean != nil {
				require.NotNil(t, tc.got.Mean)
				require.InDelta(t, *tc.want.Mean, *tc.got.Mean, 1e-9)
				tc.got.Mean, tc.want.Mean = nil, nil
			}
			require.Equal(t, tc.want, tc.got)
		})
	}
	// An all-null column has no min, max, mean or top values.
	require.Equal(t, ColumnStats{Column: "source", Type: "VARCHAR", Count: 3, Nulls: 1, Distinct: 1, Min: "web", Max: "web", Top: []TopValue{{"web", 2}}}, orders["source"])
	require.Equal(t, ColumnStats{Column: "item_group_id", Type: "VARCHAR", Count: 3, Nulls: 2, Distinct: 1, Min: "G1", Max: "G1", Top: []TopValue{{"G1", 1}}}, items["item_group_id"])
}

func TestSummariserEmptyTable(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	s, err := NewSummariser(ctx, map[string]*arrow.Schema{schema.Orders: schema.OrdersSchema}, SummaryOptions{})
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()
	got, err := s.Finish(ctx)
	require.NoError(t, err)
	for _, cs := range got[schema.Orders] {
		require.Zero(t, cs.Count, cs.Column)
		require.Nil(t, cs.Min, cs.Column)
		require.Nil(t, cs.Mean, cs.Column)
		require.Empty(t, cs.Top, cs.Column)
	}
	require.ErrorIs(t, s.Add(ctx, schema.Orders, recordFromJSON(t, memory.NewGoAllocator(), schema.OrdersSchema, ordersBatch2)), errEnded)
}

func TestSummariserAddErrors(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	s, err := NewSummariser(ctx, map[string]*arrow.Schema{schema.Orders: schema.OrdersSchema}, SummaryOptions{})
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()

	items := recordFromJSON(t, mem, schema.LineItemsSchema, itemsBatch)
	defer items.Release()
	err = s.Add(ctx, schema.LineItems, items)
	require.ErrorContains(t, err, `expected one of the tables orders, found "line_items"`)
	err = s.Add(ctx, schema.Orders, items)
	require.ErrorContains(t, err, `Add to table "orders": expected schema`)
}

// A query that fails while the producer still adds records must make Add
// return its error, not block on the full queue, and every record must be
// released.
func TestSummariserQueryFailsEarly(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	s, err := newSummariser(ctx, map[string]*arrow.Schema{schema.Orders: schema.OrdersSchema}, SummaryOptions{Queue: 1},
		func(t *tableSummary) {
			// Fails on the first row whose total exceeds 50: the second row of the first batch.
			t.streams[0].query = `SELECT count(*), sum(CASE WHEN "total" > 50 THEN error('total too large') ELSE 0 END) FROM $view`
		})
	require.NoError(t, err)

	rec := recordFromJSON(t, mem, schema.OrdersSchema, ordersBatch1)
	defer rec.Release()
	var addErr error
	for range 100 { // far more than the queue holds
		if addErr = s.Add(ctx, schema.Orders, rec); addErr != nil {
			break
		}
	}
	require.ErrorContains(t, addErr, "total too large")
	_, err = s.Finish(ctx)
	require.ErrorContains(t, err, `summary of table "orders"`)
	require.ErrorContains(t, err, "total too large")
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "Close is idempotent")
}

// A query that reads a subset of the columns, in another order, must see
// the right ones: DuckDB 1.4.5's C API Arrow scan would otherwise push the
// projection into a stream that ignores it (duckdb/duckdb-go#24, #28).
func TestSummariserSubsetOfColumns(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	var plan *tableSummary
	s, err := newSummariser(ctx, map[string]*arrow.Schema{schema.Orders: schema.OrdersSchema}, SummaryOptions{},
		func(t *tableSummary) {
			plan = t
			t.streams[0].query = `SELECT max("source_line"), min("total"), max(len("promotions")), min("currency") FROM $view`
		})
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()
	for _, b := range []string{ordersBatch1, ordersBatch2} {
		rec := recordFromJSON(t, mem, schema.OrdersSchema, b)
		require.NoError(t, s.Add(ctx, schema.Orders, rec))
		rec.Release()
	}
	_, err = s.Finish(ctx)
	require.ErrorContains(t, err, "result columns") // the hook's query does not fit the plan
	require.Equal(t, []any{int64(7), json.Number("-2.5"), int64(2), "EUR"}, plan.streams[0].result)
}

// Close without Finish, with queries waiting for more input and records in
// the queue, stops the queries and releases everything.
func TestSummariserCloseWithoutFinish(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	s, err := NewSummariser(ctx, map[string]*arrow.Schema{
		schema.Orders:    schema.OrdersSchema,
		schema.LineItems: schema.LineItemsSchema,
	}, SummaryOptions{Queue: 8})
	require.NoError(t, err)
	rec := recordFromJSON(t, mem, schema.OrdersSchema, ordersBatch1)
	for range 5 {
		require.NoError(t, s.Add(ctx, schema.Orders, rec))
	}
	rec.Release()
	require.NoError(t, s.Close())
	require.ErrorIs(t, s.Add(ctx, schema.Orders, recordFromJSON(t, memory.NewGoAllocator(), schema.OrdersSchema, ordersBatch2)), errEnded)
}

// Cancelling the context given to NewSummariser stops a query that waits
// for input; Finish then reports the cancellation.
func TestSummariserCancel(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx, cancel := context.WithCancel(context.Background())
	s, err := NewSummariser(ctx, map[string]*arrow.Schema{schema.Orders: schema.OrdersSchema}, SummaryOptions{Queue: 1})
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()
	rec := recordFromJSON(t, mem, schema.OrdersSchema, ordersBatch1)
	defer rec.Release()
	require.NoError(t, s.Add(context.Background(), schema.Orders, rec))
	cancel()
	for {
		// The cancelled query stops reading: Add fails once the queue is full.
		if err := s.Add(context.Background(), schema.Orders, rec); err != nil {
			require.ErrorIs(t, err, context.Canceled)
			break
		}
	}
	_, err = s.Finish(context.Background())
	require.Error(t, err)
}

func TestSummaryOptionsValidate(t *testing.T) {
	tests := []struct {
		opt  SummaryOptions
		want string
	}{
		{SummaryOptions{}, ""},
		{SummaryOptions{Threads: 2, MemoryLimit: "1.5 GiB", TopK: 10, Queue: 2}, ""},
		{SummaryOptions{Threads: -1}, "SummaryOptions.Threads: expected 0 (default) or more, found -1"},
		{SummaryOptions{MemoryLimit: "lots"}, `SummaryOptions.MemoryLimit: expected a size such as 512MB or 2GiB, found "lots"`},
		{SummaryOptions{TopK: 1000}, "SummaryOptions.TopK: expected 0 (default) to 256, found 1000"},
		{SummaryOptions{Queue: -2}, "SummaryOptions.Queue"},
	}
	for _, tc := range tests {
		err := tc.opt.Validate()
		if tc.want == "" {
			require.NoError(t, err)
			continue
		}
		require.ErrorContains(t, err, tc.want)
	}
	_, err := NewSummariser(context.Background(), nil, SummaryOptions{})
	require.ErrorContains(t, err, "expected at least one table schema")
	_, err = NewSummariser(context.Background(), map[string]*arrow.Schema{"t": arrow.NewSchema([]arrow.Field{{Name: "m", Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.BinaryTypes.String)}}, nil)}, SummaryOptions{})
	require.ErrorContains(t, err, `table "t", column "m": expected a number, string, boolean, date, timestamp or list type, found map`)
}

func TestTopCounter(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)

	t.Run("exact below capacity", func(t *testing.T) {
		b := array.NewStringBuilder(mem)
		defer b.Release()
		want := map[string]int64{}
		for i := range 10000 {
			v := "v" + strconv.Itoa(i%20) // skewed: v0..v19 often, v20..v199 rarely
			if i%3 == 0 {
				v = "v" + strconv.Itoa(i%200)
			}
			b.Append(v)
			want[v]++
		}
		b.AppendNull()
		arr := b.NewArray()
		defer arr.Release()
		c := newTopCounter(arrow.BinaryTypes.String, 5)
		c.addArray(arr)
		top, approx := c.top()
		require.False(t, approx)
		require.Len(t, top, 5)
		for i, tv := range top {
			require.Equal(t, want[tv.Value.(string)], tv.Count, "value %v", tv.Value)
			if i > 0 {
				require.LessOrEqual(t, tv.Count, top[i-1].Count)
			}
		}
		require.Len(t, want, 200)
	})

	t.Run("heavy hitters among many distinct values", func(t *testing.T) {
		b := array.NewInt64Builder(mem)
		defer b.Release()
		rng := rand.New(rand.NewPCG(1, 2))
		const n = 100_000
		for i := range n {
			switch {
			case i%10 == 0:
				b.Append(-1) // 10%
			case i%25 == 1:
				b.Append(-2) // 4%
			default:
				b.Append(rng.Int64N(1 << 40)) // all distinct, in practice
			}
		}
		arr := b.NewArray()
		defer arr.Release()
		c := newTopCounter(arrow.PrimitiveTypes.Int64, 3)
		c.addArray(arr)
		top, approx := c.top()
		require.True(t, approx)
		require.Equal(t, int64(-1), top[0].Value)
		require.Equal(t, int64(-2), top[1].Value)
		// Lower bounds, short by at most n/256.
		require.LessOrEqual(t, top[0].Count, int64(n/10))
		require.GreaterOrEqual(t, top[0].Count, int64(n/10-n/topTracked))
		require.LessOrEqual(t, top[1].Count, int64(n/25))
		require.GreaterOrEqual(t, top[1].Count, int64(n/25-n/topTracked))
	})

	t.Run("floats and lists", func(t *testing.T) {
		c := newTopCounter(arrow.PrimitiveTypes.Float64, 5)
		arr, _, err := array.FromJSON(mem, arrow.PrimitiveTypes.Float64, strings.NewReader(`[0, -0, 1.5, null, 1.5, 0]`))
		require.NoError(t, err)
		defer arr.Release()
		c.addArray(arr)
		top, _ := c.top()
		require.Equal(t, []TopValue{{0.0, 3}, {1.5, 2}}, top)

		lt := arrow.ListOf(arrow.BinaryTypes.String)
		larr, _, err := array.FromJSON(mem, lt, strings.NewReader(`[["a","b"], null, [], ["b", null], ["b"]]`))
		require.NoError(t, err)
		defer larr.Release()
		// A slice exercises list offsets that do not start at zero.
		sl := array.NewSlice(larr, 1, 5)
		defer sl.Release()
		lc := newTopCounter(lt, 5)
		lc.addArray(sl)
		top, _ = lc.top()
		require.Equal(t, []TopValue{{"b", 2}}, top)
	})
}

// genRecords builds n rows of schema in batches of batch rows, with values
// of realistic cardinality: ids unique, enums small, amounts spread.
func genRecords(mem memory.Allocator, schema *arrow.Schema, n, batch int, seed uint64) []arrow.RecordBatch {
	rng := rand.New(rand.NewPCG(seed, 1))
	statuses := []string{"placed", "paid", "fulfilled", "refunded", "cancelled"}
	currencies := []string{"EUR", "USD", "GBP", "CHF"}
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	var recs []arrow.RecordBatch
	var buf []byte
	for start := 0; start < n; start += batch {
		b := array.NewRecordBuilder(mem, schema)
		rows := min(batch, n-start)
		for i := range rows {
			row := start + i
			for c, f := range schema.Fields() {
				fb := b.Field(c)
				if f.Nullable && rng.IntN(8) == 0 {
					fb.AppendNull()
					continue
				}
				switch fb := fb.(type) {
				case *array.StringBuilder:
					buf = buf[:0]
					switch f.Name {
					case "status":
						buf = append(buf, statuses[rng.IntN(len(statuses))]...)
					case "currency":
						buf = append(buf, currencies[rng.IntN(len(currencies))]...)
					case "order_id":
						buf = strconv.AppendInt(append(buf, "ORD-"...), int64(row*2/5), 10)
					case "user_id_type", "import_id", "source_file", "size_system":
						buf = append(buf, "email"...)
					case "brand", "size", "payment_method", "shipping_method", "shipping_country", "source", "category":
						buf = strconv.AppendInt(append(append(buf, f.Name...), '-'), int64(rng.IntN(40)), 10)
					default:
						buf = strconv.AppendInt(append(append(buf, f.Name...), '-'), int64(row*31+rng.IntN(30)), 36)
					}
					fb.BinaryBuilder.Append(buf)
				case *array.Float64Builder:
					fb.Append(float64(rng.IntN(200000)) / 100)
				case *array.Int64Builder:
					fb.Append(int64(row))
				case *array.Int32Builder:
					fb.Append(int32(1 + rng.IntN(4)))
				case *array.BooleanBuilder:
					fb.Append(rng.IntN(10) == 0)
				case *array.TimestampBuilder:
					fb.Append(arrow.Timestamp(base + rng.Int64N(3*365*86400*1e6)))
				case *array.ListBuilder:
					fb.Append(true)
					vb := fb.ValueBuilder().(*array.StringBuilder)
					for k := rng.IntN(3); k > 0; k-- {
						vb.Append("PROMO-" + strconv.Itoa(rng.IntN(50)))
					}
				}
			}
		}
		recs = append(recs, b.NewRecordBatch())
		b.Release()
	}
	return recs
}

// recordBytes sums the lengths of a record's buffers.
func recordBytes(rec arrow.RecordBatch) int64 {
	var n int64
	var walk func(d arrow.ArrayData)
	walk = func(d arrow.ArrayData) {
		for _, b := range d.Buffers() {
			if b != nil {
				n += int64(b.Len())
			}
		}
		for _, c := range d.Children() {
			walk(c)
		}
	}
	for _, col := range rec.Columns() {
		walk(col.Data())
	}
	return n
}

// peakRSS returns the process's peak resident set (VmHWM) in bytes, or 0
// where /proc is missing.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range bytes.Lines(b) {
		if v, ok := bytes.CutPrefix(line, []byte("VmHWM:")); ok {
			kb, _ := strconv.ParseInt(string(bytes.TrimSpace(bytes.TrimSuffix(bytes.TrimSpace(v), []byte("kB")))), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// cpuSeconds returns the user+system CPU time of the process, DuckDB's
// threads included, from /proc/self/stat (in ticks of 1/100 s), or -1
// where /proc is missing.
func cpuSeconds() float64 {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return -1
	}
	// Fields after the parenthesised command: state is field 3, utime 14, stime 15.
	_, rest, ok := bytes.Cut(b, []byte(") "))
	if !ok {
		return -1
	}
	f := strings.Fields(string(rest))
	if len(f) < 13 {
		return -1
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return float64(ut+st) / 100
}

// resetPeakRSS restarts VmHWM from the current RSS (Linux clear_refs 5).
func resetPeakRSS() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

var benchScale = flag.Int("summary.scale", 1, "multiply the rows of BenchmarkSummariser (10 gives 2.5M line items and 1M orders)")

// BenchmarkSummariser feeds 250,000 line_items rows and 100,000 orders rows
// (times -summary.scale) in batches of 6,000 rows, one goroutine per
// table, through one Summariser per iteration.
func BenchmarkSummariser(b *testing.B) {
	for _, threads := range []int{1, 2} {
		b.Run("threads="+strconv.Itoa(threads), func(b *testing.B) {
			benchmarkSummariser(b, SummaryOptions{Threads: threads})
		})
	}
}

func benchmarkSummariser(b *testing.B, opt SummaryOptions) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(b, 0)
	itemRows, orderRows, batch := 250_000**benchScale, 100_000**benchScale, 6_000
	items := genRecords(mem, schema.LineItemsSchema, itemRows, batch, 1)
	orders := genRecords(mem, schema.OrdersSchema, orderRows, batch, 2)
	defer func() {
		for _, r := range append(items, orders...) {
			r.Release()
		}
	}()
	var size int64
	for _, r := range append(items, orders...) {
		size += recordBytes(r)
	}
	b.SetBytes(size)
	ctx := context.Background()
	resetPeakRSS()
	before := peakRSS()
	cpu0 := cpuSeconds()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		s, err := NewSummariser(ctx, map[string]*arrow.Schema{
			schema.Orders:    schema.OrdersSchema,
			schema.LineItems: schema.LineItemsSchema,
		}, opt)
		require.NoError(b, err)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, in := range []struct {
			table string
			recs  []arrow.RecordBatch
		}{{schema.LineItems, items}, {schema.Orders, orders}} {
			wg.Go(func() {
				for _, r := range in.recs {
					if err := s.Add(ctx, in.table, r); err != nil {
						errs[i] = err
						return
					}
				}
			})
		}
		wg.Wait()
		require.NoError(b, errors.Join(errs...))
		_, err = s.Finish(ctx)
		require.NoError(b, err)
		require.NoError(b, s.Close())
	}
	b.ReportMetric(float64((itemRows+orderRows)*b.N)/b.Elapsed().Seconds(), "rows/s")
	if cpu0 >= 0 {
		b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu-s/op")
	}
	if peak := peakRSS(); peak > 0 {
		b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MiB")
		b.ReportMetric(float64(peak-before)/(1<<20), "RSS-growth-MiB")
		b.ReportMetric(float64(size)/(1<<20), "input-MiB")
	}
}
