package commit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/duckdb/duckdb-go/v2"

	"ingot/schema"
)

// Names of the views OpenSQL creates.
const (
	OrdersHistoryView    = "orders_history"
	LineItemsHistoryView = "line_items_history"
	OrdersView           = "orders"
	LineItemsView        = "line_items"
	CustomersHistoryView = "customers_history"
	CustomersView        = "customers"
	ProductsHistoryView  = "products_history"
	ProductsView         = "products"
	EventsHistoryView    = "events_history"
	EventsView           = "events"
)

// OpenSQL returns a DuckDB connection (in memory) with views over the
// committed tables:
//
//   - orders_history, line_items_history: every row of every file the
//     manifests name, with a `version` column (the manifest's) and
//     created_month (from the Hive path);
//   - orders: the current state, per order_id the row of the newest
//     version;
//   - line_items: the line items of the current orders (same order_id and
//     import_id);
//   - customers_history, products_history, and customers, products: per
//     key (user_id_type and user_id; product_id) the newest row, whose
//     attributes are already merged (the import stores the merged set);
//   - events_history (with event_date, from the Hive path, instead of
//     created_month) and events: per event_key the newest row.
//
// With no commits yet the views exist and are empty, typed as the tables.
// The views name the files of the log as it is when OpenSQL runs. Stores
// that are not local are not supported yet. The caller closes the DB.
func OpenSQL(ctx context.Context, s Store) (*sql.DB, error) {
	log, err := ReadLog(ctx, s)
	if err != nil {
		return nil, fmt.Errorf("open sql: %w", err)
	}
	return OpenSQLWithLog(ctx, s, log)
}

// OpenSQLWithLog is OpenSQL over the manifests of log (ascending
// versions) rather than the whole log: reading commands pass what
// ReadLogTolerant trusts, so that one damaged manifest does not stop
// them.
func OpenSQLWithLog(ctx context.Context, s Store, log []Manifest) (*sql.DB, error) {
	stmts, err := viewStatements(s, log)
	if err != nil {
		return nil, fmt.Errorf("open sql over %s: %w", s.URI(), err)
	}
	c, err := duckdb.NewConnector("", nil)
	if err != nil {
		return nil, fmt.Errorf("open sql: %w", err)
	}
	db := sql.OpenDB(c)
	for _, q := range stmts {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return nil, errors.Join(fmt.Errorf("open sql over %s: %w", s.URI(), err), db.Close())
		}
	}
	return db, nil
}

// viewStatements returns the CREATE VIEW statements of OpenSQL.
func viewStatements(s Store, log []Manifest) ([]string, error) {
	var stmts []string
	for _, t := range []struct {
		view, table string
		schema      *arrow.Schema
		part        string
	}{{OrdersHistoryView, schema.Orders, schema.OrdersSchema, schema.PartitionColumn},
		{LineItemsHistoryView, schema.LineItems, schema.LineItemsSchema, schema.PartitionColumn},
		{CustomersHistoryView, schema.Customers, schema.CustomersSchema, schema.PartitionColumn},
		{ProductsHistoryView, schema.Products, schema.ProductsSchema, schema.PartitionColumn},
		{EventsHistoryView, schema.Events, schema.EventsSchema, schema.EventsPartitionColumn}} {
		q, err := historyQuery(s, log, t.table, t.schema, t.part)
		if err != nil {
			return nil, err
		}
		stmts = append(stmts, fmt.Sprintf("CREATE VIEW %s AS %s", t.view, q))
	}
	stmts = append(stmts,
		fmt.Sprintf(`CREATE VIEW %s AS SELECT * FROM %s
QUALIFY row_number() OVER (PARTITION BY order_id ORDER BY version DESC, source_line DESC) = 1`,
			OrdersView, OrdersHistoryView),
		fmt.Sprintf(`CREATE VIEW %s AS SELECT li.* FROM %s li
SEMI JOIN %s o ON li.order_id = o.order_id AND li.import_id = o.import_id`,
			LineItemsView, LineItemsHistoryView, OrdersView),
		fmt.Sprintf(`CREATE VIEW %s AS SELECT * EXCLUDE (%s) FROM %s
QUALIFY row_number() OVER (PARTITION BY user_id_type, user_id ORDER BY version DESC, source_line DESC) = 1`,
			CustomersView, sqlIdent(schema.PartitionColumn), CustomersHistoryView),
		fmt.Sprintf(`CREATE VIEW %s AS SELECT * EXCLUDE (%s) FROM %s
QUALIFY row_number() OVER (PARTITION BY product_id ORDER BY version DESC, source_line DESC) = 1`,
			ProductsView, sqlIdent(schema.PartitionColumn), ProductsHistoryView),
		fmt.Sprintf(`CREATE VIEW %s AS SELECT * FROM %s
QUALIFY row_number() OVER (PARTITION BY event_key ORDER BY version DESC, source_line DESC) = 1`,
			EventsView, EventsHistoryView))
	return stmts, nil
}

// historyQuery returns the SELECT of a history view: the rows of every file
// of table in log, with version and created_month, or an empty typed
// relation when there are none.
func historyQuery(s Store, log []Manifest, table string, sch *arrow.Schema, partCol string) (string, error) {
	paths, versions, parts, err := localFilesPartitioned(s, log, table, partCol)
	if err != nil {
		return "", err
	}
	if len(paths) == 0 {
		cols := make([]string, 0, sch.NumFields()+2)
		for _, f := range sch.Fields() {
			t, err := duckdbType(f.Type)
			if err != nil {
				return "", fmt.Errorf("table %s, column %s: %w", table, f.Name, err)
			}
			cols = append(cols, fmt.Sprintf("CAST(NULL AS %s) AS %s", t, sqlIdent(f.Name)))
		}
		cols = append(cols, "CAST(NULL AS BIGINT) AS version", "CAST(NULL AS VARCHAR) AS "+sqlIdent(partCol))
		return "SELECT " + strings.Join(cols, ", ") + " WHERE false", nil
	}
	var files, rows strings.Builder
	for i, p := range paths {
		if i > 0 {
			files.WriteString(", ")
			rows.WriteString(", ")
		}
		files.WriteString(sqlString(p))
		part := "NULL"
		if parts[i] != "" {
			part = sqlString(parts[i])
		}
		fmt.Fprintf(&rows, "(%s, %d, %s)", sqlString(p), versions[i], part)
	}
	return fmt.Sprintf(`SELECT t.* EXCLUDE (filename), f.version::BIGINT AS version, f.%[3]s::VARCHAR AS %[3]s
FROM read_parquet([%[1]s], filename = true, hive_partitioning = false) t
JOIN (VALUES %[2]s) f(filename, version, %[3]s) ON t.filename = f.filename`,
		files.String(), rows.String(), sqlIdent(partCol)), nil
}
