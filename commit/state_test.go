package commit

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"ingot/columnar"
	"ingot/schema"
)

type testOrder struct {
	id, fp, month string
	items         int
}

// buildTable returns a record of schema with n rows: every column takes
// its zero value except those set by set(builder, row).
func buildTable(mem memory.Allocator, schema *arrow.Schema, n int, set func(b *array.RecordBuilder, row int) map[int]bool) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for row := range n {
		done := set(b, row)
		for c, f := range schema.Fields() {
			if done[c] {
				continue
			}
			switch fb := b.Field(c).(type) {
			case *array.StringBuilder:
				fb.Append(f.Name)
			case *array.Decimal128Builder:
				fb.Append(decimal128.FromI64(15000)) // 1.5
			case *array.Int64Builder:
				fb.Append(int64(row))
			case *array.Int32Builder:
				fb.Append(int32(row))
			case *array.BooleanBuilder:
				fb.Append(false)
			case *array.TimestampBuilder:
				fb.Append(arrow.Timestamp(time.Date(2020, 9, 1, 0, 0, 0, 0, time.UTC).UnixMicro()))
			case *array.ListBuilder:
				fb.AppendEmptyValue()
			}
		}
	}
	return b.NewRecordBatch()
}

// commitOrders commits orders and their line items as version v, the way
// an import does: data files first, then the manifest.
func commitOrders(t *testing.T, s Store, mem memory.Allocator, parts *Parts, v int64, importID string, orders []testOrder) {
	t.Helper()
	ctx := context.Background()
	ow, err := NewTableWriter(s, schema.Orders, schema.OrdersSchema, importID, parts, WriterOptions{Allocator: mem})
	require.NoError(t, err)
	iw, err := NewTableWriter(s, schema.LineItems, schema.LineItemsSchema, importID, parts, WriterOptions{Allocator: mem})
	require.NoError(t, err)
	for _, o := range orders {
		rec := buildTable(mem, schema.OrdersSchema, 1, func(b *array.RecordBuilder, _ int) map[int]bool {
			b.Field(0).(*array.StringBuilder).Append(o.id)
			b.Field(17).(*array.StringBuilder).Append(o.fp)
			b.Field(18).(*array.StringBuilder).Append(importID)
			return map[int]bool{0: true, 17: true, 18: true}
		})
		require.NoError(t, ow.Write(ctx, o.month, rec))
		rec.Release()
		items := buildTable(mem, schema.LineItemsSchema, o.items, func(b *array.RecordBuilder, row int) map[int]bool {
			b.Field(0).(*array.StringBuilder).Append(o.id)
			b.Field(1).(*array.Int32Builder).Append(int32(row + 1))
			b.Field(3).(*array.StringBuilder).Append(fmt.Sprintf("%s-v%d-item%d", o.id, v, row+1))
			b.Field(24).(*array.StringBuilder).Append(importID)
			return map[int]bool{0: true, 1: true, 3: true, 24: true}
		})
		require.NoError(t, iw.Write(ctx, o.month, items))
		items.Release()
	}
	of, err := ow.Close(ctx)
	require.NoError(t, err)
	lf, err := iw.Close(ctx)
	require.NoError(t, err)
	m := testManifest(v)
	m.ImportID = importID
	m.Files = append(of, lf...)
	require.NoError(t, PutManifest(ctx, s, m))
}

// twoCommits commits three orders, then changes A (new fingerprint, one
// line item instead of two, another month) and adds C.
func twoCommits(t *testing.T, s Store, mem memory.Allocator) {
	var parts Parts
	commitOrders(t, s, mem, &parts, 1, "imp-1", []testOrder{
		{id: "A", fp: "00000000000000aa", month: "2020-09", items: 2},
		{id: "B", fp: "00000000000000bb", month: "2020-10", items: 1},
	})
	parts = Parts{}
	commitOrders(t, s, mem, &parts, 2, "imp-2", []testOrder{
		{id: "A", fp: "00000000000000a2", month: "2020-11", items: 1},
		{id: "C", fp: "ffffffffffffffff", month: "2020-11", items: 3},
	})
}

func TestLoadState(t *testing.T) {
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s := openTestStore(t)

	empty, err := LoadState(ctx, s, nil, schema.Orders, "order_id", "fingerprint")
	require.NoError(t, err)
	require.Equal(t, 0, empty.Len())

	twoCommits(t, s, mem)
	log, err := ReadLog(ctx, s)
	require.NoError(t, err)
	require.Len(t, log, 2)

	for _, tc := range []struct {
		name string
		log  []Manifest
		want map[string]uint64
	}{
		{"both", log, map[string]uint64{"A": 0xa2, "B": 0xbb, "C": 0xffffffffffffffff}},
		{"first only", log[:1], map[string]uint64{"A": 0xaa, "B": 0xbb}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			state, err := LoadState(ctx, s, tc.log, schema.Orders, "order_id", "fingerprint")
			require.NoError(t, err)
			require.Equal(t, len(tc.want), state.Len())
			for k, fp := range tc.want {
				got, ok := state.Get(columnar.KeyOfString(k))
				require.True(t, ok, k)
				require.Equal(t, fp, got, k)
			}
		})
	}

	// Files not named by a manifest are not state.
	var parts Parts
	w, err := NewTableWriter(s, schema.Orders, schema.OrdersSchema, "imp-crashed", &parts, WriterOptions{Allocator: mem})
	require.NoError(t, err)
	rec := buildTable(mem, schema.OrdersSchema, 1, func(b *array.RecordBuilder, _ int) map[int]bool {
		b.Field(0).(*array.StringBuilder).Append("Z")
		b.Field(17).(*array.StringBuilder).Append("0000000000000001")
		return map[int]bool{0: true, 17: true}
	})
	require.NoError(t, w.Write(ctx, "2020-09", rec))
	rec.Release()
	_, err = w.Close(ctx)
	require.NoError(t, err)
	state, err := LoadState(ctx, s, log, schema.Orders, "order_id", "fingerprint")
	require.NoError(t, err)
	_, ok := state.Get(columnar.KeyOfString("Z"))
	require.False(t, ok)
}

func TestLoadStateErrors(t *testing.T) {
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s := openTestStore(t)
	var parts Parts
	commitOrders(t, s, mem, &parts, 1, "imp-1", []testOrder{{id: "A", fp: "00000000000000AA", month: "2020-09", items: 1}})
	log, err := ReadLog(ctx, s)
	require.NoError(t, err)
	_, err = LoadState(ctx, s, log, schema.Orders, "order_id", "fingerprint")
	require.ErrorContains(t, err, `key "A": expected a fingerprint of 16 lower-case hex digits, found "00000000000000AA"`)
	_, err = LoadState(ctx, s, log, schema.Orders, "order_id", "nope")
	require.ErrorContains(t, err, "nope")

	_, err = LoadState(ctx, newMemStore(), log, schema.Orders, "order_id", "fingerprint")
	require.ErrorContains(t, err, "not supported yet for this store")
}

func TestParseFingerprint(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"0000000000000000", 0, true},
		{"ffffffffffffffff", 1<<64 - 1, true},
		{"0123456789abcdef", 0x0123456789abcdef, true},
		{"0123456789ABCDEF", 0, false},
		{"123", 0, false},
		{"0123456789abcdeg", 0, false},
		{"00000000000000000", 0, false},
	} {
		got, ok := parseFingerprint(tc.in)
		require.Equal(t, tc.ok, ok, tc.in)
		require.Equal(t, tc.want, got, tc.in)
	}
}
