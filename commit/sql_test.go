package commit

import (
	"context"
	"database/sql"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"
)

func viewTypes(t *testing.T, db *sql.DB, view string) [][]any {
	t.Helper()
	return duckdbRows(t, db, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM "+view+")")
}

func openSQL(t *testing.T, s Store) *sql.DB {
	t.Helper()
	db, err := OpenSQL(context.Background(), s)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	return db
}

func TestOpenSQL(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s := openTestStore(t)
	views := []string{OrdersHistoryView, LineItemsHistoryView, OrdersView, LineItemsView}

	// No commit yet: the views exist, are empty, and have the tables' types.
	db := openSQL(t, s)
	emptyTypes := map[string][][]any{}
	for _, v := range views {
		require.Equal(t, [][]any{{int64(0)}}, duckdbRows(t, db, "SELECT count(*) FROM "+v), v)
		emptyTypes[v] = viewTypes(t, db, v)
	}
	require.Contains(t, emptyTypes[OrdersView], []any{"created_at", "TIMESTAMP WITH TIME ZONE"})
	require.Contains(t, emptyTypes[OrdersView], []any{"version", "BIGINT"})
	require.Contains(t, emptyTypes[LineItemsView], []any{"created_month", "VARCHAR"})

	twoCommits(t, s, mem)
	db = openSQL(t, s)
	for _, v := range views {
		require.Equal(t, emptyTypes[v], viewTypes(t, db, v), "types of %s with and without commits", v)
	}
	for _, tc := range []struct {
		name, q string
		want    [][]any
	}{
		{"history has every version",
			"SELECT order_id, fingerprint, version, created_month, import_id FROM orders_history ORDER BY order_id, version",
			[][]any{
				{"A", "00000000000000aa", int64(1), "2020-09", "imp-1"},
				{"A", "00000000000000a2", int64(2), "2020-11", "imp-2"},
				{"B", "00000000000000bb", int64(1), "2020-10", "imp-1"},
				{"C", "ffffffffffffffff", int64(2), "2020-11", "imp-2"},
			}},
		{"orders is the newest row of each order",
			"SELECT order_id, fingerprint, version, created_month FROM orders ORDER BY order_id",
			[][]any{
				{"A", "00000000000000a2", int64(2), "2020-11"},
				{"B", "00000000000000bb", int64(1), "2020-10"},
				{"C", "ffffffffffffffff", int64(2), "2020-11"},
			}},
		{"line items of the current orders only",
			"SELECT order_id, line_no, product_id, version FROM line_items ORDER BY order_id, line_no",
			[][]any{
				{"A", int32(1), "A-v2-item1", int64(2)},
				{"B", int32(1), "B-v1-item1", int64(1)},
				{"C", int32(1), "C-v2-item1", int64(2)},
				{"C", int32(2), "C-v2-item2", int64(2)},
				{"C", int32(3), "C-v2-item3", int64(2)},
			}},
		{"line items history keeps the old ones",
			"SELECT count(*) FROM line_items_history WHERE order_id = 'A'",
			[][]any{{int64(3)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, duckdbRows(t, db, tc.q))
		})
	}

	_, err := OpenSQL(context.Background(), newMemStore())
	require.NoError(t, err, "an empty store that is not local has nothing to read")
	ms := newMemStore()
	require.NoError(t, PutManifest(context.Background(), ms, testManifest(1)))
	_, err = OpenSQL(context.Background(), ms)
	require.ErrorContains(t, err, "not supported yet for this store")
}
