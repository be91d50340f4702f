package spec

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"ingot/columnar"
	"ingot/internal/shareddata"
	"ingot/transform"
	"ingot/transform/derive"
)

// readCSV reads a small CSV file into a raw batch (string columns and
// provenance), as the CSV reader would.
func readCSV(t *testing.T, mem memory.Allocator, path string) arrow.RecordBatch {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	header, rows := rows[0], rows[1:]
	var arrs []arrow.Array
	for c := range header {
		b := array.NewStringBuilder(mem)
		for _, r := range rows {
			b.Append(r[c])
		}
		arrs = append(arrs, b.NewArray())
		b.Release()
	}
	for range 2 {
		b := array.NewInt64Builder(mem)
		for i := range rows {
			b.Append(int64(i + 2))
		}
		arrs = append(arrs, b.NewArray())
		b.Release()
	}
	rec := array.NewRecordBatch(columnar.RawSchema(header, nil), arrs, int64(len(rows)))
	for _, a := range arrs {
		a.Release()
	}
	return rec
}

// rawBatch builds a one-row raw batch from "name=value" columns.
func rawBatch(mem memory.Allocator, cols ...string) arrow.RecordBatch {
	var names []string
	var arrs []arrow.Array
	for _, c := range cols {
		name, v, _ := strings.Cut(c, "=")
		names = append(names, name)
		b := array.NewStringBuilder(mem)
		b.Append(v)
		arrs = append(arrs, b.NewArray())
		b.Release()
	}
	for range 2 {
		b := array.NewInt64Builder(mem)
		b.Append(2)
		arrs = append(arrs, b.NewArray())
		b.Release()
	}
	rec := array.NewRecordBatch(columnar.RawSchema(names, nil), arrs, 1)
	for _, a := range arrs {
		a.Release()
	}
	return rec
}

// TestExampleOrdersOnOnlineRetail runs the example spec's orders
// transforms, unchanged, on the first thousand rows of the UCI Online
// Retail export: every column lands on its Kevel name, every date parses
// with the spec's pattern, every quantity casts.
func TestExampleOrdersOnOnlineRetail(t *testing.T) {
	path := shareddata.Path(t, "realdata", "online-retail-head1000", "OnlineRetail.csv")
	if _, err := os.Stat(path); err != nil {
		t.Skip("Online Retail sample absent")
	}
	s, err := Load(examplePath, Options{Env: env()})
	require.NoError(t, err)
	orders := s.Imports[2]
	require.Equal(t, "orders", orders.Kind)

	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rec := readCSV(t, mem, path)
	defer rec.Release()
	p, err := transform.Compile(orders.Transforms, transform.Codes{Cast: 1, Timestamp: 2})
	require.NoError(t, err)
	ev := derive.NewEvaluator(context.Background(), mem)
	defer ev.Close()
	p.SetEvaluator(ev)
	r, err := p.Apply(transform.Input{Rec: rec})
	require.NoError(t, err)
	require.Equal(t, []string{"orderId", "lineItem_productId", "lineItem_name", "lineItem_quantity", "createdAt",
		"UnitPrice", "userId", "userIdType", "currency", "lineItem_sku", "lineItem_subtotal", "lineItem_status"}, r.Names)
	require.Zero(t, r.Issues.Len(), "issues on rows %v", r.Issues.Row)
	col := func(name string) *transform.Column {
		for i, n := range r.Names {
			if n == name {
				return r.Column(i)
			}
		}
		t.Fatalf("no column %s", name)
		return nil
	}
	require.Equal(t, "2010-12-01T08:26:00Z", string(col("createdAt").At(0)))
	require.Equal(t, "536365", string(col("orderId").At(0)))
	require.Equal(t, "85123A", string(col("lineItem_sku").At(0)))
	require.Equal(t, "GBP", string(col("currency").At(998)))
	require.Equal(t, "15.3", string(col("lineItem_subtotal").At(0)), "6 × 2.55")
	require.Equal(t, transform.KindTimestamp, r.Kinds[4])
	require.Equal(t, transform.KindInteger, r.Kinds[3])
	out := r.Record(mem)
	defer out.Release()
	require.Equal(t, int64(999), out.NumRows())
}

// TestTimestampPatternsOnRealFiles parses the date columns of real exports
// with the pattern that fits them (no issue) and with the day and month
// swapped (issues on the rows that cannot be read that way, never a
// silent wrong date for them).
func TestTimestampPatternsOnRealFiles(t *testing.T) {
	shared := shareddata.Path(t)
	// (The upper-case Online Retail sample is all 1/12/2010, which reads
	// either way, so only Olist's dates show the swap.)
	tests := []struct {
		file, field, pattern string
		issues               bool
	}{
		{"online-retail-upper232/online_retail_sample.csv", "INVOICEDATE", "d/M/yyyy H:mm", false},
		{"olist-excel-resaved/olist_orders_dataset.csv", "order_purchase_timestamp", "M/d/yyyy H:mm", false},
		{"olist-excel-resaved/olist_orders_dataset.csv", "order_delivered_customer_date", "M/d/yyyy H:mm", false},
		{"olist-excel-resaved/olist_orders_dataset.csv", "order_purchase_timestamp", "d/M/yyyy H:mm", true},
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	for _, tc := range tests {
		t.Run(tc.field+" "+tc.pattern, func(t *testing.T) {
			path := filepath.Join(shared, "realdata", tc.file)
			if _, err := os.Stat(path); err != nil {
				t.Skip("absent: " + tc.file)
			}
			rec := readCSV(t, mem, path)
			defer rec.Release()
			p, err := transform.Compile([]transform.Step{{Op: transform.OpTimestamp, Field: tc.field, Pattern: tc.pattern}}, transform.Codes{Timestamp: 9})
			require.NoError(t, err)
			r, err := p.Apply(transform.Input{Rec: rec})
			require.NoError(t, err)
			if !tc.issues {
				require.Zero(t, r.Issues.Len(), "issues on rows %v", r.Issues.Row)
				return
			}
			require.NotZero(t, r.Issues.Len())
			for k, row := range r.Issues.Row {
				in := rec.Column(int(r.Issues.Col[k])).(*array.String).Value(int(row))
				out := string(r.Column(int(r.Issues.Col[k])).At(int(row)))
				require.Equal(t, in, out, "a rejected value keeps its text")
			}
		})
	}
}
