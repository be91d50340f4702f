package schema

import "github.com/apache/arrow-go/v18/arrow"

// Table describes one committed table.
type Table struct {
	// Name is the table's name, also its top-level folder under the
	// destination.
	Name string
	// Schema is the Arrow schema of its Parquet files. The partition
	// column is not stored in the files: it is the Hive folder name.
	Schema *arrow.Schema
	// Key names the columns that identify a row's record (the current
	// state of a key is its row from the newest commit).
	Key []string
	// Partition is the Hive partition column, e.g. created_month.
	Partition string
	// Dictionary names the columns worth dictionary encoding: those with
	// few distinct values (currencies, statuses, methods, the import's
	// own id and file). High-cardinality columns (ids, names, amounts)
	// encode faster and no larger without a dictionary.
	Dictionary []string
}

// Tables lists every committed table, in the order a report shows them.
var Tables = []*Table{OrdersTable, LineItemsTable, CustomersTable, ProductsTable}

// Lookup returns the table named name, or nil.
func Lookup(name string) *Table {
	for _, t := range Tables {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// PartitionColumn is the Hive partition key of orders and line_items: the
// month of the order's created_at, YYYY-MM.
const PartitionColumn = "created_month"

// Timestamp is the Arrow type of every committed timestamp: microseconds,
// UTC.
var Timestamp = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}

// StringList is the Arrow type of list columns (promotions, categories).
var StringList = arrow.ListOf(arrow.BinaryTypes.String)

func str(name string, nullable bool) arrow.Field {
	return arrow.Field{Name: name, Type: arrow.BinaryTypes.String, Nullable: nullable}
}

// Money is the Arrow type of every money column (total, subtotal, tax,
// shipping, discount, refund, prices): DECIMAL(18,4), exact, committed as
// Parquet INT64 with the DECIMAL logical type. Values are held in 128-bit
// slots (the type DuckDB and every Arrow reader take) but always fit an
// int64 of ten-thousandths.
var Money = &arrow.Decimal128Type{Precision: 18, Scale: 4}

func money(name string) arrow.Field {
	return arrow.Field{Name: name, Type: Money}
}
