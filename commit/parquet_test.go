package commit

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/duckdb/duckdb-go/v2"
	"github.com/parquet-go/parquet-go"
	"github.com/stretchr/testify/require"

	"ingot/schema"
)

// edgeOrders returns orders rows with the values that are easy to get
// wrong: nulls, empty strings, empty and null lists, null list elements,
// non-ASCII text, timestamps before 1970 and far ahead.
func edgeOrders(mem memory.Allocator) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, schema.OrdersSchema)
	defer b.Release()
	type row struct {
		id, cur  string
		optional *string
		promos   []*string // nil: null list
		created  time.Time
		updated  *time.Time
		total    int64 // ten-thousandths
	}
	s := func(v string) *string { return &v }
	at := func(v time.Time) *time.Time { return &v }
	rows := []row{
		{id: "E1", cur: "EUR", optional: nil, promos: nil, created: time.Date(1969, 12, 31, 23, 59, 59, 999999000, time.UTC), total: 0},
		{id: "E2", cur: "USD", optional: s(""), promos: []*string{}, created: time.Date(2020, 9, 16, 9, 38, 6, 123456000, time.UTC), updated: at(time.Date(2020, 9, 17, 0, 0, 0, 0, time.UTC)), total: -125000},
		{id: "E3 日本ß€", cur: "JPY", optional: s("Zoë \"quoted\", comma"), promos: []*string{s("A"), nil, s(""), s("日本")}, created: time.Date(2262, 4, 11, 23, 47, 16, 0, time.UTC), total: 999_999_999_999_999_990}, // DECIMAL(18,4)'s largest, less the column offsets
	}
	for i, r := range rows {
		str := func(c int, v string) { b.Field(c).(*array.StringBuilder).Append(v) }
		opt := func(c int, v *string) {
			if v == nil {
				b.Field(c).AppendNull()
			} else {
				str(c, *v)
			}
		}
		str(0, r.id)
		str(1, "email")
		str(2, "user@example.com")
		str(3, r.cur)
		for c := 4; c < 10; c++ {
			b.Field(c).(*array.Decimal128Builder).Append(decimal128.FromI64(r.total + int64(c-4)))
		}
		for c := 10; c < 14; c++ {
			opt(c, r.optional)
		}
		lb := b.Field(14).(*array.ListBuilder)
		if r.promos == nil {
			lb.AppendNull()
		} else {
			lb.Append(true)
			for _, p := range r.promos {
				opt2 := lb.ValueBuilder().(*array.StringBuilder)
				if p == nil {
					opt2.AppendNull()
				} else {
					opt2.Append(*p)
				}
			}
		}
		b.Field(15).(*array.TimestampBuilder).Append(arrow.Timestamp(r.created.UnixMicro()))
		if r.updated == nil {
			b.Field(16).AppendNull()
		} else {
			b.Field(16).(*array.TimestampBuilder).Append(arrow.Timestamp(r.updated.UnixMicro()))
		}
		str(17, fmt.Sprintf("%016x", uint64(i)*0x9E3779B97F4A7C15))
		str(18, "imp-edge")
		str(19, "edge.csv")
		b.Field(20).(*array.Int64Builder).Append(int64(i + 2))
	}
	return b.NewRecordBatch()
}

// arrowRows returns the rows of recs as Go values, as duckdbRows does.
func arrowRows(recs []arrow.RecordBatch) [][]any {
	var out [][]any
	for _, rec := range recs {
		for i := range int(rec.NumRows()) {
			row := make([]any, rec.NumCols())
			for c, col := range rec.Columns() {
				row[c] = arrowValue(col, i)
			}
			out = append(out, row)
		}
	}
	return out
}

// scaled is a DECIMAL(18,4) value in ten-thousandths, as arrowValue and
// duckdbRows return it: its own type, so a BIGINT never compares equal.
type scaled int64

func arrowValue(a arrow.Array, i int) any {
	if a.IsNull(i) {
		return nil
	}
	switch a := a.(type) {
	case *array.String:
		return a.Value(i)
	case *array.Float64:
		return a.Value(i)
	case *array.Decimal128:
		return scaled(a.Value(i).LowBits())
	case *array.Int64:
		return a.Value(i)
	case *array.Int32:
		return a.Value(i)
	case *array.Boolean:
		return a.Value(i)
	case *array.Timestamp:
		return time.UnixMicro(int64(a.Value(i))).UTC()
	case *array.List:
		s, e := a.ValueOffsets(i)
		l := []any{}
		for j := s; j < e; j++ {
			l = append(l, arrowValue(a.ListValues(), int(j)))
		}
		return l
	}
	panic(fmt.Sprintf("type %s", a.DataType()))
}

// duckdbRows runs q and returns its rows as Go values.
func duckdbRows(t *testing.T, db *sql.DB, q string) [][]any {
	t.Helper()
	rows, err := db.Query(q)
	require.NoError(t, err, q)
	defer rows.Close()
	cols, err := rows.Columns()
	require.NoError(t, err)
	var out [][]any
	for rows.Next() {
		row := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range row {
			ptrs[i] = &row[i]
		}
		require.NoError(t, rows.Scan(ptrs...))
		for i, v := range row {
			switch v := v.(type) {
			case time.Time:
				row[i] = v.UTC()
			case duckdb.Decimal:
				require.Equal(t, [2]uint8{18, 4}, [2]uint8{v.Width, v.Scale}, "money is DECIMAL(18,4)")
				require.True(t, v.Value.IsInt64())
				row[i] = scaled(v.Value.Int64())
			}
		}
		out = append(out, row)
	}
	require.NoError(t, rows.Err())
	return out
}

func openDuckDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	return db
}

func parquetGlob(s *LocalStore, table string) string {
	return sqlString(filepath.Join(s.Dir(), table, "**", "*.parquet"))
}

func TestTableWriterDuckDBRoundTrip(t *testing.T) {
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	d := genDataset(mem, 2000, 500, 7)
	defer d.release()
	edge := edgeOrders(mem)
	defer edge.Release()

	s := openTestStore(t)
	opt := WriterOptions{Allocator: mem, RowGroupRows: 700}
	files := writeDataset(t, s, d, opt)
	// The edge rows go to a table of their own, unpartitioned.
	var parts Parts
	ew, err := NewTableWriter(s, "edge", schema.OrdersSchema, "imp-edge", &parts, opt)
	require.NoError(t, err)
	require.NoError(t, ew.Write(ctx, "", edge))
	edgeFiles, err := ew.Close(ctx)
	require.NoError(t, err)
	require.Len(t, edgeFiles, 1)
	require.Equal(t, "edge/part-imp-edge-1.parquet", edgeFiles[0].Path)

	var rows int64
	for _, f := range files {
		st, err := os.Stat(s.LocalPath(f.Path))
		require.NoError(t, err)
		require.Equal(t, st.Size(), f.Bytes, f.Path)
		require.Equal(t, f.Partition, hivePartition(f.Path))
		rows += f.Rows
	}
	require.Equal(t, d.orderRows+d.itemRows, rows)

	db := openDuckDB(t)
	byKey := func(keys ...int) func(a, b []any) int {
		return func(a, b []any) int {
			for _, k := range keys {
				var c int
				switch x := a[k].(type) {
				case string:
					c = strings.Compare(x, b[k].(string))
				case int32:
					c = cmp.Compare(x, b[k].(int32))
				}
				if c != 0 {
					return c
				}
			}
			return 0
		}
	}
	for _, tc := range []struct {
		name string
		q    string
		recs []arrow.RecordBatch
		keys []int
	}{
		{"orders", "SELECT * EXCLUDE (created_month) FROM read_parquet(" + parquetGlob(s, schema.Orders) + ", hive_partitioning = true)", recsOf(d.orders), []int{0}},
		{"line_items", "SELECT * EXCLUDE (created_month) FROM read_parquet(" + parquetGlob(s, schema.LineItems) + ", hive_partitioning = true)", recsOf(d.items), []int{0, 1}},
		{"edge", "SELECT * FROM read_parquet(" + sqlString(s.LocalPath(edgeFiles[0].Path)) + ")", []arrow.RecordBatch{edge}, []int{0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := arrowRows(tc.recs)
			got := duckdbRows(t, db, tc.q)
			slices.SortFunc(want, byKey(tc.keys...))
			slices.SortFunc(got, byKey(tc.keys...))
			require.Equal(t, len(want), len(got))
			for i := range want {
				require.Equal(t, want[i], got[i], "row %d", i)
			}
		})
	}

	// Column types as DuckDB sees them, and the partition from the path.
	types := map[string]string{}
	for _, r := range duckdbRows(t, db, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet("+parquetGlob(s, schema.LineItems)+", hive_partitioning = true, hive_types = {'created_month': VARCHAR}))") {
		types[r[0].(string)] = r[1].(string)
	}
	for col, want := range map[string]string{
		"order_id": "VARCHAR", "line_no": "INTEGER", "categories": "VARCHAR[]", "total": "DECIMAL(18,4)",
		"quantity": "BIGINT", "adult": "BOOLEAN", "subscription_duration": "BIGINT", "created_month": "VARCHAR",
	} {
		require.Equal(t, want, types[col], col)
	}
	types = map[string]string{}
	for _, r := range duckdbRows(t, db, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet("+parquetGlob(s, schema.Orders)+"))") {
		types[r[0].(string)] = r[1].(string)
	}
	require.Equal(t, "TIMESTAMP WITH TIME ZONE", types["created_at"])
	require.Equal(t, "TIMESTAMP WITH TIME ZONE", types["last_updated"])
	require.Equal(t, "VARCHAR[]", types["promotions"])

	// The Parquet logical type itself: TIMESTAMP(MICROS, UTC-adjusted).
	pf := openParquet(t, s, files[0].Path)
	lc, ok := pf.Schema().Lookup("created_at")
	require.True(t, ok)
	require.Equal(t, "TIMESTAMP(isAdjustedToUTC=true,unit=MICROS)", lc.Node.Type().LogicalType().String())
	// Money is INT64 with the DECIMAL(18,4) logical type.
	lc, ok = pf.Schema().Lookup("total")
	require.True(t, ok)
	require.Equal(t, "DECIMAL(18,4)", lc.Node.Type().LogicalType().String())
	require.Equal(t, "INT64", lc.Node.Type().Kind().String())
	require.Equal(t, "DECIMAL(18,4)", types["total"])
	// Columns keep the order of the Arrow schema.
	var names []string
	for _, f := range pf.Schema().Fields() {
		names = append(names, f.Name())
	}
	require.Equal(t, fieldNames(schema.OrdersSchema), names)
}

func fieldNames(s *arrow.Schema) []string {
	var out []string
	for _, f := range s.Fields() {
		out = append(out, f.Name)
	}
	return out
}

func recsOf(prs []partRec) []arrow.RecordBatch {
	out := make([]arrow.RecordBatch, len(prs))
	for i, p := range prs {
		out[i] = p.rec
	}
	return out
}

func openParquet(t *testing.T, s Store, p string) *parquet.File {
	t.Helper()
	r, size, closeFile, err := openStoreFile(context.Background(), s, p)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, closeFile()) })
	pf, err := parquet.OpenFile(r, size)
	require.NoError(t, err)
	return pf
}

func rowGroupRows(t *testing.T, s Store, files []FileInfo) [][]int64 {
	t.Helper()
	var out [][]int64
	for _, f := range files {
		var rgs []int64
		for _, rg := range openParquet(t, s, f.Path).RowGroups() {
			rgs = append(rgs, rg.NumRows())
		}
		out = append(out, rgs)
	}
	return out
}

// TestTableWriterRowGroups checks that row groups are made of many Writes:
// whole RowGroupRows when a partition fills up, and under memory pressure
// still far bigger than the records written.
func TestTableWriterRowGroups(t *testing.T) {
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	d := genDataset(mem, 6000, 300, 3)
	defer d.release()

	t.Run("full", func(t *testing.T) {
		// One partition, records of ~30 rows: row groups of exactly 1000.
		s := newMemStore()
		var parts Parts
		w, err := NewTableWriter(s, schema.Orders, schema.OrdersSchema, "imp", &parts, WriterOptions{Allocator: mem, RowGroupRows: 1000, MaxFileRows: 2500})
		require.NoError(t, err)
		for _, r := range d.orders {
			require.NoError(t, w.Write(ctx, "2020-01", r.rec))
		}
		files, err := w.Close(ctx)
		require.NoError(t, err)
		// Files stop short of MaxFileRows rather than split a row group.
		require.Equal(t, [][]int64{{1000, 1000}, {1000, 1000}, {1000, 1000}}, rowGroupRows(t, s, files))
	})
	t.Run("pressure", func(t *testing.T) {
		// 36 partitions, ~8 orders a Write, 1 MiB budget: each flush
		// still gathers dozens of Writes.
		s := newMemStore()
		var parts Parts
		w, err := NewTableWriter(s, schema.Orders, schema.OrdersSchema, "imp", &parts, WriterOptions{Allocator: mem, MaxBuffered: 1 << 20})
		require.NoError(t, err)
		var writes int
		for _, r := range d.orders {
			require.NoError(t, w.Write(ctx, r.part, r.rec))
			writes++
		}
		files, err := w.Close(ctx)
		require.NoError(t, err)
		require.Len(t, files, 36)
		var groups, rows int64
		for _, rgs := range rowGroupRows(t, s, files) {
			for _, n := range rgs {
				groups++
				rows += n
			}
		}
		perWrite := float64(d.orderRows) / float64(writes)
		perGroup := float64(rows) / float64(groups)
		t.Logf("%d writes of %.1f rows, %d row groups of %.1f rows", writes, perWrite, groups, perGroup)
		require.Greater(t, perGroup, 5*perWrite)
	})
}

// TestTableWriterMemoryBound writes 36 interleaved partitions of records
// generated on the fly, 20 times MaxBuffered in all, and samples the Arrow
// memory held (CheckedAllocator: the writer holds the only references) and
// the Go heap after a GC. Neither grows with the data written.
func TestTableWriterMemoryBound(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 100 MB")
	}
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	const maxBuffered = 2 << 20
	s := newDiscardStore()
	var parts Parts
	opt := WriterOptions{Allocator: mem, MaxBuffered: maxBuffered}
	ow, err := NewTableWriter(s, schema.Orders, schema.OrdersSchema, "imp", &parts, opt)
	require.NoError(t, err)
	iw, err := NewTableWriter(s, schema.LineItems, schema.LineItemsSchema, "imp", &parts, opt)
	require.NoError(t, err)

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	heap0 := ms.HeapAlloc
	var written, peakArrow, biggest int64
	var peakHeap [2]int64 // first and second half of the batches
	const nOrders, batchOrders = 40000, 600
	batches := 0
	genBatches(mem, nOrders, batchOrders, 11, func(orders, items []partRec) {
		// The batch's records not yet written are the test's, not the writers'.
		var unwritten int64
		all := append(orders, items...)
		for _, r := range all {
			unwritten += int64(footprint(r.rec))
		}
		for i, r := range all {
			w := ow
			if i >= len(orders) {
				w = iw
			}
			require.NoError(t, w.Write(ctx, r.part, r.rec))
			size := footprint(r.rec)
			written += size
			unwritten -= size
			biggest = max(biggest, size)
			r.rec.Release()
			peakArrow = max(peakArrow, int64(mem.CurrentAlloc())-unwritten)
		}
		batches++
		if batches%8 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			half := min(1, batches*batchOrders*2/nOrders)
			peakHeap[half] = max(peakHeap[half], int64(ms.HeapAlloc)-int64(heap0))
		}
	})
	_, err = ow.Close(ctx)
	require.NoError(t, err)
	_, err = iw.Close(ctx)
	require.NoError(t, err)
	t.Logf("wrote %d MB of Arrow; held at most %.1f MB of Arrow (2 writers × %d MB budget); live heap at most %.1f MB in the first half, %.1f MB in the second",
		written>>20, float64(peakArrow)/(1<<20), maxBuffered>>20, float64(peakHeap[0])/(1<<20), float64(peakHeap[1])/(1<<20))
	require.Greater(t, written, int64(20*maxBuffered))
	require.LessOrEqual(t, peakArrow, int64(2*(maxBuffered+biggest)))
	// Heap: the Arrow data above plus what the encoders and the 72 open
	// files hold. It does not grow with the rows.
	// (The footers of open files grow by a few KB a row group, and this
	// budget makes row groups of ~60 KB: hence the slack.)
	require.Less(t, peakHeap[1], peakHeap[0]*3/2+8<<20)
	require.Less(t, peakHeap[1], int64(2*2*maxBuffered+72<<20))
}

func TestTableWriterAbort(t *testing.T) {
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	d := genDataset(mem, 3000, 300, 5)
	defer d.release()
	for _, tc := range []struct {
		name  string
		close bool // Close (publishing everything) before Abort
	}{{"buffered and open", false}, {"after close", true}} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTestStore(t)
			var parts Parts
			// Small files and row groups so that some are published before Abort.
			w, err := NewTableWriter(s, schema.LineItems, schema.LineItemsSchema, "imp", &parts,
				WriterOptions{Allocator: mem, RowGroupRows: 200, MaxFileRows: 400})
			require.NoError(t, err)
			for i, r := range d.items {
				require.NoError(t, w.Write(ctx, []string{"2020-01", "2020-02"}[i%2], r.rec))
			}
			if tc.close {
				files, err := w.Close(ctx)
				require.NoError(t, err)
				require.NotEmpty(t, files)
			} else {
				// Encoders run in the background: wait until they have
				// published something, or the test would prove nothing.
				require.Eventually(t, func() bool {
					published, err := s.List(ctx, schema.LineItems+"/")
					return err == nil && len(published) > 0
				}, 10*time.Second, time.Millisecond)
			}
			require.NoError(t, w.Abort(ctx))
			left, err := s.List(ctx, "")
			require.NoError(t, err)
			require.Empty(t, left)
			requireNoTemporaries(t, s)
			require.Error(t, w.Write(ctx, "2020-01", d.items[0].rec))
		})
	}
}

func TestFilterFile(t *testing.T) {
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	d := genDataset(mem, 1500, 500, 9)
	defer d.release()
	for _, store := range []string{"local", "memory"} {
		t.Run(store, func(t *testing.T) {
			var s Store = newMemStore()
			if store == "local" {
				s = openTestStore(t)
			}
			var parts Parts
			w, err := NewTableWriter(s, schema.Orders, schema.OrdersSchema, "imp-1", &parts, WriterOptions{Allocator: mem, RowGroupRows: 300})
			require.NoError(t, err)
			var want []arrow.RecordBatch
			for _, r := range d.orders {
				require.NoError(t, w.Write(ctx, "2021-05", r.rec))
				want = append(want, r.rec)
			}
			files, err := w.Close(ctx)
			require.NoError(t, err)
			require.Len(t, files, 1)
			orig := files[0]

			// Keep the orders whose id ends in an even digit.
			even := func(rec arrow.RecordBatch) []bool {
				ids := rec.Column(0).(*array.String)
				keep := make([]bool, ids.Len())
				for i := range keep {
					id := ids.Value(i)
					keep[i] = (id[len(id)-1]-'0')%2 == 0
				}
				return keep
			}
			got, err := FilterFile(ctx, s, orig, schema.OrdersSchema, "imp-2", &parts, even)
			require.NoError(t, err)
			require.NotEqual(t, orig.Path, got.Path)
			require.Equal(t, "orders/created_month=2021-05/part-imp-2-2.parquet", got.Path)
			require.Equal(t, orig.Partition, got.Partition)
			_, err = s.ReadFile(ctx, orig.Path)
			require.ErrorIs(t, err, fs.ErrNotExist)

			var wantRows [][]any
			for _, row := range arrowRows(want) {
				id := row[0].(string)
				if (id[len(id)-1]-'0')%2 == 0 {
					wantRows = append(wantRows, row)
				}
			}
			require.Equal(t, int64(len(wantRows)), got.Rows)
			var gotRecs []arrow.RecordBatch
			r, size, closeFile, err := openStoreFile(ctx, s, got.Path)
			require.NoError(t, err)
			require.NoError(t, readParquet(ctx, r, size, schema.OrdersSchema, mem, func(rec arrow.RecordBatch) error {
				rec.Retain()
				gotRecs = append(gotRecs, rec)
				return nil
			}))
			require.NoError(t, closeFile())
			require.Equal(t, wantRows, arrowRows(gotRecs))
			for _, r := range gotRecs {
				r.Release()
			}

			// Keeping nothing removes the file and writes none.
			none, err := FilterFile(ctx, s, got, schema.OrdersSchema, "imp-3", &parts, func(rec arrow.RecordBatch) []bool {
				return make([]bool, rec.NumRows())
			})
			require.NoError(t, err)
			require.Equal(t, FileInfo{}, none)
			left, err := s.List(ctx, "")
			require.NoError(t, err)
			require.Empty(t, left)
		})
	}
}

func TestTableWriterErrors(t *testing.T) {
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s := newMemStore()
	var parts Parts
	for _, tc := range []struct {
		opt  WriterOptions
		want string
	}{
		{WriterOptions{RowGroupRows: -1}, "commit.WriterOptions.RowGroupRows"},
		{WriterOptions{MaxBuffered: -1}, "commit.WriterOptions.MaxBuffered"},
		{WriterOptions{RowGroupRows: 100, MaxFileRows: 50}, "commit.WriterOptions.MaxFileRows"},
		{WriterOptions{Concurrency: -2}, "commit.WriterOptions.Concurrency"},
		{WriterOptions{CompressionLevel: 23}, "commit.WriterOptions.CompressionLevel"},
		{WriterOptions{PartitionColumn: "a/b"}, "commit.WriterOptions.PartitionColumn"},
		{WriterOptions{Dictionary: []string{"nope"}}, `dictionary column "nope"`},
	} {
		_, err := NewTableWriter(s, schema.Orders, schema.OrdersSchema, "imp", &parts, tc.opt)
		require.ErrorContains(t, err, tc.want)
	}
	_, err := NewTableWriter(s, "a/b", schema.OrdersSchema, "imp", &parts, WriterOptions{})
	require.ErrorContains(t, err, "table name")
	_, err = NewTableWriter(s, schema.Orders, schema.OrdersSchema, "imp/x", &parts, WriterOptions{})
	require.ErrorContains(t, err, "import id")
	_, err = NewTableWriter(s, "dates", arrow.NewSchema([]arrow.Field{{Name: "d", Type: arrow.FixedWidthTypes.Date32}}, nil), "imp", &parts, WriterOptions{})
	require.ErrorContains(t, err, "unsupported type date32")

	w, err := NewTableWriter(s, schema.Orders, schema.OrdersSchema, "imp", &parts, WriterOptions{Allocator: mem})
	require.NoError(t, err)
	rec := edgeOrders(mem)
	defer rec.Release()
	items := array.NewRecordBuilder(mem, schema.LineItemsSchema)
	wrong := items.NewRecordBatch()
	items.Release()
	defer wrong.Release()
	require.ErrorContains(t, w.Write(ctx, "2020-01", wrong), "schema does not match")
	require.ErrorContains(t, w.Write(ctx, "20/20", rec), "partition value")
	nulls := buildTable(mem, schema.OrdersSchema, 2, func(b *array.RecordBuilder, row int) map[int]bool {
		if row == 1 {
			b.Field(0).AppendNull() // order_id is not nullable
		} else {
			b.Field(0).(*array.StringBuilder).Append("X")
		}
		return map[int]bool{0: true}
	})
	defer nulls.Release()
	require.ErrorContains(t, w.Write(ctx, "2020-01", nulls), "column order_id: expected no nulls")
	require.NoError(t, w.Write(ctx, "2020-01", rec))
	_, err = w.Close(ctx)
	require.NoError(t, err)
	require.ErrorContains(t, w.Write(ctx, "2020-01", rec), "closed")
	_, err = w.Close(ctx)
	require.ErrorContains(t, err, "closed")
}

func TestTableWriterConcurrentWrites(t *testing.T) {
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	d := genDataset(mem, 3000, 200, 13)
	defer d.release()
	s := newMemStore()
	var parts Parts
	w, err := NewTableWriter(s, schema.LineItems, schema.LineItemsSchema, "imp", &parts, WriterOptions{Allocator: mem, MaxBuffered: 256 << 10, RowGroupRows: 500})
	require.NoError(t, err)
	var wg sync.WaitGroup
	for g := range 3 {
		wg.Go(func() {
			for i := g; i < len(d.items); i += 3 {
				require.NoError(t, w.Write(ctx, d.items[i].part, d.items[i].rec))
			}
		})
	}
	wg.Wait()
	files, err := w.Close(ctx)
	require.NoError(t, err)
	var rows int64
	for _, f := range files {
		rows += f.Rows
	}
	require.Equal(t, d.itemRows, rows)
}

func TestHoldCompactsSlices(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	d := genDataset(mem, 20000, 20000, 1)
	defer d.release()
	big := d.items[0].rec
	small := big.NewSlice(0, 3)
	defer small.Release()
	held, err := hold(small, mem)
	require.NoError(t, err)
	require.NotSame(t, small.Column(0).Data(), held.Column(0).Data(), "a 3-row slice of a big record is copied")
	require.Less(t, footprint(held), footprint(small)/10)
	require.Equal(t, arrowRows([]arrow.RecordBatch{small}), arrowRows([]arrow.RecordBatch{held}))
	held.Release()

	whole, err := hold(big, mem)
	require.NoError(t, err)
	require.Same(t, big, whole, "a whole record is kept as is")
	whole.Release()
}
