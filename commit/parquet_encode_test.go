package commit

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/parquet-go/parquet-go/format"
	"github.com/stretchr/testify/require"

	"ingot/schema"
)

// TestDictTable checks the dictionary table against a map on values made
// to collide in its key: short values that differ only in trailing zero
// bytes or length, long values that share their first 16 and last 8 bytes.
func TestDictTable(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var vals [][]byte
	for range 20000 {
		n := r.IntN(41)
		v := make([]byte, n, n+r.IntN(24)) // spare capacity or none
		for i := range v {
			v[i] = "a\x00"[r.IntN(2)]
		}
		if n > 24 && r.IntN(2) == 0 {
			copy(v, "same first sixteen bytes") // only the middle differs
			copy(v[n-8:], "lastlast")
		}
		vals = append(vals, v)
	}
	// The same values again, from other memory.
	for _, v := range vals[:5000] {
		vals = append(vals, bytes.Clone(v))
	}
	var tab dictTable
	for round := range 2 { // the second round after a reset
		want := map[string]int32{}
		for i, v := range vals {
			idx, added := tab.index(v)
			w, ok := want[string(v)]
			if !ok {
				w = int32(len(want))
				want[string(v)] = w
			}
			require.Equal(t, w, idx, "round %d, value %d %q", round, i, v)
			require.Equal(t, !ok, added, "round %d, value %d %q", round, i, v)
		}
		tab.reset()
	}
}

// TestParquetEncoding writes orders (with the edge rows) and line items,
// each into one partition, in row groups of 700 rows cut into pages of
// 2 KiB, with the default dictionary columns, a dictionary on every string
// column and none. Every file must read back the same rows with arrow-go's
// parquet-go's reader and DuckDB, and the footer statistics (null count, min, max of
// every column chunk) and page index must match the data.
func TestParquetEncoding(t *testing.T) {
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	d := genDataset(mem, 2000, 500, 17)
	defer d.release()
	edge := edgeOrders(mem)
	defer edge.Release()
	db := openDuckDB(t)

	for _, tc := range []struct {
		name       string
		dictionary func(*arrow.Schema) []string
	}{
		{"dictionary low", func(*arrow.Schema) []string { return nil }},
		{"dictionary all", stringColumns},
		{"dictionary none", func(*arrow.Schema) []string { return []string{} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTestStore(t)
			var parts Parts
			for _, tb := range []struct {
				table  string
				schema *arrow.Schema
				recs   []arrow.RecordBatch
				key    string
			}{
				{schema.Orders, schema.OrdersSchema, append(recsOf(d.orders), edge), "order_id"},
				{schema.LineItems, schema.LineItemsSchema, recsOf(d.items), "order_id, line_no"},
			} {
				w, err := NewTableWriter(s, tb.table, tb.schema, "imp", &parts, WriterOptions{
					Allocator: mem, RowGroupRows: 700, PageBytes: 2 << 10, Dictionary: tc.dictionary(tb.schema)})
				require.NoError(t, err)
				for _, r := range tb.recs {
					require.NoError(t, w.Write(ctx, "", r))
				}
				files, err := w.Close(ctx)
				require.NoError(t, err)
				require.Len(t, files, 1)
				path := s.LocalPath(files[0].Path)
				want := arrowRows(tb.recs)

				// parquet-go reads the rows back in order.
				got := readRows(t, s, files[0].Path, tb.schema, mem)
				require.Equal(t, len(want), len(got))
				for i := range want {
					require.Equal(t, want[i], got[i], "row %d", i)
				}

				// So does DuckDB (sorted by key on both sides).
				got = duckdbRows(t, db, "SELECT * FROM read_parquet("+sqlString(path)+") ORDER BY "+tb.key)
				keys := len(strings.Split(tb.key, ","))
				slices.SortStableFunc(want, func(a, b []any) int {
					if c := strings.Compare(a[0].(string), b[0].(string)); c != 0 || keys == 1 {
						return c
					}
					return cmp.Compare(a[1].(int32), b[1].(int32))
				})
				require.Equal(t, len(want), len(got))
				for i := range want {
					require.Equal(t, want[i], got[i], "row %d", i)
				}

				checkFooter(t, s, files[0], tb.schema, tb.recs, 700)
			}
		})
	}
}

// readRows reads a Parquet file with parquet-go (readParquet).
func readRows(t *testing.T, s Store, p string, schema *arrow.Schema, mem memory.Allocator) [][]any {
	t.Helper()
	r, size, closeFile, err := openStoreFile(context.Background(), s, p)
	require.NoError(t, err)
	defer func() { require.NoError(t, closeFile()) }()
	var rows [][]any
	require.NoError(t, readParquet(context.Background(), r, size, schema, mem, func(rec arrow.RecordBatch) error {
		rows = append(rows, arrowRows([]arrow.RecordBatch{rec})...)
		return nil
	}))
	return rows
}

// checkFooter compares the statistics and page index of every column chunk
// of f (row groups of rgRows rows of recs, in order) with the data.
func checkFooter(t *testing.T, s Store, f FileInfo, schema *arrow.Schema, recs []arrow.RecordBatch, rgRows int) {
	t.Helper()
	pf := openParquet(t, s, f.Path)
	md := pf.Metadata()
	cis, ois := pf.ColumnIndexes(), pf.OffsetIndexes()
	ncols := schema.NumFields()
	require.Len(t, cis, len(md.RowGroups)*ncols)
	multiPage := 0
	for r, rg := range md.RowGroups {
		lo := int64(r * rgRows)
		require.Equal(t, min(int64(rgRows), f.Rows-lo), rg.NumRows)
		for c, cc := range rg.Columns {
			name := schema.Field(c).Name
			nulls, mn, mx := refStats(recs, c, lo, lo+rg.NumRows)
			st := cc.MetaData.Statistics
			require.Equal(t, nulls, st.NullCount, "row group %d, %s: null count", r, name)
			require.Equal(t, mn, st.MinValue, "row group %d, %s: min", r, name)
			require.Equal(t, mx, st.MaxValue, "row group %d, %s: max", r, name)

			// The pages follow each other from the first data page to the
			// end of the chunk, cover the rows from 0, and their bounds
			// lie within the chunk's.
			locs := ois[r*ncols+c].PageLocations
			require.NotEmpty(t, locs)
			if len(locs) > 1 {
				multiPage++
			}
			start := cc.MetaData.DataPageOffset
			if cc.MetaData.DictionaryPageOffset != 0 {
				start = cc.MetaData.DictionaryPageOffset
			}
			require.Equal(t, cc.MetaData.DataPageOffset, locs[0].Offset)
			require.Equal(t, int64(0), locs[0].FirstRowIndex)
			for i := 1; i < len(locs); i++ {
				require.Equal(t, locs[i-1].Offset+int64(locs[i-1].CompressedPageSize), locs[i].Offset)
				require.Greater(t, locs[i].FirstRowIndex, locs[i-1].FirstRowIndex)
			}
			last := locs[len(locs)-1]
			require.Equal(t, start+cc.MetaData.TotalCompressedSize, last.Offset+int64(last.CompressedPageSize), "row group %d, %s: chunk size", r, name)
			ci := cis[r*ncols+c]
			var pageNulls int64
			for i := range locs {
				pageNulls += ci.NullCounts[i]
				if ci.NullPages[i] || mn == nil {
					continue
				}
				if schema.Field(c).Type.ID() == arrow.STRING || schema.Field(c).Type.ID() == arrow.LIST {
					// Truncated to 16 bytes: a prefix of a value, and above one.
					require.LessOrEqual(t, string(ci.MinValues[i]), string(mx))
					require.GreaterOrEqual(t, string(ci.MaxValues[i]), string(mn[:min(len(mn), 16)]))
				}
			}
			require.Equal(t, nulls, pageNulls)
		}
	}
	require.Positive(t, multiPage, "some column chunks span several pages")
}

// refStats returns the null count and the PLAIN-encoded bounds (nil when
// there are no values) of column c over rows [lo, hi) of recs, as Parquet
// defines them: for a list, over its elements, counting null and empty
// lists and null elements as nulls; NaN left out; -0 as a lower bound, +0
// as an upper one.
func refStats(recs []arrow.RecordBatch, c int, lo, hi int64) (nulls int64, mn, mx []byte) {
	var vals []any
	row := int64(0)
	for _, rec := range recs {
		a := rec.Column(c)
		for i := range a.Len() {
			if row >= lo && row < hi {
				if l, ok := a.(*array.List); ok {
					b, e := l.ValueOffsets(i)
					if l.IsNull(i) || b == e {
						nulls++
					}
					if !l.IsNull(i) {
						for j := b; j < e; j++ {
							if l.ListValues().IsNull(int(j)) {
								nulls++
							} else {
								vals = append(vals, l.ListValues().(*array.String).Value(int(j)))
							}
						}
					}
				} else if a.IsNull(i) {
					nulls++
				} else {
					vals = append(vals, rawValue(a, i))
				}
			}
			row++
		}
	}
	vals = slices.DeleteFunc(vals, func(v any) bool { f, ok := v.(float64); return ok && math.IsNaN(f) })
	if len(vals) == 0 {
		return nulls, nil, nil
	}
	less := func(a, b any) int {
		switch a := a.(type) {
		case string:
			return strings.Compare(a, b.(string))
		case int64:
			return cmp.Compare(a, b.(int64))
		case int32:
			return cmp.Compare(a, b.(int32))
		case float64:
			return cmp.Compare(a, b.(float64))
		case bool:
			return cmp.Compare(b2i(a), b2i(b.(bool)))
		}
		panic(fmt.Sprintf("type %T", a))
	}
	plain := func(v any, upper bool) []byte {
		switch v := v.(type) {
		case string:
			return []byte(v)
		case int64:
			return binary.LittleEndian.AppendUint64(nil, uint64(v))
		case int32:
			return binary.LittleEndian.AppendUint32(nil, uint32(v))
		case float64:
			if v == 0 {
				v = math.Copysign(0, map[bool]float64{false: -1, true: 1}[upper])
			}
			return binary.LittleEndian.AppendUint64(nil, math.Float64bits(v))
		case bool:
			return []byte{byte(b2i(v))}
		}
		panic(fmt.Sprintf("type %T", v))
	}
	return nulls, plain(slices.MinFunc(vals, less), false), plain(slices.MaxFunc(vals, less), true)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// rawValue returns a[i] as its Parquet physical value.
func rawValue(a arrow.Array, i int) any {
	switch a := a.(type) {
	case *array.String:
		return a.Value(i)
	case *array.Float64:
		return a.Value(i)
	case *array.Decimal128: // money: INT64 DECIMAL
		return int64(a.Value(i).LowBits())
	case *array.Int64:
		return a.Value(i)
	case *array.Int32:
		return a.Value(i)
	case *array.Boolean:
		return a.Value(i)
	case *array.Timestamp:
		return int64(a.Value(i))
	}
	panic(fmt.Sprintf("type %s", a.DataType()))
}

// TestParquetEncodings pins the encoding of each kind of column, which
// bench/RESULTS.md chose by measurement.
func TestParquetEncodings(t *testing.T) {
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	edge := edgeOrders(mem)
	defer edge.Release()
	s := newMemStore()
	var parts Parts
	w, err := NewTableWriter(s, schema.Orders, schema.OrdersSchema, "imp", &parts, WriterOptions{Allocator: mem})
	require.NoError(t, err)
	require.NoError(t, w.Write(ctx, "", edge))
	files, err := w.Close(ctx)
	require.NoError(t, err)
	pf := openParquet(t, s, files[0].Path)
	enc := map[string]format.Encoding{}
	for _, cc := range pf.Metadata().RowGroups[0].Columns {
		for _, st := range cc.MetaData.EncodingStats {
			if st.PageType == format.DataPageV2 {
				enc[cc.MetaData.PathInSchema[0]] = st.Encoding
			}
		}
		require.Equal(t, format.Zstd, cc.MetaData.Codec)
	}
	require.Equal(t, map[string]format.Encoding{
		"order_id": format.DeltaLengthByteArray, "user_id_type": format.RLEDictionary, "user_id": format.DeltaLengthByteArray,
		"currency": format.RLEDictionary, "total": format.Plain, "subtotal": format.Plain, "tax": format.Plain,
		"shipping": format.Plain, "discount": format.Plain, "refund": format.Plain, "payment_method": format.RLEDictionary,
		"shipping_method": format.RLEDictionary, "shipping_country": format.RLEDictionary, "source": format.RLEDictionary,
		"promotions": format.RLEDictionary, "created_at": format.DeltaBinaryPacked, "last_updated": format.DeltaBinaryPacked,
		"fingerprint": format.DeltaLengthByteArray, "import_id": format.RLEDictionary, "source_file": format.RLEDictionary,
		"source_line": format.DeltaBinaryPacked,
	}, enc)
}
