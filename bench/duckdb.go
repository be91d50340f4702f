package bench

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	_ "github.com/duckdb/duckdb-go/v2" // the "duckdb" database/sql driver
)

// duckDBImport is the import a user would write in DuckDB SQL instead of
// running ingot: the "join" variant of the performance anchors (number
// the orders by a running count of non-empty orderId, join each row to its
// order's first row, TRY_CAST the numbers, parse the timestamps, COPY to
// zstd Parquet partitioned by month). On a file with ragged rows read_csv
// must be told the dialect and to pad short rows (ragged), because its
// sniffer misreads such files; that also makes it read on one thread.
const duckDBImport = `
COPY (
  WITH src AS (
    SELECT *,
      count(orderId) OVER (ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS grp
    FROM read_csv('{{csv}}', header = true, all_varchar = true{{options}})
  ),
  o AS (
    SELECT grp, orderId, userIdType, userId, currency, total, subtotal, tax, shipping,
      discount, refund, paymentMethod, shippingMethod, shippingCountry, source,
      promotions, createdAt, lastUpdated
    FROM src WHERE orderId IS NOT NULL
  ),
  filled AS (
    SELECT o.* EXCLUDE (grp), src.* EXCLUDE (grp, orderId, userIdType, userId, currency,
      total, subtotal, tax, shipping, discount, refund, paymentMethod, shippingMethod,
      shippingCountry, source, promotions, createdAt, lastUpdated)
    FROM src JOIN o USING (grp)
  )
  SELECT
  orderId, userIdType, userId, currency,
  TRY_CAST(total AS DECIMAL(12,2)) AS total,
  TRY_CAST(subtotal AS DECIMAL(12,2)) AS subtotal,
  TRY_CAST(tax AS DECIMAL(12,2)) AS tax,
  TRY_CAST(shipping AS DECIMAL(12,2)) AS shipping,
  TRY_CAST(discount AS DECIMAL(12,2)) AS discount,
  TRY_CAST(refund AS DECIMAL(12,2)) AS refund,
  paymentMethod, shippingMethod, shippingCountry, source, promotions,
  TRY_STRPTIME(createdAt, '%Y-%m-%dT%H:%M:%S%z') AS createdAt,
  TRY_STRPTIME(lastUpdated, '%Y-%m-%dT%H:%M:%S%z') AS lastUpdated,
  lineItem_id, lineItem_productId, lineItem_itemGroupId, lineItem_name, lineItem_sku,
  lineItem_brand, lineItem_category, lineItem_categories, lineItem_currency,
  TRY_CAST(lineItem_total AS DECIMAL(12,2)) AS lineItem_total,
  TRY_CAST(lineItem_subtotal AS DECIMAL(12,2)) AS lineItem_subtotal,
  TRY_CAST(lineItem_tax AS DECIMAL(12,2)) AS lineItem_tax,
  TRY_CAST(lineItem_shipping AS DECIMAL(12,2)) AS lineItem_shipping,
  TRY_CAST(lineItem_discount AS DECIMAL(12,2)) AS lineItem_discount,
  TRY_CAST(lineItem_refund AS DECIMAL(12,2)) AS lineItem_refund,
  TRY_CAST(lineItem_quantity AS INTEGER) AS lineItem_quantity,
  lineItem_promotions,
  TRY_CAST(lineItem_adult AS BOOLEAN) AS lineItem_adult,
  lineItem_subscriptionDuration, lineItem_size, lineItem_sizeSystem, lineItem_status,
  strftime(TRY_STRPTIME(createdAt, '%Y-%m-%dT%H:%M:%S%z'), '%Y-%m') AS created_month
  FROM filled
) TO '{{out}}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (created_month))`

// runDuckDB runs duckDBImport on csv into out with the given number of
// threads (0: DuckDB's default, one per core) and returns the rows written.
func runDuckDB(ctx context.Context, csv, out string, threads int, ragged bool) (int64, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	setup := []string{"SET TimeZone = 'UTC'", "SET preserve_insertion_order = true"}
	if threads > 0 {
		setup = append(setup, fmt.Sprintf("SET threads = %d", threads))
	}
	for _, s := range setup {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return 0, fmt.Errorf("%s: %w", s, err)
		}
	}
	opts := ""
	if ragged {
		opts = `, delim = ',', quote = '"', escape = '"', null_padding = true, strict_mode = false`
	}
	q := strings.NewReplacer("{{csv}}", strings.ReplaceAll(csv, "'", "''"), "{{out}}", strings.ReplaceAll(out, "'", "''"),
		"{{options}}", opts).Replace(duckDBImport)
	res, err := conn.ExecContext(ctx, q)
	if err != nil {
		return 0, fmt.Errorf("duckdb import: %w", err)
	}
	return res.RowsAffected()
}
